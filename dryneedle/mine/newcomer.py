"""Booking a first visit online, for someone the clinic does not know yet (issue 19: online booking "per patient
kind: existing only, or new patients too" — OnlineBooking.new_patients).

Step 1: the type, the practitioner and one of their free times, with the details the front desk would take on
the phone. Step 2: the code emailed to that address proves it is theirs; nothing is kept before it. Then, in one
transaction, the record is made (or, when the clinic already has a record with that address, that record is used:
the code proved the address) and the time booked under the front desk's lock; the person is signed in to their
pages and asked the intake questions (appointments/intake.py). A clinic's duplicate check (patients/services.py
possible_duplicates) lists a new record that matches another by name and date of birth, for the desk to merge."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dryneedle.accounts.access import allowed
from dryneedle.accounts.middleware import activate_clinic_timezone
from dryneedle.accounts.models import Clinic
from dryneedle.accounts.people import practitioners
from dryneedle.appointments import intake as booking_intake
from dryneedle.appointments import services as appointments
from dryneedle.appointments.models import Appointment, OnlineBooking
from dryneedle.audit.log import record
from dryneedle.mine import signin
from dryneedle.mine.booking import (
    ACTOR,
    CAT,
    ONLINE,
    booked,
    chosen_slot,
    confirm_by_email,
    free_times,
    offered,
    pick,
    slot_value,
)
from dryneedle.mine.forms import CodeForm, NewPatientForm
from dryneedle.patients import services as patients
from dryneedle.patients.models import Patient, RecordStatus
from dryneedle.web import lookups

PENDING = "mine.new"  # the session key of the booking waiting for its code
# The page's language, as the record's preferred language (lib/languages.py reads it back).
LANGUAGE_NAMES = {"en-gb": "English", "es": "Spanish", "fr-ca": "French"}


def _clinic(code) -> Clinic:
    clinic = Clinic.objects.filter(code=code).first()
    if clinic is None:
        raise Http404("Not found")
    activate_clinic_timezone(clinic)
    return clinic


def rules_for_new(clinic) -> dict[str, OnlineBooking]:
    """The types of appointment this clinic lets new patients book online."""
    return {r.kind: r for r in OnlineBooking.objects.filter(clinic=clinic, mode__in=ONLINE, new_patients=True)}


@allowed
def new_booking(request, clinic) -> HttpResponse:
    """Step 1: what, with whom, when, and who they are."""
    clinic = _clinic(clinic)
    if request.user.is_authenticated:  # a staff login in this browser: the patient's pages stay apart from it
        return render(request, "mine/new.html", {"clinic": clinic, "staff": True})
    rules = rules_for_new(clinic)
    data = request.POST if request.method == "POST" else request.GET
    kinds, kind, people, who = pick(clinic, data, rules, first_kind=request.method == "GET")
    free = free_times(clinic, who, rules.get(kind))
    kept = request.session.get(PENDING) or {}
    initial = {k: v for k, v in kept.items() if k in NewPatientForm.base_fields} if kept.get("clinic") == str(
        clinic.code) else {}  # fmt: skip
    form = NewPatientForm(request.POST or None, initial=initial)
    slot_error = ""
    if request.method == "POST":
        if lookups.throttled(request):
            return render(request, "portal/message.html", {"message": lookups.MESSAGE}, status=429)
        chosen = chosen_slot(free, data.get("slot", ""))
        if chosen is None:
            slot_error = _("Choose one of the free times (the one chosen has just been taken, or is not offered).")
        if form.is_valid() and chosen is not None and kind is not None and who is not None:
            d = form.cleaned_data
            outcome = signin.ask_new(d["email"], request.META.get("REMOTE_ADDR") or None, clinic)
            record(request, "patient.signin_code", outcome="ok" if outcome == "sent" else "denied", actor=ACTOR,
                   clinic=clinic, category="demographics", detail=f"first booking; {outcome}")  # fmt: skip
            if outcome == "sent":
                request.session[PENDING] = {
                    "clinic": str(clinic.code), "kind": kind, "practitioner": who.username,
                    "slot": slot_value(chosen), "language": get_language(),
                    **{k: str(v) for k, v in d.items()},
                }  # fmt: skip
                return redirect("mine:new_confirm", clinic.code)
            form.add_error(None, _("Too many codes were asked for this address or from this network. Wait a "
                                   "quarter of an hour, then try again."))  # fmt: skip
    return render(request, "mine/new.html", {
        "clinic": clinic, "kinds": kinds, "kind": kind, "people": people, "who": who, "form": form,
        "minutes": rules[kind].minutes if kind else None, "slot_error": slot_error, "chosen": data.get("slot", ""),
        "asking": kind is not None and rules[kind].mode == OnlineBooking.Mode.REQUEST,
        "free": offered(free),
    }, status=400 if request.method == "POST" else 200)  # fmt: skip


def book_first(clinic, pending: dict):
    """Make the record (or use the clinic's one with this address) and book the time, in the caller's
    transaction. Returns (appointment, patient, made: bool)."""
    rule = rules_for_new(clinic).get(pending["kind"])
    who = practitioners(clinic).filter(username=pending["practitioner"]).first()
    if rule is None or who is None:
        raise ValidationError(_("That type of appointment is no longer booked online here: please call the clinic."))
    start = chosen_slot(free_times(clinic, who, rule, n=200), pending["slot"])
    if start is None:
        raise ValidationError(_("That time has just been taken: choose another."))
    known = (
        Patient.objects.filter(clinic=clinic, email__iexact=pending["email"], merged_into__isnull=True)
        .exclude(status=RecordStatus.ENTERED_IN_ERROR)
        .order_by("id")
        .first()
    )
    patient = known or patients.create_patient(clinic, None, {
        "given_name": pending["given_name"].strip(), "family_name": pending["family_name"].strip(),
        "birth_date": pending["birth_date"], "sex": pending["sex"], "email": pending["email"].strip().lower(),
        "phone": pending["phone"].strip(), "preferred_language": LANGUAGE_NAMES.get(pending["language"], "English"),
    })  # fmt: skip
    asking = rule.mode == OnlineBooking.Mode.REQUEST
    try:
        appt = appointments.book(clinic, None, patient=patient, practitioner=who, start=start,
                                 end=start + timedelta(minutes=rule.minutes), kind=pending["kind"],
                                 note="First visit, requested online" if asking else "First visit, booked online",
                                 status=Appointment.Status.REQUESTED if asking
                                 else Appointment.Status.BOOKED)  # fmt: skip
    except ValidationError:  # taken between the check above and the calendar's lock: the caller's transaction undoes
        raise ValidationError(_("That time has just been taken: choose another.")) from None  # the new record too
    return appt, patient, known is None


@allowed
def new_confirm(request, clinic) -> HttpResponse:
    """Step 2: the code from the email; then the record and the booking, and the person is signed in."""
    clinic = _clinic(clinic)
    pending = request.session.get(PENDING)
    if not pending or pending.get("clinic") != str(clinic.code) or request.user.is_authenticated:
        return redirect("mine:new", clinic.code)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not signin.check_code(pending["email"], form.cleaned_data["code"]):
            record(request, "patient.signin", outcome="denied", actor=ACTOR, clinic=clinic, category="demographics",
                   detail="first booking; wrong or expired code")  # fmt: skip
            form.add_error("code", _("That code is wrong, used or expired. Check the newest email, or go back and "
                                     "ask for a new code."))  # fmt: skip
        else:
            try:
                with transaction.atomic():
                    appt, patient, made = book_first(clinic, pending)
                    if made:
                        record(request, "patient.create", patient, actor=ACTOR, detail="first booking online")
                    said = "online, first visit" + ("" if made else "; the address was already known")
                    record(request, "appointment.book", appt, patient=patient, actor=ACTOR, category=CAT, detail=said)
                    intake = booking_intake.ask(appt)
                    if intake is not None:
                        record(request, "intake.asked", intake, patient=patient, actor=ACTOR)
                    confirm_by_email(appt, intake)
            except ValidationError as e:
                record(request, "appointment.book", actor=ACTOR, clinic=clinic, category=CAT, outcome="invalid",
                       detail="first booking")  # fmt: skip
                messages.error(request, " ".join(e.messages))
                return redirect(f"{reverse('mine:new', args=[clinic.code])}?kind={pending['kind']}"
                                f"&practitioner={pending['practitioner']}")  # fmt: skip
            signin.sign_in(request, pending["email"])
            request.session.pop(PENDING, None)
            record(request, "patient.signin", patient, actor=ACTOR, category="demographics", detail="first booking")
            return booked(request, appt, intake)
    return render(request, "mine/new_code.html", {"clinic": clinic, "form": form, "email": pending["email"]},
                  status=400 if form.errors else 200)  # fmt: skip
