"""Care plans and appointments in the browser: a practitioner builds a combined plan from STarT Back and PSFS,
the patient ticks exercises on a phone, reception books the plan's visits, the practitioner sees the week."""

import re
import zoneinfo
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_user, nav
from dryneedle.appointments.models import Appointment, Availability
from dryneedle.outcomes.services import record_response
from dryneedle.patients.models import Episode, Patient
from dryneedle.plans.models import CarePlan, ExerciseLog
from dryneedle.portal.models import PatientLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")
DENVER = zoneinfo.ZoneInfo("America/Denver")  # clinic A's time zone: what its people see and type
MEDIUM = {"items": {"1": True, "2": True, "3": True, "4": True, "5": True, "6": False, "7": False, "8": False,
                    "9": "moderately"}}  # fmt: skip


def login(page: Page, url: str, username: str) -> None:
    page.goto(url + "/login/")
    page.get_by_label("Email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def people(clinic_a):
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    rita = make_user("rita@a.example", clinic_a, "reception", "Rita", "Reyes", password=PASSWORD)
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=dora, weekday=wd, start=time(9), end=time(17))
    p = Patient.objects.create(clinic=clinic_a, given_name="Lee", family_name="Park", birth_date=date(1980, 2, 2),
                               sex="female", created_by=dora)  # fmt: skip
    e = Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", clinician=dora, created_by=dora)
    record_response(e, "startback", MEDIUM, dora)
    acts = [{"name": "Lifting my child", "score": 3}, {"name": "Sitting through a meeting", "score": 4}]
    record_response(e, "psfs", {"activities": acts}, dora)
    return dora, rita, p, e


def test_practitioner_builds_a_combined_plan_and_the_patient_follows_it(live_server, page: Page, browser, people):
    _dora, _rita, _p, e = people
    login(page, live_server.url, "dora@a.example")
    page.goto(f"{live_server.url}/patients/episodes/{e.code}/")
    page.get_by_role("link", name="Make a care plan").click()
    expect(page.get_by_text("Medium risk: physiotherapy-led care with exercise and manual therapy")).to_be_visible()
    # No needling by default at medium risk (safety review §14): the caveat, and the clinician adds it.
    expect(page.get_by_text("Dry needling is not part of the STarT Back trial's medium-risk pathway")).to_be_visible()
    expect(page.get_by_text("About 5 dry-needling sessions")).to_be_visible()
    expect(page.get_by_label("Expected dry-needling visits")).to_have_value("5")
    # The template's rows: physiotherapy, exercise, education. Fill counts; drop education; add needling.
    counts = {0: ("1", "6"), 1: ("2", "12")}
    for row, (times, count) in counts.items():
        page.get_by_label(f"Times (row {row + 1})").fill(times)
        page.get_by_label(f"In all (row {row + 1})").fill(count)
    page.get_by_label("Remove (row 3)").check()
    page.get_by_label("Modality (row 4)").select_option("dry_needling")
    page.get_by_label("On a combined day (row 4)").select_option("needling")
    page.get_by_label("Times (row 4)").fill("1")
    page.get_by_label("every … weeks (row 4)").fill("1")
    page.get_by_label("In all (row 4)").fill("5")
    # A massage before needling, with an outside therapist, in the spare row.
    page.get_by_label("Modality (row 5)").select_option("massage")
    page.get_by_label("On a combined day (row 5)").select_option("before")
    page.get_by_label("or outside provider (row 5)").fill("Sam Ortiz, LMT")
    page.get_by_label("Times (row 5)").fill("1")
    page.get_by_label("every … weeks (row 5)").fill("2")
    page.get_by_label("In all (row 5)").fill("3")
    # Goals from the baseline PSFS: targets and a date.
    expect(page.get_by_label("Activity (goal 1)")).to_have_value("Lifting my child")
    page.get_by_label("Target (goal 1)").fill("8")
    page.get_by_label("Target (goal 2)").fill("8")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "plan-builder.png"), full_page=True)
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("Care plan saved.")).to_be_visible()
    plan = CarePlan.objects.get()
    assert sorted(plan.components.values_list("modality", flat=True)) == [
        "dry_needling", "exercise", "massage", "physiotherapy"]  # fmt: skip
    row = page.get_by_role("row").filter(has_text="Massage").first
    expect(row).to_contain_text("Sam Ortiz, LMT")
    expect(row).to_contain_text("1× every 2 weeks, 3 in all")
    # Home exercises: two from the library, one with the clinician's own dose.
    page.locator("summary", has_text="Give an exercise").click()
    page.get_by_label("Exercise", exact=True).select_option("knee_rolls")
    page.get_by_role("button", name="Give exercise").click()
    expect(page.get_by_role("row").filter(has_text="Knee rolls")).to_be_visible()
    page.locator("summary", has_text="Give an exercise").click()
    page.get_by_label("Exercise", exact=True).select_option("bridge")
    page.get_by_label("Dose").fill("Hold 3 seconds; 8 times")
    page.get_by_role("button", name="Give exercise").click()
    expect(page.get_by_role("cell", name="Hold 3 seconds; 8 times")).to_be_visible()
    page.get_by_role("button", name="Send the exercise page to the patient").click()
    url = page.locator("#link-url").input_value()
    assert PatientLink.objects.filter(purpose="exercises").count() == 1

    # The patient, on a phone, ticks today's knee rolls.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pp = phone.new_page()
    pp.goto(url)
    expect(pp.get_by_role("heading", name="Your home exercises")).to_be_visible()
    knee = pp.get_by_role("region", name="Knee rolls")
    knee.get_by_role("button", name=timezone.localdate(timezone=DENVER).strftime("%a %-d %b")).click()
    expect(pp.get_by_role("region", name="Knee rolls")).to_contain_text("Done on 1 of the last 1 day")
    pp.screenshot(path=str(SHOTS / "exercises-phone.png"), full_page=True)
    phone.close()
    assert ExerciseLog.objects.get().assignment.exercise == "knee_rolls"

    # Back on the plan: adherence and the discharge criteria with the data so far.
    page.goto(f"{live_server.url}/plans/{plan.code}/")
    expect(page.get_by_role("row").filter(has_text="Knee rolls")).to_contain_text("1 of 1 day (100%)")
    expect(page.get_by_role("row").filter(has_text="Goals met")).to_contain_text("0 of 2 goals at target")
    page.screenshot(path=str(SHOTS / "plan.png"), full_page=True)


