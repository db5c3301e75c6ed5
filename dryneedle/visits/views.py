import functools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import npgettext, pgettext
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed
from dryneedle.accounts.models import Role
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib.forms import add_errors, error_text
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.screening.gate import needling_gate
from dryneedle.visits import bodymap, hooks, services
from dryneedle.visits.forms import (
    DepthLimitForm,
    ExamForm,
    InsertionForm,
    LotForm,
    RemovalForm,
    VisitForm,
    at_visit_time,
    pain_rows,
    read_pain_chart,
)
from dryneedle.visits.models import DepthLimit, Insertion, NeedleLot, TriggerPoint, Visit
from dryneedle.visits.muscles import BY_CODE as BY_MUSCLE

CARRIED_OVER = ("position", "guidance", "technique", "angle")

VISIT_FIELDS = (
    "pre_nprs",
    "hand_hygiene",
    "clean_field",
    "skin_prep_agent",
    "sterile_single_use",
    "post_nprs",
    "post_massage_stretch",
    "immediate_events",
    "notes",
)
# The page saves its steps where they are (issue 18): steps 1-2 before the needles, step 5 after them. A POST without
# a part (the API's way, or an older page) saves every field.
PARTS = {
    "before": ("pre_nprs", "hand_hygiene", "clean_field", "skin_prep_agent", "sterile_single_use"),
    "after": ("post_nprs", "post_massage_stretch", "immediate_events", "notes"),
}


def _form_data(visit: Visit, post, part: str | None):
    """The posted fields of ``part``, and the visit's saved values for the others (a checkbox absent from a form
    that does not show it is not an unticked box)."""
    if part is None:
        return post
    data = post.copy()
    for f in VISIT_FIELDS:
        if f in PARTS[part]:
            continue
        value = getattr(visit, f)
        data.pop(f, None)
        if isinstance(value, bool):
            if value:
                data[f] = "on"
        elif value is not None:
            data[f] = str(value)
    return data


def _visit(request: ClinicRequest, code, write: bool) -> Visit:
    # With the appointment it was started from (a visit page links back to it), in the same keyed query.
    qs = Visit.objects.select_related("patient", "episode", "practitioner", "signed_by", "appointment")
    return care_team.get_clinical(request, qs, write=write, code=code)


@allowed
def start_visit(request: ClinicRequest, code) -> HttpResponse:
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=True, code=code)
    try:
        with transaction.atomic():
            visit = services.start_visit(episode, request.user)
            record(request, "visit.create", visit, category="procedure")
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("patients:episode", episode.code)
    return redirect("visits:detail", visit.code)


def _page(
    request: ClinicRequest, visit: Visit, visit_form=None, needle_form=None, status=200, pain_raw=None
) -> HttpResponse:
    gate = needling_gate(visit.episode)
    needles = list(visit.insertions.select_related("lot", "incident", "trigger_point").order_by("time_in", "id"))
    for number, n in enumerate(needles, 1):
        n.number = number  # as the table numbers them
    if needle_form is None:
        # The next needle starts from the last one's needle, position and technique: fewer taps per needle.
        last = needles[-1] if needles else None
        initial = {f: getattr(last, f) for f in CARRIED_OVER} | {"lot": last.lot.code} if last else {}
        needle_form = InsertionForm(visit.clinic, episode=visit.episode, initial=initial)
    trigger_points = _trigger_points(visit)
    # The patient's own pain rating from today is offered only while step 1 is still empty.
    offered = hooks.pain_rating_today(visit) if visit.status == Visit.Status.DRAFT and visit.pre_nprs is None else None
    return render(
        request,
        "visits/visit.html",
        {
            "visit": visit,
            "patient": visit.patient,
            "episode": visit.episode,
            "gate": gate,
            "needles": needles,
            "still_in": [n for n in needles if n.time_out is None and getattr(n, "incident", None) is None],
            "counts": {"inserted": len(needles), "removed": sum(1 for n in needles if n.time_out)},
            "visit_form": visit_form or VisitForm(initial=_initial(visit, offered)),
            "nprs_today": offered,
            "needle_form": needle_form,
            "exam_form": ExamForm(prefix="tp"),
            "trigger_points": trigger_points,
            "tp_objects": [tp for tp, _exams, _today in trigger_points],
            "pain_marks": visit.pain_chart,
            "pain_rows": pain_rows(visit.pain_chart, pain_raw),
            "pain_extent": bodymap.extent(visit.pain_chart),
            "intensities": range(11),
            "qualities": bodymap.QUALITIES,
            "chart_data": chart_data(),
            "sign_problems": services.can_sign(request.user, visit) if visit.status == Visit.Status.DRAFT else [],
            "note": services.soap_note(visit, needles, screening=gate.current),
            "amendments": visit.amendments.select_related("created_by").order_by("created"),
            "events": visit.adverse_events.filter(entered_in_error=False).order_by("occurred"),
            "checkins": visit.checkins.order_by("attempt"),
            "checkin_hours": settings.CHECKIN_HOURS,
        },
        status=status,
    )


