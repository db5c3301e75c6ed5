import itertools
from datetime import timedelta

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from dryneedle.accounts.access import allowed
from dryneedle.accounts.models import Role
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.audit.models import AuditEvent
from dryneedle.lib import csvout
from dryneedle.lib.http import BadQuery, query_choice, query_datetime
from dryneedle.lib.sql import stream
from dryneedle.patients.models import Patient

# Sortable columns (ONC 170.315(d)(3): sort by each element). Anything else is a 400.
SORTS = {name: name for name in ("ts", "username", "patient", "action", "category", "object_type", "outcome", "ip")}
SORTS.update({"-" + k: "-" + v for k, v in list(SORTS.items())})
# What the sort menu says (issue 18: it said "ts ↓").
SORT_LABELS = {"ts": "Time", "username": "User", "patient": "Patient", "action": "Action", "category": "Data",
               "object_type": "Record type", "outcome": "Outcome", "ip": "Address"}  # fmt: skip
# Suggestions for the action filter (it matches the start of the action; any text may be typed).
ACTION_PREFIXES = ("patient.", "episode.", "screening.", "visit.", "response.", "appointment.", "plan.",
                   "adverse_event.", "checkin.", "handout.", "login", "logout", "audit.", "access.", "emergency",
                   "staff.", "clinic.", "token.")  # fmt: skip

# The export: every hashed field but the internal user id, then the row hash to check against.
COLUMNS = (*(f for f in AuditEvent.HASHED if f != "user_id"), "row_hash")


def _window(request: ClinicRequest):
    """Parse ?from=&to= (ISO dates or datetimes, UTC); default the last 7 days. [from, to)."""
    now = timezone.now()
    # Defaults on whole minutes: the form's datetime-local fields show minutes, and a
    # resubmitted form must keep the same window (a "to" cut to the minute lost this minute's events).
    next_minute = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    start = query_datetime(request, "from", next_minute - timedelta(days=7))
    end = query_datetime(request, "to", next_minute)
    if end <= start:
        raise BadQuery("'to' must be after 'from'.")
    return start, end


def _events(request: ClinicRequest):
    start, end = _window(request)
    sort = query_choice(request, "sort", SORTS, "-ts")
    qs = AuditEvent.objects.filter(clinic=request.membership.clinic.code, ts__gte=start, ts__lt=end)
    if action := request.GET.get("action", "").strip():
        qs = qs.filter(action__startswith=action[:60])
    if outcome := request.GET.get("outcome", "").strip():
        if outcome not in AuditEvent.Outcome.values:
            raise BadQuery(f"'outcome' must be one of: {', '.join(AuditEvent.Outcome.values)}.")
        qs = qs.filter(outcome=outcome)
    return qs.order_by(SORTS[sort], "id"), start, end, sort


@allowed
def audit_log(request: ClinicRequest) -> HttpResponse:
    qs, start, end, sort = _events(request)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read before this view's own row is added
    record(request, "audit.view", category="audit", detail=f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")
    params = request.GET.copy()
    params.pop("page", None)
    # Patients by name for a clinic admin, who may read the clinic's records; an auditor sees the record's code.
    names = {}
    if request.membership.role == Role.CLINIC_ADMIN:
        codes = {e.patient for e in page.object_list if e.patient}
        rows = Patient.objects.filter(clinic=request.membership.clinic, code__in=codes)
        names = {
            code: f"{given} {family}" for code, given, family in rows.values_list("code", "given_name", "family_name")
        }
    for e in page.object_list:
        e.patient_name = names.get(e.patient, "")
    return render(
        request,
        "care/audit_log.html",
        {
            "page": page,
            "start": start,
            "end": end,
            "sort": sort,
            "params": params.urlencode(),
            "outcomes": AuditEvent.Outcome.choices,
            "sorts": [(k, SORT_LABELS[k]) for k in SORTS if not k.startswith("-")],
            "action_prefixes": ACTION_PREFIXES,
            "clinic_zone": request.membership.clinic.timezone,
        },
    )


@allowed
def export_audit(request: ClinicRequest) -> StreamingHttpResponse:
    qs, start, end, _sort = _events(request)
    record(request, "audit.export", category="audit", detail=f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")
    rows = ([getattr(e, c) for c in COLUMNS] for e in stream(qs))
    response = StreamingHttpResponse(csvout.lines(itertools.chain([COLUMNS], rows)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    return response
