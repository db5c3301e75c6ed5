"""The appointment book: week and day views per practitioner, booking, status, hours, the iCalendar feed."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop, npgettext, pgettext
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.middleware import activate_clinic_timezone, clinic_zone
from dryneedle.accounts.models import Role
from dryneedle.accounts.people import practitioners
from dryneedle.accounts.request import ClinicRequest
from dryneedle.appointments import grid, intake, services, waitlist
from dryneedle.appointments.forms import (
    AvailabilityForm,
    BookForm,
    ExceptionForm,
    MoveForm,
    OnlineBookingForm,
    RemoveForm,
    StatusForm,
    WaitlistForm,
)
from dryneedle.appointments.models import (
    Appointment,
    Availability,
    AvailabilityException,
    Calendar,
    OnlineBooking,
    WaitlistEntry,
    WaitlistOffer,
)
from dryneedle.audit.log import record
from dryneedle.lib import languages
from dryneedle.lib.forms import add_errors
from dryneedle.lib.http import query_date
from dryneedle.patients import services as patients
from dryneedle.patients.models import Episode, Patient
from dryneedle.plans.models import Component
from dryneedle.web import lookups

CAT = "scheduling"


def _who(request: ClinicRequest):
    """The practitioner whose calendar is shown: ?practitioner=, else oneself, else the first one."""
    people = practitioners(request.membership.clinic)
    wanted = request.GET.get("practitioner", "")[:150]
    chosen = people.filter(username=wanted).first() if wanted else None
    if chosen is None and request.membership.role == Role.PRACTITIONER:
        chosen = people.filter(pk=request.user.pk).first()
    return people, chosen or people.first()


def _day(request: ClinicRequest, key: str) -> date:
    return query_date(request, key, timezone.localdate()) or timezone.localdate()


def _grid(request: ClinicRequest, people: list, first: date, n: int, label) -> dict:
    """The time grid's context: rows of cells (appointments/grid.py), each column named by ``label``."""
    clinic = request.membership.clinic
    cols, cancelled = services.columns(clinic, people, first, n)
    step, rows = grid.build(cols, timezone.now(), clinic_zone(clinic))
    return {"columns": [(c, label(c)) for c in cols], "rows": rows, "step": step, "cancelled": cancelled}


@allowed
def week(request: ClinicRequest) -> HttpResponse:
    """One practitioner's week as a time grid: a column a day."""
    people, who = _who(request)
    first = services.monday(_day(request, "week"))
    ctx = _grid(request, [who], first, 7, lambda c: c.day) if who else {}
    ctx["caption"] = f"{who.display_name() if who else ''}: week of {first:%d %B %Y}"
    record(request, "appointments.view", category=CAT, detail=f"week {first}")
    return render(request, "appointments/week.html", {
        "people": people, "who": who, "first": first, **ctx,
        "prev": first - timedelta(days=7), "next": first + timedelta(days=7), "today": timezone.localdate(),
    })  # fmt: skip


@allowed
def day(request: ClinicRequest) -> HttpResponse:
    """The clinic's day as a time grid, practitioners side by side (or one, with ?practitioner=)."""
    people = list(practitioners(request.membership.clinic))
    wanted = request.GET.get("practitioner", "")[:150]
    shown = [p for p in people if p.username == wanted] or people
    who = shown[0] if wanted and len(shown) == 1 else None
    d = _day(request, "date")
    ctx = _grid(request, shown, d, 1, lambda c: c.key) if shown else {}
    ctx["caption"] = f"Appointments on {d:%A %d %B %Y}" + ("" if who else ", practitioners side by side")
    record(request, "appointments.view", category=CAT, detail=f"day {d}")
    return render(request, "appointments/day.html", {
        "people": people, "who": who, "date": d, "today": timezone.localdate(), **ctx,
        "prev": d - timedelta(days=1), "next": d + timedelta(days=1), "monday": services.monday(d),
    })  # fmt: skip


