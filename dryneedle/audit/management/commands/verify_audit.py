from django.core.management.base import BaseCommand, CommandError

from dryneedle.audit.log import verify


class Command(BaseCommand):
    help = """Check the audit log's hash chain and report the first broken link.

    Exits 0 when every row links to the one before it and matches its hash;
    exits 1 and names the first bad row otherwise. Prints the head hash, which
    can be stored outside the database to detect a rewrite of the whole chain.
    """

    def handle(self, **options):
        n, bad, why = verify()
        if bad is not None:
            raise CommandError(f"Audit chain broken at row {n} (id {bad.id}, {bad.ts.isoformat()}): {why}.")
        from dryneedle.audit.models import AuditEvent

        head = AuditEvent.objects.order_by("-id").values_list("row_hash", flat=True).first() or "-"
        self.stdout.write(f"Audit chain intact: {n} rows verified. Head hash: {head}")
