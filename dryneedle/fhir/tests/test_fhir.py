"""FHIR R4 out (issue 20) and the patient's machine-readable copy (issue 19): every resource is parsed by the
standard's R4B models, every reference resolves inside the Bundle, ids are stable from one export to the next,
another clinic's data never appears, and who may read it is the chart's rule."""

import json
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import CANARY, certify, client_for, make_appointment, make_event, make_plan, signed_consent
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
    visits.amend(visit, alice, "Left, not right.", "side corrected")
    make_event(visit, severity="mild", causality="probable", outcome="resolving", status="reviewed")
    make_event(visit, type="headache", entered_in_error=True, error_reason="wrong patient")
    make_plan(episode, alice, notes="Plan note of the clinician.")
    from dryneedle.outcomes.models import ObjectiveMeasure

    ObjectiveMeasure.objects.create(clinic=episode.clinic, patient=patient, episode=episode, kind="ppt",
                                    trials=[4.2, 4.6], value=4.4, unit="kg/cm2", method="Algometer, 1 cm2 tip",
                                    site="L4 multifidus, left", created_by=alice, updated_by=alice)  # fmt: skip
    return patient


def references(node, local: frozenset = frozenset()) -> list[str]:
    """Every reference, but those to a resource contained in the resource that makes it ("#lot-1"): an unresolved
    local reference is returned as one."""
    if isinstance(node, dict):
        local = local | {f"#{c['id']}" for c in node.get("contained", [])}
        ref = node.get("reference")
        found = [ref] if isinstance(ref, str) and ref not in local else []
        return found + [r for v in node.values() for r in references(v, local)]
    if isinstance(node, list):
        return [r for v in node for r in references(v, local)]
    return []


