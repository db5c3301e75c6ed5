"""The waitlist: patients who want an earlier time, offered a time when a cancellation or a move frees it.

Each offer is an email with a one-time link. Several waiting patients may be offered the same time; the first to
accept gets it, booked as any booking is (services.book: the practitioner's row locked, every overlap checked), so
two patients accepting at the same moment cannot both have it: the second is told it has gone and stays on the
list (issue 18).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from dryneedle.accounts.middleware import clinic_zone
from dryneedle.accounts.models import User
from dryneedle.appointments import services
from dryneedle.appointments.models import Appointment, WaitlistEntry, WaitlistOffer
from dryneedle.audit.log import record
from dryneedle.lib import languages, mail, tokens

# How many waiting patients one freed time is offered to at once, in the order they joined the list: enough that
# someone answers soon, few enough that most who answer still find it free. An operational choice, not a
# clinical one.
OFFERS_PER_TIME = 5
# An offer needs the time to be at least this far off when it is sent (nobody can come in ten minutes' time).
NOTICE = timedelta(hours=2)


def add(clinic, user, *, patient, practitioner=None, kind="dry_needling", minutes=30, earliest, latest=None,
        note="") -> WaitlistEntry:  # fmt: skip
    if patient.clinic_id != clinic.pk:
        raise ValidationError(pgettext("staff", "The patient belongs to another clinic."))
    if latest is not None and latest < earliest:
        raise ValidationError({"latest": pgettext("staff", "The last day must not be before the first.")})
    same = WaitlistEntry.objects.filter(clinic=clinic, patient=patient, status=WaitlistEntry.Status.WAITING)
    same = same.filter(practitioner=practitioner) if practitioner else same.filter(practitioner__isnull=True)
    if same.exists():
        raise ValidationError(
            pgettext("staff", "%(name)s is already on the waitlist for that: change or remove that entry.")
            % {"name": patient.name}
        )
    entry = WaitlistEntry(
        clinic=clinic,
        patient=patient,
        practitioner=practitioner,
        kind=kind,
        minutes=minutes,
        earliest=earliest,
        latest=latest,
        note=note.strip(),
        created_by=user,
        updated_by=user,
    )
    entry.full_clean(
        exclude=["clinic", "patient", "practitioner", "created_by", "updated_by", "appointment"], validate_unique=False
    )  # its code is a fresh UUID
    entry.save()
    return entry


def remove(entry: WaitlistEntry, user, reason: str) -> WaitlistEntry:
    if entry.status != WaitlistEntry.Status.WAITING:
        raise ValidationError(
            pgettext("staff", "This entry is %(status)s already.") % {"status": entry.get_status_display().lower()}
        )
    if not reason.strip():
        raise ValidationError({"reason": pgettext("staff", "Say why the patient comes off the list.")})
    entry.status, entry.removed_reason, entry.updated_by = WaitlistEntry.Status.REMOVED, reason.strip()[:200], user
    entry.save()
    WaitlistOffer.objects.filter(clinic=entry.clinic_id, entry=entry, status=WaitlistOffer.Status.SENT).update(
        status=WaitlistOffer.Status.EXPIRED, updated=timezone.now()
    )
    return entry


def candidates(clinic, practitioner, start: datetime, end: datetime, now: datetime | None = None) -> list:
    """Who a freed time is offered to: waiting for this practitioner (or anyone), the day within their dates, a
    length that fits, an email address to reach them, free then themselves, not offered this time already; the
    first ``OFFERS_PER_TIME`` in the order they joined."""
    now = now or timezone.now()
    if start - now < NOTICE or not services.within_hours(clinic, practitioner, start, end):
        return []
    day = timezone.localtime(start, clinic_zone(clinic)).date()
    minutes = int((end - start).total_seconds() // 60)
    waiting = (
        WaitlistEntry.objects.filter(clinic=clinic, status=WaitlistEntry.Status.WAITING, earliest__lte=day,
                                     minutes__lte=minutes, patient__email__gt="")
        .filter(Q(latest__isnull=True) | Q(latest__gte=day))
        .filter(Q(practitioner__isnull=True) | Q(practitioner=practitioner))
        .exclude(offers__start=start, offers__practitioner=practitioner)
        .select_related("patient", "clinic")
        .order_by("created", "id")
    )  # fmt: skip
    out = []
    for entry in waiting:
        stop = start + timedelta(minutes=entry.minutes)
        busy = Appointment.objects.filter(clinic=clinic, patient=entry.patient_id, status__in=Appointment.BUSY,
                                          start__lt=stop, end__gt=start)  # fmt: skip
        if not busy.exists():
            out.append(entry)
        if len(out) == OFFERS_PER_TIME:
            break
    return out


def offer_freed(clinic, practitioner, start: datetime, end: datetime, url_for: Callable[[str], str], user=None):
    """Offer a freed time to the waitlist (see ``candidates``); an email each, sent when the transaction commits.
    Returns the offers made."""
    made = []
    for entry in candidates(clinic, practitioner, start, end):
        token, digest = tokens.mint()
        offer = WaitlistOffer.objects.create(clinic=clinic, entry=entry, practitioner=practitioner, start=start,
                                             end=start + timedelta(minutes=entry.minutes), digest=digest,
                                             created_by=user, updated_by=user)  # fmt: skip
        mail.send("appointments/email/waitlist_offer.txt", {"offer": offer, "entry": entry, "url": url_for(token),
                  "practitioner": practitioner}, [entry.patient.email], clinic,
                  language=languages.of_record(entry.patient.preferred_language))  # fmt: skip
        made.append(offer)
    return made


def find(token: str) -> WaitlistOffer | None:
    return (
        WaitlistOffer.objects.filter(digest=WaitlistOffer.digest_of(token))
        .select_related("entry__patient", "clinic", "practitioner")
        .first()
    )


def problem(offer: WaitlistOffer, now: datetime | None = None) -> str:
    """Why the offer cannot be accepted now, in the patient's words; empty when it can."""
    now = now or timezone.now()
    if offer.status == WaitlistOffer.Status.ACCEPTED:
        return gettext("You accepted this time: it is booked for you.")
    if offer.status == WaitlistOffer.Status.TAKEN:
        return gettext("Sorry, someone else took this time first. You are still on the waitlist.")
    if offer.status == WaitlistOffer.Status.EXPIRED or offer.entry.status != WaitlistEntry.Status.WAITING:
        return gettext("This offer is no longer open. Please call the clinic if you still want an earlier time.")
    if offer.start <= now:
        return gettext("This time has passed. You are still on the waitlist.")
    return ""


