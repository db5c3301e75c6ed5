from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import npgettext, pgettext
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.models import Role, User
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.audit.models import AuditEvent
from dryneedle.lib.forms import add_errors
from dryneedle.lib.http import query_choice
from dryneedle.patients import care_team, hooks, in_error, merge, services, texts
from dryneedle.patients.conditions import CONDITIONS
from dryneedle.patients.forms import (
    ConditionCodesForm,
    DischargeForm,
    EmergencyAccessForm,
    EpisodeForm,
    MergeForm,
    PatientForm,
    SearchForm,
    SeparateForm,
)
from dryneedle.patients.models import EmergencyAccess, Episode, Patient, RecordStatus, TextConsent

# Sort keys a user may pick; anything else is a 400, never passed to order_by.
SORTS = {
    "name": ("family_name", "given_name"),
    "-name": ("-family_name", "-given_name"),
    "born": ("birth_date",),
    "-born": ("-birth_date",),
    "added": ("created",),
    "-added": ("-created",),
}


@allowed
def list_patients(request: ClinicRequest) -> HttpResponse:
    """List the clinic's patients. Search terms travel in the POST body, never in the URL."""
    sort = query_choice(request, "sort", SORTS, "name")
    qs = (
        # An anonymised record is nobody to look for (docs/retention.md): it stays in the statistics only.
        Patient.objects.filter(clinic=request.membership.clinic, merged_into__isnull=True, anonymised_at__isnull=True)
        .annotate(open_episodes=Count("episodes", filter=Q(episodes__status=Episode.Status.OPEN)))
        .order_by(*SORTS[sort], "id")
    )
    form = SearchForm(request.POST or None)
    query = ""
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["q"].strip()
        try:  # a date of birth, or words of a name or phone
            qs = services.search(qs, birth_date=datetime.strptime(query, "%Y-%m-%d").date())
        except ValueError:
            qs = services.search(qs, q=query)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    record(
        request,
        "patient.list",
        detail=f"{len(page.object_list)} rows" + (", searched" if query else ""),
        shown=page.object_list,
    )
    return render(
        request, "patients/list.html", {"page": page, "form": form, "query": query, "sort": sort, "sorts": SORTS}
    )


