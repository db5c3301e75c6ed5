"""Importing FHIR R4 (issue 20): a clinic's export imported into an empty clinic exports again the same; the same
file twice changes nothing; a dry run writes nothing; a refused resource leaves none of its patient's; bad input is
reported, never a crash; nothing is joined to another clinic's records or on a guess."""

import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from conftest import make_appointment, make_user
from dryneedle.fhir import bulk, importing
from dryneedle.outcomes.scoring import ODI_SECTIONS

pytestmark = pytest.mark.django_db


def _export(clinic, folder) -> dict[str, list[dict]]:
    bulk.write(clinic, folder)
    return {p.stem: [json.loads(line) for line in p.read_text().splitlines()] for p in folder.glob("*.ndjson")}


def _items(folder) -> list:
    out = []
    for p in sorted(folder.glob("*.ndjson")):
        out += importing.read(p.name, p.read_bytes())
    return out


def _normal(resources: dict[str, list[dict]]) -> dict[str, list[str]]:
    """The imported types' resources without ids, identifiers and meta; each reference by what it names (a
    patient's name, a practitioner's, a condition's code and onset), which does not change from clinic to clinic."""
    names = {f"Patient/{p['id']}": f"{p['name'][0]['family']} {p['birthDate']}" for p in resources["Patient"]}
    names |= {f"Practitioner/{p['id']}": p["name"][0].get("family", "") for p in resources["Practitioner"]}
    names |= {f"Condition/{c['id']}": f"{c['code']['coding'][0]['code']} {c['onsetDateTime']}"
              for c in resources["Condition"]}  # fmt: skip
    names |= {f"Organization/{o['id']}": "the clinic" for o in resources["Organization"]}

    def walk(v):
        if isinstance(v, dict):
            return {k: names.get(x, x) if k == "reference" else walk(x) for k, x in v.items()
                    if k not in ("id", "identifier", "meta")}  # fmt: skip
        return [walk(x) for x in v] if isinstance(v, list) else v

    return {t: sorted(json.dumps(walk(r), sort_keys=True) for r in resources.get(t, [])) for t in importing.IMPORTED}


@pytest.fixture
def history(patient, episode, alice):
    """Clinic A's records of the kinds imported: two patients, an open and a discharged episode, pain ratings and
    questionnaire totals, appointments attended, cancelled and to come."""
    from dryneedle.outcomes.services import record_response
    from dryneedle.patients import services

    now = timezone.now().replace(microsecond=0)
    record_response(episode, "nprs", {"score": 7}, alice, collected=now - timedelta(days=20))
    record_response(episode, "nprs", {"score": 3}, alice, collected=now - timedelta(days=2))
    record_response(
        episode, "odi", {"sections": dict.fromkeys(ODI_SECTIONS[:9], 2)}, alice, collected=now - timedelta(days=19)
    )
    record_response(episode, "rmdq", {"ticked": [1, 4, 9]}, alice, collected=now - timedelta(days=18))
    other = services.create_patient(
        patient.clinic,
        alice,
        {
            "given_name": "Ivan",
            "family_name": "Petrov",
            "birth_date": date(1981, 3, 4),
            "sex": "male",
            "preferred_language": "Spanish",
            "address": "12 Elm St, Denver",
            "emergency_contact_name": "Olga Petrova",
        },
    )
    old = services.open_episode(other, alice, {"condition": "sciatica", "start_date": date(2025, 1, 6)})
    services.discharge_episode(old, alice, date(2025, 3, 1), "goals_met")
    record_response(old, "nprs", {"score": 6}, alice, collected=timezone.make_aware(timezone.datetime(2025, 1, 7, 9)))
    # The 3-month follow-up, after discharge: it belongs to the episode it follows.
    record_response(old, "nprs", {"score": 2}, alice, collected=timezone.make_aware(timezone.datetime(2025, 6, 2, 9)))
    day = now.replace(hour=15, minute=0, second=0)
    make_appointment(patient, alice, day - timedelta(days=3), status="attended")
    make_appointment(other, alice, day - timedelta(days=4), status="cancelled", cancel_reason="Snowed in")
    make_appointment(patient, alice, day + timedelta(days=5), kind="maintenance")
    return other


@pytest.fixture
def clinic_c(db):
    from dryneedle.accounts.models import Clinic

    c = Clinic.objects.create(name="Clinic C", jurisdiction="US-CO", timezone="America/Denver")
    make_user("alice@c.example", c, "practitioner", "Alice", "Archer")
    return c


