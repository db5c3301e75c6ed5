"""Reminders by text (issue 19): only to patients who agreed, for the number they agreed for; no clinical word in
any text; stopped by the patient's account, the link in the text or a STOP reply; the HTTP gateway backend
against a local fake server."""

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from conftest import client_for, make_appointment
from dryneedle.appointments import services as appointments
from dryneedle.lib import sms
from dryneedle.patients import texts
from dryneedle.patients.models import Patient, TextConsent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()


def sign_in(client, email="grace@mail.example") -> None:
    client.post("/my/sign-in/", {"email": email})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    assert client.post("/my/sign-in/code/", {"code": code})["Location"] == "/my/"


def edit(client, patient, **extra):
    body = {"given_name": patient.given_name, "family_name": patient.family_name, "birth_date": patient.birth_date,
            "sex": patient.sex, "email": patient.email, "phone": patient.phone, "preferred_language": "English",
            **extra}  # fmt: skip
    return client.post(f"/patients/{patient.code}/edit/", body)


def test_only_patients_who_agreed_get_a_text_and_it_says_nothing_clinical(patient, alice, bob):
    make_appointment(patient, alice, timezone.now() + timedelta(hours=20))
    assert appointments.send_reminders()["texts"] == 0 and sms.outbox == []  # no agreement: email only
    edit(client_for(bob), patient, texts="on")  # the front desk records the agreement
    consent = TextConsent.objects.get()
    assert (consent.agreed, consent.source, consent.created_by, consent.phone) == (True, "clinic", bob, patient.phone)
    make_appointment(patient, alice, timezone.now() + timedelta(hours=21))
    sent = appointments.send_reminders()
    assert sent["texts"] == 1
    (text,) = sms.outbox
    assert text["to"] == patient.phone and text["text"].startswith("Reminder: your appointment is ")
    assert sms.check(text["text"]) and "Clinic A" not in text["text"]
    with pytest.raises(ValueError, match="clinical word"):
        sms.check("Your dry needling is tomorrow")
    # A new number asks again: nothing goes to it until agreed for.
    patient.phone = "+1 303 555 0199"
    patient.save()
    assert not texts.texted(patient)


def test_a_text_is_in_the_patients_language_and_says_nothing_clinical_in_it(patient, alice):
    patient.preferred_language = "Spanish"
    patient.save()
    texts.record(patient, True, TextConsent.Source.CLINIC)
    make_appointment(patient, alice, timezone.now() + timedelta(hours=20))
    appointments.send_reminders()
    (text,) = sms.outbox
    assert text["text"].startswith("Recordatorio: su cita es el ") and "Para cambiarla, llame al +1 303 555 0100." in (
        text["text"]) and "Para dejar de recibir mensajes: " in text["text"]  # fmt: skip
    assert sms.check(text["text"])
    # The words that would tell a reader of the screen what the care is, in each language texts are written in.
    for said in ("Su punción seca es mañana", "Votre traitement est demain", "Le dos", "Dolor de espalda"):
        with pytest.raises(ValueError, match="clinical word"):
            sms.check(said)


def test_stopped_by_the_link_by_a_reply_and_in_the_account(patient, clinic_a):
    texts.record(patient, True, TextConsent.Source.CLINIC)
    token = texts.stop_token(patient)
    c = Client()
    assert "Stop texts" in c.get(f"/my/texts/stop/{token}/").content.decode()  # opening changes nothing
    assert texts.texted(patient)
    c.post(f"/my/texts/stop/{token}/")
    assert not texts.texted(patient) and TextConsent.objects.latest("id").source == "link"
    assert c.get("/my/texts/stop/not-a-token/").status_code == 404
    # A reply of STOP, forwarded by the gateway with the shared token, stops every record with that number.
    texts.record(patient, True, TextConsent.Source.CLINIC)
    with override_settings(SMS_HTTP_TOKEN="gateway-secret"):
        assert c.post("/my/texts/inbound/", json.dumps({"from": patient.phone, "text": "stop"}),
                      content_type="application/json").status_code == 403  # fmt: skip
        r = c.post("/my/texts/inbound/", json.dumps({"from": patient.phone, "text": " STOP "}),
                   content_type="application/json", HTTP_AUTHORIZATION="Bearer gateway-secret")  # fmt: skip
        assert r.json() == {"stopped": 1} and not texts.texted(patient)
        r = c.post("/my/texts/inbound/", "nonsense", content_type="application/json",
                   HTTP_AUTHORIZATION="Bearer gateway-secret")  # fmt: skip
        assert r.status_code == 400
    # The patient turns them on and off in their account.
    sign_in(c)
    c.post("/my/texts/", {"patient": patient.code, "texts": "on"})
    assert texts.texted(patient) and TextConsent.objects.latest("id").source == "account"
    c.post("/my/texts/", {"patient": patient.code, "texts": "off"})
    assert not texts.texted(patient)


def test_the_http_gateway_backend_against_a_local_fake_server(settings):
    got = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(
                (self.headers["Authorization"], json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            )
            self.send_response(202 if len(got) == 1 else 500)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        backend = sms.HttpBackend(f"http://127.0.0.1:{server.server_port}/send", "secret")
        backend.send("+1 303 555 0111", "Reminder: your appointment is Mon 7 Jan, 09:00.")
        assert got == [("Bearer secret", {"to": "+1 303 555 0111", "text": "Reminder: your appointment is Mon 7 Jan, "
                                                                         "09:00."})]  # fmt: skip
        with pytest.raises(sms.SmsError):
            backend.send("+1 303 555 0111", "again")
    finally:
        server.shutdown()
    with pytest.raises(sms.SmsError):
        sms.HttpBackend("ftp://example.org", "")


def test_file_and_console_backends(tmp_path, settings, capsys):
    settings.SMS_FILE = str(tmp_path / "texts.jsonl")
    sms.FileBackend().send("+1", "Hello")
    assert json.loads((tmp_path / "texts.jsonl").read_text()) == {"to": "+1", "text": "Hello"}
    sms.ConsoleBackend().send("+1", "Hello")
    assert "[text to +1] Hello" in capsys.readouterr().out
    settings.SMS_BACKEND = ""
    assert sms.send("+1", "Hello") is False  # off: nothing sent


def test_nobody_else_is_stopped_or_started(patient, clinic_a):
    other = Patient.objects.create(clinic=clinic_a, given_name="Ann", family_name="Lee", birth_date="1970-01-01",
                                   sex="female", email="ann@mail.example", phone="+1 303 555 0999")  # fmt: skip
    c = Client()
    sign_in(c)
    assert c.post("/my/texts/", {"patient": other.code, "texts": "on"}).status_code == 404
    assert not TextConsent.objects.exists()
