"""The episode's outcomes: record responses, see each measure over time against meaningful change."""

import base64
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from dryneedle.accounts.access import allowed
from dryneedle.accounts.models import Role
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.forms import add_errors, error_text
from dryneedle.lib.http import query_choice
from dryneedle.outcomes import charts, followups, instruments, packs, schedule, scoring, services
from dryneedle.outcomes.cli import answers_from_row
from dryneedle.outcomes.forms import ObjectiveForm, SettingsForm, TextPackForm, ThresholdForm
from dryneedle.outcomes.models import (
    INSTRUMENT_CHOICES,
    NAMES,
    FollowUp,
    ObjectiveMeasure,
    OptOut,
    OutcomeSettings,
    Response,
    TextPack,
    Threshold,
)
from dryneedle.patients import care_team, in_error
from dryneedle.patients.models import Episode
from dryneedle.portal.models import PatientLink
from dryneedle.portal.views import send_link
from dryneedle.visits.models import Visit
from dryneedle.web import documents


def answers_from_post(instrument: str, post) -> dict:
    """The form's fields carry the CSV column names (docs/cli.md), so one reader serves both."""
    row = {k: post.get(k, "") for k in post}
    row["ticked"] = " ".join(post.getlist("ticked"))
    return answers_from_row(instrument, row)


def _chart_inputs(episode: Episode):
    """(series by measure, visit times, thresholds, time span): what the page's charts draw."""
    mic = services.thresholds(episode.clinic)
    visits = list(Visit.objects.filter(episode=episode).order_by("started").values_list("started", flat=True))
    all_series = services.series(episode)
    stamps = [p[0] for s in all_series.values() for p in s.points] + visits
    span = None
    if stamps:
        start = timezone.make_aware(datetime.combine(episode.start_date, datetime.min.time()))
        # To the end of today, not to this second: the same figure (and cache key) all day.
        tonight = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), datetime.min.time()))
        span = (min([start, *stamps]), max([tonight, *stamps]))
    return all_series, visits, mic, span


def _context(episode: Episode, instrument: str, posted=None) -> dict:
    pack = packs.english(episode.clinic_id)
    all_series, visits, mic, span = _chart_inputs(episode)
    measures = [
        {
            "s": s,
            "name": NAMES[m],
            "key": charts.chart_key(s, visits, mic[m], span),
            "mic": mic[m],
            "chart_args": (s, visits, mic[m], span),
        }
        for m, s in all_series.items()
        if s.points
    ]
    got = (posted or {}).get
    ticked = set(posted.getlist("ticked")) if posted else set()
    return {
        "source": scoring.SOURCES[instrument],
        "nprs_value": got("score", ""),
        "episode": episode,
        "patient": episode.patient,
        "measures": measures,
        "responses": Response.objects.filter(episode=episode).order_by("-collected"),
        "instrument": instrument,
        "instruments": INSTRUMENT_CHOICES,
        "odi_sections": [
            (s, instruments.ODI_SECTION_NAMES[s], instruments.odi_statements(s, pack), got(s, ""))
            for s in scoring.ODI_SECTIONS
        ],
        "rmdq_items": [(n, text, str(n) in ticked) for n, text in instruments.rmdq_items(pack)],
        "startback_items": [(k, text, got(f"item_{k}", "")) for k, text in instruments.STARTBACK_ITEMS.items()],
        "startback_item9": instruments.STARTBACK_ITEM9_LABELS.items(),
        "startback_item9_value": got("item_9", ""),
        "startback_note": instruments.STARTBACK_NOTE,
        "psfs_rows": [(i, got(f"activity_{i}", ""), got(f"score_{i}", "")) for i in range(1, 6)],
        "sources": scoring.SOURCES,
        "pack": pack,
        "measure_form": ObjectiveForm(),
        "points": followups.episode_points(episode),
        "opt_out": followups.active_opt_out(episode),
        # Measures entered in error stay on the page, struck through with their reason.
        "objective": ObjectiveMeasure.objects.filter(episode=episode).order_by("kind", "measured"),
    }


