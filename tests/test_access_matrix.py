"""RT-01: every page and API operation has a row in the policy table, and every
cell of that table holds for each role in its own clinic and in another.

A page or operation added without a policy row fails here; so does one whose
behaviour differs from its row. Denials are 403/404 and carry none of the
canaries planted in Clinic B's records; lists show no foreign rows; writes to
a foreign object leave it unchanged.
"""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from conftest import (
    CANARY,
    certify,
    client_for,
    hours_objects,
    make_appointment,
    make_bulk_export,
    make_checkin,
    make_consultation,
    make_credential,
    make_event,
    make_import_file,
    make_listing,
    make_measure,
    make_plan,
    make_response,
    plan_objects,
    signed_consent,
    waitlist_objects,
)
from dryneedle.accounts import policy
from dryneedle.patients import texts
from dryneedle.portal.models import Intake

pytestmark = pytest.mark.django_db

# Which object a URL's <uuid:code> names. A new URL with a code must be added here.
PAGE_OBJECT = {
    "patients:detail": "patient",
    "patients:edit": "patient",
    "patients:mark_in_error": "patient",
    "patients:open_episode": "patient",
    "patients:episode": "episode",
    "patients:discharge_episode": "episode",
    "patients:episode_in_error": "episode",
    "patients:emergency_access": "patient",
    "screening:new": "episode",
    "screening:evaluate": "episode",
    "screening:detail": "screening",
    "screening:acknowledge": "screening",
    "screening:override": "screening",
    "screening:invalidate": "screening",
    "screening:mark_in_error": "screening",
    "visits:start": "episode",
    "visits:detail": "visit",
    "visits:save": "visit",
    "visits:add_needle": "visit",
    "visits:sign": "visit",
    "visits:remove_needle": "insertion",
    "visits:remove_needles": "visit",
    "visits:amend": "visit",
    "visits:needle_incident": "insertion",
    "visits:examine": "visit",
    "visits:charts": "episode",
    "outcomes:chart": "episode",
    "outcomes:episode": "episode",
    "outcomes:record": "episode",
    "outcomes:send": "episode",
    "outcomes:opt_out": "episode",
    "outcomes:resume": "episode",
    "outcomes:report": "episode",
    "outcomes:measure": "episode",
    "outcomes:measure_in_error": "measure",
    "aftercare:handout": "visit",
    "aftercare:handout_pdf": "visit",
    "aftercare:acknowledge": "checkin",
    "adverse_events:new": "visit",
    "adverse_events:detail": "adverse_event",
    "adverse_events:mark_in_error": "adverse_event",
    "outcomes:mark_in_error": "response",
    "portal:send_screening": "episode",
    "portal:open": "link",
    "plans:new": "episode",
    "plans:recurrence": "episode",
    "plans:detail": "plan",
    "plans:update": "plan",
    "plans:maintenance": "plan",
    "plans:add_component": "plan",
    "plans:add_goal": "plan",
    "plans:assign": "plan",
    "plans:review": "plan",
    "plans:send_exercises": "plan",
    "plans:component": "component",
    "plans:goal": "goal",
    "plans:unassign": "assignment",
    "appointments:book": "patient",
    "appointments:detail": "appointment",
    "appointments:arrived": "appointment",
    "appointments:move": "appointment",
    "appointments:answer_request": "appointment",
    "appointments:waitlist_add": "patient",
    "patients:merge": "patient",
    "mine:cancel": "appointment",
    "mine:move": "appointment",
    "mine:handout": "visit",
    "mine:consent_pdf": "consent",
    "mine:texts_stop": "texts_stop",
    "messaging:thread": "patient",
    "mine:questionnaires": "episode",
    "mine:exercises": "episode",
    "mine:consent_withdraw": "consent",
    "mine:intake": "intake",
    "fhir:patient": "patient",
    "fhir:everything": "patient",
    "exports:table_csv": "table",
    "exports:subject_access": "patient",
    "exports:subject_access_zip": "patient",
    "imports:file": "import_file",
    "retention:erasure": "patient",
    "fhir:group_export": "clinic",
    "fhir:export_status": "bulk_export",
    "fhir:export_file": "bulk_export",
    "fhir:read": "appointment",
    "fhir:search": "patient",
    "mine:new": "clinic",
    "mine:new_confirm": "clinic",
    "patients:consent": "patient",
    "patients:consent_pdf": "consent",
    "patients:consent_withdraw": "consent",
    "patients:separate": "patient",
    "appointments:waitlist_remove": "waitlist_entry",
    "appointments:offer": "offer",
    "appointments:start_visit": "appointment",
    "appointments:feed": "calendar",
    "practitioners:verify": "credential",
    "practitioners:certificate": "credential",
    "directory:profile": "listing",
    "directory:request": "consultation",
    "directory:close_request": "consultation",
    "appointments:remove_hours": "availability",
    "appointments:remove_exception": "availability_exception",
}
# Public pages reached by a capability in the URL (a patient link): anyone holding it may open it.
CAPABILITY_PAGES = {"portal:open", "appointments:feed", "appointments:offer", "directory:profile", "mine:texts_stop",
                    "mine:new", "mine:new_confirm"}  # fmt: skip
