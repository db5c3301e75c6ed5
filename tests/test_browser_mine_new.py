"""A first visit booked online by someone the clinic does not know yet, and the questions before it (issue 19), in
the browser: the clinic admin opens it to new patients, a newcomer books on a phone or a desktop, proves the
address with the emailed code and answers the questions; axe on every page, screenshots."""

import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from conftest import CLINIC_A_ZONE, admin_browser, assert_accessible, make_user, nav
from dryneedle.appointments.models import Appointment, Availability
from dryneedle.patients.models import Patient
from dryneedle.portal.models import Intake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")
FRIDAY = datetime.combine(date(2030, 1, 4), time(8), CLINIC_A_ZONE)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_newcomer_books_a_first_visit_and_answers_the_questions(live_server, browser, clinic_a, alice, width,
                                                                  mailoutbox):  # fmt: skip
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password="a long enough passphrase")
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12))
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(FRIDAY, tick=True):
        admin = admin_browser(browser, live_server.url, "ada@a.example", "a long enough passphrase")
        admin.set_viewport_size({"width": width, "height": 900})
        nav(admin, "Online booking")
        admin.get_by_label("Consultation: online").select_option("request")
        admin.get_by_label("Consultation: new patients too").check()
        admin.get_by_label("Consultation: length").select_option("45")
        admin.get_by_role("button", name="Save").click()
        expect(admin.get_by_text("Online booking saved.")).to_be_visible()
        public = admin.get_by_text("Your clinic's booking page for new patients").get_by_role("link")
        url = public.get_attribute("href")
        assert url.endswith(f"/my/new/{clinic_a.code}/")
        assert_accessible(admin, f"online booking with new patients at {width} px")

        page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.goto(url)
        expect(page.get_by_role("heading", name="Book your first visit at Clinic A")).to_be_visible()
        assert_accessible(page, f"first booking at {width} px")
        times = page.get_by_role("group", name="1. A free time with Alice Archer (45 minutes)")
        times.get_by_role("radio", name="Friday 04 January, 09:00").check()
        page.get_by_label("First name").fill("Rosa")
        page.get_by_label("Last name").fill("Parks")
        page.get_by_label("Date of birth").fill("1971-02-04")
        page.get_by_label("Sex").select_option("female")
        page.get_by_label("Your email address").fill("rosa@mail.example")
        page.screenshot(path=SHOTS / f"mine-new-{width}.png", full_page=True)
        page.get_by_role("button", name="Email me a code to confirm").click()
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        assert_accessible(page, f"first booking code at {width} px")
        assert not Patient.objects.exists()
        page.get_by_label("The 6-digit code from the email").fill(re.search(r"\b(\d{6})\b", mailoutbox[-1].body)[1])
        page.get_by_role("button", name="Confirm my booking").click()
        expect(page.get_by_text("Requested: Friday 04 January, 09:00 with Alice Archer at Clinic A.")).to_be_visible()
        expect(page.get_by_role("heading", name="Before your visit")).to_be_visible()
        assert_accessible(page, f"questions before a first visit at {width} px")
        page.get_by_label("Where is your pain, and what brings you to the clinic?").fill("Low back, after moving house")
        page.get_by_label("When did this back pain start?").select_option("under_6_weeks")
        page.get_by_label("Diabetes", exact=True).check()
        page.get_by_label("Medicines you take (one per line)").fill("Metformin 500 mg")
        page.get_by_label("Someone to call in an emergency: their name").fill("Ray Parks")
        page.screenshot(path=SHOTS / f"mine-intake-{width}.png", full_page=True)
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_text("Thank you: your answers are with Clinic A.")).to_be_visible()
        clinic = page.get_by_role("region", name="Clinic A")
        expect(clinic).to_contain_text("Friday 04 January 2030, 09:00")
        expect(clinic).to_contain_text("Requested: the clinic confirms by email")
        assert_accessible(page, f"newcomer's home at {width} px")
        rosa = Patient.objects.get()
        assert Appointment.objects.get().patient == rosa and rosa.emergency_contact_name == "Ray Parks"
        assert Intake.objects.get().answers["medications"] == ["Metformin 500 mg"]
        page.context.close()

        # The clinic reads the answers on the patient's page before the visit.
        admin.goto(f"{live_server.url}/patients/{rosa.code}/")
        answers = admin.get_by_role("region", name="Before visits booked online: the patient's answers")
        expect(answers).to_contain_text("Low back, after moving house")
        expect(answers).to_contain_text("Metformin 500 mg")
        admin.screenshot(path=SHOTS / f"patient-intake-{width}.png", full_page=True)
        assert_accessible(admin, f"the patient's answers before a visit at {width} px")
        admin.context.close()
