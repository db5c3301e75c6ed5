from datetime import timedelta
from typing import Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from ninja import Field, Query, Router, Status
from ninja.errors import HttpError

from dryneedle.accounts.access import get_for_clinic
from dryneedle.accounts.models import Role
from dryneedle.accounts.people import practitioners
from dryneedle.accounts.request import ClinicRequest
from dryneedle.appointments import services, waitlist
from dryneedle.appointments.models import Appointment, Availability, WaitlistEntry, WaitlistOffer
from dryneedle.appointments.schemas import (
    AppointmentIn,
    AppointmentMove,
    AppointmentOut,
    AppointmentPage,
    AppointmentPatch,
    AvailabilityIn,
    AvailabilityOut,
    AvailabilityPage,
    FreeSlots,
    StartedVisit,
    WaitlistIn,
    WaitlistOut,
    WaitlistPage,
    WaitlistRemove,
)
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error, IsoDatetime, Paging, limits, page
from dryneedle.patients.models import Patient
from dryneedle.plans.models import Component

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
appointments_routes = Router(tags=["appointments"])
availability_routes = Router(tags=["appointments"])
waitlist_routes = Router(tags=["appointments"])
ROUTERS = {"appointments": appointments_routes, "availability": availability_routes, "waitlist": waitlist_routes}
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
CAT = "scheduling"


def _practitioner(request, username: str):
    user = practitioners(request.membership.clinic).filter(username=username).first()
    if user is None:
        raise HttpError(422, "practitioner: no practitioner of this clinic has that username.")
    return user


def _invalid(request, action, obj, e: ValidationError, recorded: bool = False):
    if not recorded:
        record(request, action, obj, category=CAT, outcome="invalid")
    detail = e.message_dict if hasattr(e, "error_dict") else {"__all__": e.messages}
    overlap = any("overlap" in m or "already has" in m for v in detail.values() for m in v)
    raise HttpError(409 if overlap else 422, "; ".join(f"{k}: {' '.join(v)}" for k, v in detail.items()))


@appointments_routes.get("", response={200: AppointmentPage, **ERRORS}, operation_id="list_appointments")
def list_appointments(
    request: ClinicRequest,
    paging: Query[Paging],
    since: IsoDatetime | None = None,
    until: IsoDatetime | None = None,
    practitioner: Annotated[str, limits(150)] | None = None,
    status: Literal["booked", "attended", "cancelled", "no_show"] | None = None,
):
    """Appointments that start in [since, until) (at most 31 days; default the next 7 days), oldest first, paged."""
    since = since or timezone.now()
    until = until or since + timedelta(days=7)
    if until <= since or (until - since).days > 31:
        raise HttpError(422, "until must be after since, at most 31 days later.")
    qs = Appointment.objects.filter(clinic=request.membership.clinic, start__gte=since, start__lt=until)
    if practitioner:
        qs = qs.filter(practitioner__username=practitioner)
    if status:
        qs = qs.filter(status=status)
    out = page(qs.select_related("patient", "practitioner", "component", "visit").order_by("start", "id"), paging.limit,
               paging.offset)  # fmt: skip
    record(request, "appointments.list", category=CAT, detail=f"api, {len(out['items'])} rows")
    return out


@appointments_routes.post("", response={201: AppointmentOut, **ERRORS}, operation_id="create_appointment")
def create_appointment(request: ClinicRequest, payload: AppointmentIn):
    """Book; 409 when the practitioner or the patient is busy then, 422 outside hours without a reason."""

    patient = get_for_clinic(request, Patient, code=payload.patient)
    who = _practitioner(request, payload.practitioner)
    comp = None
    if payload.component:
        comp = Component.objects.filter(clinic=request.membership.clinic, code=payload.component).select_related(
            "plan__episode"
        ).first()  # fmt: skip
        if comp is None or comp.patient_id != patient.pk:
            raise HttpError(422, "component: not a component of this patient's care plan.")
    try:
        with transaction.atomic():
            a = services.book(
                request.membership.clinic,
                request.user,
                patient=patient,
                practitioner=who,
                start=payload.start,
                end=payload.end,
                kind=comp.modality if comp else payload.kind,
                episode=comp.plan.episode if comp else None,
                component=comp,
                override=payload.outside_hours_reason,
                note=payload.note,
            )
            record(request, "appointment.book", a, patient=patient, category=CAT, detail="api")
    except ValidationError as e:
        _invalid(request, "appointment.book", patient, e)
    return Status(201, a)


