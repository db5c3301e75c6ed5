"""The time points of outcomes/schedule.py as SQL: which episodes' windows are open, which were answered.

The worklist, the sending command and the effectiveness report ask the database these questions in a
few queries for a whole clinic, instead of loading every episode and response into Python (issue 17).
A day is counted as ``Response.collected_on`` (the clinic's calendar) minus the episode's start or
discharge date; tests/test_timepoints.py checks that these answers agree with schedule.points().
"""

from datetime import date, timedelta

from django.db.models import Exists, F, OuterRef, Q

from dryneedle.lib.sql import DaysBetween
from dryneedle.outcomes import schedule
from dryneedle.outcomes.models import FollowUp, OptOut, Response


def _anchor(rule: schedule.Rule) -> str:
    return "discharge_date" if rule.after_discharge else "start_date"


def days_after(rule: schedule.Rule, episode: str = "") -> DaysBetween:
    """A response's day minus its episode's start (or discharge) date, in days.

    ``episode``: the path from the outer query to the episode ("" when the outer query is of episodes,
    "episode__" when it is of rows that belong to one).
    """
    return DaysBetween(F("collected_on"), OuterRef(episode + _anchor(rule)))


def in_window(rule: schedule.Rule) -> Q:
    """Responses inside the rule's window (a filter on responses aliased with ``_days``)."""
    return Q(_days__gte=rule.offset - rule.before, _days__lte=rule.offset + rule.after)


def scored(instrument: str, episode: str = ""):
    """Scorable responses of one instrument, not in error, of the outer query's episode."""
    return Response.objects.filter(
        episode=OuterRef(episode.removesuffix("__") or "pk"),
        instrument=instrument,
        scorable=True,
        entered_in_error=False,
    )


def answered(rule: schedule.Rule, instruments, episode: str = "") -> Q:
    """Rows of the outer query whose episode answered every instrument inside the rule's window."""
    q = Q()
    for i in instruments:
        q &= Q(Exists(scored(i, episode).alias(_days=days_after(rule, episode)).filter(in_window(rule))))
    return q


def applies(rule: schedule.Rule) -> Q:
    """Episodes the time point exists for (schedule.due_date is not None)."""
    if rule.after_discharge:
        return Q(discharge_date__isnull=False)
    if rule.point == schedule.TimePoint.BASELINE:
        return Q()
    # Discharged before this follow-up: the discharge time point replaces it (needs the alias ``_stay``).
    return Q(discharge_date__isnull=True) | Q(_stay__gte=rule.offset)


def stay() -> DaysBetween:
    """How many days an episode lasted, start to discharge (alias it as ``_stay`` for ``applies``)."""
    return DaysBetween(F("discharge_date"), F("start_date"))


def open_on(rule: schedule.Rule, today: date) -> Q:
    """Episodes whose window for the rule contains ``today``: the anchor date lies in a range of days."""
    field = _anchor(rule)
    return Q(**{f"{field}__gte": today - timedelta(days=rule.offset + rule.after),
                f"{field}__lte": today - timedelta(days=rule.offset - rule.before)})  # fmt: skip


def closed_between(rule: schedule.Rule, first: date, last: date) -> Q:
    """Episodes whose window for the rule closed on a day from ``first`` to ``last``."""
    field = _anchor(rule)
    return Q(**{f"{field}__gte": first - timedelta(days=rule.offset + rule.after),
                f"{field}__lte": last - timedelta(days=rule.offset + rule.after)})  # fmt: skip


def sent(rule: schedule.Rule) -> Exists:
    return Exists(FollowUp.objects.filter(episode=OuterRef("pk"), point=rule.point))


def opted_out() -> Exists:
    return Exists(OptOut.objects.filter(episode=OuterRef("pk"), resumed_at__isnull=True))


def of(episodes, rule: schedule.Rule, disability: str):
    """``episodes`` narrowed to those the rule applies to, with ``answered``, ``sent`` and ``stopped`` annotated."""
    return (
        episodes.alias(_stay=stay())
        .filter(applies(rule))
        .annotate(
            answered=answered(rule, schedule.instruments(rule.point, disability)),
            sent=sent(rule),
            stopped=opted_out(),
        )
    )
