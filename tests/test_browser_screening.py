"""A practitioner screens a patient in the browser: live decision, a red flag refers, needling is blocked."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import assert_accessible, make_user
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

    # The decision panel follows the answers. Nothing asked yet: incomplete, the gate stays shut.
    page.get_by_label("Consent to dry needling").select_option("given")
    page.get_by_label("How").select_option("verbal")
    page.get_by_label("Gluteal", exact=True).check()
    expect(page.locator("#decision")).to_contain_text("Screening incomplete")
    expect(page.locator("#decision")).to_contain_text("Not asked: red flags")
    # Asked: none of the red flags, none of the contraindications (a man: pregnancy does not apply).
    page.get_by_label("Asked: none of these red flags").check()
    page.get_by_label("Asked: none of these contraindications or precautions").check()
    expect(page.locator("#decision")).to_contain_text("Clear to needle")
    assert_accessible(page, "screening form")
    # A finding in a group marked "none of these" is a contradiction, said plainly.
    page.get_by_label("Diabetes", exact=True).check()
    expect(page.locator("#decision")).to_contain_text("'None of these' is ticked for contraindications")
    page.get_by_label("Asked: none of these contraindications or precautions").uncheck()
    expect(page.locator("#decision")).to_contain_text("Needle with precautions")
    # Aspirin by its brand-free name and an unknown medicine, shown back to check.
    page.get_by_label("Medications").fill("Aspirin 75 mg\nCo-codamol")
    page.get_by_label("Medications").blur()
    expect(page.locator("#decision")).to_contain_text("aspirin, antiplatelet")
    expect(page.locator("#decision")).to_contain_text("Not recognised — check it: Co-codamol")
    # A history of cancer refers at any age (Henschke 2013; NICE NG234).
    page.get_by_label("Asked: none of these red flags").uncheck()
    page.get_by_label("History of cancer").check()
    expect(page.locator("#decision")).to_contain_text("Urgent referral")
    expect(page.locator("#decision")).to_contain_text("acute oncology / MSCC team within 24 hours")
    page.get_by_label("History of cancer").uncheck()
    page.get_by_label("New urinary retention or incontinence").check()
    expect(page.locator("#decision")).to_contain_text("Emergency referral")
    expect(page.locator("#decision")).to_contain_text("emergency department today")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "screening-form.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SHOTS / "screening-form-phone.png", full_page=True)
    assert_accessible(page, "screening form on a phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Save screening").click()
    expect(page.get_by_role("heading", name="Emergency referral")).to_be_visible()
    expect(page.get_by_text("Needling blocked.")).to_be_visible()
    expect(page.get_by_text("Finucane 2020").first).to_be_visible()
    page.screenshot(path=SHOTS / "screening-detail.png", full_page=True)
    assert_accessible(page, "screening detail")

    page.get_by_role("link", name="← Sam Stone · Sciatica / radicular pain").click()
    expect(page.get_by_text("Needling blocked. The screening says emergency referral")).to_be_visible()
    # A visit can be opened, but no needle can be documented past the screening.
    page.get_by_role("button", name="Start a visit").click()
    expect(page.get_by_text("Insertion is locked: The screening says emergency referral")).to_be_visible()
    expect(page.get_by_role("button", name="Add needle")).to_have_count(0)
    page.screenshot(path=SHOTS / "visit-blocked.png", full_page=True)
    assert Screening.objects.get(episode=e).decision == "emergency_referral"
    assert not errors, errors


def test_the_rules_page_lists_the_antithrombotics_and_the_new_codes(live_server, page: Page, clinic_a):
    make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/login/")
        if page.get_by_label("Email").count():
            page.get_by_label("Email").fill("dora@a.example")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
        page.goto(live_server.url + "/screening/rules/")
        expect(page.get_by_role("cell", name="enoxaparin", exact=True)).to_be_visible()
        expect(page.get_by_role("cell", name="prior_pneumothorax")).to_be_visible()
        expect(page.get_by_text("a history of cancer with back pain at any age")).to_be_visible()
        page.screenshot(path=SHOTS / f"screening-rules-{width}.png", full_page=True)
        assert_accessible(page, f"rules page at {width}px")
