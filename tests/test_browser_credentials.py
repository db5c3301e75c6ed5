"""Credentials in the browser: a practitioner uploads a certificate, the clinic admin verifies it and gives
the needling right (refused first, with the rule and its source), the practitioner opts in to the directory,
and the admin replies to a review and hides another with a reason."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import admin_browser, browser_login, make_user, nav, today_a, verify_for_clinics
from dryneedle.accounts.models import Membership
from dryneedle.directory.models import Listing, PatientReview
from dryneedle.patients.models import Episode, Patient
from dryneedle.portal.models import PatientLink
from dryneedle.practitioners.models import Credential

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def login(page: Page, url: str, username: str) -> None:
    browser_login(page, url, username, PASSWORD)


def admin_session(browser, url: str) -> Page:
    return admin_browser(browser, url, "ada@a.example", PASSWORD)


def test_certificate_verification_needling_right_listing_and_reviews(
    live_server, page: Page, browser, clinic_a, tmp_path
):
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    verify_for_clinics(Credential.objects.create(
        user=dora, kind="licence", profession="physiotherapist", title="Physical therapist", issuer="Colorado board",
        jurisdiction="US-CO", issued=date(2016, 1, 1)))  # fmt: skip
    pdf = tmp_path / "dn1.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% certificate\n")

    login(page, live_server.url, "dora@a.example")
    expect(page.get_by_text("You cannot sign needling visits in this clinic now.")).to_be_visible()
    nav(page, "Credentials")
    page.get_by_label("Kind").select_option("dn_certification")
    page.get_by_label("Licence or course").fill("Dry Needling Level 1")
    page.get_by_label("Issuing body or course provider").fill("Myopain Seminars")
    page.get_by_label("Hours in person").fill("27")
    page.get_by_label("Issued").fill("2024-03-01")
    page.get_by_label("Expires").fill("2027-03-01")
    page.get_by_label("Certificate").set_input_files(str(pdf))
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("A clinic admin verifies it before it counts.")).to_be_visible()
    dora_page, page = page, admin_session(browser, live_server.url)

    nav(page, "Team")
    page.get_by_role("link", name="Dora Doe").click()
    row = page.get_by_role("row").filter(has_text="Dry Needling Level 1")
    row.get_by_label("How verified").select_option("document")
    row.get_by_label("Note").fill("Original seen at interview")
    row.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Verified for Clinic A: Dry-needling training")).to_be_visible()
    nav(page, "Team")
    page.get_by_role("button", name="Give the right").click()
    expect(page.locator("li.error")).to_contain_text(
        "Not given to Dora Doe: 46 hours of in-person dry-needling training are required in US-CO (Colorado"
    )
    assert not Membership.objects.get(user=dora).needling
    # A second course, verified, brings her to 54 hours.
    verify_for_clinics(Credential.objects.create(
        user=dora, kind="dn_certification", profession="physiotherapist", title="DN Level 2",
        issuer="Myopain Seminars", issued=date(2024, 9, 1), hours_in_person=27), method="document")  # fmt: skip
    page.get_by_role("button", name="Give the right").click()
    expect(page.get_by_text("Dora Doe may needle in Clinic A.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "team.png"), full_page=True)
    admin_page = page

    page = dora_page
    page.goto(live_server.url + "/")
    nav(page, "Directory profile")
    page.get_by_label("Show me in the public directory").check()
    page.get_by_label("City").fill("Denver")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your directory profile is public.")).to_be_visible()
    listing = Listing.objects.get()
    page.get_by_role("link", name=f"/directory/{listing.slug}/").click()
    expect(page.get_by_text("Dry Needling Level 1 — Myopain Seminars")).to_be_visible()

    # Two reviews from completed episodes; the admin replies to one and hides the other with a reason.
    for text in ("Very clear plan.", "My neighbour Jo Smith, 12 Elm St, saw her too."):
        p = Patient.objects.create(clinic=clinic_a, given_name="P", family_name="Q", birth_date=date(1980, 1, 1),
                                   sex="female")  # fmt: skip
        e = Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", clinician=dora,
                                   status="discharged", discharge_date=today_a(),
                                   discharge_reason="goals_met", start_date=date(2026, 9, 1))  # fmt: skip
        link, _t = PatientLink.issue(e, "review", dora)
        PatientReview.objects.create(clinic=clinic_a, practitioner=dora, episode=e, link=link, rating=5, text=text)
    page = admin_page
    nav(page, "Reviews")
    first = page.locator("section.card").filter(has_text="Very clear plan.")
    first.get_by_label("Reply").fill("Thank you for your kind words.")
    first.get_by_role("button", name="Save reply").click()
    expect(page.get_by_text("Reply saved.")).to_be_visible()
    second = page.locator("section.card").filter(has_text="Elm St")
    second.get_by_label("Hide because").select_option("personal_data")
    second.get_by_role("button", name="Hide").click()
    expect(page.get_by_text("Review hidden; the reason is recorded.")).to_be_visible()
    page.goto(f"{live_server.url}/directory/{listing.slug}/")
    expect(page.get_by_text("Thank you for your kind words.")).to_be_visible()
    expect(page.get_by_text("Elm St")).to_have_count(0)
