"""Questionnaires a patient fills in from a link, one question per screen, and when each is due.

The default schedule is the issue's (#6), built on the measures of
docs/clinical-sources.md §6: STarT Back, ODI, RMDQ and PSFS at baseline; pain at
every visit; ODI and RMDQ at 4 and 12 weeks and at discharge; pain and ODI at
3, 6 and 12 months after discharge. The windows around each due date
(a week either side, two weeks after for the baseline) are our design
decision, not a published rule.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from dryneedle.outcomes import instruments, scoring

BASELINE = ("nprs", "startback", "odi", "rmdq", "psfs")
FOLLOW_UP = ("nprs", "odi", "rmdq", "psfs")


@dataclass(frozen=True)
class Screen:
    instrument: str
    key: str  # the section, item or "score"
    title: str
    question: str
    options: tuple[tuple[str, str], ...]  # (value, label); empty for the PSFS screen
    optional: bool = False


def screens(bundle: list[str], pack: dict | None = None) -> list[Screen]:
    out: list[Screen] = []
    for inst in bundle:
        if inst == "nprs":
            out.append(
                Screen(
                    "nprs",
                    "score",
                    "Pain",
                    "How bad is your pain right now? 0 is no pain, 10 is the worst pain imaginable.",
                    tuple((str(i), str(i)) for i in range(11)),
                )
            )
        elif inst == "odi":
            for n, section in enumerate(scoring.ODI_SECTIONS, 1):
                out.append(
                    Screen(
                        "odi",
                        section,
                        f"Back pain and daily life ({n} of 10)",
                        f"{instruments.ODI_SECTION_NAMES[section]}: choose the one statement that describes you "
                        "today. You may skip a section that does not apply to you.",
                        tuple((str(i), text) for i, text in instruments.odi_statements(section, pack)),
                        optional=True,
                    )
                )
        elif inst == "rmdq":
            for n, text in instruments.rmdq_items(pack):
                out.append(
                    Screen(
                        "rmdq",
                        str(n),
                        f"Because of my back, today ({n} of {scoring.RMDQ_ITEMS})",
                        f"Does this describe you today? {text}",
                        (("yes", "Yes"), ("no", "No")),
                    )
                )
        elif inst == "startback":
            for k, text in instruments.STARTBACK_ITEMS.items():
                out.append(
                    Screen(
                        "startback",
                        k,
                        f"The last 2 weeks ({k} of 9)",
                        text,
                        (("agree", "Agree"), ("disagree", "Disagree")),
                    )
                )
            out.append(
                Screen(
                    "startback",
                    "9",
                    "The last 2 weeks (9 of 9)",
                    "Overall, how bothersome has your back pain been in the last 2 weeks?",
                    tuple(instruments.STARTBACK_ITEM9_LABELS.items()),
                )
            )
        elif inst == "psfs":
            out.append(
                Screen(
                    "psfs",
                    "activities",
                    "Activities that matter to you",
                    "Name up to 5 important activities you find hard or cannot do because of your back, and rate "
                    "each: 0 means unable to do it, 10 means able to do it as well as before.",
                    (),
                )
            )
    return out


def answers(bundle: list[str], progress: dict) -> dict[str, dict]:
    """The instruments' JSON answers (scoring.py) from the screens' saved values."""
    out: dict[str, dict] = {}
    for inst in bundle:
        if inst == "nprs":
            v = progress.get("nprs:score")
            out["nprs"] = {"score": int(v) if v is not None and v != "" else None}
        elif inst == "odi":
            out["odi"] = {
                "sections": {
                    s: int(v) if (v := progress.get(f"odi:{s}")) is not None and v not in ("", "skip") else None
                    for s in scoring.ODI_SECTIONS
                }
            }
        elif inst == "rmdq":
            out["rmdq"] = {"ticked": [n for n in range(1, 25) if progress.get(f"rmdq:{n}") == "yes"]}
        elif inst == "startback":
            items: dict = {}
            for k in range(1, 9):
                v = progress.get(f"startback:{k}")
                if v in ("agree", "disagree"):
                    items[str(k)] = v == "agree"
            if progress.get("startback:9"):
                items["9"] = progress["startback:9"]
            out["startback"] = {"items": items}
        elif inst == "psfs":
            out["psfs"] = {"activities": progress.get("psfs:activities", [])}
    return out


def complete(bundle: list[str], progress: dict, pack=None) -> bool:
    return all(s.optional or f"{s.instrument}:{s.key}" in progress for s in screens(bundle, pack))


@dataclass(frozen=True)
class Due:
    label: str
    due: date
    instruments: tuple[str, ...]
    status: str  # "done", "due", "overdue", "missed" (a later one is due), "upcoming"


def schedule(start: date, discharge: date | None) -> list[tuple[str, date, tuple[str, ...], int, int]]:
    """(label, due date, instruments, days before, days after) for an episode."""
    out: list[tuple[str, date, tuple[str, ...], int, int]] = [("Baseline", start, BASELINE[1:], 14, 14)]
    out += [(f"{w} weeks", start + timedelta(weeks=w), ("odi", "rmdq"), 7, 7) for w in (4, 12)]
    if discharge:
        out.append(("Discharge", discharge, ("odi", "rmdq"), 7, 7))
        out += [
            (f"{m} months after discharge", discharge + timedelta(days=30 * m), ("nprs", "odi"), 7, 14)
            for m in (3, 6, 12)
        ]
    return out


def due_list(start: date, discharge: date | None, collected: dict[str, list[date]], today: date) -> list[Due]:
    """Each scheduled time point and whether it was answered, is due, overdue or still to come."""
    out = []
    for label, when, insts, before, after in schedule(start, discharge):
        if discharge and label.endswith("weeks") and when > discharge:
            continue  # discharged before this follow-up: the discharge time point replaces it
        if label == "Baseline":
            # The first answer is the baseline, even when it came late.
            done = all(collected.get(i) for i in insts)
        else:
            done = all(
                any(when - timedelta(days=before) <= d <= when + timedelta(days=after) for d in collected.get(i, []))
                for i in insts
            )
        if done:
            status = "done"
        elif today > when + timedelta(days=after):
            status = "overdue"
        elif today >= when - timedelta(days=before):
            status = "due"
        else:
            status = "upcoming"
        out.append(Due(label, when, insts, status))
    # An overdue follow-up is missed once a later one is due: ask for the current one instead.
    # A missing baseline stays overdue: whatever comes first becomes the baseline.
    for k, d in enumerate(out):
        if d.status == "overdue" and d.label != "Baseline" and any(later.due <= today for later in out[k + 1 :]):
            out[k] = Due(d.label, d.due, d.instruments, "missed")
    return out