def test_a_clinics_export_imported_into_an_empty_clinic_exports_the_same(history, clinic_c, tmp_path):
    from dryneedle.fhir.models import Imported
    from dryneedle.patients.models import Episode, Patient

    first = _export(history.clinic, tmp_path / "a")
    admin_c = make_user("admin@c.example", clinic_c, "clinic_admin", "Cy", "Admin")
    report = importing.run(clinic_c, admin_c, _items(tmp_path / "a"))
    assert report.count("refused") == 0, [(i.label, i.reason) for i in report.items if i.outcome == "refused"]
    assert report.count("created", "Patient") == 2 and report.count("created", "Appointment") == 3
    assert report.count("created", "Condition") == 2 and report.count("created", "QuestionnaireResponse") == 6
    # Each total came with its answers: scored here from them, the Observation of the total not needed.
    assert report.count("skipped", "Observation") == 6 and report.count("created", "Observation") == 0
    again = _export(clinic_c, tmp_path / "c")
    assert _normal(again) == _normal(first)
    # Nobody treated them at clinic C: the import opened the episodes, no clinician is named.
    assert not Episode.objects.filter(clinic=clinic_c, clinician__isnull=False).exists()

    # The same files again: nothing new, nothing changed.
    counts = (Patient.objects.count(), Episode.objects.count(), Imported.objects.count())
    twice = importing.run(clinic_c, admin_c, _items(tmp_path / "a"))
    assert twice.count("created") == twice.count("updated") == twice.count("refused") == 0
    assert (Patient.objects.count(), Episode.objects.count(), Imported.objects.count()) == counts
    assert _normal(_export(clinic_c, tmp_path / "c2")) == _normal(first)


def test_a_clinics_own_export_imported_back_changes_nothing(history, admin, tmp_path):
    from dryneedle.outcomes.models import Response

    _export(history.clinic, tmp_path / "a")
    n = Response.objects.count()
    report = importing.run(history.clinic, admin, _items(tmp_path / "a"))
    assert report.count("created") == report.count("updated") == report.count("refused") == 0
    assert Response.objects.count() == n


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(history, clinic_c, tmp_path):
    from dryneedle.appointments.models import Appointment
    from dryneedle.audit.models import AuditEvent
    from dryneedle.fhir.models import Imported
    from dryneedle.outcomes.models import Response
    from dryneedle.patients.models import Episode, Patient

    _export(history.clinic, tmp_path / "a")
    admin_c = make_user("admin@c.example", clinic_c, "clinic_admin", "Cy", "Admin")
    models = (Patient, Episode, Response, Appointment, Imported, AuditEvent)
    before = [m.objects.count() for m in models]
    report = importing.run(clinic_c, admin_c, _items(tmp_path / "a"), dry_run=True)
    assert report.count("created", "Patient") == 2 and report.count("created", "QuestionnaireResponse") == 6
    assert [m.objects.count() for m in models] == before
    call_command("import_fhir", str(tmp_path / "a"), clinic=str(clinic_c.code), by="admin@c.example", dry_run=True,
                 quiet=True)  # fmt: skip
    assert [m.objects.count() for m in models] == before


def _bundle(*resources, kind="collection") -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": kind,
                       "entry": [{"fullUrl": f"urn:uuid:{r.pop('_url')}" if "_url" in r else None, "resource": r}
                                 for r in resources]}).encode()  # fmt: skip


def _person(id_, family, born="1990-05-01", **kw) -> dict:
    return {"resourceType": "Patient", "id": id_, "name": [{"family": family, "given": ["Pat"]}], "gender": "female",
            "birthDate": born, **kw}  # fmt: skip


def _pain(patient_ref, score, when="2026-11-02T10:00:00Z", **kw) -> dict:
    return {"resourceType": "Observation", "status": "final", "subject": {"reference": patient_ref},
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]}, "effectiveDateTime": when,
            "valueInteger": score, **kw}  # fmt: skip


def _condition(patient_ref, onset="2026-10-01") -> dict:
    return {"resourceType": "Condition", "subject": {"reference": patient_ref}, "onsetDateTime": onset,
            "code": {"coding": [{"system": "urn:dryneedle:condition", "code": "chronic_lbp"}]}}  # fmt: skip


