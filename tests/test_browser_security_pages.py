"""Issue 15's pages in the browser, as people use them, on a desktop and a 390 px phone with axe:
API tokens (made after the second factor, shown once, revoked), the emergency-access report, and
the emailed unlock link after a lockout."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import admin_browser, assert_accessible, make_user
from dryneedle.accounts.models import ApiToken
from dryneedle.audit.log import record
from dryneedle.patients.models import EmergencyAccess, Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def both_widths(page, name: str, where: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
        assert_accessible(page, f"{where} at {width}px")  # and no sideways scrolling of the page
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_admin_makes_copies_and_revokes_an_api_token(live_server, browser, clinic_a):
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    ada = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    ada.get_by_role("link", name="API tokens").click()
    ada.get_by_label("What is it for?").fill("Front-desk tablet")
    ada.get_by_label("Read (GET)").check()
    ada.get_by_label("Expires after").select_option("30")
    ada.get_by_role("button", name="Make token").click()
    expect(ada.get_by_text("Copy this token now")).to_be_visible()
    raw = ada.get_by_label("Your new token").input_value()
    assert raw.startswith("dn_") and ApiToken.objects.get().digest == ApiToken.digest_of(raw)
    both_widths(ada, "api-tokens", "API tokens page")
    row = ada.get_by_role("row").filter(has_text="Front-desk tablet")
    expect(row).to_contain_text("Read (GET)")
    expect(row).to_contain_text("never")
    # Shown once: after a reload the token is gone from the page.
    ada.goto(live_server.url + "/practitioners/tokens/")
    assert raw not in ada.content()
    ada.get_by_role("button", name="Revoke Front-desk tablet").click()
    expect(ada.get_by_text("It stops working at once")).to_be_visible()
    expect(ada.get_by_role("row").filter(has_text="Front-desk tablet")).to_contain_text("Revoked")
    assert ApiToken.objects.get().revoked is not None


def test_a_practitioner_without_the_second_factor_is_sent_to_turn_it_on(live_server, page, clinic_a):
    make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka", password=PASSWORD)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("mei@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/practitioners/tokens/")
    expect(page.get_by_text("Making a token needs a session that passed the second factor")).to_be_visible()
    page.get_by_label("What is it for?").fill("script")
    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign in with your second factor")
    assert not ApiToken.objects.exists()
    page.screenshot(path=SHOTS / "api-tokens-refused.png", full_page=True)
    assert_accessible(page, "API tokens page, refused")


def test_the_emergency_access_report_shows_who_opened_what_and_what_was_refused(live_server, browser, clinic_a):
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    dave = make_user("dave@a.example", clinic_a, "practitioner", "Dave", "Diaz")
    for i, name in enumerate(("Okafor", "Lindqvist")):
        p = Patient.objects.create(
            clinic=clinic_a, given_name="Sam", family_name=name, birth_date="1971-03-0" + str(i + 1), sex="male"
        )
        EmergencyAccess.objects.create(clinic=clinic_a, user=dave, patient=p, created_by=dave, updated_by=dave,
                                       reason="Called at 21:40 with new numbness; her practitioner is away.",
                                       expires=timezone.now() + timedelta(minutes=60))  # fmt: skip
    record(None, "breakglass.refused", user=dave, clinic=clinic_a, outcome="denied", detail="limit 5/h")
    ada = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    ada.goto(live_server.url + "/practitioners/clinic/safety/")
    ada.get_by_role("link", name="Emergency access report").click()
    by_person = ada.get_by_role("row").filter(has_text="Dave Diaz")
    expect(by_person.first).to_contain_text("2")
    # One row for Dave in "By person": two openings and one refusal, not a second row under his email.
    people = ada.locator("table").first.get_by_role("row")
    expect(people).to_have_count(2)
    expect(people.nth(1)).to_have_text(re.compile(r"Dave Diaz\s*2\s*1"))
    expect(ada.get_by_role("link", name="Okafor, Sam")).to_be_visible()
    expect(ada.get_by_text("limit 5/h")).to_be_visible()
    ada.get_by_label("Period").select_option("7")
    ada.get_by_role("button", name="Show").click()
    expect(ada.get_by_role("link", name="Lindqvist, Sam")).to_be_visible()
    both_widths(ada, "emergency-report", "emergency access report")


def test_the_owner_unlocks_sign_in_from_the_emailed_link(live_server, page, clinic_a, mailoutbox):
    make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka", password=PASSWORD)
    page.goto(live_server.url + "/login/")
    for attempt in range(5):
        if attempt:
            expect(page.get_by_text("That email and password do not match an active account.")).to_be_visible()
        page.get_by_label("Email").fill("mei@a.example")
        page.get_by_label("Password").fill("not my password at all")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Too many failed attempts")).to_be_visible()
    expect(page.get_by_text("we have emailed you a link")).to_be_visible()
    assert_accessible(page, "locked out")
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("mei@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Too many failed attempts").first).to_be_visible()  # the right password too
    assert "/login/" in page.url
    link = re.search(r"(/login/unlock/\?token=\S+)", mailoutbox[0].body).group(1)
    page.goto(live_server.url + link)
    both_widths(page, "unlock", "unlock page")
    page.get_by_role("button", name="Unlock my account").click()
    expect(page.get_by_text("Sign-in is open again")).to_be_visible()
    page.get_by_label("Email").fill("mei@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Too many failed attempts")).to_have_count(0)
    assert "/login/" not in page.url
