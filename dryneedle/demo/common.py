"""Helpers every part of the demo seed shares: a seeded choice, seeded UUIDs, the batch size."""

import random
import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta

BATCH = 2000
# The clinic day the demo's people keep (demo/care.py gives the same hours to every practitioner).
FIRST_SLOT, LAST_SLOT, LUNCH = time(9, 0), time(16, 30), (time(12, 30), time(13, 30))


def weekday(d: date) -> date:
    """``d``, or the Monday after it when it falls on a weekend: the demo's clinics are open Monday to Friday."""
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def local_slot(key: int, day: date, tz: str) -> datetime:
    """A half-hour start within the working day (not over lunch), in the clinic's own time zone, chosen by ``key``
    (a row's own number) so that it costs the seeded generator nothing."""
    starts = []
    t = datetime.combine(day, FIRST_SLOT)
    while t.time() <= LAST_SLOT:
        if not (LUNCH[0] <= t.time() < LUNCH[1]):
            starts.append(t.time())
        t += timedelta(minutes=30)
    return datetime.combine(day, starts[key % len(starts)], zoneinfo.ZoneInfo(tz))


def pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def seeded_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from the seeded generator: the same seed, the same codes."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)
