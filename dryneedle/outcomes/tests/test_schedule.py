"""The time points, windows and statuses of outcomes/schedule.py (pure)."""

from datetime import date, timedelta

from dryneedle.outcomes import schedule
from dryneedle.outcomes.schedule import Status

START = date(2026, 1, 5)


def statuses(discharge=None, collected=None, today=date(2026, 4, 6), sent=frozenset(), stopped_on=None):
    points = schedule.points(START, discharge, "odi", collected or {}, today, sent, stopped_on)
    return {p.point.value: p.status for p in points}


def test_each_time_point_asks_only_what_is_due():
    assert schedule.instruments("baseline", "odi") == ("nprs", "startback", "odi", "psfs")
    assert schedule.instruments("4w", "rmdq") == ("nprs", "rmdq")
    assert schedule.instruments("6m", "odi") == ("nprs", "odi", "psfs")


def test_an_open_episode_has_its_weeks_and_a_discharged_one_its_months():
    assert statuses() == {"baseline": Status.MISSED, "4w": Status.MISSED, "12w": Status.DUE}  # 13 weeks in
    s = statuses(discharge=date(2026, 2, 16))  # discharged at 6 weeks: 12 weeks never comes
    assert "12w" not in s and s["discharge"] == Status.MISSED and s["3m"] == Status.UPCOMING


def test_answered_means_every_instrument_inside_the_window():
    day = START + timedelta(days=84)
    done = {i: [day] for i in ("nprs", "odi")}
    assert statuses(collected=done)["12w"] == Status.DUE  # the PSFS is still missing
    done["psfs"] = [day + timedelta(days=8)]  # a day after the window
    assert statuses(collected=done, today=day + timedelta(days=9))["12w"] == Status.MISSED
    done["psfs"] = [day - timedelta(days=7)]  # on the window's first day
    assert statuses(collected=done)["12w"] == Status.ANSWERED


def test_sent_upcoming_and_stopped():
    today = START + timedelta(days=84)
    assert statuses(today=today, sent=frozenset({"12w"}))["12w"] == Status.SENT
    assert statuses(today=START - timedelta(days=20))["baseline"] == Status.UPCOMING
    s = statuses(today=today, stopped_on=START + timedelta(days=40))
    assert s["12w"] == Status.STOPPED and s["4w"] == Status.MISSED  # closed before the opt-out: missed


def test_windows_are_as_stated():
    rule = schedule.BY_POINT[schedule.TimePoint.M3]
    assert schedule.window(rule, date(2026, 6, 1)) == (date(2026, 5, 25), date(2026, 6, 15))
    assert schedule.due_date(rule, START, None) is None
    p = schedule.points(START, None, "odi", {}, START)[0]
    assert p.label == "Baseline" and (p.opens, p.closes) == (date(2025, 12, 22), date(2026, 1, 19))
