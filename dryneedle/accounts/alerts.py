"""Emails to a clinic's admins about the house itself (not about a patient)."""

from dryneedle.accounts.models import Clinic, Membership, Role
from dryneedle.audit import checkpoints
from dryneedle.lib import mail


def admin_emails(clinic: Clinic) -> list[str]:
    return list(
        Membership.objects.filter(clinic=clinic, role=Role.CLINIC_ADMIN, is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def announce_checkpoint(sender, line: dict, **kwargs) -> None:
    """Each clinic's admins get their chain's head: a copy of the anchor outside this machine."""
    for clinic in Clinic.objects.filter(code__in=[k for k in line["chains"] if k != checkpoints.NO_CLINIC]):
        context = {"line": line, "head": line["chains"][str(clinic.code)], "clinic": clinic}
        mail.send("accounts/email/checkpoint.txt", context, admin_emails(clinic), clinic)
