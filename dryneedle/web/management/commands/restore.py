from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dryneedle.audit.log import verify
from dryneedle.web import backup, hooks


class Command(BaseCommand):
    help = """Restore a backup made by `dryneedle backup` into a database that holds no data yet.

    The target is the configured database: a fresh DATA_DIR (SQLite) or an
    empty PostgreSQL database (DATABASE_URL). The whole file is decrypted and
    checked (key, authentication of every frame, order, checksum) before the
    target is touched. Afterwards the audit chains and the signed notes are
    verified and every table's row count compared with the backup's manifest;
    only then does it say "restored". Exit 2 on a wrong key, a damaged or
    foreign file, or a target that holds data; exit 1 if the restored data fail
    verification.
    """

    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file")

    def handle(self, **options):
        try:
            manifest = backup.restore(Path(options["file"]), settings.BACKUP_KEY)
        except backup.BackupError as e:
            raise CommandError(str(e), returncode=2) from None
        n, bad, why = verify()
        if bad is not None:
            raise CommandError(f"Restored, but the audit chain is broken at row {n} (id {bad.id}): {why}.")
        checked, mismatched = hooks.verify_signed()
        if mismatched:
            raise CommandError(f"Restored, but {len(mismatched)} of {checked} signed visits fail their SHA-256.")
        problems = backup.compare(manifest)
        if problems:
            raise CommandError("Restored, but it differs from the backup's manifest: " + " ".join(problems))
        self.stdout.write(
            f"Audit chains verified ({n} rows); {checked} signed visits verified; "
            f"{len(manifest['counts'])} tables match the manifest."
        )
        self.stdout.write(f"Restored the backup of {manifest['made']} ({manifest['database']}).")
