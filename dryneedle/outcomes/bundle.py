"""Questionnaires a patient fills in from a link, one question per screen.

What each time point asks, and when, is in outcomes/schedule.py.
"""

from dataclasses import dataclass

from dryneedle.outcomes import instruments, scoring


@dataclass(frozen=True)
class Screen:
    instrument: str
    key: str  # the section, item or "score"
    title: str
    question: str
    options: tuple[tuple[str, str], ...]  # (value, label); empty for the PSFS screen
    optional: bool = False


def screens(bundle: list[str], pack: dict | None = None, translation: dict | None = None) -> list[Screen]:
    """The screens of ``bundle``, worded from the English ``pack``; an instrument the ``translation`` (a licensed
    text pack in the patient's language, outcomes/packs.py) words in full is shown in that language instead."""
    done = translated(bundle, translation)
    english = _screens([i for i in bundle if instruments.patient_wording(i, pack) or i in done], pack)
    words = (translation or {}).get("screens", {})
    return [_worded(s, words[f"{s.instrument}:{s.key}"]) if s.instrument in done else s for s in english]


def _worded(s: Screen, w: dict) -> Screen:
    options = tuple((value, w["options"][value]) for value, _label in s.options)
    return Screen(s.instrument, s.key, w["title"], w["question"], options, s.optional)


def keys(instrument: str) -> dict[str, tuple[str, ...]]:
    """Each screen of ``instrument`` (its key) with the values of its answers: what a translation must word."""
    return {s.key: tuple(v for v, _ in s.options) for s in _screens([instrument], None)}


def translated(bundle: list[str], translation: dict | None) -> set[str]:
    """The instruments of ``bundle`` that ``translation`` words in full (every screen, title, question, answers)."""
    words = (translation or {}).get("screens", {})
    out = set()
    for inst in bundle:
        needed = keys(inst)
        ok = bool(needed) and all(
            isinstance(w := words.get(f"{inst}:{k}"), dict) and w.get("title") and w.get("question")
            and set(w.get("options") or {}) >= set(values)
            for k, values in needed.items()
        )  # fmt: skip
        if ok:
            out.add(inst)
    return out


def _screens(bundle: list[str], pack: dict | None) -> list[Screen]:
    out: list[Screen] = []
    # Never placeholders on a patient's screen (instruments.patient_wording), even on a link issued before: the
    # caller keeps only what has real wording (a translation replaces the placeholder text).
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


def complete(bundle: list[str], progress: dict, pack=None, translation=None) -> bool:
    return all(s.optional or f"{s.instrument}:{s.key}" in progress for s in screens(bundle, pack, translation))
