"""Query-string parameters read once, checked before a response starts, refused with a message.

A bad parameter raises ``BadQuery``; the 400 handler renders its message through the error template,
escaped like any other text, so nothing a visitor typed comes back as markup (security battery RT-20).
"""

from datetime import UTC, date, datetime

from django.core.exceptions import BadRequest

YEARS = (1900, 2999)  # PostgreSQL and date arithmetic both stay inside these


class BadQuery(BadRequest):
    """A query parameter that cannot be used; the message says which and why, in plain words."""


def _year_ok(value) -> bool:
    return YEARS[0] <= value.year <= YEARS[1]


def query_date(request, key: str, default: date | None = None) -> date | None:
    raw = request.GET.get(key, "").strip()
    if not raw:
        return default
    try:
        value = date.fromisoformat(raw[:10]) if len(raw) <= 10 else None
    except ValueError:
        value = None
    if value is None or not _year_ok(value):
        raise BadQuery(f"'{key}' must be a date between {YEARS[0]} and {YEARS[1]}, written YYYY-MM-DD.")
    return value


def query_datetime(request, key: str, default: datetime) -> datetime:
    """An ISO date or date and time; UTC when no zone is given."""
    raw = request.GET.get(key, "").strip()
    if not raw:
        return default
    try:
        value = datetime.fromisoformat(raw) if len(raw) <= 40 else None
    except ValueError:
        value = None
    if value is None or not _year_ok(value):
        raise BadQuery(f"'{key}' must be a date or a date and time between {YEARS[0]} and {YEARS[1]}.")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def query_choice(request, key: str, allowed, default: str) -> str:
    value = request.GET.get(key, default)
    if value not in allowed:
        raise BadQuery(f"'{key}' must be one of: {', '.join(allowed)}.")
    return value
