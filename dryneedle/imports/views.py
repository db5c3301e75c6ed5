"""Importing patients from a CSV file (clinic admins): upload, look at the first rows and choose the columns, check
every row, import. Every step is audited; the file's text is kept only until it is imported (imports/models.py)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.fhir import importing
from dryneedle.imports import appointments, columns, reading, services
from dryneedle.imports.forms import FhirForm, MappingForm, UploadForm
from dryneedle.imports.models import ImportFile, Mapping

PREVIEW_ROWS = 5
# The audit row of each record an import makes: as the page that makes one by hand writes it.
MADE = {"patients": ("patient.create", ""), "appointments": ("appointment.book", "scheduling")}
LISTED = 500  # rows in error or already here listed on the page; the counts are always whole


@allowed
def start(request: ClinicRequest) -> HttpResponse:
    """Upload a file; the clinic's recent imports below."""
    clinic = request.membership.clinic
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploads, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
        try:
            if kind == ImportFile.Kind.FHIR:
                f = services.upload_fhir(clinic, request.user, [(u.name, u.read()) for u in uploads])
            else:
                f = services.upload(clinic, request.user, uploads[0].name, uploads[0].read(), kind)
        except reading.Unreadable as e:
            form.add_error("file", str(e))
        else:
            record(request, "import.upload", category="import", detail=f"{f.kind}: {f.name[:120]}; {f.rows} rows")
            return redirect("imports:file", f.code)
    recent = ImportFile.objects.filter(clinic=clinic).select_related("uploaded_by").order_by("-uploaded")[:10]
    return render(request, "imports/start.html", {"form": form, "recent": recent}, status=400 if form.errors else 200)


def _initial(f: ImportFile, table: reading.Table, saved: list[Mapping], asked: str) -> dict:
    """The choices the page starts from: a saved mapping (the one asked for, else the newest that fits), else the
    guess from the headers and the dates' shapes."""
    mapping = next((m for m in saved if str(m.pk) == asked), saved[0] if saved else None)
    defaults: dict = {}
    if mapping is not None:
        chosen, date_format, defaults = mapping.columns, mapping.date_format, mapping.defaults
    else:
        chosen = columns.guess(table.headers, columns.FIELDS[f.kind])
        dated = [table.headers.index(h) for k in ("birth_date", "date") if (h := chosen.get(k))]
        values = [columns.split_date_time(cells[i])[0] for _n, cells in table.rows[:200] for i in dated]
        date_format = columns.guess_date_format(values)
    return {"date_format": date_format, **{f"col_{k}": v for k, v in chosen.items()},
            "default_kind": defaults.get("kind") or "", "default_minutes": defaults.get("minutes")}  # fmt: skip


@allowed
def import_file(request: ClinicRequest, code) -> HttpResponse:
    f = get_for_clinic(request, ImportFile.objects.select_related("uploaded_by"), code=code)
    if f.kind == ImportFile.Kind.FHIR:
        return _fhir_file(request, f)
    if f.imported or f.forgotten:
        return render(request, "imports/file.html", {"f": f})
    table = services.table_of(f)
    saved = services.saved_for(f.clinic, f.kind, table.headers)
    form = MappingForm(f.kind, table.headers, request.POST or None,
                       initial=_initial(f, table, saved, request.GET.get("mapping", "")))  # fmt: skip
    report, status = None, 200
    if request.method == "POST" and form.is_valid():
        chosen, date_format = form.chosen(), form.cleaned_data["date_format"]
        if request.POST.get("action") == "import":
            try:
                with transaction.atomic():
                    if f.kind == "appointments":
                        report = appointments.run(f, request.user, chosen, date_format, form.defaults(),
                                                  form.cleaned_data["save_as"])  # fmt: skip
                    else:
                        report = services.run(f, request.user, chosen, date_format, form.cleaned_data["save_as"])
                    made, kind = ("appointment.book", "scheduling") if f.kind == "appointments" else ("patient.create",
                                                                                                   "")  # fmt: skip
                    for r in report.rows:
                        if r.made is not None:
                            record(
                                request, made, r.made, category=kind, detail=f"imported from {f.code}, row {r.number}"
                            )
                    record(request, f"import.{f.kind}", category="import", detail=f"{f.code}; {report.said()}")
            except ValidationError as e:
                form.add_error(None, e)
                status = 400
            else:
                n, noun = report.count("new"), f.kind if report.count("new") != 1 else f.kind[:-1]
                messages.success(
                    request,
                    pgettext("staff", "%(new)s %(noun)s imported; %(count)s already here, left as they were.")
                    % {"new": n, "noun": noun, "count": report.count("already")},
                )
                return redirect("imports:file", f.code)
        else:
            report = (appointments.check(f, chosen, date_format, form.defaults()) if f.kind == "appointments"
                      else services.check(f, chosen, date_format))  # fmt: skip
            record(request, "import.check", category="import", detail=f"{f.code}; {report.said()}")
    elif request.method == "POST":
        status = 400
    return render(request, "imports/file.html", {
        "f": f, "table": table, "preview": table.rows[:PREVIEW_ROWS], "form": form, "saved": saved, "report": report,
        "errors": [r for r in report.rows if r.outcome == "error"][:LISTED] if report else [],
        "already": [r for r in report.rows if r.outcome == "already"][:LISTED] if report else [],
        "listed": LISTED,
    }, status=status)  # fmt: skip


def _fhir_file(request: ClinicRequest, f: ImportFile) -> HttpResponse:
    """A FHIR upload: check it (every resource's outcome, nothing written), then import it (fhir/importing.py)."""
    form = FhirForm(request.POST or None)
    report, status = None, 200
    if f.imported or f.forgotten:
        return render(request, "imports/fhir.html", {"f": f})
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["default_kind"]
        if request.POST.get("action") == "import":
            try:
                report = services.run_fhir(f, request.user, kind, request)
            except ValidationError as e:
                form.add_error(None, e)
                status = 400
            else:
                messages.success(request, pgettext("staff", "Imported: %(said)s.") % {"said": report.said()})
                return redirect("imports:file", f.code)
        else:
            report = importing.run(f.clinic, request.user, services.fhir_items(f), dry_run=True, default_kind=kind)
            record(request, "import.check", category="import", detail=f"{f.code}; {report.said()}")
    elif request.method == "POST":
        status = 400
    listed = [i for i in report.items if i.outcome in ("refused", "updated", "skipped") or i.reason] if report else []
    return render(request, "imports/fhir.html", {
        "f": f, "form": form, "report": report, "listed": LISTED,
        "refused": [i for i in listed if i.outcome == "refused"][:LISTED],
        "updated": [i for i in listed if i.outcome == "updated"][:LISTED],
        "apart": [i for i in listed if i.outcome == "created"][:LISTED],
        "skipped": _skipped(listed),
    }, status=status)  # fmt: skip


def _skipped(items) -> list[tuple[str, int]]:
    """The reasons resources were skipped, each once with how many: a bulk export skips hundreds for a few reasons."""
    counts: dict[str, int] = {}
    for i in items:
        if i.outcome == "skipped":
            counts[i.reason] = counts.get(i.reason, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])[:LISTED]