def test_everything_is_valid_fhir_whose_references_resolve_and_whose_ids_stay(record, settings):
    settings.SITE_URL = "https://records.example"
    bundle = everything.bundle(record)
    types = sorted({e["resource"]["resourceType"] for e in bundle["entry"]})
    assert types == ["AdverseEvent", "Appointment", "CarePlan", "Condition", "Consent", "DocumentReference",
                     "EpisodeOfCare", "Goal", "Location", "Observation", "Organization", "Patient", "Practitioner",
                     "PractitionerRole", "Procedure", "Provenance", "Questionnaire",
                     "QuestionnaireResponse"]  # fmt: skip
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
    assert procedure["status"] == "completed" and procedure["bodySite"] == [{
        "coding": [{"system": "urn:dryneedle:body-site", "code": "multifidus:left", "display": "Multifidus (left)"}],
        "text": "Multifidus (left)"}]  # fmt: skip
    # The needle, counted in and out, and its lot as a contained Device.
    (lot,) = procedure["contained"]
    assert lot["resourceType"] == "Device" and lot["lotNumber"] == "A-100" and lot["expirationDate"]
    assert procedure["usedReference"] == [
        {"reference": "#lot-1", "display": f"1 needle in, 1 out: {lot['deviceName'][0]['name']}, lot A-100"}
    ]
    assert procedure["note"][0]["text"].startswith("Tender over L4")
    assert procedure["note"][1]["text"] == "Correction (side corrected): Left, not right."
    (event,) = by_type["AdverseEvent"]  # the one entered in error is not sent (R4's AdverseEvent has no status)
    assert event["severity"]["coding"][0]["code"] == "mild" and event["outcome"]["coding"][0]["code"] == "recovering"
    assert event["suspectEntity"][0]["instance"]["reference"] == f"Procedure/{procedure['id']}"
    assert event["suspectEntity"][0]["causality"][0]["assessment"]["coding"][0]["code"] == "Probably-Likely"
    (plan,) = by_type["CarePlan"]
    (goal,) = by_type["Goal"]
    assert plan["status"] == "active" and plan["goal"] == [{"reference": f"Goal/{goal['id']}"}]
    assert goal["description"]["text"] == "Walk the dog" and goal["lifecycleStatus"] == "active"
    (alice_fhir,) = by_type["Practitioner"]
    assert "Professional licence: Physical therapist" in {q["code"]["text"] for q in alice_fhir["qualification"]}
    activities = {p["activity"].get("text") for p in by_type["Provenance"]}
    assert activities == {"Signed the visit note", "Corrected the signed visit note"}
    assert by_type["DocumentReference"][0]["context"]["related"][0]["reference"].startswith("Consent/")
    pain = [o for o in by_type["Observation"] if o["code"]["coding"][0]["code"] == "72514-3"]
    assert sorted(o["valueInteger"] for o in pain) == [3, 5, 6]  # after, the questionnaire, before
    (ppt,) = [o for o in by_type["Observation"] if o["code"]["coding"][0]["code"] == "ppt"]
    assert ppt["category"][0]["coding"][0]["code"] == "exam" and ppt["bodySite"]["text"] == "L4 multifidus, left"
    assert ppt["valueQuantity"] == {"value": 4.4, "unit": "kg/cm²", "system": "http://unitsofmeasure.org",
                                    "code": "kg/cm2"}  # fmt: skip
    assert ppt["method"]["text"] == "Algometer, 1 cm2 tip" and "4.2, 4.6" in ppt["note"][0]["text"]
    (psfs,) = [o for o in by_type["Observation"] if o["code"]["coding"][0]["code"] == "psfs"]
    assert psfs["code"]["coding"][0]["system"] == mapping.INSTRUMENT_SYSTEM and "no LOINC code" in psfs["code"]["text"]
    # Each questionnaire's answers item by item, by the link ids of its Questionnaire (no licensed wording).
    forms = {q["url"]: q for q in by_type["Questionnaire"]}
    for answered in by_type["QuestionnaireResponse"]:
        form = forms[answered["questionnaire"].split("|")[0]]
        assert answered["questionnaire"].endswith(f"|{form['version']}") and answered["status"] == "completed"
        ids = {i["linkId"] for i in form["item"]} | {i["linkId"] for g in form["item"] for i in g.get("item", [])}
        given = {i["linkId"] for i in answered["item"]} | {i["linkId"] for g in answered["item"]
                                                             for i in g.get("item", [])}  # fmt: skip
        assert given <= ids
    psfs_answers = next(r for r in by_type["QuestionnaireResponse"] if "psfs" in r["questionnaire"])
    assert psfs_answers["item"][0]["item"][0] == {"linkId": "activities.name", "answer": [{"valueString": "Walk"}]}
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
    assert "Plan note of the clinician." not in r.content.decode() and "side corrected" not in r.content.decode()
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
    # --since: what changed after the last export's transactionTime (nothing here), the clinic and its people always.
    call_command("export_fhir", "--clinic", str(clinic_a.code), "--out", str(tmp_path / "since"), "--since",
                 manifest["transactionTime"])  # fmt: skip
    again = json.loads((tmp_path / "since" / "manifest.json").read_text())
    shared = {"Organization", "Location", "Practitioner", "PractitionerRole", "Questionnaire"}
    assert {o["type"] for o in again["output"]} == shared
    assert again["request"].endswith(f"--since {manifest['transactionTime']}")
    for bad in ("2026-11-01", "soon"):
        with pytest.raises(CommandError, match="an instant with its time zone") as e:
            call_command("export_fhir", "--clinic", str(clinic_a.code), "--out", str(tmp_path / bad), "--since", bad)
        assert e.value.returncode == 2


def test_each_type_is_searched_by_patient_and_read_by_id(record, alice, bob, charlie):
    c = client_for(alice)
    found = json.loads(c.get(f"/fhir/Procedure?patient=Patient/{record.code}").content)
    (procedure,) = [e["resource"] for e in found["entry"]]
    assert found["total"] == 1 and found["entry"][0]["search"]["mode"] == "match"
    assert json.loads(c.get(f"/fhir/Procedure/{procedure['id']}").content) == procedure
    events = json.loads(c.get(f"/fhir/AdverseEvent?patient={record.code}").content)
    assert [e["resource"]["event"]["text"] for e in events["entry"]] == ["Bruising or haematoma"]
    # What is not shared as FHIR is not read by id either: an event entered in error.
    in_error = record.adverse_events.get(entered_in_error=True)
    r = c.get(f"/fhir/AdverseEvent/{in_error.code}")
    assert r.status_code == 404 and json.loads(r.content)["resourceType"] == "OperationOutcome"
    # Mistakes are OperationOutcomes with a 4xx status, never a page.
    assert json.loads(c.get("/fhir/Procedure").content)["issue"][0]["code"] == "required"
    assert c.get("/fhir/Procedure").status_code == 400
    assert c.get(f"/fhir/Medication?patient={record.code}").status_code == 404
    assert c.get(f"/fhir/Condition/{record.code}").status_code == 404  # Conditions are searched, not read by id
    assert client_for(bob).get(f"/fhir/Procedure?patient={record.code}").status_code == 403
    assert client_for(charlie).get(f"/fhir/Procedure?patient={record.code}").status_code == 404
    assert client_for(charlie).get(f"/fhir/Procedure/{procedure['id']}").status_code == 404
    assert AuditEvent.objects.filter(action="fhir.search", patient=record.code, detail="Procedure 1").exists()
    cap = json.loads(Client().get("/fhir/metadata").content)
    served = {r["type"]: [i["code"] for i in r.get("interaction", [])] for r in cap["rest"][0]["resource"]}
    assert served["Procedure"] == ["read", "search-type"] and served["Condition"] == ["search-type"]
    # Bulk Data Access: $export at the server and for the Group (the clinic).
    assert cap["rest"][0]["operation"][0]["name"] == "export" and served["Group"] == []
    assert cap["instantiates"] == ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"]


