"""Entered in error: one method on the clinical base (lib/models.py), a reason always, and the record
stops counting wherever it counted — from the page and from the API alike."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conftest import client_for, make_event, make_measure
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.audit.models import AuditEvent
from dryneedle.lib.models import ERROR_REASON_MAX
from dryneedle.outcomes.models import ObjectiveMeasure
from dryneedle.screening.gate import needling_gate
from dryneedle.screening.models import Screening
from dryneedle.visits.models import Visit

pytestmark = pytest.mark.django_db


def test_the_reason_is_required_kept_whole_and_given_once(alice, episode):
    m = make_measure(episode)
    for reason, says in (("", "Say why"), ("   ", "Say why"), ("x" * (ERROR_REASON_MAX + 1), "under 500")):
        with pytest.raises(ValidationError, match=says):
            m.mark_entered_in_error(alice, reason)
        m.refresh_from_db()
        assert not m.entered_in_error and m.error_reason == ""
    m.mark_entered_in_error(alice, "  Measured on the wrong patient  ")
    m.refresh_from_db()
    assert m.entered_in_error and m.error_reason == "Measured on the wrong patient" and m.updated_by == alice
    with pytest.raises(ValidationError, match="already"):
        m.mark_entered_in_error(alice, "again")


def test_a_record_kind_without_it_refuses(alice, insertion):
    with pytest.raises(ValidationError, match="cannot be marked"):
        insertion.visit.mark_entered_in_error(alice, "no")  # a signed visit is amended instead


def test_the_database_refuses_an_error_without_a_reason(episode):
    m = make_measure(episode)
    with pytest.raises(IntegrityError), transaction.atomic():
        ObjectiveMeasure.objects.filter(pk=m.pk).update(entered_in_error=True)


def test_a_mistaken_adverse_event_leaves_the_rates_from_the_page(alice, insertion):
    event = make_event(insertion.visit, severity="mild", status="confirmed")
    c = client_for(alice)
    listed = f"/adverse-events/{event.code}/"
    assert listed in c.get("/adverse-events/").content.decode()
    r = c.post(f"/adverse-events/{event.code}/in-error/", {"reason": "Duplicate of the report made at the desk"})
    assert r.status_code == 302
    event.refresh_from_db()
    assert event.entered_in_error and event.error_reason.startswith("Duplicate")
    assert AuditEvent.objects.filter(action="adverse_event.in_error", object_id=str(event.code)).count() == 1
    page = c.get(f"/adverse-events/{event.code}/").content.decode()
    assert "Entered in error: Duplicate" in page
    # Nothing about it can change now.
    r = c.post(f"/adverse-events/{event.code}/", {"type": "bruising", "outcome": "resolved", "action": "save"})
    assert r.status_code == 400 and "can no longer be changed" in r.content.decode()
    assert listed not in c.get("/adverse-events/").content.decode()


def test_a_mistaken_adverse_event_from_the_api(alice, insertion):
    event = make_event(insertion.visit)
    c = client_for(alice)
    url = f"/api/v1/adverse-events/{event.code}"
    r = c.patch(url, json.dumps({"action": "entered_in_error"}), content_type="application/json")
    assert r.status_code == 422 and "Say why" in r.content.decode()
    both = {"action": "entered_in_error", "error_reason": "Wrong visit", "severity": "serious"}
    r = c.patch(url, json.dumps(both), content_type="application/json")
    assert r.status_code == 422 and "on its own" in r.content.decode()
    r = c.patch(url, json.dumps({"action": "entered_in_error", "error_reason": "Wrong visit"}), "application/json")
    assert r.status_code == 200 and r.json()["entered_in_error"] and r.json()["error_reason"] == "Wrong visit"
    assert AdverseEvent.objects.get(pk=event.pk).severity == ""
    assert [e["code"] for e in c.get("/api/v1/adverse-events").json()["items"]] == []


def test_a_screening_entered_in_error_closes_the_gate(alice, episode, screening):
    from dryneedle.screening.services import acknowledge

    acknowledge(screening, alice, ["diabetes"])
    assert needling_gate(episode).allowed
    c = client_for(alice)
    r = c.post(f"/screening/{screening.code}/in-error/", {"reason": "Answers belonged to another patient"})
    assert r.status_code == 302
    screening.refresh_from_db()
    assert screening.status == Screening.Status.ENTERED_IN_ERROR
    gate = needling_gate(episode)
    assert not gate.allowed
    assert "Entered in error: Answers belonged" in c.get(f"/screening/{screening.code}/").content.decode()


def test_a_screening_entered_in_error_from_the_api(alice, screening):
    c = client_for(alice)
    body = json.dumps({"entered_in_error_reason": "Recorded on the wrong episode"})
    r = c.patch(f"/api/v1/screenings/{screening.code}", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "entered_in_error"
    assert r.json()["error_reason"] == "Recorded on the wrong episode"


def test_an_objective_measure_entered_in_error_from_the_page(alice, episode):
    m = make_measure(episode)
    c = client_for(alice)
    r = c.post(f"/outcomes/measures/{m.code}/in-error/", {"reason": ""}, follow=True)
    assert "Say why" in r.content.decode()
    c.post(f"/outcomes/measures/{m.code}/in-error/", {"reason": "Inclinometer not zeroed"})
    m.refresh_from_db()
    assert m.entered_in_error
    assert AuditEvent.objects.filter(action="measure.in_error", outcome="invalid").count() == 1
    assert AuditEvent.objects.filter(action="measure.in_error", outcome="ok").count() == 1


def test_reception_cannot_mark_clinical_records(bob, insertion):
    event = make_event(insertion.visit)
    r = client_for(bob).post(f"/adverse-events/{event.code}/in-error/", {"reason": "x"})
    assert r.status_code == 403
    assert not AdverseEvent.objects.get(pk=event.pk).entered_in_error
    assert Visit.objects.count() == 1
