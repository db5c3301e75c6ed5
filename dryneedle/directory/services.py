"""The public directory: who is listed and searchable, what a profile shows, and consultation requests."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import F, Q
from django.utils import timezone

from dryneedle.accounts.middleware import clinic_today
from dryneedle.analytics import report
from dryneedle.appointments.models import Availability
from dryneedle.directory.models import ConsultationRequest, Listing
from dryneedle.lib.marks import gettext_noop
from dryneedle.outcomes.models import OutcomeSettings
from dryneedle.practitioners import gate
from dryneedle.practitioners.models import Credential

PAGE_SIZE = 10
# Spam protection without a third-party service: a hidden field people leave empty, a signed form time
# (a form sent back within seconds is a script), and a cap per sender and per practitioner.
MIN_SECONDS, MAX_AGE = 3, 2 * 60 * 60
PER_SENDER_PER_HOUR = 3
PER_LISTING_PER_DAY = 30
SIGNER_SALT = "directory.consultation"


def sender_of(ip: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), (ip or "").encode(), hashlib.sha256).hexdigest()


def form_stamp() -> str:
    return signing.TimestampSigner(salt=SIGNER_SALT).sign("consult")


def spam_problem(post, ip: str, listing: Listing, now=None) -> str:
    """Why a consultation request is refused as spam or a flood ("" when it is accepted)."""
    now = now or timezone.now()
    if post.get("website"):
        return gettext_noop("Your request could not be sent.")  # the hidden field: only a script fills it
    signer = signing.TimestampSigner(salt=SIGNER_SALT)
    stamp = post.get("stamp", "")[:200]
    try:
        signer.unsign(stamp, max_age=MAX_AGE)
    except signing.BadSignature:  # also an expired stamp
        return gettext_noop("The form has expired. Reload the page and send it again.")
    try:
        signer.unsign(stamp, max_age=MIN_SECONDS)
    except signing.SignatureExpired:
        pass  # older than a few seconds: a person took the time to write
    else:
        return gettext_noop("That was quick: please check your request and send it again.")
    recent = ConsultationRequest.objects.filter(sender=sender_of(ip), created__gte=now - timedelta(hours=1)).count()
    if recent >= PER_SENDER_PER_HOUR:
        return FLOOD[0]
    day = ConsultationRequest.objects.filter(listing=listing, created__gte=now - timedelta(days=1)).count()
    if day >= PER_LISTING_PER_DAY:
        return FLOOD[1]
    return ""


FLOOD = (
    gettext_noop("Too many requests from your connection in the last hour. Please call the clinic instead."),
    gettext_noop("This practitioner has received many requests today. Please call the clinic instead."),
)


def visible():
    """Listings shown to the public: opted in, and the practitioner may needle in that clinic today."""
    return Listing.objects.filter(
        listed=True,
        user__is_active=True,
        user__memberships__clinic=F("clinic"),
        user__memberships__needling=True,
        user__memberships__is_active=True,
    )


def search(place: str = "", profession: str = "", language: str = "", condition: str = ""):
    """Listed practitioners matching every given criterion, by name (no ranking: every match is shown equally)."""
    qs = visible().select_related("user", "clinic")
    if place:
        p = place.strip()[:100]
        qs = qs.filter(Q(city__icontains=p) | Q(postcode__istartswith=p) | Q(clinic__address__icontains=p))
    if profession:
        qs = qs.filter(profession=profession)
    if language:
        qs = qs.filter(languages__icontains=language.strip()[:40])
    if condition:
        qs = qs.filter(user__episodes__condition=condition, user__episodes__clinic=F("clinic"))
    return qs.distinct().order_by("user__last_name", "user__first_name", "id")


@dataclass
class Profile:
    listing: Listing
    credentials: list
    experience: gate.Experience
    hours: list
    reviews: list
    average: float | None
    outcomes: report.Group | None = None  # pain at discharge, when the clinic publishes it (issue 17)
    outcomes_mic: float | None = None


def profile(listing: Listing) -> Profile:

    today = timezone.localdate()
    # Credentials verified by the listing's own clinic (verification is per clinic).
    mine = Credential.objects.filter(user=listing.user, verifications__clinic=listing.clinic).order_by(
        "kind", "-issued"
    )
    creds = [c for c in mine.prefetch_related("verifications") if c.is_current(today)]
    for c in creds:
        v = c.verification_for(listing.clinic)
        c.verified_at = v.verified_at if v else None  # type: ignore[attr-defined]  # for the profile
    hours = list(Availability.objects.filter(clinic=listing.clinic, user=listing.user).order_by("weekday", "start"))
    from dryneedle.directory.reviews import shown

    reviews = list(shown(listing.user)[:50])
    average = round(sum(r.rating for r in reviews) / len(reviews), 1) if reviews else None
    published = None
    if OutcomeSettings.of(listing.clinic).publish_outcomes:
        published = report.practitioner_public(listing.clinic, listing.user, clinic_today(listing.clinic))
    outcomes, mic = published if published else (None, None)
    return Profile(listing, creds, gate.experience(listing.user), hours, reviews, average, outcomes, mic)
