"""The patient's own pages in the browser (issue 19): sign in with the emailed code, see the appointments, cancel
one — on a phone and a desktop, axe, screenshots."""

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from conftest import CLINIC_A_ZONE, assert_accessible, make_appointment, nav, patient_signs_in
from dryneedle.appointments.models import Appointment
from dryneedle.patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")
FRIDAY = datetime.combine(date(2030, 1, 4), time(9), CLINIC_A_ZONE)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_patient_signs_in_with_a_code_and_cancels_an_appointment(live_server, browser, clinic_a, alice, width,
                                                                   mailoutbox):  # fmt: skip
    lena = Patient.objects.create(clinic=clinic_a, given_name="Lena", family_name="Berg", birth_date=date(1979, 4, 4),
                                  sex="female", email="lena@mail.example")  # fmt: skip
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(FRIDAY, tick=True):
        make_appointment(lena, alice, FRIDAY + timedelta(hours=4))
        later = make_appointment(lena, alice, datetime.combine(date(2030, 1, 8), time(10), CLINIC_A_ZONE))
        page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.goto(f"{live_server.url}/my/")
        expect(page.get_by_role("heading", name="Your appointments")).to_be_visible()
        assert_accessible(page, f"patient sign-in at {width} px")
        page.get_by_label("Your email address").fill("lena@mail.example")
        page.get_by_role("button", name="Email me a code").click()
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        assert_accessible(page, f"patient code at {width} px")
        code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body)[1]
        page.get_by_label("The 6-digit code from the email").fill(code)
        page.get_by_role("button", name="Sign in").click()
        clinic = page.get_by_role("region", name="Clinic A")
        expect(clinic).to_contain_text("Tuesday 08 January 2030, 10:00")
        expect(clinic).to_contain_text("Less than 24 hours away: call the clinic to change it.")
        page.screenshot(path=SHOTS / f"mine-home-{width}.png", full_page=True)
        assert_accessible(page, f"patient home at {width} px")
        clinic.get_by_role("button", name="Cancel Tuesday 08 January 2030, 10:00").click()
        expect(page.get_by_text("Cancelled: Tuesday 08 January, 10:00 with Alice Archer.")).to_be_visible()
        assert_accessible(page, f"patient cancelled at {width} px")
        later.refresh_from_db()
        assert later.status == Appointment.Status.CANCELLED
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You are signed out.")).to_be_visible()
        page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_clinic_turns_on_online_booking_and_a_patient_books_on_a_phone(live_server, browser, clinic_a, alice,
                                                                          width, mailoutbox):  # fmt: skip
    from conftest import admin_browser, make_user
    from dryneedle.appointments.models import Availability

    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password="a long enough passphrase")
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=alice, weekday=wd, start=time(9), end=time(12))
    lena = Patient.objects.create(clinic=clinic_a, given_name="Lena", family_name="Berg", birth_date=date(1979, 4, 4),
                                  sex="female", email="lena@mail.example")  # fmt: skip
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(FRIDAY, tick=True):
        admin = admin_browser(browser, live_server.url, "ada@a.example", "a long enough passphrase")
        admin.set_viewport_size({"width": width, "height": 900})
        nav(admin, "Online booking")
        admin.get_by_label("Dry needling: online").select_option("instant")
        admin.get_by_label("Dry needling: length").select_option("45")
        assert_accessible(admin, f"online booking settings at {width} px")
        admin.get_by_role("button", name="Save").click()
        expect(admin.get_by_text("Online booking saved.")).to_be_visible()
        admin.context.close()

        page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        patient_signs_in(page, live_server.url, "lena@mail.example", mailoutbox)
        page.get_by_role("link", name="Book an appointment").click()
        times = page.get_by_role("group", name="Free times with Alice Archer at Clinic A (45 minutes)")
        expect(times).to_be_visible()
        assert_accessible(page, f"patient booking at {width} px")
        page.screenshot(path=SHOTS / f"mine-book-{width}.png", full_page=True)
        times.get_by_role("radio").first.check()
        page.get_by_role("button", name="Book this time").click()
        expect(page.get_by_text("A confirmation is on its way by email.")).to_be_visible()
        booked = Appointment.objects.get(patient=lena)
        assert booked.end - booked.start == timedelta(minutes=45) and booked.practitioner == alice
        assert mailoutbox[-1].attachments[0][0] == "appointment.ics"
        page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_patient_reads_their_pages_in_spanish_and_switches_to_french(live_server, browser, clinic_a, alice,
                                                                      width, mailoutbox):  # fmt: skip
    rosa = Patient.objects.create(clinic=clinic_a, given_name="Rosa", family_name="Díaz", birth_date=date(1971, 3, 3),
                                  sex="female", email="rosa@mail.example", preferred_language="Español")  # fmt: skip
    with time_machine.travel(FRIDAY, tick=True):
        make_appointment(rosa, alice, datetime.combine(date(2030, 1, 8), time(10), CLINIC_A_ZONE))
        page: Page = browser.new_context(viewport={"width": width, "height": 900}, locale="es-ES").new_page()
        page.goto(f"{live_server.url}/my/sign-in/")
        page.get_by_label("Su correo electrónico").fill("rosa@mail.example")
        page.get_by_role("button", name="Enviarme un código").click()
        assert "Su código para entrar" in mailoutbox[-1].subject
        page.get_by_label("El código de 6 cifras del correo").fill(re.search(r"\b(\d{6})\b", mailoutbox[-1].body)[1])
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_role("heading", name="Sus citas")).to_be_visible()
        expect(page.get_by_text("martes 8 de enero de 2030, 10:00", exact=False)).to_be_visible()
        page.screenshot(path=SHOTS / f"mine-home-es-{width}.png", full_page=True)
        assert_accessible(page, f"patient home in Spanish at {width} px")
        page.get_by_label("Idioma").select_option("fr-ca")
        page.get_by_role("button", name="Cambiar").click()
        expect(page.get_by_role("heading", name="Vos rendez-vous")).to_be_visible()
        assert page.locator("html").get_attribute("lang") == "fr-ca"
        page.context.close()
