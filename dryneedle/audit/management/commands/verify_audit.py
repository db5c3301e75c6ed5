from django.core.management.base import BaseCommand, CommandError

from dryneedle.audit import checkpoints
from dryneedle.audit.log import heads, verify


class Command(BaseCommand):
    help = """Check every audit chain (one per clinic) and the latest checkpoint outside the database.

    Exits 0 when every row links to the one before it in its clinic's chain,
    matches its hash, and no chain is shorter than at the latest signed
    checkpoint (AUDIT_CHECKPOINT_FILE); exits 1 and names the first problem
    otherwise. Without a checkpoint yet it says that the deletion of the
    newest rows cannot be detected.
    """

    def handle(self, **options):
        n, bad, why = verify()
        if bad is not None:
            raise CommandError(f"Audit chain broken at row {n} (id {bad.id}, {bad.ts.isoformat()}): {why}.")
        try:
            found = checkpoints.read()
            problems = checkpoints.check(found)
        except checkpoints.CheckpointError as e:
            raise CommandError(str(e)) from None
        if problems:
            raise CommandError(" ".join(problems))
        chains = heads()
        self.stdout.write(f"Audit chain intact: {n} rows verified in {len(chains)} chains.")
        for clinic, (_id, rows, head) in sorted(chains.items(), key=lambda kv: checkpoints.chain_name(kv[0])):
            self.stdout.write(f"  {checkpoints.chain_name(clinic)}: {rows} rows, head {head}")
        if found:
            self.stdout.write(f"No row lost since the checkpoint of {found[-1]['at']}.")
        else:
            self.stdout.write(
                "No checkpoint yet: the deletion of the newest rows cannot be detected "
                "until `dryneedle checkpoint_audit` runs."
            )