def _initial(visit: Visit, offered=None) -> dict:
    initial = {f: getattr(visit, f) for f in VISIT_FIELDS}
    if offered is not None:
        initial["pre_nprs"] = int(offered.score)  # saved only when the clinician saves step 1
    return initial


def _trigger_points(visit: Visit) -> list[tuple]:
    """The episode's trigger points with their findings visit by visit (oldest first) and today's exam."""
    tps = list(TriggerPoint.objects.filter(episode=visit.episode).prefetch_related("exams__visit").order_by("created"))
    out = []
    for tp in tps:
        exams = sorted(tp.exams.all(), key=lambda e: e.visit.started)
        today = next((e for e in exams if e.visit_id == visit.pk), None)
        out.append((tp, exams, today))
    return out


@allowed
def visit_detail(request: ClinicRequest, code) -> HttpResponse:
    visit = _visit(request, code, write=False)
    record(request, "visit.view", visit, category="procedure")
    return _page(request, visit)


@allowed
def save_visit(request: ClinicRequest, code) -> HttpResponse:
    visit = _visit(request, code, write=True)
    part = request.POST.get("part")
    part = part if part in PARTS else None
    form = VisitForm(_form_data(visit, request.POST, part))
    chart_errors: list[str]
    if part == "after":  # the pain drawing is step 1: kept as saved
        marks, chart_errors, raw = visit.pain_chart, [], None
    else:
        marks, chart_errors, raw = read_pain_chart(request.POST)
    autosave = request.headers.get("X-Autosave") == "1"  # visits/static/visits/autosave.js: answered in JSON
    if visit.status != Visit.Status.DRAFT:
        record(request, "visit.update", visit, category="procedure", outcome="invalid", detail="signed")
        if autosave:
            return JsonResponse({"detail": "this visit is signed: corrections are amendments."}, status=409)
        messages.error(request, pgettext("staff", "This visit is signed: corrections are amendments."))
        return redirect("visits:detail", visit.code)
    if not form.is_valid() or chart_errors:
        for e in chart_errors:
            form.add_error(None, e)
        record(request, "visit.update", visit, category="procedure", outcome="invalid",
               detail="autosave" if autosave else "")  # fmt: skip
        if autosave:
            errors = [f"{form.fields[k].label if k in form.fields else ''}: {' '.join(str(m) for m in v)}".lstrip(": ")
                      for k, v in form.errors.items()]  # fmt: skip
            return JsonResponse({"detail": "; ".join(errors)}, status=400)
        return _page(request, visit, visit_form=form, status=400, pain_raw=raw)
    with transaction.atomic():
        for f in VISIT_FIELDS:
            setattr(visit, f, form.cleaned_data[f])
        visit.pain_chart = marks
        visit.updated_by = request.user
        visit.save()
        record(request, "visit.update", visit, category="procedure", detail="autosave" if autosave else "")
    if autosave:
        return JsonResponse({"saved": f"{timezone.localtime():%H:%M}"})
    saved = {"before": pgettext("staff", "Steps 1 and 2 saved."), "after": pgettext("staff", "Step 5 saved.")}
    messages.success(request, saved.get(part or "", pgettext("staff", "Saved.")))
    return redirect(reverse("visits:detail", args=[visit.code]) + {"after": "#step-5"}.get(part or "", ""))


