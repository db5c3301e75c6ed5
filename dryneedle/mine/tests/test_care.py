"""A patient's own care in their account (issue 19): the questionnaires due, answered from here; their home
exercises; their scores in plain words with the clinician's charts — and nobody else's."""

import html
import re
import subprocess  # nosec B404 - pdftotext reads the PDF in the test
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from conftest import make_plan
from dryneedle.audit.models import AuditEvent
from dryneedle.outcomes.models import FollowUp
from dryneedle.outcomes.scoring import ODI_SECTIONS
from dryneedle.outcomes.services import record_response
from dryneedle.patients.models import Episode, Patient

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(client, email="grace@mail.example") -> None:
    client.post("/my/sign-in/", {"email": email})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    assert client.post("/my/sign-in/code/", {"code": code})["Location"] == "/my/"


def test_progress_in_plain_words_with_the_chart(patient, episode, alice):
    start = timezone.now() - timedelta(days=40)
    with time_machine.travel(start, tick=False):
        record_response(episode, "rmdq", {"ticked": list(range(1, 15))}, alice)
    with time_machine.travel(start + timedelta(days=35), tick=False):
        record_response(episode, "rmdq", {"ticked": list(range(1, 7))}, alice)
    make_plan(episode, alice, notes="Private clinical reasoning")
    c = Client()
    sign_in(c)
    page = html.unescape(c.get("/my/care/").content.decode())
    assert "Your Roland-Morris score (daily activities back pain makes hard) fell from 14" in page
    assert "to 6 on" in page and "better by more than the smallest change that matters (5 points)" in page
    assert page.count("<svg") >= 1 and "Private clinical reasoning" not in page
    assert "Your home exercises" in page
    assert AuditEvent.objects.filter(action="patient.care", patient=patient.code, username="patient").exists()


def test_the_questionnaires_due_are_answered_from_the_account(patient, alice, clinic_a):
    e = Episode.objects.create(clinic=clinic_a, patient=patient, condition="chronic_lbp",
                               start_date=timezone.localdate(), clinician=alice)  # fmt: skip
    c = Client()
    sign_in(c)
    page = html.unescape(c.get("/my/care/").content.decode())
    assert "Questionnaires to answer</strong> (baseline)" in page
    patient.preferred_language = "French"
    patient.save()
    page = html.unescape(c.get("/my/care/").content.decode())
    assert "(début)" in page and "Lombalgie chronique" in page  # the time point and the condition, in French
    r = c.post(f"/my/care/{e.code}/questionnaires/")
    assert r.status_code == 302 and r["Location"].startswith("/p/")
    f = FollowUp.objects.get(episode=e)
    assert f.channel == "account" and f.link.patient == patient
    assert c.get(r["Location"]).status_code == 200


def test_another_patients_care_is_not_reachable(patient, alice, clinic_a, foreign_patient):
    ann = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date="1970-01-01",
                                 sex="female", email="ann@mail.example")  # fmt: skip
    theirs = Episode.objects.create(clinic=clinic_a, patient=ann, condition="chronic_lbp",
                                    start_date=timezone.localdate(), clinician=alice)  # fmt: skip
    make_plan(theirs, alice)
    c = Client()
    sign_in(c)
    for e in (theirs, foreign_patient.episodes.get()):
        assert c.post(f"/my/care/{e.code}/questionnaires/").status_code == 404
        assert c.post(f"/my/care/{e.code}/exercises/").status_code == 404
    assert not FollowUp.objects.exists()
    assert "Ann" not in c.get("/my/care/").content.decode()


def test_the_patient_downloads_their_record(patient, episode, alice, clinic_a, foreign_patient, insertion):
    from conftest import certify, make_appointment, signed_consent
    from dryneedle.messaging.services import send
    from dryneedle.visits import services as visits

    certify(alice)
    visits.remove_needle(insertion, alice)
    visits.sign(insertion.visit, alice)
    record_response(episode, "odi", {"sections": dict.fromkeys(ODI_SECTIONS, 2)}, alice)
    make_appointment(patient, alice)
    signed_consent(patient)
    send(patient, "Is Thursday still fine?", from_patient=True)
    c = Client()
    sign_in(c)
    r = c.get("/my/record.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=r.content, capture_output=True,  # noqa: S607
                          check=True).stdout.decode()  # fmt: skip
    for expected in ("Your record at Clinic A", "Grace Hopper", "Chronic low back pain", "Multifidus (left)",
                     "Oswestry", "40", "Is Thursday still fine?", "in force", "Alice Archer"):  # fmt: skip
        assert expected in text, (expected, text)
    assert "Pain after long drives" not in text  # the clinician's own notes are not in the patient's copy
    assert AuditEvent.objects.filter(action="patient.record_download", patient=patient.code).exists()
    assert c.get(f"/my/record.pdf?patient={foreign_patient.code}").status_code == 404
