"""Two PostgreSQL roles: an owner that migrates, and the application's role that only reads and writes rows.

A superuser or the tables' owner can disable the triggers that make signed
notes and the audit log immutable with one statement (issue 15, finding 12).
The server therefore connects as a role that owns nothing and may only
SELECT, INSERT, UPDATE and DELETE rows (the triggers still refuse UPDATE and
DELETE where the record must not change) and use the sequences: no DDL, no
TRUNCATE, no ALTER TABLE … DISABLE TRIGGER. ``dryneedle migrate`` connects as
the owner (``DATABASE_OWNER_URL``) and grants the application role
(``DATABASE_URL``'s user) exactly that, after every migration.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

GRANTS = (
    "GRANT USAGE ON SCHEMA {schema} TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
    "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
)


def grant(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give ``role`` row access to every table and sequence, and nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        q = connection.ops.quote_name
        for sql in GRANTS:
            cursor.execute(sql.format(schema=q(schema), role=q(role)))


def privileged(connection: BaseDatabaseWrapper) -> str:
    """Why the connected role is too strong to serve patients' data ("" when it is not)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            return "a superuser"
        cursor.execute(
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"
        )
        if cursor.fetchone()[0]:
            return "the owner of the tables"
    return ""