@allowed
def episode_outcomes(request: ClinicRequest, code) -> HttpResponse:
    episode = care_team.get_clinical(
        request, Episode.objects.select_related("patient", "clinic"), write=False, code=code
    )
    instrument = request.GET.get("instrument", "nprs")
    if instrument not in scoring.INSTRUMENTS:
        instrument = "nprs"
    record(request, "outcomes.view", episode, patient=episode.patient, category="outcomes")
    ctx = _context(episode, instrument)
    ctx["can_write"] = care_team.clinical_access(request, episode.patient) != "break_glass"
    return render(request, "outcomes/episode.html", ctx)


@allowed
def record_response(request: ClinicRequest, code) -> HttpResponse:
    episode = care_team.get_clinical(
        request, Episode.objects.select_related("patient", "clinic"), write=True, code=code
    )
    instrument = request.POST.get("instrument", "")
    try:
        if instrument not in scoring.INSTRUMENTS:
            raise ValidationError(pgettext("staff", "Choose an instrument."))
        try:
            answers = answers_from_post(instrument, request.POST)
            scoring.score(instrument, answers)  # refused here in a clinician's words, before the service's
        except scoring.InputError as e:
            raise ValidationError(e.plain) from None
        with transaction.atomic():
            r = services.record_response(episode, instrument, answers, request.user)
            record(request, "response.create", r, patient=episode.patient, category="outcomes", detail=instrument)
    except ValidationError as e:
        record(request, "response.create", episode, patient=episode.patient, category="outcomes", outcome="invalid")
        ctx = _context(episode, instrument if instrument in scoring.INSTRUMENTS else "nprs", request.POST)
        ctx["errors"] = e.messages
        return render(request, "outcomes/episode.html", ctx, status=400)
    if r.scorable:
        messages.success(
            request, pgettext("staff", "%(response)s: %(display)s.") % {"response": r, "display": r.display}
        )
    else:
        messages.warning(
            request,
            pgettext("staff", "%(response)s saved but not scorable: %(reason)s.") % {"response": r, "reason": r.reason},
        )
    return redirect("outcomes:episode", episode.code)


@allowed
def mark_in_error(request: ClinicRequest, code) -> HttpResponse:
    r = care_team.get_clinical(request, Response.objects.select_related("episode", "patient"), write=True, code=code)
    back = redirect("outcomes:episode", r.episode.code)
    return in_error.mark(request, r, "response.in_error", back, category="outcomes")


@allowed
def measure_in_error(request: ClinicRequest, code) -> HttpResponse:
    m = care_team.get_clinical(
        request, ObjectiveMeasure.objects.select_related("episode", "patient"), write=True, code=code
    )
    return in_error.mark(
        request, m, "measure.in_error", redirect("outcomes:episode", m.episode.code), category="outcomes"
    )


