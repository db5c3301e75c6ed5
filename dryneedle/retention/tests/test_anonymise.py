"""Anonymising leaves no trace of who the person was, anywhere in the database, and keeps what the statistics need.

The person below has a record of every kind, and every text in it carries the marker "Zqxv" (their names, contact
details, notes, answers, a merged duplicate's trail, a consent form, a message...). After anonymising, a scan of
every column of every table finds the marker nowhere: a field someone forgot to declare fails this test.
"""

import hashlib
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from conftest import (
    SCREENING_ANSWERS,
    make_appointment,
    make_checkin,
    make_consultation,
    make_event,
    make_listing,
    make_measure,
    make_plan,
    screened,
    signed_consent,
)

M = "Zqxv"
PHONE = "+1 303 555 9876"


def _person(clinic, user):
    from dryneedle.appointments.models import WaitlistEntry
    from dryneedle.directory.models import PatientReview
    from dryneedle.messaging.models import Message
    from dryneedle.outcomes.models import OptOut
    from dryneedle.outcomes.services import record_response
    from dryneedle.patients import merge, services
    from dryneedle.patients.models import EmergencyAccess, Episode, Patient, TextConsent
    from dryneedle.plans.models import Review
    from dryneedle.portal.models import Intake, PatientLink
    from dryneedle.visits.models import Amendment, Insertion, NeedleIncident, NeedleLot, TriggerPoint, Visit
    from dryneedle.visits.services import canonical_note
    from dryneedle.web.models import StoredDocument

    p = Patient.objects.create(clinic=clinic, given_name=f"{M}given", family_name=f"{M}family",
                               birth_date=date(1960, 12, 9), sex="female", email=f"{M.lower()}@mail.example",
                               phone=PHONE, address=f"1 {M} Street", emergency_contact_name=f"{M} Kin",
                               emergency_contact_phone="+1 303 555 9877", created_by=user)  # fmt: skip
    services.update_patient(p, user, {"address": f"2 {M} Road"})  # a version keeps the old address
    twin = Patient.objects.create(clinic=clinic, given_name=f"{M}given", family_name=f"{M}twin",
                                  birth_date=date(1960, 12, 9), sex="female", created_by=user)  # fmt: skip
    merge.merge(user, p, twin, f"Same person: {M} checked the birth date")
    ep = Episode.objects.create(clinic=clinic, patient=p, condition="chronic_lbp", start_date=date(2016, 9, 1),
                                clinician=user, notes=f"{M} pain after drives", created_by=user)  # fmt: skip
    screened(ep, user, {**SCREENING_ANSWERS, "medications": [f"{M}pill"], "consent_witness": f"{M} witness"})
    signed_consent(p, text=f"<p>for {M}given</p>", typed_name=f"{M}given {M}family", signature=f"data:{M}",
                   withdrawn_reason="")  # fmt: skip
    lot = NeedleLot.objects.create(clinic=clinic, manufacturer="Acme", diameter_mm="0.30", length_mm=50,
                                   lot_number="A-1", expires=date.today() + timedelta(days=300))  # fmt: skip
    tp = TriggerPoint.objects.create(clinic=clinic, patient=p, episode=ep, muscle="multifidus", side="left",
                                     location=f"{M} spot", created_by=user)  # fmt: skip
    v = Visit.objects.create(clinic=clinic, patient=p, episode=ep, practitioner=user, notes=f"{M} felt better",
                             immediate_events=f"{M} flinched", skin_prep_agent="70% isopropyl alcohol",
                             pain_chart=[{"region": "post_lumbar_l", "intensity": 5, "quality": "aching"}])  # fmt: skip
    now = timezone.now()
    ins = Insertion.objects.create(visit=v, lot=lot, muscle="multifidus", side="left", depth_mm=25, trigger_point=tp,
                                   protective_technique="bony_backstop", depth_reason=f"{M} onto the lamina",
                                   time_in=now - timedelta(minutes=5), time_out=now, created_by=user)  # fmt: skip
    v.refresh_from_db()
    Visit.objects.filter(pk=v.pk).update(status="signed", signed_at=now, signed_by=user,
                                         sha256=hashlib.sha256(canonical_note(v).encode()).hexdigest())  # fmt: skip
    Amendment.objects.create(clinic=clinic, visit=v, patient=p, text=f"{M} correction", reason=f"{M} typo")
    NeedleIncident.objects.create(clinic=clinic, insertion=ins, patient=p, search_done=True, found=True,
                                  patient_informed=True, notes=f"{M} bent")  # fmt: skip
    StoredDocument.objects.create(clinic=clinic.code, family=f"handout:{v.code}", key="k", content=M.encode())
    # An API client's retry store kept the response that named them (a day old: past the replay window).
    from dryneedle.web.models import IdempotencyKey

    body = f'{{"given_name": "{M}"}}'.encode()
    key = IdempotencyKey.objects.create(principal="token:1", key="retry-key-1", method="POST", path="/api/v1/patients",
                                        request_sha256="0" * 64, state="done", body=body)  # fmt: skip
    IdempotencyKey.objects.filter(pk=key.pk).update(created=now - timedelta(days=2))
    record_response(ep, "psfs", {"activities": [{"name": f"{M} gardening", "score": 3}]}, user)
    make_measure(ep, site=f"{M} site")
    OptOut.objects.create(clinic=clinic, patient=p, episode=ep, source="clinician", note=f"{M} asked", at=now)
    make_event(v, description=f"{M} bruise", action_taken=f"{M} ice")
    ci = make_checkin(v)
    ci.answers, ci.answered_at = {"soreness": 3, "other": f"{M} words"}, now
    ci.save()
    plan = make_plan(ep, user, notes=f"{M} plan")
    plan.goals.update(activity=f"{M} walk the dog")
    plan.assignments.update(notes=f"{M} slowly")
    Review.objects.create(clinic=clinic, plan=plan, patient=p, milestone="other", decision="continue", visits_signed=1,
                          note=f"{M} on track")  # fmt: skip
    Message.objects.create(clinic=clinic, patient=p, from_patient=True, body=f"Hello, {M} here")
    make_appointment(p, user, start=now - timedelta(days=3000), note=f"{M} parking")
    # A cancellation's reason is required while it is cancelled: anonymising it must still satisfy the constraint.
    make_appointment(p, user, start=now - timedelta(days=2990), status="cancelled", cancel_reason=f"{M} flu")
    WaitlistEntry.objects.create(clinic=clinic, patient=p, earliest=date.today(), note=f"{M} mornings")
    link, _ = PatientLink.issue(ep, PatientLink.Purpose.SCREENING, user, days=3)
    PatientLink.objects.filter(pk=link.pk).update(answers={"history": f"{M} history"}, progress={"x": M})
    Intake.objects.create(clinic=clinic, patient=p, kind="first", due=now,
                          answers={"findings": ["diabetes"], "history": f"{M} appendix", "address": M})  # fmt: skip
    EmergencyAccess.objects.create(clinic=clinic, user=user, patient=p, reason=f"{M} fell", expires=now)
    TextConsent.objects.create(clinic=clinic, patient=p, agreed=True, phone=PHONE, source="clinic")
    listing = make_listing(user, clinic)
    make_consultation(listing, name=f"{M} enquirer", message=f"{M} back", patient=p)
    review_link, _ = PatientLink.issue(ep, PatientLink.Purpose.REVIEW, user, days=3)
    PatientReview.objects.create(clinic=clinic, practitioner=user, episode=ep, link=review_link, rating=5,
                                 text=f"{M} thanks")  # fmt: skip
    return p


