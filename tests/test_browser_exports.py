"""The clinic admin takes the clinic's records away as CSV and answers a patient's request for their record, in the
browser (issue 20): desktop and phone, axe, screenshots."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import admin_browser, assert_accessible, make_appointment, make_user, nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase"
SHOTS = Path("var/screenshots")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_exports_a_table_and_a_patients_copy(live_server, browser, clinic_a, patient, episode, alice,
                                                       width):  # fmt: skip
    make_appointment(patient, alice)
    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    nav(page, "Exports")
    expect(page.get_by_role("heading", name="Export the clinic's records")).to_be_visible()
    row = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Appointments"))
    expect(row).to_contain_text("1 row now")
    page.screenshot(path=SHOTS / f"exports-{width}.png", full_page=True)
    assert_accessible(page, f"exports at {width} px")
    with page.expect_download() as dl:
        row.get_by_role("link", name="appointments.csv").click()
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["code", "patient_code", "patient_name"] and rows[1][2] == "Grace Hopper"

    page.goto(f"{live_server.url}/patients/{patient.code}/")
    page.get_by_role("link", name="Copy of the record").click()
    expect(page.get_by_role("heading", name="Copy of Grace Hopper's record")).to_be_visible()
    expect(page.get_by_text("appointments.csv: 1 row")).to_be_visible()
    expect(page.get_by_text("made now, in English.")).to_be_visible()
    page.screenshot(path=SHOTS / f"subject-access-{width}.png", full_page=True)
    assert_accessible(page, f"subject access at {width} px")
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download the ZIP").click()
    with zipfile.ZipFile(dl.value.path()) as z:
        assert z.read("record.pdf").startswith(b"%PDF")
        assert "Pain after long drives." in z.read("csv/episodes.csv").decode("utf-8-sig")  # the notes are in
    page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_imports_patients_from_another_systems_csv(live_server, browser, clinic_a, patient, width, tmp_path):
    from dryneedle.patients.models import Patient

    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    csv_file = tmp_path / "Patients-Export.csv"
    csv_file.write_text("First Name,Last Name,Date of Birth,Gender,Email\n"
                        "José,Núñez,23/04/1981,M,jose@mail.example\n"
                        "Grace,Hopper,09/12/1960,F,\n", encoding="utf-8")  # fmt: skip
    nav(page, "Import patients")
    expect(page.get_by_role("heading", name="Import patients")).to_be_visible()
    assert_accessible(page, f"import start at {width} px")
    page.get_by_label("The CSV file of patients").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and look at it").click()
    expect(page.get_by_role("region", name="2. The first rows", exact=True)).to_contain_text("Núñez")
    expect(page.get_by_label("Given name")).to_have_value("First Name")
    expect(page.get_by_label("Dates in the file are written")).to_have_value("dmy")
    page.get_by_role("button", name="Check every row").click()
    expect(page.get_by_text("1 new patient to import · 1 already here")).to_be_visible()
    expect(page.get_by_text("Row 3 (Grace Hopper): the same person as Grace Hopper")).to_be_visible()
    page.screenshot(path=SHOTS / f"import-check-{width}.png", full_page=True)
    assert_accessible(page, f"import check at {width} px")
    page.get_by_role("button", name="Import 1 new patient").click()
    expect(page.get_by_text("1 patients imported; 1 were already here")).to_be_visible()
    assert Patient.objects.get(family_name="Núñez").birth_date.isoformat() == "1981-04-23"
    page.context.close()
