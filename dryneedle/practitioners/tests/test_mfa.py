"""RT-11: passwords and the TOTP second factor."""

import time

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import client_for, make_user
from dryneedle.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "admins need long passphrases"


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at or time.time()
    return f"{totp.token():06d}"


@pytest.fixture
def adele(clinic_a):
    return make_user("adele@a.example", clinic_a, "clinic_admin", "Adele", "Admin", password=PASSWORD)


@pytest.mark.parametrize("password", ["short pass", "password1234", "123456789012345", "1q2w3e4r5t6y", "qwertyuiop123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_long_passphrases_are_accepted_without_composition_rules():
    validate_password("all lower case words are fine here")
    validate_password("x" * 64 + " a very long passphrase indeed")


def test_a_clinic_admin_without_a_second_factor_must_set_one_up(adele):
    c = client_for(adele, verified=False)
    r = c.get("/patients/")
    assert r.status_code == 302 and r["Location"] == "/account/two-factor/"
    assert c.get("/api/v1/patients").status_code == 403
    assert c.get("/audit/").status_code == 302


def test_enrolment_needs_the_password_and_a_valid_code(adele):
    c = client_for(adele, verified=False)
    r = c.get("/account/two-factor/")
    assert b"<svg" in r.content and b"Key:" in r.content
    device = TOTPDevice.objects.get(user=adele, confirmed=False)
    with time_machine.travel("2026-11-02 09:00:05 +0000", tick=False) as t:
        r = c.post("/account/two-factor/", {"password": "wrong password", "code": code_for(device)})
        assert "That is not your password." in r.content.decode()
        wrong = "000000" if code_for(device) != "000000" else "111111"
        r = c.post("/account/two-factor/", {"password": PASSWORD, "code": wrong})
        assert "not valid" in r.content.decode()
        t.shift(2)  # a failed code slows the next attempt down (django-otp throttling)
        r = c.post("/account/two-factor/", {"password": PASSWORD, "code": code_for(device)})
        assert r.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert c.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(action="mfa.enrolled", username=adele.username).count() == 1


def test_login_asks_for_the_code_and_a_code_works_once(adele):
    device = TOTPDevice.objects.create(user=adele, name="phone", confirmed=True)
    with time_machine.travel("2026-11-02 09:00:05 +0000", tick=False):
        c = Client()
        r = c.post("/login/", {"username": adele.username, "password": PASSWORD})
        assert r["Location"] == "/login/verify/"
        assert c.get("/patients/").status_code == 302  # not logged in yet
        code = code_for(device)
        r = c.post("/login/verify/", {"code": code})
        assert r.status_code == 302 and r["Location"] == "/"
        assert c.get("/patients/").status_code == 200
        # The same code again, in another browser: refused.
        other = Client()
        other.post("/login/", {"username": adele.username, "password": PASSWORD})
        r = other.post("/login/verify/", {"code": code})
        assert "not valid" in r.content.decode()
        assert other.get("/patients/").status_code == 302
    assert AuditEvent.objects.filter(action="login.mfa_failure").count() == 1


def test_the_code_step_must_follow_the_password(adele):
    TOTPDevice.objects.create(user=adele, name="phone", confirmed=True)
    c = Client()
    assert c.get("/login/verify/").status_code == 302  # nothing pending
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as t:
        c.post("/login/", {"username": adele.username, "password": PASSWORD})
        t.shift(301)
        r = c.get("/login/verify/")
        assert r.status_code == 302 and r["Location"] == "/login/"


def test_practitioners_may_opt_in(alice):
    c = client_for(alice)
    r = c.get("/account/two-factor/")
    assert r.status_code == 200 and b"needs two-factor" not in r.content
    assert c.get("/patients/").status_code == 200
