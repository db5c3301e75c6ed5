"""The clinic admin sets how long records are kept, records an erasure request, and anonymises a record past its
period, in the browser (issue 20): desktop and phone, axe, screenshots."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import admin_browser, assert_accessible, make_appointment, make_user, nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_keeps_records_for_the_clinics_period_then_anonymises_one(live_server, browser, clinic_a, alice,
                                                                           width):  # fmt: skip
    from dryneedle.patients.models import Patient

    old = Patient.objects.create(clinic=clinic_a, given_name="Edith", family_name="Olden", birth_date=date(1950, 5, 5),
                                 sex="female", email="edith@mail.example")  # fmt: skip
    Patient.objects.filter(pk=old.pk).update(created=datetime(2015, 6, 1, 15, tzinfo=UTC))
    make_appointment(old, alice, start=datetime(2016, 3, 1, 16, tzinfo=UTC), status="attended")
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)

    nav(page, "Retention")
    expect(page.get_by_role("heading", name="Retention and anonymisation")).to_be_visible()
    expect(page.get_by_text("No source held for US-CO")).to_be_visible()
    expect(page.get_by_text("No period is set, so no record is ever due.")).to_be_visible()
    assert_accessible(page, f"retention at {width} px")
    years = page.get_by_role("group", name="A patient's record: years after the last contact")
    years.get_by_label("Years after the last contact").fill("7")
    page.get_by_role("button", name="Save the periods").click()
    expect(years.get_by_text("Say which rule or policy this number follows.")).to_be_visible()
    years.get_by_label("The clinic's source for it").fill("Our records policy, March 2026")
    page.get_by_role("button", name="Save the periods").click()
    expect(page.get_by_text("Retention periods saved.")).to_be_visible()
    due = page.get_by_role("region", name="Past the retention period")
    expect(due).to_contain_text("Edith Olden")
    expect(due).to_contain_text("last contact 1 Mar 2016 · kept until 1 Mar 2023")

    page.goto(f"{live_server.url}/patients/{old.code}/")
    page.get_by_role("link", name="Erasure request").click()
    expect(page.get_by_role("heading", name="Edith Olden asks for their record to be erased")).to_be_visible()
    expect(page.get_by_text("The period has ended: the record can be anonymised now")).to_be_visible()
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_text("The erasure request is recorded")).to_be_visible()
    page.screenshot(path=SHOTS / f"erasure-{width}.png", full_page=True)
    assert_accessible(page, f"erasure request at {width} px")

    page.get_by_role("link", name="Retention and anonymisation").click()
    expect(due).to_contain_text("asked for erasure on")
    due.get_by_role("checkbox", name="Edith Olden").check()
    due.get_by_label("Type how many records you ticked").fill("2")
    page.get_by_role("button", name="Anonymise").click()
    expect(page.get_by_text("You ticked 1: type that number to confirm.")).to_be_visible()
    page.screenshot(path=SHOTS / f"retention-{width}.png", full_page=True)
    assert_accessible(page, f"retention confirm at {width} px")
    due.get_by_role("checkbox", name="Edith Olden").check()
    due.get_by_label("Type how many records you ticked").fill("1")
    page.get_by_role("button", name="Anonymise").click()
    expect(page.get_by_text("Anonymised 1 record.")).to_be_visible()
    expect(due).not_to_contain_text("Edith")
    page.goto(f"{live_server.url}/patients/{old.code}/")
    expect(page.get_by_role("heading", name="Anonymised record")).to_be_visible()
    expect(page.get_by_text("Born 1950 · Female")).to_be_visible()
    page.screenshot(path=SHOTS / f"anonymised-{width}.png", full_page=True)
    assert_accessible(page, f"anonymised record at {width} px")
    page.context.close()