def _appt(request, code):
    return get_for_clinic(
        request, Appointment.objects.select_related("patient", "practitioner", "component", "visit"), code=code
    )


@appointments_routes.get("/free-slots", response={200: FreeSlots, **ERRORS}, operation_id="list_free_slots")
def list_free_slots(
    request: ClinicRequest,
    practitioner: Annotated[str, limits(150)] | None = None,
    minutes: Annotated[int, Field(ge=15, le=services.MAX_MINUTES)] = 30,
    n: Annotated[int, Field(ge=1, le=50)] = 8,
):
    """The practitioner's next free starts (working hours, days off and every booking counted), as the booking page
    offers them; a practitioner's own without `practitioner`."""
    if not practitioner and request.membership.role != Role.PRACTITIONER:
        raise HttpError(422, "practitioner: say whose free times (a username).")
    user = _practitioner(request, practitioner or request.user.username)
    starts = services.free_slots(request.membership.clinic, user, timezone.now(), minutes=minutes, n=n)
    record(request, "appointments.view", category=CAT, detail=f"api: free slots of {user.username}")
    return {"practitioner": user.username, "minutes": minutes, "starts": starts}


@appointments_routes.post("/{code}/arrived", response={200: AppointmentOut, **ERRORS}, operation_id="mark_arrived")
def mark_arrived(request: ClinicRequest, code: UUID):
    """The front desk's "arrived" for today's booked appointment (the status stays booked until the visit)."""
    a = _appt(request, code)
    try:
        with transaction.atomic():
            services.mark_arrived(a, request.user)
            record(request, "appointment.arrived", a, patient=a.patient, category=CAT, detail="api")
    except ValidationError as e:
        _invalid(request, "appointment.arrived", a, e)
    return a


@appointments_routes.post(
    "/{code}/visit",
    response={200: StartedVisit, 201: StartedVisit, **ERRORS},
    operation_id="start_visit_from_appointment",
)
def start_visit_from_appointment(request: ClinicRequest, code: UUID):
    """Start (or find) the needling visit of today's appointment; the appointment is then attended (as the home
    page's "Start visit")."""
    a = _appt(request, code)
    try:
        visit, made = services.start_visit_for(request, a, via="api: ")
    except ValidationError as e:
        _invalid(request, "visit.create", a, e, recorded=True)
    return Status(201 if made else 200, {"visit": visit.code, "made": made})


@appointments_routes.post("/{code}/move", response={200: AppointmentOut, **ERRORS}, operation_id="move_appointment")
def move_appointment(request: ClinicRequest, code: UUID, payload: AppointmentMove):
    """Move a booked appointment to another start (its length kept), or to another practitioner: checked as a new
    booking is (hours, overlaps in every clinic); 409 when the time is taken."""
    a = _appt(request, code)
    who = _practitioner(request, payload.practitioner) if payload.practitioner else a.practitioner
    was = f"{timezone.localtime(a.start):%Y-%m-%d %H:%M} {a.practitioner.username}"
    try:
        with transaction.atomic():
            moved = services.move(
                a,
                request.user,
                practitioner=who,
                start=payload.start,
                end=payload.start + (a.end - a.start),
                override=payload.outside_hours_reason,
            )
            record(
                request,
                "appointment.move",
                moved,
                patient=a.patient,
                category=CAT,
                detail=f"api: from {was} to {timezone.localtime(moved.start):%Y-%m-%d %H:%M} {who.username}",
            )
            waitlist.after_freed(request, request.membership.clinic, a.practitioner, a.start, a.end)
    except ValidationError as e:
        _invalid(request, "appointment.move", a, e)
    return _appt(request, code)


@appointments_routes.get("/{code}", response={200: AppointmentOut, **ERRORS}, operation_id="get_appointment")
def get_appointment(request: ClinicRequest, code: UUID):
    a = _appt(request, code)
    record(request, "appointment.view", a, patient=a.patient, category=CAT, detail="api")
    return a


@appointments_routes.patch("/{code}", response={200: AppointmentOut, **ERRORS}, operation_id="update_appointment")
def update_appointment(request: ClinicRequest, code: UUID, payload: AppointmentPatch):
    """Record attendance, a no-show, or a cancellation (with its reason)."""
    a = _appt(request, code)
    try:
        with transaction.atomic():
            services.set_status(a, request.user, payload.status, payload.reason)
            record(request, f"appointment.{payload.status}", a, patient=a.patient, category=CAT, detail="api")
            if payload.status == "cancelled" and a.start > timezone.now():
                waitlist.after_freed(request, request.membership.clinic, a.practitioner, a.start, a.end)
    except ValidationError as e:
        _invalid(request, "appointment.status", a, e)
    return a


