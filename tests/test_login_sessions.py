"""Login, lockout and automatic logoff (security-battery.md RT-07, RT-08, RT-11 in part)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import make_user
from dryneedle.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def dora(clinic_a):
    return make_user("dora@a.example", clinic_a, "practitioner", "Dora", "Doe", password=PASSWORD)


def login(client, username, password, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_it_logs_in_rotates_the_session_and_audits(dora):
    c = Client()
    c.get("/login/")
    before = c.cookies.get("sessionid")
    r = login(c, "dora@a.example", PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/"
    assert before is None or c.cookies["sessionid"].value != before.value
    assert c.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(action="login.success", username="dora@a.example").count() == 1


def test_passwords_are_argon2_hashes(dora):
    dora.refresh_from_db()
    assert dora.password.startswith("argon2")


def test_unknown_user_and_wrong_password_look_the_same(dora):
    a = login(Client(), "dora@a.example", "wrong password here")
    b = login(Client(), "nobody@a.example", "wrong password here")
    assert a.status_code == b.status_code == 200
    msg = "That email and password do not match an active account."
    assert msg in a.content.decode() and msg in b.content.decode()
    rows = AuditEvent.objects.filter(action="login.failure").order_by("id")
    assert [r.username for r in rows] == ["dora@a.example", ""]


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_five_failures_from_one_address_lock_that_address_and_email_the_owner(dora, mailoutbox):
    for _ in range(5):
        login(Client(), "dora@a.example", "wrong password", REMOTE_ADDR="10.0.0.1")
    r = login(Client(), "dora@a.example", PASSWORD, REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 429 and "Too many failed attempts" in r.content.decode()
    assert AuditEvent.objects.filter(action="login.locked_out", username="dora@a.example").exists()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["dora@a.example"]
    # Finding 10: an attacker's five requests no longer lock the owner out everywhere.
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        assert login(Client(), "dora@a.example", PASSWORD, REMOTE_ADDR="10.7.7.7").status_code == 302


def test_failures_from_rotating_addresses_slow_the_account_down_but_never_lock_it(dora):
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as t:
        for i in range(5):
            login(Client(), "dora@a.example", "wrong password", REMOTE_ADDR=f"10.0.0.{i + 1}")
        # At the limit: the next attempt, from anywhere, waits 1 s and is not checked meanwhile.
        r = login(Client(), "dora@a.example", PASSWORD, REMOTE_ADDR="10.0.9.9")
        assert r.status_code == 429 and "Wait 1 seconds" in r.content.decode() and r["Retry-After"] == "1"
        assert AuditEvent.objects.filter(action="login.slowed", outcome="denied").exists()
        t.shift(1)
        login(Client(), "dora@a.example", "wrong password", REMOTE_ADDR="10.0.0.6")
        r = login(Client(), "dora@a.example", PASSWORD, REMOTE_ADDR="10.0.9.9")
        assert r.status_code == 429 and r["Retry-After"] == "2"  # the wait doubles
        t.shift(2)
        # Never a lock: the owner gets in once the wait is over, and the count starts again.
        assert login(Client(), "dora@a.example", PASSWORD, REMOTE_ADDR="10.0.9.9").status_code == 302
        assert login(Client(), "dora@a.example", "wrong password", REMOTE_ADDR="10.0.0.7").status_code == 200


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_the_emailed_link_unlocks_at_once_and_only_for_an_hour(dora, mailoutbox):
    import re

    for _ in range(5):
        login(Client(), "dora@a.example", "wrong password", REMOTE_ADDR="10.0.0.1")
    link = re.search(r"http://testserver(/login/unlock/\?token=\S+)", mailoutbox[0].body).group(1)
    c = Client(REMOTE_ADDR="10.0.0.1")
    assert b"Unlock my account" in c.get(link).content  # a GET (a mail scanner) changes nothing
    assert login(Client(), "dora@a.example", PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert c.post(link).status_code == 302
    assert login(Client(), "dora@a.example", PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert Client().post(link).status_code == 400
    assert Client().post("/login/unlock/?token=forged:token").status_code == 400


def test_an_unknown_account_locks_and_slows_the_same_way(dora):
    for _ in range(5):
        login(Client(), "ghost@a.example", "wrong password")
    assert login(Client(), "ghost@a.example", "wrong password").status_code == 429


def test_login_rows_belong_to_each_clinic_of_the_user(dora, clinic_a, clinic_b):
    # Finding 5: sign-in rows had no clinic, so no clinic's audit report showed them.
    from dryneedle.accounts.models import Membership

    Membership.objects.create(user=dora, clinic=clinic_b, role="practitioner")
    login(Client(), "dora@a.example", "wrong password")
    login(Client(), "dora@a.example", PASSWORD)
    for action in ("login.failure", "login.success"):
        rows = AuditEvent.objects.filter(action=action, username="dora@a.example")
        assert sorted(rows.values_list("clinic", flat=True)) == sorted([clinic_a.code, clinic_b.code])


def test_the_next_parameter_cannot_leave_the_site(dora):
    r = Client().post("/login/?next=https://evil.example/", {"username": "dora@a.example", "password": PASSWORD})
    assert r["Location"] == "/"


def test_it_ends_an_idle_session(dora):
    c = Client()
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as t:
        login(c, "dora@a.example", PASSWORD)
        t.shift(14 * 60 + 59)
        assert c.get("/patients/").status_code == 200
        t.shift(14 * 60 + 59)
        assert c.get("/patients/").status_code == 200  # activity moved the idle timer
        t.shift(15 * 60 + 1)
        r = c.get("/patients/")
        assert r.status_code == 302 and r["Location"].startswith("/login/")
        assert c.get("/patients/").status_code == 302  # the old session is gone server-side
    assert AuditEvent.objects.filter(action="session.expired", detail="idle").count() == 1


def test_background_requests_do_not_keep_a_session_alive(dora):
    c = Client()
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as t:
        login(c, "dora@a.example", PASSWORD)
        for minutes in (5, 5, 4):
            t.shift(minutes * 60)
            assert c.get("/patients/", HTTP_X_BACKGROUND="1").status_code == 200
        t.shift(2 * 60)
        assert c.get("/patients/").status_code == 302  # 16 min since the last real activity


def test_api_requests_expire_too(dora):
    c = Client()
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as t:
        login(c, "dora@a.example", PASSWORD)
        assert c.get("/api/v1/patients").status_code == 200
        t.shift(16 * 60)
        assert c.get("/api/v1/patients").status_code == 401


def test_sessions_end_after_twelve_hours_whatever_the_activity(dora):
    c = Client()
    with time_machine.travel("2026-11-02 07:00 +0000", tick=False) as t:
        login(c, "dora@a.example", PASSWORD)
        for _ in range(12 * 6 + 1):
            t.shift(10 * 60)
            r = c.get("/patients/")
        assert r.status_code == 302
    assert AuditEvent.objects.filter(action="session.expired", detail="maximum age").count() == 1


def test_logout_ends_every_session_of_the_user(dora):
    laptop, tablet = Client(), Client()
    login(laptop, "dora@a.example", PASSWORD)
    login(tablet, "dora@a.example", PASSWORD)
    assert laptop.get("/patients/").status_code == tablet.get("/patients/").status_code == 200
    assert laptop.get("/logout/").status_code == 405  # no state change on GET
    laptop.post("/logout/")
    assert laptop.get("/patients/").status_code == 302
    assert tablet.get("/patients/").status_code == 302


def test_a_password_change_ends_other_sessions(dora):
    c = Client()
    login(c, "dora@a.example", PASSWORD)
    dora.set_password("another long passphrase 42")
    dora.save()
    assert c.get("/patients/").status_code == 302


def test_deactivation_ends_sessions(dora):
    c = Client()
    login(c, "dora@a.example", PASSWORD)
    dora.is_active = False
    dora.save()
    assert c.get("/patients/").status_code == 302


def test_the_clinic_switcher_only_offers_own_clinics(dora, clinic_a, clinic_b):
    from dryneedle.accounts.models import Membership

    Membership.objects.create(user=dora, clinic=clinic_b, role="practitioner")
    c = Client()
    login(c, "dora@a.example", PASSWORD)
    r = c.get("/")
    assert b"Clinic A" in r.content
    c.post("/clinic/", {"clinic": str(clinic_b.code)})
    assert b'<p class="sub">Clinic B' in c.get("/").content
    Membership.objects.filter(user=dora, clinic=clinic_b).update(is_active=False)
    assert b'<p class="sub">Clinic A' in c.get("/").content
    c.post("/clinic/", {"clinic": str(clinic_b.code)})
    assert b'<p class="sub">Clinic A' in c.get("/").content


def test_failed_login_records_stay_bounded():
    from axes.models import AccessAttempt

    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as t:
        for i in range(40):
            login(Client(), f"random{i}@nowhere.example", "wrong password")
        assert AccessAttempt.objects.count() == 40
        t.shift(16 * 60)
        login(Client(), "one.more@nowhere.example", "wrong password")
        assert AccessAttempt.objects.count() == 1


# Emails go when the transaction commits (lib/mail.py): this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_a_hundred_failures_in_a_row_refuse_the_account_until_its_owner_unlocks_it(dora, mailoutbox):
    # NIST SP 800-63B §5.2.2: no more than 100 consecutive failures; the owner's link reopens it.
    import re

    from dryneedle.accounts.models import LoginThrottle
    from dryneedle.accounts.throttle import _key

    LoginThrottle.objects.create(key=_key("dora@a.example"), failures=100, last_failure=timezone.now())
    r = login(Client(), "dora@a.example", PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert r.status_code == 429 and "until its owner unlocks it" in r.content.decode()
    link = re.search(r"http://testserver(/login/unlock/\?token=\S+)", mailoutbox[0].body).group(1)
    Client().post(link)
    assert login(Client(), "dora@a.example", PASSWORD, REMOTE_ADDR="10.9.9.9").status_code == 302


def test_a_page_view_writes_the_session_at_most_once_a_minute(dora):
    """Reading pages does not rewrite the session each time (issue 21: one write per page, its audit row)."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = Client()
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False) as t:
        login(c, "dora@a.example", PASSWORD)
        c.get("/patients/")
        t.shift(30)
        with CaptureQueriesContext(connection) as q:
            assert c.get("/patients/").status_code == 200
        writes = [x["sql"] for x in q.captured_queries if x["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
        assert not any("django_session" in w for w in writes) and len(writes) == 1  # the audit row only
        before = Session.objects.get().expire_date
        t.shift(61)
        c.get("/patients/")
        assert Session.objects.get().expire_date > before  # a minute on, the activity is written
