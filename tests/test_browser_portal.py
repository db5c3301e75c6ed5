"""A patient answers the screening questions on a phone; the clinician sees them in the screening form."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import client_for
from dryneedle.portal.models import PatientLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")


def test_patient_prefills_on_a_phone(live_server, page: Page, episode, alice):
    _link, token = PatientLink.issue(episode, "screening", alice)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/p/{token}/")
    expect(page.get_by_role("heading", name="Before your appointment")).to_be_visible()
    page.get_by_label("Diabetes", exact=True).check()
    page.get_by_label("Fainting with needles or blood").check()
    page.get_by_label("Medicines you take (one per line)").fill("Warfarin 3 mg")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "portal-phone.png", full_page=True)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    page.goto(f"{live_server.url}/p/{token}/")
    expect(page.get_by_text("already sent")).to_be_visible()

    c = client_for(alice)
    text = c.get(f"/screening/episodes/{episode.code}/new/").content.decode()
    assert "Warfarin 3 mg" in text and "own answers" in text
