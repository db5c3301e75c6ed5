"""The clinic's retention periods, the records past them, and erasure requests (clinic admins; docs/retention.md)."""

import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import npgettext, pgettext

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.forms import add_errors
from dryneedle.patients.models import Patient
from dryneedle.retention import services, sources
from dryneedle.retention.forms import ConfirmForm, ErasureForm, PeriodsForm
from dryneedle.retention.models import ErasureRequest, Kind, RetentionPeriod

LISTED = 500  # records past their period listed at once; the count is always whole


@allowed
def home(request: ClinicRequest) -> HttpResponse:
    clinic = request.membership.clinic
    rows = {r.kind: r for r in RetentionPeriod.objects.filter(clinic=clinic).select_related("set_by")}
    initial = {**{f"value_{k}": r.value for k, r in rows.items()}, **{f"basis_{k}": r.basis for k, r in rows.items()}}
    action = request.POST.get("action") if request.method == "POST" else None
    periods_form = PeriodsForm(request.POST if action == "periods" else None, initial=initial)
    due = services.due(clinic)
    choices = [(str(d.patient.code), d.patient.name) for d in due]
    confirm = ConfirmForm(request.POST if action == "anonymise" else None, choices=choices)
    if action == "periods" and periods_form.is_valid():
        d = periods_form.cleaned_data
        changed = services.set_periods(clinic, request.user, {k: d[f"value_{k}"] for k in Kind.values},
                                       {k: d[f"basis_{k}"].strip() for k in Kind.values}, request)  # fmt: skip
        messages.success(
            request, pgettext("staff", "Retention periods saved.") if changed else pgettext("staff", "Nothing changed.")
        )
        return redirect("retention:home")
    if action == "anonymise" and confirm.is_valid():
        codes = set(confirm.cleaned_data["patients"])
        picked = [d.patient for d in due if str(d.patient.code) in codes]
        done = services.anonymise_due(clinic, request.user, picked, request)
        n = services.anonymise_enquiries(clinic, request.user, request) if confirm.cleaned_data["enquiries"] else 0
        records = npgettext("staff", "%(count)s record", "%(count)s records", len(done)) % {"count": len(done)}
        if n:
            enquiries = npgettext("staff", "%(count)s enquiry", "%(count)s enquiries", n) % {"count": n}
            said = pgettext("staff", "Anonymised %(records)s and %(enquiries)s.") % {
                "records": records,
                "enquiries": enquiries,
            }
        else:
            said = pgettext("staff", "Anonymised %(records)s.") % {"records": records}
        messages.success(request, said)
        return redirect("retention:home")
    record(request, "retention.view", category="demographics", detail=f"{len(due)} past their period",
           shown=[d.patient for d in due[:LISTED]])  # fmt: skip
    waiting = (ErasureRequest.objects.filter(clinic=clinic, status=ErasureRequest.Status.WAITING)
               .select_related("patient").order_by("received"))  # fmt: skip
    status = 400 if periods_form.errors or confirm.errors else 200
    return render(request, "retention/home.html", {
        "periods_form": periods_form, "rows": rows,
        "sources": sources.for_jurisdiction(clinic.jurisdiction),
        "jurisdiction": clinic.jurisdiction, "due": due[:LISTED], "due_count": len(due), "confirm": confirm,
        "enquiries": services.enquiries_due(clinic).count(), "waiting": waiting,
        "set": any(r.value is not None for r in rows.values()),
        "ticked": set(request.POST.getlist("patients")) if action == "anonymise" else set(),
    }, status=status)  # fmt: skip


@allowed
def erasure(request: ClinicRequest, code) -> HttpResponse:
    """Record a person's request to erase their record, with why it cannot be honoured yet."""
    patient = get_for_clinic(request, Patient.objects.select_related("clinic", "merged_into"), code=code)
    kept = patient.merged_into or patient
    if kept.anonymised_at is not None:
        return render(request, "portal/message.html", {"message": "This record is already anonymised."}, status=409)
    last, ends = services.ends_for(kept)
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(kept.clinic.timezone))
    form = ErasureForm(request.POST or None, initial={"received": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_erasure_request(kept, request.user, form.cleaned_data["received"], request)
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(
                request, pgettext("staff", "The erasure request is recorded, with why it cannot be honoured yet.")
            )
            return redirect("retention:erasure", kept.code)
    else:
        record(request, "patient.erasure_view", kept, category="demographics")
    requests = ErasureRequest.objects.filter(clinic=kept.clinic, patient=kept).order_by("-received")
    return render(request, "retention/erasure.html", {
        "patient": kept, "form": form, "last": last, "ends": ends, "requests": requests,
        "due": ends.on is not None and ends.on <= today,
    }, status=400 if form.errors else 200)  # fmt: skip
