"""The gate and the needle count through the JSON API."""

import json

import pytest

from conftest import ONTO_BONE, SCREENING_ANSWERS, certify, signed_consent
from dryneedle.screening import services as screening

pytestmark = pytest.mark.django_db


def call(client, method, url, body=None):
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def test_no_needle_past_the_screening_through_the_api(as_alice, episode, alice, lot_a):
    v = call(as_alice, "POST", f"/api/v1/episodes/{episode.code}/visits").json()
    body = {"muscle": "multifidus", "side": "left", "lot": str(lot_a.code), "depth_mm": 20, **ONTO_BONE}
    r = call(as_alice, "POST", f"/api/v1/visits/{v['code']}/insertions", body)
    assert r.status_code == 422 and "No screening yet" in r.content.decode()
    s = screening.record_screening(episode, alice, SCREENING_ANSWERS)
    r = call(as_alice, "POST", f"/api/v1/visits/{v['code']}/insertions", body)
    assert r.status_code == 422 and "Acknowledge the precautions first (" in r.content.decode()
    screening.acknowledge(s, alice, [p["rule"] for p in s.result["precautions"]])
    r = call(as_alice, "POST", f"/api/v1/visits/{v['code']}/insertions", {**body, "protective_technique": ""})
    assert r.status_code == 422 and "no safe default known" in r.content.decode()
    r = call(as_alice, "POST", f"/api/v1/visits/{v['code']}/insertions", {**body, "muscle": "rhomboid_major"})
    assert r.status_code == 422 and "thoracic region was not planned" in r.content.decode()
    r = call(as_alice, "POST", f"/api/v1/visits/{v['code']}/insertions", {**body, "depth_mm": 60})
    assert r.status_code == 422 and "more than the needle's 50 mm" in r.content.decode()
    r = call(as_alice, "POST", f"/api/v1/visits/{v['code']}/insertions", body)
    assert r.status_code == 201
    needle = r.json()["code"]

    certify(alice, 90)
    r = call(as_alice, "PATCH", f"/api/v1/visits/{v['code']}", {"post_nprs": 2, "sign": True})
    assert r.status_code == 422 and "not recorded as removed" in r.content.decode()
    assert call(as_alice, "POST", f"/api/v1/insertions/{needle}/remove").status_code == 200
    assert call(as_alice, "POST", f"/api/v1/insertions/{needle}/remove").status_code == 422
    # Clinic A is in Colorado: written consent means a signed form on file, not only the screening's word.
    r = call(as_alice, "PATCH", f"/api/v1/visits/{v['code']}", {"post_nprs": 2, "sign": True})
    assert r.status_code == 422 and "no signed consent form is on file" in r.content.decode()
    signed_consent(episode.patient)
    r = call(as_alice, "PATCH", f"/api/v1/visits/{v['code']}", {"post_nprs": 2, "sign": True})
    assert r.status_code == 200 and r.json()["status"] == "signed" and len(r.json()["sha256"]) == 64
    r = call(as_alice, "PATCH", f"/api/v1/visits/{v['code']}", {"notes": "late change"})
    assert r.status_code == 422 and "signed" in r.content.decode()
    r = call(as_alice, "POST", f"/api/v1/visits/{v['code']}/insertions", body)
    assert r.status_code == 422 and "signed" in r.content.decode()
