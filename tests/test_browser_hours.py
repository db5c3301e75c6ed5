"""Working hours in the browser: a practitioner sets the week, a day off and a calendar address, and takes hours
away again; reception turns one consultation request into a patient and closes another — desktop and phone, axe."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import assert_accessible, browser_login, make_consultation, make_listing, make_user
from dryneedle.appointments.models import Availability, AvailabilityException, Calendar
from dryneedle.directory.models import ConsultationRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def login(page: Page, url: str, username: str) -> None:
    browser_login(page, url, username, PASSWORD)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_practitioner_sets_her_week_a_day_off_and_a_calendar_address(live_server, browser, clinic_a, width):
    mei = make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka", password=PASSWORD)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    login(page, live_server.url, "mei@a.example")
    page.goto(live_server.url + "/appointments/hours/")
    expect(page.get_by_role("heading", name="Working hours: Mei Tanaka")).to_be_visible()
    expect(page.get_by_text("No weekly hours")).to_be_visible()

    week = page.get_by_role("region", name="Every week")
    week.get_by_label("Weekday").select_option(label="Monday")
    week.get_by_label("Start").fill("09:00")
    week.get_by_label("End").fill("08:00")
    week.get_by_role("button", name="Add hours").click()
    expect(page.get_by_text("The end must be after the start.")).to_be_visible()
    assert not Availability.objects.exists()  # refused, nothing saved, the form kept
    week = page.get_by_role("region", name="Every week")
    week.get_by_label("End").fill("12:30")
    week.get_by_role("button", name="Add hours").click()
    expect(page.get_by_text("Hours added.")).to_be_visible()
    expect(page.get_by_role("region", name="Every week").get_by_role("cell", name="Monday")).to_be_visible()

    off = page.get_by_role("region", name="Days off and extra hours")
    off.get_by_label("Date").fill("2030-01-09")
    off.get_by_label("Kind").select_option(label="Not available")
    off.get_by_label("Reason").fill("Course")
    off.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Exception added.")).to_be_visible()
    assert AvailabilityException.objects.get(user=mei).reason == "Course"

    page.get_by_role("button", name="Create a calendar address").click()
    address = page.get_by_label("Your calendar address (shown once; copy it now)")
    expect(address).to_be_visible()
    assert address.input_value().startswith(f"{live_server.url}/appointments/feed/")
    assert address.input_value().endswith(".ics")
    assert Calendar.objects.get(user=mei).feed_digest
    page.screenshot(path=SHOTS / f"working-hours-{width}.png", full_page=True)
    assert_accessible(page, f"working hours at {width} px")

    page.get_by_role("region", name="Every week").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Removed.")).to_be_visible()
    assert not Availability.objects.filter(user=mei).exists()
    page.context.close()


def test_reception_converts_one_request_and_closes_another(live_server, browser, clinic_a, alice):
    make_user("rey@a.example", clinic_a, "reception", "Rey", "Desk", password=PASSWORD)
    listing = make_listing(alice, clinic_a)
    sam = make_consultation(listing)
    wrong = make_consultation(listing, name="Jo Bloggs")
    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    login(page, live_server.url, "rey@a.example")
    page.goto(f"{live_server.url}/directory/requests/{wrong.code}/")
    page.get_by_role("button", name="Close without a patient record").click()
    expect(page.get_by_text("Request closed.")).to_be_visible()
    wrong.refresh_from_db()
    assert wrong.status == ConsultationRequest.Status.CLOSED
    assert_accessible(page, "consultation inbox")

    page.goto(f"{live_server.url}/directory/requests/{sam.code}/")
    page.get_by_label("Date of birth").fill("1984-03-03")
    page.get_by_label("Sex").select_option("male")
    page.get_by_role("button", name="Add the patient").click()
    expect(page.get_by_text("added.")).to_be_visible()
    sam.refresh_from_db()
    assert sam.status == ConsultationRequest.Status.CONVERTED and sam.patient is not None
    assert_accessible(page, "the new patient's chart")
    page.context.close()
