"""Changing a time and asking for one online, in the browser (issue 19): the patient on a phone, the front desk
confirming the request — phone and desktop, axe, screenshots."""

import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from conftest import CLINIC_A_ZONE, assert_accessible, browser_login, make_appointment, make_user, patient_signs_in
from dryneedle.appointments.models import Appointment, Availability, OnlineBooking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")
FRIDAY = datetime.combine(date(2030, 1, 4), time(9), CLINIC_A_ZONE)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_patient_changes_a_time_and_asks_for_another(live_server, browser, clinic_a, patient, alice, width,
                                                      mailoutbox):  # fmt: skip
    make_user("bo@a.example", clinic_a, "reception", "Bo", "Desk", password="a long enough passphrase")
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12))
    OnlineBooking.objects.create(clinic=clinic_a, kind="massage", mode="request", minutes=30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(FRIDAY, tick=True):
        later = make_appointment(patient, alice, datetime.combine(date(2030, 1, 8), time(10), CLINIC_A_ZONE))
        page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        patient_signs_in(page, live_server.url, "grace@mail.example", mailoutbox)
        page.get_by_role("link", name="Change the time of Tuesday 08 January 2030, 10:00").click()
        expect(page.get_by_role("heading", name="Change an appointment")).to_be_visible()
        assert_accessible(page, f"patient change time at {width} px")
        page.get_by_label("Monday 07 January, 09:00").check()
        page.get_by_role("button", name="Move it to this time").click()
        expect(page.get_by_text("Changed: now Monday 07 January, 09:00 with Alice Archer.")).to_be_visible()
        later.refresh_from_db()
        assert later.start == datetime.combine(date(2030, 1, 7), time(9), CLINIC_A_ZONE)
        page.get_by_role("link", name="Book an appointment").click()
        page.get_by_role("button", name="Ask for this time").wait_for()
        page.get_by_role("radio").first.check()
        page.get_by_role("button", name="Ask for this time").click()
        expect(page.get_by_text(re.compile(r"^Requested: Friday 04 January, 09:30"))).to_be_visible()
        # Her first visit booked online: the questions before it come next (appointments/intake.py).
        expect(page.get_by_role("heading", name="Before your visit")).to_be_visible()
        page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Appointments").click()
        expect(page.get_by_text("Requested: the clinic confirms by email")).to_be_visible()
        page.screenshot(path=SHOTS / f"mine-requested-{width}.png", full_page=True)
        assert_accessible(page, f"patient requested at {width} px")
        page.context.close()

        desk: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        browser_login(desk, live_server.url, "bo@a.example", "a long enough passphrase")
        requests = desk.get_by_role("region", name="Online requests to confirm (1)")
        requests.get_by_role("link").click()
        expect(desk.get_by_role("heading", name="The patient asked for this time online")).to_be_visible()
        assert_accessible(desk, f"request to confirm at {width} px")
        desk.get_by_role("button", name="Confirm").click()
        expect(desk.get_by_text(re.compile("^Confirmed: .* The patient is told by email."))).to_be_visible()
        assert Appointment.objects.get(kind="massage").status == "booked"
        desk.context.close()
