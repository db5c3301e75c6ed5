"""A clinic admin loads the clinic's licensed Spanish wording of a questionnaire on a page (issue 19: validated
instruments appear in a language only from the clinic's text pack for it), desktop and phone, axe, screenshots. The
wording is a stand-in, marked as such: no licensed text ships."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import admin_browser, assert_accessible, make_user, nav
from dryneedle.outcomes.models import TextPack

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_loads_a_spanish_wording_and_a_partial_one_is_refused(
    live_server, browser, clinic_a, width, tmp_path
):
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    options = {str(i): str(i) for i in range(11)}
    whole = tmp_path / "nprs-es.json"
    screen = {
        "title": "[es licensed stand-in] Dolor",
        "question": "[es licensed stand-in] ¿Cuánto?",
        "options": options,
    }
    whole.write_text(json.dumps({"screens": {"nprs:score": screen}}))
    partial = tmp_path / "odi-es.json"
    partial.write_text(json.dumps({"screens": {"odi:lifting": {"title": "t", "question": "q", "options": {"0": "a"}}}}))
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)

    nav(page, "Questionnaires due")
    page.get_by_role("link", name="Outcome settings").click()
    page.get_by_role("link", name="Questionnaire wording and translations").click()
    expect(page.get_by_role("heading", name="Questionnaire wording", exact=True)).to_be_visible()
    spanish = page.get_by_role("region", name="Spanish")
    expect(spanish).to_contain_text("None loaded.")
    expect(spanish).to_contain_text("Asked in English: Pain (NPRS 0-10)")
    page.get_by_label("Language").select_option(label="Spanish")
    page.get_by_label("The wording, as a JSON file").set_input_files(partial)
    page.get_by_label("Where the wording comes from").fill("Licence ES-2027-1, Spanish edition")
    page.get_by_label("validated translation the clinic may use").check()
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_text("Nothing was loaded")).to_be_visible()
    expect(page.get_by_text("odi:pain_intensity: a title and a question")).to_be_visible()
    page.screenshot(path=SHOTS / f"wording-refused-{width}.png", full_page=True)
    assert_accessible(page, f"questionnaire wording refused at {width} px")
    assert not TextPack.objects.exists()

    # Nothing typed is lost: the admin picks the right file and loads again.
    expect(page.get_by_label("Language")).to_have_value("es")
    expect(page.get_by_label("Where the wording comes from")).to_have_value("Licence ES-2027-1, Spanish edition")
    expect(page.get_by_label("validated translation the clinic may use")).to_be_checked()
    page.get_by_label("The wording, as a JSON file").set_input_files(whole)
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_text("Loaded the Spanish wording of Pain (NPRS 0-10).")).to_be_visible()
    expect(spanish).to_contain_text("Licence ES-2027-1, Spanish edition")
    expect(spanish).to_contain_text("Asked in English: Oswestry Disability Index 2.1a")
    page.screenshot(path=SHOTS / f"wording-{width}.png", full_page=True)
    assert_accessible(page, f"questionnaire wording at {width} px")
    spanish.get_by_role("button", name="Remove Spanish").click()
    expect(page.get_by_text("Removed: Spanish.")).to_be_visible()
    assert not TextPack.objects.exists()
    page.context.close()
