"""Patients from another system's CSV (issue 20): the admin looks at the first rows, chooses the columns, checks
every row without writing anything, and imports all the new patients or none; someone already here is not imported
twice (the clinic's duplicate rule), a row that cannot be read stops the import and says why, and the file's rows
are not kept once done."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import client_for
from dryneedle.audit.models import AuditEvent
from dryneedle.imports import columns, reading, services
from dryneedle.imports.models import ImportFile, Mapping
from dryneedle.patients import services as patients
from dryneedle.patients.models import Patient

pytestmark = pytest.mark.django_db

# As a practice system's export might write it: day-first dates, a semicolon between cells, an address in parts.
OTHER_SYSTEM = (
    "First Name;Last Name;Date of Birth;Gender;Email;Mobile;Address 1;City;Postcode;Notes\n"
    "José;Núñez;23/04/1981;M;jose@mail.example;+44 7700 900123;4 Mill Lane;Leeds;LS1 4AB;likes mornings\n"
    "Grace;Hopper;09/12/1960;F;;;;;;already here\n"
    "Amara;Okafor;02/11/1975;female;amara@mail.example;;;;;\n"
    "amara;okafor;02/11/1975;F;;;;;;the same person twice in the file\n"
)


def upload(client, text: str, name: str = "patients.csv", kind: str = "patients"):
    return client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def choices(**over) -> dict:
    picked = {"date_format": "dmy", "col_given_name": "First Name", "col_family_name": "Last Name",
              "col_birth_date": "Date of Birth", "col_sex": "Gender", "col_email": "Email", "col_phone": "Mobile",
              "col_address": "Address 1", "col_city": "City", "col_postcode": "Postcode"}  # fmt: skip
    return {**picked, **over}


def test_the_headers_and_dates_of_a_file_start_the_choices():
    headers = ["First Name", "Last Name", "Date of Birth", "Gender", "Email", "Mobile", "Address 1", "City"]
    assert columns.guess(headers) == {"given_name": "First Name", "family_name": "Last Name",
                                      "birth_date": "Date of Birth", "sex": "Gender", "email": "Email",
                                      "phone": "Mobile", "address": "Address 1", "city": "City"}  # fmt: skip
    api_style = ["first_name", "last_name", "date_of_birth", "address_1", "address_2", "emergency_contact"]
    assert columns.guess(api_style) == {
        "given_name": "first_name", "family_name": "last_name", "birth_date": "date_of_birth", "address": "address_1",
        "address_2": "address_2", "emergency_contact_name": "emergency_contact",
    }  # fmt: skip
    assert columns.guess_date_format(["1981-04-23", "1960-12-09"]) == "iso"
    assert columns.guess_date_format(["23/04/1981", "01/02/1990"]) == "dmy"
    assert columns.guess_date_format(["04/23/1981"]) == "mdy"
    assert columns.guess_date_format(["03/04/1980"]) == ""  # cannot tell: the admin chooses
    assert columns.parse_date("03.04.1980", "dmy") == date(1980, 4, 3)
    assert columns.parse_date("03/04/1980", "mdy") == date(1980, 3, 4)
    with pytest.raises(ValueError, match="not a date written DD/MM/YYYY"):
        columns.parse_date("1980-04-03", "dmy")
    assert [columns.parse_sex(v) for v in ("F", "male", "X", "")] == ["female", "male", "other", "unknown"]
    with pytest.raises(ValueError, match="not a sex we can read"):
        columns.parse_sex("2")


def test_a_file_reads_as_spreadsheets_write_it_or_is_refused_with_the_reason():
    t = reading.read(OTHER_SYSTEM.encode("cp1252"))  # Excel on Windows
    assert t.encoding == "Windows-1252" and t.delimiter == ";" and t.rows[0][1][:2] == ["José", "Núñez"]
    t = reading.read(("\ufeff" + "a,b\n1,2\n\n3,4\n").encode("utf-8"))
    assert t.headers == ["a", "b"] and [n for n, _ in t.rows] == [2, 4]  # numbered as the spreadsheet shows them
    for data, reason in [(b"", "empty"), (b"a,b\n", "no rows"), (b"a,a\n1,2\n", "header of its own"),
                         (b"a,b\n1,2,3\n", "Row 2 has more cells"), (b"a\x00,b\n1,2\n", "NUL")]:  # fmt: skip
        with pytest.raises(reading.Unreadable, match=reason):
            reading.read(data)


def test_the_in_memory_duplicate_rule_is_the_clinics(patient, clinic_a):
    index = patients.DuplicateIndex(clinic_a)
    for data in [
        {"given_name": "GRACE", "family_name": "hopper", "birth_date": patient.birth_date},
        {"given_name": "Ann", "family_name": "Other", "birth_date": date(1990, 1, 1), "email": "Grace@Mail.example"},
        {"given_name": "Ann", "family_name": "Other", "birth_date": date(1990, 1, 1), "phone": "(303) 555-0111"},
        {"given_name": "Ann", "family_name": "Other", "birth_date": date(1990, 1, 1), "phone": "555 0199"},
        {"given_name": "Grace", "family_name": "Hopper", "birth_date": date(1961, 12, 9)},
    ]:
        found = [p.pk for p in patients.possible_duplicates(clinic_a, data)]
        assert index.find(data) == (found[0] if found else None), data


def test_the_admin_checks_every_row_then_imports_the_new_patients(admin, patient, clinic_a):
    c = client_for(admin)
    r = upload(c, OTHER_SYSTEM)
    f = ImportFile.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/imports/{f.code}/" and f.rows == 4
    page = c.get(f"/imports/{f.code}/").content.decode()
    assert "Núñez" in page and '<option value="First Name" selected>' in page  # the first rows; the guess
    assert '<option value="dmy" selected>' in page  # 23/04/1981 can only be day first

    r = c.post(f"/imports/{f.code}/", {**choices(), "action": "check"})
    text = r.content.decode()
    assert "<strong>2</strong> new patients to import" in text and "<strong>2</strong> already here" in text
    assert "Row 5 (amara okafor): the same person as row 4 of this file" in text
    assert "Row 3 (Grace Hopper): the same person as Grace Hopper, born 09 Dec 1960" in text
    assert Patient.objects.count() == 1  # a check writes nothing

    r = c.post(f"/imports/{f.code}/", {**choices(), "save_as": "Old system", "action": "import"})
    assert r.status_code == 302
    jose = Patient.objects.get(family_name="Núñez")
    assert jose.birth_date == date(1981, 4, 23) and jose.sex == "male" and jose.phone == "+44 7700 900123"
    assert jose.address == "4 Mill Lane, Leeds, LS1 4AB" and jose.clinic == clinic_a
    assert Patient.objects.filter(given_name__iexact="amara").count() == 1
    assert Patient.objects.count() == 3
    f.refresh_from_db()
    assert f.imported and f.text == "" and f.report == {"new": 2, "already": 2, "error": 0}
    assert "2 new patients; 2 already here" in c.get(f"/imports/{f.code}/").content.decode()
    steps = ["import.upload", "import.check", "patient.create", "import.patients"]
    actions = list(AuditEvent.objects.filter(action__in=steps).values_list("action", "detail"))
    assert [a for a, _ in actions] == ["import.upload", "import.check", "patient.create", "patient.create",
                                       "import.patients"]  # fmt: skip
    assert actions[2][1] == f"imported from {f.code}, row 2" and actions[-1][1].endswith("new 2, already 2, error 0")
    # Imported once: the page says so, and importing again is refused.
    r = c.post(f"/imports/{f.code}/", {**choices(), "action": "import"})
    assert Patient.objects.count() == 3
    # The next file with these columns starts from the saved choices; its rows are all here now.
    upload(c, OTHER_SYSTEM)
    g = ImportFile.objects.latest("id")
    assert Mapping.objects.get(clinic=clinic_a).name == "Old system"
    assert "Old system</a>" in c.get(f"/imports/{g.code}/").content.decode()
    r = c.post(f"/imports/{g.code}/", {**choices(), "action": "check"})
    assert "<strong>0</strong> new patients" in r.content.decode()


def test_a_row_with_an_error_stops_the_whole_import_and_says_why(admin, clinic_a):
    c = client_for(admin)
    bad = OTHER_SYSTEM + "Ivy;Lee;31/02/1990;F;not-an-email;;;;;\n;Nameless;01/01/1990;Q;;;;;;\n"
    upload(c, bad)
    f = ImportFile.objects.get()
    r = c.post(f"/imports/{f.code}/", {**choices(), "action": "check"})
    text = r.content.decode()
    assert "<strong>2</strong> rows with errors" in text and "Import 2 new" not in text
    assert "Row 6 (Ivy Lee): Date of birth: &#x27;31/02/1990&#x27; is not a date written DD/MM/YYYY" in text
    assert "Email: Enter a valid email address." in text
    assert "Row 7 ( Nameless): Sex: &#x27;Q&#x27; is not a sex we can read" in text and "Given name: This field" in text
    r = c.post(f"/imports/{f.code}/", {**choices(), "action": "import"})
    assert r.status_code == 400 and "nothing was imported" in r.content.decode()
    assert Patient.objects.count() == 0 and not ImportFile.objects.get().imported


def test_choices_must_be_whole_and_a_column_fills_one_field(admin):
    c = client_for(admin)
    upload(c, OTHER_SYSTEM)
    f = ImportFile.objects.get()
    r = c.post(f"/imports/{f.code}/", {**choices(col_birth_date="", date_format=""), "action": "check"})
    text = r.content.decode()
    assert r.status_code == 400 and "Choose the column that holds the date of birth" in text
    assert "03/04/1980 is 3 April or 4 March" in text
    r = c.post(f"/imports/{f.code}/", {**choices(col_phone="Email"), "action": "check"})
    assert "“Email” already fills email" in r.content.decode()


def test_a_file_that_is_not_a_table_is_refused_at_upload(admin):
    r = upload(client_for(admin), "just some words\n")
    assert r.status_code == 400 and "no rows under it" in r.content.decode() and not ImportFile.objects.exists()


def test_a_file_nobody_finished_is_forgotten_after_a_day(admin, clinic_a):
    c = client_for(admin)
    upload(c, OTHER_SYSTEM)
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert services.forget_stale(clinic_a) == 1
    f = ImportFile.objects.get()
    assert f.text == "" and f.forgotten and "were forgotten a day after upload" in c.get(
        f"/imports/{f.code}/").content.decode()  # fmt: skip


def test_only_a_clinic_admin_imports(alice, bob, audrey, admin, charlie):
    upload(client_for(admin), OTHER_SYSTEM)
    f = ImportFile.objects.get()
    for who in (alice, bob, audrey):
        assert client_for(who).get("/imports/").status_code == 403
        assert client_for(who).get(f"/imports/{f.code}/").status_code == 403
    assert upload(client_for(alice), OTHER_SYSTEM).status_code == 403 and ImportFile.objects.count() == 1


# As an appointments export might write it: the patient by name and birth date, the practitioner by name, a start
# with date and time in one cell, a length, a type and what happened.
APPOINTMENTS = (
    "First Name,Last Name,DOB,Practitioner,Start,Duration,Type,Status\n"
    "Grace,Hopper,09/12/1960,Alice Archer,20/11/2026 09:00,30,Dry needling,Attended\n"
    "Grace,Hopper,09/12/1960,alice@a.example,14/01/2027 10:00,45,Consultation,Booked\n"
    "Grace,Hopper,09/12/1960,Alice Archer,14/01/2027 10:00,45,Consultation,Booked\n"
)


def appointment_choices(**over) -> dict:
    picked = {"date_format": "dmy", "col_given_name": "First Name", "col_family_name": "Last Name",
              "col_birth_date": "DOB", "col_practitioner": "Practitioner", "col_date": "Start",
              "col_minutes": "Duration", "col_kind": "Type", "col_status": "Status"}  # fmt: skip
    return {**picked, **over}


@time_machine.travel("2026-12-07 12:00Z", tick=False)
def test_appointments_import_after_their_patients_by_the_calendars_rule(admin, patient, alice, clinic_a):
    from dryneedle.appointments.models import Appointment

    c = client_for(admin)
    upload(c, APPOINTMENTS, "appointments.csv", kind="appointments")
    f = ImportFile.objects.get()
    page = c.get(f"/imports/{f.code}/").content.decode()
    assert f.kind == "appointments" and '<option value="Start" selected>' in page  # the date column, guessed
    r = c.post(f"/imports/{f.code}/", {**appointment_choices(), "action": "check"})
    text = r.content.decode()
    assert "<strong>2</strong> new appointments to import" in text and "<strong>1</strong> already here" in text
    assert "Row 4 (Grace Hopper): the same appointment as row 3 of this file" in text
    assert Appointment.objects.count() == 0
    r = c.post(f"/imports/{f.code}/", {**appointment_choices(), "action": "import"})
    assert r.status_code == 302
    past, future = Appointment.objects.order_by("start")
    assert (past.status, past.kind, past.practitioner, past.patient) == ("attended", "dry_needling", alice, patient)
    assert f"{past.start:%H:%M}" == "16:00"  # 09:00 in Denver is 16:00 UTC
    assert (future.status, future.end - future.start) == ("booked", timedelta(minutes=45))
    assert future.outside_hours_reason == "Imported from appointments.csv"
    booked = AuditEvent.objects.filter(action="appointment.book").values_list("detail", flat=True)
    assert sorted(booked) == [f"imported from {f.code}, row 2", f"imported from {f.code}, row 3"]
    # Imported again: all already in the calendar.
    upload(c, APPOINTMENTS, "appointments.csv", kind="appointments")
    g = ImportFile.objects.latest("id")
    r = c.post(f"/imports/{g.code}/", {**appointment_choices(), "action": "check"})
    assert "<strong>0</strong> new appointments" in r.content.decode()


@time_machine.travel("2026-12-07 12:00Z", tick=False)
def test_an_appointment_row_says_every_reason_it_cannot_be_booked(admin, patient, alice):
    c = client_for(admin)
    rows = (
        "First Name,Last Name,DOB,Practitioner,Start,Duration,Type,Status\n"
        "Ada,Lovelace,10/12/1815,Alice Archer,20/11/2026 09:00,30,Dry needling,Attended\n"
        "Grace,Hopper,09/12/1960,Nobody Here,20/11/2026 09:00,30,Reiki,Attended\n"
        "Grace,Hopper,09/12/1960,Alice Archer,20/11/2026 11:00,30,Dry needling,Booked\n"
        "Grace,Hopper,09/12/1960,Alice Archer,14/01/2027 10:00,30,Dry needling,Attended\n"
        "Grace,Hopper,09/12/1960,Alice Archer,15/01/2027 10:00,30,Dry needling,Booked\n"
        "Grace,Hopper,09/12/1960,Alice Archer,15/01/2027 10:15,30,Dry needling,Booked\n"
    )
    upload(c, rows, "appointments.csv", kind="appointments")
    f = ImportFile.objects.get()
    text = c.post(f"/imports/{f.code}/", {**appointment_choices(), "action": "check"}).content.decode()
    assert "No patient Ada Lovelace born 10 Dec 1815 here: import the patients first." in text
    assert "&#x27;Nobody Here&#x27; is not a practitioner here" in text
    assert "&#x27;Reiki&#x27; is none of ours" in text
    assert "it is in the past; say whether it was attended, cancelled or missed" in text
    assert "What happened: it has not happened yet." in text
    assert "Overlaps row 6 of this file (the same practitioner and patient)." in text
    assert "<strong>1</strong> new appointment to import" in text and "<strong>5</strong> rows with errors" in text
    # The type and length for rows without them are the admin's to give, never assumed.
    r = c.post(f"/imports/{f.code}/", {**appointment_choices(col_kind="", col_minutes=""), "action": "check"})
    assert "Choose the type for rows without one" in r.content.decode()
    assert "Give a length for every row" in r.content.decode()


def test_the_sample_export_on_the_page_imports_as_it_says(admin, clinic_a):
    """The sample a new clinic tries first: six invented people, one of them twice, all read without an error."""
    from pathlib import Path

    c = client_for(admin)
    assert "imports/sample-patients.csv" in c.get("/imports/").content.decode()
    sample = Path(__file__).resolve().parents[1] / "static" / "imports" / "sample-patients.csv"
    upload(c, sample.read_text(encoding="utf-8"), "sample-patients.csv")
    f = ImportFile.objects.get()
    page = c.get(f"/imports/{f.code}/").content.decode()
    # What the page pre-selected in each of its menus (a menu with nothing selected is left out).
    selected = r'name="(col_\w+|date_format)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected'
    picked = dict(re.findall(selected, page, re.S))
    assert picked["date_format"] == "dmy" and picked["col_given_name"] == "First Name"
    r = c.post(f"/imports/{f.code}/", {**picked, "action": "import"})
    assert r.status_code == 302 and Patient.objects.filter(clinic=clinic_a).count() == 5
    assert Patient.objects.get(family_name="Lindqvist").sex == "other"


def test_a_fhir_bundle_is_checked_then_imported_once_from_the_page(admin, alice, clinic_a):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from dryneedle.appointments.models import Appointment
    from dryneedle.audit.models import AuditEvent
    from dryneedle.imports.models import ImportFile
    from dryneedle.patients.models import Patient

    when = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in [
        {"resourceType": "Patient", "id": "p1", "name": [{"family": "Okafor", "given": ["Ada"]}], "gender": "female",
         "birthDate": "1979-02-03"},
        {"resourceType": "Condition", "subject": {"reference": "Patient/p1"}, "onsetDateTime": "2026-10-01",
         "code": {"coding": [{"system": "urn:dryneedle:condition", "code": "chronic_lbp"}]}},
        {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
         "effectiveDateTime": when.isoformat(), "valueInteger": 6},
        {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}], "text": "Systolic blood pressure"},
         "effectiveDateTime": when.isoformat(), "valueQuantity": {"value": 120}},
        {"resourceType": "Appointment", "status": "fulfilled", "start": when.isoformat(),
         "end": (when + timedelta(minutes=45)).isoformat(), "serviceType": [{"text": "Initial assessment"}],
         "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"},
                         {"actor": {"display": "Alice Archer", "reference": "Practitioner/9"}, "status": "accepted"}]},
    ]]}  # fmt: skip
    c = client_for(admin)
    upload = SimpleUploadedFile("okafor.json", json.dumps(bundle).encode(), "application/fhir+json")
    r = c.post("/imports/", {"kind": "fhir", "file": [upload]})
    f = ImportFile.objects.get(clinic=clinic_a)
    assert r.status_code == 302 and f.kind == "fhir" and f.rows == 5
    page = c.get(f"/imports/{f.code}/").content.decode()
    assert "5 resources" in page and "Import</button>" not in page
    r = c.post(f"/imports/{f.code}/", {"action": "check", "default_kind": ""})
    page = r.content.decode()
    assert "Appointment" in page and "Its type (Initial assessment) is none of ours" in page
    assert "1 × Not a measure dryneedle keeps (Systolic blood pressure)" in page
    assert not Patient.objects.filter(clinic=clinic_a).exists()
    r = c.post(f"/imports/{f.code}/", {"action": "check", "default_kind": "consultation"})
    assert "<strong>4</strong> to create" in r.content.decode() and "Import</button>" in r.content.decode()
    r = c.post(f"/imports/{f.code}/", {"action": "import", "default_kind": "consultation"}, follow=True)
    assert "Imported: created 4" in r.content.decode()
    p = Patient.objects.get(clinic=clinic_a, family_name="Okafor")
    assert p.responses.get().score == 6 and Appointment.objects.get(patient=p).practitioner == alice
    assert AuditEvent.objects.filter(action="fhir.import", clinic=clinic_a.code).count() == 1
    f.refresh_from_db()
    assert f.text == "" and f.report["created"] == 4
    r = c.post(f"/imports/{f.code}/", {"action": "import", "default_kind": "consultation"})
    assert r.status_code == 200 and Patient.objects.filter(clinic=clinic_a).count() == 1  # the page says it is done


def test_a_fhir_upload_that_is_not_fhir_is_refused_with_the_reason(admin, clinic_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(admin)
    r = c.post("/imports/", {"kind": "fhir", "file": [SimpleUploadedFile("x.json", b"\xff\xfe nope")]})
    assert r.status_code == 400 and "x.json: The file is not UTF-8 text" in r.content.decode()
    two = [SimpleUploadedFile("a.csv", b"a\n1\n"), SimpleUploadedFile("b.csv", b"a\n1\n")]
    r = c.post("/imports/", {"kind": "patients", "file": two})
    assert r.status_code == 400 and "One CSV file at a time." in r.content.decode()


@time_machine.travel("2026-12-07 12:00Z", tick=False)
def test_the_appointments_check_reads_the_calendar_once_whatever_the_files_length(admin, patient, alice, clinic_a):
    """A clinic's year of appointments is tens of thousands of rows: the dry run's queries do not grow with them."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import make_appointment
    from dryneedle.imports import appointments

    make_appointment(patient, alice, start=datetime(2027, 1, 4, 10, 15, tzinfo=ZoneInfo("America/Denver")),
                     status="booked")  # fmt: skip

    def queries(n: int) -> tuple[int, appointments.Report]:
        rows = "".join(f"Grace,Hopper,09/12/1960,Alice Archer,{4 + i // 8:02d}/01/2027 {9 + i % 8:02d}:00,30,"
                       "Dry needling,Booked\n" for i in range(n))  # fmt: skip
        f = services.upload(clinic_a, admin, "a.csv", (APPOINTMENTS.splitlines()[0] + "\n" + rows).encode(),
                            kind="appointments")  # fmt: skip
        chosen = {k.removeprefix("col_"): v for k, v in appointment_choices().items() if k.startswith("col_")}
        with CaptureQueriesContext(connection) as seen:
            report = appointments.check(f, chosen, "dmy", {})
        return len(seen), report

    small, _ = queries(4)
    large, report = queries(40)
    assert small == large
    # The calendar is still read: 10:00 on 4 January overlaps the appointment already booked at 10:15.
    assert report.count("error") == 1 and report.count("new") == 39
    assert "Alice Archer is already booked Mon 04 Jan 10:15" in report.rows[1].errors[0]


def test_a_fhir_upload_larger_than_the_page_imports_in_time_is_sent_to_the_command(admin, clinic_a, monkeypatch):
    import json

    monkeypatch.setattr(services, "FHIR_PAGE_RESOURCES", 2)
    people = "\n".join(json.dumps({"resourceType": "Patient", "id": str(i), "gender": "male", "birthDate": "1980-01-01",
                                   "name": [{"family": f"F{i}", "given": ["G"]}]}) for i in range(3))  # fmt: skip
    # An Organization is not imported, so it does not count: two patients and one are within the limit.
    ok = people.split("\n", 1)[1] + "\n" + json.dumps({"resourceType": "Organization", "id": "o"})
    c = client_for(admin)
    r = c.post("/imports/", {"kind": "fhir", "file": [SimpleUploadedFile("p.ndjson", people.encode())]})
    assert r.status_code == 400 and "3 resources to import: the page takes 2 at a time" in r.content.decode()
    assert "import_fhir command" in r.content.decode() and not ImportFile.objects.exists()
    r = c.post("/imports/", {"kind": "fhir", "file": [SimpleUploadedFile("p.ndjson", ok.encode())]})
    assert r.status_code == 302 and ImportFile.objects.get().rows == 3
