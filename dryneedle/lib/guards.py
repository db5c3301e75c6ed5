"""Database triggers that make the database itself refuse what the code never does.

Two kinds of guard, on SQLite and PostgreSQL alike:

* ``append_only``: no UPDATE and no DELETE (the audit log).
* ``no_delete``: no DELETE (clinical records are marked entered_in_error, never deleted).

The ORM, the admin, the API and a raw SQL session all meet the same refusal.
Someone who owns the database can still drop a trigger; the audit hash chain
is what detects that (``dryneedle verify_audit``).
"""

from django.db import migrations

# table -> kind. Migrations install these; the test suite lifts them briefly
# to flush tables between transactional tests. A new clinical table adds a row.
GUARDED: dict[str, str] = {
    "audit_auditevent": "append_only",
    "patients_patient": "no_delete",
    "patients_episode": "no_delete",
    "patients_patientversion": "append_only",
    "patients_emergencyaccess": "append_only",
    "screening_screening": "no_delete",
    "visits_visit": "no_delete",
    "visits_insertion": "no_delete",
    "visits_amendment": "append_only",
    "visits_needleincident": "append_only",
    "visits_triggerpoint": "no_delete",
    "visits_triggerpointexam": "no_delete",
    "portal_patientlink": "no_delete",
    "outcomes_response": "no_delete",
    "outcomes_objectivemeasure": "no_delete",
    "adverse_events_adverseevent": "no_delete",
    "aftercare_checkin": "no_delete",
    "plans_careplan": "no_delete",
    "plans_goal": "no_delete",
    "plans_component": "no_delete",
    "plans_assignment": "no_delete",
    "plans_exerciselog": "no_delete",
    "plans_review": "append_only",
    "appointments_appointment": "no_delete",
    "directory_patientreview": "no_delete",
}


def _statements(vendor: str, table: str, kind: str) -> list[str]:
    ops = ["UPDATE", "DELETE"] if kind == "append_only" else ["DELETE"]
    out = []
    for op in ops:
        name = f"{table}_no_{op.lower()}"
        msg = f"{table} is {'append-only' if kind == 'append_only' else 'never deleted'}: {op} refused"
        if vendor == "sqlite":
            out.append(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, '{msg}'); END"
            )
        else:
            out.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{msg}'; END; $$ LANGUAGE plpgsql"
            )
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            out.append(f"CREATE TRIGGER {name} BEFORE {op} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
    if vendor == "postgresql":
        name = f"{table}_no_truncate"
        out.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{table}: TRUNCATE refused'; END; $$ LANGUAGE plpgsql"
        )
        out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        out.append(f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    return out


def _drop_statements(vendor: str, table: str) -> list[str]:
    names = [f"{table}_no_update", f"{table}_no_delete", f"{table}_no_truncate"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {n}" for n in names]
    return [f"DROP TRIGGER IF EXISTS {n} ON {table}" for n in names]


def install(connection, table: str, kind: str) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, table, kind):
            cursor.execute(sql)


def uninstall(connection, table: str) -> None:
    with connection.cursor() as cursor:
        for sql in _drop_statements(connection.vendor, table):
            cursor.execute(sql)


def guard(table: str) -> migrations.RunPython:
    """Return a migration operation that installs the guard on ``table``."""
    kind = GUARDED[table]

    def forwards(apps, schema_editor):
        install(schema_editor.connection, table, kind)

    def backwards(apps, schema_editor):
        uninstall(schema_editor.connection, table)

    return migrations.RunPython(forwards, backwards)


# Other trigger sets (module with SQLITE, SQLITE_DROP, POSTGRES, POSTGRES_DROP, TABLES).
EXTRA = ("dryneedle.visits.triggers",)


def _existing_tables(connection) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def install_all(connection) -> None:
    """Install every guard and trigger whose tables exist (idempotent).

    Run after every migrate: SQLite rebuilds a table to alter it, and a
    rebuilt table has lost its triggers. Without this, a later migration
    would silently remove the database's refusals.
    """
    import importlib

    tables = _existing_tables(connection)
    for table, kind in GUARDED.items():
        if table in tables:
            install(connection, table, kind)
    for name in EXTRA:
        mod = importlib.import_module(name)
        if set(mod.TABLES) <= tables:
            # Drop first: a trigger whose definition changed must be replaced, not kept.
            sqlite = connection.vendor == "sqlite"
            with connection.cursor() as cursor:
                for sql in (mod.SQLITE_DROP + mod.SQLITE) if sqlite else (mod.POSTGRES_DROP + mod.POSTGRES):
                    cursor.execute(sql)


def uninstall_cross_table(connection) -> None:
    """Drop triggers that name other tables: SQLite refuses to rebuild a table they refer to."""
    import importlib

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in EXTRA:
            for sql in importlib.import_module(name).SQLITE_DROP:
                cursor.execute(sql)
