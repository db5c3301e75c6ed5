"""Patient and episode pages: works for the treating practitioner, respects
reception's role, and is not found (404, no data) for another clinic."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from conftest import CANARY, today_a
from dryneedle.audit.models import AuditEvent
from dryneedle.patients.models import Episode, Patient, PatientVersion

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "birth_date": "1985-12-10",
    "sex": "female",
    "email": "ada@mail.example",
    "phone": "+1 303 555 0188",
    "address": "12 Analytical Way",
    "preferred_language": "English",
    "emergency_contact_name": "Charles Babbage",
    "emergency_contact_phone": "+1 303 555 0189",
}


def audit_rows(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_it_lists_the_clinics_patients_only(as_alice, patient, foreign_patient):
    r = as_alice.get(reverse("patients:list"))
    assert r.status_code == 200
    assert b"Hopper, Grace" in r.content
    assert CANARY.encode() not in r.content


def test_it_audits_the_list(as_alice, patient):
    as_alice.get(reverse("patients:list"))
    (row,) = audit_rows("patient.list")
    assert row.username == "alice@a.example" and row.outcome == "ok" and row.ip == "127.0.0.1"


def test_it_searches_in_the_post_body(as_alice, patient, clinic_a):
    Patient.objects.create(
        clinic=clinic_a, given_name="Alan", family_name="Turing", birth_date=date(1954, 6, 23), sex="male"
    )
    r = as_alice.post(reverse("patients:list"), {"q": "hopp"})
    assert b"Hopper, Grace" in r.content and b"Turing" not in r.content
    r = as_alice.post(reverse("patients:list"), {"q": "1954-06-23"})
    assert b"Turing" in r.content and b"Hopper" not in r.content


def test_it_rejects_an_unknown_sort(as_alice):
    r = as_alice.get(reverse("patients:list") + "?sort=password")
    assert r.status_code == 400


def test_the_list_query_count_does_not_grow(as_alice, clinic_a, django_assert_max_num_queries):
    def add(n):
        Patient.objects.bulk_create(
            Patient(clinic=clinic_a, given_name=f"P{i}", family_name="Many", birth_date=date(1980, 1, 1), sex="male")
            for i in range(n)
        )

    add(3)
    with django_assert_max_num_queries(20) as small:
        as_alice.get(reverse("patients:list"))
    add(40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        as_alice.get(reverse("patients:list"))


def test_it_shows_the_patient_and_audits_one_read(as_alice, patient, episode):
    r = as_alice.get(reverse("patients:detail", args=[patient.code]))
    assert r.status_code == 200
    assert b"Grace Hopper" in r.content and b"Chronic low back pain" in r.content
    (row,) = audit_rows("patient.view")
    assert row.patient == patient.code and row.category == "demographics" and row.object_id == str(patient.code)
    assert r["Cache-Control"] == "no-store"


def test_reception_sees_demographics_but_no_clinical_notes(as_bob, patient, episode):
    r = as_bob.get(reverse("patients:detail", args=[patient.code]))
    assert r.status_code == 200
    assert b"Grace Hopper" in r.content
    assert b"Chronic low back pain" not in r.content
    assert as_bob.get(reverse("patients:episode", args=[episode.code])).status_code == 403
    assert as_bob.get(reverse("patients:open_episode", args=[patient.code])).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", username="bob@a.example").count() == 2


def test_the_outsider_gets_404_without_data(as_charlie, patient, episode):
    for name, code in (
        ("patients:detail", patient.code),
        ("patients:edit", patient.code),
        ("patients:episode", episode.code),
        ("patients:discharge_episode", episode.code),
    ):
        r = as_charlie.get(reverse(name, args=[code]))
        assert r.status_code == 404
        assert b"Hopper" not in r.content
    assert AuditEvent.objects.filter(action="access.not_found", username="charlie@b.example").count() == 4


def test_the_outsider_cannot_write(as_charlie, patient, episode):
    r = as_charlie.post(reverse("patients:edit", args=[patient.code]), {**NEW_PATIENT, "given_name": "Hacked"})
    assert r.status_code == 404
    r = as_charlie.post(reverse("patients:mark_in_error", args=[patient.code]), {"reason": "x"})
    assert r.status_code == 404
    patient.refresh_from_db()
    assert patient.given_name == "Grace" and patient.status == "active"


def test_it_adds_a_patient(as_bob, clinic_a, bob):
    r = as_bob.post(reverse("patients:add"), NEW_PATIENT)
    p = Patient.objects.get(family_name="Lovelace")
    assert r.status_code == 302 and r["Location"] == reverse("patients:detail", args=[p.code])
    assert p.clinic == clinic_a and p.created_by == bob
    (row,) = audit_rows("patient.create")
    assert row.patient == p.code


def test_adding_someone_already_here_offers_the_existing_record(as_bob, clinic_a, patient, foreign_patient):
    """Issue 18: a duplicate by name and date of birth, email or phone is offered before a second record is made."""
    same = {**NEW_PATIENT, "given_name": "grace", "family_name": "HOPPER", "birth_date": "1960-12-09",
            "email": "", "phone": ""}  # fmt: skip
    r = as_bob.post(reverse("patients:add"), same)
    html = r.content.decode()
    assert r.status_code == 200 and "This may be someone already here" in html
    assert reverse("patients:detail", args=[patient.code]) in html and "Add as a new patient" in html
    assert Patient.objects.filter(clinic=clinic_a).count() == 1  # nothing added yet
    by_phone = {**NEW_PATIENT, "phone": "(303) 555-0111"}  # Grace's number, written another way
    assert "This may be someone already here" in as_bob.post(reverse("patients:add"), by_phone).content.decode()
    # Another clinic's patients are never offered
    other = {**NEW_PATIENT, "given_name": foreign_patient.given_name, "family_name": foreign_patient.family_name,
             "birth_date": foreign_patient.birth_date.isoformat()}  # fmt: skip
    assert as_bob.post(reverse("patients:add"), other).status_code == 302
    # Confirmed: a new record is added
    r = as_bob.post(reverse("patients:add"), {**same, "confirm_new": "1"})
    assert r.status_code == 302 and Patient.objects.filter(clinic=clinic_a, family_name__iexact="hopper").count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", (today_a() + timedelta(days=2)).isoformat(), "cannot be in the future"),
        ("birth_date", "1899-01-01", "Check the year"),
        ("birth_date", "not-a-date", "Enter a valid date"),
        ("given_name", "x" * 101, "at most 100 characters"),
        ("given_name", "", "This field is required"),
        ("sex", "robot", "Select a valid choice"),
        ("email", "not-an-email", "valid email"),
        ("address", "nul\x00byte", "NUL"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(as_alice, field, value, message):
    r = as_alice.post(reverse("patients:add"), {**NEW_PATIENT, field: value})
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not Patient.objects.exists()
    assert not audit_rows("patient.create")


def test_it_keeps_the_previous_values_on_edit(as_alice, patient):
    data = {
        **NEW_PATIENT,
        "given_name": "Grace",
        "family_name": "Hopper",
        "birth_date": "1960-12-09",
        "phone": "+1 303 555 0999",
    }
    r = as_alice.post(reverse("patients:edit", args=[patient.code]), data)
    assert r.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+1 303 555 0999"
    v = PatientVersion.objects.get(patient=patient)
    assert v.previous["phone"] == "+1 303 555 0111"
    assert "phone" in v.changed and "given_name" not in v.changed
    (row,) = audit_rows("patient.update")
    assert "phone" in row.detail and "0999" not in row.detail  # field names, never values


def test_a_record_is_marked_in_error_never_deleted(as_alice, patient):
    r = as_alice.post(reverse("patients:mark_in_error", args=[patient.code]), {"reason": "Duplicate of another record"})
    assert r.status_code == 302
    patient.refresh_from_db()
    assert patient.status == "entered_in_error" and patient.error_reason == "Duplicate of another record"
    r = as_alice.post(reverse("patients:edit", args=[patient.code]), NEW_PATIENT)
    assert "can no longer be edited" in r.content.decode()


def test_marking_in_error_needs_a_reason(as_alice, patient):
    as_alice.post(reverse("patients:mark_in_error", args=[patient.code]), {"reason": ""})
    patient.refresh_from_db()
    assert patient.status == "active"


def test_it_opens_and_discharges_an_episode(as_alice, patient, alice):
    r = as_alice.post(
        reverse("patients:open_episode", args=[patient.code]),
        {"condition": "sciatica", "start_date": "2026-10-01", "notes": "Left leg pain"},
    )
    e = Episode.objects.get(patient=patient)
    assert r.status_code == 302 and e.condition == "sciatica" and e.clinician == alice and e.clinic == patient.clinic
    r = as_alice.get(reverse("patients:episode", args=[e.code]))
    assert b"Sciatica" in r.content and b"Marketing claim, not evidence" in r.content
    r = as_alice.post(
        reverse("patients:discharge_episode", args=[e.code]),
        {"discharge_date": "2026-09-01", "discharge_reason": "goals_met"},
    )
    assert "cannot be before the episode started" in r.content.decode()
    r = as_alice.post(
        reverse("patients:discharge_episode", args=[e.code]),
        {"discharge_date": "2026-10-30", "discharge_reason": "goals_met"},
    )
    e.refresh_from_db()
    assert e.status == "discharged" and e.discharge_date == date(2026, 10, 30)
    actions = list(AuditEvent.objects.filter(patient=patient.code).values_list("action", flat=True))
    assert actions.count("episode.create") == 1 and actions.count("episode.discharge") == 1


def test_it_refuses_an_unknown_condition(as_alice, patient):
    r = as_alice.post(
        reverse("patients:open_episode", args=[patient.code]), {"condition": "zombie_bite", "start_date": "2026-10-01"}
    )
    assert r.status_code == 200 and "Select a valid choice" in r.content.decode()
    assert not Episode.objects.exists()


def test_the_condition_page_cites_sources_and_labels_claims(as_alice):
    r = as_alice.get(reverse("patients:conditions"))
    text = r.content.decode()
    assert "docs/clinical-sources.md §1.1" in text
    assert text.count("Marketing claim, not evidence") >= 5


def test_the_edit_form_shows_the_date_of_birth_to_the_date_picker(as_alice, patient):
    # A native date input only accepts ISO dates: a locale format would show it empty.
    r = as_alice.get(reverse("patients:edit", args=[patient.code]))
    assert 'type="date" name="birth_date" value="1960-12-09"' in r.content.decode()
