"""Who may read a patient's clinical record.

Reception never does. Clinic admins always do. A practitioner does when on the
patient's care team: they registered the patient or lead one of the patient's
episodes. Anyone else uses emergency access (break-glass), which is time-limited
and flagged in the audit log.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from dryneedle.accounts.access import get_for_clinic
from dryneedle.accounts.alerts import admin_emails
from dryneedle.accounts.models import Membership, Role
from dryneedle.accounts.request import ClinicRequest
from dryneedle.audit.log import record
from dryneedle.audit.models import AuditEvent
from dryneedle.lib import mail
from dryneedle.patients.models import EmergencyAccess, Episode, Patient


def on_care_team(user, patient: Patient) -> bool:
    """The care team of a person's records (the one kept and any merged into it, patients/merge.py) is one."""
    ids = patient.record_ids()
    if ids == [patient.pk]:
        return patient.created_by_id == user.pk or patient.episodes.filter(clinician=user).exists()
    mine = Patient.objects.filter(clinic=patient.clinic_id, pk__in=ids, created_by=user).exists()
    return mine or Episode.objects.filter(clinic=patient.clinic_id, patient__in=ids, clinician=user).exists()


def team_rows(request: ClinicRequest, qs, patient: str = "patient"):
    """Rows of a clinic query the requester may see in a list: all for admins, the care team's for practitioners.

    The same rule as on_care_team, as a filter (lists must not fetch row by row).
    """
    from django.db.models import Q

    m = request.membership
    if m is not None and m.role == Role.CLINIC_ADMIN:
        return qs
    if m is None or m.role != Role.PRACTITIONER:
        return qs.none()
    user = request.user
    return qs.filter(Q(**{f"{patient}__created_by": user}) | Q(**{f"{patient}__episodes__clinician": user})).distinct()


def active_grant(user, patient: Patient) -> EmergencyAccess | None:
    return EmergencyAccess.objects.filter(user=user, patient=patient, expires__gt=timezone.now()).first()


def clinical_access(request: ClinicRequest, patient: Patient) -> str | None:
    """Return how the request may read the clinical record ("admin", "team", "break_glass") or None."""
    m = request.membership
    if m is None:
        return None
    if m.role == Role.CLINIC_ADMIN:
        return "admin"
    if m.role != Role.PRACTITIONER:
        return None
    if on_care_team(request.user, patient):
        return "team"
    if active_grant(request.user, patient) is not None:
        request.break_glass = True  # every audit row of this request is flagged
        return "break_glass"
    return None


def require_clinical_access(request: ClinicRequest, patient: Patient) -> str:
    access = clinical_access(request, patient)
    if access is None:
        record(request, "access.denied", patient, outcome="denied", detail="not on the care team")
        raise PermissionDenied("You are not on this patient's care team.")
    return access


def require_clinical_write(request: ClinicRequest, patient: Patient) -> None:
    """Changing the clinical record needs the care team (or admin): emergency access is read-only."""
    if require_clinical_access(request, patient) == "break_glass":
        record(request, "access.denied", patient, outcome="denied", detail="emergency access is read-only")
        raise PermissionDenied("Emergency access lets you read this record, not change it.")


def get_clinical(request: ClinicRequest, qs, *, write: bool, **lookup):
    """Fetch a clinical object of the request's clinic (404 otherwise) and check the care team.

    ``write`` refuses emergency (break-glass) access, which is read-only.
    """

    obj = get_for_clinic(request, qs, **lookup)
    patient = obj if isinstance(obj, Patient) else obj.patient
    (require_clinical_write if write else require_clinical_access)(request, patient)
    return obj


def _alert_limit(request: ClinicRequest, clinic, limit: int, refused: bool) -> None:
    emails = admin_emails(clinic)
    if not emails:
        return
    who = request.user.display_name()
    context = {"who": who, "limit": limit, "clinic": clinic, "refused": refused,
               "link": request.build_absolute_uri(reverse("patients:emergency_report"))}  # fmt: skip
    mail.send("patients/email/emergency_limit.txt", context, emails, clinic)


def grant(request: ClinicRequest, patient: Patient, reason: str) -> EmergencyAccess | None:
    """Open a break-glass window and tell the clinic admins; refuse (None) beyond the clinic's hourly limit.

    Called inside a transaction: the person's membership row is locked so that
    parallel requests count one another (finding 7: 30 records in 2.4 s).
    """
    now = timezone.now()
    clinic = patient.clinic
    Membership.objects.select_for_update().filter(pk=request.membership.pk).first()
    used = EmergencyAccess.objects.filter(
        clinic=clinic, user=request.user, created__gte=now - timedelta(hours=1)
    ).count()
    limit = clinic.emergency_access_per_hour
    if used >= limit:
        first_refusal = not AuditEvent.objects.filter(
            action="breakglass.refused", user_id=request.user.pk, clinic=clinic.code, ts__gte=now - timedelta(hours=1)
        ).exists()
        record(
            request,
            "breakglass.refused",
            patient,
            outcome="denied",
            category="emergency_access",
            detail=f"limit {limit}/h",
        )
        if first_refusal:
            _alert_limit(request, clinic, limit, refused=True)
        return None
    access = EmergencyAccess.objects.create(
        clinic=patient.clinic,
        user=request.user,
        patient=patient,
        reason=reason,
        expires=now + timedelta(minutes=settings.BREAK_GLASS_MINUTES),
        created_by=request.user,
        updated_by=request.user,
    )
    request.break_glass = True
    record(
        request, "breakglass.start", patient, category="emergency_access", detail=f"{settings.BREAK_GLASS_MINUTES} min"
    )
    emails = admin_emails(clinic)
    if used + 1 == limit:
        _alert_limit(request, clinic, limit, refused=False)
    # The message names the practitioner and the record's address, not the patient.
    link = request.build_absolute_uri(reverse("patients:detail", args=[patient.code]))
    context = {"who": request.user.display_name(), "clinic": patient.clinic, "reason": reason, "link": link,
               "minutes": settings.BREAK_GLASS_MINUTES}  # fmt: skip
    mail.send("patients/email/emergency_access.txt", context, emails, clinic)
    return access
