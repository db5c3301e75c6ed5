"""Which records are past the clinic's retention period, erasure requests, and the retention run (docs/retention.md).

The page, the command and the tests share these; the scrubbing itself is ``anonymise.py``.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.aftercare.models import CheckIn
from dryneedle.appointments.models import Appointment, AppointmentStatus
from dryneedle.audit.log import record
from dryneedle.directory.models import ConsultationRequest
from dryneedle.lib.anonymity import MARKER
from dryneedle.messaging.models import Message
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode, Patient
from dryneedle.retention import rules
from dryneedle.retention.anonymise import anonymise, scrub
from dryneedle.retention.models import ErasureRequest, Kind, RetentionPeriod
from dryneedle.visits.models import Visit


def periods(clinic) -> dict[str, int | None]:
    """The clinic's number for each kind of record (None: not set)."""
    got = dict(RetentionPeriod.objects.filter(clinic=clinic).values_list("kind", "value"))
    return {k: got.get(k) for k in Kind.values}


def set_periods(clinic, user, values: dict[str, int | None], basis: dict[str, str], request=None) -> list[str]:
    """Save the clinic's numbers; audited with what changed. Returns the kinds that changed."""
    before = periods(clinic)
    changed = []
    with transaction.atomic():
        for kind in Kind.values:
            row, _ = RetentionPeriod.objects.get_or_create(clinic=clinic, kind=kind, defaults={"set_by": user})
            if row.value != values.get(kind) or row.basis != basis.get(kind, ""):
                row.value, row.basis, row.set_by = values.get(kind), basis.get(kind, ""), user
                row.save()
                changed.append(kind)
        if changed:
            detail = ", ".join(f"{k} {before[k]}->{values.get(k)}" for k in changed)
            record(request, "retention.set", user=user, clinic=clinic, category="settings", detail=detail)
    return changed


def _local_date(value, zone) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.astimezone(zone).date()
    return value


def last_contacts(clinic, ids: list[int] | None = None) -> dict[int, datetime.date]:
    """The day of each person's last contact with the clinic, keyed by the record kept (merged records count for
    it): the latest visit, appointment not cancelled, questionnaire, message, check-in answered, episode start or
    discharge, or the record's creation. One grouped query per kind of record, whatever the clinic's size; ``ids``:
    only those records (one person and the records merged into theirs)."""
    zone = zoneinfo.ZoneInfo(clinic.timezone)
    kept_of: dict[int, int] = {}
    latest: dict[int, datetime.date] = {}

    def see(pid, value):
        if value is None:
            return
        pid = kept_of.get(pid, pid)
        day = _local_date(value, zone)
        if pid not in latest or day > latest[pid]:
            latest[pid] = day

    mine = {} if ids is None else {"pk__in": ids}
    rows = list(Patient.objects.filter(clinic=clinic, **mine).values_list("pk", "merged_into", "created"))
    kept_of.update((pk, merged_into) for pk, merged_into, _ in rows if merged_into)
    for pk, _, created in rows:
        see(pk, created)
    sources = (
        (Visit.objects.filter(clinic=clinic), "started"),
        (Appointment.objects.filter(clinic=clinic).exclude(status=AppointmentStatus.CANCELLED), "start"),
        (Response.objects.filter(clinic=clinic), "collected"),
        (Message.objects.filter(clinic=clinic), "created"),
        (CheckIn.objects.filter(clinic=clinic), "answered_at"),
        (Episode.objects.filter(clinic=clinic), "start_date"),
        (Episode.objects.filter(clinic=clinic), "discharge_date"),
    )
    theirs = {} if ids is None else {"patient__in": ids}
    for qs, field in sources:
        for pid, value in (
            qs.filter(**theirs).order_by().values("patient").annotate(last=Max(field)).values_list("patient", "last")
        ):
            see(pid, value)
    return latest


@dataclass(frozen=True)
class Due:
    patient: Patient
    last_contact: datetime.date
    ends: rules.Ends
    erasure: ErasureRequest | None
    is_due: bool