@allowed
def add_needle(request: ClinicRequest, code) -> HttpResponse:
    visit = _visit(request, code, write=True)
    form = InsertionForm(visit.clinic, request.POST, episode=visit.episode)
    if form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                ins = Insertion.objects.create(
                    visit=visit,
                    lot=d["lot"],
                    muscle=d["muscle"],
                    region=d["region"],
                    side=d["side"],
                    depth_mm=d["depth_mm"],
                    technique=d["technique"],
                    local_twitch_responses=d["local_twitch_responses"],
                    angle=d["angle"],
                    protective_technique=d["protective_technique"],
                    depth_reason=d["depth_reason"],
                    trigger_point=d["trigger_point"],
                    position=d["position"],
                    guidance=d["guidance"],
                    duration_s=d["duration_s"],
                    estim_frequency_hz=d["estim_frequency_hz"],
                    estim_intensity=d["estim_intensity"],
                    recognition=d["recognition"],
                    sensations=d["sensations"],
                    time_in=at_visit_time(visit, d["time_in"]) or timezone.now(),
                    created_by=request.user,
                    updated_by=request.user,
                )
                record(request, "insertion.create", ins, patient=visit.patient, category="procedure")
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(
                request,
                pgettext("staff", "Needle %(count)s in: %(needle)s.")
                % {"count": visit.insertions.count(), "needle": ins},
            )
            return redirect("visits:detail", visit.code)
    record(
        request,
        "insertion.create",
        visit,
        category="procedure",
        outcome="invalid",
        detail=error_text(form)[:200],
    )
    return _page(request, visit, needle_form=form, status=400)


@allowed
def remove_needle(request: ClinicRequest, code) -> HttpResponse:
    ins = care_team.get_clinical(request, Insertion.objects.select_related("visit", "patient"), write=True, code=code)
    form = RemovalForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(error_text(form))
        with transaction.atomic():
            services.remove_needle(
                ins,
                request.user,
                when=at_visit_time(ins.visit, form.cleaned_data["time_out"]),
                pressure_applied=form.cleaned_data["pressure_applied"],
                bleeding=form.cleaned_data["bleeding"],
            )
            record(request, "insertion.remove", ins, patient=ins.patient, category="procedure")
    except ValidationError as e:
        record(request, "insertion.remove", ins, patient=ins.patient, category="procedure", outcome="invalid")
        messages.error(request, " ".join(e.messages))
    return redirect("visits:detail", ins.visit.code)


@allowed
@require_POST
def remove_needles(request: ClinicRequest, code) -> HttpResponse:
    """Count out, at once, the needles still in that the clinician ticked (all are ticked: the common case, issue 18),
    each with pressure applied and no bleeding; a needle with bleeding or a problem is removed on its own row."""
    visit = _visit(request, code, write=True)
    ticked = set(request.POST.getlist("needle"))
    still_in = list(
        Insertion.objects.filter(clinic=visit.clinic_id, visit=visit, time_out__isnull=True, incident__isnull=True)
        .select_related("visit", "patient")
        .order_by("time_in", "id")
    )
    chosen = [n for n in still_in if str(n.code) in ticked]
    if not chosen:
        record(request, "insertion.remove", visit, patient=visit.patient, category="procedure", outcome="invalid",
               detail="none ticked")  # fmt: skip
        messages.error(request, pgettext("staff", "Tick the needles to count out."))
        return redirect("visits:detail", visit.code)
    try:
        with transaction.atomic():
            for ins in chosen:
                services.remove_needle(ins, request.user)
                record(
                    request,
                    "insertion.remove",
                    ins,
                    patient=ins.patient,
                    category="procedure",
                    detail="counted out together",
                )
    except ValidationError as e:
        record(request, "insertion.remove", visit, patient=visit.patient, category="procedure", outcome="invalid")
        messages.error(request, " ".join(e.messages))
    else:
        left = len(still_in) - len(chosen)
        messages.success(
            request,
            npgettext("staff", "%(count)s needle counted out", "%(count)s needles counted out", len(chosen))
            % {"count": len(chosen)}
            + (
                npgettext("staff", "; %(count)s still in.", "; %(count)s still in.", left) % {"count": left}
                if left
                else pgettext("staff", "; none still in.")
            ),
        )
    return redirect("visits:detail", visit.code)


