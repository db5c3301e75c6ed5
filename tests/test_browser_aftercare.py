"""Aftercare in the browser: the handout after signing, the patient's check-in on a phone, the clinician
confirming the draft adverse event it made, and the clinic's safety page."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import ONTO_BONE, _lot, assert_accessible, certify, make_user, nav, screened
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.aftercare import services
from dryneedle.aftercare.models import CheckIn
from dryneedle.patients.models import Episode, Patient
from dryneedle.portal.models import PatientLink
from dryneedle.visits import services as visits
from dryneedle.visits.models import Insertion, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def test_check_in_on_a_phone_becomes_a_confirmed_event(live_server, page: Page, browser, clinic_a, settings):
    settings.SITE_URL = live_server.url
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    certify(dora, 200)
    p = Patient.objects.create(
        clinic=clinic_a,
        given_name="Lee",
        family_name="Park",
        birth_date=date(1980, 2, 2),
        sex="female",
        created_by=dora,
    )
    e = Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", clinician=dora, created_by=dora)
    screened(e, dora, {"consent": "given", "consent_type": "written", "findings": [], "planned_regions": ["lumbar"]})
    lot = _lot(clinic_a, "L-9")
    v = Visit.objects.create(clinic=clinic_a, patient=p, episode=e, practitioner=dora)
    for muscle in ("multifidus", "quadratus_lumborum"):
        ins = Insertion.objects.create(
            visit=v, lot=lot, muscle=muscle, side="right", depth_mm=30, created_by=dora, **ONTO_BONE
        )
        visits.remove_needle(ins, dora)
    visits.sign(v, dora)
    (checkin,) = services.send_due(now=timezone.now() + timedelta(hours=25))

    # The patient, on a phone, a day later.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pp = phone.new_page()
    pp.goto(checkin.url)
    expect(pp.get_by_role("heading", name="How are you since your treatment?")).to_be_visible()
    pp.get_by_role("group", name="How sore are the needled areas now?").get_by_label("5", exact=True).check()
    answers = {"bruising": "Yes", "fatigue": "No", "dizziness": "No", "bleeding": "No", "infection": "No",
               "fever": "No", "weakness": "No", "breathing": "No", "ces": "No"}  # fmt: skip
    groups = pp.locator("fieldset.card")
    for i, answer in enumerate(answers.values(), start=1):
        groups.nth(i).get_by_label(answer, exact=True).check()
    pp.get_by_label("Anything else you want us to know").fill("A bruise the size of a coin on the right.")
    expect(pp.get_by_text("numbness between your legs or around your back passage")).to_be_visible()
    assert_accessible(pp, "check-in on a phone")
    SHOTS.mkdir(parents=True, exist_ok=True)
    pp.screenshot(path=str(SHOTS / "checkin-phone.png"), full_page=True)
    pp.get_by_role("button", name="Send").click()
    expect(pp.get_by_text("passed what you told us to your practitioner")).to_be_visible()
    phone.close()

    # The practitioner confirms the drafts from the safety page.
    page.set_viewport_size({"width": 1024, "height": 1366})
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("dora@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    nav(page, "Adverse events")
    expect(page.get_by_text("2 drafts to confirm")).to_be_visible()
    page.get_by_role("row").filter(has_text="Bruising or haematoma").get_by_role("link").click()
    expect(page.get_by_text("A bruise the size of a coin on the right.").first).to_be_visible()
    page.get_by_label("Severity").select_option("mild")
    page.get_by_label("Causality").select_option("certain")
    page.get_by_label("Outcome").select_option("resolving")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("li.success")).to_contain_text("confirmed")
    expect(page.locator("h1 .badge")).to_have_text("Confirmed")
    page.get_by_role("link", name="← Adverse events").click()
    row = page.get_by_role("row").filter(has_text="Bruising or haematoma").first
    expect(row).to_contain_text("100.00")  # 1 of 1 visit
    expect(row).to_contain_text("7.55")  # beside Brady 2014
    page.screenshot(path=str(SHOTS / "adverse-events.png"), full_page=True)

    # The handout from the visit page.
    page.goto(f"{live_server.url}/visits/{v.code}/")
    page.get_by_role("link", name="Aftercare handout").click()
    expect(page.get_by_text("placed 2 needles in: Multifidus (right), Quadratus lumborum (right).")).to_be_visible()
    expect(page.get_by_text("Redness that spreads")).to_be_visible()
    page.screenshot(path=str(SHOTS / "handout.png"), full_page=True)
    pdf = page.request.get(live_server.url + page.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    bruise = AdverseEvent.objects.get(type="bruising")
    assert (bruise.status, bruise.severity, bruise.causality, bruise.source) == (
        "confirmed",
        "mild",
        "certain",
        "checkin",
    )
    assert AdverseEvent.objects.get(type="soreness_after").status == "draft"

    # An event reported from the visit page.
    page.goto(f"{live_server.url}/visits/{v.code}/")
    page.get_by_role("link", name="Report an adverse event at this visit").click()
    page.get_by_label("Type").select_option("pneumothorax")
    page.get_by_label("Severity").select_option("mild")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("A pneumothorax is at least significant")).to_be_visible()
    page.get_by_label("Type").select_option("pain_during")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Pain during needling")

    # An urgent answer on a second check-in: the alert on every page until acknowledged.
    link, _token = PatientLink.issue(e, PatientLink.Purpose.CHECKIN, None, days=3)
    second = CheckIn.objects.create(
        clinic=clinic_a, patient=p, episode=e, visit=v, attempt=2, link=link, due_at=timezone.now()
    )
    services.answer(second, {"breathing": "yes", "soreness": 2, "other": ""})
    nav(page, "Patients")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("reported breathlessness or chest pain")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)

    # The safety record as CSV.
    nav(page, "Adverse events")
    with page.expect_download() as dl:
        page.get_by_role("link", name="CSV").click()
    rows = Path(dl.value.path()).read_text().splitlines()
    assert rows[0].startswith("event,occurred,patient") and len(rows) == 1 + AdverseEvent.objects.count()
