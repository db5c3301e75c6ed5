from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext

from dryneedle.accounts.access import allowed
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.consent import services as consent
from dryneedle.lib.forms import add_errors
from dryneedle.patients import care_team, in_error
from dryneedle.patients.models import Episode
from dryneedle.portal import intake as intake_answers
from dryneedle.screening import medications, rules, services
from dryneedle.screening.forms import FORM_FINDINGS, AcknowledgeForm, InvalidateForm, OverrideForm, ScreeningForm
from dryneedle.screening.gate import needling_gate
from dryneedle.screening.models import Screening

FORM_CODES = {f.code for f in FORM_FINDINGS}
ALIASES = {f.code: f.alias_of for f in rules.FINDINGS if f.alias_of}


def _episode(request: ClinicRequest, code, write: bool = True) -> Episode:
    return care_team.get_clinical(request, Episode.objects.select_related("patient"), write=write, code=code)


def _screening(request: ClinicRequest, code, write: bool = True) -> Screening:
    qs = Screening.objects.select_related("patient", "episode", "created_by", "consent_document")
    return care_team.get_clinical(request, qs, write=write, code=code)


@allowed
def new_screening(request: ClinicRequest, code) -> HttpResponse:
    episode = _episode(request, code)
    last = episode.screenings.order_by("-created").first()
    initial: dict = {"pregnancy": "no" if episode.patient.sex == "male" else "not_asked"}
    if last is not None and request.method == "GET":
        # Start from the last answers: the clinician reviews them rather than retyping. "None of these" and
        # pregnancy are asked again each time: they are recorded, not assumed (safety review).
        a = last.answers
        initial |= {k: a.get(k) for k in ("planned_regions", "electrical_stimulation")}
        initial["findings"] = [ALIASES.get(f, f) for f in a.get("findings", []) if ALIASES.get(f, f) in FORM_CODES]
        initial["medications"] = "\n".join(a.get("medications", []))
        for region, found in a.get("region_findings", {}).items():
            for what in found:
                initial[f"rf_{region}_{what}"] = True
    prefill = (
        episode.links.filter(purpose="screening", used_at__isnull=False)
        .filter(used_at__gt=last.created if last else episode.created)
        .order_by("-used_at")
        .first()
    )
    # The questions answered before a visit booked online (portal.Intake) are the same pre-fill, kept on the
    # patient: the newest of the two, when newer than the last screening, leads.
    intake = intake_answers.latest_answered(episode.patient, since=last.created if last else None)
    if intake is not None and (prefill is None or intake.answered_at > prefill.used_at):
        prefill = intake
    if prefill is not None and request.method == "GET":
        # The patient's own answers from a link: newer than the last screening, so they lead.
        a = prefill.answers
        theirs = [ALIASES.get(f, f) for f in a["findings"]]
        initial["findings"] = sorted((set(initial.get("findings") or []) | set(theirs)) & FORM_CODES)
        if a.get("pregnant") == "yes":
            initial["pregnancy"] = "pregnant"
            initial["pregnancy_weeks"] = a.get("pregnancy_weeks")
        elif a.get("pregnant") == "no":
            initial["pregnancy"] = "no"
        meds = [m for m in (initial.get("medications") or "").splitlines() if m] + a.get("medications", [])
        initial["medications"] = "\n".join(dict.fromkeys(meds))
    carried = services.carried_clearances(episode)
    form = ScreeningForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                s = services.record_screening(episode, request.user, form.to_data())
                record(request, "screening.create", s, category="screening", detail=s.decision)
        except ValidationError as e:
            add_errors(form, e)
        else:
            # Nothing left to do on the screening: back to the episode, where "Start a visit" is (issue 18). A
            # precaution to acknowledge, a deferral or a referral keeps the clinician on the screening, which says
            # what to do.
            if needling_gate(episode).allowed:
                messages.success(
                    request,
                    pgettext("staff", "Screening saved: %(decision)s. Needling is allowed.")
                    % {"decision": s.get_decision_display()},
                )
                return redirect("patients:episode", episode.code)
            messages.success(
                request,
                pgettext("staff", "Screening saved: %(decision)s. See below what it needs.")
                % {"decision": s.get_decision_display()},
            )
            return redirect("screening:detail", s.code)
    elif request.method == "GET":
        record(request, "episode.view", episode, detail="screening form")
    return render(
        request,
        "screening/new.html",
        {
            "form": form,
            "episode": episode,
            "patient": episode.patient,
            "last": last,
            "prefill": prefill,
            "carried": carried,
            "consent_doc": consent.current(episode.patient),
        },
    )