@allowed
def sign_visit(request: ClinicRequest, code) -> HttpResponse:
    visit = _visit(request, code, write=True)
    try:
        with transaction.atomic():
            services.sign(visit, request.user)
            record(request, "visit.sign", visit, category="procedure", detail=visit.sha256[:16])
            hooks.visit_signed.send(Visit, visit=visit, base_url=request.build_absolute_uri("/"))
    except ValidationError as e:
        record(
            request, "visit.sign", visit, category="procedure", outcome="invalid", detail="; ".join(e.messages)[:200]
        )
        # The page lists what stops signing next to the button; the banner says so once, not the same words twice.
        listed = set(services.can_sign(request.user, visit)) if visit.status == Visit.Status.DRAFT else set()
        rest = [m for m in e.messages if m not in listed]
        messages.error(
            request, " ".join(rest) or pgettext("staff", "Not signed: what stops it is listed next to “Sign the note”.")
        )
    else:
        # Only a visit with needles has an aftercare handout (aftercare.services.on_sign): say what really happened.
        if not Insertion.objects.filter(clinic=visit.clinic_id, visit=visit).exists():
            handout = " No needle was placed, so there is no aftercare handout."
        elif visit.patient.email:
            handout = " The aftercare handout is ready and was emailed to the patient."
        else:
            handout = " The aftercare handout is ready to print or hand over (the patient has no email address)."
        messages.success(
            request,
            pgettext("staff", "Signed. The note can no longer be changed; corrections are amendments.%(handout)s")
            % {"handout": handout},
        )
    return redirect("visits:detail", visit.code)


@allowed
def amend_visit(request: ClinicRequest, code) -> HttpResponse:
    visit = _visit(request, code, write=True)
    try:
        with transaction.atomic():
            a = services.amend(visit, request.user, request.POST.get("text", ""), request.POST.get("reason", ""))
            record(request, "visit.amend", visit, category="procedure", detail=f"amendment {a.code}")
    except ValidationError as e:
        record(
            request, "visit.amend", visit, category="procedure", outcome="invalid", detail="; ".join(e.messages)[:200]
        )
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request, pgettext("staff", "Amendment added. The signed note is unchanged; the amendment follows it.")
        )
    return redirect("visits:detail", visit.code)


@allowed
def needle_incident(request: ClinicRequest, code) -> HttpResponse:
    """A needle that cannot be counted out: record the search and that the patient was told."""
    qs = Insertion.objects.select_related("visit", "patient", "clinic")
    ins = care_team.get_clinical(request, qs, write=True, code=code)
    p = request.POST
    try:
        with transaction.atomic():
            services.record_incident(
                ins,
                request.user,
                search_done=p.get("search_done") == "on",
                found=p.get("found") == "yes",
                patient_informed=p.get("patient_informed") == "on",
                notes=p.get("notes", ""),
            )
            record(request, "insertion.incident", ins, patient=ins.patient, category="procedure")
    except ValidationError as e:
        record(request, "insertion.incident", ins, patient=ins.patient, category="procedure", outcome="invalid")
        messages.error(request, " ".join(e.messages))
    else:
        messages.warning(
            request, pgettext("staff", "Needle incident recorded, with a draft adverse event to classify.")
        )
    return redirect("visits:detail", ins.visit.code)


@allowed
def examine(request: ClinicRequest, code) -> HttpResponse:
    """Record today's findings at a trigger point, new or followed from earlier visits."""
    visit = _visit(request, code, write=True)
    form = ExamForm(request.POST, prefix="tp")
    try:
        if not form.is_valid():
            raise ValidationError(error_text(form))
        d = form.cleaned_data
        tp = None
        if d["trigger_point"]:
            tp = TriggerPoint.objects.filter(code=d["trigger_point"], episode=visit.episode).first()
            if tp is None:
                raise ValidationError(pgettext("staff", "That trigger point is not in this episode."))
        with transaction.atomic():
            exam = services.examine_trigger_point(visit, request.user, d, trigger_point=tp)
            record(
                request,
                "triggerpoint.exam",
                exam.trigger_point,
                patient=visit.patient,
                category="procedure",
                detail=exam.status,
            )
    except ValidationError as e:
        record(request, "triggerpoint.exam", visit, category="procedure", outcome="invalid")
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request,
            pgettext("staff", "%(trigger_point)s: %(status)s.")
            % {"trigger_point": exam.trigger_point, "status": exam.get_status_display().lower()},
        )
    return redirect("visits:detail", visit.code)