@allowed
def send_questionnaires(request: ClinicRequest, code) -> HttpResponse:
    """Send the patient the questionnaires of the time point open now (or the instruments chosen)."""
    episode = care_team.get_clinical(
        request, Episode.objects.select_related("patient", "clinic"), write=True, code=code
    )
    if episode.status == Episode.Status.ENTERED_IN_ERROR:
        # Open and discharged episodes both: the 3, 6 and 12-month follow-ups come after discharge.
        messages.error(request, pgettext("staff", "This episode was entered in error."))
        return redirect("outcomes:episode", episode.code)
    subject = gettext("questions about your back")
    chosen = [i for i in request.POST.getlist("instrument") if i in scoring.INSTRUMENTS]
    if chosen:  # a one-off set the clinician picked (at a visit, say): not a time point
        names = [NAMES[i] for i in chosen]
        return send_link(request, episode, PatientLink.Purpose.OUTCOMES, "outcomes", subject, chosen, names)
    points = followups.episode_points(episode)
    point = followups.current(points)
    if point is None:
        upcoming = next((p for p in points if p.status == schedule.Status.UPCOMING), None)
        when = f" The next, {upcoming.label.lower()}, opens on {upcoming.opens:%d %b %Y}." if upcoming else ""
        record(request, "link.create", episode, patient=episode.patient, category="outcomes", outcome="invalid",
               detail="no time point open")  # fmt: skip
        messages.error(request, pgettext("staff", "No time point is open now.%(when)s") % {"when": when})
        return redirect("outcomes:episode", episode.code)
    if point.status == schedule.Status.STOPPED or followups.active_opt_out(episode):
        record(request, "link.create", episode, patient=episode.patient, category="outcomes", outcome="invalid",
               detail="opted out")  # fmt: skip
        messages.error(
            request, pgettext("staff", "The patient asked to receive no more questionnaires for this episode.")
        )
        return redirect("outcomes:episode", episode.code)
    channel = FollowUp.Channel.EMAIL if episode.patient.email else FollowUp.Channel.BY_HAND
    with transaction.atomic():
        f, token = followups.issue(episode, point, request.user, channel)
        record(request, "link.create", f.link, patient=episode.patient, category="outcomes", detail=point.point)
    names = [f"{NAMES[i]}" for i in point.instruments]
    return send_link(request, episode, PatientLink.Purpose.OUTCOMES, "outcomes", subject, asked=names,
                     issued=(f.link, token))  # fmt: skip


@allowed
def opt_out(request: ClinicRequest, code) -> HttpResponse:
    """Record that the patient wants no more questionnaires for this episode (they said so to the clinic)."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=True, code=code)
    with transaction.atomic():
        followups.opt_out(episode, OptOut.Source.CLINICIAN, request.user, request.POST.get("note", "")[:300])
        record(request, "questionnaires.opt_out", episode, patient=episode.patient, category="outcomes",
               detail="clinician")  # fmt: skip
    messages.success(request, pgettext("staff", "Recorded: no more questionnaires will be sent for this episode."))
    return redirect("outcomes:episode", episode.code)


@allowed
def resume(request: ClinicRequest, code) -> HttpResponse:
    """The patient asked to receive the questionnaires again."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=True, code=code)
    with transaction.atomic():
        resumed = followups.resume(episode, request.user) is not None
        record(request, "questionnaires.resume", episode, patient=episode.patient, category="outcomes",
               detail="" if resumed else "nothing to resume")  # fmt: skip
    messages.success(request, pgettext("staff", "Questionnaires will be sent again as they fall due."))
    return redirect("outcomes:episode", episode.code)


@allowed
def due_worklist(request: ClinicRequest) -> HttpResponse:
    """What is open now (answered or not), and how well each time point was followed up over the past year."""
    clinic = request.membership.clinic
    today = timezone.localdate()
    episodes = Episode.objects.filter(clinic=clinic)
    if request.membership.role == Role.PRACTITIONER:
        episodes = episodes.filter(clinician=request.user)  # their own care team (RT-12)
    rows, completion = followups.worklist(episodes, clinic, today)
    answered, closed = followups.follow_up_rate(completion)
    record(
        request,
        "outcomes.worklist",
        category="outcomes",
        detail=f"{len(rows)} open",
        shown=[r.episode.patient for r in rows[:200]],
    )
    return render(
        request,
        "outcomes/due.html",
        {
            "rows": rows[:200],
            "total": len(rows),
            "today": today,
            "completion": completion,
            "answered": answered,
            "closed": closed,
            "rate": answered / closed if closed else None,
            "settings": OutcomeSettings.of(clinic),
        },
    )


