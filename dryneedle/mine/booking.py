"""The patient's own appointments (issue 19): cancel or change one with the clinic's notice, book a type the
clinic lets patients book online, and answer the questions the booking asks (appointments/intake.py)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed
from dryneedle.accounts.middleware import activate_clinic_timezone
from dryneedle.accounts.people import practitioners
from dryneedle.aftercare import rules as aftercare_rules
from dryneedle.appointments import intake as booking_intake
from dryneedle.appointments import services as appointments
from dryneedle.appointments import waitlist
from dryneedle.appointments.models import Appointment, OnlineBooking
from dryneedle.audit.log import record
from dryneedle.lib import mail
from dryneedle.lib.dates import when
from dryneedle.mine import signin
from dryneedle.mine.theirs import ACTOR, record_for, their_records
from dryneedle.patients.models import Episode
from dryneedle.portal import intake as intake_answers
from dryneedle.portal.forms import QUESTIONS, IntakeForm
from dryneedle.portal.models import Intake

CAT = "scheduling"
# What the patient reads when the calendar refuses at the last moment (a time taken between the page's check and the
# lock, the practitioner's hours changed, the appointment cancelled meanwhile): the calendar's own messages are for
# the front desk, in English, and may name another booking.
TAKEN = gettext_lazy("That time has just been taken or is no longer offered: choose another.")
NOT_CANCELLABLE = gettext_lazy("This appointment can no longer be cancelled online: please call the clinic.")

ONLINE = (OnlineBooking.Mode.INSTANT, OnlineBooking.Mode.REQUEST)
# The pre-fill's first group: the warning signs of cauda equina (portal/forms.py, §5.2).
WARNING_SIGNS = {code for code, _text in QUESTIONS[0][1]}


def in_time(appt) -> bool:
    """Far enough ahead to cancel or change online: the clinic's notice (Clinic.online_notice_hours)."""
    return appt.start - timezone.now() >= timedelta(hours=appt.clinic.online_notice_hours)


def confirm_by_email(appt, intake=None) -> None:
    """The patient's own booking confirmed in the language of their pages (appointments/intake.py)."""
    booking_intake.confirm_by_email(appt, intake, get_language())


def slot_value(t) -> str:
    """A free time as a form sends it back: the clinic's clock, to the minute."""
    return f"{timezone.localtime(t):%Y-%m-%dT%H:%M}"


def chosen_slot(free: list, value: str):
    """The free time a form named, or None (taken meanwhile, or never offered)."""
    return next((t for t in free if slot_value(t) == value), None)


def offered(free: list) -> list[tuple[str, str]]:
    """The free times as the page lists them: (value, label in the page's language)."""
    return [(slot_value(t), when(t, "day_time")) for t in free]


def pick(clinic, data, rules: dict, usual: str | None = None, first_kind: bool = True):
    """(kinds, kind, people, who) for a booking form: the types ``rules`` allows online, the one named (else the
    first, when ``first_kind``), the clinic's practitioners and the one named (else ``usual``, else the first)."""
    kinds = [(k, label) for k, label in Appointment.KINDS if k in rules]
    kind = data.get("kind") if data.get("kind") in rules else (kinds[0][0] if kinds and first_kind else None)
    people = list(practitioners(clinic))
    wanted = data.get("practitioner") or usual
    who = next((u for u in people if u.username == wanted), people[0] if people else None)
    return kinds, kind, people, who


def free_times(clinic, who, rule, n: int = 12) -> list:
    """A practitioner's next free times of the rule's length, from now, in their real hours."""
    return appointments.free_slots(clinic, who, timezone.now(), minutes=rule.minutes, n=n) if who and rule else []


def booked(request, appt, intake) -> HttpResponse:
    """After a booking online (a patient's, or a newcomer's first): what happened, then the questions before the
    visit when it asks them (appointments/intake.py), else their appointments."""
    said = {"when": when(appt.start, "day_time"), "who": appt.practitioner.display_name(), "clinic": appt.clinic.name}
    if appt.status == Appointment.Status.REQUESTED:
        messages.success(request, _("Requested: %(when)s with %(who)s at %(clinic)s. The time is held for you; "
                                    "%(clinic)s confirms it by email.") % said)  # fmt: skip
    else:
        messages.success(request, _("Booked: %(when)s with %(who)s at %(clinic)s. A confirmation is on its way "
                                    "by email.") % said)  # fmt: skip
    return redirect("mine:intake", intake.code) if intake is not None else redirect("mine:home")