def _traces(needles) -> list[str]:
    """Every table and column holding one of ``needles`` (case-insensitive, as text): one query per column."""
    found = []
    like = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for col in connection.introspection.get_table_description(cursor, table):
                name = connection.ops.quote_name(col.name)
                cast = f"CAST({name} AS TEXT)" if connection.vendor == "postgresql" else name
                if connection.vendor == "postgresql" and col.type_code == 17:  # bytea: its bytes, as text
                    cast = f"encode({name}, 'escape')"
                where = " OR ".join(f"{cast} {like} %s" for _ in needles)
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} WHERE {where}",  # noqa: S608
                               [f"%{n}%" for n in needles])  # fmt: skip
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{col.name}")
    return found


@pytest.fixture
def person(clinic_a, alice):
    return _person(clinic_a, alice)


@pytest.mark.django_db
def test_anonymising_leaves_no_trace_of_the_person_anywhere(person, admin):
    from dryneedle.retention.anonymise import anonymise

    needles = [M, "555 9876", "5559876", "555 9877"]
    assert len(_traces(needles)) > 30  # the marker is everywhere first: the scan can find it
    counts = anonymise(person, admin)
    assert _traces(needles) == []
    assert counts["visits.visit"] == 1 and counts["patients.patient"] == 2 and counts["web.storeddocument"] == 1


