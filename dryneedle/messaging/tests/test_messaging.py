"""Secure messages between a patient and their clinic (issue 19): written in the account and on the clinic's page,
part of the record, emails that only say a message waits, emergency instructions for urgent words — and nobody
else's thread."""

import html
import re

import pytest
from django.core import mail
from django.test import Client

from conftest import client_for, make_user
from dryneedle.audit.models import AuditEvent
from dryneedle.messaging import rules
from dryneedle.messaging.models import Message
from dryneedle.patients.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)  # the notices go when the transaction commits


def sign_in(client, email="grace@mail.example") -> None:
    client.post("/my/sign-in/", {"email": email})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    assert client.post("/my/sign-in/code/", {"code": code})["Location"] == "/my/"


def test_urgent_words():
    assert rules.urgent("Since yesterday I can't breathe properly and have chest pain")[0].startswith(
        "New breathlessness"
    )
    assert "bladder" in rules.urgent("I have trouble controlling my bladder")[0]
    assert rules.urgent("My leg feels numb since the session")
    assert rules.urgent("Can I move my Tuesday appointment to Thursday?") == []
    assert rules.urgent("") == []


def test_a_patient_writes_the_clinic_answers(patient, episode, alice, bob, clinic_a):
    clinic_a.message_reply_hours = 24
    clinic_a.save()
    c = Client()
    sign_in(c)
    page = c.get("/my/messages/").content.decode()
    assert "Clinic A replies within 24 working hours." in page
    mail.outbox.clear()
    r = c.post("/my/messages/", {"body": "Can I move Tuesday's visit to Thursday?"})
    assert r.status_code == 302
    (notice,) = mail.outbox  # the clinician leading the episode; nothing of the message in it
    assert notice.to == [alice.email] and "Thursday" not in notice.body and "Grace" not in notice.body
    desk = client_for(bob)
    inbox = desk.get("/messages/").content.decode()
    assert "Grace Hopper" in inbox and "<strong>1</strong>" in inbox
    thread = html.unescape(desk.get(f"/messages/{patient.code}/").content.decode())
    assert "Can I move Tuesday's visit to Thursday?" in thread
    assert Message.objects.get().read_at is not None
    mail.outbox.clear()
    r = desk.post(f"/messages/{patient.code}/", {"body": "Yes: Thursday 10:00 is booked for you."})
    assert r.status_code == 302
    (to_patient,) = mail.outbox
    assert to_patient.to == ["grace@mail.example"] and "Thursday" not in to_patient.body
    page = html.unescape(c.get("/my/messages/").content.decode())
    assert "Yes: Thursday 10:00 is booked for you." in page and "Bob Baker" not in page
    assert Message.objects.filter(from_patient=False).get().read_at is not None
    assert AuditEvent.objects.filter(action="message.sent", username="patient", patient=patient.code).exists()
    assert AuditEvent.objects.filter(action="message.sent", username=bob.username, patient=patient.code).exists()


def test_urgent_words_show_the_emergency_instructions_at_once(patient, episode, alice):
    c = Client()
    sign_in(c)
    r = c.post("/my/messages/", {"body": "Since this morning I am short of breath and have chest pain"})
    assert r.status_code == 200
    page = html.unescape(r.content.decode())
    assert "do not wait for a reply" in page and "go to emergency care now" in page
    assert Message.objects.get().urgent
    inbox = client_for(alice).get("/messages/").content.decode()
    assert "May be urgent" in inbox


def test_refused_messages_save_nothing(patient):
    c = Client()
    sign_in(c)
    for body, says in (("", "This field is required"), ("x" * 4001, "at most 4000 characters")):
        r = c.post("/my/messages/", {"body": body})
        assert r.status_code == 400 and says in html.unescape(r.content.decode())
    assert not Message.objects.exists()


def test_nobody_else_reads_a_thread(patient, episode, clinic_a, alice, foreign_patient, charlie):
    ann = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date="1970-01-01",
                                 sex="female", email="ann@mail.example")  # fmt: skip
    Message.objects.create(clinic=clinic_a, patient=ann, from_patient=True, body="Ann's private question")
    c = Client()
    sign_in(c)
    assert c.get(f"/my/messages/?patient={ann.code}").status_code == 404
    assert "Ann's private question" not in c.get("/my/messages/").content.decode()
    # A practitioner outside Ann's care team does not see her thread; one of another clinic never finds it.
    other = make_user("otto@a.example", clinic_a, "practitioner", "Otto", "Other")
    assert client_for(other).get(f"/messages/{ann.code}/").status_code == 404
    assert "Ann Lee" not in client_for(other).get("/messages/").content.decode()
    assert client_for(charlie).get(f"/messages/{ann.code}/").status_code == 404
