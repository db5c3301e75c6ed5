"""Questionnaires that send themselves (issue 17): on the schedule, once, one reminder, then nothing once
answered, missed or opted out; and the worklist's SQL agrees with the pure schedule."""

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CLINIC_A_ZONE, client_for
from dryneedle.outcomes import followups, schedule, services
from dryneedle.outcomes.models import FollowUp, OptOut, OutcomeSettings
from dryneedle.patients.models import Episode, Patient

pytestmark = pytest.mark.django_db

# 10:00 in Denver on a Monday: the clinic's day is the 7th of December.
NOON = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
ODI = {"sections": {s: 2 for s in ("pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing",
                                    "sleeping", "sex_life", "social_life", "travelling")}}  # fmt: skip


ANSWERS = {
    "nprs": {"score": 6},
    "startback": {"items": {str(k): False for k in range(1, 9)} | {"9": "slightly"}},
    "odi": ODI,
    "psfs": {"activities": [{"name": "Walk", "score": 4}]},
}


def _episode(clinic, alice, start: date, email="lee@example.org", discharge=None) -> Episode:
    p = Patient.objects.create(clinic=clinic, given_name="Lee", family_name="Park", birth_date=date(1980, 2, 2),
                               sex="female", email=email, created_by=alice)  # fmt: skip
    e = Episode.objects.create(clinic=clinic, patient=p, condition="chronic_lbp", clinician=alice, start_date=start)
    if discharge:
        Episode.objects.filter(pk=e.pk).update(
            status="discharged", discharge_date=discharge, discharge_reason="goals_met"
        )
        e.refresh_from_db()
    return e


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """followups.send_due with its emails sent (they go when the transaction commits: lib/mail.py)."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return followups.send_due()

    return run


def _url(message) -> str:
    return re.search(r"https://records\.example(/p/[^/\s]+/)", message.body).group(1)


def test_the_baseline_goes_out_once_with_only_what_it_asks(alice, clinic_a, settings, send):
    settings.SITE_URL = "https://records.example"
    e = _episode(clinic_a, alice, date(2026, 12, 7))
    with time_machine.travel(NOON, tick=False):
        sent = send()
        assert [s.follow_up.point for s in sent] == ["baseline"]
        assert send() == []  # a second run sends nothing
    f = FollowUp.objects.get()
    assert f.instruments == ["nprs", "startback", "odi", "psfs"] and f.channel == "email"
    assert f.closes == date(2026, 12, 21) and len(mail.outbox) == 1
    assert "a few questions about your back" in mail.outbox[0].subject and "21 December 2026" in mail.outbox[0].body
    # The clinic chose the RMDQ: the next time point asks it instead of the ODI, never both.
    OutcomeSettings.objects.create(clinic=clinic_a, disability="rmdq")
    assert schedule.instruments("4w", OutcomeSettings.of(clinic_a).disability) == ("nprs", "rmdq")
    assert e.follow_ups.count() == 1


def test_one_reminder_keeps_the_answers_and_then_nothing(alice, clinic_a, settings, send, odi_pack):
    settings.SITE_URL = "https://records.example"
    _episode(clinic_a, alice, date(2026, 12, 7))
    with time_machine.travel(NOON, tick=False) as t:
        send()
        first = _url(mail.outbox[0])
        c = Client()
        assert c.post(f"{first}?step=0", {"answer": "6"}).status_code == 302
        t.shift(timedelta(days=2))
        assert send() == []  # not yet: the clinic's 3 days
        t.shift(timedelta(days=1, hours=1))
        (s,) = send()
        assert s.reminder and len(mail.outbox) == 2 and "reminder" in mail.outbox[1].subject
        second = _url(mail.outbox[1])
        assert c.get(first).status_code == 410  # the first link stops working
        assert "Question 2 of 21" in c.get(second).content.decode()  # the pain answer was kept
        t.shift(timedelta(days=3))
        assert send() == []  # the only reminder
    assert FollowUp.objects.get().reminded_at is not None


def test_an_answer_stops_everything_and_a_closed_window_is_missed(alice, clinic_a, settings, send):
    settings.SITE_URL = "https://records.example"
    answered = _episode(clinic_a, alice, date(2026, 12, 7))
    silent = _episode(clinic_a, alice, date(2026, 12, 7), email="sam@example.org")
    with time_machine.travel(NOON, tick=False) as t:
        send()
        # The clinician transcribes the paper form the patient brought in: the time point is answered.
        for inst, ans in ANSWERS.items():
            services.record_response(answered, inst, ans, alice)
        t.shift(timedelta(days=4))
        sent = send()
        assert [s.follow_up.episode_id for s in sent] == [silent.pk]  # only the silent one is reminded
        t.shift(timedelta(days=11))  # the 22nd: the baseline window closed on the 21st
        send()
    states = dict(FollowUp.objects.values_list("episode_id", "state"))
    assert states == {answered.pk: "answered", silent.pk: "closed"}
    with time_machine.travel(NOON + timedelta(days=15), tick=False):
        points = {p.point: p.status for p in followups.episode_points(silent)}
    assert points["baseline"] == schedule.Status.MISSED and points["4w"] == schedule.Status.UPCOMING


def test_the_patient_opts_out_and_nothing_more_is_sent(alice, clinic_a, settings, send):
    settings.SITE_URL = "https://records.example"
    e = _episode(clinic_a, alice, date(2026, 11, 9))  # 4 weeks falls on 7 Dec
    with time_machine.travel(NOON, tick=False) as t:
        (s,) = send()
        assert s.follow_up.point == "4w" and s.follow_up.instruments == ["nprs", "odi"]
        url = _url(mail.outbox[0])
        c = Client()
        page = c.get(f"{url}?stop=1").content.decode()
        assert "Stop these questions?" in page and "Your care does not change" in page
        r = c.post(url, {"stop": "1"})
        assert "no more of these questions" in r.content.decode()
        assert c.get(url).status_code == 410  # the link stops
        t.shift(timedelta(days=4))
        assert send() == []  # no reminder
    assert OptOut.objects.get().source == "patient" and FollowUp.objects.get().state == "stopped"
    # The clinician sees it on the episode, and may resume when the patient asks.
    with time_machine.travel(NOON + timedelta(days=4), tick=False):
        c = client_for(alice)
        html = c.get(f"/outcomes/episodes/{e.code}/").content.decode()
        assert "No more questionnaires" in html and "the patient, from the questionnaire link" in html
        c.post(f"/outcomes/episodes/{e.code}/resume/")
    assert followups.active_opt_out(e) is None


def test_a_patient_without_email_is_left_to_the_worklist(alice, clinic_a, settings, send):
    settings.SITE_URL = "https://records.example"
    e = _episode(clinic_a, alice, date(2026, 12, 7), email="")
    with time_machine.travel(NOON, tick=False):
        assert send() == []
        rows, _ = followups.worklist(Episode.objects.filter(clinic=clinic_a), clinic_a, date(2026, 12, 7))
    assert [(r.episode, r.point.point, r.sent) for r in rows] == [(e, "baseline", False)]


def test_the_command_prints_what_it_sent(alice, clinic_a, settings, capsys):
    settings.SITE_URL = "https://records.example"
    _episode(clinic_a, alice, date(2026, 12, 7))
    with time_machine.travel(NOON, tick=False):
        call_command("send_questionnaires")
    out = capsys.readouterr().out
    assert "questionnaires: Baseline questionnaires for episode" in out and "1 message sent." in out


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_once(alice, clinic_a, settings):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:":
        pytest.skip("needs a file database")
    settings.SITE_URL = "https://records.example"
    _episode(clinic_a, alice, date(2026, 12, 7))
    results = []

    def run():
        try:
            results.append(len(followups.send_due()))
        finally:
            connection.close()

    with time_machine.travel(NOON, tick=False):
        threads = [threading.Thread(target=run) for _ in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert sum(results) == 1 and FollowUp.objects.count() == 1 and len(mail.outbox) == 1


def test_the_clinicians_button_sends_the_open_time_point_or_says_what_comes_next(alice, clinic_a):
    e = _episode(clinic_a, alice, date(2026, 12, 7), email="")
    with time_machine.travel(NOON, tick=False):
        c = client_for(alice)
        r = c.post(f"/outcomes/episodes/{e.code}/send/")
        assert r.status_code == 200 and "QR code" in r.content.decode()
        f = FollowUp.objects.get()
        assert f.channel == "by_hand" and f.point == "baseline"
        c.post(f"/outcomes/episodes/{e.code}/send/")  # again: a fresh link for the same time point
        assert FollowUp.objects.count() == 1
    with time_machine.travel(NOON + timedelta(days=16), tick=False):
        c = client_for(alice)
        r = c.post(f"/outcomes/episodes/{e.code}/send/", follow=True)
        assert "No time point is open now. The next, 4 weeks, opens on 28 Dec 2026." in r.content.decode()


# The worklist's SQL and the pure schedule must agree on every episode and day.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start_ago=st.integers(0, 500),
    stay=st.one_of(st.none(), st.integers(0, 120)),
    answers=st.lists(st.tuples(st.sampled_from(list(ANSWERS)), st.integers(-20, 500)), max_size=8),
)
def test_sql_and_schedule_agree(alice, clinic_a, start_ago, stay, answers):
    today = date(2026, 12, 7)
    with time_machine.travel(datetime.combine(today, datetime.min.time(), CLINIC_A_ZONE) + timedelta(hours=12)):
        _agree(alice, clinic_a, today, start_ago, stay, answers)


def _agree(alice, clinic_a, today, start_ago, stay, answers):
    start = today - timedelta(days=start_ago)
    discharge = start + timedelta(days=stay) if stay is not None and start + timedelta(days=stay) <= today else None
    e = _episode(clinic_a, alice, start, discharge=discharge)
    for inst, day in answers:
        when = datetime.combine(start + timedelta(days=day), datetime.min.time(), CLINIC_A_ZONE) + timedelta(hours=12)
        if when.date() <= today:
            services.record_response(e, inst, ANSWERS[inst], alice, collected=when)
    pure = {p.point: p.status for p in followups.episode_points(e, today)}
    rows, completion = followups.worklist(Episode.objects.filter(pk=e.pk), clinic_a, today)
    open_sql = {r.point.point for r in rows}
    open_pure = {k for k, v in pure.items() if v in (schedule.Status.DUE, schedule.Status.SENT)}
    assert open_sql == open_pure
    for c in completion:
        rule = schedule.BY_POINT[c.point]
        when = schedule.due_date(rule, e.start_date, e.discharge_date)
        closes = schedule.window(rule, when)[1] if when else None
        closed = closes is not None and today - timedelta(days=365) <= closes < today
        assert c.closed == int(closed), c.point
        assert c.answered == int(closed and pure[c.point] == schedule.Status.ANSWERED), c.point


def test_questionnaires_and_their_reminder_go_by_text_to_a_patient_who_agreed(alice, clinic_a, settings, send):
    from dryneedle.lib import sms
    from dryneedle.patients import texts

    settings.SITE_URL = "https://records.example"
    settings.SMS_BACKEND = "memory"
    sms.outbox.clear()
    e = _episode(clinic_a, alice, date(2026, 12, 7))
    e.patient.phone = "+1 303 555 0142"
    e.patient.save()
    texts.record(e.patient, True, "clinic", alice)
    with time_machine.travel(NOON, tick=False):
        (sent,) = send()
    (text,) = sms.outbox
    assert text["to"] == "+1 303 555 0142" and text["text"].startswith("A few questions are waiting for you, until ")
    assert sent.url in text["text"] and not sms.CLINICAL.search(sms.URL.sub("", text["text"]))
