"""When an episode's questionnaires are due, what each time point asks, and where each one stands.

Pure: no database. The pages, the worklist's SQL (outcomes/timepoints.py), the sending command and the
effectiveness report all read the time points and windows from here.

What is asked follows the low-back-pain core outcome set's advice of one disability measure, not two
(the clinic chooses ODI or RMDQ), with STarT Back at baseline only (it stratifies a new episode: NICE
NG59 1.1.2, docs/clinical-sources.md §1.2, §6.4), pain at every time point, and the PSFS where change is
judged. The time points are the issue's (#6, #17): baseline, 4 and 12 weeks, discharge, and 3, 6 and
12 months after discharge. **The windows around each date are our design decision, not a published
rule**: two weeks either side of the episode's start for the baseline, a week either side for the
weeks and discharge, a week before to two weeks after for the months after discharge.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import TextChoices  # an enumeration only: nothing here touches the database
from django.utils.translation import pgettext_lazy


class TimePoint(TextChoices):
    BASELINE = "baseline", pgettext_lazy("staff", "Baseline")
    W4 = "4w", pgettext_lazy("staff", "4 weeks")
    W12 = "12w", pgettext_lazy("staff", "12 weeks")
    DISCHARGE = "discharge", pgettext_lazy("staff", "Discharge")
    M3 = "3m", pgettext_lazy("staff", "3 months after discharge")
    M6 = "6m", pgettext_lazy("staff", "6 months after discharge")
    M12 = "12m", pgettext_lazy("staff", "12 months after discharge")


class Status(TextChoices):
    UPCOMING = "upcoming", pgettext_lazy("staff", "To come")
    DUE = "due", pgettext_lazy("staff", "Due, not sent")
    SENT = "sent", pgettext_lazy("staff", "Sent, waiting")
    ANSWERED = "answered", pgettext_lazy("staff", "Answered")
    MISSED = "missed", pgettext_lazy("staff", "Missed")
    STOPPED = "stopped", pgettext_lazy("staff", "Stopped: the patient opted out")


class Disability(TextChoices):
    ODI = "odi", pgettext_lazy("staff", "Oswestry Disability Index (ODI)")
    RMDQ = "rmdq", pgettext_lazy("staff", "Roland-Morris Disability Questionnaire (RMDQ)")


@dataclass(frozen=True)
class Rule:
    """A time point: counted from the episode's start or its discharge, with its window in days."""

    point: TimePoint
    after_discharge: bool  # counted from the discharge date (else from the start date)
    offset: int  # days after the start or the discharge
    before: int  # the window opens this many days before the date
    after: int  # and closes this many days after it


RULES = (
    Rule(TimePoint.BASELINE, False, 0, 14, 14),
    Rule(TimePoint.W4, False, 28, 7, 7),
    Rule(TimePoint.W12, False, 84, 7, 7),
    Rule(TimePoint.DISCHARGE, True, 0, 7, 7),
    Rule(TimePoint.M3, True, 90, 7, 14),
    Rule(TimePoint.M6, True, 180, 7, 14),
    Rule(TimePoint.M12, True, 360, 7, 14),
)
BY_POINT = {r.point: r for r in RULES}
# The time points the effectiveness report judges change at (issue 17).
REPORTED = (TimePoint.DISCHARGE, TimePoint.W12, TimePoint.M3, TimePoint.M6, TimePoint.M12)


def instruments(point: str, disability: str) -> tuple[str, ...]:
    """What a time point asks: only what is due then (issue 17: a link used to be 45 screens)."""
    if point == TimePoint.BASELINE:
        return ("nprs", "startback", disability, "psfs")
    if point == TimePoint.W4:
        return ("nprs", disability)
    return ("nprs", disability, "psfs")


def due_date(rule: Rule, start: date, discharge: date | None) -> date | None:
    """The time point's date for an episode, or None when it does not apply to it."""
    if rule.after_discharge:
        return discharge + timedelta(days=rule.offset) if discharge else None
    when = start + timedelta(days=rule.offset)
    if rule.point != TimePoint.BASELINE and discharge is not None and when > discharge:
        return None  # discharged before this follow-up: the discharge time point replaces it
    return when


def window(rule: Rule, when: date) -> tuple[date, date]:
    """The first and last day (inclusive) a questionnaire counts for the time point."""
    return when - timedelta(days=rule.before), when + timedelta(days=rule.after)


@dataclass(frozen=True)
class Point:
    point: TimePoint
    due: date
    opens: date
    closes: date
    instruments: tuple[str, ...]
    status: Status

    @property
    def label(self) -> str:
        return str(self.point.label)


def points(
    start: date,
    discharge: date | None,
    disability: str,
    collected: dict[str, list[date]],
    today: date,
    sent: frozenset[str] = frozenset(),
    stopped_on: date | None = None,
) -> list[Point]:
    """Every time point of an episode with its status.

    ``collected``: the days each instrument was answered (scorable, not in error); ``sent``: the time
    points whose questionnaires went out; ``stopped_on``: the day the patient opted out, if they did.
    A time point is answered when every instrument it asks was answered inside its window; once its
    window has closed unanswered it is missed (stopped, when the patient had opted out by then).
    """
    out = []
    for rule in RULES:
        when = due_date(rule, start, discharge)
        if when is None:
            continue
        opens, closes = window(rule, when)
        asked = instruments(rule.point, disability)
        answered = all(any(opens <= d <= closes for d in collected.get(i, ())) for i in asked)
        if answered:
            status = Status.ANSWERED
        elif stopped_on is not None and stopped_on <= closes:
            status = Status.STOPPED
        elif today > closes:
            status = Status.MISSED
        elif today < opens:
            status = Status.UPCOMING
        elif rule.point in sent:
            status = Status.SENT
        else:
            status = Status.DUE
        out.append(Point(rule.point, when, opens, closes, asked, status))
    return out
