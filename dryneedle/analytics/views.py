"""The effectiveness report's pages: the report, its PDF and CSV, the episodes behind a number, the group view."""

import io
from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.accounts.access import allowed
from dryneedle.accounts.models import Clinic, Role
from dryneedle.accounts.request import ClinicRequest
from dryneedle.analytics import charts, cohort, evidence, operations, report
from dryneedle.analytics.forms import ReportForm
from dryneedle.audit.log import record
from dryneedle.lib import csvout
from dryneedle.lib.forms import DateInput, error_text
from dryneedle.lib.http import BadQuery
from dryneedle.outcomes import scoring
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.web.replica import reads_from_replica


def _params(d: dict) -> str:
    return f"{d['measure']} at {d['point']}, {d['since']} to {d['until']}" + (f", by {d['by']}" if d["by"] else "")


def _build(request: ClinicRequest, clinics):
    """(form, report, trigger-point groups) from the query, or (form, None, None) when the query is wrong."""
    form = ReportForm(request.GET)
    if not form.is_valid():
        record(request, "analytics.report", category="outcomes", outcome="invalid", detail=error_text(form)[:200])
        return form, None, None
    d = form.cleaned_data
    r = report.build(clinics, d["measure"], d["point"], d["since"], d["until"], d["by"] or None,
                     d["criterion"] or "mic")  # fmt: skip
    _o, tp_groups, *_rest = report.counted(
        clinics, d["since"], d["until"], d["measure"], d["point"], "trigger_points", extras=False
    )
    return form, r, tp_groups


def _context(form, r, tp_groups) -> dict:
    return {
        "form": form,
        "r": r,
        "tp_groups": tp_groups,
        "immpact": cohort.IMMPACT_BANDS,
        "trial_sessions": evidence.TRIAL_SESSIONS,
        "marketing_source": evidence.MARKETING_SOURCE,
        "min_group": report.MIN_GROUP,
        "query": urlencode({k: v or "" for k, v in form.cleaned_data.items()}),
        "funnel": charts.funnel_figure(r.funnel) if r.funnel else None,
    }


@allowed
@reads_from_replica
def effectiveness(request: ClinicRequest) -> HttpResponse:
    clinic = request.membership.clinic
    form, r, tp_groups = _build(request, [clinic])
    if r is None:
        return render(request, "analytics/report.html", {"form": form, "r": None}, status=400)
    record(request, "analytics.report", category="outcomes", detail=_params(form.cleaned_data))
    return render(request, "analytics/report.html", _context(form, r, tp_groups))


