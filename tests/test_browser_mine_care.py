"""A patient's care in their account in the browser (issue 19): the questionnaires due, answered from there, their
home exercises, and their scores in plain words with the chart — on a phone and a desktop, axe, screenshots."""

import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import assert_accessible, make_plan, patient_signs_in
from dryneedle.outcomes.services import record_response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_patient_sees_their_pain_fall_and_answers_whats_due(live_server, browser, patient, episode, alice, width,
                                                             mailoutbox):  # fmt: skip
    start = timezone.now() - timedelta(days=30)
    for days, score in ((0, 7), (9, 6), (20, 4), (29, 3)):
        with time_machine.travel(start + timedelta(days=days), tick=False):
            record_response(episode, "nprs", {"score": score}, alice)
    make_plan(episode, alice)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    patient_signs_in(page, live_server.url, "grace@mail.example", mailoutbox)
    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Your care").click()
    expect(page.get_by_role("heading", name="Your care")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Your pain rating fell from 7 on .* to 3 on"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Your pain rating fell from 7"))).to_be_visible()
    expect(page.get_by_text("Your home exercises")).to_be_visible()
    page.screenshot(path=SHOTS / f"mine-care-{width}.png", full_page=True)
    assert_accessible(page, f"patient care at {width} px")
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download your record (PDF)").click()
    assert Path(dl.value.path()).read_bytes().startswith(b"%PDF")
    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Appointments").click()
    with page.expect_download() as dl:
        page.get_by_role("link", name=re.compile("download your record here [(]ZIP")).click()
    with zipfile.ZipFile(dl.value.path()) as z:
        bundle = json.loads(z.read("record.fhir.json"))
        assert z.read("record.pdf").startswith(b"%PDF") and "csv/appointments.csv" in z.namelist()
    assert bundle["resourceType"] == "Bundle" and bundle["entry"][0]["resource"]["resourceType"] == "Patient"
    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Your care").click()
    page.get_by_role("button", name="Open the exercises and tick today's").click()
    expect(page.get_by_role("heading", name=re.compile("exercises", re.I)).first).to_be_visible()
    assert_accessible(page, f"patient exercises from the account at {width} px")
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_spanish_reader_answers_whats_due_in_spanish_where_a_licensed_translation_is_loaded(
    live_server, browser, clinic_a, alice, width, mailoutbox
):
    """The Spanish wording here is a stand-in marked as such: no licensed translation ships (docs/translations.md)."""
    from dryneedle.outcomes.models import TextPack
    from dryneedle.patients.models import Episode, Patient

    rosa = Patient.objects.create(clinic=clinic_a, given_name="Rosa", family_name="Díaz", sex="female",
                                  birth_date=timezone.localdate() - timedelta(days=365 * 52), email="rosa@mail.example",
                                  preferred_language="Spanish")  # fmt: skip
    Episode.objects.create(clinic=clinic_a, patient=rosa, condition="chronic_lbp", clinician=alice,
                           start_date=timezone.localdate())  # fmt: skip
    words = {"nprs:score": {"title": "[licencia de prueba] Dolor", "question": "[licencia de prueba] ¿Cuánto le duele?",
                            "options": {str(i): str(i) for i in range(11)}}}  # fmt: skip
    TextPack.objects.create(clinic=clinic_a, language="es", pack={"screens": words}, source="stand-in for tests")
    page: Page = browser.new_context(viewport={"width": width, "height": 900}, locale="es-ES").new_page()
    page.goto(f"{live_server.url}/my/sign-in/")
    page.get_by_label("Su correo electrónico").fill("rosa@mail.example")
    page.get_by_role("button", name="Enviarme un código").click()
    page.get_by_label("El código de 6 cifras del correo").fill(re.search(r"\b(\d{6})\b", mailoutbox[-1].body)[1])
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("navigation", name="Sus páginas").get_by_role("link", name="Su tratamiento").click()
    expect(page.get_by_text("en inglés. Son cuestionarios validados")).to_be_visible()
    assert_accessible(page, f"Spanish reader's care at {width} px")
    page.get_by_role("button", name="Responder ahora").click()
    expect(page.get_by_role("heading", name="[licencia de prueba] Dolor")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    page.screenshot(path=SHOTS / f"questionnaire-es-{width}.png", full_page=True)
    assert_accessible(page, f"questionnaire in Spanish at {width} px")
    page.get_by_role("radio", name="3", exact=True).check()
    page.get_by_role("button", name="Siguiente").click()
    expect(page.get_by_text("Estas preguntas están en inglés")).to_be_visible()
    page.screenshot(path=SHOTS / f"questionnaire-es-english-{width}.png", full_page=True)
    assert_accessible(page, f"an untranslated questionnaire for a Spanish reader at {width} px")
    page.context.close()
