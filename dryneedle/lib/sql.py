"""Small SQL functions Django does not have, written for both databases the project runs on."""

from collections.abc import Iterator

from django.db import connections, transaction
from django.db.models import Func, IntegerField, QuerySet


class DaysBetween(Func):
    """``later - earlier`` in whole days, for two date expressions.

    Django's date arithmetic goes through Python functions on SQLite (one call per row, slow over a clinic's
    responses), so this uses each database's own: ``date - date`` is a number of days on PostgreSQL, and
    ``julianday`` gives day numbers on SQLite.
    """

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def stream(qs: QuerySet, chunk_size: int = 2000) -> Iterator:
    """The rows of a large query, a chunk at a time, on either database and behind PgBouncer.

    On PostgreSQL ``.iterator()`` reads through a server-side cursor. Outside a transaction Django declares
    it WITH HOLD and fetches each chunk in its own statement; behind PgBouncer in transaction mode those
    fetches may reach another server connection, where the cursor does not exist (docs/scaling.md). Inside
    one transaction every fetch reaches the connection that declared it. SQLite has no server-side cursors,
    and a transaction there would take the write lock (immediate mode) for as long as the export streams.
    """
    if connections[qs.db].vendor == "postgresql":
        with transaction.atomic(using=qs.db):
            yield from qs.iterator(chunk_size=chunk_size)
    else:
        yield from qs.iterator(chunk_size=chunk_size)


def analyze(using: str = "default") -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load (a seed, a restore).

    PostgreSQL gathers them only when autovacuum gets round to it (never, where it is off), and pg_restore
    does not. Without them the planner takes a freshly loaded clinic for a few dozen rows: on the 50,000-patient
    benchmark one effectiveness query went from milliseconds to many seconds, a nested loop over every signed
    visit per episode. SQLite's statistics are left alone: its planner does well without them here, and a
    restored SQLite file carries its own.
    """
    conn = connections[using]
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("ANALYZE")
