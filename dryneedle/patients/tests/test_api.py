"""The patients API: same clinic scoping, roles, validation and audit as the pages."""

import json
from datetime import date, timedelta

import pytest

from conftest import CANARY, client_for
from dryneedle.accounts.models import ApiToken, Membership
from dryneedle.audit.models import AuditEvent
from dryneedle.patients.models import Episode, Patient

pytestmark = pytest.mark.django_db

BODY = {"given_name": "Ada", "family_name": "Lovelace", "birth_date": "1985-12-10", "sex": "female"}


def post(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def patch(client, url, body, **extra):
    return client.patch(url, json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def token(alice, clinic_a):
    _obj, raw = ApiToken.issue(Membership.objects.get(user=alice, clinic=clinic_a), "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_it_needs_authentication(client, patient):
    r = client.get("/api/v1/patients")
    assert r.status_code == 401
    r = client.get("/api/v1/patients", HTTP_AUTHORIZATION="Bearer dn_not-a-real-token")
    assert r.status_code == 401


def test_it_lists_with_a_token_and_scopes_to_the_clinic(client, token, patient, foreign_patient):
    r = client.get("/api/v1/patients", **token)
    assert r.status_code == 200
    data = r.json()
    assert data["count"] == 1 and [p["family_name"] for p in data["items"]] == ["Hopper"]
    assert CANARY not in r.content.decode()
    assert AuditEvent.objects.filter(action="patient.list", username="alice@a.example").count() == 1


def test_it_paginates(client, token, clinic_a):
    Patient.objects.bulk_create(
        Patient(
            clinic=clinic_a, given_name=f"P{i:02d}", family_name=f"F{i:02d}", birth_date=date(1980, 1, 1), sex="male"
        )
        for i in range(25)
    )
    r = client.get("/api/v1/patients?limit=10&offset=20&sort=name", **token)
    data = r.json()
    assert data["count"] == 25 and [p["family_name"] for p in data["items"]] == ["F20", "F21", "F22", "F23", "F24"]
    assert client.get("/api/v1/patients?limit=1000", **token).status_code == 422
    assert client.get("/api/v1/patients?sort=password", **token).status_code == 422


def test_a_revoked_token_is_refused(client, alice, clinic_a):
    from django.utils import timezone

    obj, raw = ApiToken.issue(Membership.objects.get(user=alice), "old")
    obj.revoked = timezone.now()
    obj.save()
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_it_creates_reads_and_updates(as_alice, clinic_a, alice):
    r = post(as_alice, "/api/v1/patients", BODY)
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    p = Patient.objects.get(code=code)
    assert p.clinic == clinic_a and p.created_by == alice
    r = as_alice.get(f"/api/v1/patients/{code}")
    assert r.json()["given_name"] == "Ada"
    r = patch(as_alice, f"/api/v1/patients/{code}", {"phone": "+1 303 555 0123"})
    assert r.status_code == 200 and r.json()["phone"] == "+1 303 555 0123"
    assert p.versions.count() == 1
    assert [a for a in AuditEvent.objects.filter(patient=p.code).values_list("action", flat=True)] == [
        "patient.create",
        "patient.view",
        "patient.update",
    ]


def test_session_writes_need_the_csrf_token(alice):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    r = post(c, "/api/v1/patients", BODY)
    assert r.status_code in (401, 403)
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"birth_date": (date.today() + timedelta(days=1)).isoformat()}, "birth_date"),
        ({"birth_date": 0}, "birth_date"),
        ({"given_name": "x" * 101}, "given_name"),
        ({"given_name": ""}, "given_name"),
        ({"sex": "robot"}, "sex"),
        ({"address": "a\x00b"}, "address"),
        ({"email": "nope"}, "email"),
    ],
)
def test_it_refuses_bad_input(as_alice, change, where):
    r = post(as_alice, "/api/v1/patients", {**BODY, **change})
    assert r.status_code == 422
    assert where in json.dumps(r.json())
    assert not Patient.objects.exists()


@pytest.mark.parametrize("field", ["clinic", "created_by", "code", "status", "id", "updated_by"])
def test_protected_fields_cannot_be_assigned(as_alice, patient, field, clinic_b):
    value = str(clinic_b.code) if field == "clinic" else 1
    r = post(as_alice, "/api/v1/patients", {**BODY, field: value})
    assert r.status_code == 422
    r = patch(as_alice, f"/api/v1/patients/{patient.code}", {field: value})
    assert r.status_code == 422
    patient.refresh_from_db()
    assert patient.clinic.name == "Clinic A" and patient.status == "active"


def test_the_outsider_gets_404_and_changes_nothing(as_charlie, patient, episode):
    for url in (
        f"/api/v1/patients/{patient.code}",
        f"/api/v1/patients/{patient.code}/episodes",
        f"/api/v1/episodes/{episode.code}",
    ):
        r = as_charlie.get(url)
        assert r.status_code == 404 and b"Hopper" not in r.content
    r = patch(as_charlie, f"/api/v1/patients/{patient.code}", {"given_name": "Hacked"})
    assert r.status_code == 404
    r = post(as_charlie, f"/api/v1/patients/{patient.code}/episodes", {"condition": "sciatica"})
    assert r.status_code == 404
    patient.refresh_from_db()
    assert patient.given_name == "Grace" and patient.episodes.count() == 1


