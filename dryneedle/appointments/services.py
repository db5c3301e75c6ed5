"""Availability, booking without double-booking, the day and week views, reminders and the iCalendar feed."""

from datetime import UTC, date, datetime, time, timedelta

import icalendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dryneedle.accounts.middleware import clinic_zone
from dryneedle.accounts.models import Clinic, User
from dryneedle.accounts.people import practitioners
from dryneedle.appointments import grid
from dryneedle.appointments.models import Appointment, Availability, AvailabilityException, Calendar
from dryneedle.audit.log import record
from dryneedle.lib import languages, mail, sms
from dryneedle.lib.models import at_most
from dryneedle.patients import care_team, texts
from dryneedle.patients.models import Episode
from dryneedle.plans import services as plans
from dryneedle.plans.models import CarePlan
from dryneedle.visits import services as visits
from dryneedle.visits.models import Visit

MAX_MINUTES = 8 * 60  # one appointment at most a working day long
MAX_SERIES = 52


def calendar_for(clinic, user) -> Calendar:
    try:
        return Calendar.objects.get_or_create(clinic=clinic, user=user)[0]
    except IntegrityError:  # created at the same moment by another booking
        return Calendar.objects.get(clinic=clinic, user=user)


def _local(dt: datetime, clinic) -> datetime:
    return timezone.localtime(dt, clinic_zone(clinic))


def _hours(weekly: list, exceptions: list, day: date) -> list[tuple[time, time]]:
    """Working hours on ``day`` from its weekly blocks and that day's exceptions (extra hours added, time off cut)."""
    blocks = [(a.start, a.end) for a in weekly if a.weekday == day.weekday()]
    today = [e for e in exceptions if e.date == day]
    blocks += [(e.start, e.end) for e in today if e.kind == "extra" and e.start and e.end]
    for e in today:
        if e.kind != "off":
            continue
        if e.start is None or e.end is None:
            return []
        cut = []
        for s, t in blocks:
            if t <= e.start or s >= e.end:
                cut.append((s, t))
                continue
            if s < e.start:
                cut.append((s, e.start))
            if t > e.end:
                cut.append((e.end, t))
        blocks = cut
    return _merge(blocks)


def hours_on(clinic, user, day: date) -> list[tuple[time, time]]:
    """Working hours on a date: the weekly hours, plus extra hours, minus time off."""
    weekly = list(Availability.objects.filter(clinic=clinic, user=user, weekday=day.weekday()))
    return _hours(weekly, list(AvailabilityException.objects.filter(clinic=clinic, user=user, date=day)), day)


def working_minutes(clinic, user, first: date, last: date) -> int:
    """Minutes of working hours from ``first`` to ``last`` inclusive (weekly hours, extra hours, time off), in two
    queries: what utilisation is counted against (analytics/operations.py)."""
    weekly = list(Availability.objects.filter(clinic=clinic, user=user))
    exceptions = list(AvailabilityException.objects.filter(clinic=clinic, user=user, date__gte=first, date__lte=last))
    total, day = 0, first
    while day <= last:
        total += sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in _hours(weekly, exceptions, day))
        day += timedelta(days=1)
    return total


