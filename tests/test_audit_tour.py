"""RT-04: a tour of every page and API operation that touches patient data,
each leaving exactly one complete audit row."""

import json
from types import SimpleNamespace

import pytest
from django.urls import reverse

from conftest import (
    ONTO_BONE,
    client_for,
    make_appointment,
    make_bulk_export,
    make_checkin,
    make_event,
    make_import_file,
    make_measure,
    plan_objects,
    signed_consent,
)
from dryneedle.accounts import policy
from dryneedle.aftercare.services import consent_numbers
from dryneedle.audit.models import AuditEvent
from dryneedle.consent.services import digest, render_form
from dryneedle.patients import texts
from dryneedle.portal.models import Intake
from tests.test_access_matrix import (
    API_OBJECT,
    PAGE_BODY,
    PAGE_OBJECT,
    api_body,
    api_operations,
    page_url,
    page_urls,
)

pytestmark = pytest.mark.django_db

# Pages and operations that show no patient data, so write no audit row.
NO_PHI = {
    ("patients:add", "GET"),
    "patients:conditions",
    "healthz",
    "login",
    "login_verify",
    "login_unlock",
    "logout",
    "switch_clinic",
    "mfa_setup",
    "tokens",  # API tokens: no patient data (issuing and revoking are audited, test_tokens.py)
    "api:list_conditions",
    "api-1.0.0:openapi-json",
    "api-1.0.0:openapi-view",
    "screening:rules",
    "api:evaluate_screening",  # answers without identity, nothing stored
    "api:score_instrument",  # scores answers without identity, nothing stored
    ("visits:stock", "GET"),  # needle lots: no patient data
    "visits:muscles",  # the muscle catalogue: reference data
    "outcomes:thresholds",  # the clinic's thresholds: settings, no patient data
    ("outcomes:settings", "GET"),  # the clinic's outcome settings: no patient data (a save is audited)
    ("outcomes:wording", "GET"),  # the questionnaires' wording per language: no patient data (changes are audited)
    "plans:exercises",  # the exercise library: reference data
    "api:list_exercises",
    "api:list_availability",  # working hours: no patient data
    "api:search_directory",  # the public directory: no patient data
    "fhir:metadata",  # the FHIR server's CapabilityStatement: no patient data
}
# Objects in URLs that are not a patient's (a practitioner's credential).
NO_PATIENT = {"credential", "consultation", "availability", "availability_exception"}
# Writes that would end the tour's patient or episode; exercised in their own tests.
LAST = {
    "patients:mark_in_error",
    "patients:episode_in_error",
    "patients:emergency_access",
    "patients:discharge_episode",
    "screening:invalidate",
    "patients:consent_withdraw",  # closes the needling gate the later pages need (dryneedle/consent/tests)
}


def one_new_row(before: int, who, clinic, patient=None) -> AuditEvent:
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert len(rows) == 1, [r.action for r in rows]
    row = rows[0]
    assert row.user_id == who.pk and row.username == who.username and row.clinic == clinic.code
    assert row.ip == "127.0.0.1" and row.request_id and row.action and row.ts
    assert row.outcome in ("ok", "invalid")  # a refused write is recorded too
    if patient is not None:
        assert row.patient == patient.code, (row.action, row.object_type)
        assert row.category
    return row


def test_every_page_read_and_write_leaves_one_row(
    alice, clinic_a, patient, episode, screening, insertion, link, response
):
    c = client_for(alice)
    objects = {
        "patient": patient,
        "episode": episode,
        "screening": screening,
        "visit": insertion.visit,
        "insertion": insertion,
        "link": link,
        "response": response,
        "checkin": make_checkin(insertion.visit),
        "adverse_event": make_event(insertion.visit),
        "measure": make_measure(insertion.visit.episode),
        **plan_objects(episode, alice),
        "consent": signed_consent(patient),
        "texts_stop": SimpleNamespace(code=texts.stop_token(patient)),
        "intake": Intake.objects.create(clinic=patient.clinic, patient=patient, kind="first", due=patient.created),
        "clinic": patient.clinic,
        "table": SimpleNamespace(code="patients"),
        "import_file": make_import_file(patient.clinic, patient.created_by),
        "bulk_export": make_bulk_export(patient.clinic, patient.created_by),
    }
    form_text = render_form(clinic_a, patient, consent_numbers(clinic_a))
    bodies = {
        **PAGE_BODY,
        "patients:consent": {
            "read": "on",
            "typed_name": "Grace Hopper",
            "typed_only": "on",
            "shown": digest(form_text),
        },
        "visits:add_needle": {
            **ONTO_BONE,
            "muscle": "multifidus",
            "side": "right",
            "lot": str(insertion.lot.code),
            "depth_mm": 20,
            "technique": "static",
            "angle": "perpendicular",
            "position": "prone",
            "guidance": "palpation",
            "local_twitch_responses": 1,
        },
    }
    toured = 0
    for name, _ in page_urls():
        if name in NO_PHI or name in LAST or name.startswith("api-1.0.0:"):
            continue
        kind = PAGE_OBJECT.get(name)
        if name == "appointments:move":  # the appointment's own page has just cancelled it: move a booked one
            objects["appointment"] = make_appointment(episode.patient, alice)
        url = page_url(name, objects[kind] if kind else None)
        for method in policy.POLICY[name]:
            roles = policy.POLICY[name][method]
            if (name, method) in NO_PHI or (roles not in (policy.AUTHENTICATED,) and "practitioner" not in roles):
                continue  # the audit pages have their own tests
            before = AuditEvent.objects.count()
            r = c.get(url) if method == "GET" else c.post(url, bodies.get(name, {"q": "Hopper"}))
            assert r.status_code < 400, (method, name, r.status_code)
            one_new_row(before, alice, clinic_a, patient if kind and kind not in NO_PATIENT else None)
            toured += 1
            # A new screening supersedes the one the next pages act on.
            objects["screening"] = episode.screenings.order_by("-created").first()
    assert toured >= 12


def test_every_api_operation_leaves_one_row(alice, clinic_a, patient, episode, screening, insertion, response, client):
    c = client_for(alice)
    objects = {
        "patient": patient,
        "episode": episode,
        "screening": screening,
        "visit": insertion.visit,
        "insertion": insertion,
        "response": response,
        "checkin": make_checkin(insertion.visit),
        "adverse_event": make_event(insertion.visit),
        "measure": make_measure(insertion.visit.episode),
        **plan_objects(episode, alice),
    }
    toured = 0
    for op, method, path in api_operations(client):
        if "api:" + op in NO_PHI:
            continue
        kind = API_OBJECT.get(op)
        url = path.replace("{code}", str(objects[kind].code)) if kind else path
        before = AuditEvent.objects.count()
        if method == "GET":
            r = c.get(url)
        else:
            r = c.generic(method, url, json.dumps(api_body(op, objects)), content_type="application/json")
        assert r.status_code < 400 or r.status_code == 422, (op, r.status_code, r.content[:200])
        one_new_row(before, alice, clinic_a, patient if kind else None)
        toured += 1
    assert toured >= 8


def test_refusals_are_audited_too(as_bob, as_charlie, patient, episode):
    before = AuditEvent.objects.count()
    as_bob.get(reverse("patients:episode", args=[episode.code]))  # wrong role
    as_charlie.get(reverse("patients:detail", args=[patient.code]))  # other clinic
    as_charlie.get(f"/api/v1/patients/{patient.code}")
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert [(r.action, r.outcome) for r in rows] == [
        ("access.denied", "denied"),
        ("access.not_found", "denied"),
        ("access.not_found", "denied"),
    ]
