"""The appointment book: week and day views per practitioner, booking, status, hours, the iCalendar feed."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.models import Role
from dryneedle.accounts.people import practitioners
from dryneedle.accounts.request import ClinicRequest
from dryneedle.appointments import services
from dryneedle.appointments.forms import AvailabilityForm, BookForm, ExceptionForm, StatusForm
from dryneedle.appointments.models import Appointment, Availability, AvailabilityException, Calendar
from dryneedle.audit.log import record
from dryneedle.lib.forms import add_errors, uuid_or_none
from dryneedle.lib.http import query_date
from dryneedle.patients.models import Patient
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


@allowed
def week(request: ClinicRequest) -> HttpResponse:
    people, who = _who(request)
    first = services.monday(_day(request, "week"))
    days = services.days(request.membership.clinic, who, first, 7) if who else []
    record(request, "appointments.view", category=CAT, detail=f"week {first}")
    return render(request, "appointments/week.html", {
        "people": people, "who": who, "days": days, "first": first,
        "prev": first - timedelta(days=7), "next": first + timedelta(days=7), "today": timezone.localdate(),
    })  # fmt: skip


@allowed
def day(request: ClinicRequest) -> HttpResponse:
    people, who = _who(request)
    d = _day(request, "date")
    days = services.days(request.membership.clinic, who, d, 1) if who else []
    record(request, "appointments.view", category=CAT, detail=f"day {d}")
    return render(request, "appointments/day.html", {
        "people": people, "who": who, "day": days[0] if days else None, "date": d,
        "prev": d - timedelta(days=1), "next": d + timedelta(days=1), "monday": services.monday(d),
    })  # fmt: skip


def _components(patient) -> list[tuple[str, str]]:
    """The patient's open plans' components, with how many are booked, for the booking form."""
    comps = Component.objects.filter(patient=patient, stopped=False, plan__episode__status="open")
    counts = services.booked_counts(comps)
    return [
        (str(c.code), f"{c} ({c.plan.episode.condition_name}): {counts.get(c.id, 0)} of {c.count} booked")
        for c in comps.select_related("plan__episode").order_by("plan_id", "id")
    ]


@allowed
def book(request: ClinicRequest, code) -> HttpResponse:
    patient = get_for_clinic(request, Patient, code=code)
    clinic = request.membership.clinic
    people, who = _who(request)
    components = _components(patient)
    initial = {"practitioner": who.username if who else None, "date": _day(request, "date"), "kind": "dry_needling"}
    if request.GET.get("component"):
        initial["component"] = request.GET["component"][:40]
    form = BookForm(request.POST or None, initial=initial, practitioners=people, components=components)
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
        except ValidationError as e:
            add_errors(form, e)
        else:
            first = timezone.localtime(made[0].start)
            messages.success(request, f"Booked {len(made)} appointment{'s' if len(made) > 1 else ''} from "
                                      f"{first:%a %d %b %H:%M} with {d['practitioner'].display_name()}.")  # fmt: skip
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
        {"form": form, "patient": patient, "who": who, "hours": hours, "upcoming": upcoming[:20]},
        status=400 if form.errors else 200,
    )


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
        except ValidationError as e:
            appt.refresh_from_db()
            add_errors(form, e)
        else:
            messages.success(request, f"{appt}: {appt.get_status_display().lower()}.")
            return redirect("appointments:detail", appt.code)
    if request.method == "POST":
        record(request, "appointment.status", appt, patient=appt.patient, category=CAT, outcome="invalid")
    else:
        record(request, "appointment.view", appt, patient=appt.patient, category=CAT)
    return render(
        request,
        "appointments/detail.html",
        {"appt": appt, "form": form, "patient": appt.patient, "started": appt.start <= timezone.now()},
        status=400 if form.errors else 200,
    )


@allowed
def availability(request: ClinicRequest) -> HttpResponse:
    """Weekly hours and exceptions. A practitioner edits their own; a clinic admin anyone's."""
    clinic = request.membership.clinic
    people, who = _who(request)
    is_admin = request.membership.role == Role.CLINIC_ADMIN
    may_edit = who is not None and (is_admin or who.pk == request.user.pk)
    hours_form, exc_form, feed_url = AvailabilityForm(prefix="h"), ExceptionForm(prefix="x"), None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if not may_edit and action != "feed_names":
            record(request, "availability.change", outcome="denied", category=CAT)
            messages.error(request, "You can change your own hours only.")
            return redirect(reverse("appointments:availability") + f"?practitioner={who.username if who else ''}")
        if action == "add_hours":
            hours_form = AvailabilityForm(request.POST, prefix="h")
            if hours_form.is_valid():
                Availability.objects.create(clinic=clinic, user=who, **hours_form.cleaned_data)
                record(request, "availability.add", category=CAT, detail=who.username)
                messages.success(request, "Hours added.")
                return redirect(reverse("appointments:availability") + f"?practitioner={who.username}")
        elif action == "add_exception":
            exc_form = ExceptionForm(request.POST, prefix="x")
            if exc_form.is_valid():
                AvailabilityException.objects.create(clinic=clinic, user=who, **exc_form.cleaned_data)
                record(request, "availability.exception", category=CAT, detail=who.username)
                messages.success(request, "Exception added.")
                return redirect(reverse("appointments:availability") + f"?practitioner={who.username}")
        elif action in ("remove_hours", "remove_exception"):
            model = Availability if action == "remove_hours" else AvailabilityException
            n, _ = model.objects.filter(clinic=clinic, user=who, code=uuid_or_none(request.POST.get("code"))).delete()
            record(request, f"availability.{action}", category=CAT, detail=f"{who.username} {n}")
            messages.success(request, "Removed." if n else "Nothing to remove.")
            return redirect(reverse("appointments:availability") + f"?practitioner={who.username}")
        elif action == "feed" and who.pk == request.user.pk:
            token = services.calendar_for(clinic, who).new_feed_token()
            record(request, "calendar.feed_new", category=CAT, detail=who.username)
            feed_url = request.build_absolute_uri(reverse("appointments:feed", args=[token]))
        elif action == "feed_names" and is_admin:
            clinic.calendar_feed_names = request.POST.get("names") == "1"
            clinic.save(update_fields=["calendar_feed_names"])
            record(request, "calendar.feed_names", category=CAT, detail=str(clinic.calendar_feed_names))
            messages.success(request, "Calendar feeds " + ("show" if clinic.calendar_feed_names else "hide") +
                             " patient names.")  # fmt: skip
            return redirect(reverse("appointments:availability") + f"?practitioner={who.username if who else ''}")
        else:
            record(request, "availability.change", category=CAT, outcome="invalid", detail="unknown action")
            messages.error(request, "Unknown action.")
    else:
        record(request, "availability.view", category=CAT, detail=who.username if who else "")
    cal = Calendar.objects.filter(clinic=clinic, user=who).first() if who else None
    return render(
        request,
        "appointments/availability.html",
        {
            "people": people,
            "who": who,
            "may_edit": may_edit,
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
