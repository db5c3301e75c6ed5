"""The clinic's data out as CSV, and one person's copy of their record (issue 20): a spreadsheet reads each table as
the clinic's rows and nothing else, no cell runs as a formula, the clinic admin's copy for a subject-access request
holds the clinicians' notes and the patient's own copy does not, every download is audited, another clinic's or
another patient's data never appears."""

import csv
import io
import json
import re
import zipfile
from datetime import date

import pytest
from django.core import mail
from django.test import Client

from conftest import CANARY, certify, client_for, make_appointment, signed_consent
from dryneedle.audit.models import AuditEvent
from dryneedle.exports import record as readable
from dryneedle.exports import tables
from dryneedle.outcomes import services as outcomes
from dryneedle.patients import merge
from dryneedle.patients.models import Patient
from dryneedle.visits import services as visits

pytestmark = pytest.mark.django_db

NOTE = "Tender over L4 multifidus; clinician's own note."


@pytest.fixture
def record(patient, episode, screening, insertion, alice, foreign_insertion):
    """Grace's record, with a signed visit, a correction, scores, an appointment and a consent; Clinic B's patient
    beside her, full of canaries; another patient of Clinic A with a formula for an address."""
    certify(alice, 100)
    visit = insertion.visit
    visit.pre_nprs, visit.post_nprs, visit.notes = 6, 3, NOTE
    visit.save()
    visits.remove_needle(insertion, alice)
    visits.sign(visit, alice)
    visits.amend(visit, alice, "Left, not right: the side was mistyped.", "side corrected")
    outcomes.record_response(episode, "nprs", {"score": 5}, alice)
    make_appointment(patient, alice)
    signed_consent(patient)
    Patient.objects.create(clinic=patient.clinic, given_name="Ada", family_name="Byron", birth_date=date(1980, 1, 2),
                           sex="female", address="=HYPERLINK(\"http://evil.example\")", created_by=alice)  # fmt: skip
    return patient


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(body[1:])))


def test_each_table_downloads_every_row_of_the_clinic_and_nothing_else(record, admin):
    c = client_for(admin)
    page = c.get("/exports/").content.decode()
    for t in tables.TABLES.values():
        r = c.get(f"/exports/{t.name}.csv")
        assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
        assert f'filename="{t.name}-' in r["Content-Disposition"]
        head, *rows = _csv(r)
        assert head == t.headers()
        assert f"{len(rows)} row{'' if len(rows) == 1 else 's'} now" in page  # the page said how many it would hold
        assert CANARY not in json.dumps(rows)
        row = AuditEvent.objects.filter(action="export.csv").latest("id")
        assert row.detail == f"{t.name}; {len(rows)} rows" and row.category == "export"
    patients = {r[0]: r for r in _csv(c.get("/exports/patients.csv"))[1:]}
    assert set(patients) == set(str(p.code) for p in Patient.objects.filter(clinic=record.clinic))
    (ada,) = [r for r in patients.values() if r[1] == "Ada"]
    assert ada[7] == '\'=HYPERLINK("http://evil.example")'  # shown as text, never run
    (visit,) = _csv(c.get("/exports/visits.csv"))[1:]
    assert visit[1] == str(record.code) and visit[5] == "signed" and visit[6:8] == ["6", "3"] and NOTE in visit
    (needle,) = _csv(c.get("/exports/needles.csv"))[1:]
    assert needle[1] == visit[0] and needle[3:7] == ["multifidus", "Multifidus", "left", "25"]


def test_only_a_clinic_admin_exports(record, alice, bob, audrey):
    for who in (alice, bob, audrey):
        assert client_for(who).get("/exports/").status_code == 403
        assert client_for(who).get("/exports/patients.csv").status_code == 403
        assert client_for(who).get(f"/exports/subject-access/{record.code}/").status_code == 403
    assert Client().get("/exports/patients.csv").status_code == 302
    assert not AuditEvent.objects.filter(action="export.csv").exists()


def test_an_unknown_table_is_not_found(admin):
    assert client_for(admin).get("/exports/passwords.csv").status_code == 404


