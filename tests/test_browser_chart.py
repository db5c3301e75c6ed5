"""The body chart in the browser: a six-needle visit by mouse (clicks counted), one by keyboard only, and no JS.

The mouse run's click count is reported in the README's feature list; the test
writes it to var/visit-clicks.txt and fails if the visit takes more clicks than
the README says.
"""

import re
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
README = Path(__file__).resolve().parent.parent / "README.md"


def _screened_episode(clinic):
    dora = make_user("dora@a.example", clinic, "practitioner", "Dora", "Doe", password=PASSWORD)
    certify(dora, 200)
    p = Patient.objects.create(
        clinic=clinic, given_name="Lee", family_name="Park", birth_date=date(1980, 2, 2), sex="female", created_by=dora
    )
    e = Episode.objects.create(clinic=clinic, patient=p, condition="sciatica", clinician=dora, created_by=dora)
    screened(
        e,
        dora,
        {"consent": "given", "consent_type": "written", "findings": [], "planned_regions": ["lumbar", "gluteal"]},
    )
    _lot(clinic, "L-77")
    return e


def _log_in(page: Page, url: str) -> None:
    page.goto(url + "/login/")
    page.get_by_label("Email").fill("dora@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


class Clicks:
    """Counts what a person does with the mouse: clicks (a choice in a list is one) and typed values."""

    def __init__(self):
        self.clicks = 0
        self.typed = 0

    def click(self, locator):
        self.clicks += 1
        locator.click()

    def choose(self, locator, value=None, **kw):
        self.clicks += 1
        locator.select_option(value, **kw)

    def type(self, locator, text):
        self.typed += 1
        locator.fill(text)


def region(page: Page, chart: str, code: str):
    return page.locator(f"#{chart} [data-region='{code}']")


def test_six_needles_by_mouse_on_the_chart(live_server, page: Page, clinic_a):
    e = _screened_episode(clinic_a)
    page.set_viewport_size({"width": 1024, "height": 1366})  # a tablet, portrait
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/patients/episodes/{e.code}/")
    m = Clicks()
    m.click(page.get_by_role("button", name="Start a visit"))

    # 1. Assessment: pain now, and the pain drawing with the brush at 7/10, burning.
    m.type(page.get_by_label("Pain now, before needling (0-10)"), "7")
    m.type(page.locator("#brush-intensity"), "7")
    m.click(page.get_by_label("Burning"))
    for code in ("post_lumbar_l", "post_gluteal_l", "post_thigh_back_l"):
        m.click(region(page, "pain-chart", code))
    expect(region(page, "pain-chart", "post_gluteal_l")).to_have_attribute("aria-checked", "true")
    m.click(region(page, "pain-chart", "post_thigh_back_l"))  # a slip: pressed again, cleared
    expect(region(page, "pain-chart", "post_thigh_back_l")).to_have_attribute("aria-checked", "false")
    m.click(region(page, "pain-chart", "post_thigh_back_l"))
    # 2. Sterilisation
    for item in ("Hand hygiene done", "Clean field established", "Sterile single-use needles"):
        m.click(page.get_by_label(item))
    m.click(page.get_by_role("button", name="Save steps 1 and 2"))
    expect(page.get_by_text("3 painful regions, 7.9% of the body chart.")).to_be_visible()

    # 3-4. Six needles: press the site on the chart, the muscle list narrows to what lies there.
    # Issue 18: a region with several muscles preselects none (it used to take the first, quadratus lumborum for
    # every low back); the muscle is chosen, and remembered for that region in this browser.
    needles = (
        ("post_lumbar_l", "quadratus_lumborum", "35"),
        ("post_lumbar_l", "multifidus", "30"),
        ("post_lumbar_r", "multifidus", "30"),
        ("post_gluteal_l", "gluteus_maximus", "45"),
        ("post_gluteal_l", "gluteus_medius", "40"),
        ("post_gluteal_l", "piriformis", "50"),
    )
    for n, (code, muscle, depth) in enumerate(needles, 1):
        m.click(region(page, "site-chart", code))
        if n == 1:
            expect(page.get_by_label("Muscle", exact=True)).to_have_value("")  # nothing chosen for the clinician
            expect(page.get_by_text("muscles listed: choose the muscle.")).to_be_visible()
        if page.get_by_label("Muscle", exact=True).input_value() != muscle:
            m.choose(page.get_by_label("Muscle", exact=True), muscle)
        if n == 1:
            expect(page.get_by_label("Side", exact=True)).to_have_value("left")
            expect(page.locator("#site-chart .region.referral").first).to_be_visible()  # its referral zone
            m.choose(page.get_by_label("Needle (size and lot)"), index=1)
        m.type(page.get_by_label("Depth (mm)"), depth)
        if code.startswith("post_lumbar"):
            # Quadratus lumborum and lumbar multifidus: no safe default depth at T12-L1 (safety review §14).
            m.choose(page.locator("#id_protective_technique"), "bony_backstop")
            m.type(page.get_by_label("Reason for the protective technique"), "Onto the transverse process or lamina")
        if n == 1:
            m.type(page.get_by_label("Local twitch responses"), "2")
            m.click(page.get_by_label("Patient recognised the pain"))
        m.click(page.get_by_role("button", name="Add needle"))
        expect(page.get_by_text(f"Needle {n} in")).to_be_visible()
    expect(page.locator("#site-chart .needle-marker")).to_have_count(6)
    region(page, "site-chart", "post_lumbar_l").click()  # the clinician's last choice at this region comes back
    expect(page.get_by_label("Muscle", exact=True)).to_have_value("multifidus")
    SHOTS.mkdir(parents=True, exist_ok=True)
    region(page, "site-chart", "post_gluteal_r").click()  # look at a site with its referral zone shaded
    page.screenshot(path=SHOTS / "visit-draft-chart.png", full_page=True)

    # 5. Removal: count them out together (each needle ticked, issue 18), then the pain after, then sign.
    count_out = page.locator("form.count-out")
    expect(count_out.get_by_role("checkbox")).to_have_count(6)
    m.click(page.get_by_role("button", name="Count out 6 needles"))
    expect(page.get_by_text("6 needles counted out; none still in.")).to_be_visible()
    m.type(page.get_by_label("Pain after needling (0-10)"), "4")
    m.click(page.get_by_role("button", name="Save step 5"))
    expect(page.get_by_text("Step 5 saved.")).to_be_visible()
    m.click(page.get_by_role("button", name="Sign the note"))
    expect(page.get_by_text("Signed by Dora Doe")).to_be_visible()
    expect(page.get_by_text("Procedure code 20561 (5 muscles).")).to_be_visible()
    expect(page.locator("#signed-chart .needle-marker")).to_have_count(6)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "visit-six-needles.png", full_page=True)

    v = Visit.objects.get(episode=e)
    assert v.status == "signed" and v.insertions.count() == 6 and v.pre_nprs == 7 and v.post_nprs == 4
    assert v.hand_hygiene and v.clean_field and v.sterile_single_use
    assert v.pain_chart == [
        {"region": c, "intensity": 7, "quality": "burning"}
        for c in ("post_gluteal_l", "post_lumbar_l", "post_thigh_back_l")
    ]
    assert sorted(v.insertions.values_list("muscle", flat=True)) == sorted(
        ["quadratus_lumborum", "multifidus", "multifidus", "gluteus_maximus", "gluteus_medius", "piriformis"]
    )
    Path("var").mkdir(exist_ok=True)
    Path("var/visit-clicks.txt").write_text(f"{m.clicks} clicks, {m.typed} typed values\n")
    # The README states the number; a change to the page that costs clicks must update it.
    stated = re.search(r"six needles.*?(\d+) clicks", README.read_text(), re.S)
    assert stated, "README's feature list should state the click count of the six-needle visit"
    assert m.clicks <= int(stated.group(1)), f"the visit took {m.clicks} clicks, README says {stated.group(1)}"

    # Signed: the page offers no edit, and a crafted edit is refused.
    expect(page.get_by_role("button", name=re.compile(r"^Save step"))).to_have_count(0)
    m.click(page.get_by_role("link", name="Compare with another visit"))
    expect(page.get_by_text("3 painful regions").first).to_be_visible()


