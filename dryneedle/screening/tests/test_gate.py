"""The needling gate, and screening through the pages and the API."""

import json

import pytest
import time_machine
from django.db import IntegrityError, transaction

from conftest import SCREENING_ANSWERS, none_of_for
from dryneedle.audit.models import AuditEvent
from dryneedle.screening import services
from dryneedle.screening.gate import needling_gate
from dryneedle.screening.models import Screening

pytestmark = pytest.mark.django_db


def record(episode, user, **changes):
    """Record a screening; each group with nothing found is marked asked ("none of these")."""
    data = {**SCREENING_ANSWERS, **changes}
    data["none_of"] = changes.get("none_of", none_of_for(data))
    return services.record_screening(episode, user, data)


def ack_all(s, user):
    services.acknowledge(s, user, [p["rule"] for p in s.result["precautions"]])


def test_no_screening_no_needling(episode):
    g = needling_gate(episode, "lumbar")
    assert not g.allowed and "No screening yet" in g.message


def test_precautions_must_be_acknowledged(episode, alice):
    s = record(episode, alice)
    g = needling_gate(episode, "lumbar")
    assert not g.allowed and "Acknowledge the precautions first (" in g.message and "diabetes" in g.message
    services.acknowledge(s, alice, ["diabetes"])
    # Metformin is not an antithrombotic we know: shown back to check; lumbar needling: pleura and kidney.
    assert "medication_unrecognised, thoracolumbar_pleura_kidney" in needling_gate(episode, "lumbar").message
    ack_all(s, alice)
    assert needling_gate(episode, "lumbar").allowed


def test_referrals_and_contraindications_block(episode, alice):
    record(episode, alice, findings=["major_trauma"])
    assert "urgent referral: do not needle" in needling_gate(episode).message
    record(episode, alice, findings=["needle_phobia"])
    assert "contraindication" in needling_gate(episode).message


def test_defer_needs_an_override_with_written_consent(episode, alice):
    s = record(episode, alice, findings=["severe_bleeding_disorder"])
    assert not needling_gate(episode, "lumbar").allowed
    with pytest.raises(Exception, match="written consent"):
        services.override(s, alice, "Haematologist agrees: superficial needling only, pressure after", False)
    services.override(s, alice, "Haematologist agrees: superficial needling only, pressure after", True)
    ack_all(s, alice)
    assert needling_gate(episode, "lumbar").allowed


def test_the_database_refuses_an_override_without_written_consent(screening):
    with pytest.raises(IntegrityError), transaction.atomic():
        Screening.objects.filter(pk=screening.pk).update(override_reason="no consent recorded")


def test_regions_must_be_planned_and_not_excluded(episode, alice):
    s = record(episode, alice, findings=[], planned_regions=["lumbar", "leg"], region_findings={"leg": ["lymphoedema"]})
    assert s.decision == "do_not_needle"
    # Lymphoedema of the leg excludes the whole lower limb: a planned thigh is refused too (White 2001).
    s = record(episode, alice, findings=[], planned_regions=["thigh"], region_findings={"leg": ["lymphoedema"]})
    assert s.decision == "do_not_needle"
    s = record(episode, alice, findings=[], planned_regions=["lumbar"], region_findings={"leg": ["lymphoedema"]})
    ack_all(s, alice)
    assert needling_gate(episode, "lumbar").allowed
    assert "excluded" in needling_gate(episode, "leg").message
    assert "excluded" in needling_gate(episode, "thigh").message
    assert "not planned" in needling_gate(episode, "thoracic").message


def test_consent_must_be_recorded(episode, alice):
    with pytest.raises(Exception, match="verbal or written"):
        record(episode, alice, consent_type="")


def test_electrical_stimulation_near_an_implant_is_refused(episode, alice):
    s = record(episode, alice, findings=["implanted_electrical_device"], medications=[])
    ack_all(s, alice)
    assert needling_gate(episode, "lumbar").allowed
    assert "implanted electrical device" in needling_gate(episode, "lumbar", electrical_stimulation=True).message


def test_a_screening_expires_after_30_days_or_when_something_changes(episode, alice):
    with time_machine.travel("2026-11-01 09:00 +0000", tick=False) as t:
        s = record(episode, alice, findings=[])
        ack_all(s, alice)
        assert needling_gate(episode, "lumbar").allowed
        t.shift(30 * 86400 + 1)
        assert "expired" in needling_gate(episode, "lumbar").message
    s2 = record(episode, alice, findings=[])
    s.refresh_from_db()
    assert s.status == "superseded"
    services.invalidate(s2, alice, "new medication")
    assert "new medication" in needling_gate(episode, "lumbar").message


