"""Django's migrate, with one step first for databases made before accounts existed.

Clinic, User, Membership, ApiToken and LoginThrottle moved from practitioners to
accounts without touching a table (accounts/migrations/0001_initial.py is state
only). Third-party migrations that point at the user model (django-otp) now
depend on accounts' first migration; on a database where they were applied
long ago, Django would refuse to start ("applied before its dependency").
Recording that state-only migration as applied is exactly true of such a
database, so it is done here, once, before Django checks the history.
"""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

MOVE = ("accounts", "0001_initial")
TABLES_FROM = ("practitioners", "0001_initial")


def record_the_move(connection) -> bool:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    applied = recorder.applied_migrations()
    if TABLES_FROM in applied and MOVE not in applied:
        recorder.record_applied(*MOVE)
        return True
    return False


class Command(DjangoMigrate):
    help = (
        "Apply the database migrations (Django's migrate). On a database made before accounts existed, "
        "first records accounts.0001_initial, which changes no table."
    )

    def handle(self, *args, **options):
        if record_the_move(connections[options["database"]]) and options["verbosity"] >= 1:
            self.stdout.write("Recorded accounts.0001_initial (the accounts tables already exist).")
        return super().handle(*args, **options)
