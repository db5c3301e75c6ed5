"""The clinic admin keeps the clinic's details and adds a member of staff, in the browser (issue 18, defect 20) —
desktop and phone, axe, screenshots."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import admin_browser, assert_accessible, browser_login, make_user, nav
from dryneedle.accounts.models import Clinic, Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_edits_the_clinic_and_adds_a_receptionist(live_server, browser, clinic_a, width, mailoutbox):
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    nav(page, "Clinic details & staff")
    expect(page.get_by_role("heading", name="Clinic A", exact=True)).to_be_visible()
    details = page.get_by_role("region", name="The clinic's details")
    details.get_by_label("Address").fill("12 Larimer St, Denver")
    details.get_by_label("Time zone").select_option("America/Edmonton")
    details.get_by_role("button", name="Save the details").click()
    expect(page.get_by_text("The clinic's details are saved.")).to_be_visible()
    assert Clinic.objects.get(pk=clinic_a.pk).timezone == "America/Edmonton"

    staff = page.get_by_role("region", name="Add a member of staff")
    staff.get_by_label("Given name").fill("Noor")
    staff.get_by_label("Family name").fill("Haddad")
    staff.get_by_label("Email (their login)").fill("noor@a.example")
    staff.get_by_label("Role").select_option(label="Reception")
    staff.get_by_role("button", name="Add to the clinic").click()
    expect(page.get_by_text("Noor Haddad is now reception here; they have an email with a link")).to_be_visible()
    assert Membership.objects.get(user__username="noor@a.example").role == "reception"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"clinic-details-{width}.png", full_page=True)
    assert_accessible(page, f"clinic details at {width} px")
    page.context.close()

    # Noor opens the emailed link on her own device, chooses a password and signs in with it.
    link = re.search(r"https?://\S+/account/set-password/\S+", mailoutbox[-1].body)[0]
    noor = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    noor.goto(link)
    expect(noor.get_by_role("heading", name="Choose your password")).to_be_visible()
    assert_accessible(noor, f"set password at {width} px")
    noor.get_by_label("New password").fill("short")
    noor.get_by_label("The same again").fill("short")
    noor.get_by_role("button", name="Set my password").click()
    expect(noor.get_by_text("This password is too short")).to_be_visible()
    noor.get_by_label("New password").fill("harbour lantern biscuit maple")
    noor.get_by_label("The same again").fill("harbour lantern biscuit maple")
    noor.get_by_role("button", name="Set my password").click()
    expect(noor.get_by_text("Your password is set.")).to_be_visible()
    browser_login(noor, live_server.url, "noor@a.example", "harbour lantern biscuit maple")
    expect(noor.get_by_text("Noor Haddad · Reception")).to_be_visible()
    noor.goto(link)  # used: it works once
    expect(noor.get_by_role("heading", name="This link does not work")).to_be_visible()
    noor.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_reads_the_running_numbers_and_downloads_them(live_server, browser, clinic_a, alice, width):
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    nav(page, "Running numbers")
    expect(page.get_by_role("heading", name="The clinic's running numbers")).to_be_visible()
    expect(page.get_by_role("region", name="Utilisation", exact=True)).to_contain_text("Alice Archer")
    expect(page.get_by_role("region", name="Late cancellations")).to_contain_text("less than 24 hours before")
    page.get_by_label("From").fill("2026-01-01")
    page.get_by_label("To (inclusive)").fill("2026-06-30")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("1 Jan 2026 to 30 Jun 2026")).to_be_visible()
    with page.expect_download() as dl:
        page.get_by_role("link", name="CSV").click()
    assert Path(dl.value.path()).read_text().startswith("figure,for,count,of,percent")
    page.screenshot(path=SHOTS / f"running-numbers-{width}.png", full_page=True)
    assert_accessible(page, f"running numbers at {width} px")
    page.context.close()