def free_slots(clinic, user, after: datetime, minutes: int = 30, n: int = 8, days: int = 28) -> list[datetime]:
    """The next ``n`` free starts of ``minutes`` in ``user``'s working hours after ``after``, on the half hour (or
    the quarter for a 15-minute visit), in three queries whatever the window: what the booking form offers instead
    of an empty date field (issue 18)."""
    tz = clinic_zone(clinic)
    first = _local(after, clinic).date()
    last = first + timedelta(days=days)
    weekly = list(Availability.objects.filter(clinic=clinic, user=user))
    exceptions = list(AvailabilityException.objects.filter(clinic=clinic, user=user, date__gte=first, date__lte=last))
    busy = list(
        Appointment.objects.filter(
            practitioner=user, status__in=Appointment.BUSY, end__gt=after,
            start__lt=datetime.combine(last + timedelta(days=1), time.min, tz),
        ).values_list("start", "end")
    )  # fmt: skip
    step_min = 15 if minutes < 30 else 30
    step, length = timedelta(minutes=step_min), timedelta(minutes=minutes)
    out: list[datetime] = []
    day = first
    while day <= last and len(out) < n:
        for s, e in _hours(weekly, exceptions, day):
            minute = -(-(s.hour * 60 + s.minute) // step_min) * step_min  # the block's start, up to the next step
            if minute >= 24 * 60:
                continue
            t, end = datetime.combine(day, time(minute // 60, minute % 60), tz), datetime.combine(day, e, tz)
            while t + length <= end and len(out) < n:
                if t > after and not any(b < t + length and t < c for b, c in busy):
                    out.append(t)
                t += step
        day += timedelta(days=1)
    return out


def _merge(blocks):
    out: list[tuple[time, time]] = []
    for s, t in sorted(blocks):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], t))
        else:
            out.append((s, t))
    return out


def within_hours(clinic, user, start: datetime, end: datetime) -> bool:
    s, e = _local(start, clinic), _local(end, clinic)
    if s.date() != e.date() and not (e.time() == time(0) and e.date() == s.date() + timedelta(days=1)):
        return False
    end_t = e.time() if e.date() == s.date() else time.max
    return any(a <= s.time() and end_t <= b for a, b in hours_on(clinic, user, s.date()))


def _overlaps(qs, start, end):
    return qs.filter(status__in=Appointment.BUSY, start__lt=end, end__gt=start)


def _fmt(a: Appointment) -> str:
    s, e = _local(a.start, a.clinic), _local(a.end, a.clinic)
    return f"{s:%a %d %b %H:%M}–{e:%H:%M}"


