"""A patient's own scores in plain words (issue 19): what changed, and whether it is larger than the smallest
change that matters. Pure: no Django.

"The smallest change that matters" is the minimal important change: 2 points of pain (0-10), 10 points of the
Oswestry index, 5 of the Roland-Morris, 2 of the PSFS average (Ostelo 2008; Stratford 1995 for the PSFS;
docs/clinical-sources.md §6) — or the clinic's own threshold where it set one. It is judged on the change from the
first score to the latest, as the clinician's page does (outcomes/scoring.change).
"""

from datetime import date

# What each measure is called for a patient, and its range in words.
PLAIN = {
    "nprs": ("pain rating", "0 to 10, 10 the worst"),
    "odi": ("Oswestry score (how much back pain limits daily life)", "0 to 100, 100 the most limited"),
    "rmdq": ("Roland-Morris score (daily activities back pain makes hard)", "0 to 24, 24 the most limited"),
    "psfs": ("score for the activities you chose", "0 to 10, 10 as before the problem"),
}


def _n(x) -> str:
    return f"{float(x):g}"


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def in_words(measure: str, first, first_day: date, last=None, last_day: date | None = None, change: dict | None = None,
             mic=None) -> str:  # fmt: skip
    """One or two sentences about a measure from its first score to its latest."""
    name, scale = PLAIN[measure]
    if last is None or last_day is None or change is None:
        return f"Your {name} was {_n(first)} on {_day(first_day)} ({scale}). Your next answers will show the change."
    if float(last) == float(first):
        moved = f"stayed at {_n(first)} from {_day(first_day)} to {_day(last_day)}"
    else:
        verb = "rose" if float(last) > float(first) else "fell"
        moved = f"{verb} from {_n(first)} on {_day(first_day)} to {_n(last)} on {_day(last_day)}"
    delta = float(change["change"])  # positive when better
    size = f"{_n(mic)} points" if mic is not None else "the threshold"
    if change["mic_points_met"]:
        meaning = f"better by more than the smallest change that matters ({size})"
    elif -delta >= float(mic if mic is not None else 0) and delta < 0:
        meaning = f"worse by at least the smallest change that matters ({size}): tell your clinician"
    elif delta == 0:
        meaning = "no change yet"
    else:
        meaning = f"a change smaller than the smallest one that matters ({size}), so it may be day-to-day variation"
    return f"Your {name} {moved} ({scale}): {meaning}."
