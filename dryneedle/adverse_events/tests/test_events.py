"""Adverse events: classified by the published scale, refused when contradictory, rates with Wilson intervals."""

import json

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from conftest import client_for, make_event
from dryneedle.adverse_events import services
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.audit.models import AuditEvent
from dryneedle.lib import stats

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Wilson 95% intervals computed by hand from the closed form
        # (2k + z² ± z√(z² + 4k(n−k)/n)) / (2(n + z²)), z = 1.959964
        (0, 100, 0.0, 0.036995),
        (5, 100, 0.021543, 0.111752),
        (1, 10, 0.017875, 0.404150),
        (10, 10, 0.722467, 1.0),
        (576, 7629, 0.069784, 0.081646),  # Brady 2014 bruising, 576 of 7,629
    ],
)
def test_wilson(k, n, low, high):
    r = stats.wilson(k, n)
    assert r.low == pytest.approx(low, abs=1e-5) and r.high == pytest.approx(high, abs=1e-5)


def test_rates_count_visits_once_per_type(insertion, alice):
    from conftest import make_event
    from dryneedle.adverse_events.models import AdverseEvent

    visit = insertion.visit
    for t in ("bruising", "bruising", "bleeding"):  # two bruises at one visit count once
        make_event(visit, type=t, severity="mild", status="confirmed")
    make_event(visit, type="bruising")  # a draft does not count
    alone = make_event(visit, type="bruising", severity="mild", status="confirmed")
    AdverseEvent.objects.filter(pk=alone.pk).update(visit=None)  # an event without a visit counts on its own
    counts = services.counts_by_type(AdverseEvent.objects.all())
    assert counts == {"bruising": 2, "bleeding": 1}
    rows = {r["type"]: r for r in services.rates(counts, 40)}
    assert rows["bruising"]["events"] == 2 and rows["bruising"]["rate"] == 5.0
    r = stats.wilson(2, 40)
    assert rows["bruising"]["low"] == pytest.approx(100 * r.low) and rows["bruising"]["high"] == pytest.approx(
        100 * r.high
    )
    assert rows["bleeding"]["events"] == 1 and rows["pneumothorax"]["events"] == 0
    assert rows["bruising"]["published"][0].percent == 7.55


def test_a_pneumothorax_cannot_be_mild_by_any_path(alice, insertion):
    v = insertion.visit
    e = make_event(v, type="pneumothorax")
    c = client_for(alice)
    before = AuditEvent.objects.count()
    r = c.post(
        f"/adverse-events/{e.code}/",
        {"type": "pneumothorax", "severity": "mild", "outcome": "unknown", "action": "confirm"},
    )
    assert r.status_code == 400 and "A pneumothorax is at least significant" in r.content.decode()
    e.refresh_from_db()
    assert e.severity == "" and e.status == "draft"
    assert AuditEvent.objects.filter(id__gt=before, outcome="invalid").exists()
    r = c.patch(f"/api/v1/adverse-events/{e.code}", json.dumps({"severity": "mild"}), content_type="application/json")
    assert r.status_code == 422 and "at least significant" in r.content.decode()
    with pytest.raises(IntegrityError), transaction.atomic():
        AdverseEvent.objects.filter(pk=e.pk).update(severity="mild", status="confirmed")


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_serious_events_notify_the_admins_and_close_only_with_a_review(alice, admin, insertion):
    e = make_event(insertion.visit, type="fainting")
    c = client_for(alice)
    body = {"type": "fainting", "severity": "serious", "outcome": "resolved", "action": "confirm"}
    assert c.post(f"/adverse-events/{e.code}/", body).status_code == 302
    assert len(mail.outbox) == 1 and admin.email in mail.outbox[0].to
    assert insertion.patient.given_name not in mail.outbox[0].body  # no patient name leaves by email
    r = c.post(f"/adverse-events/{e.code}/", {**body, "action": "close"})
    assert r.status_code == 400 and "closed only with a review note" in r.content.decode()
    e.refresh_from_db()
    assert e.status == "confirmed"
    c.post(
        f"/adverse-events/{e.code}/", {**body, "action": "close", "review_note": "Reviewed with the team: vasovagal."}
    )
    e.refresh_from_db()
    assert e.status == "closed" and e.reviewed_by == alice
    with pytest.raises(IntegrityError), transaction.atomic():
        AdverseEvent.objects.filter(pk=e.pk).update(review_note="")
    assert len(mail.outbox) == 1  # notified once


def test_a_needle_incident_becomes_an_adverse_event(alice, insertion):
    from dryneedle.visits.services import record_incident

    record_incident(insertion, alice, search_done=True, found=False, patient_informed=True, notes="Searched couch.")
    e = AdverseEvent.objects.get()
    assert (e.type, e.status, e.source, e.insertion) == ("retained_needle", "draft", "needle_incident", insertion)


def test_report_from_the_visit_page_and_the_clinic_page(alice, insertion):
    v = insertion.visit
    v.immediate_events = "Felt faint after the third needle."
    v.save()
    c = client_for(alice)
    html = c.get(f"/adverse-events/visits/{v.code}/new/").content.decode()
    assert "Felt faint after the third needle." in html  # the immediate events carry over
    r = c.post(
        f"/adverse-events/visits/{v.code}/new/",
        {"type": "fainting", "severity": "mild", "outcome": "resolved", "onset": "during"},
    )
    e = AdverseEvent.objects.get()
    assert r.status_code == 302 and e.status == "confirmed" and e.visit == v
    html = c.get("/adverse-events/").content.decode()
    assert "Fainting or near-fainting" in html and "0.0019" not in html
    csv = c.get("/adverse-events/export.csv").content.decode()
    assert csv.splitlines()[0].startswith("event,occurred,patient") and str(e.code) in csv
    assert "fainting" in c.get(f"/visits/{v.code}/").content.decode().lower()


def test_the_list_names_only_the_care_teams_patients(alice, clinic_a, insertion):
    from conftest import make_user

    make_event(insertion.visit, type="bruising", severity="mild", status="confirmed")
    other = make_user("zed@a.example", clinic_a, "practitioner")
    html = client_for(other).get("/adverse-events/").content.decode()
    assert insertion.patient.family_name not in html  # not on the care team
    assert "Bruising or haematoma" in html  # the clinic's counts still show
    assert client_for(other).get("/api/v1/adverse-events").json()["items"] == []
    assert client_for(alice).get("/api/v1/adverse-events").json()["count"] == 1


def test_api_create_and_checkins(alice, insertion):
    c = client_for(alice)
    v = insertion.visit
    r = c.post(
        f"/api/v1/visits/{v.code}/adverse-events", json.dumps({"type": "bleeding"}), content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["status"] == "draft"
    r = c.post(
        f"/api/v1/visits/{v.code}/adverse-events", json.dumps({"type": "sprain"}), content_type="application/json"
    )
    assert r.status_code == 422
    assert c.get(f"/api/v1/visits/{v.code}/checkins").json() == []