def check_length(start, end) -> None:
    if end <= start:
        raise ValidationError({"end": pgettext("staff", "The appointment must end after it starts.")})
    if end - start > timedelta(minutes=MAX_MINUTES):
        raise ValidationError(
            {"end": pgettext("staff", "An appointment is at most %(hours)s hours long.") % {"hours": MAX_MINUTES // 60}}
        )


def practitioner_clash(practitioner, clash: Appointment) -> str:
    return pgettext("staff", "%(practitioner)s is already booked %(when)s: the times overlap.") % {
        "practitioner": practitioner.display_name(),
        "when": _fmt(clash),
    }


def patient_clash(patient, clash: Appointment) -> str:
    return pgettext("staff", "%(patient)s already has an appointment %(when)s.") % {
        "patient": patient.name,
        "when": _fmt(clash),
    }


def check_slot(clinic, practitioner, patient, start, end, override: str = "", exclude=None) -> None:
    """Refuse, with a precise message, a slot that is impossible; the caller holds the calendar lock."""
    check_length(start, end)
    if not practitioners(clinic).filter(pk=practitioner.pk).exists():
        raise ValidationError({"practitioner": pgettext("staff", "Book with a practitioner of this clinic.")})
    if not override.strip() and not within_hours(clinic, practitioner, start, end):
        raise ValidationError(
            {
                "start": pgettext(
                    "staff",
                    "%(start)s–%(end)s is outside %(display_name)s's hours. Choose another time, or give a reason "
                    "to "
                    "book outside hours.",
                )
                % {
                    "start": format(_local(start, clinic), "%a %d %b %H:%M"),
                    "end": format(_local(end, clinic), "%H:%M"),
                    "display_name": practitioner.display_name(),
                }
            }
        )
    # A practitioner who works in two clinics is in one place at a time: their appointments in every clinic
    # count (the message gives the time only). A patient belongs to one clinic.
    mine = Appointment.objects.all()
    if exclude is not None:
        mine = mine.exclude(pk=exclude.pk)
    clash = _overlaps(mine.filter(practitioner=practitioner), start, end).first()
    if clash:
        raise ValidationError({"start": practitioner_clash(practitioner, clash)})
    clash = _overlaps(mine.filter(patient=patient), start, end).first()
    if clash:
        raise ValidationError({"start": patient_clash(patient, clash)})


def book(clinic, user, *, patient, practitioner, start, end, kind, episode=None, component=None, override="", note="",
         status=Appointment.Status.BOOKED, cancel_reason=""):  # fmt: skip
    """Book one appointment. The practitioner's row is locked, so two bookings of one slot cannot both win.
    ``status`` REQUESTED: a patient's online request, holding the time until the front desk confirms it."""
    return book_series(
        clinic,
        user,
        patient=patient,
        practitioner=practitioner,
        slots=[(start, end)],
        kind=kind,
        episode=episode,
        component=component,
        override=override,
        note=note,
        status=status,
        cancel_reason=cancel_reason,
    )[0]


def book_series(
    clinic, user, *, patient, practitioner, slots, kind, episode=None, component=None, override="", note="",
    status=Appointment.Status.BOOKED, cancel_reason="",
):  # fmt: skip
    """Book several slots all or nothing (a plan's visits): one refusal books none and names the slot."""
    if not slots:
        raise ValidationError(pgettext("staff", "Nothing to book."))
    if len(slots) > MAX_SERIES:
        raise ValidationError(
            {"repeat": pgettext("staff", "At most %(most)s appointments at once.") % {"most": MAX_SERIES}}
        )
    if episode is not None and episode.patient_id != patient.pk:
        raise ValidationError(pgettext("staff", "The episode belongs to another patient."))
    if component is not None and component.patient_id != patient.pk:
        raise ValidationError(pgettext("staff", "The plan component belongs to another patient."))
    made = []
    with transaction.atomic():
        # The lock: the practitioner's row, held until commit on PostgreSQL (whichever clinic books);
        # SQLite's IMMEDIATE transactions already queue writers.
        list(User.objects.select_for_update().filter(pk=practitioner.pk).values_list("pk", flat=True))
        for i, (start, end) in enumerate(slots):
            try:
                # A cancelled appointment (one imported as it was) holds no time.
                if status in Appointment.BUSY:
                    check_slot(clinic, practitioner, patient, start, end, override)
            except ValidationError as e:
                if len(slots) > 1:
                    msgs = " ".join(e.messages)
                    raise ValidationError(
                        pgettext("staff", "Appointment %(number)s of %(count)s: %(msgs)s Nothing was booked.")
                        % {"number": i + 1, "count": len(slots), "msgs": msgs}
                    ) from None
                raise
            a = Appointment(
                clinic=clinic,
                patient=patient,
                episode=episode,
                component=component,
                practitioner=practitioner,
                kind=kind,
                start=start,
                end=end,
                outside_hours_reason=override.strip(),
                note=note,
                status=status,
                cancel_reason=cancel_reason.strip()[:200] if status == Appointment.Status.CANCELLED else "",
                created_by=user,
                updated_by=user,
            )
            a.full_clean(
                exclude=["clinic", "patient", "practitioner", "created_by", "updated_by", "episode", "component"]
            )
            a.save()
            made.append(a)
    return made


def set_status(appt: Appointment, user, status: str, reason: str = "") -> Appointment:
    """Cancel, record a no-show or attendance; a cancelled appointment is final (book again instead)."""
    if status not in Appointment.Status.values:
        raise ValidationError({"status": pgettext("staff", "Unknown status.")})
    if appt.status == Appointment.Status.CANCELLED:
        raise ValidationError(pgettext("staff", "This appointment was cancelled; book a new one instead."))
    if status == Appointment.Status.CANCELLED and not reason.strip():
        raise ValidationError({"reason": pgettext("staff", "Say why the appointment is cancelled.")})
    if appt.status == Appointment.Status.REQUESTED and status not in (Appointment.Status.CANCELLED,):
        raise ValidationError(pgettext("staff", "This is a patient's request: confirm or decline it first."))
    if status in (Appointment.Status.NO_SHOW, Appointment.Status.ATTENDED) and appt.start > timezone.now():
        raise ValidationError(
            {"status": pgettext("staff", "An appointment that has not started yet cannot be attended or missed.")}
        )
    appt.status = status
    if status == Appointment.Status.CANCELLED:
        appt.cancel_reason = reason.strip()[:200]
    appt.updated_by = user
    appt.save()
    return appt


def answer_request(appt: Appointment, user, confirm: bool, reason: str = "") -> Appointment:
    """The front desk confirms a patient's online request (it becomes an ordinary booking, confirmed by email with
    its calendar file) or declines it with a reason the patient reads."""
    with transaction.atomic():
        rows = Appointment.objects.select_for_update(of=("self",)).select_related("patient", "clinic", "practitioner")
        appt = rows.get(clinic=appt.clinic_id, pk=appt.pk)
        if appt.status != Appointment.Status.REQUESTED:
            raise ValidationError(
                pgettext("staff", "This appointment is %(status)s, not a request.")
                % {"status": appt.get_status_display().lower()}
            )
        if confirm:
            appt.status = Appointment.Status.BOOKED
        else:
            reason = " ".join((reason or "").split())
            if not reason:
                raise ValidationError(
                    {"reason": pgettext("staff", "Say why, in words for the patient (they read it).")}
                )
            appt.status, appt.cancel_reason = Appointment.Status.CANCELLED, at_most("reason", reason, 200)
        appt.updated_by = user
        appt.save(update_fields=["status", "cancel_reason", "updated_by", "updated"])
        template = "appointments/email/request_confirmed.txt" if confirm else "appointments/email/request_declined.txt"
        attachments = (("appointment.ics", ics_one(appt), "text/calendar"),) if confirm else ()
        mail.send(template, {"a": appt, "patient": appt.patient}, [appt.patient.email], appt.clinic,
                  attachments=attachments, language=languages.of_record(appt.patient.preferred_language))  # fmt: skip
    return appt


def move(appt: Appointment, user, *, practitioner, start: datetime, end: datetime, override: str = "") -> Appointment:
    """Move a booked appointment to another time (or practitioner), checked as a new booking is, under the same
    lock; its reminder goes again for the new time. The old time is then free (and offered to the waitlist)."""
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk=practitioner.pk).values_list("pk", flat=True))
        appt = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("patient", "clinic")
            .get(clinic=appt.clinic_id, pk=appt.pk)
        )
        if appt.status != Appointment.Status.BOOKED:
            raise ValidationError(
                pgettext("staff", "This appointment is %(status)s: it cannot be moved.")
                % {"status": appt.get_status_display().lower()}
            )
        if appt.start <= timezone.now():
            raise ValidationError(
                pgettext("staff", "This appointment has started: record what happened instead of moving it.")
            )
        if start <= timezone.now():
            raise ValidationError({"start": pgettext("staff", "Move it to a time that has not passed.")})
        check_slot(appt.clinic, practitioner, appt.patient, start, end, override, exclude=appt)
        appt.practitioner, appt.start, appt.end = practitioner, start, end
        appt.outside_hours_reason = override.strip()
        appt.reminder_sent, appt.reminder_error = None, ""
        appt.updated_by = user
        appt.save()
    return appt


