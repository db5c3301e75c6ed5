"""The public directory in a browser: a visitor searches, opens a profile and asks for a consultation;
reception turns the request into a patient and an appointment."""

from datetime import time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import assert_accessible, certify, make_listing, make_user, nav, today_a
from dryneedle.appointments.models import Appointment, Availability
from dryneedle.directory.models import ConsultationRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def test_visitor_finds_a_practitioner_and_reception_converts_the_request(live_server, page: Page, browser, clinic_a):
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    make_user("rita@a.example", clinic_a, "reception", "Rita", "Reyes", password=PASSWORD)
    certify(dora)
    for wd in range(5):
        Availability.objects.create(clinic=clinic_a, user=dora, weekday=wd, start=time(9), end=time(17))
    make_listing(dora, clinic_a, city="Boulder", languages="English, Spanish", bio="Back pain and sports injuries.")
    other = make_user("ed@a.example", clinic_a, "practitioner", "Ed", "Evans")
    certify(other)
    make_listing(other, clinic_a, city="Denver")

    visitor = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    vp = visitor.new_page()
    vp.goto(live_server.url + "/directory/")
    vp.get_by_label("City or postcode").fill("Boulder")
    vp.get_by_label("Speaks").fill("Spanish")
    vp.get_by_role("button", name="Search").click()
    expect(vp.get_by_role("heading", name="1 practitioner")).to_be_visible()
    vp.get_by_role("link", name="Dora Doe").click()
    expect(vp.get_by_role("heading", name="Verified credentials")).to_be_visible()
    expect(vp.get_by_text("Dry Needling 1")).to_be_visible()
    vp.get_by_label("Your name").fill("Sam Rivera")
    vp.get_by_label("Email").fill("sam@example.org")
    vp.get_by_label("What would you like help with?").fill("Low back pain for three weeks after lifting.")
    vp.get_by_label("When suits you").fill("Weekday mornings")
    SHOTS.mkdir(parents=True, exist_ok=True)
    vp.screenshot(path=str(SHOTS / "directory-profile-phone.png"), full_page=True)
    vp.wait_for_timeout(3200)  # a person takes a few seconds; a form sent back at once is refused as a script
    vp.get_by_role("button", name="Send the request").click()
    expect(vp.get_by_role("heading", name="Request sent")).to_be_visible()
    # The visitor reads the directory in Spanish: chosen on the page, kept for the visit.
    vp.get_by_role("link", name="Back to the directory").click()
    vp.get_by_label("Language", exact=True).select_option("es")
    vp.get_by_role("button", name="Change").click()
    expect(vp.get_by_role("heading", name="Encuentre un profesional de punción seca")).to_be_visible()
    assert_accessible(vp, "the directory in Spanish at 390 px")
    vp.get_by_role("link", name="Dora Doe").click()
    expect(vp.get_by_role("heading", name="Credenciales verificadas")).to_be_visible()
    expect(vp.get_by_text("Fisioterapeuta · ")).to_be_visible()
    vp.screenshot(path=str(SHOTS / "directory-profile-es-phone.png"), full_page=True)
    assert_accessible(vp, "a profile in Spanish at 390 px")
    visitor.close()
    assert ConsultationRequest.objects.get().name == "Sam Rivera"

    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("rita@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    nav(page, "Requests")
    page.get_by_role("row").filter(has_text="Sam Rivera").get_by_role("link").click()
    expect(page.get_by_label("Given name")).to_have_value("Sam")
    expect(page.get_by_label("Family name")).to_have_value("Rivera")
    page.get_by_label("Date of birth").fill("1984-03-03")
    page.get_by_label("Sex").select_option("male")
    today = today_a()
    monday = today + timedelta(days=7 - today.weekday())
    page.get_by_label("Consultation date").fill(monday.isoformat())
    page.get_by_label("Start").fill("09:30")
    page.get_by_role("button", name="Add the patient").click()
    expect(page.get_by_text("Sam Rivera added and booked.")).to_be_visible()
    expect(page.get_by_role("heading", name="Appointments")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Consultation")).to_contain_text("Dora Doe")
    page.screenshot(path=str(SHOTS / "request-converted.png"), full_page=True)
    a = Appointment.objects.get()
    assert a.kind == "consultation" and a.practitioner == dora