# (A clinic's first-visit booking page is public by its clinic's code, as a directory profile is by its name.)
# Pages whose address names a thing every clinic has (an export's table): each clinic reads its own rows there, so
# the "other clinic's object" is the same address, checked for the other clinic's data like every answer.
EVERY_CLINICS = {"exports:table_csv"}
# Called by a server with a shared secret, not by a person: refused (403) without it, whoever asks.
SHARED_SECRET = {"mine:texts_inbound"}
# Public forms: an anonymous POST without the form's own fields is refused for its content (400), not access.
PUBLIC_FORMS = {"directory:profile", "mine:signin", "mine:code", "mine:new"}
# Public forms whose answer is to go back where the person was (the language of the patient's pages).
PUBLIC_REDIRECTS = {"mine:language", "mine:new_confirm"}  # the second: back to step 1 when no code was asked
API_OBJECT = {
    "create_visit": "episode",
    "get_visit": "visit",
    "update_visit": "visit",
    "create_insertion": "visit",
    "remove_insertion": "insertion",
    "create_amendment": "visit",
    "list_trigger_points": "episode",
    "examine_trigger_point": "visit",
    "list_responses": "episode",
    "score_instrument": "instrument",  # not a record: the instrument's code (no clinic owns it)
    "create_response": "episode",
    "get_response": "response",
    "update_response": "response",
    "create_adverse_event": "visit",
    "get_adverse_event": "adverse_event",
    "update_adverse_event": "adverse_event",
    "list_checkins": "visit",
    "create_plan": "episode",
    "get_plan": "plan",
    "update_plan": "plan",
    "create_goal": "plan",
    "update_goal": "goal",
    "create_component": "plan",
    "update_component": "component",
    "create_assignment": "plan",
    "get_appointment": "appointment",
    "update_appointment": "appointment",
    "mark_arrived": "appointment",
    "move_appointment": "appointment",
    "remove_from_waitlist": "waitlist_entry",
    "start_visit_from_appointment": "appointment",
    "list_screenings": "episode",
    "create_screening": "episode",
    "get_screening": "screening",
    "update_screening": "screening",
    "get_patient": "patient",
    "update_patient": "patient",
    "list_episodes": "patient",
    "create_episode": "patient",
    "get_episode": "episode",
    "update_episode": "episode",
}
API_BODY = {
    "create_patient": {"given_name": "Ada", "family_name": "Lovelace", "birth_date": "1985-12-10", "sex": "female"},
    "search_patients": {"q": "Hopper"},
    "update_patient": {"phone": "+1 303 555 0100"},
    "create_episode": {"condition": "sciatica"},
    "update_episode": {"notes": "matrix"},
    "evaluate_screening": {"age": 40, "consent": "given", "findings": []},
    "create_screening": {
        "consent": "given",
        "consent_type": "verbal",
        "findings": [],
        "none_of": ["red_flags", "contraindications"],
        "pregnancy": "no",
        "planned_regions": ["lumbar"],
    },
    "update_screening": {"acknowledge": []},
    "update_visit": {"pre_nprs": 5},
    "create_amendment": {"text": "Side was right, not left.", "reason": "typing error"},
    "examine_trigger_point": {"muscle": "multifidus", "side": "left", "taut_band": True},
    "create_response": {"instrument": "nprs", "answers": {"score": 4}},
    "update_response": {"entered_in_error": True, "reason": "matrix test"},
    "create_adverse_event": {"type": "bruising"},
    "update_adverse_event": {"outcome": "resolved"},
    "score_instrument": {"score": 4},
    "create_plan": {"primary_measure": "odi"},
    "update_plan": {"notes": "matrix"},
    "create_goal": {"activity": "Walk to the shop", "target": 7},
    "update_goal": {"dropped": False},
    "create_component": {"modality": "massage", "times": 1, "count": 2, "outside_provider": "Jo Bloggs"},
    "update_component": {"notes": "matrix"},
    "create_assignment": {"exercise": "bridge"},
    "update_appointment": {"status": "cancelled", "reason": "matrix"},
    "move_appointment": {"start": "2030-01-08T10:00:00-07:00", "outside_hours_reason": "matrix test"},
    "remove_from_waitlist": {"reason": "matrix"},
    "create_credential": {
        "kind": "licence",
        "profession": "physiotherapist",
        "title": "PT",
        "issuer": "Board",
        "issued": "2015-01-01",
    },
    "create_availability": {"practitioner": "alice@a.example", "weekday": 0, "start": "09:00", "end": "12:00"},
    "add_to_waitlist": lambda own: {
        "patient": str(own["patient"].code),
        "practitioner": "alice@a.example",
        "earliest": "2030-01-07",
    },
    "create_appointment": lambda own: {
        "patient": str(own["patient"].code),
        "practitioner": "alice@a.example",
        "start": "2030-01-07T10:00:00",
        "end": "2030-01-07T10:30:00",
        "outside_hours_reason": "matrix test",
    },
    # Bodies that name another object are built from the test's own objects.
    "create_insertion": lambda own: {
        "muscle": "multifidus",
        "side": "left",
        "lot": str(own["insertion"].lot.code),
        "depth_mm": 10,
    },
}
PAGE_BODY = {
    "appointments:add_hours": {"h-weekday": "1", "h-start": "09:00", "h-end": "12:00"},
    "appointments:add_exception": {"x-date": "2030-01-08", "x-kind": "off"},
    "patients:add": {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "birth_date": "1985-12-10",
        "sex": "female",
        "preferred_language": "English",
    },
    "patients:edit": {
        "given_name": "Grace",
        "family_name": "Hopper",
        "birth_date": "1960-12-09",
        "sex": "female",
        "preferred_language": "English",
    },
    "patients:open_episode": {"condition": "sciatica", "start_date": "2026-10-01"},
    "patients:discharge_episode": {"discharge_date": "2026-10-20", "discharge_reason": "goals_met"},
    "screening:new": {
        "consent": "given",
        "consent_type": "verbal",
        "findings": ["diabetes"],
        "none_red_flags": "on",
        "pregnancy": "no",
        "planned_regions": "lumbar",
    },
    "screening:evaluate": {"consent": "given", "findings": ["diabetes"]},
    "screening:acknowledge": {"rules": ["diabetes", "thoracolumbar_pleura_kidney"]},
    "portal:open": {"pregnant": "no", "findings": ["diabetes"], "medications": "Metformin"},
    "outcomes:record": {"instrument": "nprs", "score": "4"},
    "outcomes:measure": {"kind": "rom_flexion", "trials": "40, 42", "unit": "deg", "method": "inclinometer"},
    "outcomes:thresholds": {"measure": "odi", "points": "8", "source": "Clinic audit 2026"},
    "outcomes:settings": {"disability": "rmdq", "reminder_days": "4"},
    "adverse_events:new": {"type": "bruising", "outcome": "unknown"},
    "adverse_events:detail": {"type": "bruising", "outcome": "resolved", "action": "save"},
    "visits:depth_limit": {"muscle": "rhomboid_major", "max_mm": "15", "source": "Clinic protocol 2026"},
    "plans:update": {"primary_measure": "odi", "expected_dn_visits": "4"},
    "plans:maintenance": {"maintenance_every_weeks": "6"},
    "plans:add_component": {
        "new-modality": "massage",
        "new-sequence": "before",
        "new-outside_provider": "Jo Bloggs",
        "new-times": "1",
        "new-every_weeks": "2",
        "new-count": "3",
    },
    "plans:add_goal": {"goal-activity": "Walk 2 km", "goal-baseline": "3", "goal-target": "7"},
    "plans:assign": {"exercise": "bridge"},
    "plans:review": {"milestone": "other", "decision": "continue"},
    "plans:goal": {"action": "achieved"},
    "appointments:book": {
        "practitioner": "alice@a.example",
        "kind": "massage",
        "date": "2030-01-07",
        "time": "10:00",
        "minutes": "30",
        "repeat": "1",
        "every_days": "7",
        "override": "matrix test",
    },
    "appointments:detail": {"status": "cancelled", "reason": "matrix"},
    "appointments:waitlist_add": {
        "practitioner": "alice@a.example",
        "kind": "dry_needling",
        "minutes": "30",
        "earliest": "2030-01-07",
    },
    "appointments:waitlist_remove": {"reason": "matrix"},
    "patients:separate": {"reason": "matrix"},
    "messaging:thread": {"body": "matrix test"},
    "appointments:move": {
        "move-practitioner": "alice@a.example",
        "move-date": "2030-01-08",
        "move-time": "10:00",
        "move-override": "matrix test",
    },
    "practitioners:verify": {"method": "register", "note": "matrix"},
    "directory:listing": {
        "listed": "on",
        "profession": "physiotherapist",
        "languages": "English, Spanish",
        "city": "Denver",
    },
    "directory:request": {"given_name": "Sam", "family_name": "Rivera", "birth_date": "1980-04-04", "sex": "male"},
    "practitioners:team": {"user": "alice@a.example", "action": "grant"},
    "tokens": {"action": "create", "name": "matrix", "scopes": "read", "days": "90"},
    "practitioners:credentials": {
        "kind": "licence",
        "profession": "physiotherapist",
        "title": "PT licence",
        "issuer": "Board",
        "issued": "2015-01-01",
    },
    "visits:stock": {
        "manufacturer": "Seirin",
        "diameter_mm": "0.25",
        "length_mm": "30",
        "lot_number": "X1",
        "expires": "2099-01-01",
    },
}
SKIP_PAGES = {
    "login",
    "login_verify",
    "login_unlock",
    "set_password",
    "logout",
    "switch_clinic",
}  # see test_login_sessions.py, test_mfa.py, dryneedle/accounts/tests/test_staff.py


