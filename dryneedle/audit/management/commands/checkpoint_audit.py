from django.core.management.base import BaseCommand, CommandError

from dryneedle.audit import checkpoints, hooks


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
            hooks.checkpoint_to_announce.send(sender=self.__class__, line=line)