def people(clinic, today: datetime.date | None = None) -> list[Due]:
    """Every person not yet anonymised, with their last contact and the day their period ends."""
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(clinic.timezone))
    numbers = periods(clinic)
    latest = last_contacts(clinic)
    waiting = {e.patient_id: e for e in
               ErasureRequest.objects.filter(clinic=clinic, status=ErasureRequest.Status.WAITING)}  # fmt: skip
    out = []
    for p in Patient.objects.filter(clinic=clinic, merged_into__isnull=True, anonymised_at__isnull=True).order_by("pk"):
        last = latest.get(p.pk, p.created.date())
        ends = rules.record_ends(last, p.birth_date, numbers[Kind.RECORD], numbers[Kind.MINOR])
        out.append(Due(p, last, ends, waiting.get(p.pk), ends.on is not None and ends.on <= today))
    return out


def due(clinic, today: datetime.date | None = None) -> list[Due]:
    """The records past the clinic's retention period: erasure requests first, then the oldest last contact."""
    return sorted((d for d in people(clinic, today) if d.is_due),
                  key=lambda d: (d.erasure is None, d.last_contact, d.patient.pk))  # fmt: skip


def ends_for(patient: Patient) -> tuple[datetime.date, rules.Ends]:
    """One person's last contact and the day their period ends (the erasure request's page)."""
    clinic = patient.clinic
    kept = patient.merged_into or patient
    numbers = periods(clinic)
    last = last_contacts(clinic, kept.record_ids()).get(kept.pk, kept.created.date())
    return last, rules.record_ends(last, kept.birth_date, numbers[Kind.RECORD], numbers[Kind.MINOR])


def anonymise_due(clinic, user, patients: list[Patient], request=None, today=None) -> list[Patient]:
    """Anonymise those of ``patients`` that are due (each in its own transaction); returns the ones done. A record
    no longer due (a new booking since the list was drawn) is left as it is."""
    still = {d.patient.pk for d in due(clinic, today)}
    done = []
    for p in patients:
        if p.pk in still:
            try:
                anonymise(p, user, request)
            except ValidationError:
                continue  # anonymised meanwhile (another run, another admin): once is enough
            done.append(p)
    return done


def record_erasure_request(patient: Patient, user, received: datetime.date, request=None) -> ErasureRequest:
    """Record that the person asked for erasure, with the reason it cannot be honoured yet (the period)."""
    kept = patient.merged_into or patient
    if kept.anonymised_at is not None:
        raise ValidationError(pgettext("staff", "This record is already anonymised."))
    if received > timezone.localdate(timezone=zoneinfo.ZoneInfo(kept.clinic.timezone)):
        raise ValidationError({"received": pgettext("staff", "The request cannot be received in the future.")})
    _last, ends = ends_for(kept)
    if ends.on is None:
        reason = f"Kept: {ends.why}. Set the clinic's retention periods, then it is anonymised once they end."
    else:
        reason = (
            f"Kept until {ends.on.day} {ends.on:%b %Y}: {ends.why}, the clinic's retention period for patient records."
        )
    with transaction.atomic():
        req = ErasureRequest.objects.create(clinic=kept.clinic, patient=kept, received=received,
                                            not_yet_reason=reason[:500], created_by=user, updated_by=user)  # fmt: skip
        record(request, "patient.erasure_request", req, user=user, patient=kept, category="demographics",
               detail=f"received {received:%Y-%m-%d}; ends {ends.on or 'not set'}")  # fmt: skip
    return req


def enquiries_due(clinic, today: datetime.date | None = None):
    """Enquiries from the directory that did not become a patient, past the clinic's period for them."""
    years = periods(clinic)[Kind.ENQUIRY]
    if years is None:
        return ConsultationRequest.objects.none()
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(clinic.timezone))
    cutoff = rules.add_years(today, -years)
    return ConsultationRequest.objects.filter(clinic=clinic, patient__isnull=True, created__date__lt=cutoff).exclude(
        message=MARKER
    )


def anonymise_enquiries(clinic, user, request=None, today=None) -> int:
    with transaction.atomic():
        qs = enquiries_due(clinic, today)
        n = scrub(ConsultationRequest, clinic, qs, ConsultationRequest.identifying)
        if n:
            record(request, "retention.enquiries", user=user, clinic=clinic, category="demographics",
                   detail=f"{n} enquiries anonymised")  # fmt: skip
    return n
