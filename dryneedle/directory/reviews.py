"""Verified reviews: a link sent at discharge, one review per completed episode, replies and recorded moderation."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from dryneedle.accounts.access import allowed
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.directory.models import PatientReview
from dryneedle.lib import languages, mail
from dryneedle.lib.forms import uuid_or_none
from dryneedle.lib.marks import gettext_noop
from dryneedle.patients.models import Episode
from dryneedle.portal.models import PatientLink

REVIEW_LINK_DAYS = 30  # how long the review link works after discharge (our choice)


def on_discharge(request: ClinicRequest, episode) -> PatientLink | None:
    """Send the patient a link to review their care, when a practitioner led the episode."""
    if episode.clinician is None:
        return None
    link, token = PatientLink.issue(episode, PatientLink.Purpose.REVIEW, request.user, days=REVIEW_LINK_DAYS)
    record(request, "link.create", link, patient=episode.patient, category="review")
    patient = episode.patient
    url = request.build_absolute_uri(reverse("portal:open", args=[token]))
    context = {"episode": episode, "patient": patient, "link": link, "url": url}
    mail.send("directory/email/review_request.txt", context, [patient.email], episode.clinic,
              language=languages.of_record(patient.preferred_language))  # fmt: skip
    return link


def patient_review(request: ClinicRequest, link: PatientLink) -> HttpResponse:
    """The patient's review form; only for a discharged episode, once."""
    episode = link.episode
    ctx = {"link": link, "clinic": link.clinic, "practitioner": episode.clinician}
    if episode.status != Episode.Status.DISCHARGED or episode.clinician is None:
        record(request, "review.refused", link, patient=link.patient, outcome="denied", detail="episode not completed")
        said = gettext_noop("Reviews open once your care is complete.")
        return render(request, "portal/message.html", {**ctx, "message": said}, status=410)
    if PatientReview.objects.filter(episode=episode).exists():
        said = gettext_noop("This care has already been reviewed.")
        return render(request, "portal/message.html", {**ctx, "message": said}, status=410)
    errors = {}
    if request.method == "POST":
        rating = request.POST.get("rating", "")
        text = request.POST.get("text", "")
        if rating not in {"1", "2", "3", "4", "5"}:
            errors["rating"] = gettext("Choose from 1 to 5 stars.")
        if len(text) > 1000 or "\x00" in text:
            errors["text"] = gettext("At most 1,000 characters.")
        if not errors:
            with transaction.atomic():
                locked = PatientLink.objects.select_for_update().get(pk=link.pk)
                if locked.used_at is not None:
                    return render(request, "portal/message.html", {**ctx, "message": locked.problem()}, status=410)
                review = PatientReview.objects.create(clinic=link.clinic, practitioner=episode.clinician,
                                                      episode=episode, link=locked, rating=int(rating),
                                                      text=text.strip())  # fmt: skip
                locked.used_at = timezone.now()
                locked.save(update_fields=["used_at", "updated"])
                record(request, "review.create", link, patient=link.patient, category="review", detail=str(review.code))
            said = gettext_noop("Thank you. Your review will appear on the practitioner's profile.")
            return render(request, "portal/message.html", {**ctx, "done": True, "message": said})
        record(request, "review.create", link, patient=link.patient, category="review", outcome="invalid")
    else:
        record(request, "link.open", link, patient=link.patient, category="review")
    return render(request, "directory/review_form.html", {**ctx, "errors": errors, "given": request.POST},
                  status=400 if errors else 200)  # fmt: skip


@allowed
def clinic_reviews(request: ClinicRequest) -> HttpResponse:
    """The clinic's reviews: reply, or hide one with a recorded reason. Reviews are never edited."""
    qs = PatientReview.objects.filter(clinic=request.membership.clinic).select_related("practitioner", "moderated_by")
    if request.method == "POST":
        review = qs.filter(code=uuid_or_none(request.POST.get("review"))).first()
        if review is None:
            record(request, "review.moderate", category="review", outcome="invalid", detail="no such review")
            messages.error(request, pgettext("staff", "That review is not one of this clinic's."))
            return redirect("directory:reviews")
        action = request.POST.get("action")
        if action == "reply":
            # Browsers count a line break as one character against maxlength but send two (CRLF).
            reply = request.POST.get("reply", "").replace("\x00", "").replace("\r\n", "\n").strip()
            if len(reply) > 1000:
                messages.error(
                    request,
                    pgettext("staff", "A reply can be at most 1,000 characters (this one has %(count)s).")
                    % {"count": format(len(reply), ",")},
                )
                return redirect("directory:reviews")
            review.reply = reply
            review.replied_at = timezone.now()
            review.save(update_fields=["reply", "replied_at"])
            record(request, "review.reply", category="review", detail=str(review.code))
            messages.success(request, pgettext("staff", "Reply saved."))
        elif action == "hide" and request.POST.get("reason") in PatientReview.Moderation.values:
            review.hidden_reason = request.POST["reason"]
            review.moderated_by, review.moderated_at = request.user, timezone.now()
            review.save(update_fields=["hidden_reason", "moderated_by", "moderated_at"])
            record(request, "review.hide", category="review", detail=f"{review.code}: {review.hidden_reason}")
            messages.success(request, pgettext("staff", "Review hidden; the reason is recorded."))
        else:
            record(request, "review.moderate", category="review", outcome="invalid", detail=str(review.code))
            messages.error(request, pgettext("staff", "To hide a review, choose the reason (abuse, or personal data)."))
        return redirect("directory:reviews")
    record(request, "reviews.view", category="review")
    return render(request, "directory/reviews.html", {"reviews": qs.order_by("-created")[:200],
                                                      "reasons": PatientReview.Moderation.choices})  # fmt: skip


def shown(user):
    return PatientReview.objects.filter(practitioner=user, hidden_reason="").order_by("-created")