def mark_arrived(appt: Appointment, user) -> Appointment:
    """The front desk's "arrived": today's booked appointment, once (a second click changes nothing)."""
    if appt.status != Appointment.Status.BOOKED:
        raise ValidationError(
            pgettext("staff", "This appointment is %(status)s: it cannot be marked arrived.")
            % {"status": appt.get_status_display().lower()}
        )
    if _local(appt.start, appt.clinic).date() != timezone.localdate(timezone=clinic_zone(appt.clinic)):
        raise ValidationError(pgettext("staff", "Only today's appointments can be marked arrived."))
    if appt.arrived_at is None:
        appt.arrived_at = timezone.now()
        appt.updated_by = user
        appt.save(update_fields=["arrived_at", "updated_by", "updated"])
    return appt


def episode_for_visit(appt: Appointment) -> Episode:
    """The episode a visit from this appointment belongs to: its own, else the patient's only open one."""
    if appt.episode_id is not None:
        return appt.episode  # type: ignore[return-value]
    open_ = list(
        Episode.objects.filter(clinic=appt.clinic_id, patient=appt.patient_id, status=Episode.Status.OPEN)
        .select_related("patient")
        .order_by("-start_date")[:2]
    )
    if len(open_) == 1:
        return open_[0]
    if not open_:
        raise ValidationError(
            pgettext("staff", "%(name)s has no open episode: open one on the patient's page first.")
            % {"name": appt.patient.name}
        )
    raise ValidationError(
        pgettext("staff", "%(name)s has several open episodes: start the visit from the right episode's page.")
        % {"name": appt.patient.name}
    )


