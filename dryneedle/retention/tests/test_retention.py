"""The clinic's retention periods, the records past them, the admin's confirmation, erasure requests and the
command (docs/retention.md)."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from conftest import make_appointment, make_consultation, make_listing

pytestmark = pytest.mark.django_db


def _at(y, m, d):
    return datetime(y, m, d, 15, 0, tzinfo=UTC)


@pytest.fixture
def old(clinic_a, alice):
    """Someone last seen in March 2016 (a visit), their record made in 2015."""
    from dryneedle.patients.models import Episode, Patient
    from dryneedle.visits.models import Visit

    p = Patient.objects.create(clinic=clinic_a, given_name="Edith", family_name="Olden", birth_date=date(1950, 5, 5),
                               sex="female", email="edith@mail.example", created_by=alice)  # fmt: skip
    Patient.objects.filter(pk=p.pk).update(created=_at(2015, 6, 1))
    ep = Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", start_date=date(2015, 6, 1),
                                clinician=alice, created_by=alice)  # fmt: skip
    Visit.objects.create(clinic=clinic_a, patient=p, episode=ep, practitioner=alice, started=_at(2016, 3, 1))
    make_appointment(p, alice, start=_at(2016, 2, 1), status="attended")
    p.refresh_from_db()
    return p


def _set(clinic, user, record=None, minor=None, enquiry=None):
    from dryneedle.retention import services

    services.set_periods(clinic, user, {"record": record, "minor": minor, "enquiry": enquiry},
                         {"record": "policy", "minor": "policy" if minor else "", "enquiry": "policy"})  # fmt: skip


def test_the_last_contact_is_the_latest_of_every_kind_of_record_and_counts_merged_ones(old, alice, clinic_a):
    from dryneedle.messaging.models import Message
    from dryneedle.patients import merge
    from dryneedle.patients.models import Patient
    from dryneedle.retention.services import last_contacts

    assert last_contacts(clinic_a)[old.pk] == date(2016, 3, 1)
    twin = Patient.objects.create(clinic=clinic_a, given_name="Edith", family_name="Olden", birth_date=date(1950, 5, 5),
                                  sex="female")  # fmt: skip
    m = Message.objects.create(clinic=clinic_a, patient=twin, from_patient=True, body="hello")
    Message.objects.filter(pk=m.pk).update(created=_at(2017, 1, 10))
    Patient.objects.filter(pk=twin.pk).update(created=_at(2015, 1, 1))
    merge.merge(alice, old, twin, "same birth date and name")
    assert last_contacts(clinic_a)[old.pk] == date(2017, 1, 10)  # the twin's message counts for the person


def test_nothing_is_due_until_a_period_is_set_and_a_future_booking_keeps_a_record(old, admin, alice, clinic_a):
    from dryneedle.retention.services import due

    assert due(clinic_a) == []
    _set(clinic_a, admin, record=8)
    [d] = due(clinic_a)
    assert d.patient == old and d.last_contact == date(2016, 3, 1) and d.ends.on == date(2024, 3, 1)
    make_appointment(old, alice, status="cancelled", cancel_reason="moved away")  # a cancelled booking is no contact
    assert len(due(clinic_a)) == 1
    make_appointment(old, alice, start=timezone.now() + timedelta(days=7))
    assert due(clinic_a) == []


def test_the_page_shows_the_sources_held_and_saves_periods_only_with_their_basis(as_admin, admin, clinic_a):
    from dryneedle.audit.models import AuditEvent
    from dryneedle.retention.models import RetentionPeriod

    r = as_admin.get("/retention/")
    assert r.status_code == 200 and b"No source held for US-CO" in r.content
    assert b"dryneedle sets no period for you" in r.content
    r = as_admin.post("/retention/", {"action": "periods", "value_record": "8", "basis_record": ""})
    assert r.status_code == 400 and b"Say which rule or policy this number follows." in r.content
    assert not RetentionPeriod.objects.filter(value__isnull=False).exists()
    r = as_admin.post("/retention/", {"action": "periods", "value_record": "8", "basis_record": "Our policy, 2026",
                                      "value_minor": "300", "basis_minor": "x"})  # fmt: skip
    assert r.status_code == 400 and b"less than or equal to 40" in r.content
    r = as_admin.post("/retention/", {"action": "periods", "value_record": "8", "basis_record": "Our policy, 2026"})
    assert r.status_code == 302
    assert RetentionPeriod.objects.get(clinic=clinic_a, kind="record").value == 8
    assert AuditEvent.objects.get(action="retention.set").detail == "record None->8"


def test_england_shows_the_nhs_code_and_alberta_the_colleges_standard(as_admin, clinic_a):
    clinic_a.jurisdiction = "GB-ENG"
    clinic_a.save()
    assert b"eight years after the last treatment" in as_admin.get("/retention/").content
    clinic_a.jurisdiction = "CA-AB"
    clinic_a.save()
    assert b"ten years after their 18th birthday" in as_admin.get("/retention/").content


def test_the_admin_confirms_by_ticking_and_typing_the_number(as_admin, admin, old, patient, clinic_a):
    from dryneedle.patients.models import Patient

    _set(clinic_a, admin, record=8)
    page = as_admin.get("/retention/").content.decode()
    assert "Edith Olden" in page and "last contact 1 Mar 2016" in page and "Grace Hopper" not in page
    r = as_admin.post("/retention/", {"action": "anonymise", "patients": [str(old.code)], "count": "2"})
    assert r.status_code == 400 and "You ticked 1: type that number to confirm." in r.content.decode()
    other = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Aaron", birth_date=date(1940, 1, 1),
                                   sex="female")  # fmt: skip
    Patient.objects.filter(pk=other.pk).update(created=_at(2010, 1, 1))
    r = as_admin.post(
        "/retention/", {"action": "anonymise", "patients": [str(old.code), str(other.code)], "count": "3"}
    )
    page = r.content.decode()
    assert f'value="{old.code}" checked' in page and f'value="{other.code}" checked' in page  # both stay ticked
    assert Patient.objects.get(pk=old.pk).anonymised_at is None
    r = as_admin.post("/retention/", {"action": "anonymise", "patients": [str(old.code)], "count": "1"}, follow=True)
    assert "Anonymised 1 record." in r.content.decode()
    assert Patient.objects.get(pk=old.pk).anonymised_at is not None
    assert "Edith" not in as_admin.get("/retention/").content.decode()


def test_an_anonymised_record_is_found_nowhere(as_admin, admin, old, clinic_a):
    from dryneedle.retention.anonymise import anonymise

    anonymise(old, admin)
    assert b"Olden" not in as_admin.get("/patients/").content
    r = as_admin.post("/patients/", {"q": "Anonymised"})
    assert str(old.code).encode() not in r.content
    r = as_admin.post("/api/v1/patients/search", {"q": "Anonymised"}, content_type="application/json")
    assert r.json()["items"] == []
    chart = as_admin.get(f"/patients/{old.code}/").content.decode()
    assert "Anonymised record" in chart and "Born 1950 ·" in chart and "Edit details" not in chart
    assert ">Book</a>" not in chart and "Mark this record as entered in error" not in chart
    assert as_admin.get(f"/appointments/patients/{old.code}/book/").status_code == 409
    assert as_admin.get(f"/appointments/patients/{old.code}/waitlist/").status_code == 409
    api = as_admin.get(f"/api/v1/patients/{old.code}").json()
    assert (api["birth_date"], api["birth_year"], api["given_name"]) == (None, 1950, "") and api["anonymised_at"]
    fhir = as_admin.get(f"/fhir/Patient/{old.code}").json()
    assert "name" not in fhir and fhir["birthDate"] == "1950" and "telecom" not in fhir
    assert as_admin.get(f"/exports/subject-access/{old.code}/").status_code == 409
    body = b"".join(as_admin.get("/exports/patients.csv").streaming_content).decode("utf-8-sig")
    [row] = [r for r in csv.DictReader(io.StringIO(body)) if r["code"] == str(old.code)]
    assert (row["given_name"], row["family_name"], row["birth_date"], row["email"]) == ("", "", "1950", "")
    assert row["anonymised_at"]


def test_an_erasure_request_before_the_end_is_kept_with_its_reason_and_goes_first(as_admin, admin, old, patient,
                                                                                 alice, clinic_a):  # fmt: skip
    from dryneedle.retention.models import ErasureRequest

    make_appointment(patient, alice, start=_at(2015, 1, 1), status="attended")
    r = as_admin.get(f"/retention/erasure/{patient.code}/")
    assert b"Not due on any day yet: the clinic has not set how long" in r.content
    _set(clinic_a, admin, record=8)
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    r = as_admin.post(f"/retention/erasure/{patient.code}/", {"received": future})
    assert r.status_code == 400 and b"cannot be received in the future" in r.content
    r = as_admin.post(f"/retention/erasure/{patient.code}/", {"received": "2026-11-30"}, follow=True)
    req = ErasureRequest.objects.get(patient=patient)
    # Grace was created today (the fixture): her last contact is today in the clinic, so she is kept 8 more years.
    today = timezone.localdate(timezone=ZoneInfo(clinic_a.timezone))
    until = today.replace(year=today.year + 8)
    assert req.not_yet_reason.startswith(f"Kept until {until.day} {until:%b %Y}: 8 years after")
    assert b"The erasure request is recorded" in r.content and req.status == "waiting"
    page = as_admin.get("/retention/").content.decode()
    assert "Erasure requests waiting" in page and "received 30 Nov 2026" in page


def test_an_erasure_request_once_due_is_first_in_line_and_closed_by_anonymising(admin, old, clinic_a):
    from dryneedle.patients.models import Patient
    from dryneedle.retention import services

    other = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Aaron", birth_date=date(1940, 1, 1),
                                   sex="female")  # fmt: skip
    Patient.objects.filter(pk=other.pk).update(created=_at(2010, 1, 1))
    _set(clinic_a, admin, record=8)
    assert [d.patient.pk for d in services.due(clinic_a)] == [other.pk, old.pk]  # the oldest contact first
    req = services.record_erasure_request(old, admin, date(2026, 11, 1))
    assert [d.patient.pk for d in services.due(clinic_a)] == [old.pk, other.pk]
    services.anonymise_due(clinic_a, admin, [old])
    req.refresh_from_db()
    assert req.status == "done" and req.done_at is not None and req.not_yet_reason == "(anonymised)"


def test_enquiries_that_never_became_patients_are_anonymised_after_their_period(as_admin, admin, alice, clinic_a):
    from dryneedle.directory.models import ConsultationRequest

    listing = make_listing(alice, clinic_a)
    stale = make_consultation(listing, name="Sam Rivera")
    recent = make_consultation(listing, name="Kim Newer")
    ConsultationRequest.objects.filter(pk=stale.pk).update(created=_at(2020, 1, 1))
    _set(clinic_a, admin, enquiry=2)
    assert b"1 from the directory" in as_admin.get("/retention/").content
    r = as_admin.post("/retention/", {"action": "anonymise", "enquiries": "on"}, follow=True)
    assert "Anonymised 0 records and 1 enquiry." in r.content.decode()
    stale.refresh_from_db()
    recent.refresh_from_db()
    assert (stale.name, stale.email, stale.message) == (
        "(anonymised)",
        "",
        "(anonymised)",
    ) and recent.name == "Kim Newer"


def test_the_command_lists_first_and_anonymises_only_as_a_clinic_admin(old, admin, alice, clinic_a, capsys):
    from dryneedle.patients.models import Patient

    _set(clinic_a, admin, record=8)
    call_command("retention", "--dry-run")
    out = capsys.readouterr().out
    assert f"{old.code}  born 1950  last contact 2016-03-01  period ended 2024-03-01" in out
    assert Patient.objects.get(pk=old.pk).anonymised_at is None
    here = ["--clinic", str(clinic_a.code)]
    for args, message in ((["--by", admin.username], "Name the clinic"),
                          (["--clinic", "nope", "--by", admin.username], "must be a clinic's UUID"),
                          (here, "Say which clinic admin confirms"),
                          ([*here, "--by", alice.username], "is not a clinic admin")):  # fmt: skip
        with pytest.raises(CommandError, match=message) as e:
            call_command("retention", *args)
        assert e.value.returncode == 2
    call_command("retention", "--clinic", str(clinic_a.code), "--by", admin.username)
    assert "Anonymised 1 records and 0 enquiries." in capsys.readouterr().out
    assert Patient.objects.get(pk=old.pk).anonymised_at is not None
    call_command("retention", "--clinic", str(clinic_a.code), "--by", admin.username)  # cron again: nothing left
    assert "0 records and 0 enquiries past" in capsys.readouterr().out


def test_a_child_at_the_last_contact_waits_for_the_clinics_age(admin, alice, clinic_a):
    from dryneedle.patients.models import Patient
    from dryneedle.retention.services import due

    kid = Patient.objects.create(clinic=clinic_a, given_name="Tom", family_name="Young", birth_date=date(2005, 6, 10),
                                 sex="male")  # fmt: skip
    Patient.objects.filter(pk=kid.pk).update(created=_at(2016, 6, 1))
    _set(clinic_a, admin, record=8)
    assert due(clinic_a) == []  # no age set for children: never due
    _set(clinic_a, admin, record=8, minor=21)
    [d] = due(clinic_a)
    assert d.ends.on == date(2026, 6, 10) and d.ends.why == "until the 21st birthday (a child at the last contact)"
