"""The arithmetic of a small SVG chart: scales and tick marks. Templates draw; this module only counts.

Pure functions (no Django), used by the outcome charts and the effectiveness report's funnel plot.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Scale:
    """Maps a value in [lo, hi] to a coordinate in [start, end] (end < start for an upward y axis)."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, v: float) -> float:
        if self.hi == self.lo:
            return (self.start + self.end) / 2
        return round(self.start + (v - self.lo) / (self.hi - self.lo) * (self.end - self.start), 1)


def nice_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, at most ``most`` of them."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(most - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


# Steps between date ticks: days for short spans (a day, two, a week, a fortnight), then months from the
# first of a month (one, two, three, six, twelve), as a reader counts time.
DAY_STEPS = (1, 2, 7, 14)
MONTH_STEPS = (1, 2, 3, 6, 12)


def date_ticks(first: date, last: date, most: int = 6) -> list[date]:
    """Dates for the ticks of a time axis from ``first`` to ``last``: at most ``most``, evenly spaced."""
    days = max((last - first).days, 1)
    for step in DAY_STEPS:
        if days // step + 1 <= most:
            return [first + timedelta(days=k * step) for k in range(days // step + 1)]
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next((m for m in MONTH_STEPS if months // m + 1 <= most), 12 * math.ceil(months / 12 / (most - 1)))
    out: list[date] = []
    k = first.year * 12 + first.month  # the first of the month after ``first`` (or ``first`` itself)
    if first.day != 1:
        k += 1
    while True:
        d = date((k - 1) // 12, (k - 1) % 12 + 1, 1)
        if d > last:
            return out
        out.append(d)
        k += step


def date_labels(ticks: list[date]) -> list[str]:
    """Labels for date ticks: the year on the first and wherever it changes, so "01 Sep" never stands for two
    different years (issue 18). Month ticks (all on the 1st, a month or more apart) name the month only."""
    months = len(ticks) > 1 and all(t.day == 1 for t in ticks) and (ticks[1] - ticks[0]).days >= 28
    out = []
    for i, t in enumerate(ticks):
        label = t.strftime("%b") if months else t.strftime("%d %b")
        if i == 0 or t.year != ticks[i - 1].year:
            label += f" {t.year}"
        out.append(label)
    return out


def as_date(v: date | datetime) -> date:
    return v.date() if isinstance(v, datetime) else v
