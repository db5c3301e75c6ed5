"""A person at the keyboard: log in, add a patient, open an episode, log out (Debian Chromium)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import make_user
from dryneedle.audit.models import AuditEvent
from dryneedle.patients.models import Episode, Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def test_a_practitioner_adds_a_patient_and_opens_an_episode(live_server, page: Page, clinic_a):
    make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server.url + "/patients/")
    expect(page).to_have_url(live_server.url + "/login/?next=/patients/")
    page.get_by_label("Email").fill("dora@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()

    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_label("Date of birth").fill("2099-01-01")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Date of birth cannot be in the future.")).to_be_visible()
    page.get_by_label("Date of birth").fill("1985-12-10")
    page.get_by_label("Phone (optional)", exact=True).fill("+1 303 555 0188")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()

    page.get_by_role("link", name="Open an episode").click()
    page.get_by_label("Condition").select_option("chronic_lbp")
    page.get_by_label("Start date").fill("2026-10-05")
    page.get_by_role("button", name="Open episode").click()
    expect(page.get_by_role("heading", name="Chronic low back pain")).to_be_visible()
    expect(page.get_by_text("Marketing claim, not evidence")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "episode.png", full_page=True)

    # No patient data in browser storage (RT-27), and logout tells the browser to clear it and its cache.
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    with page.expect_response(lambda r: r.url.endswith("/logout/")) as out:
        page.get_by_role("button", name="Log out").click()
    assert out.value.all_headers().get("clear-site-data") == '"cache", "storage"'
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto(live_server.url + "/patients/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    p = Patient.objects.get(family_name="Lovelace")
    assert Episode.objects.get(patient=p).condition == "chronic_lbp"
    assert set(AuditEvent.objects.filter(patient=p.code).values_list("action", flat=True)) >= {
        "patient.create",
        "patient.view",
        "episode.create",
        "episode.view",
    }
    assert not errors, errors


def test_the_keyboard_alone_reaches_everything(live_server, page: Page, clinic_a):
    make_user("kim@a.example", clinic_a, "reception", "Kim", "Key", password=PASSWORD)
    page.goto(live_server.url + "/login/")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type("kim@a.example")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    # Tab from the top reaches the skip link first, then the main navigation (after the brand and "Today").
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Today")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Patients")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
