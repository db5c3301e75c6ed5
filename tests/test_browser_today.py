"""The day in the browser (issue 18): a practitioner opens on her schedule and starts the visit from its appointment;
reception marks an arrival and a no-show from the clinic's day — desktop and phone, axe, screenshots."""

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from conftest import (
    CLINIC_A_ZONE,
    SCREENING_ANSWERS,
    assert_accessible,
    browser_login,
    make_appointment,
    make_user,
    nav,
    screened,
)
from dryneedle.appointments.models import Appointment
from dryneedle.patients.models import Episode, Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")
MONDAY = date(2030, 1, 7)


def at(hh: int, mm: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hh, mm), CLINIC_A_ZONE)


@pytest.fixture(autouse=True)
def noon():
    """Monday 7 January 2030, 12:00 in Denver; the clock runs on from there (the browser's requests take time)."""
    with time_machine.travel(at(12), tick=True):
        yield


def _day(clinic, practitioner):
    out = {}
    for given, family, hh in (("Grace", "Hopper", 9), ("Ann", "Lee", 14)):
        p = Patient.objects.create(clinic=clinic, given_name=given, family_name=family, birth_date=date(1968, 3, 3),
                                   sex="female", phone="+1 303 555 0142", created_by=practitioner)  # fmt: skip
        e = Episode.objects.create(clinic=clinic, patient=p, condition="chronic_lbp", clinician=practitioner,
                                   start_date=MONDAY - timedelta(days=20), created_by=practitioner)  # fmt: skip
        screened(e, practitioner, SCREENING_ANSWERS)
        out[given] = make_appointment(p, practitioner, at(hh))
    return out