@allowed
@reads_from_replica
def report_pdf(request: ClinicRequest) -> HttpResponse:
    from weasyprint import HTML  # a heavy import, for this page only

    clinic = request.membership.clinic
    form, r, tp_groups = _build(request, [clinic])
    if r is None:
        return render(request, "analytics/report.html", {"form": form, "r": None}, status=400)
    ctx = _context(form, r, tp_groups) | {"clinic": clinic, "today": timezone.localdate()}
    html = render_to_string("analytics/report_pdf.html", ctx, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    record(request, "analytics.report", category="outcomes", detail="pdf: " + _params(form.cleaned_data))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="effectiveness-{r.measure}-{r.point}.pdf"'
    return response


CSV_COLUMNS = (
    "grouping",
    "group",
    "treated",
    "followed_up",
    "responders_mic",
    "responders_pct30",
    "suppressed",
    "rate_mic_all_treated",
    "low",
    "high",
    "rate_mic_completers",
    "low",
    "high",
    "rate_pct30_all_treated",
    "low",
    "high",
    "rate_pct30_completers",
    "low",
    "high",
)


def csv_text(r: report.Report) -> str:
    """The report's groups as CSV, its definitions first (one comment line each)."""
    out = io.StringIO()
    w = csvout.Writer(out)
    for line in r.definitions:
        w.writerow([f"# {line}"])
    w.writerow(CSV_COLUMNS)
    sets = [("all", [r.overall]), ("condition", [a.clinic for a in r.article if a.clinic])]
    if r.by:
        sets.append((r.by, r.groups))
    for grouping, groups in sets:
        for g in groups:
            d = g.as_dict()
            row = [grouping, g.label, g.treated, g.followed_up, g.responders_mic, g.responders_pct30, g.suppressed]
            for k in ("rate_mic_all_treated", "rate_mic_completers", "rate_pct30_all_treated", "rate_pct30_completers"):
                row += [d[k]["rate"], d[k]["low"], d[k]["high"]]
            w.writerow(row)
    return out.getvalue()


@allowed
@reads_from_replica
def report_csv(request: ClinicRequest) -> HttpResponse:
    clinic = request.membership.clinic
    form, r, _tp = _build(request, [clinic])
    if r is None:
        return render(request, "analytics/report.html", {"form": form, "r": None}, status=400)
    record(request, "analytics.report", category="outcomes", detail="csv: " + _params(form.cleaned_data))
    response = HttpResponse(csv_text(r), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="effectiveness-{r.measure}-{r.point}.csv"'
    return response


CELLS = {
    "treated": "treated",
    "followed_up": "followed up",
    "responders_mic": "responders by the minimal important change",
    "responders_pct30": "responders by 30%",
}


@allowed
@reads_from_replica
def episodes(request: ClinicRequest) -> HttpResponse:
    """The episodes behind one number of the report, as far as the requester's care team reaches."""
    clinic = request.membership.clinic
    form = ReportForm(request.GET)
    cell = request.GET.get("cell", "treated")
    if not form.is_valid() or cell not in CELLS:
        record(request, "analytics.episodes", category="outcomes", outcome="invalid")
        return render(request, "analytics/report.html", {"form": form, "r": None}, status=400)
    d = form.cleaned_data
    by = d["by"] or None
    group = request.GET.get("group")
    mic, _ = report.mic_for([clinic], d["measure"])
    inner = cohort.rows([clinic], d["since"], d["until"], d["measure"], d["point"], mic, by=by, extras=True)
    found = cohort.ids(inner, d["measure"], mic, "g" if by and group is not None else None, group, cell)
    qs = Episode.objects.filter(pk__in=found).select_related("patient", "clinician").order_by("start_date", "id")
    visible = list(care_team.team_rows(request, qs)) if request.membership.role != Role.CLINIC_ADMIN else list(qs)
    scores = {
        row["pk"]: row
        for row in inner.filter(pk__in=[e.pk for e in visible]).values("pk", "baseline", "followup", "n_dn")
    }
    items = []
    for e in visible:
        s = scores.get(e.pk, {})
        ch = None
        if s.get("followup") is not None:
            ch = scoring.change(d["measure"], s["baseline"], s["followup"], mic={d["measure"]: mic})
        items.append((e, s, ch))
    record(request, "analytics.episodes", category="outcomes", detail=f"{cell}: {len(visible)} of {len(found)}",
           shown=[e.patient for e in visible])  # fmt: skip
    label = report.label_of(by, group, report.names_for([clinic], by))[1] if by and group is not None else "All treated"
    return render(
        request,
        "analytics/episodes.html",
        {"items": items, "total": len(found), "cell": CELLS[cell], "group": label, "form": form,
         "measure": d["measure"], "point": report.POINT_NAMES[d["point"]], "query": request.GET.urlencode()},
    )  # fmt: skip


@allowed
@reads_from_replica
def group_report(request: ClinicRequest) -> HttpResponse:
    """A clinic group's report by clinic: the clinics of the group where the requester is clinic admin."""
    clinic = request.membership.clinic
    clinics = [clinic]
    if clinic.group_id is not None:
        clinics = list(
            Clinic.objects.filter(
                group_id=clinic.group_id,
                memberships__user=request.user,
                memberships__role=Role.CLINIC_ADMIN,
                memberships__is_active=True,
            ).order_by("name")
        )
    form = ReportForm(request.GET)
    if not form.is_valid():
        record(request, "analytics.group", category="outcomes", outcome="invalid")
        return render(request, "analytics/group.html", {"form": form, "groups": None}, status=400)
    d = form.cleaned_data
    overall, by_clinic, *_rest = report.counted(clinics, d["since"], d["until"], d["measure"], d["point"], "clinic",
                                                extras=False)  # fmt: skip
    for c in clinics:  # one row per clinic in each clinic's own audit chain
        record(request, "analytics.group", category="outcomes", clinic=c, detail=_params(d))
    return render(
        request,
        "analytics/group.html",
        {"form": form, "overall": overall, "groups": by_clinic, "clinics": clinics, "group": clinic.group,
         "definitions": report.definitions(d["measure"], d["point"], *report.mic_for(clinics, d["measure"]),
                                           d["since"], d["until"])},
    )  # fmt: skip


class PeriodForm(forms.Form):
    first = forms.DateField(label=pgettext_lazy("staff", "From"), widget=DateInput())
    last = forms.DateField(label=pgettext_lazy("staff", "To (inclusive)"), widget=DateInput())

    def clean(self):
        d = super().clean()
        if d.get("first") and d.get("last"):
            if d["last"] < d["first"]:
                raise forms.ValidationError(pgettext("staff", "'To' must not be before 'From'."))
            if (d["last"] - d["first"]).days > 366:
                raise forms.ValidationError(pgettext("staff", "Choose at most a year."))
        return d


def _operations(request: ClinicRequest):
    today = timezone.localdate()
    data = request.GET if request.GET.get("first") or request.GET.get("last") else None
    form = PeriodForm(data, initial={"first": today - timedelta(days=89), "last": today})
    if data is not None and not form.is_valid():
        raise BadQuery(error_text(form))
    first, last = (
        (form.cleaned_data["first"], form.cleaned_data["last"]) if data else (today - timedelta(days=89), today)
    )
    return form, operations.build(request.membership.clinic, first, last, timezone.now())


@allowed
@reads_from_replica
def operations_report(request: ClinicRequest) -> HttpResponse:
    """The clinic's running numbers, each with its definition (clinic admins)."""
    form, r = _operations(request)
    record(request, "operations.view", category="analytics", detail=f"{r.first}..{r.last}")
    return render(request, "analytics/operations.html", {"form": form, "r": r, "d": operations.DEFINITIONS,
                                                          "late_hours": operations.LATE_CANCEL_HOURS,
                                                          "query": request.GET.urlencode()})  # fmt: skip


@allowed
@reads_from_replica
def operations_csv(request: ClinicRequest) -> HttpResponse:
    _form, r = _operations(request)
    record(request, "operations.export", category="analytics", detail=f"{r.first}..{r.last}")
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="operations-{r.first}-{r.last}.csv"'
    w = csvout.Writer(response)
    w.writerow(["figure", "for", "count", "of", "percent"])
    for row in operations.rows(r):
        w.writerow(row)
    return response
