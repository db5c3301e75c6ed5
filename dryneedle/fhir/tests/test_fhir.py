"""FHIR R4 out (issue 20) and the patient's machine-readable copy (issue 19): every resource is parsed by the
standard's R4B models, every reference resolves inside the Bundle, ids are stable from one export to the next,
another clinic's data never appears, and who may read it is the chart's rule."""

import json
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import CANARY, certify, client_for, make_appointment, signed_consent
from dryneedle.audit.models import AuditEvent
from dryneedle.fhir import everything, mapping
from dryneedle.outcomes import services as outcomes
from dryneedle.visits import services as visits

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(patient, episode, screening, insertion, alice, foreign_insertion):
    """Grace's record: an episode, a signed visit with a needle and pain before and after, questionnaires, an
    appointment and a signed consent; Clinic B's patient beside her, full of canaries."""
    certify(alice, 100)
    visit = insertion.visit
    visit.pre_nprs, visit.post_nprs, visit.notes = 6, 3, "Tender over L4 multifidus; clinician's own note."
    visit.save()
    visits.remove_needle(insertion, alice)
    visits.sign(visit, alice)
    outcomes.record_response(episode, "nprs", {"score": 5}, alice)
    outcomes.record_response(episode, "psfs", {"activities": [{"name": "Walk", "score": 4}]}, alice)
    make_appointment(patient, alice)
    signed_consent(patient)
    return patient


def references(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for v in node.values() for r in references(v)]
    if isinstance(node, list):
        return [r for v in node for r in references(v)]
    return []


def test_everything_is_valid_fhir_whose_references_resolve_and_whose_ids_stay(record, settings):
    settings.SITE_URL = "https://records.example"
    bundle = everything.bundle(record)
    types = sorted({e["resource"]["resourceType"] for e in bundle["entry"]})
    assert types == ["Appointment", "Condition", "Consent", "EpisodeOfCare", "Observation", "Organization", "Patient",
                     "Practitioner", "Procedure"]  # fmt: skip
    assert bundle["type"] == "searchset" and bundle["total"] == len(bundle["entry"])
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    assert set(references(bundle)) <= present, set(references(bundle)) - present
    for e in bundle["entry"]:
        r = e["resource"]
        assert e["fullUrl"] == f"https://records.example/fhir/{r['resourceType']}/{r['id']}"
        assert mapping.checked(r) == r  # parses as R4B and writes back unchanged
    by_type = {}
    for e in bundle["entry"]:
        by_type.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    (procedure,) = by_type["Procedure"]
    assert procedure["status"] == "completed" and procedure["bodySite"][0]["text"].endswith("(left)")
    assert procedure["note"][0]["text"].startswith("Tender over L4")
    pain = [o for o in by_type["Observation"] if o["code"]["coding"][0]["code"] == "72514-3"]
    assert sorted(o["valueInteger"] for o in pain) == [3, 5, 6]  # after, the questionnaire, before
    (psfs,) = [o for o in by_type["Observation"] if o["code"]["coding"][0]["code"] == "psfs"]
    assert psfs["code"]["coding"][0]["system"] == mapping.INSTRUMENT_SYSTEM and "no LOINC code" in psfs["code"]["text"]
    # Required bindings: the codes we emit are the standard's.
    assert {a["status"] for a in by_type["Appointment"]} <= set(mapping.APPOINTMENT_STATUS.values())
    assert by_type["Consent"][0]["status"] == "active" and by_type["Patient"][0]["gender"] == "female"
    assert "/patients/consent/" in by_type["Consent"][0]["sourceAttachment"]["url"]  # the clinic's copy here
    # The same record exported again: the same resources, the same ids.
    again = everything.bundle(record)
    assert [e["resource"] for e in again["entry"]] == [e["resource"] for e in bundle["entry"]]
    assert CANARY not in json.dumps(bundle)


@pytest.mark.django_db(transaction=True)  # the sign-in code goes by email when the transaction commits
def test_the_patients_copy_leaves_the_clinicians_notes_out(record, foreign_patient):
    c = Client()
    c.post("/my/sign-in/", {"email": "grace@mail.example"})
    c.post("/my/sign-in/code/", {"code": re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]})
    r = c.get("/my/record.json")
    assert r["Content-Type"] == "application/fhir+json" and "attachment" in r["Content-Disposition"]
    data = json.loads(r.content)
    (consent,) = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Consent"]
    assert "/my/consent/" in consent["sourceAttachment"]["url"]  # the patient's own page
    assert data["resourceType"] == "Bundle" and "clinician's own note" not in r.content.decode()
    assert CANARY not in r.content.decode()
    row = AuditEvent.objects.filter(action="patient.record_download").latest("id")
    assert row.username == "patient" and row.detail.startswith("fhir;")
    # Another patient's record is not found, whatever the code says.
    assert c.get(f"/my/record.json?patient={foreign_patient.code}").status_code == 404


def test_the_api_reads_as_the_chart_does(record, alice, bob, admin, charlie):
    assert Client().get("/fhir/metadata")["Content-Type"] == "application/fhir+json"
    url = f"/fhir/Patient/{record.code}/$everything"
    r = client_for(alice).get(url)
    assert r.status_code == 200 and json.loads(r.content)["resourceType"] == "Bundle"
    assert client_for(admin).get(url).status_code == 200
    assert client_for(bob).get(url).status_code == 403  # the front desk does not read clinical records
    assert client_for(charlie).get(url).status_code == 404  # another clinic's: not found
    assert Client().get(url).status_code == 302
    row = AuditEvent.objects.filter(action="fhir.everything").latest("id")
    assert "Procedure 1" in row.detail and row.patient == record.code
    assert json.loads(client_for(alice).get(f"/fhir/Patient/{record.code}").content)["id"] == str(record.code)


def test_the_command_writes_one_bundle_or_the_clinics_ndjson_with_a_manifest(record, clinic_a, tmp_path):
    call_command("export_fhir", "--clinic", str(clinic_a.code), "--patient", str(record.code), "--out",
                 str(tmp_path / "one"))  # fmt: skip
    assert json.loads((tmp_path / "one" / "bundle.json").read_text())["entry"][0]["resource"]["id"] == str(record.code)
    call_command("export_fhir", "--clinic", str(clinic_a.code), "--out", str(tmp_path / "all"))
    manifest = json.loads((tmp_path / "all" / "manifest.json").read_text())
    for out in manifest["output"]:
        lines = (tmp_path / "all" / out["url"]).read_text().splitlines()
        assert len(lines) == out["count"] and all(json.loads(x)["resourceType"] == out["type"] for x in lines)
    assert CANARY not in "".join(p.read_text() for p in (tmp_path / "all").iterdir())
    with pytest.raises(CommandError, match="No clinic"):
        call_command("export_fhir", "--clinic", "not-a-uuid", "--out", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="not an empty directory"):
        call_command("export_fhir", "--clinic", str(clinic_a.code), "--out", str(tmp_path / "all"))
