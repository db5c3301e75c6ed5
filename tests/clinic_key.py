"""Which statements on a clinical table do not name a clinic (issue 21, docs/scaling.md "Distributing by clinic").

Every clinical table carries its clinic, so that the schema can be distributed by clinic: a statement that names
the clinic goes to one shard, one that does not goes to all. The suite's own statements are checked as they run
(conftest.py's ``_clinic_key`` fixture): a statement on a table with a ``clinic`` column must filter on it (``=`` or
``IN``), or, for an INSERT, set it. The places known not to do so yet are listed in ``clinic_key_known.txt``; a
new one fails the test that ran it. To list every place again (after fixing some):

    CLINIC_KEY_COLLECT=/tmp/places make check; sort -u /tmp/places   # then edit tests/clinic_key_known.txt
"""

import re
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWN = Path(__file__).with_name("clinic_key_known.txt")
TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE)\s+"(\w+)"', re.I)
# Seeding writes a whole demo clinic at once and is not a request; migrations run before the server.
NOT_CHECKED = ("dryneedle/demo/", "/migrations/", "/tests/")


@cache
def clinic_columns() -> dict[str, str]:
    """Table -> its clinic column, for every model that has one."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    out = {}
    for model in apps.get_models():
        try:
            out[model._meta.db_table] = model._meta.get_field("clinic").column
        except FieldDoesNotExist:
            continue
    return out


def unkeyed(sql: str) -> str | None:
    """The clinical tables a statement touches without naming a clinic ("a,b"), or None when it is keyed."""
    columns = clinic_columns()
    touched = sorted({t for t in TABLE.findall(sql) if t in columns})
    if not touched:
        return None
    if sql.lstrip()[:6].upper() == "INSERT":
        head = sql.split(" VALUES", 1)[0]
        return None if all(f'"{columns[t]}"' in head for t in touched) else ",".join(touched)
    names = "|".join(sorted({re.escape(columns[t]) for t in touched}))
    if re.search(rf'"(?:{names})"\s*(?:=|IN\b)', sql):
        return None
    return ",".join(touched)


def origin() -> str | None:
    """The project function that issued the statement being executed: "path function" (no line number, so that
    the list of known places survives edits), or None when it came from the tests or a skipped module."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if "/dryneedle/" in path and "site-packages" not in path:
            rel = path[len(str(ROOT)) + 1 :] if path.startswith(str(ROOT)) else path
            if any(part in rel for part in NOT_CHECKED):
                return None
            return f"{rel} {frame.f_code.co_name}"
        frame = frame.f_back
    return None


@cache
def known() -> frozenset[str]:
    lines = KNOWN.read_text().splitlines() if KNOWN.exists() else []
    return frozenset(line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip())


class Watch:
    """A database execute wrapper that collects the unkeyed statements' places not in the known list."""

    def __init__(self):
        self.new: dict[str, str] = {}

    def __call__(self, execute, sql, params, many, context):
        tables = unkeyed(sql)
        if tables is not None:
            where = origin()
            if where is not None:
                entry = f"{where} {tables}"
                if entry not in known():
                    self.new.setdefault(entry, sql[:300])
        return execute(sql, params, many, context)