@allowed
@require_POST
def cancel(request, code) -> HttpResponse:
    """Cancel one's own booked (or requested) appointment with the clinic's notice; the time goes to the waitlist."""
    clinics, ids = their_records(request)
    appt = (
        Appointment.objects.filter(clinic__in=clinics, patient__in=ids, code=code)
        .select_related("patient", "practitioner", "clinic")
        .first()
    )
    if appt is None:  # another patient's, or none: not found, whoever asks
        record(request, "appointment.cancelled", outcome="denied", actor=ACTOR, category=CAT, detail="not theirs")
        raise Http404("Not found")
    activate_clinic_timezone(appt.clinic)
    try:
        if not in_time(appt):
            raise ValidationError(_("It is less than %(hours)s hours away: please call the clinic to cancel.")
                                  % {"hours": appt.clinic.online_notice_hours})  # fmt: skip
        with transaction.atomic():
            try:
                appointments.set_status(appt, None, Appointment.Status.CANCELLED, "Cancelled by the patient online")
            except ValidationError:  # cancelled meanwhile (a second click, the front desk)
                raise ValidationError(NOT_CANCELLABLE) from None
            record(request, "appointment.cancelled", appt, patient=appt.patient, actor=ACTOR, category=CAT,
                   detail="by the patient")  # fmt: skip
            waitlist.after_freed(request, appt.clinic, appt.practitioner, appt.start, appt.end)
    except ValidationError as e:
        record(request, "appointment.cancelled", appt, patient=appt.patient, actor=ACTOR, category=CAT,
               outcome="invalid")  # fmt: skip
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Cancelled: %(when)s with %(who)s. %(clinic)s has been told.") % {
            "when": when(appt.start, "day_time"), "who": appt.practitioner.display_name(),
            "clinic": appt.clinic.name})  # fmt: skip
    return redirect("mine:home")


@allowed
def book(request) -> HttpResponse:
    """Book a type of appointment the clinic lets patients book online: one of a practitioner's next free times."""
    records = list(signin.patients_for(signin.email_of(request)))
    data = request.POST if request.method == "POST" else request.GET
    patient = record_for(request, data, "appointment.book", CAT)
    clinic = patient.clinic
    rules = {r.kind: r for r in OnlineBooking.objects.filter(clinic=clinic, mode__in=ONLINE)}
    usual = Episode.objects.filter(clinic=clinic, patient=patient, status=Episode.Status.OPEN).exclude(
        clinician=None).values_list("clinician__username", flat=True).first()  # fmt: skip
    # A page opened plainly offers the first type; a form sent with a type not offered is refused.
    kinds, kind, people, who = pick(clinic, data, rules, usual, first_kind=request.method == "GET")
    free = free_times(clinic, who, rules.get(kind))
    if request.method == "POST":
        chosen = chosen_slot(free, data.get("slot", ""))
        try:
            if kind is None or who is None:
                raise ValidationError(_("That type of appointment is not booked online here: please call the clinic."))
            if chosen is None:
                raise ValidationError(TAKEN)
            asking = rules[kind].mode == OnlineBooking.Mode.REQUEST
            with transaction.atomic():
                try:
                    appt = appointments.book(clinic, None, patient=patient, practitioner=who, start=chosen,
                                             end=chosen + timedelta(minutes=rules[kind].minutes), kind=kind,
                                             note="Requested online by the patient" if asking else "Booked online "
                                             "by the patient", status=Appointment.Status.REQUESTED if asking
                                             else Appointment.Status.BOOKED)  # fmt: skip
                except ValidationError:
                    raise ValidationError(TAKEN) from None
                record(request, "appointment.book", appt, patient=patient, actor=ACTOR, category=CAT,
                       detail="online request" if asking else "online")  # fmt: skip
                intake = booking_intake.ask(appt)
                if intake is not None:
                    record(request, "intake.asked", intake, patient=patient, actor=ACTOR)
                confirm_by_email(appt, intake)
        except ValidationError as e:
            record(request, "appointment.book", patient, actor=ACTOR, category=CAT, outcome="invalid")
            messages.error(request, " ".join(e.messages))
            return redirect(
                f"{request.path}?patient={patient.code}&kind={kind or ''}&practitioner={who.username if who else ''}"
            )
        return booked(request, appt, intake)
    record(request, "appointment.new", patient, actor=ACTOR, category=CAT, detail="online")
    return render(request, "mine/book.html", {
        "records": records, "patient": patient, "kinds": kinds, "kind": kind, "people": people, "who": who,
        "free": offered(free),
        "minutes": rules[kind].minutes if kind else None,
        "asking": kind is not None and rules[kind].mode == OnlineBooking.Mode.REQUEST,
    })  # fmt: skip


