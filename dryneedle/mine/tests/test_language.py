"""The patient's pages in the patient's language (issue 19): their choice on the page, else their record's
preferred language, else the browser's; emails to them in it, emails to staff in English; the shipped
translations compiled from their sources."""

import ast
import html
import re
import subprocess  # nosec B404 - msgfmt compiles the translations in the test
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import Client

from conftest import CLINIC_A_ZONE, make_appointment

pytestmark = pytest.mark.django_db(transaction=True)
LOCALE = Path("dryneedle/locale")


def sign_in(client, email="grace@mail.example") -> None:
    client.post("/my/sign-in/", {"email": email})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    assert client.post("/my/sign-in/code/", {"code": code})["Location"] == "/my/"


def test_the_browser_language_then_the_choice_on_the_page():
    c = Client(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    page = c.get("/my/sign-in/")
    assert page["Content-Language"] == "es" and '<html lang="es">' in page.content.decode()
    assert "Enviarme un código" in html.unescape(page.content.decode())
    r = c.post("/my/language/", {"language": "fr-ca", "next": "/my/sign-in/"})
    assert r["Location"] == "/my/sign-in/"
    assert "M'envoyer un code" in html.unescape(c.get("/my/sign-in/").content.decode())
    # Only our own pages are a place to go back to; an unknown language is ignored.
    assert c.post("/my/language/", {"language": "xx", "next": "https://evil.example/"})["Location"] == "/my/"
    assert "M'envoyer un code" in html.unescape(c.get("/my/sign-in/").content.decode())
    staff = Client(HTTP_ACCEPT_LANGUAGE="es").get("/login/")
    assert "Log in" in staff.content.decode()  # staff pages stay in English


def test_the_records_preferred_language_dates_and_emails(patient, episode, alice):
    patient.preferred_language = "Spanish"
    patient.save()
    with time_machine.travel(datetime.combine(date(2030, 1, 4), time(9), CLINIC_A_ZONE), tick=False):
        make_appointment(patient, alice, datetime.combine(date(2030, 1, 8), time(10), CLINIC_A_ZONE))
        c = Client()  # an English browser: the record's language wins once signed in
        c.post("/my/sign-in/", {"email": "grace@mail.example"})
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
        c.post("/my/sign-in/code/", {"code": code})
        page = html.unescape(c.get("/my/").content.decode())
        assert "Sus citas" in page and "martes 8 de enero de 2030, 10:00" in page.lower()
        care = html.unescape(c.get("/my/care/").content.decode())
        assert "Lumbalgia crónica" in care and "Chronic low back pain" not in care  # the episode's condition
        mail.outbox.clear()
        c.post("/my/messages/", {"body": "¿Puedo cambiar la cita?"})
        (to_clinic,) = mail.outbox  # to the clinician: English, whatever the patient's page
        assert "A patient whose episode you lead sent a message." in to_clinic.body
        from dryneedle.messaging.services import send

        mail.outbox.clear()
        send(patient, "Sí, claro.", from_patient=False, user=alice)
        assert "le ha enviado un mensaje" in mail.outbox[-1].body  # to the patient: their record's language


@pytest.mark.parametrize("language", ["es", "fr_CA"])
def test_the_compiled_translations_match_their_sources(tmp_path, language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(out), str(po)], check=True)  # noqa: S607
    assert out.read_bytes() == (LOCALE / language / "LC_MESSAGES" / "django.mo").read_bytes(), "run: make messages"


def test_reminders_go_in_the_records_language_with_its_dates(patient, alice):
    from dryneedle.appointments.services import send_reminders

    patient.preferred_language = "French"
    patient.save()
    start = datetime.combine(date(2030, 1, 8), time(10), CLINIC_A_ZONE)
    with time_machine.travel(start - timedelta(hours=20), tick=False):
        make_appointment(patient, alice, start)
        mail.outbox.clear()
        send_reminders()
        (reminder,) = mail.outbox
        assert "votre rendez-vous du mardi 8 janvier" in reminder.subject
        assert "mardi 8 janvier à 10 h 00" in reminder.body and "Ceci est un rappel" in reminder.body


def test_the_questions_before_a_visit_in_spanish(patient, clinic_a):
    from dryneedle.portal.models import Intake

    patient.preferred_language = "Spanish"
    patient.save()
    when = datetime.combine(date(2030, 1, 8), time(10), CLINIC_A_ZONE)
    with time_machine.travel(when - timedelta(days=3), tick=False):
        asked = Intake.objects.create(clinic=clinic_a, patient=patient, kind="first", due=when)
        c = Client()
        c.post("/my/sign-in/", {"email": "grace@mail.example"})
        c.post("/my/sign-in/code/", {"code": re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]})
        page = html.unescape(c.get(f"/my/before-your-visit/{asked.code}/").content.decode())
        assert "Antes de su visita" in page and "martes 8 de enero, 10:00" in page
        assert "Señales de alarma: conteste primero a estas" in page and "vaya a urgencias de inmediato" in page


