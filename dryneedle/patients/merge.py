"""Merging two records of one person, and separating them again (issue 18).

A clinic admin merges a duplicate into the record kept. Nothing is moved or deleted: a signed note says whom it was
written for and the database will not change it, so the duplicate's episodes, visits, questionnaires and bookings
stay its own. The duplicate points at the record kept (``Patient.merged_into``); the kept record's page shows both
people's histories as one; lists, searches and the duplicate check show the kept record only; the duplicate's own
page says where it went. Separating them again clears the pointer. Each step is a PatientMerge row (append-only)
and an audit row.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import pgettext

from dryneedle.patients.models import Patient, PatientMerge, RecordStatus


def _trail(user, kept: Patient, duplicate: Patient, action: str, reason: str) -> PatientMerge:
    return PatientMerge.objects.create(clinic_id=kept.clinic_id, kept=kept, duplicate=duplicate, action=action,
                                       reason=reason.strip(), created_by=user, updated_by=user)  # fmt: skip


def _usable(p: Patient, what: str) -> None:
    if p.status == RecordStatus.ENTERED_IN_ERROR:
        raise ValidationError(
            pgettext("staff", "%(name)s's record was entered in error: %(what)s a record in use.")
            % {"name": p.name, "what": what}
        )
    if p.merged_into_id is not None:
        raise ValidationError(
            pgettext("staff", "%(name)s's record is already merged into another: %(what)s the record kept.")
            % {"name": p.name, "what": what}
        )


def merge(user, kept: Patient, duplicate: Patient, reason: str) -> PatientMerge:
    """Merge ``duplicate`` into ``kept`` (one clinic; both in use; the duplicate has nothing merged into it)."""
    if not reason.strip():
        raise ValidationError({"reason": pgettext("staff", "Say why these are the same person (what you checked).")})
    with transaction.atomic():
        both = {
            p.pk: p
            for p in Patient.objects.select_for_update().filter(clinic=kept.clinic_id, pk__in=[kept.pk, duplicate.pk])
        }
        if duplicate.pk not in both or duplicate.pk == kept.pk:
            raise ValidationError({"duplicate": pgettext("staff", "Choose another record of this clinic.")})
        kept, duplicate = both[kept.pk], both[duplicate.pk]
        _usable(kept, "keep")
        _usable(duplicate, "merge")
        if Patient.objects.filter(clinic=kept.clinic_id, merged_into=duplicate).exists():
            raise ValidationError(
                {
                    "duplicate": pgettext(
                        "staff", "Other records are merged into %(name)s's: keep that one, or separate them."
                    )
                    % {"name": duplicate.name}
                }
            )
        duplicate.merged_into = kept
        duplicate.updated_by = user
        duplicate.save(update_fields=["merged_into", "updated_by", "updated"])
        return _trail(user, kept, duplicate, PatientMerge.Action.MERGE, reason)


def separate(user, duplicate: Patient, reason: str) -> PatientMerge:
    """Undo a merge: the duplicate becomes a record of its own again, with everything it had."""
    if not reason.strip():
        raise ValidationError({"reason": pgettext("staff", "Say why these are two people after all.")})
    with transaction.atomic():
        duplicate = Patient.objects.select_for_update().get(clinic=duplicate.clinic_id, pk=duplicate.pk)
        if duplicate.merged_into_id is None:
            raise ValidationError(
                pgettext("staff", "%(name)s's record is not merged into another.") % {"name": duplicate.name}
            )
        kept = Patient.objects.get(clinic=duplicate.clinic_id, pk=duplicate.merged_into_id)
        duplicate.merged_into = None
        duplicate.updated_by = user
        duplicate.save(update_fields=["merged_into", "updated_by", "updated"])
        return _trail(user, kept, duplicate, PatientMerge.Action.SEPARATE, reason)
