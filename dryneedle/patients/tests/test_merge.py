"""Merging two records of one person and separating them again (issue 18): nothing moves or is deleted, the kept
record shows both histories, lists and searches show it alone, and every step leaves a trail."""

import html
import re
from datetime import date

import pytest

from conftest import client_for, make_appointment, make_user
from dryneedle.audit.models import AuditEvent
from dryneedle.patients import merge
from dryneedle.patients.models import Episode, Patient, PatientMerge

pytestmark = pytest.mark.django_db


@pytest.fixture
def twin(clinic_a, alice):
    """The same Grace Hopper, added again at the desk with a typo in her surname and an episode of her own."""
    p = Patient.objects.create(clinic=clinic_a, given_name="Grace", family_name="Hoper", birth_date=date(1906, 12, 9),
                               sex="female", phone="+1 303 555 0199", created_by=alice)  # fmt: skip
    Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", clinician=alice,
                           start_date=date(2026, 10, 1), created_by=alice)  # fmt: skip
    return p


def text(r) -> str:
    """The page as read: tags gone, spaces collapsed, none before punctuation."""
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", r.content.decode())).split())
    return re.sub(r" ([,.:;)])", r"\1", words)


def test_a_merge_keeps_everything_and_shows_it_on_the_kept_record(clinic_a, admin, alice, patient, episode, twin):
    appt = make_appointment(twin, alice)
    c = client_for(admin)
    page = text(c.get(f"/patients/{patient.code}/merge/?q=hoper"))
    assert "Grace Hoper, born 9 Dec 1906" in page and "1 episode" in page
    url = f"/patients/{patient.code}/merge/"
    r = c.post(url, {"duplicate": twin.code, "reason": "Same phone; confirmed at the desk"})
    assert r.status_code == 400 and "Tick the box to say you have checked." in text(r)
    r = c.post(url, {"duplicate": patient.code, "reason": "x", "confirm": "on"})
    assert r.status_code == 400 and "Choose another record of this clinic." in text(r)
    r = c.post(url, {"duplicate": twin.code, "reason": "Same phone; confirmed at the desk", "confirm": "on"},
               follow=True)  # fmt: skip
    page = text(r)
    assert "Grace Hoper's record is merged into this one" in page
    assert "Also recorded as Grace Hoper (born 9 Dec 1906)" in page
    assert "(as Grace Hoper, born 9 Dec 1906)" in page  # her episode, listed with this record's
    assert appt.start.strftime("%a %-d %b %Y") in page  # and her appointment
    assert "merged — Grace Hoper into Grace Hopper by Ada Admin: “Same phone; confirmed at the desk”" in page
    twin.refresh_from_db()
    assert twin.merged_into == patient and twin.episodes.count() == 1  # nothing moved
    assert list(AuditEvent.objects.filter(action__in=["patient.merge", "patient.merged"], outcome="ok").values_list(
        "action", "patient")) == [("patient.merge", patient.code), ("patient.merged", twin.code)]  # fmt: skip
    # The duplicate's own page says where it went and offers nothing to book on it.
    dup = text(c.get(f"/patients/{twin.code}/"))
    assert (
        "This record was merged into Grace Hopper's record" in dup and "Book" not in dup.split("Appointments")[1][:60]
    )
    # Lists and searches show the kept record only.
    listed = text(c.post("/patients/", {"q": "Grace"}))
    assert "Hopper" in listed and "Hoper" not in listed
    found = c.post("/api/v1/patients/search", {"q": "Grace"}, content_type="application/json").json()
    assert [p["family_name"] for p in found["items"]] == ["Hopper"]
    everyone = c.get("/api/v1/patients?limit=100").json()["items"]
    assert {p["family_name"]: p["merged_into"] for p in everyone}["Hoper"] == str(patient.code)


def test_a_merged_record_is_one_care_team(clinic_a, admin, alice, patient, twin):
    """Mei led only the duplicate's episode: after the merge she is on the person's care team."""
    mei = make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka")
    Episode.objects.filter(patient=twin).update(clinician=mei)
    Patient.objects.filter(pk__in=[patient.pk, twin.pk]).update(created_by=alice)
    assert client_for(mei).get(f"/patients/{patient.code}/").content.decode().count("Open emergency access") == 1
    merge.merge(admin, patient, twin, "Same person")
    page = client_for(mei).get(f"/patients/{patient.code}/").content.decode()
    assert "Open emergency access" not in page and "Episodes of care" in page


def test_separating_again_restores_two_records_and_keeps_the_trail(clinic_a, admin, patient, twin):
    merge.merge(admin, patient, twin, "Same phone")
    c = client_for(admin)
    r = c.post(f"/patients/{twin.code}/separate/", {"reason": ""}, follow=True)
    assert "Say why they are two people after all." in text(r)
    r = c.post(f"/patients/{twin.code}/separate/", {"reason": "Different people: mother and daughter"}, follow=True)
    assert "Grace Hoper's record is a record of its own again." in text(r)
    twin.refresh_from_db()
    assert twin.merged_into is None
    assert list(PatientMerge.objects.order_by("id").values_list("action", flat=True)) == ["merge", "separate"]
    page = text(c.get(f"/patients/{patient.code}/"))
    assert "Also recorded as" not in page and "separated again — Grace Hoper into Grace Hopper" in page
    assert "Hoper" in text(c.post("/patients/", {"q": "Grace"}))
    r = c.post(f"/patients/{twin.code}/separate/", {"reason": "again"}, follow=True)
    assert "is not merged into another" in text(r)


def test_what_cannot_be_merged(clinic_a, clinic_b, admin, patient, twin):
    third = Patient.objects.create(clinic=clinic_a, given_name="G", family_name="H", birth_date=date(1906, 12, 9),
                                   sex="female")  # fmt: skip
    merge.merge(admin, patient, twin, "Same")
    with pytest.raises(Exception, match="already merged into another"):
        merge.merge(admin, third, twin, "Same")
    with pytest.raises(Exception, match="Other records are merged into"):
        merge.merge(admin, third, patient, "Same")
    with pytest.raises(Exception, match="already merged into another: keep the record kept"):
        merge.merge(admin, twin, third, "Same")
    elsewhere = Patient.objects.create(clinic=clinic_b, given_name="G", family_name="H", birth_date=date(1906, 12, 9),
                                       sex="female")  # fmt: skip
    with pytest.raises(Exception, match="Choose another record of this clinic"):
        merge.merge(admin, third, elsewhere, "Same")
    with pytest.raises(Exception, match="Say why"):
        merge.merge(admin, third, patient, " ")


def test_only_a_clinic_admin_merges(clinic_a, alice, bob, patient, twin):
    for user in (alice, bob):
        assert client_for(user).get(f"/patients/{patient.code}/merge/").status_code == 403
        r = client_for(user).post(f"/patients/{twin.code}/separate/", {"reason": "x"})
        assert r.status_code == 403
