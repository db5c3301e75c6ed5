"""Outcome instruments scored exactly as published, and change judged by cited thresholds.

Pure functions, no Django: `dryneedle score` and `dryneedle change` run them
without settings. Every rule cites docs/clinical-sources.md §6; where the
reference records a design decision rather than a published rule, the
comment says so.

`score(instrument, answers)` validates and scores one response; bad input
(an unknown key, a wrong type, a value out of range) raises InputError naming
it. A response that is valid but incomplete is "not scorable" with a reason:
scoring never guesses a missing answer except by the cited rule (ODI's
pro-rating).
"""

import re
from dataclasses import dataclass
from fractions import Fraction

INSTRUMENTS = ("nprs", "odi", "rmdq", "startback", "psfs")
MEASURES = ("nprs", "odi", "rmdq", "psfs")  # those whose change is judged

# ODI v2.1a sections in form order, each scored 0 (first statement) to 5 (last) — §6.2.
ODI_SECTIONS = (
    "pain_intensity",
    "personal_care",
    "lifting",
    "walking",
    "sitting",
    "standing",
    "sleeping",
    "sex_life",
    "social_life",
    "travelling",
)
# Pro-rate when at least 8 of 10 sections are answered: the rule and the
# reference's proposed default. No published limit exists (§6.2: awell-score needs
# 9, qhs has none); this is a design decision, said so on the instrument page.
ODI_MAX_MISSING = 2
# Fairbank & Pynsent 2000 bands, with the reference's rule for pro-rated (non-integer)
# scores: minimal <= 20 < moderate <= 40 < severe <= 60 < crippled <= 80 < bed-bound (§6.2).
ODI_BANDS = ((20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippled"), (100, "bed_bound"))

RMDQ_ITEMS = 24  # Roland & Morris 1983: score = items ticked, 0-24 (§6.3)

# Keele STarT Back (Hill 2008; Keele scoring guide — §6.4). Items 1-8 agree/disagree;
# item 9 positive only for "very much" or "extremely".
STARTBACK_ITEM9 = ("not_at_all", "slightly", "moderately", "very_much", "extremely")
STARTBACK_ITEM9_POSITIVE = ("very_much", "extremely")
STARTBACK_PSYCHOSOCIAL = ("5", "6", "7", "8", "9")

PSFS_MAX_ACTIVITIES = 5  # up to 3, some forms 5 (Stratford 1995 — §6.5)

# Range of each measure's score, for change and for charts.
RANGES = {"nprs": (0, 10), "odi": (0, 100), "rmdq": (0, 24), "psfs": (0, 10), "startback": (0, 9)}
# Higher is worse for these; PSFS is the other way round (10 = able as before).
HIGHER_IS_WORSE = {"nprs": True, "odi": True, "rmdq": True, "psfs": False}

# Minimal important change in points (Ostelo 2008 for NPRS, ODI, RMDQ; Stratford 1995
# for PSFS: 2 points for the mean, 3 for a single activity) — §6.7.
# Points criterion per measure. NPRS, ODI, RMDQ: minimal important change (Ostelo 2008). PSFS: 2 points is the
# minimal detectable change at 90% confidence (Stratford 1995), beyond measurement error — not a minimal
# important change (safety review, docs/clinical-sources.md §14); it is labelled so wherever it is shown.
MIC_POINTS = {"nprs": 2, "odi": 10, "rmdq": 5, "psfs": 2}
PSFS_SINGLE_ACTIVITY_POINTS = 3
RELATIVE_USEFUL = 30  # "a 30% improvement was considered a useful threshold" (Ostelo 2008)
RELATIVE_SUBSTANTIAL = 50  # IMMPACT (Dworkin 2008)
# IMMPACT categories for pain, as the issue states them: <10% none, 10-<30% minimal,
# 30-<50% moderate, >=50% substantial (Dworkin 2008 — §6.1, §6.7).
IMMPACT = ((50, "substantial"), (30, "moderate"), (10, "minimal"))

SOURCES = {
    "nprs": "Numeric pain rating 0-10, LOINC 72514-3; MIC 2 points or 30% (Ostelo 2008), IMMPACT (Dworkin 2008)",
    "odi": "Oswestry Disability Index 2.1a (Fairbank & Pynsent 2000); percent = sum / (5 × answered) × 100; "
    "MIC 10 points or 30% (Ostelo 2008). Pro-rated with up to 2 sections missing: a design decision, "
    "no published limit (docs/clinical-sources.md §6.2)",
    "rmdq": "Roland-Morris Disability Questionnaire, 24 items (Roland & Morris 1983); MIC 5 points or 30% "
    "(Ostelo 2008)",
    "startback": "Keele STarT Back Screening Tool (Hill 2008): total 0-9, psychosocial items 5-9; low <= 3, "
    "high if psychosocial >= 4, else medium. Not scored with any item missing (design decision, §6.4)",
    "psfs": "Patient-Specific Functional Scale (Stratford 1995): mean of 1-5 activities 0-10; change beyond "
    "error 2 points (mean) or 3 (one activity)",
}


class InputError(ValueError):
    """Bad input, with the key it concerns (for the API) and the same said plainly (for a person at a form)."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message

    @property
    def plain(self) -> str:
        """What a clinician reads on the form (issue 18: "score: 11 is out of range 0-10" was developer's wording)."""
        m = _RANGE.fullmatch(self.message)
        if m:
            return f"{_label(self.key)} must be from {m['lo']} to {m['hi']}; {m['value']} was entered."
        return f"{_label(self.key)} {self.message.split(', not ')[0]}."


_RANGE = re.compile(r"(?P<value>\S+) is out of range (?P<lo>-?\d+)-(?P<hi>\d+)")


def _label(key: str) -> str:
    """A key as a person names it: "activities[0].score" is "Activity 1's score", "sections.lifting" is "Lifting"."""
    m = re.fullmatch(r"(\w+)\[(\d+)\](?:\.(\w+))?", key)
    if m:
        item = {"activities": "Activity", "ticked": "Ticked statement"}.get(m[1], m[1].capitalize())
        return f"{item} {int(m[2]) + 1}" + (f"'s {m[3]}" if m[3] else "")
    return key.rsplit(".", 1)[-1].replace("_", " ").capitalize()


@dataclass(frozen=True)
class Result:
    instrument: str
    scorable: bool
    score: float | int | None = None
    reason: str = ""
    extra: dict | None = None

    def as_dict(self) -> dict:
        out: dict = {"instrument": self.instrument, "scorable": self.scorable}
        if self.scorable:
            out["score"] = self.score
            out.update(self.extra or {})
        else:
            out["reason"] = self.reason
        return out


def _int(value, key: str, lo: int, hi: int) -> int:
    # bool is an int in Python; a tick box answer of `true` is not a score.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(key, f"must be a whole number from {lo} to {hi}, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise InputError(key, f"{value} is out of range {lo}-{hi}")
    return value


def _keys(obj, allowed: tuple[str, ...], where: str) -> dict:
    if not isinstance(obj, dict):
        raise InputError(where, "must be a JSON object")
    unknown = [k for k in obj if k not in allowed]
    if unknown:
        raise InputError(f"{where}.{unknown[0]}" if where else unknown[0], "unknown key")
    return obj


def score_nprs(answers: dict) -> Result:
    _keys(answers, ("score",), "")
    value = answers.get("score")
    if value is None:
        return Result("nprs", False, reason="no rating given")  # single item: missing is not scored (§6.1)
    return Result("nprs", True, _int(value, "score", 0, 10))


def odi_band(percent: float) -> str:
    for upper, name in ODI_BANDS[:-1]:
        if percent <= upper:
            return name
    return ODI_BANDS[-1][1]  # over 80%: bed-bound


def score_odi(answers: dict) -> Result:
    _keys(answers, ("sections",), "")
    sections = _keys(answers.get("sections", {}), ODI_SECTIONS, "sections")
    values = {}
    for name in ODI_SECTIONS:
        v = sections.get(name)
        if v is not None:
            values[name] = _int(v, f"sections.{name}", 0, 5)
    missing = len(ODI_SECTIONS) - len(values)
    if missing > ODI_MAX_MISSING:
        return Result("odi", False, reason=f"{missing} sections unanswered; at most {ODI_MAX_MISSING} may be missing")
    raw = sum(values.values())
    # "For every question not answered, the denominator is reduced by 5" (§6.2). Unrounded.
    # Multiply first: raw / 50 * 100 gives 28.000000000000004 for 14 points, which then misses a 30% threshold.
    percent = raw * 100 / (5 * len(values))
    return Result("odi", True, percent, extra={"raw": raw, "answered": len(values), "band": odi_band(percent)})


def score_rmdq(answers: dict) -> Result:
    _keys(answers, ("ticked",), "")
    ticked = answers.get("ticked")
    if ticked is None:
        return Result("rmdq", False, reason="no answer: give the list of ticked items (empty when none apply)")
    if not isinstance(ticked, list):
        raise InputError("ticked", "must be a list of item numbers")
    seen = set()
    for i, item in enumerate(ticked):
        n = _int(item, f"ticked[{i}]", 1, RMDQ_ITEMS)
        if n in seen:
            raise InputError(f"ticked[{i}]", f"item {n} is ticked twice")
        seen.add(n)
    return Result("rmdq", True, len(seen))


def score_startback(answers: dict) -> Result:
    _keys(answers, ("items",), "")
    items = _keys(answers.get("items", {}), tuple(str(i) for i in range(1, 10)), "items")
    points = {}
    for i in range(1, 9):
        v = items.get(str(i))
        if v is None:
            continue
        if not isinstance(v, bool):
            raise InputError(f"items.{i}", "must be true (agree) or false (disagree)")
        points[str(i)] = int(v)
    v9 = items.get("9")
    if v9 is not None:
        if v9 not in STARTBACK_ITEM9:
            raise InputError("items.9", f"must be one of {', '.join(STARTBACK_ITEM9)}")
        points["9"] = int(v9 in STARTBACK_ITEM9_POSITIVE)
    missing = [str(i) for i in range(1, 10) if str(i) not in points]
    if missing:
        return Result("startback", False, reason=f"item{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing")
    total = sum(points.values())
    psychosocial = sum(points[k] for k in STARTBACK_PSYCHOSOCIAL)
    if total <= 3:
        risk = "low"
    elif psychosocial >= 4:
        risk = "high"
    else:
        risk = "medium"
    return Result("startback", True, total, extra={"psychosocial": psychosocial, "risk": risk})


def score_psfs(answers: dict) -> Result:
    _keys(answers, ("activities",), "")
    acts = answers.get("activities")
    if acts is None or acts == []:
        return Result("psfs", False, reason="no activities named")
    if not isinstance(acts, list):
        raise InputError("activities", "must be a list of {name, score}")
    if len(acts) > PSFS_MAX_ACTIVITIES:
        raise InputError("activities", f"{len(acts)} activities; at most {PSFS_MAX_ACTIVITIES}")
    scores = []
    for i, a in enumerate(acts):
        _keys(a, ("name", "score"), f"activities[{i}]")
        name = a.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200 or "\x00" in name:
            raise InputError(f"activities[{i}].name", "must name the activity (1-200 characters)")
        s = a.get("score")
        if s is None:
            return Result("psfs", False, reason=f"activity {i + 1} ({name.strip()}) not rated")
        if isinstance(s, bool) or not isinstance(s, int | float) or s != s:
            raise InputError(f"activities[{i}].score", "must be a number from 0 to 10")
        if not 0 <= s <= 10:
            raise InputError(f"activities[{i}].score", f"{s} is out of range 0-10")
        scores.append(s)
    mean = sum((Fraction(str(s)) for s in scores), Fraction(0)) / len(scores)
    value = int(mean) if mean.denominator == 1 else float(mean)
    return Result("psfs", True, value)


SCORERS = {
    "nprs": score_nprs,
    "odi": score_odi,
    "rmdq": score_rmdq,
    "startback": score_startback,
    "psfs": score_psfs,
}


def score(instrument: str, answers) -> Result:
    if instrument not in SCORERS:
        raise InputError("instrument", f"unknown instrument {str(instrument)[:40]!r}; one of {', '.join(INSTRUMENTS)}")
    if not isinstance(answers, dict):
        raise InputError("response", "must be a JSON object")
    return SCORERS[instrument](answers)


def _number(value, key: str, lo: int, hi: int) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(key, "must be a number")
    try:
        f = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(key, f"{str(value)[:40]!r} is not a number") from None
    if not lo <= f <= hi:
        raise InputError(key, f"{value} is out of range {lo}-{hi}")
    return f


def _plain(f: Fraction):
    return int(f) if f.denominator == 1 else float(f)


def change(measure: str, baseline, followup, mic: dict | None = None) -> dict:
    """Improvement from baseline to follow-up, judged by both the absolute and the relative criterion.

    `change` is positive when better (baseline - follow-up, or follow-up - baseline for PSFS);
    `percent_change` is relative to baseline, one decimal, None when baseline is 0. The
    thresholds are compared exactly (not on the rounded percent). `mic` overrides the
    cited points per measure (a clinic's own thresholds).
    """
    if measure not in MEASURES:
        raise InputError("measure", f"unknown measure {str(measure)[:40]!r}; one of {', '.join(MEASURES)}")
    lo, hi = RANGES[measure]
    b = _number(baseline, "baseline", lo, hi)
    f = _number(followup, "followup", lo, hi)
    delta = (b - f) if HIGHER_IS_WORSE[measure] else (f - b)
    points = Fraction(str((mic or {}).get(measure, MIC_POINTS[measure])))
    relative = None if b == 0 else delta * 100 / b
    out = {
        "measure": measure,
        "change": _plain(delta),
        "percent_change": None if relative is None else round(float(relative), 1),
        "mic_points_met": delta >= points,
        "pct30_met": relative is not None and relative >= RELATIVE_USEFUL,
        "pct50_met": relative is not None and relative >= RELATIVE_SUBSTANTIAL,
        "immpact": None,
    }
    if measure == "nprs":
        out["immpact"] = immpact(relative)
    return out


def immpact(relative: Fraction | None) -> str:
    """IMMPACT category of a relative pain reduction; none when there is no baseline pain to reduce."""
    if relative is not None:
        for lower, name in IMMPACT:
            if relative >= lower:
                return name
    return "none"
