"""A clinic admin merges a duplicate patient record and separates it again, in the browser (issue 18) — desktop and
phone, axe, screenshots."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import admin_browser, assert_accessible, make_user
from dryneedle.patients.models import Episode, Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_merges_a_duplicate_and_separates_it_again(live_server, browser, clinic_a, alice, width):
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    kept = Patient.objects.create(clinic=clinic_a, given_name="Lena", family_name="Berg", birth_date=date(1979, 4, 4),
                                  sex="female", phone="+1 303 555 0142", created_by=alice)  # fmt: skip
    dup = Patient.objects.create(clinic=clinic_a, given_name="Lena", family_name="Berg", birth_date=date(1979, 4, 4),
                                 sex="female", phone="303-555-0142", created_by=alice)  # fmt: skip
    Episode.objects.create(clinic=clinic_a, patient=dup, condition="chronic_lbp", clinician=alice,
                           start_date=date(2026, 11, 2), created_by=alice)  # fmt: skip
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/patients/{kept.code}/")
    page.get_by_role("link", name="Merge a duplicate").click()
    expect(page.get_by_role("heading", name="Merge a duplicate into Lena Berg's record")).to_be_visible()
    choice = page.get_by_role("radio", name="Lena Berg, born 4 Apr 1979")
    expect(page.get_by_text("likely the same")).to_be_visible()
    page.screenshot(path=SHOTS / f"merge-{width}.png", full_page=True)
    assert_accessible(page, f"merge at {width} px")
    choice.check()
    page.get_by_label("How do you know they are the same person?").fill("Same date of birth and phone")
    page.get_by_role("button", name="Merge into this record").click()
    expect(page.get_by_text("Tick the box to say you have checked.")).to_be_visible()  # nothing lost
    expect(page.get_by_label("How do you know they are the same person?")).to_have_value("Same date of birth and phone")
    page.get_by_label("I have checked that these two records are the same person").check()
    page.get_by_role("radio", name="Lena Berg, born 4 Apr 1979").check()
    page.get_by_role("button", name="Merge into this record").click()
    expect(page.get_by_text("Lena Berg's record is merged into this one")).to_be_visible()
    expect(page.get_by_text("(as Lena Berg, born 4 Apr 1979)")).to_be_visible()
    assert_accessible(page, f"kept record at {width} px")
    dup.refresh_from_db()
    assert dup.merged_into == kept

    page.get_by_role("link", name="Lena Berg (born 4 Apr 1979)").click()
    expect(page.get_by_text("This record was merged into")).to_be_visible()
    assert_accessible(page, f"merged record at {width} px")
    page.get_by_label("Why are they two people after all?").fill("Two patients with the same name and birthday")
    page.get_by_role("button", name="Separate again").click()
    expect(page.get_by_text("Lena Berg's record is a record of its own again.")).to_be_visible()
    page.screenshot(path=SHOTS / f"merge-separated-{width}.png", full_page=True)
    dup.refresh_from_db()
    assert dup.merged_into is None
    page.context.close()