@allowed
def slot(request: ClinicRequest) -> HttpResponse:
    """An empty time clicked on the grid: find the patient (search as you type), then book it on their form."""
    clinic = request.membership.clinic
    who = practitioners(clinic).filter(username=request.GET.get("practitioner", "")[:150]).first()
    try:
        start = datetime.strptime(request.GET.get("start", "")[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        start = None
    if who is None or start is None:
        record(request, "appointment.new", category=CAT, outcome="invalid", detail="slot")
        messages.error(request, pgettext("staff", "That time is not on the calendar: choose a free time on the grid."))
        return redirect("appointments:day")
    start = start.replace(tzinfo=clinic_zone(clinic))
    q = request.GET.get("q", "")[:100]
    found = (
        patients.search(
            Patient.objects.filter(clinic=clinic, merged_into__isnull=True, anonymised_at__isnull=True).exclude(
                status="entered_in_error"
            ),
            q,
        ).order_by("family_name", "given_name")[:20]
        if q.strip()
        else []
    )
    record(request, "appointment.new", category=CAT, detail=f"slot {start:%Y-%m-%d %H:%M}")
    ctx = {"who": who, "start": start, "q": q, "found": found, "free": start > timezone.now(),
           "start_value": f"{start:%Y-%m-%dT%H:%M}"}  # fmt: skip
    if request.htmx:
        return render(request, "appointments/_found.html", ctx)
    return render(request, "appointments/slot.html", ctx)


def _components(patient) -> list[tuple[str, str]]:
    """The patient's open plans' components, with how many are booked, for the booking form."""
    comps = Component.objects.filter(patient=patient, stopped=False, plan__episode__status=Episode.Status.OPEN)
    counts = services.booked_counts(comps)
    return [
        (str(c.code), f"{c} ({c.plan.episode.condition_name}): {counts.get(c.id, 0)} of {c.count} booked")
        for c in comps.select_related("plan__episode").order_by("plan_id", "id")
    ]


def _anonymised(request) -> HttpResponse:
    """An anonymised record (docs/retention.md) is nobody to book: its person is gone from the record."""
    return render(request, "portal/message.html", {"message": "This record was anonymised: there is no one to book."},
                  status=409)  # fmt: skip


@allowed
def book(request: ClinicRequest, code) -> HttpResponse:
    patient = get_for_clinic(request, Patient, code=code)
    if patient.anonymised_at is not None:
        return _anonymised(request)
    clinic = request.membership.clinic
    people, who = _who(request)
    components = _components(patient)
    initial = {"practitioner": who.username if who else None, "date": _day(request, "date"), "kind": "dry_needling"}
    if request.GET.get("component"):
        initial["component"] = request.GET["component"][:40]
    # The practitioner's next free times are offered first; a POST books with whoever the form names.
    if request.method == "POST":
        chosen = people.filter(username=request.POST.get("practitioner", "")[:150]).first() or who
    else:
        chosen = who
    who = chosen
    free = services.free_slots(clinic, who, timezone.now()) if who else []
    # From an empty time clicked on the grid (?start=): that time ticked, or typed when it is further off.
    try:
        start = datetime.strptime(request.GET.get("start", "")[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        start = None
    if start is not None:
        if any(f"{t:%Y-%m-%dT%H:%M}" == request.GET["start"][:16] for t in free):
            initial["slot"] = request.GET["start"][:16]
        else:
            initial["date"], initial["time"] = start.date(), start.time()
    form = BookForm(request.POST or None, initial=initial, practitioners=people, components=components, free=free)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        comp = Component.objects.filter(clinic=clinic, patient=patient, code=d["component"]).first() if d[
            "component"] else None  # fmt: skip
        try:
            with transaction.atomic():
                made = services.book_series(
                    clinic,
                    request.user,
                    patient=patient,
                    practitioner=d["practitioner"],
                    slots=form.slots(),
                    kind=comp.modality if comp else d["kind"],
                    episode=comp.plan.episode if comp else None,
                    component=comp,
                    override=d["override"],
                    note=d["note"],
                )
                for a in made:
                    record(request, "appointment.book", a, patient=patient, category=CAT)
                # A first visit, or one after a long gap, asks the intake questions as an online booking does: the
                # patient gets the booking by email with the link (their pages ask them to sign in).
                asked = intake.ask(made[0]) if patient.email else None
                if asked is not None:
                    record(request, "intake.asked", asked, patient=patient)
                    intake.confirm_by_email(made[0], asked, languages.of_patient(patient))
        except ValidationError as e:
            add_errors(form, e)
        else:
            first = timezone.localtime(made[0].start)
            said = npgettext(
                "staff",
                "Booked %(count)s appointment from %(when)s with %(practitioner)s.",
                "Booked %(count)s appointments from %(when)s with %(practitioner)s.",
                len(made),
            ) % {
                "count": len(made),
                "when": f"{first:%a %d %b %H:%M}",
                "practitioner": d["practitioner"].display_name(),
            }
            if asked is not None:
                said += " " + pgettext("staff", "The questions before the visit went to %(email)s.") % {
                    "email": patient.email
                }
            messages.success(request, said)
            url = reverse("appointments:week") + f"?practitioner={d['practitioner'].username}&week={first.date()}"
            return redirect(url)
    if request.method == "POST":
        record(request, "appointment.book", patient, category=CAT, outcome="invalid")
    else:
        record(request, "appointment.new", patient, category=CAT, detail="form")
    hours = []
    if who:
        hours = [(d, services.hours_on(clinic, who, d)) for d in (timezone.localdate() + timedelta(days=i) for i in
                                                                   range(7))]  # fmt: skip
    upcoming = patient.appointments.filter(start__gte=timezone.now()).select_related("practitioner").order_by("start")
    return render(
        request,
        "appointments/book.html",
        {
            "form": form,
            "patient": patient,
            "who": who,
            "hours": hours,
            "upcoming": upcoming[:20],
            "free": free,
            "people": people,
        },
        status=400 if form.errors else 200,
    )


def _freed(request: ClinicRequest, appt: Appointment, start, end, practitioner=None) -> int:
    """A time freed by a cancellation or a move: offered to the waitlist when it is still to come."""
    if start <= timezone.now():
        return 0
    return waitlist.after_freed(request, request.membership.clinic, practitioner or appt.practitioner, start, end)


def _offered(n: int) -> str:
    if not n:
        return ""
    return " " + npgettext(
        "staff", "The time was offered to %(count)s patient on the waitlist.",
        "The time was offered to %(count)s patients on the waitlist.", n) % {"count": n}  # fmt: skip


def _move_form(request: ClinicRequest, appt: Appointment, data=None) -> MoveForm:
    people = practitioners(request.membership.clinic)
    chosen = people.filter(username=(data or request.GET).get("practitioner", "")[:150]).first() or appt.practitioner
    free = services.free_slots(request.membership.clinic, chosen, timezone.now(), minutes=appt.minutes)
    initial = {"practitioner": chosen.username, "date": timezone.localtime(appt.start).date()}
    return MoveForm(data, practitioners=people, free=free, prefix="move", initial=initial)


@allowed
def detail(request: ClinicRequest, code) -> HttpResponse:
    appt = get_for_clinic(
        request, Appointment.objects.select_related("patient", "practitioner", "component"), code=code
    )
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                services.set_status(appt, request.user, d["status"], d["reason"])
                record(request, f"appointment.{d['status']}", appt, patient=appt.patient, category=CAT)
                offered = _freed(request, appt, appt.start, appt.end) if d["status"] == "cancelled" else 0
        except ValidationError as e:
            appt.refresh_from_db()
            add_errors(form, e)
        else:
            messages.success(
                request,
                pgettext("staff", "%(appt)s, %(name)s: %(status)s.%(offered)s")
                % {
                    "appt": appt,
                    "name": appt.patient.name,
                    "status": appt.get_status_display().lower(),
                    "offered": _offered(offered),
                },
            )
            return _back(request, appt)
    if request.method == "POST":
        record(request, "appointment.status", appt, patient=appt.patient, category=CAT, outcome="invalid")
    else:
        record(request, "appointment.view", appt, patient=appt.patient, category=CAT)
    return _detail_page(request, appt, form=form)


def _detail_page(request: ClinicRequest, appt: Appointment, form=None, move_form=None) -> HttpResponse:
    started = appt.start <= timezone.now()
    form = form or StatusForm()
    if move_form is None and appt.status == Appointment.Status.BOOKED and not started:
        move_form = _move_form(request, appt)
    return render(
        request,
        "appointments/detail.html",
        {"appt": appt, "form": form, "move_form": move_form, "patient": appt.patient, "started": started},
        status=400 if form.errors or (move_form and move_form.errors) else 200,
    )


@allowed
@require_POST
def move(request: ClinicRequest, code) -> HttpResponse:
    """Move a booked appointment to another time or practitioner (from the appointment's page)."""
    appt = get_for_clinic(request, Appointment.objects.select_related("patient", "practitioner"), code=code)
    form = _move_form(request, appt, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        was = f"{timezone.localtime(appt.start):%Y-%m-%d %H:%M} {appt.practitioner.username}"
        start = form.start()
        old = (appt.practitioner, appt.start, appt.end)
        try:
            with transaction.atomic():
                services.move(appt, request.user, practitioner=d["practitioner"], start=start,
                              end=start + (appt.end - appt.start), override=d["override"])  # fmt: skip
                record(request, "appointment.move", appt, patient=appt.patient, category=CAT,
                       detail=f"from {was} to {start:%Y-%m-%d %H:%M} {d['practitioner'].username}")  # fmt: skip
                offered = _freed(request, appt, old[1], old[2], old[0])
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(
                request,
                pgettext("staff", "Moved to %(start)s with %(display_name)s.%(offered)s")
                % {
                    "start": format(start, "%a %d %b %H:%M"),
                    "display_name": d["practitioner"].display_name(),
                    "offered": _offered(offered),
                },
            )
            return redirect("appointments:detail", appt.code)
    record(request, "appointment.move", appt, patient=appt.patient, category=CAT, outcome="invalid")
    appt = get_for_clinic(request, Appointment.objects.select_related("patient", "practitioner"), code=code)
    return _detail_page(request, appt, move_form=form)


def _back(request: ClinicRequest, appt: Appointment) -> HttpResponse:
    """Back where the button was pressed (the day's page or the home page), else to the appointment."""
    nxt = request.POST.get("next", "")
    if nxt in (reverse("home"), reverse("appointments:day")) or nxt.startswith(reverse("appointments:day") + "?"):
        return redirect(nxt)
    return redirect("appointments:detail", appt.code)


@allowed
@require_POST
def arrived(request: ClinicRequest, code) -> HttpResponse:
    appt = get_for_clinic(request, Appointment.objects.select_related("patient", "clinic"), code=code)
    try:
        services.mark_arrived(appt, request.user)
    except ValidationError as e:
        record(request, "appointment.arrived", appt, patient=appt.patient, category=CAT, outcome="invalid")
        messages.error(request, " ".join(e.messages))
    else:
        record(request, "appointment.arrived", appt, patient=appt.patient, category=CAT)
        messages.success(
            request,
            pgettext("staff", "%(name)s has arrived (%(localtime)s).")
            % {"name": appt.patient.name, "localtime": format(timezone.localtime(appt.start), "%H:%M")},
        )
    return _back(request, appt)


@allowed
@require_POST
def start_visit(request: ClinicRequest, code) -> HttpResponse:
    """Start (or open) the needling visit of today's appointment; the appointment is then attended."""
    appt = get_for_clinic(request, Appointment.objects.select_related("patient", "episode", "clinic"), code=code)
    try:
        visit, _ = services.start_visit_for(request, appt)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return _back(request, appt)
    return redirect("visits:detail", visit.code)


def _hours_page(request: ClinicRequest, people, who, hours_form=None, exc_form=None, feed_url=None) -> HttpResponse:
    clinic = request.membership.clinic
    is_admin = request.membership.role == Role.CLINIC_ADMIN
    hours_form = hours_form or AvailabilityForm(prefix="h")
    exc_form = exc_form or ExceptionForm(prefix="x")
    cal = Calendar.objects.filter(clinic=clinic, user=who).first() if who else None
    return render(
        request,
        "appointments/availability.html",
        {
            "people": people,
            "who": who,
            "may_edit": _may_edit(request, who),
            "is_admin": is_admin,
            "hours": Availability.objects.filter(clinic=clinic, user=who) if who else [],
            "exceptions": AvailabilityException.objects.filter(clinic=clinic, user=who, date__gte=timezone.localdate())
            if who
            else [],
            "hours_form": hours_form,
            "exc_form": exc_form,
            "feed_url": feed_url,
            "has_feed": bool(cal and cal.feed_digest),
            "own": who is not None and who.pk == request.user.pk,
        },
        status=400 if hours_form.errors or exc_form.errors else 200,
    )


def _may_edit(request: ClinicRequest, who) -> bool:
    """A practitioner changes their own hours; a clinic admin anyone's."""
    return who is not None and (request.membership.role == Role.CLINIC_ADMIN or who.pk == request.user.pk)


def _back_to_hours(who) -> HttpResponse:
    return redirect(reverse("appointments:availability") + f"?practitioner={who.username if who else ''}")


def _editable(request: ClinicRequest):
    """(people, who) when the requester may change who's hours; otherwise None, refused and audited."""
    people, who = _who(request)
    if not _may_edit(request, who):
        record(request, "availability.change", outcome="denied", category=CAT)
        messages.error(request, pgettext("staff", "You can change your own hours only."))
        return None
    return people, who


@allowed
def availability(request: ClinicRequest) -> HttpResponse:
    """Weekly hours and exceptions. A practitioner edits their own; a clinic admin anyone's."""
    people, who = _who(request)
    record(request, "availability.view", category=CAT, detail=who.username if who else "")
    return _hours_page(request, people, who)


def _add(request: ClinicRequest, form_class, prefix: str, model, action: str, done: str) -> HttpResponse:
    """Add weekly hours or an exception to whose hours are shown, when the requester may change them."""
    if (editable := _editable(request)) is None:
        return _back_to_hours(_who(request)[1])
    people, who = editable
    form = form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        hours_form, exc_form = (form, None) if model is Availability else (None, form)
        return _hours_page(request, people, who, hours_form=hours_form, exc_form=exc_form)
    model.objects.create(clinic=request.membership.clinic, user=who, **form.cleaned_data)
    record(request, action, category=CAT, detail=who.username)
    messages.success(request, done)
    return _back_to_hours(who)


@allowed
@require_POST
def add_hours(request: ClinicRequest) -> HttpResponse:
    return _add(request, AvailabilityForm, "h", Availability, "availability.add", pgettext("staff", "Hours added."))


@allowed
@require_POST
def add_exception(request: ClinicRequest) -> HttpResponse:
    return _add(
        request,
        ExceptionForm,
        "x",
        AvailabilityException,
        "availability.exception",
        pgettext("staff", "Exception added."),
    )


def _remove(request: ClinicRequest, model, code, action: str) -> HttpResponse:
    row = get_for_clinic(request, model.objects.select_related("user"), code=code)  # another clinic's: 404
    if not _may_edit(request, row.user):
        record(request, "availability.change", outcome="denied", category=CAT)
        messages.error(request, pgettext("staff", "You can change your own hours only."))
        return _back_to_hours(row.user)
    row.delete()
    record(request, f"availability.{action}", category=CAT, detail=row.user.username)
    messages.success(request, pgettext("staff", "Removed."))
    return _back_to_hours(row.user)


@allowed
@require_POST
def remove_hours(request: ClinicRequest, code) -> HttpResponse:
    return _remove(request, Availability, code, "remove_hours")


@allowed
@require_POST
def remove_exception(request: ClinicRequest, code) -> HttpResponse:
    return _remove(request, AvailabilityException, code, "remove_exception")


@allowed
@require_POST
def new_feed(request: ClinicRequest) -> HttpResponse:
    """A new secret calendar address for oneself, shown once (the old one stops working)."""
    people, who = _who(request)
    if who is None or who.pk != request.user.pk:
        record(request, "availability.change", outcome="denied", category=CAT)
        messages.error(request, pgettext("staff", "You can make a calendar address for yourself only."))
        return _back_to_hours(who)
    token = services.calendar_for(request.membership.clinic, who).new_feed_token()
    record(request, "calendar.feed_new", category=CAT, detail=who.username)
    return _hours_page(
        request, people, who, feed_url=request.build_absolute_uri(reverse("appointments:feed", args=[token]))
    )


@allowed
@require_POST
def feed_names(request: ClinicRequest) -> HttpResponse:
    """A clinic admin decides whether practitioners' calendar feeds show patient names."""
    clinic = request.membership.clinic
    clinic.calendar_feed_names = request.POST.get("names") == "1"
    clinic.save(update_fields=["calendar_feed_names"])
    record(request, "calendar.feed_names", category=CAT, detail=str(clinic.calendar_feed_names))
    messages.success(
        request,
        pgettext("staff", "Calendar feeds show patient names.")
        if clinic.calendar_feed_names
        else pgettext("staff", "Calendar feeds hide patient names."),
    )
    return _back_to_hours(_who(request)[1])


@allowed
def feed(request: ClinicRequest, token: str) -> HttpResponse:
    """The practitioner's iCalendar feed; the secret URL is the credential (only its SHA-256 is stored)."""
    if lookups.throttled(request):
        return HttpResponse(lookups.MESSAGE, status=429, content_type="text/plain")
    cal = (
        Calendar.objects.filter(feed_digest=Calendar.digest_of(token[:100]), user__is_active=True)
        .exclude(feed_digest="")
        .select_related("clinic", "user")
        .first()
    )
    if cal is None or not cal.user.memberships.filter(clinic=cal.clinic, is_active=True).exists():
        lookups.missed(request, "calendar.feed", category=CAT)
        return HttpResponse("Not found", status=404, content_type="text/plain")
    record(request, "calendar.feed", category=CAT, detail=cal.user.username)
    return HttpResponse(services.ics(cal, cal.clinic.calendar_feed_names), content_type="text/calendar; charset=utf-8")


# --- The waitlist ------------------------------------------------------------------------
@allowed
def waitlist_page(request: ClinicRequest) -> HttpResponse:
    """Who is waiting for an earlier time, oldest first, with the offers each has had."""
    clinic = request.membership.clinic
    waiting = (
        WaitlistEntry.objects.filter(clinic=clinic, status=WaitlistEntry.Status.WAITING)
        .select_related("patient", "practitioner")
        .prefetch_related(Prefetch("offers", WaitlistOffer.objects.filter(clinic=clinic).order_by("start")))
        .order_by("created", "id")[:200]
    )
    done = (
        WaitlistEntry.objects.filter(clinic=clinic, updated__gte=timezone.now() - timedelta(days=14))
        .exclude(status=WaitlistEntry.Status.WAITING)
        .select_related("patient", "appointment")
        .order_by("-updated")[:50]
    )
    record(request, "waitlist.view", category=CAT)
    return render(request, "appointments/waitlist.html",
                  {"waiting": waiting, "done": done, "per_time": waitlist.OFFERS_PER_TIME})  # fmt: skip


@allowed
def waitlist_add(request: ClinicRequest, code) -> HttpResponse:
    """Put a patient on the waitlist for an earlier time."""
    patient = get_for_clinic(request, Patient, code=code)
    if patient.anonymised_at is not None:
        return _anonymised(request)
    clinic = request.membership.clinic
    form = WaitlistForm(request.POST or None, practitioners=practitioners(clinic),
                        initial={"earliest": timezone.localdate()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            entry = waitlist.add(clinic, request.user, patient=patient, **d)
        except ValidationError as e:
            add_errors(form, e)
        else:
            record(request, "waitlist.add", entry, patient=patient, category=CAT)
            messages.success(
                request,
                (
                    pgettext("staff", "%(name)s is on the waitlist.")
                    if patient.email
                    else pgettext(
                        "staff",
                        "%(name)s is on the waitlist. They have no email address: offers cannot reach them, so call "
                        "them.",
                    )
                )
                % {"name": patient.name},
            )
            return redirect("appointments:waitlist")
    if request.method == "POST":
        record(request, "waitlist.add", patient, category=CAT, outcome="invalid")
    else:
        record(request, "waitlist.new", patient, category=CAT, detail="form")
    return render(request, "appointments/waitlist_add.html", {"form": form, "patient": patient},
                  status=400 if form.errors else 200)  # fmt: skip


@allowed
@require_POST
def waitlist_remove(request: ClinicRequest, code) -> HttpResponse:
    entry = get_for_clinic(request, WaitlistEntry.objects.select_related("patient"), code=code)
    form = RemoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(pgettext("staff", "Say why the patient comes off the list."))
        waitlist.remove(entry, request.user, form.cleaned_data["reason"])
    except ValidationError as e:
        record(request, "waitlist.remove", entry, patient=entry.patient, category=CAT, outcome="invalid")
        messages.error(request, " ".join(e.messages))
    else:
        record(request, "waitlist.remove", entry, patient=entry.patient, category=CAT)
        messages.success(request, pgettext("staff", "%(name)s is off the waitlist.") % {"name": entry.patient.name})
    return redirect("appointments:waitlist")


def offer(request, token: str) -> HttpResponse:
    """The patient's one-time link: see the time offered, and book it (the first to accept gets it). Looking at
    the page changes nothing (mail scanners open links); only the button books. In the patient's language, as the
    email that brought them (issue 19)."""
    if lookups.throttled(request):
        return render(request, "portal/message.html", {"message": lookups.MESSAGE}, status=429)
    found = waitlist.find(token[:100])
    if found is None:
        lookups.missed(request, "waitlist.offer", category=CAT)
        gone = gettext_noop("This link is not valid. Please call the clinic.")
        return render(request, "portal/message.html", {"message": gone}, status=404)
    activate_clinic_timezone(found.clinic)
    with translation.override(languages.of_patient(found.entry.patient)):
        return _offer_page(request, found)


def _offer_page(request, found) -> HttpResponse:
    patient = found.entry.patient
    if request.method == "POST":
        try:
            appt = waitlist.accept(found)
        except ValidationError as e:
            # The page says why in the patient's language; the audit log, which the clinic reads, in its own.
            with translation.override(settings.LANGUAGE_CODE):
                why = waitlist.problem(
                    WaitlistOffer.objects.select_related("entry").get(clinic=found.clinic_id, pk=found.pk)
                )
            record(request, "waitlist.accept", found, patient=patient, category=CAT, outcome="invalid",
                   detail=(why or " ".join(e.messages))[:100])  # fmt: skip
            ctx = {"offer": found, "clinic": found.clinic, "problem": " ".join(e.messages)}
            return render(request, "appointments/offer.html", ctx, status=410)  # gone, as a used patient link
        record(request, "waitlist.accept", appt, patient=patient, category=CAT)
        return render(request, "appointments/offer.html", {"offer": found, "clinic": found.clinic, "booked": appt})
    record(request, "waitlist.offer_view", found, patient=patient, category=CAT)
    return render(request, "appointments/offer.html",
                  {"offer": found, "clinic": found.clinic, "problem": waitlist.problem(found)})  # fmt: skip


@allowed
def online_booking(request: ClinicRequest) -> HttpResponse:
    """A clinic admin says which types of appointment patients book online themselves (off unless turned on)."""
    clinic = request.membership.clinic
    rules = {r.kind: r for r in OnlineBooking.objects.filter(clinic=clinic)}
    form = OnlineBookingForm(request.POST or None, rules=rules, initial={"notice": clinic.online_notice_hours})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            clinic.online_notice_hours = form.cleaned_data["notice"]
            clinic.save(update_fields=["online_notice_hours"])
            for kind, _ in Appointment.KINDS:
                d = form.cleaned_data
                values = {"mode": d[f"mode_{kind}"], "minutes": d[f"minutes_{kind}"], "new_patients": d[f"new_{kind}"]}
                OnlineBooking.objects.update_or_create(clinic=clinic, kind=kind, defaults=values)
            on = [k + ("+new" if form.cleaned_data[f"new_{k}"] else "") for k, _ in Appointment.KINDS
                  if form.cleaned_data[f"mode_{k}"] != OnlineBooking.Mode.OFF]  # fmt: skip
            record(request, "online_booking.change", category=CAT, detail=",".join(on) or "none")
        messages.success(request, pgettext("staff", "Online booking saved."))
        return redirect("appointments:online_booking")
    record(request, "online_booking.view" if request.method == "GET" else "online_booking.change", category=CAT,
           outcome="ok" if request.method == "GET" else "invalid")  # fmt: skip
    takes_new = any(r.new_patients and r.mode != OnlineBooking.Mode.OFF for r in rules.values())
    public = request.build_absolute_uri(reverse("mine:new", args=[clinic.code])) if takes_new else ""
    return render(request, "appointments/online_booking.html", {"form": form, "public": public},
                  status=400 if form.errors else 200)  # fmt: skip


@allowed
@require_POST
def answer_request(request: ClinicRequest, code) -> HttpResponse:
    """Confirm a patient's online request, or decline it with a reason they read (issue 19)."""
    appt = get_for_clinic(request, Appointment.objects.select_related("patient", "practitioner"), code=code)
    confirm = request.POST.get("answer") == "confirm"
    try:
        with transaction.atomic():
            services.answer_request(appt, request.user, confirm, request.POST.get("reason", ""))
            record(request, "appointment.request_" + ("confirmed" if confirm else "declined"), appt,
                   patient=appt.patient, category=CAT)  # fmt: skip
    except ValidationError as e:
        record(request, "appointment.request_answer", appt, patient=appt.patient, category=CAT, outcome="invalid")
        messages.error(request, " ".join(e.messages))
        return redirect("appointments:detail", appt.code)
    messages.success(
        request,
        (
            pgettext("staff", "Confirmed: %(appt)s, %(name)s. The patient is told by email.")
            if confirm
            else pgettext("staff", "Declined: %(appt)s, %(name)s. The patient is told by email.")
        )
        % {"appt": appt, "name": appt.patient.name},
    )
    return redirect("appointments:detail", appt.code)