def _zip(response) -> zipfile.ZipFile:
    assert response["Content-Type"] == "application/zip" and "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_a_subject_access_copy_holds_the_whole_record_with_the_notes(record, admin, foreign_patient):
    c = client_for(admin)
    page = c.get(f"/exports/subject-access/{record.code}/").content.decode()
    assert "visits.csv: 1 row" in page and "needles.csv: 1 row" in page
    z = _zip(c.get(f"/exports/subject-access/{record.code}.zip"))
    names = set(z.namelist())
    assert {"record.pdf", "record.fhir.json", "README.txt"} | {f"csv/{t}.csv" for t in tables.TABLES} == names
    assert z.read("record.pdf").startswith(b"%PDF")
    bundle = json.loads(z.read("record.fhir.json"))
    assert bundle["resourceType"] == "Bundle" and NOTE in json.dumps(bundle)  # the clinic's copy: notes in
    patients = list(csv.reader(io.StringIO(z.read("csv/patients.csv").decode("utf-8-sig"))))
    assert [r[0] for r in patients[1:]] == [str(record.code)]  # her row only, not Ada's
    assert NOTE in z.read("csv/visits.csv").decode("utf-8-sig")
    readme = z.read("README.txt").decode()
    assert "Grace Hopper" in readme and "includes the clinicians' notes" in readme and "visits.csv (1 row)" in readme
    everything = b"".join(z.read(n) for n in names if n != "record.pdf").decode("utf-8", "replace")
    assert CANARY not in everything and "Byron" not in everything
    row = AuditEvent.objects.filter(action="patient.subject_access").latest("id")
    assert row.patient == record.code and "visits 1" in row.detail and row.username == admin.username
    # Another clinic's patient is not found.
    assert c.get(f"/exports/subject-access/{foreign_patient.code}.zip").status_code == 404


def test_the_readable_copy_adds_the_notes_and_the_corrections_for_the_clinic_only(record):
    theirs = readable.record_of(record)
    clinics = readable.record_of(record, notes=True)
    assert theirs["notes"] == [] and not theirs["with_notes"]
    texts = [n[3] for n in clinics["notes"]]
    assert NOTE in texts and "Left, not right: the side was mistyped." in texts and "Pain after long drives." in texts


def test_a_merged_record_answers_for_the_person(record, admin, alice):
    duplicate = Patient.objects.create(clinic=record.clinic, given_name="Grace", family_name="Hopper",
                                       birth_date=record.birth_date, sex="female", created_by=alice)  # fmt: skip
    merge.merge(admin, record, duplicate, "Same name, birth date and phone")
    make_appointment(duplicate, alice)
    c = client_for(admin)
    z = _zip(c.get(f"/exports/subject-access/{duplicate.code}.zip"))
    rows = list(csv.reader(io.StringIO(z.read("csv/appointments.csv").decode("utf-8-sig"))))[1:]
    assert len(rows) == 2 and {r[1] for r in rows} == {str(record.code), str(duplicate.code)}
    assert AuditEvent.objects.filter(action="patient.subject_access").latest("id").patient == record.code


@pytest.mark.django_db(transaction=True)  # the sign-in code goes by email when the transaction commits
def test_the_patients_own_zip_leaves_the_notes_out_and_speaks_their_language(record, foreign_patient):
    record.preferred_language = "Spanish"
    record.save()
    c = Client()
    c.post("/my/sign-in/", {"email": "grace@mail.example"})
    c.post("/my/sign-in/code/", {"code": re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]})
    c.cookies["django_language"] = "es"
    z = _zip(c.get("/my/record.zip"))
    body = b"".join(z.read(n) for n in z.namelist() if n != "record.pdf").decode("utf-8", "replace")
    assert NOTE not in body and CANARY not in body
    assert "immediate_events" not in z.read("csv/visits.csv").decode("utf-8-sig")  # a note column: left out
    assert "No incluye las notas" in z.read("README.txt").decode()
    row = AuditEvent.objects.filter(action="patient.record_download").latest("id")
    assert row.username == "patient" and row.detail.startswith("zip;")
    assert c.get(f"/my/record.zip?patient={foreign_patient.code}").status_code == 404


def test_the_docs_list_every_column_and_mark_the_notes():
    from pathlib import Path

    docs = Path(__file__).resolve().parents[3] / "docs" / "exports.md"
    lines = {line.split("|")[1].strip(): line for line in docs.read_text().splitlines() if line.startswith("| `")}
    for t in tables.TABLES.values():
        columns = ", ".join(f"**{c.header}**" if c.note else c.header for c in t.columns)
        assert f"| {columns} |" in lines[f"`{t.name}.csv`"], t.name