def test_reception_books_the_plans_visits_and_the_practitioner_sees_the_week(live_server, page: Page, people):
    dora, _rita, p, e = people
    plan = CarePlan.objects.create(clinic=e.clinic, patient=p, episode=e, expected_dn_visits=4, created_by=dora)
    from dryneedle.plans.services import add_component

    dn = add_component(plan, dora, {"modality": "dry_needling", "times": 1, "count": 4, "provider": dora})
    today = timezone.localdate(timezone=DENVER)
    monday = today + timedelta(days=7 - today.weekday())
    # Someone else already has Dora's Monday 10:00 in the third week.
    other = Patient.objects.create(clinic=e.clinic, given_name="Ann", family_name="Lee", birth_date=date(1970, 1, 1),
                                   sex="female")  # fmt: skip
    from conftest import make_appointment

    blocker = make_appointment(other, dora, start=datetime.combine(monday + timedelta(days=14), time(10), DENVER))

    login(page, live_server.url, "rita@a.example")
    nav(page, "Patients")
    page.get_by_label("Find a patient").fill("Park")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Park, Lee").click()
    page.get_by_role("link", name="Book").click()
    page.get_by_label("For the care plan's").select_option(str(dn.code))
    page.get_by_label("Date").fill(monday.isoformat())
    page.get_by_label("Start").fill("10:00")
    page.get_by_label("Length").select_option("30")
    page.get_by_label("Appointments in the series").fill("4")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("alert")).to_contain_text("Appointment 3 of 4")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was booked")
    assert not Appointment.objects.filter(patient=p).exists()
    page.get_by_label("Start").fill("11:00")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_text("Booked 4 appointments")).to_be_visible()
    assert Appointment.objects.filter(patient=p, component=dn, status="booked").count() == 4
    page.screenshot(path=str(SHOTS / "week-reception.png"), full_page=True)
    page.get_by_role("button", name="Log out").click()

    login(page, live_server.url, "dora@a.example")
    nav(page, "Calendar")
    page.get_by_role("link", name="Next week →").click()

    # The week is a time grid, a column a day (the cell's data-c: 0 is Monday).
    def day_of(name: str):
        return page.get_by_role("table").get_by_role("link", name=name).locator("xpath=ancestor::td[1]")

    expect(page.get_by_role("columnheader", name=re.compile("^" + monday.strftime("%a %-d %b")))).to_be_visible()
    expect(day_of("11:00–11:30 Lee Park")).to_have_attribute("data-c", str(monday.weekday()))
    page.get_by_role("link", name="Next week →").click()
    page.get_by_role("link", name="Next week →").click()
    third_day = monday + timedelta(days=14)
    expect(page.get_by_role("columnheader", name=re.compile("^" + third_day.strftime("%a %-d %b")))).to_be_visible()
    expect(day_of("10:00–10:30 Ann Lee")).to_have_attribute("data-c", str(third_day.weekday()))
    expect(day_of("11:00–11:30 Lee Park")).to_have_attribute("data-c", str(third_day.weekday()))
    page.screenshot(path=str(SHOTS / "week-practitioner.png"), full_page=True)
    # The plan counts what is booked.
    page.goto(f"{live_server.url}/plans/{plan.code}/")
    expect(page.get_by_role("row").filter(has_text="Dry needling").first).to_contain_text("4 of 4")
    assert blocker.status == "booked"
