"""Small SQL functions Django does not have, written for both databases the project runs on."""

from django.db.models import Func, IntegerField


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
