"""The safety review's admin pages in the browser: the clinic's on-call address and surgery window, the local-rule
check on the Team page, and a depth limit raised by one admin and approved by a second — on a desktop and a phone,
with axe."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import admin_browser, assert_accessible, make_user
from dryneedle.practitioners.models import Credential, LocalRuleAttestation
from dryneedle.visits.models import DepthLimit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")
REF = "Kearns GA et al. Musculoskelet Sci Pract 2022;62:102622"


def test_an_admin_sets_the_safety_settings_and_a_second_approves_a_raise(live_server, browser, clinic_a):
    from datetime import date

    clinic_a.on_call_email = ""
    clinic_a.save()
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    make_user("sam@a.example", clinic_a, "clinic_admin", "Sam", "Second", password=PASSWORD)
    mei = make_user("mei@a.example", clinic_a, "practitioner", "Mei", "Tanaka", password=PASSWORD)
    Credential.objects.create(user=mei, kind="licence", profession="chiropractor", title="Chiropractor",
                              issuer="Board", jurisdiction="US-CO", issued=date(2015, 1, 1))  # fmt: skip
    from conftest import verify_for_clinics

    verify_for_clinics(Credential.objects.get(user=mei))
    SHOTS.mkdir(parents=True, exist_ok=True)
    ada = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)

    # The Team page says check-ins are not sent, and that the chiropractor rule is not checked.
    ada.goto(live_server.url + "/practitioners/team/")
    expect(ada.get_by_text("Aftercare check-ins are not being sent")).to_be_visible()
    expect(ada.get_by_text("not checked: needling is blocked")).to_be_visible()
    ada.get_by_label("Profession").select_option("chiropractor")
    ada.get_by_label("Who checked the local rule").fill("Ada Admin")
    ada.get_by_label("The rule and where it was read (statute, board page, letter)").fill(
        "Colorado chiropractic practice act, board website"
    )
    ada.get_by_label("Checked on").fill("2026-11-20")
    ada.get_by_role("button", name="Record the check").click()
    expect(ada.get_by_text("Recorded: the chiropractor rule in US-CO")).to_be_visible()
    assert LocalRuleAttestation.objects.get().checked_by == "Ada Admin"
    ada.screenshot(path=SHOTS / "team-local-rules.png", full_page=True)
    assert_accessible(ada, "team page")

    # The safety settings: a bad address is refused with the reason, a good one saved.
    ada.get_by_role("link", name="safety settings", exact=True).click()
    ada.get_by_label("On-call address for urgent check-in answers").fill("nights at clinic")
    ada.get_by_role("button", name="Save").click()
    expect(ada.get_by_text("Enter a valid email address.")).to_be_visible()
    ada.get_by_label("On-call address for urgent check-in answers").fill("nights@a.example")
    ada.get_by_label("Weeks to defer needling after spinal surgery or a spinal injection").fill("6")
    ada.get_by_role("button", name="Save").click()
    expect(ada.get_by_text("Saved.")).to_be_visible()
    clinic_a.refresh_from_db()
    assert (clinic_a.on_call_email, clinic_a.spinal_surgery_defer_weeks) == ("nights@a.example", 6)
    for width in (1280, 390):
        ada.set_viewport_size({"width": width, "height": 900})
        ada.screenshot(path=SHOTS / f"clinic-safety-{width}.png", full_page=True)
        assert_accessible(ada, f"clinic safety settings at {width}px")

    # A raise over the lung fields: one admin proposes with a reference, the same admin cannot approve.
    ada.set_viewport_size({"width": 1280, "height": 900})
    ada.goto(live_server.url + "/visits/muscles/#m-rhomboid_major")
    card = ada.locator("#m-rhomboid_major")
    card.locator("summary", has_text="Set this clinic's limit").click()
    card.get_by_label("Limit (mm), blank for the cited default").fill("25")
    card.get_by_label("Source of the clinic's limit", exact=False).fill(REF)
    card.get_by_role("button", name="Save limit").click()
    expect(ada.get_by_text("waits for a second clinic admin's approval")).to_be_visible()
    expect(ada.get_by_role("button", name="Approve 25 mm")).to_have_count(0)
    sam = admin_browser(browser, live_server.url, "sam@a.example", PASSWORD)
    sam.goto(live_server.url + "/visits/muscles/#m-rhomboid_major")
    sam.get_by_role("button", name="Approve 25 mm").click()
    expect(sam.get_by_text("Rhomboid major: this clinic's limit is now 25 mm.")).to_be_visible()
    limit = DepthLimit.objects.get()
    assert (limit.status, limit.approved_by.username) == ("active", "sam@a.example")
    for width in (1280, 390):
        sam.set_viewport_size({"width": width, "height": 900})
        sam.screenshot(path=SHOTS / f"muscles-{width}.png", full_page=False)
        assert_accessible(sam, f"muscle catalogue at {width}px")
