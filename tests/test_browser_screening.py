"""A practitioner screens a patient in the browser: live decision, a red flag refers, needling is blocked."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import make_user
from dryneedle.patients.models import Episode, Patient
from dryneedle.screening.models import Screening

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def test_a_red_flag_refers_and_blocks_needling(live_server, page: Page, clinic_a):
    from datetime import date

    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    p = Patient.objects.create(
        clinic=clinic_a, given_name="Sam", family_name="Stone", birth_date=date(1961, 3, 4), sex="male", created_by=dora
    )
    e = Episode.objects.create(clinic=clinic_a, patient=p, condition="sciatica", clinician=dora, created_by=dora)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("dora@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/patients/episodes/{e.code}/")
    expect(page.get_by_text("Needling blocked. No screening yet")).to_be_visible()
    page.get_by_role("link", name="Screen before needling").click()

    # The decision panel follows the answers.
    page.get_by_label("Consent to dry needling").select_option("given")
    page.get_by_label("How").select_option("verbal")
    page.get_by_label("Lumbar", exact=True).check()
    expect(page.locator("#decision")).to_contain_text("Clear to needle")
    page.get_by_label("Diabetes").check()
    expect(page.locator("#decision")).to_contain_text("Needle with precautions")
    page.get_by_label("New urinary retention or incontinence").check()
    expect(page.locator("#decision")).to_contain_text("Emergency referral")
    expect(page.locator("#decision")).to_contain_text("emergency department today")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "screening-form.png", full_page=True)

    page.get_by_role("button", name="Save screening").click()
    expect(page.get_by_role("heading", name="Emergency referral")).to_be_visible()
    expect(page.get_by_text("Needling blocked.")).to_be_visible()
    expect(page.get_by_text("Finucane 2020").first).to_be_visible()
    page.screenshot(path=SHOTS / "screening-detail.png", full_page=True)

    page.get_by_role("link", name="← Sam Stone · Sciatica / radicular pain").click()
    expect(page.get_by_text("Needling blocked. The screening says emergency referral")).to_be_visible()
    # A visit can be opened, but no needle can be documented past the screening.
    page.get_by_role("button", name="Start a visit").click()
    expect(page.get_by_text("Insertion is locked: The screening says emergency referral")).to_be_visible()
    expect(page.get_by_role("button", name="Add needle")).to_have_count(0)
    page.screenshot(path=SHOTS / "visit-blocked.png", full_page=True)
    assert Screening.objects.get(episode=e).decision == "emergency_referral"
    assert not errors, errors
