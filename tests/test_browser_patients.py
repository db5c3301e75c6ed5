"""Adding a patient who may already be here, in the browser (issue 18): the record found is offered first, and a
different person is still added in one more click — desktop and phone, axe."""

from datetime import date

import pytest
from playwright.sync_api import expect

from conftest import assert_accessible, browser_login, make_user, nav
from dryneedle.patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"


@pytest.mark.parametrize("width", [1280, 390])
def test_reception_is_offered_the_existing_record_before_adding_a_duplicate(live_server, browser, clinic_a, width):
    make_user("rey@a.example", clinic_a, "reception", "Rey", "Desk", password=PASSWORD)
    Patient.objects.create(clinic=clinic_a, given_name="Lena", family_name="Berg", birth_date=date(1979, 4, 4),
                           sex="female", phone="+1 303 555 0142")  # fmt: skip
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    browser_login(page, live_server.url, "rey@a.example", PASSWORD)
    nav(page, "Patients")
    page.get_by_role("link", name="Add a patient").first.click()
    page.get_by_label("Given name").fill("Lena")
    page.get_by_label("Family name").fill("Berg")
    page.get_by_label("Date of birth").fill("1979-04-04")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Phone (optional)", exact=True).fill("303-555-0142")
    page.get_by_role("button", name="Save").click()
    warning = page.get_by_role("alert").filter(has_text="This may be someone already here")
    expect(warning).to_contain_text("Lena Berg, born 4 Apr 1979")
    expect(page.get_by_label("Given name")).to_have_value("Lena")  # nothing typed is lost
    assert_accessible(page, f"duplicate warning at {width} px")
    assert Patient.objects.count() == 1
    page.get_by_role("button", name="Add as a new patient").click()
    expect(page.get_by_role("heading", name="Lena Berg")).to_be_visible()
    assert Patient.objects.filter(family_name="Berg").count() == 2
    page.context.close()
