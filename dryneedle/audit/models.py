from django.db import models
from django.utils.translation import pgettext_lazy

from dryneedle.lib import guards


class AuditEvent(models.Model):
    """One read or change of patient data, or one security event.

    Append-only: a database trigger refuses UPDATE and DELETE (lib/guards.py),
    and each row carries the SHA-256 of the previous row's hash (the previous
    row of the same clinic: one chain per clinic) and its own content, so a
    changed, deleted or reordered row breaks the chain
    (``dryneedle verify_audit``). Values are stored, not foreign keys, so that
    the log stands on its own. No patient data goes in ``detail``.
    """

    db_guard = guards.APPEND_ONLY  # the database refuses UPDATE and DELETE (lib/guards.py)

    class Outcome(models.TextChoices):
        OK = "ok", pgettext_lazy("staff", "Allowed")
        DENIED = "denied", pgettext_lazy("staff", "Denied")
        INVALID = "invalid", pgettext_lazy("staff", "Refused (invalid input)")

    ts = models.DateTimeField(db_index=True)
    user_id = models.BigIntegerField(null=True)
    username = models.CharField(max_length=150, blank=True)
    clinic = models.UUIDField(null=True, db_index=True)
    patient = models.UUIDField(null=True, db_index=True)
    action = models.CharField(max_length=60)
    category = models.CharField(max_length=40, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    ip = models.GenericIPAddressField(null=True)
    request_id = models.CharField(max_length=32, blank=True)
    break_glass = models.BooleanField(default=False)
    detail = models.CharField(max_length=200, blank=True)
    # The patients a list, search or report displayed (finding 5): their codes, space-separated.
    # Hashed when present; older rows without it keep their hashes.
    shown = models.TextField(blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        # The chain's head is the newest row of its clinic (log.head_of).
        indexes = [models.Index(fields=["clinic", "id"], name="audit_chain")]

    def __str__(self) -> str:
        return f"{self.ts:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.outcome}"

    # The fields that the hash covers, in this order (see log.content_of).
    HASHED = (
        "ts",
        "user_id",
        "username",
        "clinic",
        "patient",
        "action",
        "category",
        "object_type",
        "object_id",
        "outcome",
        "ip",
        "request_id",
        "break_glass",
        "detail",
    )