def test_the_page_screens_and_shows_a_cited_decision(as_alice, episode):
    r = as_alice.post(
        f"/screening/episodes/{episode.code}/new/",
        {
            "consent": "given",
            "consent_type": "written",
            "findings": ["saddle_anaesthesia"],
            "none_contraindications": "on",
            "pregnancy": "no",
            "planned_regions": ["lumbar"],
        },
    )
    s = Screening.objects.get(episode=episode)
    assert r.status_code == 302 and s.decision == "emergency_referral"
    assert r["Location"] == f"/screening/{s.code}/"  # a referral keeps the clinician on the screening
    r = as_alice.get(f"/screening/{s.code}/")
    text = r.content.decode()
    assert "Emergency referral" in text and "Finucane 2020" in text and "Needling blocked" in text
    r = as_alice.get(f"/patients/{episode.patient.code}/")
    assert "needling blocked" in r.content.decode()


def test_the_live_preview_stores_nothing(as_alice, episode):
    r = as_alice.post(
        f"/screening/episodes/{episode.code}/evaluate/", {"consent": "given", "findings": ["fever", "iv_drug_use"]}
    )
    assert "Urgent referral" in r.content.decode() and "spinal infection" in r.content.decode().lower()
    assert not Screening.objects.exists()


def test_page_refuses_missing_consent_type(as_alice, episode):
    r = as_alice.post(f"/screening/episodes/{episode.code}/new/", {"consent": "given", "findings": []})
    assert r.status_code == 200 and "verbal or written" in r.content.decode()
    assert not Screening.objects.exists()


def test_acknowledge_and_override_through_the_pages(as_alice, episode, alice):
    s = record(episode, alice, findings=["uncontrolled_epilepsy", "diabetes"])
    as_alice.post(f"/screening/{s.code}/acknowledge/", {"rules": [p["rule"] for p in s.result["precautions"]]})
    r = as_alice.post(f"/screening/{s.code}/override/", {"reason": "short"}, follow=True)
    assert "at least 20 characters" in r.content.decode() or "Ensure this value" in r.content.decode()
    as_alice.post(
        f"/screening/{s.code}/override/",
        {"reason": "Seizure-free 2 years per neurologist letter", "written_consent": "on"},
    )
    s.refresh_from_db()
    assert s.acknowledged_rules == {p["rule"] for p in s.result["precautions"]} and s.override_written_consent
    assert needling_gate(episode, "lumbar").allowed
    assert AuditEvent.objects.filter(action="screening.override", outcome="ok").count() == 1