@allowed
def move(request, code) -> HttpResponse:
    """Change the time of one's own booked appointment, with the clinic's notice: one of the same practitioner's
    next free times of the same length, moved under the front desk's lock; the old time goes to the waitlist."""
    clinics, ids = their_records(request)
    appt = (
        Appointment.objects.filter(clinic__in=clinics, patient__in=ids, code=code)
        .select_related("patient", "practitioner", "clinic")
        .first()
    )
    if appt is None:
        record(request, "appointment.move", outcome="denied", actor=ACTOR, category=CAT, detail="not theirs")
        raise Http404("Not found")
    clinic = appt.clinic
    activate_clinic_timezone(clinic)
    minutes = int((appt.end - appt.start).total_seconds() // 60)
    movable = appt.status == Appointment.Status.BOOKED and in_time(appt)
    earliest = timezone.now() + timedelta(hours=clinic.online_notice_hours)
    free = appointments.free_slots(clinic, appt.practitioner, earliest, minutes=minutes, n=12) if movable else []
    if request.method == "POST":
        chosen = chosen_slot(free, request.POST.get("slot", ""))
        old_start, old_end = appt.start, appt.end
        try:
            if not movable:
                state = _(appt.get_status_display()).lower()
                raise ValidationError(_("This appointment cannot be changed online (it is %(state)s, or less than "
                                        "%(hours)s hours away): please call the clinic.")
                                      % {"state": state, "hours": clinic.online_notice_hours})  # fmt: skip
            if chosen is None:
                raise ValidationError(TAKEN)
            with transaction.atomic():
                try:
                    appt = appointments.move(appt, None, practitioner=appt.practitioner, start=chosen,
                                             end=chosen + timedelta(minutes=minutes))  # fmt: skip
                except ValidationError:
                    raise ValidationError(TAKEN) from None
                record(request, "appointment.move", appt, patient=appt.patient, actor=ACTOR, category=CAT,
                       detail="by the patient")  # fmt: skip
                waitlist.after_freed(request, clinic, appt.practitioner, old_start, old_end)
                confirm_by_email(appt)
        except ValidationError as e:
            record(request, "appointment.move", appt, patient=appt.patient, actor=ACTOR, category=CAT,
                   outcome="invalid")  # fmt: skip
            messages.error(request, " ".join(e.messages))
            return redirect("mine:move", appt.code)
        said = {"when": when(appt.start, "day_time"), "who": appt.practitioner.display_name()}
        messages.success(
            request, _("Changed: now %(when)s with %(who)s. A confirmation is on its way by email.") % said
        )
        return redirect("mine:home")
    record(request, "appointment.view", appt, patient=appt.patient, actor=ACTOR, category=CAT, detail="to change")
    return render(request, "mine/move.html", {
        "a": appt, "clinic": clinic, "movable": movable, "minutes": minutes,
        "when": when(appt.start, "long"),
        "free": offered(free),
    })  # fmt: skip


@allowed
def intake(request, code) -> HttpResponse:
    """The questions before a visit booked online (portal.Intake): before a first visit, their back pain, health,
    medicines, the warning signs and their details; after a break, what changed. Answered once; the clinician's
    screening starts from them."""
    clinics, ids = their_records(request)
    asked = Intake.objects.filter(clinic__in=clinics, patient__in=ids, code=code).select_related(
        "patient", "clinic").first()  # fmt: skip
    if asked is None:
        record(request, "intake.view", outcome="denied", actor=ACTOR, category="screening", detail="not theirs")
        raise Http404("Not found")
    activate_clinic_timezone(asked.clinic)
    form = IntakeForm(request.POST or None, kind=asked.kind)
    if asked.answered_at is None and request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                given = form.answers()
                filled = intake_answers.answer(asked, given)
                record(request, "intake.answered", asked, patient=asked.patient, actor=ACTOR,
                       detail="details filled: " + (", ".join(filled) or "none"))  # fmt: skip
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            if set(given["findings"]) & WARNING_SIGNS:
                # A warning sign of cauda equina ticked: the emergency instructions now, as a check-in shows them
                # (aftercare/rules.py WARNING_CES); the answers are kept and marked, and the clinic's on-call
                # address hears of it as of a red check-in (the email names no patient).
                if asked.clinic.on_call_email:
                    url = f"{settings.SITE_URL}{reverse('patients:detail', args=[asked.patient.code])}#intake"
                    mail.send("mine/email/intake_warning.txt", {"clinic": asked.clinic, "url": url},
                              [asked.clinic.on_call_email], asked.clinic)  # fmt: skip
                asked = Intake.objects.get(clinic=asked.clinic_id, pk=asked.pk)
                return render(request, "mine/intake.html", {"intake": asked, "clinic": asked.clinic,
                              "urgent": _(aftercare_rules.WARNING_CES)})  # fmt: skip
            thanks = _("Thank you: your answers are with %(clinic)s. Your practitioner goes through them with you at "
                       "the visit.")  # fmt: skip
            messages.success(request, thanks % {"clinic": asked.clinic.name})
            return redirect("mine:home")
    if request.method == "POST":
        record(request, "intake.answered", asked, patient=asked.patient, actor=ACTOR, outcome="invalid")
    else:
        record(request, "intake.view", asked, patient=asked.patient, actor=ACTOR)
    return render(request, "mine/intake.html", {
        "intake": asked, "clinic": asked.clinic, "form": form, "due": when(asked.due, "day_time"),
        "warning": _(aftercare_rules.WARNING_CES),
    }, status=400 if form.errors else 200)  # fmt: skip
