"""The calendar as a time grid: rows of equal steps, one column per practitioner (a day) or per day (a week).

Pure: given each column's working hours and busy times it says what every cell is — an appointment spanning its
rows, a free time that can be booked, out of hours, or past. The views and templates only draw it (issue 18).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any


@dataclass
class Column:
    """One column: a practitioner on a day. ``busy`` are (start, end, item) in local wall time; ``item`` is the
    appointment (None: busy in another clinic, shown without detail)."""

    day: date
    hours: list[tuple[time, time]]
    busy: list[tuple[datetime, datetime, Any]]
    key: Any = None  # what the template needs to name the column (a practitioner, a day)


@dataclass
class Cell:
    kind: str  # "busy" | "free" | "closed" | "past"
    start: datetime
    rows: int = 1
    items: list = field(default_factory=list)  # the appointments of a busy cell (None for another clinic's)
    key: Any = None  # the column's key (whose time it is)


@dataclass
class Row:
    time: time
    cells: list[Cell | None]  # None: covered by a busy cell above


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _span_minutes(c: Column, dt: datetime) -> int:
    """Minutes of ``dt`` from the column's midnight (24 * 60 for the next midnight)."""
    return int((dt - datetime.combine(c.day, time.min, dt.tzinfo)).total_seconds() // 60)


def step_for(columns: list[Column]) -> int:
    """30-minute rows when every time in view falls on the half hour, else 15 (a 15- or 45-minute visit)."""
    for c in columns:
        marks = [_minutes(t) for block in c.hours for t in block]
        marks += [_span_minutes(c, dt) for s, e, _ in c.busy for dt in (s, e)]
        if any(m % 30 for m in marks):
            return 15
    return 30


def bounds(columns: list[Column], default=(8 * 60, 18 * 60)) -> tuple[int, int]:
    """The grid's first and last minute: the working hours and this clinic's appointments in view, widened to whole
    hours (another clinic's bookings, perhaps in another time zone, show only where they fall inside)."""
    lo, hi = [], []
    for c in columns:
        for a, b in c.hours:
            lo.append(_minutes(a))
            hi.append(_minutes(b) or 24 * 60)
        for s, e, item in c.busy:
            if item is None:  # busy in another clinic: shown where it falls in view, never widening it
                continue
            lo.append(max(0, _span_minutes(c, s)))
            hi.append(min(24 * 60, _span_minutes(c, e)))
    if not lo:
        return default
    first, last = min(lo), max(hi)
    return first // 60 * 60, min(24 * 60, -(-last // 60) * 60)


def build(columns: list[Column], now: datetime, tz, step: int | None = None) -> tuple[int, list[Row]]:
    """(step, rows) for ``columns``. A busy cell spans from its first appointment's start, down to the step, to its
    last one's end, up to the step; appointments that round into the same rows share one cell."""
    step = step or step_for(columns)
    first, last = bounds(columns)
    n = max(1, (last - first) // step)
    grid: list[list[Cell | None]] = [[None] * len(columns) for _ in range(n)]
    for j, c in enumerate(columns):
        midnight = datetime.combine(c.day, time.min, tz)
        blocks: list[tuple[int, int, list]] = []
        for s, e, item in sorted(c.busy, key=lambda b: b[0]):
            if _span_minutes(c, e) <= first or _span_minutes(c, s) >= first + n * step:
                continue  # outside the rows in view
            a = max(0, (_span_minutes(c, s) - first) // step)
            b = min(n, max(a + 1, -(-(_span_minutes(c, e) - first) // step)))
            if blocks and a < blocks[-1][1]:
                blocks[-1] = (blocks[-1][0], max(blocks[-1][1], b), [*blocks[-1][2], item])
            else:
                blocks.append((a, b, [item]))
        taken = [False] * n
        for a, b, items in blocks:
            grid[a][j] = Cell("busy", midnight + timedelta(minutes=first + a * step), b - a, items, c.key)
            for i in range(a, b):
                taken[i] = True
        for i in range(n):
            if taken[i]:
                continue
            start = midnight + timedelta(minutes=first + i * step)
            m = first + i * step
            open_ = any(_minutes(s) <= m and m + step <= (_minutes(e) or 24 * 60) for s, e in c.hours)
            kind = "closed" if not open_ else ("past" if start < now else "free")
            grid[i][j] = Cell(kind, start, key=c.key)
    return step, [Row(time((first + i * step) // 60 % 24, (first + i * step) % 60), r) for i, r in enumerate(grid)]
