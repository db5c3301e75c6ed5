"""Secure messages in the browser (issue 19): a patient writes from a phone, the front desk answers, the patient
reads it; urgent words show the emergency instructions — phone and desktop, axe, screenshots."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import assert_accessible, browser_login, make_user, nav, patient_signs_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")


def patient_page(browser, url: str, width: int, outbox) -> Page:
    page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    patient_signs_in(page, url, "grace@mail.example", outbox)
    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Messages").click()
    return page


@pytest.mark.parametrize("width", [390, 1280])
def test_a_patient_and_the_front_desk_exchange_messages(live_server, browser, clinic_a, patient, episode, width,
                                                       mailoutbox):  # fmt: skip
    make_user("bo@a.example", clinic_a, "reception", "Bo", "Desk", password="a long enough passphrase")
    SHOTS.mkdir(parents=True, exist_ok=True)
    me = patient_page(browser, live_server.url, width, mailoutbox)
    expect(me.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    assert_accessible(me, f"patient messages at {width} px")
    me.get_by_label("Write a message").fill("Could I come on Thursday instead of Tuesday?")
    me.get_by_role("button", name="Send").click()
    expect(me.get_by_text("Sent. The clinic has been told a message is waiting.")).to_be_visible()

    desk: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    browser_login(desk, live_server.url, "bo@a.example", "a long enough passphrase")
    nav(desk, "Messages")
    assert_accessible(desk, f"clinic inbox at {width} px")
    desk.get_by_role("link", name="Grace Hopper").click()
    expect(desk.get_by_text("Could I come on Thursday instead of Tuesday?")).to_be_visible()
    desk.get_by_label("Write a message").fill("Yes, Thursday at 10:00 is yours.")
    desk.get_by_role("button", name="Send").click()
    expect(desk.get_by_text("Sent. The patient is told by email")).to_be_visible()
    assert_accessible(desk, f"clinic thread at {width} px")
    desk.context.close()

    me.reload()
    expect(me.get_by_text("Yes, Thursday at 10:00 is yours.")).to_be_visible()
    me.get_by_label("Write a message").fill("Also my leg has gone numb since the last session")
    me.get_by_role("button", name="Send").click()
    expect(me.get_by_role("alert")).to_contain_text("do not wait for a reply")
    me.screenshot(path=SHOTS / f"mine-messages-{width}.png", full_page=True)
    assert_accessible(me, f"patient urgent message at {width} px")
    me.context.close()
