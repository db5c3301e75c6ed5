"""Bulk Data Access over HTTP (issue 20): $export kick-off, status, files, with a clinic admin's token of the export
scope or their session; one export at a time per clinic; nothing of another clinic in the files."""

import json
import time

import pytest

from conftest import CANARY, client_for

pytestmark = pytest.mark.django_db


def _token(user, clinic, scopes=("read", "export")) -> dict:
    from dryneedle.accounts.models import ApiToken, Membership

    _t, raw = ApiToken.issue(Membership.objects.get(user=user, clinic=clinic), "bulk", scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


def _poll(client, url, headers, seconds=60):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r = client.get(url, **headers)
        if r.status_code != 202:
            return r
        assert r["X-Progress"]
        time.sleep(0.2)
    raise AssertionError("the export did not finish")


@pytest.mark.django_db(transaction=True)
def test_a_clinic_admins_token_exports_the_clinic_in_the_background(admin, clinic_a, patient, episode, response,
                                                                    foreign_patient):  # fmt: skip
    from django.test import Client

    from dryneedle.audit.models import AuditEvent

    auth, c = _token(admin, clinic_a), Client()
    r = c.get("/fhir/$export", **auth)
    assert r.status_code == 400 and "Prefer: respond-async" in r.json()["issue"][0]["diagnostics"]
    r = c.get(f"/fhir/Group/{clinic_a.code}/$export", **auth, **ASYNC)
    assert r.status_code == 202
    status = r["Content-Location"]
    assert status.startswith("http://testserver/fhir/bulk/")
    r = _poll(c, status, auth)
    assert r.status_code == 200 and r["Content-Type"] == "application/fhir+json"
    manifest = r.json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith(f"/fhir/Group/{clinic_a.code}/$export")
    out = {o["type"]: o for o in manifest["output"]}
    assert {"Patient", "Organization", "Condition", "Observation", "EpisodeOfCare"} <= set(out)
    body = b"".join(c.get(out["Patient"]["url"], **auth).streaming_content).decode()
    lines = [json.loads(x) for x in body.splitlines()]
    assert len(lines) == out["Patient"]["count"] == 1 and lines[0]["id"] == str(patient.code)
    everything = b"".join(b"".join(c.get(o["url"], **auth).streaming_content) for o in out.values())
    assert CANARY.encode() not in everything
    assert c.get(out["Patient"]["url"]).status_code in (302, 403)  # the same credentials, or nothing
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"fhir.export_request", "fhir.export", "fhir.export_file"} <= actions
    assert c.delete(status, **auth).status_code == 202
    assert c.get(status, **auth).status_code == 404 and c.get(out["Patient"]["url"], **auth).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_types_can_be_chosen_and_the_system_export_is_the_tokens_clinic(admin, clinic_a, patient, episode):
    from django.test import Client

    auth, c = _token(admin, clinic_a), Client()
    r = c.get("/fhir/$export?_type=Patient,Condition&_outputFormat=application/fhir%2Bndjson", **auth, **ASYNC)
    assert r.status_code == 202
    manifest = _poll(c, r["Content-Location"], auth).json()
    assert [o["type"] for o in manifest["output"]] == ["Condition", "Patient"]


def test_only_a_clinic_admin_with_the_export_scope_may_export(admin, alice, clinic_a, clinic_b):
    from django.test import Client

    c = Client()
    r = c.get("/fhir/$export", **_token(admin, clinic_a, ("read",)), **ASYNC)
    assert r.status_code == 403 and "may not export" in r.json()["issue"][0]["diagnostics"]
    r = c.get("/fhir/$export", **_token(alice, clinic_a), **ASYNC)
    assert r.status_code == 403 and r.json()["resourceType"] == "OperationOutcome"
    r = c.get(f"/fhir/Group/{clinic_b.code}/$export", **_token(admin, clinic_a), **ASYNC)
    assert r.status_code == 404
    r = c.get("/fhir/$export", HTTP_AUTHORIZATION="Bearer dn_nonsense", **ASYNC)
    assert r.status_code == 401


def test_bad_parameters_are_refused_with_the_reason(admin, clinic_a):
    c = client_for(admin)  # the session works as well as a token
    for query, said in (("_outputFormat=text/csv", "Only NDJSON"), ("_typeFilter=Patient?x", "_typeFilter is not"),
                        ("_since=yesterday", "_since is an instant"), ("_since=2026-01-01", "_since is an instant"),
                        ("_since=2999-01-01T00:00:00Z", "_since is in the future"),
                        ("_type=Patient,Claim", "Not exported here: Claim")):  # fmt: skip
        r = c.get(f"/fhir/$export?{query}", **ASYNC)
        assert r.status_code == 400 and said in r.json()["issue"][0]["diagnostics"], query


