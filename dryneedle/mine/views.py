"""The patient's own pages (issue 19): sign in with a code sent to their email, then their appointments in each
clinic that knows that address, and cancelling one with enough notice. Only that address's records are reachable;
every page a patient opens is audited with the patient as the actor."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed
from dryneedle.accounts.middleware import activate_clinic_timezone
from dryneedle.analytics.operations import LATE_CANCEL_HOURS
from dryneedle.appointments import services as appointments
from dryneedle.appointments import waitlist
from dryneedle.appointments.models import Appointment
from dryneedle.audit.log import record
from dryneedle.mine import signin
from dryneedle.mine.forms import CodeForm, EmailForm
from dryneedle.web import lookups

CAT = "scheduling"
ACTOR = "patient"
# A patient cancels online up to this many hours before: the notice the clinic's running numbers count a late
# cancellation by (analytics/operations.py). Later than that, they call the clinic.
NOTICE_HOURS = LATE_CANCEL_HOURS


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@allowed
def signin_page(request) -> HttpResponse:
    """Step 1: the email address. The answer is the same whether the address is known or not."""
    if request.user.is_authenticated:  # a staff login in this browser: the patient's pages stay apart from it
        return render(request, "mine/signin.html", {"staff": True, "form": EmailForm()})
    if signin.email_of(request):
        return redirect("mine:home")
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if lookups.throttled(request):
            return render(request, "portal/message.html", {"message": lookups.MESSAGE}, status=429)
        email = form.cleaned_data["email"].lower()
        outcome = signin.ask(email, _client_ip(request))
        record(request, "patient.signin_code", outcome="ok" if outcome == "sent" else "denied", actor=ACTOR,
               category="demographics", detail=outcome)  # fmt: skip
        request.session["mine.asked"] = email
        return redirect("mine:code")
    return render(request, "mine/signin.html", {"form": form}, status=400 if form.errors else 200)


@allowed
def code_page(request) -> HttpResponse:
    """Step 2: the code from the email."""
    email = request.session.get("mine.asked", "")
    if not email:  # no code asked in this browser yet: ask first
        return render(request, "mine/signin.html", {"form": EmailForm()})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if signin.check(email, form.cleaned_data["code"]):
            signin.sign_in(request, email)
            request.session.pop("mine.asked", None)
            for p in signin.patients_for(email):
                record(request, "patient.signin", p, actor=ACTOR, category="demographics")
            return redirect("mine:home")
        record(request, "patient.signin", outcome="denied", actor=ACTOR, category="demographics",
               detail="wrong or expired code")  # fmt: skip
        form.add_error("code", "That code is wrong, used or expired. Check the newest email, or ask for a new code.")
    return render(request, "mine/code.html", {"form": form, "email": email}, status=400 if form.errors else 200)


@allowed
@require_POST
def signout(request) -> HttpResponse:
    signin.sign_out(request)
    messages.success(request, "You are signed out.")
    return redirect("mine:signin")


@allowed
def home(request) -> HttpResponse:
    """Each clinic that knows this address: upcoming appointments (to cancel with enough notice) and recent ones."""
    email = signin.email_of(request)
    now = timezone.now()
    records = []
    for p in signin.patients_for(email):
        activate_clinic_timezone(p.clinic)  # each clinic's times on its own clock, as its staff see them
        appts = Appointment.objects.filter(clinic=p.clinic_id, patient__in=p.record_ids()).select_related(
            "practitioner", "clinic")  # fmt: skip
        upcoming = list(
            appts.filter(start__gte=now).exclude(status=Appointment.Status.CANCELLED).order_by("start")[:20]
        )
        past = list(appts.filter(start__lt=now).order_by("-start")[:10])
        rows = [(a, a.start - now >= timedelta(hours=NOTICE_HOURS) and a.status == "booked") for a in upcoming]
        rendered = [(a, ok, f"{timezone.localtime(a.start):%A %d %B %Y, %H:%M}") for a, ok in rows]
        records.append({"patient": p, "clinic": p.clinic, "upcoming": rendered, "past": [
            (a, f"{timezone.localtime(a.start):%d %b %Y, %H:%M}") for a in past]})  # fmt: skip
        record(request, "patient.home", p, actor=ACTOR, category=CAT)
    return render(request, "mine/home.html", {"records": records, "email": email, "notice": NOTICE_HOURS})


@allowed
@require_POST
def cancel(request, code) -> HttpResponse:
    """Cancel one's own booked appointment with at least NOTICE_HOURS' notice; the time goes to the waitlist."""
    email = signin.email_of(request)
    theirs = list(signin.patients_for(email))
    ids = [i for p in theirs for i in p.record_ids()]
    appt = (
        Appointment.objects.filter(clinic__in={p.clinic_id for p in theirs}, patient__in=ids, code=code)
        .select_related("patient", "practitioner", "clinic")
        .first()
    )
    if appt is None:  # another patient's, or none: not found, whoever asks
        record(request, "appointment.cancelled", outcome="denied", actor=ACTOR, category=CAT, detail="not theirs")
        raise Http404("Not found")
    activate_clinic_timezone(appt.clinic)
    try:
        if appt.start - timezone.now() < timedelta(hours=NOTICE_HOURS):
            raise ValidationError(f"It is less than {NOTICE_HOURS} hours away: please call the clinic to cancel.")
        with transaction.atomic():
            appointments.set_status(appt, None, Appointment.Status.CANCELLED, "Cancelled by the patient online")
            record(request, "appointment.cancelled", appt, patient=appt.patient, actor=ACTOR, category=CAT,
                   detail="by the patient")  # fmt: skip
            waitlist.after_freed(request, appt.clinic, appt.practitioner, appt.start, appt.end)
    except ValidationError as e:
        record(request, "appointment.cancelled", appt, patient=appt.patient, actor=ACTOR, category=CAT,
               outcome="invalid")  # fmt: skip
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, f"Cancelled: {timezone.localtime(appt.start):%A %d %B, %H:%M} with "
                                  f"{appt.practitioner.display_name()}. {appt.clinic.name} has been told.")  # fmt: skip
    return redirect("mine:home")