def test_one_refused_resource_leaves_none_of_its_patients_records_and_others_import(clinic_a, admin):
    from dryneedle.patients.models import Patient

    data = _bundle(_person("p1", "Okafor"), _condition("Patient/p1"), _pain("Patient/p1", 14),
                   _person("p2", "Lindqvist"), _condition("Patient/p2"), _pain("Patient/p2", 4))  # fmt: skip
    report = importing.run(clinic_a, admin, importing.read("b.json", data))
    by = {(i.type, i.resource["subject"]["reference"] if "subject" in i.resource else i.id): i for i in report.items}
    assert by[("Observation", "Patient/p1")].outcome == "refused"
    assert "14" in by[("Observation", "Patient/p1")].reason
    assert by[("Patient", "p1")].outcome == by[("Condition", "Patient/p1")].outcome == "refused"
    assert "Observation at b.json entry 3 of the same patient was refused" in by[("Patient", "p1")].reason
    assert not Patient.objects.filter(clinic=clinic_a, family_name="Okafor").exists()
    made = Patient.objects.get(clinic=clinic_a, family_name="Lindqvist")
    assert made.responses.get().score == 4 and made.episodes.get().clinician is None


def test_the_resources_of_a_patient_that_is_not_valid_fhir_say_so(clinic_a, admin):
    bad = _person("p9", "Nine", born="1990-13-45")
    report = importing.run(clinic_a, admin, importing.read("b.json", _bundle(bad, _condition("Patient/p9"))))
    assert report.items[0].outcome == "refused" and "Not valid FHIR R4" in report.items[0].reason
    assert report.items[1].reason == "Not imported: its patient, Patient/p9, was refused."


def test_a_transaction_bundles_references_by_full_url_are_followed(clinic_a, admin):
    from dryneedle.patients.models import Patient

    p = _person("", "Nakamura", _url="8f7c6f1e-1111-4a4a-9a9a-000000000001")
    del p["id"]
    data = _bundle(p, _condition("urn:uuid:8f7c6f1e-1111-4a4a-9a9a-000000000001"),
                   _pain("urn:uuid:8f7c6f1e-1111-4a4a-9a9a-000000000001", 5), kind="transaction")  # fmt: skip
    report = importing.run(clinic_a, admin, importing.read("t.json", data))
    assert report.summary()["created"] == 3, [(i.label, i.reason) for i in report.items]
    assert Patient.objects.get(clinic=clinic_a, family_name="Nakamura").responses.count() == 1


@pytest.mark.parametrize(("data", "reason"), [
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b'{"resourceType": "Patient"\x00}', "NUL"),
    (b"", "empty"),
    (b'{"resourceType": "Patient", "id": "x"}\nnot json\n[1, 2]\n', "Not JSON"),
    (b'[1, 2]', "Not a FHIR resource"),
    (b'{"resourceType": "Patient", "id": "r", "birthDate": "1990-13-45"}', "Not valid FHIR R4"),
    (b'{"resourceType": "Patient", "id": "s", "name": [{"family": "Sex", "given": ["A"]}], "gender": "robot", '
     b'"birthDate": "1990-01-01"}', "Select a valid choice"),
    (b'{"resourceType": "Patient", "id": "y", "name": [{"family": "Year"}], "gender": "male", "birthDate": "1990"}',
     "not a full date"),
    (b'{"resourceType": "Observation", "status": "final", "code": {"text": "x"}}', "names no patient"),
    (b'{"resourceType": "Bundle", "entry": {"a": 1}}', "entry is not a list"),
])  # fmt: skip
def test_bad_input_is_refused_with_its_reason_never_a_crash(clinic_a, admin, data, reason):
    from dryneedle.patients.models import Patient

    report = importing.run(clinic_a, admin, importing.read("f.json", data))
    refused = [i for i in report.items if i.outcome == "refused"]
    assert refused and any(reason in i.reason for i in refused), [(i.where, i.reason) for i in report.items]
    assert not Patient.objects.filter(clinic=clinic_a).exists()