def test_the_bulk_export_is_valid_fhir_whose_references_resolve(record, clinic_a, alice, admin, tmp_path):
    from dryneedle.patients import merge
    from dryneedle.patients.models import Patient

    duplicate = Patient.objects.create(clinic=clinic_a, given_name="Grace", family_name="Hopper", sex="female",
                                       birth_date=record.birth_date, created_by=alice)  # fmt: skip
    merge.merge(admin, record, duplicate, "Same person")
    moved = make_appointment(duplicate, alice)
    call_command("export_fhir", "--clinic", str(clinic_a.code), "--out", str(tmp_path))
    found = [json.loads(line) for f in tmp_path.glob("*.ndjson") for line in f.read_text().splitlines()]
    for r in found:  # written without the parse (mapping.unvalidated): the parse would change nothing
        assert mapping.checked(r) == r, r["resourceType"]
    present = {f"{r['resourceType']}/{r['id']}" for r in found}
    assert len(present) == len(found)  # no resource twice
    assert set(references(found)) <= present, set(references(found)) - present
    assert [r["id"] for r in found if r["resourceType"] == "Patient"] == [str(record.code)]  # merged: not its own
    (appointment,) = [r for r in found if r["resourceType"] == "Appointment" and r["id"] == str(moved.code)]
    assert appointment["participant"][0]["actor"]["reference"] == f"Patient/{record.code}"
    assert CANARY not in json.dumps(found)
    # The same types as one patient's $everything, the notes included.
    assert counted_types(found) == counted_types(everything.resources(record))
    assert "Tender over L4" in json.dumps(found)


def counted_types(resources) -> set[str]:
    return {r["resourceType"] for r in resources}


def test_the_bulk_exports_queries_do_not_grow_with_the_clinic(record, clinic_a, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dryneedle.patients.models import Episode, Patient

    def queries() -> int:
        with CaptureQueriesContext(connection) as q, mapping.unvalidated():
            list(everything.clinic_resources(clinic_a))
        return len(q)

    before = queries()
    for i in range(6):
        p = Patient.objects.create(clinic=clinic_a, given_name=f"P{i}", family_name="More", sex="male",
                                   birth_date=record.birth_date, created_by=alice)  # fmt: skip
        Episode.objects.create(clinic=clinic_a, patient=p, condition="sciatica", clinician=alice, created_by=alice)
        make_appointment(p, alice)
    assert queries() == before


def test_a_demo_clinics_bulk_export_validates_in_full(tmp_path):
    """The demo seed's clinic, as the first person to try the export sees it: every resource parses as R4B and
    writes back unchanged, every reference resolves inside the export, the manifest counts what was written."""
    from datetime import date

    from dryneedle.accounts.models import Clinic
    from dryneedle.demo.seed import seed

    seed(patients=24, clinics=1, seed=5, today=date(2026, 11, 26), quiet=True)
    clinic = Clinic.objects.get()
    call_command("export_fhir", "--clinic", str(clinic.code), "--out", str(tmp_path))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    found = []
    for out in manifest["output"]:
        lines = (tmp_path / out["url"]).read_text().splitlines()
        assert len(lines) == out["count"]
        found += [json.loads(x) for x in lines]
    assert {r["resourceType"] for r in found} >= {"Patient", "Procedure", "Observation", "AdverseEvent", "CarePlan",
                                                  "Goal", "Appointment", "Condition", "Provenance"}  # fmt: skip
    for r in found:
        assert mapping.checked(r) == r, r["resourceType"]
    present = {f"{r['resourceType']}/{r['id']}" for r in found}
    assert set(references(found)) <= present, sorted(set(references(found)) - present)[:5]
