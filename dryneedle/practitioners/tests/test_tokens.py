"""Finding 9: API tokens need the second factor to make, carry scopes and an expiry, and are listed and revocable."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import client_for
from dryneedle.accounts.models import ApiToken, Membership
from dryneedle.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
BODY = {"given_name": "Ada", "family_name": "Lovelace", "birth_date": "1985-12-10", "sex": "female"}


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def make(client, **fields):
    data = {"action": "create", "name": "tablet", "scopes": ["read"], "days": "90", **fields}
    return client.post("/practitioners/tokens/", data)


def test_an_admin_session_without_the_second_factor_cannot_make_a_token(admin):
    r = make(client_for(admin, verified=False))
    # The admin is sent to set up the second factor before anything else (require_mfa), and no token exists.
    assert r.status_code in (302, 400) and not ApiToken.objects.exists()


def test_a_practitioner_without_the_second_factor_is_told_to_turn_it_on(alice):
    r = make(client_for(alice))
    assert r.status_code == 400 and "second factor" in r.content.decode()
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action="token.issue", outcome="denied").exists()


def verified_client(user):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    c = client_for(user)
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="t", confirmed=True
    )
    s = c.session
    s[DEVICE_ID_SESSION_KEY] = device.persistent_id
    s.save()
    return c


def shown_token(response) -> str:
    return re.search(r'value="(dn_[^"]+)"', response.content.decode()).group(1)


def test_a_verified_session_makes_a_read_token_that_cannot_write(alice):
    c = verified_client(alice)
    r = make(c)
    assert r.status_code == 201
    raw = shown_token(r)
    api = Client()
    assert api.get("/api/v1/patients", **bearer(raw)).status_code == 200
    w = api.post("/api/v1/patients", json.dumps(BODY), content_type="application/json", **bearer(raw))
    assert w.status_code == 403 and "may not write" in w.json()["detail"]
    t = ApiToken.objects.get()
    assert t.last_used is not None and t.scopes == "read"
    # Shown once: the list page never shows it again.
    assert raw not in c.get("/practitioners/tokens/").content.decode()


def test_a_token_stops_at_its_expiry(alice):
    _t, raw = ApiToken.issue(Membership.objects.get(user=alice), "short", ["read"], 7)
    assert Client().get("/api/v1/patients", **bearer(raw)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert Client().get("/api/v1/patients", **bearer(raw)).status_code == 401
        assert "Expired" in verified_client(alice).get("/practitioners/tokens/").content.decode()


def test_owner_and_admin_can_revoke_and_others_cannot(alice, bob, admin):
    t, raw = ApiToken.issue(Membership.objects.get(user=alice), "alice tablet")
    bobs = client_for(bob)
    assert "alice tablet" not in bobs.get("/practitioners/tokens/").content.decode()
    bobs.post("/practitioners/tokens/", {"action": "revoke", "token": str(t.code)})
    assert Client().get("/api/v1/patients", **bearer(raw)).status_code == 200
    page = client_for(admin).get("/practitioners/tokens/").content.decode()
    assert "alice tablet" in page and "Alice" in page
    client_for(admin).post("/practitioners/tokens/", {"action": "revoke", "token": str(t.code)})
    assert Client().get("/api/v1/patients", **bearer(raw)).status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


@pytest.mark.parametrize(("field", "value"), [("days", "1000"), ("scopes", ["root"]), ("name", "")])
def test_bad_token_requests_are_form_errors(alice, field, value):
    r = make(verified_client(alice), **{field: value})
    assert r.status_code == 400 and not ApiToken.objects.exists()


def test_the_cli_refuses_an_unknown_scope_or_lifetime(alice):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as e:
        call_command("issue_token", "alice@a.example", "--scope", "root")
    assert e.value.returncode == 2
    with pytest.raises(CommandError):
        call_command("issue_token", "alice@a.example", "--days", "1000")
    assert not ApiToken.objects.exists()
