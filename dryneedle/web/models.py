from django.db import models
from django.utils.translation import pgettext_lazy


class IdempotencyKey(models.Model):
    """One API write identified by its client's Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header).

    ``principal`` is a digest of who sent it (bearer token or session user), so
    two callers never share a key. Not clinical data: rows may be pruned.
    """

    class State(models.TextChoices):
        RUNNING = "running", pgettext_lazy("staff", "Running")
        DONE = "done", pgettext_lazy("staff", "Done")

    principal = models.CharField(max_length=64)
    key = models.CharField(max_length=100)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    request_sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    status = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="one_request_per_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] {self.state}"


class LookupMiss(models.Model):
    """Unknown secret-link tokens tried from one address in one ten-minute window (web/lookups.py).

    Not clinical data: rows older than a day are pruned.
    """

    ip = models.GenericIPAddressField(null=True)
    window = models.DateTimeField()
    misses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ip", "window"], name="one_count_per_address_window")]

    def __str__(self) -> str:
        return f"{self.ip} {self.window:%H:%M}: {self.misses}"


class StoredDocument(models.Model):
    """A generated document (a PDF) kept so that it is made once (web/documents.py).

    ``key`` names exactly what the document shows (for a handout, the signed note's hash): the same key, the
    same bytes. It holds patient data like the records it was made from, and is backed up with them; a
    newer document of the same ``family`` (one episode's progress report) replaces the older.
    """

    # The clinic's code, as the audit log keeps it: web sits below accounts and knows no clinic model.
    clinic = models.UUIDField()
    family = models.CharField(max_length=100)  # e.g. "progress:<episode code>"
    key = models.CharField(max_length=64)  # a digest of what the document shows
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "family", "key"], name="one_document_per_key")]

    def __str__(self) -> str:
        return f"{self.family} ({self.content_type}, {len(self.content)} bytes)"