@pytest.mark.parametrize("width", [1280, 390])
def test_a_practitioner_starts_the_visit_from_her_schedule(live_server, browser, clinic_a, width):
    mei = make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka", password=PASSWORD)
    appts = _day(clinic_a, mei)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    browser_login(page, live_server.url, "mei@a.example", PASSWORD)
    expect(page.get_by_role("heading", name="Today, Monday 7 January")).to_be_visible()
    schedule = page.get_by_role("region", name="Your appointments today (2)")
    rows = schedule.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("09:00")
    expect(rows.nth(1)).to_contain_text("Grace Hopper")
    expect(rows.nth(1)).to_contain_text("Not arrived")  # 9:00 has passed
    expect(rows.nth(2)).to_contain_text("Ann Lee")
    expect(page.get_by_role("region", name="Unsigned visits")).to_contain_text("None: every visit is signed.")
    page.screenshot(path=SHOTS / f"today-practitioner-{width}.png", full_page=True)
    assert_accessible(page, f"practitioner's home at {width} px")

    page.get_by_role("button", name="Start visit with Grace Hopper").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Needling visit"))).to_be_visible()
    expect(page.get_by_role("link", name="from the 09:00 appointment")).to_be_visible()
    appt = Appointment.objects.get(pk=appts["Grace"].pk)
    assert appt.status == "attended" and appt.visit is not None

    nav(page, "Today")
    expect(page.get_by_role("link", name="Open draft of Grace Hopper")).to_be_visible()
    expect(page.get_by_role("region", name="Unsigned visits (1)")).to_contain_text("Grace Hopper")
    assert_accessible(page, f"practitioner's home with a draft at {width} px")
    page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_reception_marks_an_arrival_and_a_no_show(live_server, browser, clinic_a, alice, width):
    make_user("rey@a.example", clinic_a, "reception", "Rey", "Desk", password=PASSWORD)
    appts = _day(clinic_a, alice)
    page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    browser_login(page, live_server.url, "rey@a.example", PASSWORD)
    column = page.get_by_role("region", name="Alice Archer (2)")
    expect(column).to_contain_text("09:00 Grace Hopper")
    expect(column).to_contain_text("14:00 Ann Lee")
    expect(page.locator(".card", has_text="still to arrive today").locator(".stat")).to_have_text("2")
    page.screenshot(path=SHOTS / f"today-reception-{width}.png", full_page=True)
    assert_accessible(page, f"reception's home at {width} px")

    page.get_by_role("button", name="Arrived: Ann Lee, 14:00").click()
    expect(page.get_by_text("Ann Lee has arrived (14:00).")).to_be_visible()
    expect(page.get_by_role("region", name="Alice Archer (2)")).to_contain_text(re.compile(r"Arrived \d\d:\d\d"))
    page.get_by_role("button", name="Did not attend: Grace Hopper, 09:00").click()
    expect(page.get_by_text(re.compile(r"Grace Hopper: did not attend\."))).to_be_visible()
    assert Appointment.objects.get(pk=appts["Grace"].pk).status == "no_show"
    assert Appointment.objects.get(pk=appts["Ann"].pk).arrived_at is not None
    page.screenshot(path=SHOTS / f"today-reception-after-{width}.png", full_page=True)
    assert_accessible(page, f"reception's home after arrivals at {width} px")
    page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_text_past_a_limit_is_announced_not_cut(live_server, browser, clinic_a, width):
    """Issue 18, defect 9: the browser cut a name at 100 characters without a word. The field now says how much is
    left, then that it is too long; the server refuses the form whole and nothing is saved."""
    make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka", password=PASSWORD)
    page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    browser_login(page, live_server.url, "mei@a.example", PASSWORD)
    page.get_by_role("link", name="Add a patient").click()
    family = page.get_by_label("Family name")
    family.fill("Q" * 95)
    expect(page.get_by_text("5 characters left (at most 100).")).to_be_visible()
    family.fill("Q" * 105)
    expect(page.get_by_text("Too long: 105 characters, at most 100. Shorten it before saving.")).to_be_visible()
    assert family.input_value() == "Q" * 105  # nothing cut
    assert_accessible(page, f"a field past its limit at {width} px")
    page.get_by_label("Given name").fill("Lena")
    page.get_by_label("Date of birth").fill("1980-02-02")
    page.get_by_label("Sex").select_option(index=1)
    page.get_by_role("button", name=re.compile("^(Add|Save)")).click()
    expect(page.get_by_text(re.compile("at most 100 characters"))).to_be_visible()
    assert not Patient.objects.filter(given_name="Lena").exists()
    page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_reception_books_a_free_time_and_the_practitioner_starts_the_visit_from_it(
    live_server, browser, clinic_a, width
):
    """The issue's path end to end: reception ticks a free time on the booking form; the practitioner's home shows
    the appointment, "Start visit" opens the needling visit and the appointment is attended."""
    from dryneedle.appointments.models import Availability

    mei = make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka", password=PASSWORD)
    make_user("rey@a.example", clinic_a, "reception", "Rey", "Desk", password=PASSWORD)
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=mei, weekday=wd, start=time(9), end=time(17))
    p = Patient.objects.create(clinic=clinic_a, given_name="Lena", family_name="Berg", birth_date=date(1979, 4, 4),
                               sex="female", email="lena@mail.example", created_by=mei)  # fmt: skip
    e = Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", clinician=mei,
                               start_date=MONDAY - timedelta(days=10), created_by=mei)  # fmt: skip
    screened(e, mei, SCREENING_ANSWERS)

    desk: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    browser_login(desk, live_server.url, "rey@a.example", PASSWORD)
    desk.goto(f"{live_server.url}/appointments/patients/{p.code}/book/?practitioner=mei@a.example")
    slots = desk.get_by_role("group", name="Next free times with Mei Tanaka (30 minutes)")
    first = slots.get_by_role("radio").first
    label = slots.locator("label").first.inner_text().strip()  # e.g. "Mon 07 Jan 12:30"
    desk.screenshot(path=SHOTS / f"book-free-times-{width}.png", full_page=True)
    assert_accessible(desk, f"booking with free times at {width} px")
    first.check()
    desk.get_by_role("button", name="Book", exact=True).click()
    expect(desk.get_by_text(f"Booked 1 appointment from {label} with Mei Tanaka.")).to_be_visible()
    appt = Appointment.objects.get(patient=p)
    desk.context.close()

    page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    browser_login(page, live_server.url, "mei@a.example", PASSWORD)
    expect(page.get_by_role("region", name="Your appointments today (1)")).to_contain_text("Lena Berg")
    page.get_by_role("button", name="Start visit with Lena Berg").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Needling visit"))).to_be_visible()
    appt.refresh_from_db()
    assert appt.status == "attended" and appt.visit is not None and appt.visit.episode == e
    page.context.close()
