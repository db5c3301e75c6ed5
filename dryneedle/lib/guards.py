"""Database triggers that make the database itself refuse what the code never does.

Two kinds of guard, on SQLite and PostgreSQL alike:

* ``append_only``: no UPDATE and no DELETE (the audit log).
* ``no_delete``: no DELETE (clinical records are marked entered_in_error, never deleted).

The ORM, the admin, the API and a raw SQL session all meet the same refusal.
Someone who owns the database can still drop a trigger; the audit hash chain
is what detects that (``dryneedle verify_audit``).

One exception, for an append-only row that belongs to a patient: its UPDATE is let through while
``PERMIT_TABLE`` names that patient, which only the anonymiser does, inside its own transaction, when the
clinic's retention period has ended (retention/anonymise.py; patients.models.Anonymising). DELETE never is.
"""

from django.db import migrations

APPEND_ONLY = "append_only"
NO_DELETE = "no_delete"
# The anonymiser's permit (patients.models.Anonymising): a table name, not an import, so this floor knows no app.
PERMIT_TABLE = "patients_anonymising"


def permit_columns(table: str) -> list[str]:
    """The columns naming the patient a row of ``table`` belongs to (``anonymise_by``, else ``patient``)."""
    from django.apps import apps

    for m in apps.get_models():
        if m._meta.db_table == table:
            names = getattr(m, "anonymise_by", None) or ("patient",)
            fields = [f for f in m._meta.concrete_fields if f.name in names]
            # Only a foreign key to the patient (the audit log's ``patient`` is a UUID it keeps, never a permit).
            return [f.column for f in fields if f.is_relation and getattr(f.related_model, "_meta", None) is not None
                    and f.related_model._meta.label == "patients.Patient"]  # type: ignore[union-attr]  # fmt: skip
    return []


def permitted_sql(columns: list[str]) -> str:
    """SQL true while one of the row's patients is being anonymised (both vendors)."""
    olds = ", ".join(f"OLD.{c}" for c in columns)
    return f"EXISTS (SELECT 1 FROM {PERMIT_TABLE} a WHERE a.patient_id IN ({olds}))"  # noqa: S608 - column names from the models  # nosec B608


def guarded() -> dict[str, str]:
    """Table -> kind, for every installed model that declares ``db_guard`` (each app declares its own).

    Migrations install these; the test suite lifts them briefly to flush
    tables between transactional tests. A new clinical model sets
    ``db_guard = guards.NO_DELETE`` (or ``APPEND_ONLY``) and adds a migration
    with ``guard(<its table>)``.
    """
    from django.apps import apps

    return {m._meta.db_table: kind for m in apps.get_models() if (kind := getattr(m, "db_guard", None))}


def _statements(vendor: str, table: str, kind: str, permit: list[str] | None = None) -> list[str]:
    ops = ["UPDATE", "DELETE"] if kind == "append_only" else ["DELETE"]
    out = []
    for op in ops:
        name = f"{table}_no_{op.lower()}"
        msg = f"{table} is {'append-only' if kind == 'append_only' else 'never deleted'}: {op} refused"
        allowed = permitted_sql(permit) if op == "UPDATE" and permit else ""
        if vendor == "sqlite":
            when = f" WHEN NOT {allowed}" if allowed else ""
            out.append(f"DROP TRIGGER IF EXISTS {name}")  # a changed definition replaces the old one
            out.append(f"CREATE TRIGGER {name} BEFORE {op} ON {table}{when} BEGIN SELECT RAISE(ABORT, '{msg}'); END")
        else:
            let_through = f"IF {allowed} THEN RETURN NEW; END IF; " if allowed else ""
            out.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ "
                f"BEGIN {let_through}RAISE EXCEPTION '{msg}'; END; $$ LANGUAGE plpgsql"
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


def install(connection, table: str, kind: str, tables: set[str] | None = None) -> None:
    """``tables``: those that exist, when the caller knows (else they are looked up: is the permit there yet?)."""
    if tables is None:
        tables = _existing_tables(connection)
    permit = permit_columns(table) if kind == APPEND_ONLY and PERMIT_TABLE in tables else []
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, table, kind, permit):
            cursor.execute(sql)


def uninstall(connection, table: str) -> None:
    with connection.cursor() as cursor:
        for sql in _drop_statements(connection.vendor, table):
            cursor.execute(sql)


def guard(table: str) -> migrations.RunPython:
    """Return a migration operation that installs the guard on ``table``."""
    kind = guarded()[table]

    def forwards(apps, schema_editor):
        install(schema_editor.connection, table, kind)

    def backwards(apps, schema_editor):
        uninstall(schema_editor.connection, table)

    return migrations.RunPython(forwards, backwards)


def trigger_modules() -> list[str]:
    """Other trigger sets, named by their app (``AppConfig.trigger_module``: a module with
    SQLITE, SQLITE_DROP, POSTGRES, POSTGRES_DROP and TABLES)."""
    from django.apps import apps

    return [name for cfg in apps.get_app_configs() if (name := getattr(cfg, "trigger_module", None))]


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
    for table, kind in guarded().items():
        if table in tables:
            install(connection, table, kind, tables)
    for name in trigger_modules():
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
        for name in trigger_modules():
            for sql in importlib.import_module(name).SQLITE_DROP:
                cursor.execute(sql)
