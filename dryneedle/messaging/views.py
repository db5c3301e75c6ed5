"""The clinic's side of the secure messages: the inbox (newest first, unread and urgent marked) and one patient's
thread to read and answer. The front desk sees every thread; a practitioner those of their care team."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.models import Role
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.forms import add_errors
from dryneedle.messaging import rules, services
from dryneedle.messaging.forms import MessageForm, ReplyTimeForm
from dryneedle.patients import care_team
from dryneedle.patients.models import Patient

CAT = "messages"


def _visible(request: ClinicRequest, qs):
    """Reception and admins see every thread; a practitioner their care team's (patients.care_team)."""
    if request.membership.role == Role.PRACTITIONER:
        # As patients.care_team.team_rows, by id: a join to the episodes here would multiply the message counts.
        user, clinic = request.user, request.membership.clinic
        team = Patient.objects.filter(clinic=clinic).filter(Q(created_by=user) | Q(episodes__clinician=user))
        return qs.filter(pk__in=team.values("pk"))
    return qs


@allowed
def inbox(request: ClinicRequest) -> HttpResponse:
    clinic = request.membership.clinic
    threads = (
        _visible(request, Patient.objects.filter(clinic=clinic, messages__isnull=False))
        .annotate(last=Max("messages__created"),
                  unread=Count("messages", filter=Q(messages__from_patient=True, messages__read_at=None)),
                  urgent=Count("messages", filter=Q(messages__urgent=True, messages__read_at=None)))
        .order_by("-unread", "-last")[:100]
    )  # fmt: skip
    record(request, "message.inbox", category=CAT)
    form = ReplyTimeForm(initial={"hours": clinic.message_reply_hours})
    is_admin = request.membership.role == Role.CLINIC_ADMIN
    return render(request, "messaging/inbox.html", {"threads": threads, "clinic": clinic, "form": form,
                                                    "is_admin": is_admin})  # fmt: skip


@allowed
@require_POST
def reply_time(request: ClinicRequest) -> HttpResponse:
    clinic = request.membership.clinic
    form = ReplyTimeForm(request.POST)
    if form.is_valid():
        clinic.message_reply_hours = form.cleaned_data["hours"]
        clinic.save(update_fields=["message_reply_hours"])
        record(request, "clinic.message_reply_time", category="settings", detail=str(clinic.message_reply_hours))
        messages.success(request, pgettext("staff", "Saved: patients see it above their messages."))
    else:
        record(request, "clinic.message_reply_time", category="settings", outcome="invalid")
        messages.error(request, pgettext("staff", "Give a number of working hours from 1 to 168, or leave it empty."))
    return redirect("messaging:inbox")


@allowed
def thread(request: ClinicRequest, code) -> HttpResponse:
    patient = get_for_clinic(request, Patient.objects.all(), code=code)
    if request.membership.role == Role.PRACTITIONER and not care_team.on_care_team(request.user, patient):
        record(request, "message.thread", patient, outcome="denied", category=CAT, detail="not on the care team")
        raise Http404("Not found")
    form = MessageForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    m = services.send(patient, form.cleaned_data["body"], from_patient=False, user=request.user)
                    record(request, "message.sent", m, patient=patient, category=CAT)
            except ValidationError as e:
                add_errors(form, e)
            else:
                messages.success(
                    request, pgettext("staff", "Sent. The patient is told by email that a message is waiting.")
                )
                return redirect("messaging:thread", patient.code)
        record(request, "message.sent", patient, outcome="invalid", category=CAT)
    else:
        services.mark_read(patient, by_patient=False)
        record(request, "message.thread", patient, category=CAT)
    return render(request, "messaging/thread.html", {
        "patient": patient, "thread": services.thread(patient), "form": form,
        "instructions": rules.urgent,
    }, status=400 if form.errors else 200)  # fmt: skip