@allowed
def needle_stock(request: ClinicRequest) -> HttpResponse:
    """The clinic's needle lots; clinic admins and practitioners add new ones."""
    from django.db import IntegrityError
    from django.db.models import Count

    clinic = request.membership.clinic
    form = LotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                lot = NeedleLot.objects.create(clinic=clinic, **form.cleaned_data)
                record(request, "stock.add", category="stock", detail=f"lot {lot.lot_number}")
        except IntegrityError:
            form.add_error("lot_number", pgettext("staff", "This lot of this size is already in stock."))
        else:
            messages.success(request, pgettext("staff", "Added %(lot)s.") % {"lot": lot})
            return redirect("visits:stock")
    lots = NeedleLot.objects.filter(clinic=clinic).annotate(used=Count("insertions")).order_by("-expires")
    return render(
        request, "visits/stock.html", {"lots": lots, "form": form, "today": timezone.localdate(), "can_add": True}
    )


@functools.cache
def chart_data() -> dict:
    """What the needle-site chart needs in the browser: muscles per region, each muscle's site and referral."""
    sides = ("left", "right")
    return {
        "over": {r.code: bodymap.muscles_over(r.code) for r in bodymap.REGIONS},
        "site": {m: {s: bodymap.muscle_site(m, s) for s in sides} for m in bodymap.MUSCLE_CHART},
        "referral": {m: {s: bodymap.referral_zone(m, s) for s in sides} for m in bodymap.MUSCLE_CHART},
    }


@allowed
def compare_charts(request: ClinicRequest, code) -> HttpResponse:
    """Two visits' pain drawings side by side, with the painful area counted on each."""
    episode = care_team.get_clinical(request, Episode.objects.select_related("patient"), write=False, code=code)
    visits = list(Visit.objects.filter(episode=episode).exclude(pain_chart=[]).order_by("started"))
    by_code = {str(v.code): v for v in visits}
    bad = [k for k in ("a", "b") if request.GET.get(k) and request.GET[k] not in by_code]
    if bad:
        messages.error(request, pgettext("staff", "Choose visits of this episode that have a pain drawing."))
    before = by_code.get(request.GET.get("a", "")) or (visits[0] if visits else None)
    after = by_code.get(request.GET.get("b", "")) or (visits[-1] if visits else None)
    record(request, "visit.charts", episode, patient=episode.patient, category="procedure")
    sides = [
        {"visit": v, "extent": bodymap.extent(v.pain_chart), "key": k}
        for k, v in (("a", before), ("b", after))
        if v is not None
    ]
    return render(
        request,
        "visits/charts.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "visits": visits,
            "sides": sides,
            "rows": bodymap.compare(before.pain_chart, after.pain_chart) if before and after else [],
        },
        status=400 if bad else 200,
    )


@allowed
def muscles(request: ClinicRequest) -> HttpResponse:
    """The muscle catalogue: where each lies, its typical referral, its depth guard and the source."""
    from dryneedle.visits import depth
    from dryneedle.visits.muscles import MUSCLES

    clinic = request.membership.clinic if request.membership else None
    own: dict = {}
    if clinic:
        for d in DepthLimit.objects.filter(clinic=clinic).select_related("proposed_by", "approved_by"):
            own.setdefault(d.muscle, {})[d.status] = d
    rows = [
        {
            "m": m,
            "site": bodymap.muscle_site(m.code, "left"),
            "referral": bodymap.referral_zone(m.code, "left"),
            "default": depth.default_for(m.code),
            "zone": depth.zone_of(m.code),
            "cap": depth.cap_for(m.code),
            "own": own.get(m.code, {}).get("active"),
            "pending": own.get(m.code, {}).get("pending"),
        }
        for m in MUSCLES
    ]
    can_edit = bool(request.membership) and request.membership.role == Role.CLINIC_ADMIN
    return render(request, "visits/muscles.html", {"rows": rows, "can_edit": can_edit, "clinic": clinic})


