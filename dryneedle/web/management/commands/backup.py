from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dryneedle.audit import checkpoints
from dryneedle.web import backup


class Command(BaseCommand):
    help = """Make an encrypted, checksummed backup of the whole database while the server keeps serving.

    SQLite: the online backup API; PostgreSQL: pg_dump (custom format) in one
    exported snapshot. The file holds a manifest (schema version, row counts
    per table, each audit chain's head, the time) and is encrypted and
    authenticated with BACKUP_KEY, which is never written to it. The audit
    chains are checkpointed first (AUDIT_CHECKPOINT_FILE). Never overwrites a
    file. Exit 2 on a usage or configuration problem. See docs/operations.md.
    """

    def add_arguments(self, parser):
        parser.add_argument("--out", help="The backup file to write (must not exist)")
        parser.add_argument("--new-key", action="store_true", help="Print a new BACKUP_KEY and exit")

    def handle(self, **options):
        if options["new_key"]:
            self.stdout.write(backup.new_key())
            return
        if not options["out"]:
            raise CommandError("Name the backup file: dryneedle backup --out FILE", returncode=2)
        try:
            backup._fernet(settings.BACKUP_KEY)  # a missing key stops us before any work
            try:
                line = checkpoints.write()
                self.stdout.write(f"Audit checkpoint {line['at']} written.")
            except checkpoints.CheckpointError as e:
                if not settings.AUDIT_CHECKPOINT_KEY:
                    raise backup.BackupError(str(e)) from None
                # A damaged log is still worth backing up: it is evidence. Say so.
                self.stderr.write(f"WARNING: no audit checkpoint: {e}")
            made = backup.backup(Path(options["out"]), settings.BACKUP_KEY)
        except backup.BackupError as e:
            raise CommandError(str(e), returncode=2) from None
        rows = sum(made["counts"].values())
        self.stdout.write(
            f"Backed up {made['database']} to {options['out']}: {len(made['counts'])} tables, {rows} rows, "
            f"{len(made['audit_heads'])} audit chains, {made['bytes']} bytes (data SHA-256 {made['sha256'][:16]}…)."
        )