def test_the_record_pdf_in_the_patients_language(patient, alice):
    patient.preferred_language = "Spanish"
    patient.save()
    make_appointment(patient, alice, datetime.combine(date(2030, 1, 8), time(10), CLINIC_A_ZONE))
    c = Client()
    c.post("/my/sign-in/", {"email": "grace@mail.example"})
    c.post("/my/sign-in/code/", {"code": re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]})
    r = c.get("/my/record.pdf")
    text = subprocess.run(["/usr/bin/pdftotext", "-", "-"], input=r.content, capture_output=True,
                          check=True).stdout.decode()  # fmt: skip
    assert "Su historia en Clinic A" in text and "Punción seca" in text and "8 Ene 2030, 10:00" in text


def test_the_consent_page_in_spanish(patient, episode):
    patient.preferred_language = "Spanish"
    patient.save()
    c = Client()
    sign_in(c)
    page = html.unescape(c.get("/my/consent/").content.decode())
    assert "<h1>Consentimiento a la punción seca</h1>" in page
    assert "Lea el formulario y fírmelo abajo." in page and "Please read the form" not in page


@pytest.mark.parametrize("language", ["es", "fr_CA"])
def test_every_string_a_patient_may_read_is_translated(language):
    """Staff pages are marked for translation in their own context and ship in English; every other marked string
    is one a patient (or a visitor of the public directory) may read, and each is translated (a new one fails here
    until it is: make messages, then its translation in the .po file)."""
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    missing = []
    for entry in po.split("\n\n")[1:]:
        if entry.lstrip().startswith("#~") or "#, fuzzy" in entry:
            missing += [entry] if "#, fuzzy" in entry else []
            continue
        context = re.search(r'^msgctxt "(.*)"$', entry, re.M)
        if context and context[1] == "staff":
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry + "\n", re.M)
        if not strings or any(not "".join(re.findall(r'"(.*)"', s)) for s in strings):
            missing.append(entry)
    assert not missing, missing[:3]
    assert po.count('msgctxt "staff"') > 1000  # the staff pages are marked (English shipped)


FORM_META = {"labels", "help_texts", "error_messages"}
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "npgettext", "ngettext", "gettext_noop"}


def _bare_words(node) -> list[str]:
    """English words in ``node`` that no gettext call wraps (a string of letters, or an f-string)."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in GETTEXT:
        return []
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) and re.search(r"[A-Za-z]{2}", node.value) else []
    if isinstance(node, ast.JoinedStr):
        return [ast.unparse(node)]
    if isinstance(node, ast.BinOp):
        return _bare_words(node.left) + (_bare_words(node.right) if isinstance(node.op, ast.Add) else [])
    if isinstance(node, ast.IfExp):
        return _bare_words(node.body) + _bare_words(node.orelse)
    if isinstance(node, ast.Dict):
        return [w for v in node.values if v is not None for w in _bare_words(v)]
    return []


@pytest.mark.django_db(transaction=False)
def test_what_the_python_code_shows_on_a_page_is_marked_for_translation():
    """Staff pages are marked for translation too (issue 19): their templates, and what their Python code writes
    on them — the messages after an action, form labels and help texts, and the errors of forms and services (a
    patient's in the patient's words, a member of staff's in the context "staff"). Command-line output, the API's
    own messages and the demo's data stay English."""
    unmarked = []
    for path in sorted(Path("dryneedle").rglob("*.py")):
        if {"tests", "migrations", "management", "demo"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and {getattr(t, "id", "") for t in node.targets} & FORM_META:
                unmarked += [f"{path}:{node.lineno}: {w}" for w in _bare_words(node.value)]  # a ModelForm's Meta
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            said = []
            if name in {"success", "error", "info", "warning"} and getattr(node.func.value, "id", "") == "messages":
                said = _bare_words(node.args[1]) if len(node.args) > 1 else []
            elif name == "ValidationError" and node.args:
                said = _bare_words(node.args[0])
            elif name == "add_error" and len(node.args) > 1:
                said = _bare_words(node.args[1])
            said += [w for k in node.keywords if k.arg in {"label", "help_text", "empty_label", "error_messages"}
                     for w in _bare_words(k.value)]  # fmt: skip
            unmarked += [f"{path}:{node.lineno}: {w}" for w in said]
    assert not unmarked, "\n".join(unmarked)
