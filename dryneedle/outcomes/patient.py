"""The patient's side of an outcomes link: one question per screen, progress saved, sent once."""

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.outcomes import bundle, followups, packs, scoring, services
from dryneedle.outcomes.models import OptOut
from dryneedle.portal.models import PatientLink


def _psfs_from_post(post) -> tuple[list[dict], str]:
    acts, error = [], ""
    for i in range(1, scoring.PSFS_MAX_ACTIVITIES + 1):
        name = post.get(f"activity_{i}", "").strip()[:200].replace("\x00", "")
        rating = post.get(f"score_{i}", "").strip()
        if not name and not rating:
            continue
        if not name:
            error = _("Activity %(n)s: say what the activity is.") % {"n": i}
        elif not rating.isdigit() or not 0 <= int(rating) <= 10:
            error = _("%(name)s: choose a rating from 0 to 10.") % {"name": name}
        else:
            acts.append({"name": name, "score": int(rating)})
    if not acts and not error:
        error = _("Name at least one activity and rate it.")
    return acts, error


def stop(request: ClinicRequest, link: PatientLink) -> HttpResponse:
    """The patient opts out of the questionnaires for this episode: asked to confirm, then recorded."""
    if request.method != "POST":
        record(request, "link.open", link, patient=link.patient, category="outcomes", detail="stop?")
        return render(request, "outcomes/patient_stop.html", {"link": link, "clinic": link.clinic})
    with transaction.atomic():
        followups.opt_out(link.episode, OptOut.Source.PATIENT, note="Asked from the questionnaire link")
        record(request, "questionnaires.opt_out", link.episode, patient=link.patient, category="outcomes",
               detail="patient")  # fmt: skip
    message = _(
        "You will receive no more of these questions about this course of care. Your clinic can see that you "
        "chose this; tell them if you change your mind."
    )
    return render(request, "portal/message.html", {"message": message, "clinic": link.clinic})


def step(request: ClinicRequest, link: PatientLink, token: str) -> HttpResponse:
    if request.GET.get("stop") or request.POST.get("stop"):
        return stop(request, link)
    pack = packs.english(link.clinic_id)
    # In the patient's language only what a licensed translation words (outcomes/packs.py); the rest in English.
    language = packs.reader_language(link.patient)
    words = packs.translation(link.clinic_id, language)
    all_screens = bundle.screens(link.bundle, pack, words)
    in_english = packs.in_english(link.bundle, language, words)
    n = len(all_screens)
    try:
        i = int(request.GET.get("step", ""))
    except ValueError:
        # Resume where the patient stopped: the first screen without an answer.
        i = next((k for k, s in enumerate(all_screens) if f"{s.instrument}:{s.key}" not in link.progress), n)
    i = max(0, min(i, n))
    ctx = {"link": link, "clinic": link.clinic, "token": token, "i": i, "n": n, "percent": round(100 * i / max(n, 1)),
           "in_english": in_english, "language_name": packs.name(language) if language else ""}  # fmt: skip
    if i == n:  # review and send
        if request.method == "POST":
            return _send(request, link, pack, words)
        missing = [
            k for k, s in enumerate(all_screens) if not s.optional and f"{s.instrument}:{s.key}" not in link.progress
        ]
        ctx["missing"] = missing[0] if missing else None
        return render(request, "outcomes/patient_review.html", ctx)
    screen = all_screens[i]
    key = f"{screen.instrument}:{screen.key}"
    ctx.update({"screen": screen, "value": link.progress.get(key, "")})
    if request.method == "POST":
        value: str | list[dict]
        if screen.instrument == "psfs":
            value, error = _psfs_from_post(request.POST)
        else:
            value = request.POST.get("answer", "")
            allowed = {v for v, _ in screen.options} | ({"skip"} if screen.optional else set())
            error = "" if value in allowed else _("Choose one answer to go on.")
        if error:
            record(request, "link.step", link, patient=link.patient, outcome="invalid", category="outcomes")
            ctx.update({"error": error, "value": value if screen.instrument == "psfs" else ""})
            if screen.instrument == "psfs":  # the fields again, with what was typed in them (issue 18, defect 3)
                ctx["rows"] = _typed_rows(request.POST)
            return render(request, "outcomes/patient_step.html", ctx, status=400)
        with transaction.atomic():
            locked = PatientLink.objects.select_for_update().get(pk=link.pk)
            if locked.used_at is not None:
                return render(
                    request, "portal/message.html", {"message": locked.problem(), "clinic": link.clinic}, status=410
                )
            locked.progress = {**locked.progress, key: value}
            locked.save(update_fields=["progress", "updated"])
        return redirect(f"{request.path}?step={i + 1}")
    if screen.instrument == "psfs":
        ctx["rows"] = _psfs_rows(ctx["value"] or link.progress.get("psfs:activities") or _earlier_activities(link))
    return render(request, "outcomes/patient_step.html", ctx)


def _earlier_activities(link) -> list[dict]:
    """PSFS at follow-up re-rates the same activities (Stratford 1995, §6.5): offer the baseline's names."""
    from dryneedle.outcomes.models import Response

    first = (
        Response.objects.filter(episode=link.episode, instrument="psfs", entered_in_error=False)
        .order_by("collected")
        .first()
    )
    return [{"name": a.get("name", ""), "score": ""} for a in first.answers.get("activities", [])] if first else []


def _typed_rows(post) -> list[tuple[int, str, str]]:
    """The PSFS rows exactly as the patient typed them, the wrong one included, to correct in place."""
    return [
        (i, post.get(f"activity_{i}", "")[:200].replace("\x00", ""), post.get(f"score_{i}", "")[:3])
        for i in range(1, scoring.PSFS_MAX_ACTIVITIES + 1)
    ]


def _psfs_rows(acts) -> list[tuple[int, str, str]]:
    acts = list(acts or [])
    return [
        (i, acts[i - 1]["name"] if i <= len(acts) else "", str(acts[i - 1]["score"]) if i <= len(acts) else "")
        for i in range(1, scoring.PSFS_MAX_ACTIVITIES + 1)
    ]


def _send(request: ClinicRequest, link: PatientLink, pack, words=None) -> HttpResponse:
    if not bundle.complete(link.bundle, link.progress, pack, words):
        return redirect(request.path)
    with transaction.atomic():
        locked = PatientLink.objects.select_for_update().get(pk=link.pk)
        if locked.used_at is not None:
            return render(
                request, "portal/message.html", {"message": locked.problem(), "clinic": link.clinic}, status=410
            )
        answers = bundle.answers(locked.bundle, locked.progress)
        now = timezone.now()
        for inst, ans in answers.items():
            services.record_response(locked.episode, inst, ans, None, source="patient", link=locked, collected=now)
        locked.answers = answers
        locked.used_at = now
        locked.save(update_fields=["answers", "used_at", "updated"])
        followups.answered_by_link(locked)
        record(request, "link.submit", locked, patient=locked.patient, category="outcomes", detail=",".join(answers))
    return render(
        request,
        "portal/message.html",
        {"message": _("Thank you. Your answers were sent to your clinic."), "clinic": link.clinic, "done": True},
    )


# In the patient's language, as every page behind a link (portal/views.py); the questions themselves only from a
# licensed translation (step).
def open_questionnaires(request: ClinicRequest, link: PatientLink, token: str) -> HttpResponse:
    """The page an outcomes link opens (portal.views.PAGES): the first visit is audited, then each step."""
    if request.method == "GET" and "step" not in request.GET:
        record(request, "link.open", link, patient=link.patient, category="outcomes")
    return step(request, link, token)