def post_json(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_the_api_evaluates_like_the_cli(as_alice):
    r = post_json(
        as_alice, "/api/v1/screening/evaluate", {"age": 70, "consent": "given", "findings": ["history_of_cancer"]}
    )
    assert r.status_code == 200 and r.json()["decision"] == "urgent_referral"
    r = post_json(as_alice, "/api/v1/screening/evaluate", {"age": 70, "consent": "given", "findings": ["zombie_bite"]})
    assert r.status_code == 422 and "findings" in json.dumps(r.json())


def test_the_api_records_acknowledges_and_reports_the_gate(as_alice, episode):
    r = post_json(as_alice, f"/api/v1/episodes/{episode.code}/screenings", SCREENING_ANSWERS)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["decision"] == "precautions" and not body["gate"]["allowed"]
    rules_ = [p["rule"] for p in body["result"]["precautions"]]
    r = post_json(as_alice, f"/api/v1/screenings/{body['code']}", {"acknowledge": rules_}, method="patch")
    assert r.status_code == 200 and r.json()["gate"]["allowed"]
    r = post_json(as_alice, f"/api/v1/screenings/{body['code']}", {"acknowledge": ["made_up"]}, method="patch")
    assert r.status_code == 422
    r = post_json(as_alice, f"/api/v1/screenings/{body['code']}", {"override_reason": "x" * 30}, method="patch")
    assert r.status_code == 422 and "defer" in r.content.decode()


def test_reception_and_outsiders_cannot_screen(as_bob, as_charlie, episode, screening):
    for c, status in ((as_bob, 403), (as_charlie, 404)):
        assert c.get(f"/screening/episodes/{episode.code}/new/").status_code == status
        assert c.get(f"/screening/{screening.code}/").status_code == status
        assert post_json(c, f"/api/v1/episodes/{episode.code}/screenings", SCREENING_ANSWERS).status_code == status


def test_a_group_not_asked_keeps_the_gate_shut(episode, alice):
    # Safety review (docs/clinical-sources.md §14): "asked, none present" is not "not asked".
    s = record(episode, alice, findings=[], none_of=["contraindications"], medications=[], planned_regions=["gluteal"])
    assert s.decision == "incomplete" and s.result["not_asked"] == ["red_flags"]
    g = needling_gate(episode, "gluteal")
    assert not g.allowed and "not asked: red flags" in g.message
    s = record(episode, alice, findings=[], pregnancy="not_asked", medications=[], planned_regions=["gluteal"])
    assert s.decision == "incomplete" and s.result["not_asked"] == ["pregnancy"]
    s = record(episode, alice, findings=[], medications=[], planned_regions=["gluteal"])
    assert s.decision == "clear" and needling_gate(episode, "gluteal").allowed


def test_none_of_these_and_a_finding_in_the_same_group_is_refused(episode, alice):
    with pytest.raises(Exception, match="None of these"):
        record(episode, alice, findings=["fever"], none_of=["red_flags", "contraindications"])


def test_a_clearance_names_its_pathology_and_a_new_red_flag_refers_again(episode, alice):
    s = record(episode, alice, findings=["history_of_cancer"], medications=[])
    assert s.decision == "urgent_referral"
    s = record(
        episode,
        alice,
        findings=["history_of_cancer"],
        medications=[],
        new_clearances=[{"suspected": "spinal_malignancy", "by": "Dr Ng", "date": "2026-11-20"}],
    )
    assert s.decision == "precautions" and s.answers["medical_clearance"][0]["findings"] == ["history_of_cancer"]
    # The next screening carries the clearance; night pain is new since it, so the patient is referred again.
    s = record(episode, alice, findings=["history_of_cancer", "night_pain_unrelenting"], medications=[])
    assert s.decision == "urgent_referral" and "new since the medical clearance" in json.dumps(s.result)
    # Fever with diabetes is another pathology: the malignancy clearance does not clear it.
    s = record(episode, alice, findings=["history_of_cancer", "fever", "diabetes"], medications=[])
    assert s.decision == "urgent_referral" and "spinal_infection" in s.result["suspected"]


def test_pregnancy_refuses_electrical_stimulation(episode, alice, clinic_a):
    episode.patient.sex = "female"
    episode.patient.save()
    s = record(episode, alice, findings=[], pregnancy="pregnant", pregnancy_weeks=20, medications=[],
               planned_regions=["gluteal"])  # fmt: skip
    ack_all(s, alice)
    assert needling_gate(episode, "gluteal").allowed
    assert "pregnancy" in needling_gate(episode, "gluteal", electrical_stimulation=True).message
    assert "excluded" in needling_gate(episode, "lumbar").message


def test_the_api_records_what_was_asked(as_alice, episode):
    body = {k: v for k, v in SCREENING_ANSWERS.items() if k not in ("none_of", "pregnancy")}
    r = post_json(as_alice, f"/api/v1/episodes/{episode.code}/screenings", body)
    assert r.status_code == 201 and r.json()["decision"] == "incomplete"
    assert not r.json()["gate"]["allowed"]
    body["medical_clearance"] = [{"suspected": "cauda_equina_syndrome", "by": "Dr Ng", "date": "2026-11-20"}]
    r = post_json(as_alice, f"/api/v1/episodes/{episode.code}/screenings", body)
    assert r.status_code == 422


def test_a_clear_screening_lands_on_the_episode_where_the_visit_starts(as_alice, episode):
    """Issue 18: after a screening with nothing left to do, the next step is "Start a visit", on the episode."""
    data = {"consent": "given", "consent_type": "written", "none_red_flags": "on", "none_contraindications": "on",
            "pregnancy": "no", "planned_regions": ["gluteal"]}  # fmt: skip
    r = as_alice.post(f"/screening/episodes/{episode.code}/new/", data, follow=True)
    assert r.redirect_chain[-1][0] == f"/patients/episodes/{episode.code}/"
    page = r.content.decode()
    assert "Screening saved: clear. Needling is allowed." in page and "Start a visit" in page
