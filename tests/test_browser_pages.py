"""The remaining pages, clicked through as people use them."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import browser_login, client_for, make_user, nav, today_a
from dryneedle.patients.models import Episode, Patient
from dryneedle.visits.models import NeedleLot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def login(page: Page, url: str, username: str) -> None:
    browser_login(page, url, username, PASSWORD)


def test_a_practitioner_edits_discharges_stocks_and_sends_questions(live_server, page: Page, clinic_a):
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    p = Patient.objects.create(
        clinic=clinic_a,
        given_name="Ana",
        family_name="Ruiz",
        birth_date=date(1975, 5, 5),
        sex="female",
        email="ana@mail.example",
        created_by=dora,
    )
    e = Episode.objects.create(
        clinic=clinic_a,
        patient=p,
        condition="acute_lbp",
        clinician=dora,
        created_by=dora,
        start_date=today_a() - timedelta(days=20),
    )
    login(page, live_server.url, "dora@a.example")

    nav(page, "Conditions & evidence")
    expect(page.get_by_role("heading", name="Acute low back pain acute_lbp")).to_be_visible()
    page.goto(live_server.url + "/screening/rules/")
    expect(page.get_by_role("heading", name="Screening rules and their sources")).to_be_visible()

    nav(page, "Needle stock")
    page.get_by_label("Manufacturer").fill("Seirin")
    page.get_by_label("Diameter (mm)").fill("0.25")
    page.get_by_label("Length (mm)").fill("30")
    page.get_by_label("Lot number").fill("26A0001")
    page.get_by_label("Expiry date").fill((today_a() + timedelta(days=500)).isoformat())
    page.get_by_role("button", name="Add lot").click()
    expect(page.get_by_text("Added 0.25 × 30 mm, lot 26A0001")).to_be_visible()
    assert NeedleLot.objects.filter(clinic=clinic_a, lot_number="26A0001").exists()

    nav(page, "Patients")
    page.get_by_role("link", name="Ruiz, Ana").click()
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("Phone (optional)", exact=True).fill("+1 303 555 0199")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("+1 303 555 0199")).to_be_visible()
    expect(page.get_by_role("heading", name="Changes to these details")).to_be_visible()

    page.get_by_role("link", name="Acute low back pain").first.click()
    page.get_by_role("button", name="Send questions to the patient").click()
    expect(page.get_by_text("Sent by email to ana@mail.example")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="Discharge").click()
    page.get_by_label("Reason").select_option("goals_met")
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_text("Episode discharged.")).to_be_visible()
    e.refresh_from_db()
    assert e.status == "discharged"


def test_emergency_access_in_the_browser(live_server, page: Page, clinic_a, patient, episode):
    make_user("dave@a.example", clinic_a, "practitioner", "Dave", "Diaz", password=PASSWORD)
    login(page, live_server.url, "dave@a.example")
    page.goto(f"{live_server.url}/patients/{patient.code}/")
    expect(page.get_by_text("You are not on this patient's care team")).to_be_visible()
    page.get_by_label("Why do you need this record now?").fill("Covering Alice's clinic: patient phoned in pain")
    page.get_by_role("button", name="Open emergency access").click()
    expect(page.get_by_role("alert")).to_contain_text("Emergency access until")
    expect(page.get_by_role("link", name="Chronic low back pain", exact=True)).to_be_visible()


def test_an_auditor_reviews_the_log(live_server, page: Page, clinic_a, patient, alice):
    make_user("audrey@a.example", clinic_a, "auditor", "Audrey", "Auditor", password=PASSWORD)
    client_for(alice).get(f"/patients/{patient.code}/")  # something to find
    login(page, live_server.url, "audrey@a.example")
    nav(page, "Audit log")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_label("Action starts with").fill("patient.")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name="patient.view")).to_be_visible()
    expect(page.get_by_role("cell", name="alice@a.example")).to_be_visible()
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download CSV").click()
    assert "patient.view" in Path(dl.value.path()).read_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "audit-log.png", full_page=True)


def test_a_clinic_admin_sets_up_two_factor(live_server, page: Page, clinic_a):
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    login(page, live_server.url, "ada@a.example")
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    device = TOTPDevice.objects.get(user__username="ada@a.example")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    # The clinic's pages, the audit log among them, sit in the navigation's "Clinic" group.
    page.get_by_role("navigation", name="Main").locator("summary", has_text="Clinic").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log")).to_be_visible()

    # The clinic's own depth limit, from the muscle catalogue.
    nav(page, "Muscles")
    card = page.locator("#m-rhomboid_major")
    expect(card.get_by_text("19 mm — Valera-Calero")).to_be_visible()
    card.get_by_text("Set this clinic's limit").click()
    card.get_by_label("Limit (mm), blank for the cited default").fill("15")
    card.get_by_role("button", name="Save limit").click()
    expect(page.get_by_text("Say where the clinic's limit comes from")).to_be_visible()
    card.get_by_text("Set this clinic's limit").click()
    card.get_by_label("Limit (mm), blank for the cited default").fill("15")
    card.get_by_label("Source of the clinic's limit").fill("Northside needling protocol v3")
    card.get_by_role("button", name="Save limit").click()
    expect(page.get_by_text("Rhomboid major: this clinic's limit is now 15 mm.")).to_be_visible()
    expect(
        card.get_by_text("15 mm — this clinic's limit (Northside needling protocol v3); cited default 19 mm")
    ).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "muscles.png", full_page=True)