@allowed
def add_patient(request: ClinicRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The same person may already be here (issue 18): offer the record found before adding another.
        matches = [] if request.POST.get("confirm_new") else services.possible_duplicates(
            request.membership.clinic, form.cleaned_data
        )  # fmt: skip
        if matches:
            record(request, "patient.list", detail=f"possible duplicates of a new record: {len(matches)}")
            return render(request, "patients/form.html", {"form": form, "title": "Add a patient", "matches": matches})
        try:
            with transaction.atomic():
                patient = services.create_patient(request.membership.clinic, request.user, form.cleaned_data)
                if form.cleaned_data["texts"]:
                    if not patient.phone:
                        raise ValidationError({"texts": pgettext("staff", "Add the phone number the texts go to.")})
                    texts.record(patient, True, TextConsent.Source.CLINIC, request.user)
                record(request, "patient.create", patient)
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(request, pgettext("staff", "Added %(name)s.") % {"name": patient.name})
            return redirect("patients:detail", patient.code)
    return render(request, "patients/form.html", {"form": form, "title": "Add a patient"})


@allowed
def edit_patient(request: ClinicRequest, code) -> HttpResponse:
    patient = get_for_clinic(request, Patient, code=code)
    initial = {name: getattr(patient, name) for name in Patient.EDITABLE} | {"texts": texts.texted(patient)}
    form = PatientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                changed = services.update_patient(patient, request.user, form.cleaned_data)
                if form.cleaned_data["texts"] and not patient.phone:
                    raise ValidationError({"texts": pgettext("staff", "Add the phone number the texts go to.")})
                if texts.record(patient, form.cleaned_data["texts"], TextConsent.Source.CLINIC, request.user):
                    changed.append("texts")
                record(request, "patient.update", patient, detail="changed: " + ", ".join(changed))
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(request, pgettext("staff", "Saved.") if changed else pgettext("staff", "Nothing changed."))
            return redirect("patients:detail", patient.code)
    elif request.method == "GET":
        record(request, "patient.view", patient, detail="edit form")
    return render(request, "patients/form.html", {"form": form, "title": f"Edit {patient.name}", "patient": patient})


@allowed
def mark_patient_in_error(request: ClinicRequest, code) -> HttpResponse:
    patient = get_for_clinic(request, Patient, code=code)
    return in_error.mark(request, patient, "patient.entered_in_error", redirect("patients:detail", patient.code))


@allowed
def conditions(request: ClinicRequest) -> HttpResponse:
    codes = services.condition_codes(request.membership.clinic)
    rows = [(c, codes.get(c.code, [])) for c in CONDITIONS]
    return render(
        request,
        "patients/conditions.html",
        {"rows": rows, "coded": bool(codes), "is_admin": request.membership.role == Role.CLINIC_ADMIN},
    )


@allowed
def condition_codes(request: ClinicRequest) -> HttpResponse:
    """A clinic admin sets the clinic's SNOMED CT and ICD-10 code for each condition (patients/coding.py)."""
    clinic = request.membership.clinic
    initial = ConditionCodesForm.initial_of(services.condition_codes(clinic), clinic.jurisdiction)
    form = ConditionCodesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            basis = form.cleaned_data["basis"].strip()
            changed = services.set_condition_codes(clinic, request.user, form.wanted(), basis)
            if changed:
                said = "; ".join(changed)  # the audit detail holds 200 characters: beyond, the count and the start
                record(request, "condition_codes.set", category="settings",
                       detail=said if len(said) <= 200 else f"{len(changed)} changes: {said[:170]}...")  # fmt: skip
        said = npgettext("staff", "Saved %(count)d change to the codes.", "Saved %(count)d changes to the codes.",
                         len(changed)) % {"count": len(changed)}  # fmt: skip
        messages.success(request, said if changed else pgettext("staff", "Nothing changed."))
        return redirect("patients:conditions")
    return render(request, "patients/condition_codes.html", {"form": form}, status=400 if form.errors else 200)


@allowed
def open_episode(request: ClinicRequest, code) -> HttpResponse:
    patient = get_for_clinic(request, Patient, code=code)
    form = EpisodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                episode = services.open_episode(patient, request.user, form.cleaned_data)
                record(request, "episode.create", episode)
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(
                request,
                pgettext("staff", "Opened an episode of %(condition)s.")
                % {"condition": episode.condition_name.lower()},
            )
            return redirect("patients:episode", episode.code)
    elif request.method == "GET":
        record(request, "patient.view", patient, detail="open episode form")
    return render(request, "patients/episode_form.html", {"form": form, "patient": patient, "conditions": CONDITIONS})


@allowed
def discharge_episode(request: ClinicRequest, code) -> HttpResponse:
    episode = get_for_clinic(request, Episode.objects.select_related("patient"), code=code)
    care_team.require_clinical_write(request, episode.patient)
    form = DischargeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                services.discharge_episode(
                    episode, request.user, d["discharge_date"], d["discharge_reason"], d["discharge_note"]
                )
                record(request, "episode.discharge", episode)
                # The review request and anything else a discharge starts (patients/hooks.py).
                hooks.episode_discharged.send(Episode, request=request, episode=episode)
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(request, pgettext("staff", "Episode discharged."))
            return redirect("patients:episode", episode.code)
    elif request.method == "GET":
        record(request, "episode.view", episode, detail="discharge form")
    plan = getattr(episode, "plan", None)
    criteria = hooks.discharge_criteria(plan) if plan else []
    return render(
        request,
        "patients/discharge.html",
        {"form": form, "episode": episode, "patient": episode.patient, "plan": plan, "criteria": criteria},
    )


@allowed
def mark_episode_in_error(request: ClinicRequest, code) -> HttpResponse:
    episode = get_for_clinic(request, Episode.objects.select_related("patient"), code=code)
    return in_error.mark(request, episode, "episode.entered_in_error", redirect("patients:episode", episode.code))


@allowed
def emergency_access(request: ClinicRequest, code) -> HttpResponse:
    """Break-glass: read a patient's clinical record outside the care team, for a limited time."""
    patient = get_for_clinic(request, Patient, code=code)
    form = EmergencyAccessForm(request.POST)
    if care_team.clinical_access(request, patient) is not None:
        return redirect("patients:detail", patient.code)
    if not form.is_valid():
        messages.error(request, pgettext("staff", "Emergency access needs a written reason of at least 20 characters."))
        return redirect("patients:detail", patient.code)
    with transaction.atomic():
        opened = care_team.grant(request, patient, form.cleaned_data["reason"])
    if opened is None:
        limit = request.membership.clinic.emergency_access_per_hour
        messages.error(
            request,
            pgettext(
                "staff",
                "You have used this clinic's %(limit)s emergency openings for this hour. The clinic admins have been "
                "told.",
            )
            % {"limit": limit},
        )
        return redirect("patients:detail", patient.code)
    messages.warning(
        request,
        pgettext("staff", "Emergency access is open for this record. Everything you do is flagged in the audit log."),
    )
    return redirect("patients:detail", patient.code)


@allowed
def emergency_report(request: ClinicRequest) -> HttpResponse:
    """Every emergency opening in the clinic over a period: who, which record, why, and what was refused."""
    clinic = request.membership.clinic
    days = query_choice(request, "days", ["7", "30", "90", "365"], default="30")
    since = timezone.now() - timedelta(days=int(days))
    grants = list(
        EmergencyAccess.objects.filter(clinic=clinic, created__gte=since)
        .select_related("user", "patient")
        .order_by("-created")
    )
    refused = list(
        AuditEvent.objects.filter(clinic=clinic.code, action="breakglass.refused", ts__gte=since).order_by("-ts")
    )
    # One row per person, by account name (the audit row of a refusal holds the name, not the user).
    names = {g.user.username: g.user.display_name() for g in grants}
    by_user: dict[str, dict] = {}
    for g in grants:
        by_user.setdefault(g.user.username, {"opened": 0, "refused": 0})["opened"] += 1
    for r in refused:
        by_user.setdefault(r.username, {"opened": 0, "refused": 0})["refused"] += 1
    missing = set(by_user) - set(names)
    if missing:
        names |= {u.username: u.display_name() for u in User.objects.filter(username__in=missing)}
    by_person = sorted((names.get(k, k), v) for k, v in by_user.items())
    record(
        request,
        "breakglass.report",
        category="emergency_access",
        detail=f"{days} days, {len(grants)} openings",
        shown=[g.patient for g in grants],
    )
    return render(
        request,
        "patients/emergency_report.html",
        {
            "grants": grants,
            "refused": refused,
            "by_user": by_person,
            "days": days,
            "limit": clinic.emergency_access_per_hour,
            "show_names": request.membership.role == Role.CLINIC_ADMIN,
        },
    )


@allowed
def merge_patient(request: ClinicRequest, code) -> HttpResponse:
    """A clinic admin merges a duplicate record into this one (patients/merge.py: nothing moves or is deleted)."""
    kept = get_for_clinic(request, Patient, code=code)
    clinic = request.membership.clinic
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        duplicate = Patient.objects.filter(clinic=clinic, code=d["duplicate"]).first()
        try:
            if duplicate is None:
                raise ValidationError({"duplicate": pgettext("staff", "Choose a record listed.")})
            trail = merge.merge(request.user, kept, duplicate, d["reason"])
        except ValidationError as e:
            add_errors(form, e)
        else:
            record(request, "patient.merge", trail, patient=kept, detail=f"{duplicate.code} into {kept.code}")
            record(request, "patient.merged", trail, patient=duplicate, detail=f"into {kept.code}")
            messages.success(
                request,
                pgettext("staff", "%(name)s's record is merged into this one: its history shows here.")
                % {"name": duplicate.name},
            )
            return redirect("patients:detail", kept.code)
    q = request.GET.get("q", "")[:100].strip()
    others = Patient.objects.filter(clinic=clinic, merged_into__isnull=True).exclude(pk=kept.pk).exclude(
        status=RecordStatus.ENTERED_IN_ERROR)  # fmt: skip
    fields = ("given_name", "family_name", "birth_date", "email", "phone")
    likely = services.possible_duplicates(clinic, {f: getattr(kept, f) for f in fields}, limit=6)
    likely = [p for p in likely if p.pk != kept.pk and p.merged_into_id is None]
    found = list(services.search(others, q).order_by("family_name", "given_name")[:20]) if q else []
    candidates = likely + [p for p in found if p not in likely]
    if request.method == "POST":
        record(request, "patient.merge", kept, outcome="invalid")
    else:
        record(request, "patient.merge_form", kept, shown=candidates)
    counts = dict(
        Episode.objects.filter(clinic=clinic, patient__in=candidates).values_list("patient").annotate(n=Count("id"))
    )
    return render(
        request,
        "patients/merge.html",
        {"kept": kept, "form": form, "q": q, "candidates": [(p, counts.get(p.pk, 0)) for p in candidates],
         "likely": {p.pk for p in likely}},
        status=400 if form.errors else 200,
    )  # fmt: skip


@allowed
@require_POST
def separate_patient(request: ClinicRequest, code) -> HttpResponse:
    """Undo a merge: the duplicate becomes a record of its own again."""
    duplicate = get_for_clinic(request, Patient, code=code)
    form = SeparateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(pgettext("staff", "Say why they are two people after all."))
        trail = merge.separate(request.user, duplicate, form.cleaned_data["reason"])
    except ValidationError as e:
        record(request, "patient.separate", duplicate, outcome="invalid")
        messages.error(request, " ".join(e.messages))
    else:
        record(request, "patient.separate", trail, patient=duplicate, detail=f"from {trail.kept.code}")
        messages.success(
            request, pgettext("staff", "%(name)s's record is a record of its own again.") % {"name": duplicate.name}
        )
    return redirect("patients:detail", duplicate.code)
