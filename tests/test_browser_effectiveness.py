"""Does needling work here? In the browser: a clinic admin opens the report on the demo clinic, reads the article's
table answered, groups by practitioner, opens the episodes behind a number and downloads the PDF and CSV; a
practitioner reads it on a phone; the questionnaires worklist; a patient stops the questionnaires from a phone.
Desktop and 390 px, with axe."""

import re
import subprocess  # nosec B404 - pdftotext reads the PDF in the test
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import admin_browser, assert_accessible, browser_login, make_user, nav, today_a
from dryneedle.accounts.models import Membership, Role
from dryneedle.demo.seed import DEMO_PASSWORD, seed
from dryneedle.outcomes import followups
from dryneedle.outcomes.models import FollowUp, OptOut
from dryneedle.patients.models import Episode, Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_an_admin_reads_the_report_and_a_practitioner_on_a_phone(live_server, browser):
    seed(patients=260, clinics=1, seed=5, today=today_a(), quiet=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = Membership.objects.filter(role=Role.CLINIC_ADMIN).first().user
    page = admin_browser(browser, live_server.url, admin.username, DEMO_PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    nav(page, "Effectiveness")
    expect(page.get_by_role("heading", name="Does needling work here?")).to_be_visible()
    expect(page.get_by_role("heading", name="How this is counted")).to_be_visible()
    # The clinic's own rate, with its interval, beside the article's claim labelled as marketing and GERAC.
    expect(page.get_by_role("row", name=re.compile("By the minimal important change")).first).to_contain_text("95% CI")
    article = page.get_by_role("table").filter(has_text="Marketing claim (not evidence)")
    expect(article.get_by_role("row").filter(has_text="Chronic (lower) back pain")).to_contain_text("47.6%")
    expect(article.get_by_role("row").filter(has_text="Sciatica")).to_contain_text("75% effectiveness")
    assert_accessible(page, "effectiveness report")
    page.screenshot(path=SHOTS / "effectiveness.png", full_page=True)

    # Group by practitioner: a table with intervals, and the funnel plot (never a ranking).
    page.get_by_label("Group by").select_option("practitioner")
    page.get_by_label("Measure").select_option("odi")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="By practitioner")).to_be_visible()
    expect(page.locator("svg.funnel")).to_be_visible()
    expect(page.locator(".funnel-list li").first).to_contain_text("followed up")
    assert_accessible(page, "effectiveness by practitioner")
    page.screenshot(path=SHOTS / "effectiveness-practitioners.png", full_page=True)

    # A number opens into the episodes behind it.
    page.get_by_role("row", name=re.compile("By 30% improvement")).first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="All treated: responders by 30%")).to_be_visible()
    expect(page.get_by_role("row").nth(1)).to_contain_text("met")
    assert_accessible(page, "episodes behind a number")
    page.go_back()

    # The PDF and the CSV carry the same numbers and the definitions.
    pdf = page.request.get(live_server.url + page.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.body(), capture_output=True,  # noqa: S607
                          check=True).stdout.decode()  # fmt: skip
    assert "Does needling work here?" in text and "How this is counted" in text and "marketing" in text.lower()
    csv = page.request.get(live_server.url + page.get_by_role("link", name="CSV").get_attribute("href")).text()
    assert csv.startswith('"# Measure: Oswestry') and "practitioner," in csv

    # A practitioner on a phone.
    mei = Membership.objects.filter(role=Role.PRACTITIONER).first().user
    phone = browser.new_context(**PHONE).new_page()
    browser_login(phone, live_server.url, mei.username, DEMO_PASSWORD)
    phone.goto(live_server.url + "/analytics/effectiveness/")
    expect(phone.get_by_role("heading", name="The article's table, answered")).to_be_visible()
    assert_accessible(phone, "effectiveness on a phone")
    phone.screenshot(path=SHOTS / "effectiveness-phone.png", full_page=True)
    # The questionnaires worklist: follow-up over the past year, and what is open now.
    phone.goto(live_server.url + "/outcomes/due/")
    expect(phone.get_by_role("heading", name="Follow-up over the past year")).to_be_visible()
    assert_accessible(phone, "questionnaires worklist on a phone")
    phone.screenshot(path=SHOTS / "questionnaires-due-phone.png", full_page=True)


def test_a_patient_stops_the_questionnaires_from_a_phone(live_server, browser, clinic_a, settings):
    settings.SITE_URL = live_server.url
    dora = make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=DEMO_PASSWORD)
    p = Patient.objects.create(clinic=clinic_a, given_name="Lee", family_name="Park", birth_date=date(1980, 2, 2),
                               sex="female", email="lee@example.org", created_by=dora)  # fmt: skip
    e = Episode.objects.create(clinic=clinic_a, patient=p, condition="chronic_lbp", clinician=dora,
                               start_date=today_a() - timedelta(days=28))  # fmt: skip
    from django.core import mail

    (sent,) = followups.send_due()
    url = re.search(r"(/p/[^/\s]+/)", mail.outbox[0].body).group(1)
    assert sent.follow_up.point == "4w"
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(live_server.url + url)
    expect(phone.get_by_text("Question 1 of")).to_be_visible()
    phone.get_by_role("link", name="I would rather not receive these questions").click()
    expect(phone.get_by_role("heading", name="Stop these questions?")).to_be_visible()
    assert_accessible(phone, "stop page")
    phone.screenshot(path=SHOTS / "questionnaires-stop-phone.png", full_page=True)
    phone.get_by_role("button", name="Stop sending me these questions").click()
    expect(phone.get_by_text("no more of these questions")).to_be_visible()
    assert OptOut.objects.get().episode == e and FollowUp.objects.get().state == "stopped"
    # The clinician sees it and, when the patient asks, resumes.
    page = browser.new_context().new_page()
    browser_login(page, live_server.url, "dora@a.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/outcomes/episodes/{e.code}/")
    expect(page.get_by_text("No more questionnaires")).to_be_visible()
    assert_accessible(page, "episode outcomes with an opt-out")
    page.get_by_role("button", name="The patient wants them again: resume").click()
    expect(page.get_by_text("Questionnaires will be sent again")).to_be_visible()
    page.get_by_text("The patient wants no more questionnaires…").click()
    page.get_by_label("How did they tell you? (optional)").fill("Phoned reception")
    page.get_by_role("button", name="Record: send no more").click()
    expect(page.get_by_text("(Phoned reception)")).to_be_visible()