@pytest.mark.django_db
def test_what_the_statistics_need_stays(person, admin):
    from dryneedle.outcomes.models import Response
    from dryneedle.patients.models import Patient
    from dryneedle.retention.anonymise import anonymise
    from dryneedle.screening.models import Screening
    from dryneedle.visits.models import Visit

    anonymise(person, admin)
    p = Patient.objects.get(pk=person.pk)
    assert (p.name, p.birth_date, p.sex, p.email) == ("Anonymised record", date(1960, 1, 1), "female", "")
    assert p.anonymised_at is not None and p.episodes.get().condition == "chronic_lbp"
    psfs = Response.objects.get(patient=p, instrument="psfs")
    assert psfs.answers == {"activities": [{"score": 3}]}
    s = Screening.objects.get(patient=p)
    assert s.answers["findings"] == ["diabetes"] and "medications" not in s.answers and s.decision
    assert [r["rule"] for r in s.result["precautions"]] and all(set(r) == {"rule"} for r in s.result["precautions"])
    v = Visit.objects.get(patient=p)
    assert v.status == "signed" and v.notes == "" and v.pain_chart[0]["intensity"] == 5
    assert v.insertions.get().depth_mm == 25 and p.messages.get().body == "(anonymised)"


@pytest.mark.django_db
def test_signed_notes_still_verify_and_the_permit_is_gone(person, admin):
    from dryneedle.patients.models import Anonymising
    from dryneedle.retention.anonymise import anonymise
    from dryneedle.visits.services import verify_signed

    anonymise(person, admin)
    checked, bad = verify_signed()
    assert checked == 1 and bad == [] and not Anonymising.objects.exists()


@pytest.mark.django_db
def test_without_the_permit_the_database_still_refuses(person):
    """The exception is only for a patient being anonymised: the triggers refuse everyone else, as before."""
    from dryneedle.consent.models import SignedConsent
    from dryneedle.patients.models import Anonymising, PatientVersion
    from dryneedle.visits.models import Visit

    for qs, change in ((Visit.objects.filter(patient=person), {"notes": "x"}),
                       (PatientVersion.objects.filter(patient=person), {"previous": {}}),
                       (SignedConsent.objects.filter(patient=person), {"typed_name": "x"})):  # fmt: skip
        with pytest.raises(IntegrityError) if connection.vendor == "sqlite" else pytest.raises(Exception), \
                transaction.atomic():  # fmt: skip
            qs.update(**change)
    # A permit for another patient lets nothing of this one through.
    from dryneedle.patients.models import Patient

    other = Patient.objects.create(clinic=person.clinic, given_name="O", family_name="P", birth_date=date(1990, 1, 1),
                                   sex="male")  # fmt: skip
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017
        Anonymising.objects.create(patient=other)
        Visit.objects.filter(patient=person).update(notes="x")


@pytest.mark.django_db
def test_an_anonymised_record_is_not_anonymised_twice_and_is_audited(person, admin):
    from dryneedle.audit.models import AuditEvent
    from dryneedle.retention.anonymise import anonymise

    anonymise(person, admin)
    with pytest.raises(ValidationError):
        anonymise(person, admin)
    row = AuditEvent.objects.get(action="patient.anonymised")
    assert row.patient == person.code and row.username == admin.username
    assert row.detail.startswith("33 rows of 30 kinds: appointment 2, patient 2, signedconsent 2, ")
    assert M not in row.detail


@pytest.mark.django_db
def test_the_demos_past_retention_patient_is_anonymised_without_a_trace(capsys):
    """Issue 20's "done when": anonymisation runs on a past-retention demo patient and leaves no trace of identity."""
    from django.core.management import call_command

    from dryneedle.accounts.models import Clinic, Membership
    from dryneedle.demo.seed import seed

    seed(12, 3, seed=5, quiet=True)
    harbour = Clinic.objects.get(jurisdiction="GB-ENG")
    call_command("retention", "--dry-run", "--clinic", str(harbour.code))
    assert "1 records and 0 enquiries past" in capsys.readouterr().out
    needles = ["Whitfield", "derek.", "496 0917", "496 0918", "Cotham"]
    assert _traces(needles)
    admin = Membership.objects.filter(clinic=harbour, role="clinic_admin").first().user
    call_command("retention", "--clinic", str(harbour.code), "--by", admin.username)
    assert _traces(needles) == []
    call_command("verify_records")
    assert "Signed records intact" in capsys.readouterr().out