def test_a_person_is_linked_by_name_and_birth_date_never_by_email_or_phone_alone(patient, admin):
    from dryneedle.patients.models import Patient

    same = _person("h1", "Hopper", born="1960-12-09", telecom=[{"system": "phone", "value": "+1 303 555 0199"}])
    same["name"][0]["given"] = ["Grace"]
    shared = _person("h2", "Stranger", telecom=[{"system": "email", "value": "grace@mail.example"}])
    # A family in the other system: two records, one phone. Kept apart, as there.
    twin = _person("h3", "Twin", born="2001-02-03", telecom=[{"system": "phone", "value": "+1 303 555 0177"}])
    sibling = _person("h4", "Sibling", born="2004-05-06", telecom=[{"system": "phone", "value": "+1 303 555 0177"}])
    report = importing.run(patient.clinic, admin, importing.read("p.json", _bundle(same, shared, twin, sibling)))
    first, second, third, fourth = report.items
    assert first.outcome == "updated" and "phone" in first.reason and first.record == patient
    assert second.outcome == "created" and second.record != patient
    assert "May be the same person as Grace Hopper, born 09 Dec 1960, here (the same email or phone)" in second.reason
    assert third.outcome == "created" and third.reason == ""
    assert fourth.outcome == "created" and "Patient/h3 of this import" in fourth.reason
    assert Patient.objects.filter(clinic=patient.clinic).count() == 4
    patient.refresh_from_db()
    assert patient.phone == "+1 303 555 0199" and patient.versions.count() == 1
    assert not patient.responses.exists() and patient.email == "grace@mail.example"