def start_visit(appt: Appointment, user) -> tuple:
    """ "Start visit" on today's appointment: the draft visit it already has, or a new one on its episode; the
    appointment is then attended and linked to the visit (the page and the API start visits the same way).
    Returns (visit, whether it was made now).

    Call inside a transaction: the appointment row is locked so that two clicks make one visit.
    """
    # of=self: PostgreSQL locks no row of the outer-joined episode (an appointment may have none).
    appt = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "episode__patient", "clinic")
        .get(clinic=appt.clinic_id, pk=appt.pk)
    )
    if appt.visit_id is not None:
        return Visit.objects.select_related("patient").get(clinic=appt.clinic_id, pk=appt.visit_id), False
    if appt.status == Appointment.Status.CANCELLED:
        raise ValidationError(
            pgettext("staff", "This appointment was cancelled: book a new one or start the visit from the episode.")
        )
    if _local(appt.start, appt.clinic).date() != timezone.localdate(timezone=clinic_zone(appt.clinic)):
        raise ValidationError(pgettext("staff", "A visit is started from today's appointment only."))
    visit = visits.start_visit(episode_for_visit(appt), user)
    appt.visit = visit
    appt.episode = visit.episode
    appt.status = Appointment.Status.ATTENDED
    appt.arrived_at = appt.arrived_at or timezone.now()
    appt.updated_by = user
    appt.save()
    return visit, True


def start_visit_for(request, appt: Appointment, via: str = "") -> tuple:
    """ "Start visit" as the page and the API do it: the care team checked (when a visit is to be made), the visit
    started or found (start_visit), each outcome audited. Returns (visit, made); refusals raise ValidationError."""
    detail = f"{via}from its appointment"
    try:
        if appt.visit_id is None:
            episode = episode_for_visit(appt)
            care_team.get_clinical(request, Episode.objects.all(), write=True, pk=episode.pk)
        with transaction.atomic():
            visit, made = start_visit(appt, request.user)
            if made:
                record(request, "visit.create", visit, category="procedure", detail=detail)
                record(request, "appointment.attended", appt, patient=appt.patient, category="scheduling")
    except ValidationError as e:
        record(request, "visit.create", appt, patient=appt.patient, category="procedure", outcome="invalid",
               detail=f"{detail}: " + "; ".join(e.messages)[:150])  # fmt: skip
        raise
    if not made:
        record(request, "visit.view", visit, category="procedure", detail=f"{via}opened from its appointment")
    return visit, made


