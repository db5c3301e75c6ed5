"""The clinic's safety record: events to confirm, rates with intervals beside the published ones, CSV."""

from datetime import datetime, time
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.accounts.access import allowed
from dryneedle.accounts.request import ClinicRequest
from dryneedle.adverse_events import rules, services
from dryneedle.adverse_events.forms import EventForm, FilterForm
from dryneedle.adverse_events.models import AdverseEvent
from dryneedle.audit.log import record
from dryneedle.lib import csvout
from dryneedle.lib.forms import add_errors
from dryneedle.patients import care_team, in_error
from dryneedle.visits.models import Insertion, Visit
from dryneedle.web.replica import reads_from_replica


def _filtered(request: ClinicRequest):
    """Events and signed visits with needles of the clinic, narrowed by the filter form."""
    clinic = request.membership.clinic
    form = FilterForm(clinic, request.GET or None)
    events = AdverseEvent.objects.filter(clinic=clinic, entered_in_error=False)
    # Signed visits with needles, tested with EXISTS (a join to the needles counted each visit once per needle
    # and needed DISTINCT over whole rows: five times slower at a clinic group's size, issue 21).
    needles = Insertion.objects.filter(visit=OuterRef("pk"))
    visits = Visit.objects.filter(clinic=clinic, status=Visit.Status.SIGNED)
    if form.is_valid():
        d = form.cleaned_data
        if d["practitioner"]:
            events = events.filter(visit__practitioner=d["practitioner"])
            visits = visits.filter(practitioner=d["practitioner"])
        if d["region"]:
            events = events.filter(Exists(Insertion.objects.filter(visit=OuterRef("visit"), region=d["region"])))
            needles = needles.filter(region=d["region"])
        tz = timezone.get_current_timezone()
        if d["since"]:
            start = datetime.combine(d["since"], time.min, tz)
            events, visits = events.filter(occurred__gte=start), visits.filter(started__gte=start)
        if d["until"]:
            end = datetime.combine(d["until"], time.min, tz)
            events, visits = events.filter(occurred__lt=end), visits.filter(started__lt=end)
    return form, events, visits.filter(Exists(needles))


EVENTS_PAGE = 50


@allowed
def event_list(request: ClinicRequest) -> HttpResponse:
    form, events, visits = _filtered(request)
    n_visits = visits.count()
    rows = services.rates(services.counts_by_type(events), n_visits)
    record(request, "adverse_events.view", category="safety", detail=f"{events.count()} events")
    return render(
        request,
        "adverse_events/list.html",
        {
            "form": form,
            "rows": rows,
            "visits": n_visits,
            # Counts cover the clinic; the list names patients, so it shows the care team's own.
            # A page of 50 at a time (issue 18: ~200 events made one 7,000 px page), drafts to confirm first.
            "events": Paginator(
                care_team.team_rows(request, events)
                .select_related("patient", "visit")
                .order_by("-status", "-occurred", "-id"),
                EVENTS_PAGE,
            ).get_page(request.GET.get("page")),
            "filters": urlencode([(k, v) for k, v in request.GET.items() if k != "page"]),
            "drafts": events.filter(status=AdverseEvent.Status.DRAFT).count(),
            "serious_note": rules.PUBLISHED_SERIOUS,
            "definitions": [(k, v, rules.SEVERITY_DEFINITIONS[k]) for k, v in rules.SEVERITIES],
            "severity_source": rules.SEVERITY_SOURCE,
            "query": request.GET.urlencode(),
        },
    )


@allowed
@reads_from_replica
def export_csv(request: ClinicRequest) -> HttpResponse:
    _form, events, _visits = _filtered(request)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="adverse-events.csv"'
    w = csvout.Writer(response)
    w.writerow(
        [
            "event",
            "occurred",
            "patient",
            "visit",
            "type",
            "severity",
            "causality",
            "onset",
            "outcome",
            "status",
            "source",
            "region",
        ]
    )
    n = 0
    for e in care_team.team_rows(request, events).select_related("patient", "visit").order_by("occurred"):
        w.writerow([e.code, e.occurred.isoformat(), e.patient.code, e.visit.code if e.visit else "", e.type, e.severity,
                    e.causality, e.onset, e.outcome, e.status, e.source, e.region])  # fmt: skip
        n += 1
    record(request, "adverse_events.export", category="safety", detail=f"{n} rows")
    return response


@allowed
def new_event(request: ClinicRequest, code) -> HttpResponse:
    """Report an event at a visit (immediate events on the visit page link here)."""
    visit = care_team.get_clinical(request, Visit.objects.select_related("patient", "episode"), write=True, code=code)
    form = EventForm(request.POST or None, initial={"onset": "during", "description": visit.immediate_events})
    if request.method == "POST" and form.is_valid():
        event = AdverseEvent(clinic=visit.clinic, patient=visit.patient, episode=visit.episode, visit=visit)
        try:
            with transaction.atomic():
                services.save(
                    event,
                    request.user,
                    form.cleaned_data,
                    action="confirm" if form.cleaned_data["severity"] else "save",
                )
                record(
                    request, "adverse_event.create", event, patient=visit.patient, category="safety", detail=event.type
                )
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(request, pgettext("staff", "Recorded: %(event)s.") % {"event": event})
            return redirect("adverse_events:detail", event.code)
    if request.method == "POST":
        record(request, "adverse_event.create", visit, category="safety", outcome="invalid")
    else:
        record(request, "adverse_event.new", visit, category="safety", detail="form")
    return render(
        request,
        "adverse_events/form.html",
        {"form": form, "visit": visit, "patient": visit.patient},
        status=400 if form.errors else 200,
    )


@allowed
def event_detail(request: ClinicRequest, code) -> HttpResponse:
    qs = AdverseEvent.objects.select_related("patient", "visit", "episode", "checkin", "reviewed_by")
    event = care_team.get_clinical(request, qs, write=request.method == "POST", code=code)
    form = EventForm(request.POST or None, initial={f: getattr(event, f) for f in (*services.FIELDS, "review_note")})
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "save")
        try:
            with transaction.atomic():
                services.save(event, request.user, form.cleaned_data, action=action)
                record(
                    request,
                    f"adverse_event.{action}",
                    event,
                    patient=event.patient,
                    category="safety",
                    detail=event.severity,
                )
        except ValidationError as e:
            event.refresh_from_db()
            add_errors(form, e)
        else:
            messages.success(
                request,
                pgettext("staff", "%(event)s: %(status)s.")
                % {"event": event, "status": event.get_status_display().lower()},
            )
            return redirect("adverse_events:detail", event.code)
    if request.method == "POST":
        record(request, "adverse_event.save", event, patient=event.patient, category="safety", outcome="invalid")
    else:
        record(request, "adverse_event.view", event, patient=event.patient, category="safety")
    return render(
        request,
        "adverse_events/detail.html",
        {
            "event": event,
            "form": form,
            "patient": event.patient,
            "definitions": [(k, v, rules.SEVERITY_DEFINITIONS[k]) for k, v in rules.SEVERITIES],
        },
        status=400 if form.errors else 200,
    )


@allowed
def mark_in_error(request: ClinicRequest, code) -> HttpResponse:
    event = care_team.get_clinical(request, AdverseEvent.objects.select_related("patient"), write=True, code=code)
    back = redirect("adverse_events:detail", event.code)
    return in_error.mark(request, event, "adverse_event.in_error", back, category="safety")