@allowed
def progress_report(request: ClinicRequest, code) -> HttpResponse:
    """A one-page progress report (PDF) for the patient or a referrer: the charts and the change table."""
    from django.http import HttpResponse as Raw
    from django.template.loader import render_to_string
    from weasyprint import HTML

    episode = care_team.get_clinical(
        request, Episode.objects.select_related("patient", "clinic"), write=False, code=code
    )
    ctx = _context(episode, "nprs")
    ctx["today"] = timezone.localdate()

    def make() -> bytes:
        for m in ctx["measures"]:  # the PDF carries its charts inside it
            m["svg_data"] = base64.b64encode(charts.measure_chart(*m["chart_args"]).encode()).decode()
        html = render_to_string("outcomes/report.html", ctx, request=request)
        return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()

    # Made once for what it shows: every chart's data (their keys), the patient's details, the day printed.
    shown = documents.digest(
        [m["key"] for m in ctx["measures"]], episode.patient.updated, episode.updated, ctx["today"]
    )
    pdf = documents.get_or_make(episode.clinic, f"progress:{episode.code}", shown, make)
    record(request, "outcomes.report", episode, patient=episode.patient, category="outcomes")
    response = Raw(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="progress-{episode.code}.pdf"'
    return response


@allowed
def record_measure(request: ClinicRequest, code) -> HttpResponse:
    """Lumbar range of motion or a pressure pain threshold, with method, unit and site."""
    episode = care_team.get_clinical(
        request, Episode.objects.select_related("patient", "clinic"), write=True, code=code
    )
    form = ObjectiveForm(request.POST)
    if not form.is_valid():
        record(request, "measure.create", episode, patient=episode.patient, category="outcomes", outcome="invalid")
        ctx = _context(episode, "nprs")
        ctx["measure_form"] = form
        return render(request, "outcomes/episode.html", ctx, status=400)
    d = form.cleaned_data
    with transaction.atomic():
        m = ObjectiveMeasure.objects.create(
            clinic=episode.clinic,
            patient=episode.patient,
            episode=episode,
            kind=d["kind"],
            trials=d["values"],
            value=sum(d["values"]) / len(d["values"]),
            unit=d["unit"],
            method=d["method"].strip(),
            site=d["site"].strip(),
            created_by=request.user,
            updated_by=request.user,
        )
        record(request, "measure.create", m, patient=episode.patient, category="outcomes", detail=m.kind)
    messages.success(request, pgettext("staff", "Recorded: %(measure)s.") % {"measure": m})
    return redirect(reverse("outcomes:episode", args=[episode.code]) + "#measures-h")


@allowed
def thresholds(request: ClinicRequest) -> HttpResponse:
    """The minimal important change per measure: the cited defaults, and the clinic's own (admins set them)."""
    clinic = request.membership.clinic
    if request.method == "POST":  # clinic admins only (policy.py)
        form = ThresholdForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            with transaction.atomic():
                if d["points"] is None:
                    Threshold.objects.filter(clinic=clinic, measure=d["measure"]).delete()
                    record(request, "threshold.clear", category="settings", detail=d["measure"])
                else:
                    Threshold.objects.update_or_create(
                        clinic=clinic, measure=d["measure"], defaults={"points": d["points"], "source": d["source"]}
                    )
                    record(request, "threshold.set", category="settings", detail=f"{d['measure']} {d['points']}")
            messages.success(request, pgettext("staff", "Saved."))
            return redirect("outcomes:thresholds")
        record(request, "threshold.set", category="settings", outcome="invalid")
        messages.error(request, error_text(form))
    own = {t.measure: t for t in Threshold.objects.filter(clinic=clinic)}
    rows = [(m, scoring.MIC_POINTS[m], own.get(m)) for m in scoring.MEASURES]
    return render(
        request,
        "outcomes/thresholds.html",
        {"rows": rows, "can_edit": request.membership.role == Role.CLINIC_ADMIN},
        status=400 if request.method == "POST" else 200,
    )


@allowed
def outcome_settings(request: ClinicRequest) -> HttpResponse:
    """How the clinic follows its patients up: the disability measure, the reminder, publishing (admins change)."""
    clinic = request.membership.clinic
    current = OutcomeSettings.of(clinic)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST":  # clinic admins only (policy.py)
        if form.is_valid():
            with transaction.atomic():
                form.save()
                saved = f"{current.disability}, {current.reminder_days} days, publish {current.publish_outcomes}"
                record(request, "outcome_settings.save", category="settings", detail=saved)
            messages.success(request, pgettext("staff", "Saved."))
            return redirect("outcomes:settings")
        record(request, "outcome_settings.save", category="settings", outcome="invalid")
    return render(
        request,
        "outcomes/settings.html",
        {"form": form, "can_edit": request.membership.role == Role.CLINIC_ADMIN},
        status=400 if request.method == "POST" else 200,
    )


@allowed
def chart(request: ClinicRequest, code) -> HttpResponse:
    """One measure's chart as an SVG image (the episode page shows it with <img>)."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("clinic"), write=False, code=code)
    measure = query_choice(request, "measure", scoring.MEASURES, "nprs")
    all_series, visits, mic, span = _chart_inputs(episode)
    s = all_series[measure]
    if not s.points:
        raise Http404("No scores for this measure yet.")
    record(request, "outcomes.chart", episode, patient=episode.patient, category="outcomes", detail=measure)
    return HttpResponse(charts.measure_chart(s, visits, mic[measure], span), content_type="image/svg+xml")


@allowed
def wording(request: ClinicRequest) -> HttpResponse:
    """The clinic's wording of the questionnaires, per language: the licensed English statements, and the validated
    translations its patients who read Spanish or French answer in (issue 19: never machine-translated). Everyone
    clinical sees what is loaded; clinic admins load and remove (policy.py)."""
    clinic = request.membership.clinic
    form = TextPackForm()
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            language = request.POST.get("language", "")
            with transaction.atomic():
                removed = services.remove_text_pack(clinic, language)
                record(request, "text_pack.remove", category="settings", detail=language[:20],
                       outcome="ok" if removed else "invalid")  # fmt: skip
            if removed:
                messages.success(
                    request, pgettext("staff", "Removed: %(language)s.") % {"language": packs.name(language)}
                )
            else:
                messages.error(request, pgettext("staff", "There was no wording in that language to remove."))
            return redirect("outcomes:wording")
        form = TextPackForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    worded = services.load_text_pack(clinic, d["language"], d["file"], d["source"])
                    record(request, "text_pack.load", category="settings",
                           detail=f"{d['language']}: {', '.join(worded)}; {d['source']}"[:200])  # fmt: skip
            except ValidationError as e:
                add_errors(form, e)
            else:
                names = ", ".join(NAMES[i] for i in worded) or pgettext("staff", "no instrument")
                messages.success(request, pgettext("staff", "Loaded the %(language)s wording of %(names)s.")
                                 % {"language": packs.name(d["language"]), "names": names})  # fmt: skip
                return redirect("outcomes:wording")
        record(request, "text_pack.load", category="settings", outcome="invalid")
    loaded = {p.language: p for p in TextPack.objects.filter(clinic=clinic)}
    rows = []
    for code, _name in settings.LANGUAGES:
        p = loaded.get(code)
        worded = packs.worded(p.pack, code) if p else []
        rows.append({
            "code": code, "name": packs.name(code), "pack": p, "worded": [NAMES[i] for i in worded],
            "in_english": [] if code == packs.ENGLISH else [NAMES[i] for i in packs.INSTRUMENTS if i not in worded],
            # Only the English statements of the ODI and RMDQ come from the clinic; the row says which it lacks.
            "missing_english": [i for i in ("odi", "rmdq") if i not in worded] if code == packs.ENGLISH else [],
        })  # fmt: skip
    ctx = {
        "rows": rows,
        "form": form,
        "can_edit": request.membership.role == Role.CLINIC_ADMIN,
        "english": packs.ENGLISH,
    }
    return render(request, "outcomes/wording.html", ctx, status=400 if form.errors else 200)