@allowed
def evaluate(request: ClinicRequest, code) -> HttpResponse:
    """Live decision while the form is filled in (htmx); stores nothing."""
    episode = _episode(request, code)
    form = ScreeningForm(request.POST)
    result, error = None, ""
    if form.is_valid():
        try:
            result = rules.screen(services.answers_for(episode, form.to_data()))
        except rules.InputError as e:
            error = str(e)
        except ValidationError as e:
            error = " ".join(e.messages)
    else:
        error = "Answer the consent question to see the decision." if "consent" in form.errors else "Check the answers."
    record(request, "screening.preview", episode, category="screening")
    return render(request, "screening/_decision.html", {"result": result, "error": error})


@allowed
def screening_detail(request: ClinicRequest, code) -> HttpResponse:
    s = _screening(request, code, write=False)
    record(request, "screening.view", s, category="screening")
    return render(
        request,
        "screening/detail.html",
        {
            "s": s,
            "patient": s.patient,
            "episode": s.episode,
            "gate": needling_gate(s.episode),
            "ack_form": AcknowledgeForm(s),
            "override_form": OverrideForm(),
            "invalidate_form": InvalidateForm(),
        },
    )


def _change(request: ClinicRequest, code, form_class, action: str, apply) -> HttpResponse:
    s = _screening(request, code)
    form = form_class(s, request.POST) if form_class is AcknowledgeForm else form_class(request.POST)
    if not form.is_valid():
        errors = [" ".join(errs) for errs in form.errors.values()]
        record(request, action, s, category="screening", outcome="invalid", detail="; ".join(errors)[:200])
        for e in errors:
            messages.error(request, e)
        return redirect("screening:detail", s.code)
    try:
        with transaction.atomic():
            apply(s, form.cleaned_data)
            record(request, action, s, category="screening")
    except ValidationError as e:
        record(request, action, s, category="screening", outcome="invalid", detail="; ".join(e.messages)[:200])
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, pgettext("staff", "Saved."))
    return redirect("screening:detail", s.code)


@allowed
def acknowledge(request: ClinicRequest, code) -> HttpResponse:
    return _change(
        request,
        code,
        AcknowledgeForm,
        "screening.acknowledge",
        lambda s, d: services.acknowledge(s, request.user, d["rules"]),
    )


@allowed
def override(request: ClinicRequest, code) -> HttpResponse:
    return _change(
        request,
        code,
        OverrideForm,
        "screening.override",
        lambda s, d: services.override(s, request.user, d["reason"], d["written_consent"]),
    )


@allowed
def invalidate(request: ClinicRequest, code) -> HttpResponse:
    return _change(
        request,
        code,
        InvalidateForm,
        "screening.invalidate",
        lambda s, d: services.invalidate(s, request.user, d["reason"]),
    )


@allowed
def mark_in_error(request: ClinicRequest, code) -> HttpResponse:
    s = _screening(request, code)
    return in_error.mark(request, s, "screening.in_error", redirect("screening:detail", s.code), category="screening")


@allowed
def rules_page(request: ClinicRequest) -> HttpResponse:
    return render(
        request,
        "screening/rules.html",
        {"catalogue": rules.catalogue(), "levels": rules.LEVELS[::-1], "drugs": medications.table()},
    )