def test_reception_cannot_touch_episodes(as_bob, patient, episode):
    assert as_bob.get(f"/api/v1/patients/{patient.code}").status_code == 200
    assert as_bob.get(f"/api/v1/patients/{patient.code}/episodes").status_code == 403
    assert post(as_bob, f"/api/v1/patients/{patient.code}/episodes", {"condition": "sciatica"}).status_code == 403
    assert AuditEvent.objects.filter(outcome="denied", username="bob@a.example").count() == 2


def test_auditor_reads_no_patients(as_audrey, patient):
    assert as_audrey.get("/api/v1/patients").status_code == 403


def test_episode_lifecycle(as_alice, patient):
    r = post(
        as_alice,
        f"/api/v1/patients/{patient.code}/episodes",
        {"condition": "myofascial_tp", "start_date": "2026-10-02"},
    )
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert r.json()["patient"] == str(patient.code)
    r = post(as_alice, f"/api/v1/patients/{patient.code}/episodes", {"condition": "zombie_bite"})
    assert r.status_code == 422 and "unknown condition" in r.content.decode()
    r = patch(
        as_alice,
        f"/api/v1/episodes/{code}",
        {"status": "discharged", "discharge_date": "2026-10-01", "discharge_reason": "goals_met"},
    )
    assert r.status_code == 422 and "before the episode started" in r.content.decode()
    r = patch(
        as_alice,
        f"/api/v1/episodes/{code}",
        {"status": "discharged", "discharge_date": "2026-10-20", "discharge_reason": "plateau"},
    )
    assert r.status_code == 200 and r.json()["status"] == "discharged"
    r = patch(as_alice, f"/api/v1/episodes/{code}", {"notes": "late edit"})
    assert r.status_code == 422 and "Only an open episode" in r.content.decode()
    assert Episode.objects.get(code=code).notes == ""


def test_conditions_carry_sources(as_alice):
    data = as_alice.get("/api/v1/conditions").json()
    assert {c["code"] for c in data} >= {
        "chronic_lbp",
        "acute_lbp",
        "sciatica",
        "myofascial_tp",
        "muscle_strain",
        "postural_mechanical",
        "facet_oa",
        "tendinopathy",
        "headache",
        "sports_injury",
    }
    assert all(c["source"] for c in data)
    # A marketing claim never travels bare (safety review §14): only with its label.
    claims = [c["marketing_claim"] for c in data if c["marketing_claim"]]
    assert claims and all(set(m) == {"label", "text"} and "not evidence" in m["label"] for m in claims)


def test_openapi_document_is_served(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and "/api/v1/patients" in r.json()["paths"]
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and b"swagger-ui-bundle.js" in r.content and b"cdn" not in r.content.lower()


def test_search_by_name_birth_date_and_phone(alice, clinic_a, clinic_b):
    make = Patient.objects.create
    make(clinic=clinic_a, given_name="Grace", family_name="Hopper", birth_date=date(1960, 12, 9), sex="female",
         phone="+1 (303) 555-0142")  # fmt: skip
    make(clinic=clinic_a, given_name="Grace", family_name="Kelly", birth_date=date(1970, 1, 1), sex="female")
    make(clinic=clinic_b, given_name="Grace", family_name="Hopper", birth_date=date(1960, 12, 9), sex="female")
    c = client_for(alice)

    def names(body):
        r = post(c, "/api/v1/patients/search", body)
        assert r.status_code == 200, r.content
        return [f"{p['given_name']} {p['family_name']}" for p in r.json()["items"]]

    assert names({"q": "grace"}) == ["Grace Hopper", "Grace Kelly"]  # never the other clinic's
    assert names({"q": "grace hop"}) == ["Grace Hopper"]
    assert names({"birth_date": "1960-12-09"}) == ["Grace Hopper"]
    assert names({"phone": "303.555.0142"}) == ["Grace Hopper"]  # digits, whatever the format
    assert names({"q": "grace", "limit": 1, "offset": 1}) == ["Grace Kelly"]
    r = post(c, "/api/v1/patients/search", {})
    assert r.status_code == 422 and "Give a name" in r.json()["detail"]
    assert post(c, "/api/v1/patients/search", {"birth_date": "2999-01-01"}).status_code == 422
    # A page is a number: false, "1" or 1.5 is refused rather than read as 0 or 1 (schemathesis found false).
    for bad in (False, "1", 1.5):
        assert post(c, "/api/v1/patients/search", {"q": "grace", "offset": bad}).status_code == 422, bad
    assert AuditEvent.objects.filter(action="patient.list", detail__startswith="api search").count() == 5


def test_a_chart_in_one_request(alice, patient, episode, bob):

    r = client_for(alice).get(f"/api/v1/patients/{patient.code}?include=episodes")
    assert r.status_code == 200 and [e["code"] for e in r.json()["episodes"]] == [str(episode.code)]
    assert client_for(alice).get(f"/api/v1/patients/{patient.code}").json()["episodes"] is None
    # Reception reads demographics, never episodes.
    assert client_for(bob).get(f"/api/v1/patients/{patient.code}").status_code == 200
    assert client_for(bob).get(f"/api/v1/patients/{patient.code}?include=episodes").status_code == 403
