"""The handout (clinician's print, PDF, the patient's page) and the patient's check-in."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dryneedle.accounts.access import allowed
from dryneedle.accounts.request import ClinicRequest
from dryneedle.aftercare import rules, services
from dryneedle.aftercare.models import CheckIn
from dryneedle.audit.log import record
from dryneedle.patients import care_team
from dryneedle.portal.models import PatientLink
from dryneedle.visits.models import Visit
from dryneedle.web import documents


def _visit(request, code) -> Visit:
    qs = Visit.objects.select_related("patient", "episode", "clinic", "signed_by")
    return care_team.get_clinical(request, qs, write=False, code=code)


@allowed
def handout_page(request: ClinicRequest, code) -> HttpResponse:
    visit = _visit(request, code)
    record(request, "handout.view", visit, category="procedure")
    ctx = services.handout(visit)
    return render(request, "aftercare/handout_page.html", ctx, status=200 if ctx["needles"] else 404)


@allowed
def handout_pdf(request: ClinicRequest, code) -> HttpResponse:
    from weasyprint import HTML

    visit = _visit(request, code)
    if not visit.insertions.exists():
        return render(request, "aftercare/handout_page.html", services.handout(visit), status=404)

    def make() -> bytes:
        html = render_to_string("aftercare/handout_pdf.html", services.handout(visit), request=request)
        return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()

    if visit.status == Visit.Status.SIGNED:
        # Made once, at the first download, under the signed note's hash: the note cannot change, so neither
        # does the handout the patient was given (the clinic's own rates in it are those of that day).
        pdf = documents.get_or_make(visit.clinic, f"handout:{visit.code}", visit.sha256, make)
    else:
        pdf = make()  # a draft can still change: printed as it stands, not kept
    record(request, "handout.pdf", visit, category="procedure")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="aftercare-{visit.started:%Y-%m-%d}.pdf"'
    return response


def patient_handout(request: ClinicRequest, link: PatientLink) -> HttpResponse:
    """The handout from the patient's link: the visit it names, of the link's own patient only."""
    visit = (
        Visit.objects.filter(code=(link.bundle or [""])[0], patient=link.patient, status=Visit.Status.SIGNED)
        .select_related("clinic", "signed_by", "patient")
        .first()
    )
    if visit is None:
        return render(
            request, "portal/message.html", {"message": _("This link is not valid."), "clinic": link.clinic}, status=404
        )
    record(request, "link.open", link, patient=link.patient, category="procedure", detail="handout")
    return render(request, "aftercare/patient_handout.html", {**services.handout(visit), "link": link})


def patient_checkin(request: ClinicRequest, link: PatientLink) -> HttpResponse:
    """How are you? A short form; red answers show emergency instructions at once."""
    checkin = CheckIn.objects.filter(link=link).select_related("visit").first()
    if checkin is None:
        return render(
            request, "portal/message.html", {"message": _("This link is not valid."), "clinic": link.clinic}, status=404
        )
    ctx = {
        "link": link,
        "clinic": link.clinic,
        "questions": [(key, _(question), kind) for key, question, kind in rules.QUESTIONS],
        "visit": checkin.visit,
        "scale": range(11),
    }
    if request.method == "POST":
        answers, errors = _read(request.POST)
        if errors:
            record(request, "checkin.answer", link, patient=link.patient, category="procedure", outcome="invalid")
            return render(
                request, "aftercare/checkin.html", {**ctx, "errors": errors, "given": request.POST}, status=400
            )
        with transaction.atomic():
            locked = PatientLink.objects.select_for_update().get(pk=link.pk)
            if locked.used_at is not None:
                return render(
                    request, "portal/message.html", {"message": locked.problem(), "clinic": link.clinic}, status=410
                )
            checkin.link = locked
            events = services.answer(checkin, answers)
            record(
                request,
                "checkin.answer",
                checkin,
                patient=link.patient,
                category="procedure",
                detail=f"{len(events)} reported",
            )
        notified = checkin.red and bool(link.clinic.on_call_email)
        return render(
            request,
            "aftercare/checkin_done.html",
            {**ctx, "red": checkin.red, "events": events, "notified": notified},
        )
    record(request, "link.open", link, patient=link.patient, category="procedure", detail="check-in")
    return render(request, "aftercare/checkin.html", ctx)


def _read(post) -> tuple[dict, list[str]]:
    answers: dict = {}
    errors = []
    for key, question, kind in rules.QUESTIONS:
        v = post.get(key, "")
        if kind == "scale":
            if not (v.isdigit() and 0 <= int(v) <= 10):
                errors.append(_("Choose how sore it is, from 0 to 10."))
            else:
                answers[key] = int(v)
        elif v not in ("yes", "no"):
            errors.append(_("Answer yes or no: %(question)s") % {"question": _(question)})
        else:
            answers[key] = v
    answers["other"] = post.get("other", "").replace("\x00", "").strip()[:1000]
    return answers, errors


@allowed
def acknowledge(request: ClinicRequest, code) -> HttpResponse:
    """A clinician has seen an urgent check-in and acted: the alert leaves the top of the pages."""
    c = care_team.get_clinical(request, CheckIn.objects.select_related("patient", "visit"), write=True, code=code)
    with transaction.atomic():
        CheckIn.objects.filter(pk=c.pk).update(acknowledged_by=request.user, acknowledged_at=timezone.now())
        record(request, "checkin.acknowledge", c, patient=c.patient, category="procedure")
    messages.success(request, pgettext("staff", "Alert acknowledged. Record what was done on the adverse event."))
    return redirect("visits:detail", c.visit.code)


def alerts(request) -> dict:
    """Context processor: urgent check-in answers not yet acknowledged, for the clinic's clinical staff."""
    membership = getattr(request, "membership", None)
    if not membership or membership.role not in ("clinic_admin", "practitioner"):
        return {}
    open_red = CheckIn.objects.filter(clinic=membership.clinic, red=True, acknowledged_at__isnull=True)
    red = list(open_red.select_related("patient", "visit").order_by("answered_at")[:20])
    # The patient is named to the care team and the clinic admins; others see that an alert exists.
    # One query on every page (the list rule as a filter), not one per alert.
    named = set(care_team.team_rows(request, open_red.filter(pk__in=[c.pk for c in red])).values_list("pk", flat=True))
    for c in red:
        c.named = c.pk in named
    return {"urgent_checkins": red}