def accept(offer: WaitlistOffer) -> Appointment:
    """Book the offered time for the patient, if it is still free: the first to accept gets it. Raises
    ValidationError (in the patient's words) when it cannot be booked; the offer then says why."""
    with transaction.atomic():
        # The practitioner's row first, as every booking takes it (services.book_series): accepts of one time queue
        # there, so none holds an offer row that another is waiting for (PostgreSQL found that deadlock).
        list(User.objects.select_for_update().filter(pk=offer.practitioner_id).values_list("pk", flat=True))
        offer = WaitlistOffer.objects.select_for_update(of=("self",)).select_related(
            "entry__patient", "clinic", "practitioner").get(clinic=offer.clinic_id, pk=offer.pk)  # fmt: skip
        why = problem(offer)
        if why:
            raise ValidationError(why)
        entry = offer.entry
        try:
            with transaction.atomic():
                appt = services.book(offer.clinic, None, patient=entry.patient, practitioner=offer.practitioner,
                                     start=offer.start, end=offer.end, kind=entry.kind,
                                     note="Booked from the waitlist")  # fmt: skip
        except ValidationError:
            offer.status, offer.answered_at = WaitlistOffer.Status.TAKEN, timezone.now()
            offer.save(update_fields=["status", "answered_at", "updated"])
            raise ValidationError(problem(offer)) from None
        offer.status, offer.answered_at = WaitlistOffer.Status.ACCEPTED, timezone.now()
        offer.save(update_fields=["status", "answered_at", "updated"])
        entry.status, entry.appointment = WaitlistEntry.Status.BOOKED, appt
        entry.save(update_fields=["status", "appointment", "updated"])
        # The same time offered to others has gone; this patient's other open offers close with the entry.
        still_open = WaitlistOffer.objects.filter(clinic=offer.clinic_id, status=WaitlistOffer.Status.SENT)
        still_open.filter(entry=entry).update(status=WaitlistOffer.Status.EXPIRED, updated=timezone.now())
        still_open.filter(practitioner=offer.practitioner, start__lt=offer.end, end__gt=offer.start).update(
            status=WaitlistOffer.Status.TAKEN, updated=timezone.now()
        )
    return appt


def after_freed(request, clinic, practitioner, start: datetime, end: datetime) -> int:
    """A page or the API freed a time (a cancellation, a move): offer it to the waitlist, one audit row per offer.
    Returns how many were offered it."""

    def url_for(token: str) -> str:
        return request.build_absolute_uri(reverse("appointments:offer", args=[token]))

    user = request.user if request.user.is_authenticated else None  # a patient cancelling: no staff user
    offers = offer_freed(clinic, practitioner, start, end, url_for, user=user)
    for o in offers:
        record(
            request,
            "waitlist.offer",
            o,
            patient=o.entry.patient,
            category="scheduling",
            detail=f"{timezone.localtime(o.start, clinic_zone(clinic)):%Y-%m-%d %H:%M} {practitioner.username}",
        )
    return len(offers)
