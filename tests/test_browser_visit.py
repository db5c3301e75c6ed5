"""A practitioner documents a short visit: screened patient, needles in and out, signed, then frozen."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import _lot, certify, make_user, screened
from dryneedle.patients.models import Episode, Patient
from dryneedle.visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def test_needles_in_and_out_then_sign(live_server, page: Page, clinic_a):
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    certify(dora, 200)
    p = Patient.objects.create(
        clinic=clinic_a,
        given_name="Lee",
        family_name="Park",
        birth_date=date(1980, 2, 2),
        sex="female",
        created_by=dora,
    )
    e = Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", clinician=dora, created_by=dora)
    screened(
        e,
        dora,
        {"consent": "given", "consent_type": "written", "findings": [], "planned_regions": ["lumbar", "gluteal"]},
    )
    _lot(clinic_a, "L-77")
    page.set_viewport_size({"width": 1024, "height": 1366})  # a tablet, portrait
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("dora@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/patients/episodes/{e.code}/")
    page.get_by_role("button", name="Start a visit").click()
    expect(page.get_by_text("Needling allowed.")).to_be_visible()

    # Assessment: a trigger point found today, then needled.
    page.get_by_text("A new trigger point").click()
    page.get_by_label("Muscle (optional)").select_option("multifidus")
    page.get_by_label("Side (optional)").select_option("left")
    for finding in ("Taut band", "Hypersensitive spot", "Referred pain", "Patient recognises the pain"):
        page.locator("details[open]").get_by_label(finding).check()
    page.get_by_role("button", name="Record trigger point").click()
    expect(page.get_by_text("Multifidus (left): active.")).to_be_visible()

    for muscle, side, depth in (("multifidus", "left", "30"), ("gluteus_medius", "right", "60")):
        page.get_by_label("Muscle", exact=True).select_option(muscle)
        if muscle == "multifidus":
            page.get_by_label("Trigger point (optional)").select_option(index=1)
        page.get_by_label("Side", exact=True).select_option(side)
        page.get_by_label("Needle (size and lot)").select_option(index=1)
        page.get_by_label("Depth (mm)").fill(depth)
        page.get_by_role("button", name="Add needle").click()
        if muscle == "multifidus":
            # Lumbar multifidus: no safe default depth at T12-L1 (safety review), so onto the lamina, said why.
            expect(page.get_by_text("no safe default known").first).to_be_visible()
            page.locator("#id_protective_technique").select_option("bony_backstop")
            page.get_by_label("Reason for the protective technique").fill("Directed onto the lamina under palpation")
            page.get_by_role("button", name="Add needle").click()
            expect(page.get_by_text("Needle 1 in")).to_be_visible()
    expect(page.get_by_text("a 50 mm needle reaches 50 mm at most")).to_be_visible()  # the second was too deep
    page.get_by_label("Depth (mm)").fill("40")
    page.get_by_role("button", name="Add needle").click()
    expect(page.get_by_text("Needle 2 in")).to_be_visible()

    page.get_by_role("button", name="Sign the note").click()
    # Said once: the banner points to the list next to the button, which names the needles still in (issue 18)
    expect(page.get_by_role("status").get_by_text("Not signed: what stops it is listed next to")).to_be_visible()
    expect(page.get_by_text("2 needles are not recorded as removed")).to_have_count(1)
    page.get_by_role("button", name="Remove needle 1").click()
    page.get_by_role("button", name="Remove needle 2").click()
    # Save as you go: leaving a field saves its step; a reload keeps it (no Save pressed).
    page.get_by_label("Pain after needling (0-10)").fill("3")
    page.get_by_label("Notes", exact=False).first.fill("Tolerated well; mild soreness")
    page.get_by_label("Pain after needling (0-10)").focus()
    expect(page.locator("#step-5").get_by_role("status")).to_contain_text("Saved at")
    page.reload()
    expect(page.get_by_label("Pain after needling (0-10)")).to_have_value("3")
    page.get_by_role("button", name="Sign the note").click()
    expect(page.get_by_text("Signed by Dora Doe")).to_be_visible()
    expect(page.get_by_role("button", name="Add needle")).to_have_count(0)
    expect(page.get_by_text("Procedure code 20560 (2 muscles).")).to_be_visible()
    page.get_by_label("Correction").fill("Needle 2 was in gluteus minimus, not medius.")
    page.get_by_label("Reason").fill("recorded the wrong muscle")
    page.get_by_role("button", name="Add amendment").click()
    expect(page.get_by_text("Needle 2 was in gluteus minimus")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "visit-signed.png", full_page=True)
    v = Visit.objects.get(episode=e)
    assert v.status == "signed" and v.insertions.count() == 2 and v.post_nprs == 3 and len(v.sha256) == 64
    assert v.amendments.count() == 1
    assert v.insertions.filter(trigger_point__isnull=False).count() == 1
