"""A patient's care in their account in the browser (issue 19): the questionnaires due, answered from there, their
home exercises, and their scores in plain words with the chart — on a phone and a desktop, axe, screenshots."""

import re
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
    page.get_by_role("button", name="Open the exercises and tick today's").click()
    expect(page.get_by_role("heading", name=re.compile("exercises", re.I)).first).to_be_visible()
    assert_accessible(page, f"patient exercises from the account at {width} px")
    page.context.close()