def page_urls():
    """(name, has_code) for every URL pattern outside the JSON API."""
    out = []

    def walk(patterns, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace and p.namespace.startswith("api-"):
                    for q in p.url_patterns:
                        out.append((f"{p.namespace}:{q.name}", "<" in str(q.pattern)))
                    continue
                walk(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern):
                out.append((f"{ns}{p.name}", "<" in str(p.pattern)))

    walk(get_resolver().url_patterns, "")
    return out


def api_operations(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield op["operationId"], method.upper(), path


def test_every_page_has_a_policy_row():
    missing = [name for name, _ in page_urls() if name not in policy.POLICY and not name.startswith("api-1.0.0:")]
    assert not missing, f"URL patterns without a row in dryneedle/accounts/policy.py: {missing}"


def test_every_api_operation_has_a_policy_row(client):
    ops = list(api_operations(client))
    assert ops
    missing = [op for op, method, _ in ops if method not in policy.POLICY.get("api:" + op, {})]
    assert not missing, f"API operations without a row in dryneedle/accounts/policy.py: {missing}"


def test_every_policy_row_names_something_that_exists(client):
    names = {n for n, _ in page_urls()} | {"api:" + op for op, _, _ in api_operations(client)}
    stale = set(policy.POLICY) - names
    assert not stale, f"policy rows for pages or operations that do not exist: {stale}"


@pytest.fixture
def world(
    link,
    response,
    patient,
    episode,
    screening,
    insertion,
    foreign_patient,
    foreign_screening,
    foreign_insertion,
    alice,
    bob,
    admin,
    audrey,
    charlie,
):
    certify(alice)  # her public listing shows only while she may needle
    foreign_plan = make_plan(foreign_patient.episodes.get(), charlie, notes=f"{CANARY} plan")
    return {
        "own": {
            "patient": patient,
            "episode": episode,
            "screening": screening,
            "visit": insertion.visit,
            "insertion": insertion,
            "link": link,
            "response": response,
            "instrument": SimpleNamespace(code="nprs"),
            "checkin": make_checkin(insertion.visit),
            "adverse_event": make_event(insertion.visit),
            "measure": make_measure(episode),
            **plan_objects(episode, alice),
            "consent": signed_consent(patient),
            "texts_stop": SimpleNamespace(code=texts.stop_token(patient)),
            "intake": Intake.objects.create(
                clinic=patient.clinic, patient=patient, kind="first", due=timezone.now() + timedelta(days=2)
            ),
            "clinic": patient.clinic,
            "table": SimpleNamespace(code="patients"),
            "import_file": make_import_file(patient.clinic, alice),
            "bulk_export": make_bulk_export(patient.clinic, alice),
        },
        "foreign": {
            "patient": foreign_patient,
            "episode": foreign_patient.episodes.get(),
            "screening": foreign_screening,
            "visit": foreign_insertion.visit,
            "insertion": foreign_insertion,
            "response": make_response(foreign_patient.episodes.get()),
            "instrument": SimpleNamespace(code="nprs"),
            "checkin": make_checkin(foreign_insertion.visit),
            "adverse_event": make_event(foreign_insertion.visit),
            "measure": make_measure(foreign_patient.episodes.get()),
            "plan": foreign_plan,
            "component": foreign_plan.components.get(),
            "goal": foreign_plan.goals.get(),
            "assignment": foreign_plan.assignments.get(),
            "appointment": make_appointment(foreign_patient, charlie),
            "credential": make_credential(charlie),
            "consultation": make_consultation(make_listing(charlie, charlie.memberships.get().clinic)),
            **hours_objects(charlie.memberships.get().clinic, charlie),
            "waitlist_entry": waitlist_objects(foreign_patient, charlie)["waitlist_entry"],
            "consent": signed_consent(foreign_patient),
            "texts_stop": SimpleNamespace(code=texts.stop_token(foreign_patient)),
            "intake": Intake.objects.create(
                clinic=foreign_patient.clinic,
                patient=foreign_patient,
                kind="first",
                due=timezone.now() + timedelta(days=2),
            ),
            "clinic": foreign_patient.clinic,
            "table": SimpleNamespace(code="patients"),
            "import_file": make_import_file(foreign_patient.clinic, charlie),
            "bulk_export": make_bulk_export(foreign_patient.clinic, charlie),
        },
        "people": {"practitioner": alice, "reception": bob, "clinic_admin": admin, "auditor": audrey},
        "outsider": charlie,
    }


def _allowed(roles, role) -> bool:
    if roles == policy.SUPERUSER:
        return False  # no role is a superuser; tests/test_practitioners checks the superuser's edit
    return roles in (policy.PUBLIC, policy.AUTHENTICATED) or role in roles


def _assert_no_foreign_data(r, where):
    body = b"".join(r.streaming_content) if r.streaming else r.content
    assert CANARY.encode() not in body, f"canary leaked in {where}"


# Pages whose address holds more than their object's code.
PAGE_URLS = {
    "fhir:read": lambda o: f"/fhir/Appointment/{o.code}",
    "fhir:search": lambda o: f"/fhir/Appointment?patient={o.code}",
    "fhir:export_file": lambda o: f"/fhir/bulk/{o.code}/Organization.ndjson",
}


def page_url(name, obj) -> str:
    from django.urls import reverse

    if name in PAGE_URLS:
        return PAGE_URLS[name](obj)
    return reverse(name, args=[obj.code] if obj is not None else [])


def _page_request(client, name, method, obj):
    url = page_url(name, obj)
    body = PAGE_BODY.get(name, {"reason": "matrix test", "q": "a", "clinic": "00000000-0000-0000-0000-000000000000"})
    if method in ("GET", "POST"):
        return client.get(url) if method == "GET" else client.post(url, body)
    return client.generic(method, url)


def _foreign_untouched(world) -> None:
    """Whatever a cell did, the other clinic's patient is as it was."""
    foreign = world["foreign"]["patient"]
    foreign.refresh_from_db()
    assert foreign.given_name.startswith(CANARY) and foreign.status == "active"
    assert foreign.phone == f"{CANARY}phone"
    episode = foreign.episodes.get()
    assert episode.status == "open" and episode.notes == f"{CANARY} notes"


# Pages that delete what they are given (working hours): each role is given a fresh one.
REMOVES = {"appointments:remove_hours", "appointments:remove_exception"}


# One test per row of the policy table (a page and a method): a failing cell does not hide the
# others, and xdist spreads them. Each row is tried as every role, anonymous, and on the other
# clinic's object.
PAGE_CELLS = [
    pytest.param(name, has_code, method, id=f"{method} {name}")
    for name, has_code in page_urls()
    if name not in SKIP_PAGES and not name.startswith("api-1.0.0:")
    for method in policy.POLICY.get(name, {})
]


def test_the_page_matrix_covers_the_site():
    assert len(PAGE_CELLS) > 60


@pytest.mark.parametrize(("name", "has_code", "method"), PAGE_CELLS)
def test_page_cell(world, name, has_code, method):
    from django.test import Client

    roles = policy.POLICY[name][method]
    kind = PAGE_OBJECT.get(name)
    assert kind or not has_code, f"add {name} to PAGE_OBJECT"
    if name in SHARED_SECRET:
        for client in [client_for(u) for u in world["people"].values()] + [Client()]:
            assert _page_request(client, name, method, None).status_code == 403, name
        return
    for role, user in world["people"].items():
        client = client_for(user)
        if name in REMOVES:  # the last role removed it: each role gets its own to remove
            world["own"].update(hours_objects(world["own"]["visit"].clinic, world["people"]["practitioner"]))
        own = world["own"][kind] if kind else None
        r = _page_request(client, name, method, own)
        where = f"{method} {name} as {role}"
        if roles == policy.PATIENT:  # a patient's own page: staff are sent to the patient's sign-in, nothing more
            assert r.status_code == 302 and "/my/sign-in/" in r["Location"], f"{where}: {r.status_code}"
            continue
        if _allowed(roles, role):
            assert r.status_code not in (401, 403, 404, 405), f"{where}: {r.status_code}"
        else:
            assert r.status_code == 403, f"{where}: {r.status_code}"
        _assert_no_foreign_data(r, where)
        if kind and name not in CAPABILITY_PAGES:  # the same user, the other clinic's object: not found
            r = _page_request(client, name, method, world["foreign"][kind])
            if name not in EVERY_CLINICS:
                assert r.status_code in (403, 404), f"{where} on a foreign object: {r.status_code}"
            _assert_no_foreign_data(r, where + " (foreign)")
    # Anonymous: a login redirect for anything not public.
    r = _page_request(Client(), name, method, world["own"][kind] if kind else None)
    if roles == policy.PUBLIC:
        # A used patient link answers 410 Gone to everyone.
        ok = r.status_code == 200 or (name in CAPABILITY_PAGES and r.status_code == 410)
        ok = ok or (name in PUBLIC_FORMS and method == "POST" and r.status_code == 400)
        ok = ok or (name in PUBLIC_REDIRECTS and r.status_code == 302)
        assert ok, f"{method} {name} anonymous: {r.status_code}"
    elif roles == policy.PATIENT:  # dryneedle/mine/tests: a signed-in patient reaches their own records only
        assert r.status_code == 302 and "/my/sign-in/" in r["Location"], f"{method} {name} anonymous"
    else:
        assert r.status_code == 302 and "/login/" in r["Location"], f"{method} {name} anonymous"
    _foreign_untouched(world)


def api_body(op, own) -> dict:
    body = API_BODY.get(op, {})
    return body(own) if callable(body) else body


def _api_request(client, op, method, path, obj, own=None, **extra):
    url = path.replace("{code}", str(obj.code)) if obj is not None else path
    if method == "GET":
        return client.get(url, **extra)
    return client.generic(method, url, json.dumps(api_body(op, own)), content_type="application/json", **extra)


def _openapi_operations():
    from dryneedle.api import api

    for path, ops in api.get_openapi_schema(path_prefix="/api/v1/")["paths"].items():
        for method, op in ops.items():
            yield op["operationId"], method.upper(), path


API_CELLS = [pytest.param(op, method, path, id=f"{method} {op}") for op, method, path in _openapi_operations()]


def test_the_api_matrix_covers_every_operation(client):
    assert sorted(API_CELLS, key=str) and len(API_CELLS) >= 40
    assert {p.values[0] for p in API_CELLS} == {op for op, _, _ in api_operations(client)}


@pytest.mark.parametrize(("op", "method", "path"), API_CELLS)
def test_api_cell(world, op, method, path):
    from django.test import Client

    roles = policy.POLICY["api:" + op][method]
    kind = API_OBJECT.get(op)
    assert kind or "{" not in path, f"add {op} to API_OBJECT"
    for role, user in world["people"].items():
        c = client_for(user)
        r = _api_request(c, op, method, path, world["own"][kind] if kind else None, world["own"])
        where = f"{method} {op} as {role}"
        if _allowed(roles, role):
            # Allowed: past authorization. A clinical rule may still refuse (422, e.g. amending a draft).
            assert r.status_code not in (401, 403, 404, 405), f"{where}: {r.status_code} {r.content[:200]}"
        else:
            assert r.status_code == 403, f"{where}: {r.status_code}"
        _assert_no_foreign_data(r, where)
        if kind and kind != "instrument":  # an instrument belongs to no clinic
            r = _api_request(c, op, method, path, world["foreign"][kind], world["own"])
            assert r.status_code in (403, 404), f"{where} on a foreign object: {r.status_code}"
            _assert_no_foreign_data(r, where + " (foreign)")
    r = _api_request(Client(), op, method, path, world["own"][kind] if kind else None, world["own"])
    expected = 200 if roles == policy.PUBLIC else 401
    assert r.status_code == expected, f"{method} {op} anonymous: {r.status_code}"
    _foreign_untouched(world)
