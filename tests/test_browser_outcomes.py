"""Outcomes in the browser: a clinician records a baseline and sends the questionnaires; the patient
answers them on a phone, one question per screen; the clinician sees the chart and the change."""

import re
import subprocess  # nosec B404 - pdftotext reads the report in the test
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_user, nav, today_a
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode, Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


def test_baseline_by_the_clinician_follow_up_by_the_patient_on_a_phone(
    live_server, page: Page, browser, clinic_a, odi_pack
):
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)
    p = Patient.objects.create(
        clinic=clinic_a,
        given_name="Lee",
        family_name="Park",
        birth_date=date(1980, 2, 2),
        sex="female",
        created_by=dora,
    )
    e = Episode.objects.create(
        clinic=clinic_a,
        patient=p,
        condition="chronic_lbp",
        clinician=dora,
        created_by=dora,
        start_date=today_a() - timedelta(days=30),
    )
    page.set_viewport_size({"width": 1024, "height": 1366})
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill("dora@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/patients/episodes/{e.code}/")
    page.get_by_role("link", name="Scores and charts").click()
    expect(page.get_by_text("No scores yet in this episode.")).to_be_visible()

    # The clinician transcribes a paper ODI, with a slip first.
    page.get_by_role("link", name="Oswestry Disability Index 2.1a").click()
    values = {
        "1. Pain intensity": "3",
        "2. Personal care": "2",
        "3. Lifting": "3",
        "4. Walking": "2",
        "5. Sitting": "3",
        "6. Standing": "3",
        "7. Sleeping": "2",
        "9. Social life": "3",
        "10. Travelling": "3",
    }
    for label, v in values.items():
        page.get_by_label(label).select_option(v)
    page.get_by_role("button", name="Save and score").click()
    expect(page.get_by_text("Oswestry Disability Index 2.1a").first).to_be_visible()
    expect(page.get_by_role("cell", name="53.3% (severe)")).to_be_visible()  # 24 / 45
    r = Response.objects.get()
    r.collected = timezone.now() - timedelta(days=28)  # make it the baseline of four weeks ago
    r.save()

    # The follow-up goes to the patient as a link.
    page.get_by_role("button", name="Send questionnaires to the patient").click()
    url = page.get_by_label("Link (works once").input_value()
    assert "/p/" in url

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pp = phone.new_page()
    pp.goto(url)
    expect(pp.get_by_text("Question 1 of")).to_be_visible()
    # The 4-week time point asks only pain and the clinic's disability measure (ODI): 11 screens.
    expect(pp.get_by_text("Question 1 of 11")).to_be_visible()
    while pp.get_by_role("button", name="Send my answers").count() == 0:
        title = pp.locator("h1").inner_text()
        if title == "Pain":
            pp.get_by_label("2", exact=True).check()
        else:
            assert title.startswith("Back pain and daily life"), title
            pp.get_by_label("licensed statement 1", exact=False).check()
        pp.get_by_role("button", name="Next").click()
    # Leave and come back: the answers so far are kept.
    pp.goto(url)
    expect(pp.get_by_role("button", name="Send my answers")).to_be_visible()
    pp.screenshot(path=str(SHOTS / "patient-phone-send.png"), full_page=True)
    pp.get_by_role("button", name="Send my answers").click()
    expect(pp.get_by_text("Your answers were sent")).to_be_visible()
    pp.goto(url)
    expect(pp.get_by_text("already sent")).to_be_visible()  # no replay
    phone.close()

    # The clinician sees the new scores and the change against the cited thresholds.
    page.goto(f"{live_server.url}/outcomes/episodes/{e.code}/")
    charts = page.locator("img.chart")
    expect(charts).to_have_count(2)  # NPRS and ODI: what the 4-week time point asked
    for i in range(2):  # each image loaded (a broken one has no natural width)
        expect(charts.nth(i)).to_have_js_property("complete", True)
        assert charts.nth(i).evaluate("img => img.naturalWidth") > 0
    row = page.get_by_role("region", name="Change since baseline").get_by_role("row").filter(has_text="ODI")
    expect(row).to_contain_text("53.3")
    expect(row).to_contain_text("20.0")  # ten sections at 1 → 10/50
    expect(row).to_contain_text("33.3 (62.5%)")
    expect(row.get_by_text("met").first).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "outcomes.png"), full_page=True)
    odi = Response.objects.filter(instrument="odi").order_by("collected")
    assert [round(x.score, 1) for x in odi] == [53.3, 20.0] and odi[1].source == "patient"

    # The worklist, an objective measure, the thresholds and the progress report.
    nav(page, "Questionnaires due")
    expect(page.get_by_role("heading", name="Questionnaires due")).to_be_visible()
    expect(page.get_by_text("Nothing open that is not answered.")).to_be_visible()  # 4 weeks answered
    page.goto(f"{live_server.url}/outcomes/episodes/{e.code}/")
    page.get_by_label("Measure", exact=True).select_option("rom_flexion")
    page.get_by_label("Readings").fill("38, 41, 40")
    page.get_by_label("Unit").select_option("deg")
    page.get_by_label("Method").fill("dual inclinometer")
    page.get_by_role("button", name="Record measure").click()
    expect(page.get_by_text("Recorded: Lumbar flexion 39.6667 degrees.")).to_be_visible()
    expect(page.get_by_role("cell", name="39.7 degrees")).to_be_visible()
    # Recorded twice by a slip: the second is marked entered in error, with the reason, and stays shown.
    page.get_by_label("Measure", exact=True).select_option("rom_flexion")
    page.get_by_label("Readings").fill("38, 41, 40")
    page.get_by_label("Unit").select_option("deg")
    page.get_by_label("Method").fill("dual inclinometer")
    page.get_by_role("button", name="Record measure").click()
    second = page.get_by_role("row").filter(has_text="39.7 degrees").nth(1)
    second.get_by_text("Entered in error…").click()
    second.get_by_label("Why was this entered in error?").fill("Recorded twice")
    second.get_by_role("button", name="Mark entered in error").click()
    expect(page.get_by_text("entered in error: Recorded twice")).to_be_visible()
    page.get_by_role("link", name="Thresholds").click()
    expect(page.get_by_role("row").filter(has_text="ODI")).to_contain_text("10 points")
    page.go_back()
    link = page.get_by_role("link", name="Progress report (PDF)")
    pdf = page.request.get(live_server.url + link.get_attribute("href"))  # the same session, as the click would
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.body(), capture_output=True, check=True).stdout.decode()  # noqa: S607
    assert "Lee Park" in text and "53.3" in text and "20.0" in text
    link.click()  # opens in the browser's viewer
    expect(page).to_have_url(re.compile(r"report\.pdf$"))
