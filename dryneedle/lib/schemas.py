"""API field types every app's schemas share: strict dates and times, bounded text, the error body."""

import re
from datetime import UTC, date, datetime, time
from typing import Annotated

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints


def _strict_date(v):
    # Pydantic's lax mode would take 0 as 1970-01-01; accept ISO text only.
    if isinstance(v, date):
        return v
    # A query string carries text, and lax mode reads "0" as a Unix time too: insist on the ISO shape.
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        raise ValueError("must be a date as text, YYYY-MM-DD")
    return v


def _strict_datetime(v):
    # Lax mode takes numbers (and "0.5" in a query string) as Unix times; accept ISO 8601 text only.
    if isinstance(v, datetime):
        return v
    if not isinstance(v, str) or not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", v):
        raise ValueError("must be a date and time as ISO 8601 text, e.g. 2026-11-24T09:30:00Z")
    return v


def _aware(v: datetime) -> datetime:
    # A time without a zone is the clinic's local time; comparing naive and aware times would fail.
    # Stored in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (schemathesis, -23:22).
    if not 1900 <= v.year <= 2999:
        raise ValueError("check the year")
    return (timezone.make_aware(v) if timezone.is_naive(v) else v).astimezone(UTC)


IsoDatetime = Annotated[datetime, BeforeValidator(_strict_datetime), AfterValidator(_aware)]


def _wall_clock(v):
    # Working hours are a time of day on the clinic's own clock: "09:00", never "09:00Z" (an offset has no meaning
    # for every Monday of the year, and SQLite refused to store one: a 500 found by schemathesis).
    if isinstance(v, time):
        return v
    if not isinstance(v, str) or not re.fullmatch(r"\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?", v):
        raise ValueError("must be a time of day on the clinic's clock, HH:MM, without a time zone")
    return v


WallTime = Annotated[time, BeforeValidator(_wall_clock)]
# Any date in the years a clinic's records can hold (a period's bounds, a goal's target date).
Day = Annotated[date, BeforeValidator(_strict_date), Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]


def _not_future(v: date) -> date:
    if v > timezone.localdate():
        raise ValueError("cannot be in the future")
    if v.year < 1900:
        raise ValueError("check the year")
    return v


def limits(n: int, min_length: int = 0) -> StringConstraints:
    """Text of at most ``n`` characters (at least ``min_length``): ``Annotated[str, limits(100)]``.

    No NUL bytes: PostgreSQL refuses them, so refuse them everywhere.
    """
    return StringConstraints(max_length=n, min_length=min_length, pattern=r"^[^\x00]*$")


PastDate = Annotated[date, BeforeValidator(_strict_date), AfterValidator(_not_future)]


class Paging(Schema):
    """A list operation's page: `?limit=&offset=` (use as `paging: Query[Paging]`)."""

    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class Page(Schema):
    """A list operation's answer: `items` (a subclass says of what), and `count`, how many there are in all."""

    count: int
    limit: int
    offset: int


def page(qs, limit: int, offset: int) -> dict:
    """One page of an ordered queryset. Every list is paged, never cut short: `count` says how many there are."""
    items = list(qs[offset : offset + limit])
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}


class Error(Schema):
    detail: object
