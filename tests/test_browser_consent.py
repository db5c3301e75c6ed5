"""Consent to dry needling in the browser (issue 19): a patient reads the form and signs it by drawing on a phone,
withdraws it; the front desk has another patient sign on the clinic's device — phone and desktop, axe, screenshots."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import assert_accessible, browser_login, make_user, patient_signs_in
from dryneedle.consent.models import SignedConsent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")


def draw(page: Page) -> None:
    canvas = page.get_by_role("img", name="Signature box: draw your signature here")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 16):
        page.mouse.move(x + i * 12, y + (12 if i % 2 else -12))
    page.mouse.up()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_patient_signs_the_consent_by_drawing_and_withdraws_it(live_server, browser, patient, episode, width,
                                                                 mailoutbox):  # fmt: skip
    SHOTS.mkdir(parents=True, exist_ok=True)
    page: Page = browser.new_context(viewport={"width": width, "height": 900}, has_touch=True).new_page()
    patient_signs_in(page, live_server.url, "grace@mail.example", mailoutbox)
    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Consent").click()
    expect(page.get_by_role("heading", name="Consent to dry needling").first).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Collapsed lung (pneumothorax)")
    expect(page.get_by_text("Drawing a signature needs JavaScript")).to_be_hidden()
    assert_accessible(page, f"consent form at {width} px")
    page.get_by_label("I have read this form").check()
    page.get_by_label("Your full name").fill("Grace Hopper")
    page.get_by_role("button", name="Sign the consent").click()  # no signature drawn yet
    expect(page.get_by_text("Draw your signature in the box, or tick")).to_be_visible()
    page.get_by_label("I have read this form").check()
    draw(page)
    page.screenshot(path=SHOTS / f"consent-sign-{width}.png", full_page=True)
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.get_by_text("Thank you: your consent is signed.")).to_be_visible()
    doc = SignedConsent.objects.get()
    assert doc.signature.startswith("M") and doc.signature.count("L") >= 10 and doc.via == "account"
    with page.expect_download() as dl:
        page.get_by_role("link", name="download the PDF").click()
    assert Path(dl.value.path()).read_bytes() == bytes(doc.pdf)
    assert_accessible(page, f"consent signed at {width} px")
    page.get_by_text("Withdraw this consent", exact=True).click()
    page.get_by_role("button", name="Withdraw my consent").click()
    expect(page.get_by_text("Your consent is withdrawn")).to_be_visible()
    doc.refresh_from_db()
    assert doc.withdrawn
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_front_desk_hands_over_the_device(live_server, browser, clinic_a, patient, width):
    make_user("bo@a.example", clinic_a, "reception", "Bo", "Desk", password="a long enough passphrase")
    page: Page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    browser_login(page, live_server.url, "bo@a.example", "a long enough passphrase")
    page.goto(f"{live_server.url}/patients/{patient.code}/")
    page.get_by_role("link", name="Consent").click()
    expect(page.get_by_text("No signed form yet.")).to_be_visible()
    assert_accessible(page, f"clinic consent at {width} px")
    page.get_by_label("I have read this form").check()
    page.get_by_label("Your full name").fill("Grace Hopper")
    page.get_by_label("I cannot draw a signature here").check()
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.get_by_text("Consent signed by Grace Hopper")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Grace Hopper")
    expect(row).to_contain_text("(typed name only)")
    expect(row).to_contain_text("Bo Desk present")
    page.screenshot(path=SHOTS / f"consent-clinic-{width}.png", full_page=True)
    assert_accessible(page, f"clinic consent signed at {width} px")
    row.get_by_label("How the patient withdrew").fill("Phoned: no more needling")
    row.get_by_role("button", name="Record withdrawal").click()
    expect(page.get_by_text("Withdrawal recorded")).to_be_visible()
    page.context.close()