@availability_routes.get("", response={200: AvailabilityPage, **ERRORS}, operation_id="list_availability")
def list_availability(
    request: ClinicRequest, paging: Query[Paging], practitioner: Annotated[str, limits(150)] | None = None
):
    """The practitioners' working hours, by practitioner and day, paged."""
    qs = Availability.objects.filter(clinic=request.membership.clinic).select_related("user")
    if practitioner:
        qs = qs.filter(user__username=practitioner)
    return page(qs.order_by("user__username", "weekday", "start", "id"), paging.limit, paging.offset)


@availability_routes.post("", response={201: AvailabilityOut, **ERRORS}, operation_id="create_availability")
def create_availability(request: ClinicRequest, payload: AvailabilityIn):
    """Add weekly hours: a practitioner their own, a clinic admin anyone's."""
    who = _practitioner(request, payload.practitioner)
    if who.pk != request.user.pk and request.membership.role != Role.CLINIC_ADMIN:
        record(request, "availability.add", outcome="denied", category=CAT)
        raise HttpError(403, "You can add your own hours only.")
    if payload.end <= payload.start:
        raise HttpError(422, "end: the end must be after the start.")
    a = Availability.objects.create(
        clinic=request.membership.clinic, user=who, weekday=payload.weekday, start=payload.start, end=payload.end
    )
    record(request, "availability.add", category=CAT, detail=f"api {who.username}")
    return Status(201, a)


def _entries(request):
    clinic = request.membership.clinic
    return (
        WaitlistEntry.objects.filter(clinic=clinic)
        .select_related("patient", "practitioner", "appointment")
        .prefetch_related(
            Prefetch(
                "offers", WaitlistOffer.objects.filter(clinic=clinic).select_related("practitioner").order_by("start")
            )
        )
    )


@waitlist_routes.get("", response={200: WaitlistPage, **ERRORS}, operation_id="list_waitlist")
def list_waitlist(
    request: ClinicRequest,
    paging: Query[Paging],
    status: Literal["waiting", "booked", "removed"] = "waiting",
):
    """The waitlist in the order patients joined it (waiting ones by default), each with the offers made to it."""
    out = page(_entries(request).filter(status=status).order_by("created", "id"), paging.limit, paging.offset)
    record(request, "waitlist.view", category=CAT, detail=f"api, {len(out['items'])} rows")
    return out


@waitlist_routes.post("", response={201: WaitlistOut, **ERRORS}, operation_id="add_to_waitlist")
def add_to_waitlist(request: ClinicRequest, payload: WaitlistIn):
    """Put a patient on the waitlist: freed times that fit are offered to them by email (the first to accept gets
    it)."""
    patient = get_for_clinic(request, Patient, code=payload.patient)
    who = _practitioner(request, payload.practitioner) if payload.practitioner else None
    try:
        with transaction.atomic():
            entry = waitlist.add(request.membership.clinic, request.user, patient=patient, practitioner=who,
                                 kind=payload.kind, minutes=payload.minutes, earliest=payload.earliest,
                                 latest=payload.latest, note=payload.note)  # fmt: skip
            record(request, "waitlist.add", entry, patient=patient, category=CAT, detail="api")
    except ValidationError as e:
        _invalid(request, "waitlist.add", patient, e)
    return Status(201, _entries(request).get(pk=entry.pk))


@waitlist_routes.post("/{code}/remove", response={200: WaitlistOut, **ERRORS}, operation_id="remove_from_waitlist")
def remove_from_waitlist(request: ClinicRequest, code: UUID, payload: WaitlistRemove):
    """Take a patient off the waitlist, saying why; their open offers close."""
    entry = get_for_clinic(request, WaitlistEntry.objects.select_related("patient"), code=code)
    try:
        with transaction.atomic():
            waitlist.remove(entry, request.user, payload.reason)
            record(request, "waitlist.remove", entry, patient=entry.patient, category=CAT, detail="api")
    except ValidationError as e:
        _invalid(request, "waitlist.remove", entry, e)
    return _entries(request).get(pk=entry.pk)
