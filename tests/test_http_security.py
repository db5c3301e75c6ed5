"""RT-09 headers, cookies and CSRF; RT-08 expired sessions everywhere; RT-24 error hygiene;
RT-20 unknown sort parameters; RT-02 mass assignment through the pages."""

import logging
import re
from types import SimpleNamespace

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import (
    CANARY,
    client_for,
    make_bulk_export,
    make_checkin,
    make_event,
    make_import_file,
    make_measure,
    plan_objects,
    signed_consent,
)
from dryneedle.accounts import policy
from dryneedle.patients import texts
from dryneedle.patients.models import Patient
from dryneedle.portal.models import Intake
from tests.test_access_matrix import PAGE_BODY, PAGE_OBJECT, page_url, page_urls

pytestmark = pytest.mark.django_db


def own_url(name, world):
    kind = PAGE_OBJECT.get(name)
    return page_url(name, world[kind] if kind else None)


@pytest.fixture
def world(patient, episode, screening, insertion, link, response):
    return {
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
        **plan_objects(episode, insertion.visit.practitioner),
        "consent": signed_consent(patient),
        "texts_stop": SimpleNamespace(code=texts.stop_token(patient)),
        "intake": Intake.objects.create(clinic=patient.clinic, patient=patient, kind="first", due=patient.created),
        "clinic": patient.clinic,
        "table": SimpleNamespace(code="patients"),
        "import_file": make_import_file(patient.clinic, patient.created_by),
        "bulk_export": make_bulk_export(patient.clinic, patient.created_by),
    }


def test_every_response_carries_the_security_headers(as_alice, world):
    for name, _ in page_urls():
        if name.startswith("api-1.0.0:") or "GET" not in policy.POLICY.get(name, {}):
            continue
        r = as_alice.get(own_url(name, world))
        csp = r["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, name
        assert r["X-Content-Type-Options"] == "nosniff", name
        assert r["Referrer-Policy"] == "same-origin", name
        assert r["X-Frame-Options"] == "DENY", name
        assert r["Cache-Control"] == "no-store", name


def test_api_responses_are_not_cached(as_alice, patient):
    r = as_alice.get(f"/api/v1/patients/{patient.code}")
    assert r["Cache-Control"] == "no-store"


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SESSION_COOKIE_NAME="__Host-sessionid",
)
def test_https_mode_sets_hsts_secure_cookies_and_redirects(alice):
    from conftest import PASSWORD_FOR_TESTS

    alice.set_password(PASSWORD_FOR_TESTS)
    alice.save()
    c = Client()
    r = c.get("/login/")
    assert r.status_code == 301 and r["Location"].startswith("https://")
    r = c.get("/login/", secure=True)
    assert r["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    r = c.post("/login/", {"username": alice.username, "password": PASSWORD_FOR_TESTS}, secure=True)
    cookie = r.cookies["__Host-sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"


def test_every_unsafe_page_needs_the_csrf_token(alice, world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    checked = 0
    for name, _ in page_urls():
        if "POST" not in policy.POLICY.get(name, {}):
            continue
        r = c.post(own_url(name, world), PAGE_BODY.get(name, {"reason": "x", "q": "a"}))
        assert r.status_code == 403, f"{name} accepted a POST without a CSRF token"
        checked += 1
    assert checked >= 8
    assert Patient.objects.count() == 1 and world["patient"].status == "active"


def test_no_page_changes_state_on_get(as_alice, world):
    before = (Patient.objects.count(), world["episode"].status)
    for name, _ in page_urls():
        if name.startswith("api-1.0.0:") or "GET" not in policy.POLICY.get(name, {}):
            continue
        as_alice.get(own_url(name, world))
    world["episode"].refresh_from_db()
    assert (Patient.objects.count(), world["episode"].status) == before
    assert as_alice.get(reverse("logout")).status_code == 405


def test_an_expired_session_reaches_nothing(alice, world):
    import time_machine

    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as t:
        c = client_for(alice)
        t.shift(16 * 60)
        for name, _ in page_urls():
            if name.startswith("api-1.0.0:") or policy.POLICY.get(name, {}).get("GET") in (policy.PUBLIC, None):
                continue
            r = c.get(own_url(name, world))
            to = "/my/sign-in/" if policy.POLICY[name].get("GET") == policy.PATIENT else "/login/"
            assert r.status_code == 302 and to in r["Location"], name
            assert b"Hopper" not in r.content
        assert c.get("/api/v1/patients").status_code == 401


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_server_error_shows_a_generic_page(as_alice, monkeypatch, world):
    from dryneedle.patients import views

    def boom(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM settings /srv/dryneedle/settings.py")

    monkeypatch.setattr(views, "SearchForm", boom)
    as_alice.raise_request_exception = False
    r = as_alice.get(reverse("patients:list"))
    assert r.status_code == 500
    body = r.content.decode()
    assert "Something went wrong" in body
    assert "SELECT" not in body and "Traceback" not in body and "settings.py" not in body


def test_unknown_pages_are_a_plain_404(as_alice):
    r = as_alice.get("/patients/not-a-uuid/")
    assert r.status_code == 404 and "Traceback" not in r.content.decode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sort=st.text(min_size=1, max_size=40).filter(
        lambda s: s not in ("name", "-name", "born", "-born", "added", "-added")
    )
)
def test_unknown_sort_fields_are_refused(as_alice, sort):
    r = as_alice.get(reverse("patients:list"), {"sort": sort})
    assert r.status_code == 400


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sort=st.text(min_size=1, max_size=40).filter(
        lambda s: (
            s.lstrip("-") not in ("ts", "username", "patient", "action", "category", "object_type", "outcome", "ip")
        )
    )
)
def test_unknown_audit_sorts_are_refused(as_admin, sort):
    assert as_admin.get("/audit/", {"sort": sort}).status_code == 400


def test_pages_cannot_set_protected_fields(as_alice, clinic_b, charlie, alice):
    data = {
        **PAGE_BODY["patients:add"],
        "clinic": str(clinic_b.pk),
        "clinic_id": clinic_b.pk,
        "created_by": charlie.pk,
        "status": "entered_in_error",
        "code": "00000000-0000-0000-0000-000000000001",
        "id": 999,
    }
    as_alice.post(reverse("patients:add"), data)
    p = Patient.objects.get(family_name="Lovelace")
    assert p.clinic.name == "Clinic A" and p.created_by == alice and p.status == "active" and p.pk != 999
    assert str(p.code) != "00000000-0000-0000-0000-000000000001"


def test_logs_carry_no_patient_data(as_alice, caplog, foreign_patient, world):
    with caplog.at_level(logging.DEBUG):
        as_alice.post(reverse("patients:add"), {**PAGE_BODY["patients:add"], "given_name": CANARY + "New"})
        as_alice.get(own_url("patients:detail", world))
        as_alice.post(reverse("patients:list"), {"q": CANARY})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert CANARY not in text and "Hopper" not in text
    assert not re.search(r"password", text, re.I)
