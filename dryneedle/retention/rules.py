"""When a record's retention period ends (pure; docs/retention.md).

The clinic sets every number (retention.models.RetentionPeriod); none is built in. A record whose period the
clinic has not set is never due.
"""

import datetime
from dataclasses import dataclass

# A child's record: the sources we hold count a child's period from the 18th birthday (College of Physiotherapists
# of Alberta) or to the 25th (NHS England's Code), so "a child" is under 18 at the last contact, the age of majority
# in England, Alberta and Colorado alike (docs/clinical-sources.md §15).
MAJORITY = 18


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class Ends:
    on: datetime.date | None  # None: not set, so never due
    why: str  # the reason in words, for the page and an erasure request


def record_ends(last_contact: datetime.date, birth: datetime.date, years: int | None, minor_until: int | None) -> Ends:
    """The day a person's record may be anonymised: ``years`` after the last contact, and for someone under 18 then,
    not before their ``minor_until`` birthday."""
    if years is None:
        return Ends(None, "the clinic has not set how long a patient's record is kept")
    on = add_years(last_contact, years)
    why = f"{years} years after the last contact ({last_contact.day} {last_contact:%b %Y})"
    if age_on(birth, last_contact) < MAJORITY:
        if minor_until is None:
            return Ends(
                None, "a child at the last contact, and the clinic has not set how long a child's record is kept"
            )
        child = add_years(birth, minor_until)
        if child > on:
            on, why = child, f"until the {ordinal(minor_until)} birthday (a child at the last contact)"
    return Ends(on, why)


def enquiry_ends(sent: datetime.date, years: int | None) -> datetime.date | None:
    return None if years is None else add_years(sent, years)
