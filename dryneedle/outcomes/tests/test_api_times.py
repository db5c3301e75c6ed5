"""API times are ISO 8601 text: a number is not a time (schemathesis found `until=0.5` accepted)."""

import json

import pytest

from conftest import client_for

pytestmark = pytest.mark.django_db


def test_times_must_be_iso_text(alice, insertion, episode):
    c = client_for(alice)
    for q in ("0.5", "0", "2026-13-01T00:00", "yesterday", "0106-08-04T02:51:46.8-23:22"):
        assert c.get(f"/api/v1/adverse-events?until={q}").status_code == 422, q
    assert c.get("/api/v1/adverse-events?until=2026-11-24T10:00").status_code == 200
    assert c.get("/api/v1/adverse-events?since=2026-08-04T02:51:46.8-23:22").status_code == 200  # stored as UTC
    r = c.post(
        f"/api/v1/episodes/{episode.code}/responses",
        json.dumps({"instrument": "nprs", "answers": {"score": 3}, "collected": "2026-11-20T10:00"}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = c.post(
        f"/api/v1/insertions/{insertion.code}/remove",
        json.dumps({"time_out": "2020-01-01T10:00"}),
        content_type="application/json",
    )
    assert r.status_code == 422, r.content
    r = c.post(
        f"/api/v1/episodes/{episode.code}/responses",
        json.dumps({"instrument": "nprs", "answers": {"score": 3}, "collected": 1700000000}),
        content_type="application/json",
    )
    assert r.status_code == 422
