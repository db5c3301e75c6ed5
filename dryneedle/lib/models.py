"""Building blocks shared by the clinical models."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext, pgettext

# The longest reason kept for a record entered in error (every model's error_reason holds this many).
ERROR_REASON_MAX = 500


def at_most(field: str, value: str, n: int) -> str:
    """``value`` if it fits in ``n`` characters; otherwise a form error on ``field``. Text a person wrote is
    never cut short to fit a column (forms and the API check first; this keeps every other caller honest)."""
    if len(value) > n:
        raise ValidationError(
            {field: gettext("At most %(limit)s characters (this has %(count)s).") % {"limit": n, "count": len(value)}}
        )
    return value


class NeverDeletedQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionDenied("Clinical records are never deleted; mark them entered in error.")


class ClinicalRecord(models.Model):
    """A row of patient data: owned by one clinic, named by UUID, never deleted.

    ``clinic`` sits on every clinical table, not only behind a join: one column
    to filter on, and the schema can later be distributed by clinic.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, editable=False, related_name="+"
    )
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, editable=False, related_name="+"
    )

    objects = NeverDeletedQuerySet.as_manager()

    # How a record of this kind says "entered in error": the field and the value that mean it, e.g.
    # ("status", "entered_in_error") or ("entered_in_error", True). A model that sets it has an
    # ``error_reason`` field and the constraint ``in_error_needs_reason`` builds. None: the record is
    # corrected another way (a signed visit by an amendment, a link by expiring).
    IN_ERROR: ClassVar[tuple[str, object] | None] = None

    class Meta:
        abstract = True

    @property
    def is_entered_in_error(self) -> bool:
        if self.IN_ERROR is None:
            return False
        field, value = self.IN_ERROR
        return getattr(self, field) == value

    def mark_entered_in_error(self, user, reason: str) -> None:
        """Mark this record entered in error, with the reason: it stays in the history and stops counting.

        The one way every kind of record is marked (the pages and the API call it); the caller audits.
        """
        if self.IN_ERROR is None:
            raise ValidationError(
                pgettext("staff", "A %(record)s cannot be marked entered in error.")
                % {"record": self._meta.verbose_name}
            )
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(
                {
                    "reason": pgettext("staff", "Say why this %(record)s was entered in error.")
                    % {"record": self._meta.verbose_name}
                }
            )
        if len(reason) > ERROR_REASON_MAX:
            raise ValidationError(
                {
                    "reason": pgettext("staff", "Keep the reason under %(limit)s characters.")
                    % {"limit": ERROR_REASON_MAX}
                }
            )
        if "\x00" in reason:
            raise ValidationError(
                {"reason": pgettext("staff", "The reason contains a character that cannot be stored.")}
            )
        if self.is_entered_in_error:
            raise ValidationError(
                pgettext("staff", "This %(record)s is already marked entered in error.")
                % {"record": self._meta.verbose_name}
            )
        field, value = self.IN_ERROR
        setattr(self, field, value)
        self.error_reason = reason  # every model that sets IN_ERROR has it
        self.updated_by = user
        self.save(update_fields=[field, "error_reason", "updated_by", "updated"])

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Clinical records are never deleted; mark them entered in error.")

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        # Django saves with UPDATE ... WHERE id = ...; name the clinic too, so that every statement on a clinical
        # table carries the key the schema can be distributed by (docs/scaling.md, tests/clinic_key.py).
        base_qs = base_qs.filter(clinic_id=self.clinic_id)
        return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)

    @classmethod
    def for_episode(cls, episode, user, **fields):
        """A new row of ``episode``: its clinic and patient are copied from the episode, so they cannot disagree."""
        return cls(clinic=episode.clinic, patient=episode.patient, episode=episode, created_by=user, updated_by=user,
                   **fields)  # fmt: skip


def in_error_needs_reason(model: str, field: str, value: object) -> models.CheckConstraint:
    """The database's half of mark_entered_in_error: no record in error without its reason."""
    return models.CheckConstraint(
        condition=~models.Q(**{field: value}) | ~models.Q(error_reason=""), name=f"{model}_error_needs_reason"
    )
