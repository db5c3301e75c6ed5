"""Questionnaires that send themselves: each time point's questionnaires go out when its window opens,
with one reminder, and nothing more once answered, once the window has closed, or once the patient has
opted out (outcomes/schedule.py holds the time points; ``dryneedle send_questionnaires`` runs this).

Sending is decided by a row: ``FollowUp`` is unique per episode and time point, so two runs at the same
moment send once, as the check-ins do. A reminder is claimed by a conditional update.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from dryneedle.accounts.middleware import clinic_today, clinic_zone
from dryneedle.accounts.models import Clinic
from dryneedle.lib import languages, mail
from dryneedle.outcomes import instruments, packs, schedule, timepoints
from dryneedle.outcomes.models import FollowUp, OptOut, OutcomeSettings, Response
from dryneedle.patients import texts
from dryneedle.patients.models import Episode, RecordStatus
from dryneedle.portal.models import PatientLink


def disability_of(clinic) -> str:
    return OutcomeSettings.of(clinic).disability


def active_opt_out(episode) -> OptOut | None:
    return episode.opt_outs.filter(resumed_at__isnull=True).order_by("-at").first()


_ASK = object()


def episode_points(episode, today: date | None = None, stop: OptOut | object | None = _ASK) -> list[schedule.Point]:
    """Every time point of the episode with its status (answered, sent, missed, ...).

    ``stop``: the episode's active opt-out (or None) when the caller has read it already.
    """
    if episode.status == Episode.Status.ENTERED_IN_ERROR:
        return []
    today = today or clinic_today(episode.clinic)
    collected: dict[str, list[date]] = {}
    rows = Response.objects.filter(episode=episode, scorable=True, entered_in_error=False)
    for inst, day in rows.values_list("instrument", "collected_on"):
        collected.setdefault(inst, []).append(day)
    sent = frozenset(FollowUp.objects.filter(episode=episode).values_list("point", flat=True))
    row = active_opt_out(episode) if stop is _ASK else cast(OptOut | None, stop)
    stopped_on = timezone.localtime(row.at, clinic_zone(episode.clinic)).date() if row else None
    return schedule.points(
        episode.start_date, episode.discharge_date, disability_of(episode.clinic), collected, today, sent, stopped_on
    )


def current(points: list[schedule.Point]) -> schedule.Point | None:
    """The time point to ask now: the one whose window is open and that is not answered yet."""
    return next((p for p in points if p.status in (schedule.Status.DUE, schedule.Status.SENT)), None)


def _expires(episode, closes: date) -> datetime:
    """The end of the window's last day on the clinic's calendar: the link works until then."""
    return datetime.combine(closes + timedelta(days=1), time.min, clinic_zone(episode.clinic))


def _link(episode, point: schedule.Point, user) -> tuple[PatientLink, str]:
    # What the patient can read; an instrument without its licensed wording is left to the clinic (on paper).
    pack = packs.english(episode.clinic_id)
    asked = [i for i in point.instruments if instruments.patient_wording(i, pack)]
    link, token = PatientLink.issue(episode, PatientLink.Purpose.OUTCOMES, user, bundle=asked)
    # The link works to the end of the window's last day on the clinic's calendar: an answer later than
    # that would not count for the time point.
    link.expires = datetime.combine(point.closes + timedelta(days=1), time.min, clinic_zone(episode.clinic))
    link.save(update_fields=["expires", "updated"])
    return link, token


def start(episode, point: schedule.Point, user, channel: str) -> tuple[FollowUp, str]:
    """Send a time point for the first time. Raises IntegrityError when it was sent already (another run)."""
    link, token = _link(episode, point, user)
    f = FollowUp.objects.create(
        clinic=episode.clinic,
        patient=episode.patient,
        episode=episode,
        point=point.point,
        due=point.due,
        closes=point.closes,
        instruments=list(point.instruments),
        channel=channel,
        link=link,
        created_by=user,
        updated_by=user,
    )
    return f, token


def reissue(f: FollowUp, user, channel: str) -> str:
    """A fresh link for a time point already sent (a reminder, or handed over at the desk).

    The patient keeps what they answered so far; the old link stops working.
    """
    point = schedule.Point(schedule.TimePoint(f.point), f.due, f.due, f.closes, tuple(f.instruments),
                           schedule.Status.SENT)  # fmt: skip
    old = f.link
    link, token = _link(f.episode, point, user)
    link.progress = old.progress
    link.save(update_fields=["progress", "updated"])
    PatientLink.objects.filter(pk=old.pk, used_at__isnull=True).update(expires=timezone.now())
    f.link, f.channel, f.updated_by = link, channel, user
    f.save(update_fields=["link", "channel", "updated_by", "updated"])
    return token


def issue(episode, point: schedule.Point, user, channel: str) -> tuple[FollowUp, str]:
    """The time point's link, sent for the first time or again (the clinician's button)."""
    for _attempt in range(2):
        f = FollowUp.objects.filter(episode=episode, point=point.point).select_related("link", "episode").first()
        if f is not None:
            return f, reissue(f, user, channel)
        try:
            with transaction.atomic():
                return start(episode, point, user, channel)
        except IntegrityError:
            continue  # sent by the command this very moment: give a fresh link for that one
    raise IntegrityError("The questionnaires could not be sent; try again.")  # pragma: no cover


def url_for(token: str) -> str:
    return settings.SITE_URL + reverse("portal:open", args=[token])


@dataclass
class Sent:
    follow_up: FollowUp
    url: str
    reminder: bool


def _email(f: FollowUp, url: str, reminder: bool) -> None:
    template = "outcomes/email/reminder.txt" if reminder else "outcomes/email/questionnaires.txt"
    context = {"follow_up": f, "patient": f.patient, "clinic": f.clinic, "url": url, "closes": f.closes}
    mail.send(
        template, context, [f.patient.email], f.clinic, language=languages.of_record(f.patient.preferred_language)
    )
    # By text too, to a patient who agreed to texts (issue 19): no word of what the questions are about.
    with texts.speaking(f.patient):
        said = {"until": dateformat.format(f.closes, "j M"), "url": url}
        if reminder:
            text = _("A reminder: a few questions are waiting for you, until %(until)s: %(url)s") % said
        else:
            text = _("A few questions are waiting for you, until %(until)s: %(url)s") % said
        texts.send(f.patient, text)


def due_now(clinic, today: date):
    """(episode, point) pairs whose window is open today, not sent, not answered, not opted out, reachable by email.

    One query per time point for the whole clinic (outcomes/timepoints.py).
    """
    disability = disability_of(clinic)
    base = (
        Episode.objects.filter(clinic=clinic)
        .exclude(status=Episode.Status.ENTERED_IN_ERROR)
        .exclude(patient__email="")
        .exclude(patient__status=RecordStatus.ENTERED_IN_ERROR)
        .select_related("patient", "clinic")
    )
    for rule in schedule.RULES:
        qs = timepoints.of(base.filter(timepoints.open_on(rule, today)), rule, disability)
        for e in qs.filter(answered=False, sent=False, stopped=False).order_by("id"):
            when = schedule.due_date(rule, e.start_date, e.discharge_date)
            if when is None:  # pragma: no cover - applies() excluded it in SQL
                continue
            opens, closes = schedule.window(rule, when)
            yield (
                e,
                schedule.Point(
                    rule.point, when, opens, closes, schedule.instruments(rule.point, disability), schedule.Status.DUE
                ),
            )


def send_due(now: datetime | None = None) -> list[Sent]:
    """Send every clinic's due questionnaires and reminders, and close the windows that have passed."""
    now = now or timezone.now()
    out: list[Sent] = []
    for clinic in Clinic.objects.all():
        today = timezone.localtime(now, clinic_zone(clinic)).date()
        for episode, point in list(due_now(clinic, today)):
            try:
                with transaction.atomic():
                    f, token = start(episode, point, None, FollowUp.Channel.EMAIL)
                    url = url_for(token)
                    _email(f, url, reminder=False)
            except IntegrityError:
                continue  # another run created it first: it sends, this one does not
            out.append(Sent(f, url, False))
        settle(clinic, today)
        out += _remind(clinic, now, today)
    return out