def test_nothing_is_joined_to_another_clinics_records(clinic_a, admin, foreign_patient):
    from dryneedle.outcomes.models import Response
    from dryneedle.patients.models import Patient

    code = str(foreign_patient.code)
    p = _person(code, "Copy", identifier=[{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{code}"}])
    report = importing.run(clinic_a, admin, importing.read("x.json", _bundle(p)))
    assert report.items[0].outcome == "created" and report.items[0].record.clinic == clinic_a
    stray = importing.read("o.ndjson", json.dumps(_pain(f"Patient/{foreign_patient.pk}", 3)).encode())
    stray += importing.read("o2.ndjson", json.dumps(_pain(f"Patient/{code}x", 3)).encode())
    report = importing.run(clinic_a, admin, stray)
    assert {i.outcome for i in report.items} == {"refused"}
    assert not Response.objects.filter(patient=foreign_patient).exists()
    foreign_patient.refresh_from_db()
    assert foreign_patient.family_name.endswith("Family") and Patient.objects.filter(clinic=foreign_patient.clinic
                                                                                     ).count() == 1  # fmt: skip


def test_an_anonymised_record_is_not_filled_in_again(history, admin, tmp_path):
    from dryneedle.patients.models import Patient
    from dryneedle.retention.anonymise import anonymise

    _export(history.clinic, tmp_path / "a")
    anonymise(history, admin)
    report = importing.run(history.clinic, admin, _items(tmp_path / "a"))
    petrov = next(i for i in report.items if i.type == "Patient" and i.id == str(history.code))
    assert petrov.outcome == "refused" and "anonymised" in petrov.reason
    assert not Patient.objects.filter(clinic=history.clinic, family_name="Petrov").exists()


def test_appointments_need_a_practitioner_here_a_type_of_ours_and_a_known_outcome(clinic_a, admin, alice):
    from dryneedle.appointments.models import Appointment

    def appt(id_, start, status="fulfilled", who="Alice Archer", service="Dry needling"):
        end = (start + timedelta(minutes=30)).isoformat()
        return {"resourceType": "Appointment", "id": id_, "status": status, "start": start.isoformat(), "end": end,
                "serviceType": [{"text": service}], "participant": [
                    {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
                    {"actor": {"reference": "Practitioner/x", "display": who}, "status": "accepted"}]}  # fmt: skip

    past = timezone.now().replace(microsecond=0) - timedelta(days=3)
    cases = [appt("a1", past, who="Zed Nobody"), appt("a2", past, status="booked"),
             appt("a3", past + timedelta(hours=2), service="Acupuncture")]  # fmt: skip
    for a in cases:
        report = importing.run(clinic_a, admin, importing.read("a.json", _bundle(_person("p1", "Ames"), a)))
        assert report.items[1].outcome == "refused", report.items[1].reason
    assert (
        "Zed Nobody"
        in importing.run(clinic_a, admin, importing.read("a.json", _bundle(_person("p1", "Ames"), cases[0])))
        .items[1]
        .reason
    )
    assert not Appointment.objects.filter(clinic=clinic_a).exists()
    report = importing.run(clinic_a, admin, importing.read("a.json", _bundle(_person("p1", "Ames"), cases[2])),
                           default_kind="consultation")  # fmt: skip
    assert report.items[1].outcome == "created" and report.items[1].record.kind == "consultation"
    assert report.items[1].record.practitioner == alice


def test_the_command_says_what_it_did_and_exits_2_on_bad_arguments(history, clinic_c, tmp_path, capsys):
    from dryneedle.patients.models import Patient

    _export(history.clinic, tmp_path / "a")
    make_user("admin@c.example", clinic_c, "clinic_admin", "Cy", "Admin")
    for kwargs, said in (
        ({"clinic": "nope", "by": "admin@c.example"}, "No clinic"),
        ({"clinic": str(clinic_c.code), "by": "alice@c.example"}, "not an active clinic admin"),
    ):
        with pytest.raises(CommandError, match=said) as e:
            call_command("import_fhir", str(tmp_path / "a"), **kwargs)
        assert e.value.returncode == 2
    with pytest.raises(CommandError, match="no such file") as e:
        call_command("import_fhir", str(tmp_path / "missing.json"), clinic=str(clinic_c.code), by="admin@c.example")
    assert e.value.returncode == 2
    call_command("import_fhir", str(tmp_path / "a"), clinic=str(clinic_c.code), by="admin@c.example")
    out = capsys.readouterr().out
    assert ("Patient: created 2" in out and "skipped   Procedure" not in out) or "Procedure" in out
    assert Patient.objects.filter(clinic=clinic_c).count() == 2
    bad = tmp_path / "bad.ndjson"
    bad.write_text(json.dumps(_person("q", "Quill", born="2199-01-01")) + "\n")
    with pytest.raises(CommandError, match="1 resources refused") as e:
        call_command("import_fhir", str(bad), clinic=str(clinic_c.code), by="admin@c.example")
    assert e.value.returncode == 1 and "Date of birth" in capsys.readouterr().out


def test_totals_alone_are_kept_as_imported_totals_and_answers_are_scored_here(clinic_a, admin):
    from dryneedle.outcomes.models import Response

    def total(instrument, value, **kw):
        return {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/t1"},
                "code": {"coding": [{"system": "urn:dryneedle:instrument", "code": instrument}]},
                "effectiveDateTime": "2026-11-03T09:00:00Z", "valueQuantity": {"value": value}, **kw}  # fmt: skip

    agreed = [{"linkId": str(i), "answer": [{"valueBoolean": i in (1, 5, 6, 7, 8)}]} for i in range(1, 9)]
    startback = {"resourceType": "QuestionnaireResponse", "status": "completed", "authored": "2026-11-04T09:00:00Z",
                 "questionnaire": "urn:dryneedle:questionnaire:startback|9-item",
                 "subject": {"reference": "Patient/t1"},
                 "item": [*agreed, {"linkId": "9", "answer": [{"valueCoding": {"code": "very_much"}}]}]}  # fmt: skip
    data = _bundle(_person("t1", "Totals"), _condition("Patient/t1"), total("odi", 44), total("rmdq", 7),
                   total("startback", 6), startback)  # fmt: skip
    report = importing.run(clinic_a, admin, importing.read("t.json", data))
    assert [i.outcome for i in report.items] == ["created", "created", "created", "created", "skipped", "created"]
    assert "psychosocial subscore" in report.items[4].reason
    odi = Response.objects.get(clinic=clinic_a, instrument="odi")
    assert (odi.score, odi.details["band"], odi.answers, odi.source) == (44.0, "severe", {}, "imported")
    risk = Response.objects.get(clinic=clinic_a, instrument="startback")
    assert (risk.score, risk.details["risk"], risk.details["psychosocial"]) == (6, "high", 5)
    wrong = {**total("rmdq", 25), "subject": {"reference": "Patient/t2"}}
    out_of_range = importing.run(
        clinic_a, admin, importing.read("r.json", _bundle(_person("t2", "Range"), _condition("Patient/t2"), wrong))
    )
    assert out_of_range.items[2].outcome == "refused" and "0-24" in out_of_range.items[2].reason


@pytest.mark.parametrize(("instrument", "answers"), [
    ("nprs", {"score": 6}),
    ("odi", {"sections": dict.fromkeys(ODI_SECTIONS[:9], 3)}),
    ("rmdq", {"ticked": [2, 5, 24]}),
    ("startback", {"items": {**{str(i): i % 2 == 0 for i in range(1, 9)}, "9": "moderately"}}),
    ("psfs", {"activities": [{"name": "Lifting the baby", "score": 4}, {"name": "Gardening", "score": 7.5}]}),
])  # fmt: skip
def test_a_questionnaires_answers_read_back_as_they_were_written(instrument, answers):
    from dryneedle.fhir import mapping

    assert importing.answers_of(instrument, mapping._answer_items(instrument, answers)) == answers