@allowed
def depth_limit(request: ClinicRequest) -> HttpResponse:
    """A clinic admin lowers a limit (at once), proposes a raise (a second admin approves it), or goes back to
    the cited default."""
    from dryneedle.visits import depth

    clinic = request.membership.clinic
    form = DepthLimitForm(request.POST)
    if not form.is_valid():
        record(request, "depth_limit.set", category="settings", outcome="invalid")
        messages.error(request, error_text(form))
        return redirect("visits:muscles")
    d = form.cleaned_data
    name = BY_MUSCLE[d["muscle"]].name
    back = redirect(reverse("visits:muscles") + f"#m-{d['muscle']}")
    with transaction.atomic():
        if d["max_mm"] is None:
            DepthLimit.objects.filter(clinic=clinic, muscle=d["muscle"]).delete()
            record(request, "depth_limit.clear", category="settings", detail=d["muscle"])
            messages.success(request, pgettext("staff", "%(name)s: back to the cited default.") % {"name": name})
        elif depth.is_raise(d["muscle"], d["max_mm"]):
            problem = _raise_problem(name, d)
            if problem:
                record(request, "depth_limit.propose", category="settings", outcome="invalid", detail=d["muscle"])
                messages.error(request, problem)
                return back
            DepthLimit.objects.update_or_create(
                clinic=clinic,
                muscle=d["muscle"],
                status=DepthLimit.Status.PENDING,
                defaults={"max_mm": d["max_mm"], "source": d["source"], "proposed_by": request.user},
            )
            record(request, "depth_limit.propose", category="settings", detail=f"{d['muscle']} {d['max_mm']} mm")
            messages.success(
                request,
                pgettext("staff", "%(name)s: a limit of %(max_mm)s mm waits for a second clinic admin's approval.")
                % {"name": name, "max_mm": d["max_mm"]},
            )
        else:
            DepthLimit.objects.filter(clinic=clinic, muscle=d["muscle"]).delete()
            DepthLimit.objects.create(
                clinic=clinic, muscle=d["muscle"], max_mm=d["max_mm"], source=d["source"], proposed_by=request.user
            )
            record(request, "depth_limit.set", category="settings", detail=f"{d['muscle']} {d['max_mm']} mm")
            messages.success(
                request,
                pgettext("staff", "%(name)s: this clinic's limit is now %(max_mm)s mm.")
                % {"name": name, "max_mm": d["max_mm"]},
            )
    return back


def _raise_problem(name: str, d: dict) -> str:
    from dryneedle.visits import depth

    cap, why = depth.cap_for(d["muscle"])
    if not depth.is_reference(d["source"]):
        return pgettext(
            "staff", "A raise needs a reference a reader can find: authors or title with the year, a DOI or a PMID."
        )
    if cap is not None and d["max_mm"] > cap:
        if not cap:
            return pgettext(
                "staff", "%(muscle)s: no clinic limit can be set here (%(why)s). Use a protective technique."
            ) % {"muscle": name, "why": why}
        return pgettext("staff", "%(muscle)s: no limit above %(cap)s mm can be set (%(why)s).") % {
            "muscle": name,
            "cap": cap,
            "why": why,
        }
    return ""


@allowed
def depth_limit_approve(request: ClinicRequest) -> HttpResponse:
    """A second clinic admin approves a proposed raise; the proposer cannot (a database constraint too)."""
    clinic = request.membership.clinic
    muscle = request.POST.get("muscle", "")
    if muscle not in BY_MUSCLE:
        record(request, "depth_limit.approve", category="settings", outcome="invalid")
        messages.error(request, pgettext("staff", "Choose a muscle from the catalogue."))
        return redirect("visits:muscles")
    back = redirect(reverse("visits:muscles") + f"#m-{muscle}")
    with transaction.atomic():
        pending = (
            DepthLimit.objects.select_for_update()
            .filter(clinic=clinic, muscle=muscle, status=DepthLimit.Status.PENDING)
            .first()
        )
        if pending is None:
            record(request, "depth_limit.approve", category="settings", outcome="invalid", detail=muscle[:40])
            messages.error(request, pgettext("staff", "There is no proposed limit to approve for that muscle."))
            return redirect("visits:muscles")
        if pending.proposed_by_id == request.user.pk:
            record(request, "depth_limit.approve", category="settings", outcome="denied", detail=muscle)
            messages.error(
                request, pgettext("staff", "A second clinic admin must approve a raise: not the admin who proposed it.")
            )
            return back
        DepthLimit.objects.filter(clinic=clinic, muscle=muscle, status=DepthLimit.Status.ACTIVE).delete()
        pending.status = DepthLimit.Status.ACTIVE
        pending.approved_by = request.user
        pending.approved_at = timezone.now()
        pending.save()
        record(request, "depth_limit.approve", category="settings", detail=f"{muscle} {pending.max_mm} mm")
    messages.success(
        request,
        pgettext("staff", "%(name)s: this clinic's limit is now %(max_mm)s mm.")
        % {"name": BY_MUSCLE[muscle].name, "max_mm": pending.max_mm},
    )
    return back