def _remind(clinic, now: datetime, today: date) -> list[Sent]:
    """One reminder, ``reminder_days`` after sending, while the window is open and nothing was answered."""
    days = OutcomeSettings.of(clinic).reminder_days
    waiting = FollowUp.objects.filter(
        clinic=clinic,
        state=FollowUp.State.SENT,
        channel=FollowUp.Channel.EMAIL,
        reminded_at__isnull=True,
        sent_at__lte=now - timedelta(days=days),
        closes__gte=today,
    ).select_related("episode__clinic", "patient", "clinic", "link")
    out = []
    for f in waiting:
        with transaction.atomic():
            # The conditional update decides which run reminds.
            if not FollowUp.objects.filter(pk=f.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            token = reissue(f, None, FollowUp.Channel.EMAIL)
            url = url_for(token)
            _email(f, url, reminder=True)
        out.append(Sent(f, url, True))
    return out


def settle(clinic, today: date) -> None:
    """Sent questionnaires whose answers arrived another way (the clinician transcribed a paper form) become
    answered; those whose window has closed unanswered are closed (missed). A few updates per clinic."""
    now = timezone.now()
    for rule in schedule.RULES:
        for disability in schedule.Disability.values:
            asked = list(schedule.instruments(rule.point, disability))
            waiting = FollowUp.objects.filter(clinic=clinic, state=FollowUp.State.SENT, point=rule.point)
            waiting.filter(instruments=asked).filter(timepoints.answered(rule, asked, episode="episode__")).update(
                state=FollowUp.State.ANSWERED, answered_at=now
            )
    FollowUp.objects.filter(clinic=clinic, state=FollowUp.State.SENT, closes__lt=today).update(
        state=FollowUp.State.CLOSED
    )


def answered_by_link(link: PatientLink) -> None:
    """The patient sent the link's answers: its time point is answered."""
    FollowUp.objects.filter(link=link, state=FollowUp.State.SENT).update(
        state=FollowUp.State.ANSWERED, answered_at=timezone.now()
    )


def opt_out(episode, source: str, user=None, note: str = "") -> OptOut:
    """No more questionnaires for this episode, from now: recorded, and the open ones stop."""
    existing = active_opt_out(episode)
    if existing is not None:
        return existing
    o = OptOut.objects.create(
        clinic=episode.clinic, patient=episode.patient, episode=episode, source=source, note=note.strip()[:300],
        created_by=user, updated_by=user,
    )  # fmt: skip
    for f in FollowUp.objects.filter(episode=episode, state=FollowUp.State.SENT).select_related("link"):
        PatientLink.objects.filter(pk=f.link_id, used_at__isnull=True).update(expires=timezone.now())
        FollowUp.objects.filter(pk=f.pk).update(state=FollowUp.State.STOPPED)
    return o


def resume(episode, user) -> OptOut | None:
    """The patient asked to receive the questionnaires again (recorded by the clinician)."""
    o = active_opt_out(episode)
    if o is not None:
        o.resumed_at, o.resumed_by, o.updated_by = timezone.now(), user, user
        o.save(update_fields=["resumed_at", "resumed_by", "updated_by", "updated"])
    return o


@dataclass
class Row:
    """An episode's time point whose window is open now and that is not answered."""

    episode: Episode
    point: schedule.Point
    sent: bool
    stopped: bool


@dataclass
class Completion:
    """One time point over the windows that closed in the last year, and those open today."""

    point: schedule.TimePoint
    closed: int  # windows closed in the last 365 days
    answered: int
    sent: int  # of the closed ones, how many had been sent by the system or by hand
    open_now: int
    open_sent: int

    @property
    def missed(self) -> int:
        return self.closed - self.answered

    @property
    def rate(self) -> float | None:
        return self.answered / self.closed if self.closed else None


def _counts(episodes, rule, asked, today: date) -> Completion:
    """One time point's completion over ``episodes``: open now (and sent), closed in the past year (answered, sent)."""
    is_open = timepoints.open_on(rule, today)
    closed = timepoints.closed_between(rule, today - timedelta(days=365), today - timedelta(days=1))
    answered, sent = timepoints.answered(rule, asked), Q(timepoints.sent(rule))
    # The expressions themselves in the counts, not annotations: PostgreSQL's aggregate over a subquery
    # would not see an annotation used only in a FILTER.
    counts = (
        episodes.filter(is_open | closed)
        .alias(_stay=timepoints.stay())
        .filter(timepoints.applies(rule))
        .aggregate(
            open_now=Count("id", filter=is_open),
            open_sent=Count("id", filter=is_open & sent),
            closed=Count("id", filter=closed),
            answered=Count("id", filter=closed & answered),
            sent=Count("id", filter=closed & sent),
        )
    )
    return Completion(rule.point, counts["closed"], counts["answered"], counts["sent"],
                      counts["open_now"], counts["open_sent"])  # fmt: skip


def completion(episodes, clinic, today: date) -> list[Completion]:
    """Each time point's completion over ``episodes`` (one query per time point), without the rows."""
    disability = disability_of(clinic)
    episodes = episodes.exclude(status=Episode.Status.ENTERED_IN_ERROR)
    return [_counts(episodes, rule, schedule.instruments(rule.point, disability), today) for rule in schedule.RULES]


def worklist(episodes, clinic, today: date) -> tuple[list[Row], list[Completion]]:
    """What is open now and not answered across ``episodes``, and each time point's completion.

    Two queries per time point, whatever the clinic's size (tests/test_query_counts.py): one counts (open now,
    sent; closed in the past year, answered, sent), one fetches the open, unanswered rows to show.
    """
    disability = disability_of(clinic)
    episodes = episodes.exclude(status=Episode.Status.ENTERED_IN_ERROR)
    rows: list[Row] = []
    done: list[Completion] = []
    for rule in schedule.RULES:
        asked = schedule.instruments(rule.point, disability)
        done.append(_counts(episodes, rule, asked, today))
        waiting = (
            timepoints.of(episodes.filter(timepoints.open_on(rule, today)), rule, disability)
            .filter(answered=False)
            .select_related("patient")
            .only(
                "code",
                "condition",
                "start_date",
                "discharge_date",
                "status",
                "patient__code",
                "patient__given_name",
                "patient__family_name",
                "patient__email",
            )
            .order_by("start_date", "id")
        )
        for e in waiting:
            when = schedule.due_date(rule, e.start_date, e.discharge_date)
            if when is None:  # pragma: no cover - applies() excluded it in SQL
                continue
            opens, closes = schedule.window(rule, when)
            status = schedule.Status.STOPPED if e.stopped else schedule.Status.SENT if e.sent else schedule.Status.DUE
            rows.append(Row(e, schedule.Point(rule.point, when, opens, closes, asked, status), e.sent, e.stopped))
    rows.sort(key=lambda r: (r.point.closes, r.episode.start_date))
    return rows, done


def follow_up_rate(completion: list[Completion]) -> tuple[int, int]:
    """(answered, closed) over every follow-up time point (all but the baseline) of the past year."""
    follow = [c for c in completion if c.point != schedule.TimePoint.BASELINE]
    return sum(c.answered for c in follow), sum(c.closed for c in follow)
