from django.db import models


class SignInCode(models.Model):
    """A one-time code emailed to a patient's address to sign in (issue 19): six digits, kept only as an HMAC,
    single-use, short-lived, a few tries. Not a clinical record: it names an email address, not a patient."""

    email = models.EmailField(max_length=254, db_index=True)  # as typed, lower-cased
    digest = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)  # who asked, for the per-address limit
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    expires = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Sign-in code for {self.email} ({self.created:%Y-%m-%d %H:%M})"