def _tab_to(page: Page, locator, limit: int = 400) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    handle = locator.element_handle()
    for _ in range(limit):
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {locator} with Tab")


def test_a_visit_by_keyboard_only(live_server, page: Page, clinic_a):
    e = _screened_episode(clinic_a)
    page.set_viewport_size({"width": 1024, "height": 1366})
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/patients/episodes/{e.code}/")
    _tab_to(page, page.get_by_role("button", name="Start a visit"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Needling allowed.")).to_be_visible()

    _tab_to(page, page.get_by_label("Pain now, before needling (0-10)"))
    page.keyboard.type("6")
    _tab_to(page, page.locator("#brush-intensity"))
    page.keyboard.press("ArrowRight")  # 5 → 6
    _tab_to(page, region(page, "pain-chart", "post_lumbar_r"))
    page.keyboard.press("Space")
    _tab_to(page, region(page, "pain-chart", "post_gluteal_r"))
    page.keyboard.press("Enter")
    for item in ("Hand hygiene done", "Clean field established", "Sterile single-use needles"):
        _tab_to(page, page.get_by_label(item))
        page.keyboard.press("Space")
    _tab_to(page, page.get_by_role("button", name="Save steps 1 and 2"))
    page.keyboard.press("Enter")
    expect(page.locator("[data-pain-summary]")).to_contain_text("2 painful regions")

    for n, depth in ((1, "30"), (2, "25")):
        _tab_to(page, region(page, "site-chart", "post_lumbar_r"))
        page.keyboard.press("Enter")
        _tab_to(page, page.get_by_label("Muscle", exact=True))
        page.keyboard.type("Multifidus")
        if n == 1:
            _tab_to(page, page.get_by_label("Needle (size and lot)"))
            page.keyboard.press("ArrowDown")
        _tab_to(page, page.get_by_label("Depth (mm)"))
        page.keyboard.type(depth)
        _tab_to(page, page.locator("#id_protective_technique"))
        page.keyboard.type("Over a rib")
        _tab_to(page, page.get_by_label("Reason for the protective technique"))
        page.keyboard.type("Onto the lamina under palpation")
        _tab_to(page, page.get_by_role("button", name="Add needle"))
        page.keyboard.press("Enter")
        expect(page.get_by_text(f"Needle {n} in")).to_be_visible()
    for n in (1, 2):
        _tab_to(page, page.get_by_role("button", name=f"Remove needle {n}"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("button", name=f"Remove needle {n}")).to_have_count(0)
    _tab_to(page, page.get_by_role("button", name="Sign the note"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed by Dora Doe")).to_be_visible()

    v = Visit.objects.get(episode=e)
    assert v.status == "signed" and v.pre_nprs == 6
    assert [(x["region"], x["intensity"]) for x in v.pain_chart] == [("post_gluteal_r", 6), ("post_lumbar_r", 6)]
    assert list(v.insertions.values_list("muscle", "side", "depth_mm").order_by("time_in", "id")) == [
        ("multifidus", "right", 30),
        ("multifidus", "right", 25),
    ]


def test_the_pain_drawing_without_javascript(live_server, browser, clinic_a):
    """No script: the chart is a picture and the list of regions is the form."""
    e = _screened_episode(clinic_a)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1024, "height": 1366})
    page = context.new_page()
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/patients/episodes/{e.code}/")
    page.get_by_role("button", name="Start a visit").click()
    expect(page.locator("[data-brush]")).to_be_hidden()
    expect(page.locator("#pain-chart [role=checkbox]")).to_have_count(0)  # regions are a picture here
    page.get_by_role("checkbox", name="Low back (lumbar), left", exact=True).check()
    page.get_by_role("button", name="Save steps 1 and 2").click()
    expect(page.get_by_text("Low back (lumbar), left: choose an intensity from 0 to 10.")).to_be_visible()
    # what was ticked is still ticked
    expect(page.get_by_role("checkbox", name="Low back (lumbar), left", exact=True)).to_be_checked()
    page.get_by_label("Intensity: Low back (lumbar), left").select_option("4")
    page.get_by_label("How it feels: Low back (lumbar), left").select_option("aching")
    page.get_by_role("button", name="Save steps 1 and 2").click()
    expect(page.locator("[data-pain-summary]")).to_contain_text("1 painful region,")
    v = Visit.objects.get(episode=e)
    assert v.pain_chart == [{"region": "post_lumbar_l", "intensity": 4, "quality": "aching"}]
    context.close()
