"""RT-17: API writes with an Idempotency-Key run once, however often they are sent."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from dryneedle.accounts.models import ApiToken, Membership
from dryneedle.patients.models import Patient
from dryneedle.web.models import IdempotencyKey

BODY = {"given_name": "Ada", "family_name": "Lovelace", "birth_date": "1985-12-10", "sex": "female"}


@pytest.fixture
def auth(alice):
    _t, raw = ApiToken.issue(Membership.objects.get(user=alice), "tablet")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def send(client, auth, key, body=BODY):
    return client.post(
        "/api/v1/patients", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **auth
    )


@pytest.mark.django_db
def test_a_replay_returns_the_same_response_and_creates_nothing(client, auth):
    first = send(client, auth, "key-0001-abcd")
    assert first.status_code == 201
    for _ in range(10):
        again = send(client, auth, "key-0001-abcd")
        assert again.status_code == 201 and again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_a_stored_response_is_kept_a_day_then_forgotten(client, auth):
    """The stored response names the patient: kept for retries within a day, dropped at the caller's next write."""
    from datetime import timedelta

    from django.utils import timezone

    assert send(client, auth, "key-old-0001").status_code == 201
    IdempotencyKey.objects.update(created=timezone.now() - timedelta(days=2))
    assert send(client, auth, "key-new-0002", {**BODY, "given_name": "Grace"}).status_code == 201
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["key-new-0002"]
    assert b"Ada" not in b"".join(bytes(b) for b in IdempotencyKey.objects.values_list("body", flat=True))


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(client, auth):
    send(client, auth, "key-0002-abcd")
    r = send(client, auth, "key-0002-abcd", {**BODY, "given_name": "Augusta"})
    assert r.status_code == 422 and "different request" in r.json()["detail"]
    assert Patient.objects.count() == 1


class Crash(BaseException):
    """Stands for the process dying: no handler catches it."""


@pytest.mark.django_db(transaction=True)
def test_a_retry_after_a_crash_does_the_work_once(auth, monkeypatch):
    # Finding 3: the key used to be committed as "running" before the work, so a
    # crash left it stuck (409 for good) while the record might exist.
    def crash(row, response):
        raise Crash

    monkeypatch.setattr("dryneedle.web.idempotency.store", crash)
    with pytest.raises(Crash):
        send(Client(), auth, "key-crash-0001")
    assert not Patient.objects.exists() and not IdempotencyKey.objects.exists()
    monkeypatch.undo()
    retry = send(Client(), auth, "key-crash-0001")
    assert retry.status_code == 201
    again = send(Client(), auth, "key-crash-0001")
    assert again.status_code == 201 and again.json() == retry.json()
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_a_key_left_running_by_an_older_version_is_409_with_a_way_out(client, auth, alice):
    import hashlib

    principal = hashlib.sha256(auth["HTTP_AUTHORIZATION"].encode()).hexdigest()
    digest = hashlib.sha256(b"POST /api/v1/patients\n" + json.dumps(BODY).encode()).hexdigest()
    IdempotencyKey.objects.create(
        principal=principal, key="key-0003-abcd", method="POST", path="/api/v1/patients", request_sha256=digest
    )
    r = send(client, auth, "key-0003-abcd")
    assert r.status_code == 409 and "new key" in r.json()["detail"]
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_keys_belong_to_their_sender(client, auth, bob):
    send(client, auth, "key-0004-abcd")
    _t, raw = ApiToken.issue(Membership.objects.get(user=bob), "desk")
    r = send(client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}, "key-0004-abcd")
    assert r.status_code == 201 and "Idempotent-Replayed" not in r
    assert Patient.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["short", "x" * 101, "spaces are bad"])
def test_a_malformed_key_is_400(client, auth, key):
    assert send(client, auth, key).status_code == 400
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_without_a_key_writes_work_as_usual(client, auth):
    r = client.post("/api/v1/patients", json.dumps(BODY), content_type="application/json", **auth)
    assert r.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_identical_requests_make_one_record(auth):
    barrier = threading.Barrier(50)

    def one(_):
        c = Client()
        barrier.wait()
        try:
            return send(c, auth, "key-parallel-0001").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(one, range(50)))
    assert Patient.objects.count() == 1
    # Every caller gets the one result: no 409 while the first is running.
    assert statuses == [201] * 50
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE
