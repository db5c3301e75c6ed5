"""Building blocks shared by the clinical models."""

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models


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

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Clinical records are never deleted; mark them entered in error.")

    @classmethod
    def for_episode(cls, episode, user, **fields):
        """A new row of ``episode``: its clinic and patient are copied from the episode, so they cannot disagree."""
        return cls(clinic=episode.clinic, patient=episode.patient, episode=episode, created_by=user, updated_by=user,
                   **fields)  # fmt: skip
