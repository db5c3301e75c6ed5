"""Pages a patient opens from a link, and the clinician's button that sends it."""

import io
from collections.abc import Callable

import segno
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.middleware import activate_clinic_timezone
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.lib import languages, mail
from dryneedle.lib.marks import gettext_noop
from dryneedle.patients import care_team
from dryneedle.patients.models import Episode
from dryneedle.portal.forms import PrefillForm
from dryneedle.portal.models import PatientLink
from dryneedle.web import lookups

# The page behind each purpose of link belongs to the app that owns it
# (aftercare: handout and check-in; outcomes; plans: exercises; directory:
# review). Those apps sit above this one and register their page here in their
# AppConfig.ready (docs/architecture.md: hooks). The screening pre-fill is ours.
PAGES: dict[str, Callable[[ClinicRequest, PatientLink, str], HttpResponse]] = {}


def page_for(purpose: str):
    """Register ``fn(request, link, token)`` as the page a link of ``purpose`` opens."""

    def register(fn):
        PAGES[purpose] = fn
        return fn

    return register


@allowed
def send_screening(request: ClinicRequest, code) -> HttpResponse:
    """Create a screening-questions link for the patient; email it when there is an address."""
    episode = get_for_clinic(request, Episode.objects.select_related("patient", "clinic"), code=code)
    care_team.require_clinical_write(request, episode.patient)
    return send_link(
        request, episode, PatientLink.Purpose.SCREENING, "screening", gettext("questions before your appointment")
    )


def send_link(
    request: ClinicRequest,
    episode,
    purpose: str,
    category: str,
    subject: str,
    bundle=(),
    asked=(),
    days=None,
    issued: tuple[PatientLink, str] | None = None,
):
    """Issue a link (or take one just ``issued``), email it when the patient has an address, and show it
    with a QR code."""
    if issued is None:
        with transaction.atomic():
            link, token = PatientLink.issue(episode, purpose, request.user, bundle=bundle, days=days)
            record(request, "link.create", link, patient=episode.patient, category=category)
    else:
        link, token = issued
    url = request.build_absolute_uri(reverse("portal:open", args=[token]))
    patient = episode.patient
    # The email carries the link only: no condition, no answers.
    context = {"episode": episode, "patient": patient, "link": link, "url": url, "subject": subject,
               "exercises": purpose == PatientLink.Purpose.EXERCISES}  # fmt: skip
    mail.send("portal/email/link.txt", context, [patient.email], episode.clinic,
              language=languages.of_record(patient.preferred_language))  # fmt: skip
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="svg", scale=4, xmldecl=False, title="QR code of the link")
    return render(
        request,
        "portal/sent.html",
        {
            "episode": episode,
            "patient": patient,
            "url": url,
            "link": link,
            "qr": qr.getvalue().decode(),
            "asked": asked,
        },
    )


def _link(request: ClinicRequest, token: str) -> PatientLink | None:
    link = (
        PatientLink.objects.filter(digest=PatientLink.digest_of(token[:100]))
        .select_related("patient", "episode", "clinic")
        .first()
    )
    if link is None:
        lookups.missed(request, "link.invalid")
    return link


@allowed
def open_link(request: ClinicRequest, token: str) -> HttpResponse:
    if lookups.throttled(request):
        return render(request, "portal/message.html", {"message": lookups.MESSAGE}, status=429)
    link = _link(request, token)
    if link is None:
        return render(
            request,
            "portal/message.html",
            {"message": gettext_noop("This link is not valid. Ask your clinic for a new one.")},
            status=404,
        )

    activate_clinic_timezone(link.clinic)  # the patient's dates are the clinic's (the middleware resets it)
    with translation.override(languages.of_patient(link.patient)):  # every page a link opens: the patient's language
        return _opened(request, link, token)


def _opened(request: ClinicRequest, link: PatientLink, token: str) -> HttpResponse:
    problem = link.problem()
    if problem:
        record(request, "link.refused", link, patient=link.patient, outcome="denied", detail=problem[:60])
        return render(request, "portal/message.html", {"message": problem, "clinic": link.clinic}, status=410)
    page = PAGES.get(link.purpose)
    if page is not None:
        return page(request, link, token)
    form = PrefillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        answers = {
            "findings": d["findings"],
            "pregnancy_weeks": d["pregnancy_weeks"] if d["pregnant"] == "yes" else None,
            "pregnant": d["pregnant"],
            "medications": [m.strip() for m in d["medications"].splitlines() if m.strip()],
        }
        with transaction.atomic():
            # Lock the row: a second submission at the same moment finds it used.
            patient, clinic = link.patient, link.clinic
            link = PatientLink.objects.select_for_update().get(clinic=clinic, pk=link.pk)
            link.patient, link.clinic = patient, clinic  # already read: not read again
            if link.used_at is not None:
                return render(
                    request, "portal/message.html", {"message": link.problem(), "clinic": link.clinic}, status=410
                )
            link.answers = answers
            link.used_at = timezone.now()
            link.save(update_fields=["answers", "used_at", "updated"])
            record(request, "link.submit", link, patient=link.patient, category="screening")
        return render(
            request,
            "portal/message.html",
            {
                "message": gettext_noop("Thank you. Your answers were sent to your clinic."),
                "clinic": link.clinic,
                "done": True,
            },
        )
    if request.method == "GET":
        record(request, "link.open", link, patient=link.patient, category="screening")
    return render(request, "portal/prefill.html", {"form": form, "link": link, "clinic": link.clinic})