# --- The calendar grid -------------------------------------------------------------------
def columns(clinic, people: list, first: date, n: int) -> tuple[list, list[Appointment]]:
    """The grid's columns (appointments/grid.py): each practitioner in ``people`` on each of ``n`` days from
    ``first`` (a day: practitioners side by side; a week: one practitioner's days), and the cancelled appointments
    of the range, listed under the grid. Five queries whatever the range or the team."""
    tz = clinic_zone(clinic)
    start = datetime.combine(first, time.min, tz)
    end = datetime.combine(first + timedelta(days=n), time.min, tz)
    ids = [u.pk for u in people]
    appts = list(
        Appointment.objects.filter(clinic=clinic, practitioner__in=ids, start__lt=end, end__gt=start)
        .select_related("patient", "practitioner")
        .order_by("start")
    )
    # A practitioner who also works elsewhere is busy then too (shown without detail: another clinic's record).
    elsewhere = list(
        Appointment.objects.filter(
            practitioner__in=ids, status__in=Appointment.BUSY, start__lt=end, end__gt=start
        ).exclude(clinic=clinic).values_list("practitioner_id", "start", "end")
    )  # fmt: skip
    weekly = list(Availability.objects.filter(clinic=clinic, user__in=ids))
    last = first + timedelta(days=n)
    exceptions = list(AvailabilityException.objects.filter(clinic=clinic, user__in=ids, date__gte=first, date__lt=last))
    out = []
    for i in range(n):
        d = first + timedelta(days=i)
        for u in people:
            busy = [
                (_local(a.start, clinic), _local(a.end, clinic), a)
                for a in appts
                if a.practitioner_id == u.pk and a.status != Appointment.Status.CANCELLED
                and _local(a.start, clinic).date() <= d <= _local(a.end - timedelta(microseconds=1), clinic).date()
            ]  # fmt: skip
            busy += [
                (_local(s, clinic), _local(e, clinic), None)
                for pk, s, e in elsewhere
                if pk == u.pk and _local(s, clinic).date() <= d <= _local(e - timedelta(microseconds=1), clinic).date()
            ]
            hours = _hours([a for a in weekly if a.user_id == u.pk], [x for x in exceptions if x.user_id == u.pk], d)
            out.append(grid.Column(d, hours, busy, key=u))
    return out, [a for a in appts if a.status == Appointment.Status.CANCELLED]


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