def test_one_export_at_a_time_per_clinic_and_a_stalled_one_gives_way(admin, clinic_a):
    from datetime import timedelta

    from django.utils import timezone

    from dryneedle.fhir.models import BulkExport

    c = client_for(admin)
    assert c.get("/fhir/$export", **ASYNC).status_code == 202
    r = c.get("/fhir/$export", **ASYNC)
    assert r.status_code == 429 and r["Retry-After"] == "30"
    BulkExport.objects.update(created=timezone.now() - timedelta(hours=2))
    assert c.get("/fhir/$export", **ASYNC).status_code == 202
    stalled = BulkExport.objects.order_by("id").first()
    assert stalled.status == "failed" and "stopped" in stalled.error
    r = c.get(f"/fhir/bulk/{stalled.code}")
    assert r.status_code == 500 and "The export failed" in r.json()["issue"][0]["diagnostics"]


def test_the_export_runs_and_writes_the_same_files_as_the_command(admin, clinic_a, patient, episode, tmp_path):
    """The worker (run inline here) and `export_fhir` share bulk.write: the same resources, type by type."""
    from django.core.management import call_command

    from dryneedle.fhir import bulk
    from dryneedle.fhir.models import BulkExport

    job = BulkExport.objects.create(clinic=clinic_a, requested_by=admin, request_url="x")
    bulk.run(job.pk)
    job.refresh_from_db()
    assert job.status == "complete" and job.counts["Patient"] == 1
    call_command("export_fhir", "--clinic", str(clinic_a.code), "--out", str(tmp_path / "cli"))
    for t in job.counts:
        ours = (bulk.folder_of(job) / f"{t}.ndjson").read_text().splitlines()
        theirs = (tmp_path / "cli" / f"{t}.ndjson").read_text().splitlines()
        assert len(ours) == len(theirs) == job.counts[t]
    bulk.delete_files(job)


def test_since_exports_only_what_changed_after_it(admin, alice, clinic_a, patient, episode, response, tmp_path):
    import json
    from datetime import timedelta

    from django.utils import timezone

    from conftest import make_appointment, make_plan
    from dryneedle.appointments.services import set_status
    from dryneedle.fhir import bulk
    from dryneedle.fhir.models import BulkExport
    from dryneedle.outcomes.models import Response
    from dryneedle.patients.models import Episode, Patient
    from dryneedle.plans.models import CarePlan, Goal

    appt = make_appointment(patient, alice, start=timezone.now() - timedelta(days=1))
    plan = make_plan(episode, alice)
    long_ago = timezone.now() - timedelta(days=10)
    for model in (Patient, Episode, Response, CarePlan, Goal, type(appt)):
        model.objects.filter(clinic=clinic_a).update(updated=long_ago, **({"created": long_ago} if model is Goal
                                                                          else {}))  # fmt: skip

    def exported(since, name):
        bulk.write(clinic_a, tmp_path / name, since=since)
        return {p.stem: [json.loads(x) for x in p.read_text().splitlines()] for p in (tmp_path / name).glob("*")}

    since = timezone.now() - timedelta(days=5)
    shared = {"Organization", "Location", "Practitioner", "PractitionerRole", "Questionnaire"}
    assert set(exported(since, "none")) == shared
    set_status(appt, alice, "attended")
    Goal.objects.create(
        clinic=clinic_a, plan=plan, patient=patient, activity="Walk to the shop", baseline=2, target=6, created_by=alice
    )
    out = exported(since, "some")
    assert [a["status"] for a in out["Appointment"]] == ["fulfilled"]
    assert [g["description"]["text"] for g in out["Goal"]] == ["Walk to the shop"]
    assert len(out["CarePlan"]) == 1 and len(out["CarePlan"][0]["goal"]) == Goal.objects.filter(plan=plan).count()
    assert "Patient" not in out and "Condition" not in out and "Observation" not in out
    assert len(exported(None, "all")["Observation"]) == 1  # without _since: everything

    r = client_for(admin).get("/fhir/$export?_since=2026-11-01T08:00:00%2B01:00", **ASYNC)
    assert r.status_code == 202
    job = BulkExport.objects.get(clinic=clinic_a)
    assert job.since.isoformat() == "2026-11-01T07:00:00+00:00"
