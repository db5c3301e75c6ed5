from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from dryneedle.audit import checkpoints


class Command(BaseCommand):
    help = """Verify the audit chains and append a signed checkpoint of their heads to AUDIT_CHECKPOINT_FILE.

    Run it from cron (every 15 minutes is a good start; docs/operations.md);
    `dryneedle backup` runs it too. With --email each clinic's admins get
    their chain's head, a copy outside this machine. Refuses (exit 1) to
    anchor a broken chain or one shorter than the last checkpoint.
    """

    def add_arguments(self, parser):
        parser.add_argument("--email", action="store_true", help="Email each clinic's admins its chain's head")

    def handle(self, **options):
        try:
            line = checkpoints.write()
        except checkpoints.CheckpointError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"Checkpoint {line['at']}: {len(line['chains'])} chains, signature {line['mac'][:16]}…")
        if options["email"]:
            self._email(line)

    def _email(self, line: dict) -> None:
        from dryneedle.accounts.models import Clinic, Membership, Role

        for clinic in Clinic.objects.filter(code__in=[k for k in line["chains"] if k != checkpoints.NO_CLINIC]):
            head = line["chains"][str(clinic.code)]
            to = list(
                Membership.objects.filter(clinic=clinic, role=Role.CLINIC_ADMIN, is_active=True)
                .exclude(user__email="")
                .values_list("user__email", flat=True)
            )
            if to:
                send_mail(
                    f"[dryneedle] Audit checkpoint for {clinic.name}",
                    render_to_string("audit/email/checkpoint.txt", {"line": line, "head": head}),
                    settings.DEFAULT_FROM_EMAIL,
                    to,
                )
