"""A clinic admin sets the clinic's SNOMED CT and ICD-10 codes for its conditions, in the browser (issue 20):
desktop and phone, axe, screenshots."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import admin_browser, assert_accessible, make_user, nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_codes_a_condition_and_a_typo_is_caught(live_server, browser, clinic_a, width):
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)

    nav(page, "Conditions & evidence")
    expect(page.get_by_text("No SNOMED CT or ICD-10 codes are set for this clinic")).to_be_visible()
    page.get_by_role("link", name="Set SNOMED CT / ICD-10 codes").click()
    expect(page.get_by_role("heading", name="The clinic's codes for its conditions")).to_be_visible()
    expect(page.get_by_label("ICD-10 edition")).to_have_value("http://hl7.org/fhir/sid/icd-10-cm")
    chronic = page.get_by_role("group", name="Chronic low back pain")
    chronic.get_by_label("SNOMED CT concept id").fill("22298007")  # one digit mistyped
    chronic.get_by_label("ICD-10 code").fill("m545")
    page.get_by_role("button", name="Save the codes").click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(chronic.get_by_text("Its check digit does not match")).to_be_visible()
    expect(page.get_by_text("Say where the codes come from")).to_be_visible()
    page.screenshot(path=SHOTS / f"condition-codes-{width}.png", full_page=True)
    assert_accessible(page, f"condition codes with errors at {width} px")
    chronic.get_by_label("SNOMED CT concept id").fill("22298006")
    page.get_by_label("Where the codes come from").fill("SNOMED CT US Edition 2026-09; ICD-10-CM FY2027")
    page.get_by_role("button", name="Save the codes").click()
    expect(page.get_by_text("Saved 2 changes to the codes.")).to_be_visible()
    card = page.locator("section.card").filter(has=page.get_by_role("heading", name="Chronic low back pain"))
    expect(card).to_contain_text("SNOMED CT 22298006 and ICD-10-CM (United States) M54.5")
    expect(card).to_contain_text("SNOMED CT US Edition 2026-09")
    page.screenshot(path=SHOTS / f"conditions-coded-{width}.png", full_page=True)
    assert_accessible(page, f"conditions with codes at {width} px")
    page.context.close()