# --- iCalendar (RFC 5545), written with the standard library ----------------------------
def ics(calendar: Calendar, names: bool, now=None) -> str:
    """The practitioner's appointments from 30 days ago on; no patient names unless the clinic allows them.

    Written by the ``icalendar`` library (escaping, line folding and UTC times per RFC 5545).
    """
    now = now or timezone.now()
    appts = (
        Appointment.objects.filter(
            clinic=calendar.clinic, practitioner=calendar.user, start__gte=now - timedelta(days=30)
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient")
        .order_by("start")[:2000]
    )
    feed = icalendar.Calendar()
    feed.add("prodid", "-//dryneedle//appointments//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", calendar.clinic.name)
    for a in appts:
        event = icalendar.Event()
        event.add("uid", f"{a.code}@dryneedle")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", a.start.astimezone(UTC))
        event.add("dtend", a.end.astimezone(UTC))
        event.add("summary", f"{a.get_kind_display()}: {a.patient.name}" if names else "Appointment")
        event.add("location", calendar.clinic.address or calendar.clinic.name)
        event.add("status", "CONFIRMED")
        feed.add_component(event)
    return feed.to_ical().decode()


def ics_one(a: Appointment, names: bool = True) -> str:
    """One appointment as an iCalendar file, attached to its confirmation (RFC 5545, by the icalendar library)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//dryneedle//appointments//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{a.code}@dryneedle")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", a.start.astimezone(UTC))
    event.add("dtend", a.end.astimezone(UTC))
    event.add("summary", f"{a.get_kind_display()} with {a.practitioner.display_name()}" if names else "Appointment")
    event.add("location", a.clinic.address or a.clinic.name)
    cal.add_component(event)
    return cal.to_ical().decode()


# --- Reminders ---------------------------------------------------------------------------
def reminder_text(a: Appointment) -> str:
    """The reminder as a text: a day, a time, a phone number and the link to stop texts; nothing clinical
    (lib/sms.check), not even the clinic's name."""
    with texts.speaking(a.patient):
        when = dateformat.format(timezone.localtime(a.start, clinic_zone(a.clinic)), "D j M, H:i")
        text = _("Reminder: your appointment is %(when)s.") % {"when": when}
        if a.clinic.phone:
            text += " " + _("To change it call %(phone)s.") % {"phone": a.clinic.phone}
    return texts.with_stop(a.patient, text)


def send_reminders(now=None, stdout=None) -> dict:
    """Email tomorrow's patients (once each) and recall patients whose maintenance follow-up is near."""
    now = now or timezone.now()
    sent = {"reminders": 0, "recalls": 0, "texts": 0}
    window = Appointment.objects.filter(
        status=Appointment.Status.BOOKED,
        reminder_sent__isnull=True,
        start__gt=now,
        start__lte=now + timedelta(hours=settings.REMINDER_HOURS),
    )
    # By email to those with an address, and by text to those who agreed to texts (patients/texts.py).
    by_text = texts.texted_ids(window.values("clinic").distinct()) if sms.enabled() else set()
    due = (window.filter(patient__email__gt="") | window.filter(patient__in=by_text)).select_related(
        "patient", "clinic", "practitioner")  # fmt: skip
    for a in due:
        # Claim the row first: a concurrent run finds it claimed and sends nothing.
        if not Appointment.objects.filter(pk=a.pk, reminder_sent__isnull=True).update(reminder_sent=now):
            continue

        # Refused by the mail server: unclaim it (the next run tries again) and say why on reception's home page.
        def refused(why: str, pk=a.pk, clinic=a.clinic_id) -> None:
            Appointment.objects.filter(clinic=clinic, pk=pk).update(reminder_sent=None, reminder_error=why)

        Appointment.objects.filter(clinic=a.clinic_id, pk=a.pk).exclude(reminder_error="").update(reminder_error="")
        mail.send("appointments/email/reminder.txt", {"a": a}, [a.patient.email], a.clinic, failed=refused,
                  language=languages.of_record(a.patient.preferred_language))  # fmt: skip
        if a.patient_id in by_text:
            sms.send(a.patient.phone, reminder_text(a))
            sent["texts"] += 1
        sent["reminders"] += 1
    plans_due = CarePlan.objects.filter(
        episode__status=Episode.Status.DISCHARGED, maintenance_every_weeks__isnull=False, patient__email__gt=""
    ).select_related("episode", "patient", "clinic")
    for plan in plans_due:
        today = timezone.localdate(now, clinic_zone(plan.clinic))
        d = plans.next_maintenance(plan, today)
        if d is None or d > today + timedelta(days=plans.RECALL_DAYS_BEFORE) or plan.recall_sent_for == d:
            continue
        if not CarePlan.objects.filter(pk=plan.pk).exclude(recall_sent_for=d).update(recall_sent_for=d):
            continue
        mail.send("appointments/email/recall.txt", {"plan": plan, "due": d}, [plan.patient.email], plan.clinic,
                  language=languages.of_record(plan.patient.preferred_language))  # fmt: skip
        sent["recalls"] += 1
    if stdout:
        stdout.write(f"{sent['reminders']} appointment reminders ({sent['texts']} also by text), {sent['recalls']} "
                     "maintenance recalls sent.\n")  # fmt: skip
    return sent


# --- What plans ask about bookings (plans.services hooks; provided in apps.py) -------------
BUSY = (Appointment.Status.BOOKED, Appointment.Status.ATTENDED)


def booked_counts(components) -> dict[int, int]:
    """Appointments booked or attended per component, for a queryset of components (one query)."""
    busy = Q(appointments__status__in=BUSY)
    return dict(components.annotate(n=Count("appointments", filter=busy)).values_list("id", "n"))


def booked_days(patients, since: date) -> dict[int, list[date]]:
    """Per patient, the local dates of their booked or attended appointments from ``since`` on (one query)."""
    out: dict[int, list[date]] = {p.pk: [] for p in patients}
    if not out:
        return out
    clinics = Clinic.objects.in_bulk({p.clinic_id for p in patients})
    zones = {p.pk: clinic_zone(clinics[p.clinic_id]) for p in patients}
    rows = Appointment.objects.filter(patient_id__in=out, status__in=BUSY, start__date__gte=since)
    for patient_id, start in rows.values_list("patient_id", "start"):
        out[patient_id].append(timezone.localtime(start, zones[patient_id]).date())
    return out


def appointments_of(episode):
    return Appointment.objects.filter(episode=episode).select_related("practitioner").order_by("start")
