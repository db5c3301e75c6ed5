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
    nav(page, "Import")
    expect(page.get_by_role("heading", name="Import patients and appointments")).to_be_visible()
    expect(page.get_by_role("radio", name="Patients", exact=True)).to_be_checked()
    assert_accessible(page, f"import start at {width} px")
    page.get_by_label("The file", exact=True).set_input_files(str(csv_file))
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
    expect(page.get_by_text("1 patient imported; 1 already here")).to_be_visible()
    assert Patient.objects.get(family_name="Núñez").birth_date.isoformat() == "1981-04-23"
    page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_imports_appointments_after_their_patients(live_server, browser, clinic_a, patient, alice, width,
                                                             tmp_path):  # fmt: skip
    from dryneedle.appointments.models import Appointment

    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    csv_file = tmp_path / "appointments.csv"
    csv_file.write_text("First Name,Last Name,DOB,Practitioner,Start,Status\n"
                        "Grace,Hopper,09/12/1960,Alice Archer,14/01/2031 10:00,Booked\n", encoding="utf-8")  # fmt: skip
    nav(page, "Import")
    page.get_by_role("radio", name="Appointments (after their patients)").check()
    page.get_by_label("The file", exact=True).set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and look at it").click()
    expect(page.get_by_label("Date (or date and time)")).to_have_value("Start")
    page.get_by_label("Type, for rows without one").select_option(label="Consultation")
    page.get_by_label("Length in minutes, for rows without one").fill("40")
    page.get_by_role("button", name="Check every row").click()
    expect(page.get_by_text("1 new appointment to import")).to_be_visible()
    page.screenshot(path=SHOTS / f"import-appointments-{width}.png", full_page=True)
    assert_accessible(page, f"appointments import at {width} px")
    page.get_by_role("button", name="Import 1 new appointment").click()
    expect(page.get_by_text("1 appointment imported; 0 already here")).to_be_visible()
    a = Appointment.objects.get()
    assert (a.kind, a.patient, (a.end - a.start).seconds // 60) == ("consultation", patient, 40)
    page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_admin_imports_another_systems_fhir_files(live_server, browser, clinic_a, alice, width, tmp_path):
    import json
    from datetime import timedelta

    from django.utils import timezone

    from dryneedle.patients.models import Patient

    make_user("ada@a.example", clinic_a, "clinic_admin", "Ada", "Admin", password=PASSWORD)
    page = admin_browser(browser, live_server.url, "ada@a.example", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    when = (timezone.now() - timedelta(days=9)).replace(microsecond=0).isoformat()
    people = tmp_path / "Patient.ndjson"
    people.write_text(
        "\n".join(
            json.dumps(p)
            for p in [
                {
                    "resourceType": "Patient",
                    "id": "7",
                    "name": [{"family": "Okafor", "given": ["Ada"]}],
                    "gender": "female",
                    "birthDate": "1979-02-03",
                    "telecom": [{"system": "email", "value": "ada.okafor@mail.example"}],
                },
                {
                    "resourceType": "Patient",
                    "id": "8",
                    "name": [{"family": "Brandt", "given": ["Jonas"]}],
                    "gender": "male",
                    "birthDate": "1968-11-30",
                },
                {
                    "resourceType": "Patient",
                    "id": "9",
                    "name": [{"family": "Okafor", "given": ["Chidi"]}],
                    "gender": "male",
                    "birthDate": "2008-06-14",
                    "telecom": [{"system": "email", "value": "ada.okafor@mail.example"}],
                },
            ]
        )
        + "\n"
    )
    found = tmp_path / "Observation.ndjson"
    found.write_text("\n".join(json.dumps(o) for o in [
        {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/7"},
         "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]}, "effectiveDateTime": when,
         "valueInteger": 6},
        {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/8"},
         "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]}, "effectiveDateTime": when,
         "valueInteger": 12}]) + "\n")  # fmt: skip
    conditions = tmp_path / "Condition.ndjson"
    conditions.write_text(
        "\n".join(
            json.dumps(
                {
                    "resourceType": "Condition",
                    "subject": {"reference": f"Patient/{n}"},
                    "onsetDateTime": "2026-10-01",
                    "code": {"coding": [{"system": "urn:dryneedle:condition", "code": "chronic_lbp"}]},
                }
            )
            for n in (7, 8)
        )
        + "\n"
    )
    nav(page, "Import")
    page.get_by_role("radio", name="FHIR R4").check()
    page.get_by_label("The file", exact=True).set_input_files([str(people), str(found), str(conditions)])
    page.get_by_role("button", name="Upload and look at it").click()
    expect(page.get_by_role("heading", name="Import Patient.ndjson and 2 more")).to_be_visible()
    expect(page.get_by_text("FHIR R4: 7 resources")).to_be_visible()
    page.get_by_role("button", name="Check every resource").click()
    expect(page.get_by_text("4 to create")).to_be_visible()
    expect(page.locator("li", has_text="Patient/9")).to_contain_text("May be the same person as Patient/7")
    refused = page.locator("li", has_text="Observation at Observation.ndjson line 2:")
    expect(refused).to_contain_text("12 is out of range")
    page.screenshot(path=SHOTS / f"import-fhir-{width}.png", full_page=True)
    assert_accessible(page, f"FHIR import check at {width} px")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported: created 4")).to_be_visible()
    assert Patient.objects.get(given_name="Ada", family_name="Okafor").responses.get().score == 6
    assert not Patient.objects.filter(family_name="Brandt").exists()  # its rating 12 was refused: none of it written
    page.context.close()
