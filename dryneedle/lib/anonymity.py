"""What anonymising a person's records removes: each model declares it, this module applies it (pure).

A model holding a person's data declares ``identifying``, a dict of field name -> rule:

* ``CLEAR``: the field's empty value ("" for text, {} or [] for JSON, b"" for bytes, None where null); a text the
  database wants non-empty (a required reason, a message's body) reads MARKER instead.
* ``EMPTY``: always the empty value (a patient's names: the record then says "Anonymised record").
* ``YEAR_ONLY``: a date kept as 1 January of its year (a birth date: the year stays for the statistics).
* ``keep("a", "b.c")``: a JSON value keeps only these paths (everything else, and every key added later, goes).
* ``drop("a.name")``: a JSON value loses these paths and keeps the rest (codes and scores around free text).

Paths walk dicts by key; lists are walked through, so ``"activities.name"`` reaches the name of every activity.
Every text, JSON and byte field of a model that belongs to a person is either declared here or named in the
model's ``not_identifying`` (codes, digests); ``retention/tests/test_declarations.py`` keeps it so, and
docs/retention.md explains why identity is removed and clinical codes, scores and counts are kept.
"""

import datetime
from dataclasses import dataclass
from typing import Any

CLEAR = "clear"
YEAR_ONLY = "year_only"
EMPTY = "empty"
# What a cleared text reads where the column may not be empty (a reason the database requires, a message's body).
MARKER = "(anonymised)"


@dataclass(frozen=True)
class Keep:
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Drop:
    paths: tuple[str, ...]


def keep(*paths: str) -> Keep:
    return Keep(paths)


def drop(*paths: str) -> Drop:
    return Drop(paths)


def _split(paths) -> dict[str, list[str]]:
    """{"a": [""], "b": ["c", "d"]} for ("a", "b.c", "b.d"): "" marks a path that ends here."""
    out: dict[str, list[str]] = {}
    for p in paths:
        head, _, rest = p.partition(".")
        out.setdefault(head, []).append(rest)
    return out


def kept(value: Any, paths) -> Any:
    if isinstance(value, list):
        return [kept(v, paths) for v in value]
    if not isinstance(value, dict):
        return None  # a path went deeper than the value: nothing of it is known to be a code
    out = {}
    for key, rests in _split(paths).items():
        if key not in value:
            continue
        out[key] = value[key] if "" in rests else kept(value[key], rests)
    return out


def dropped(value: Any, paths) -> Any:
    if isinstance(value, list):
        return [dropped(v, paths) for v in value]
    if not isinstance(value, dict):
        return value
    split = _split(paths)
    out = {}
    for key, v in value.items():
        rests = split.get(key)
        if rests is None:
            out[key] = v
        elif "" not in rests:
            out[key] = dropped(v, rests)
    return out


def empty_of(value: Any, *, null: bool = False, required: bool = False) -> Any:
    if null:
        return None
    if isinstance(value, str):
        return MARKER if required and value else ""
    if isinstance(value, dict):
        return {}
    if isinstance(value, list):
        return []
    if isinstance(value, bytes | bytearray | memoryview):
        return b""
    return ""


def anonymised(value: Any, rule, *, null: bool = False, required: bool = False) -> Any:
    """``value`` with ``rule`` applied (one of the rules above). ``null``: clear to None; ``required``: a text
    that had something reads MARKER (its column, or a constraint, wants it non-empty)."""
    if value is None:
        return None
    if rule == CLEAR:
        return empty_of(value, null=null, required=required)
    if rule == EMPTY:
        return empty_of(value, null=null)
    if rule == YEAR_ONLY:
        return datetime.date(value.year, 1, 1)
    if isinstance(rule, Keep):
        return kept(value, rule.paths)
    if isinstance(rule, Drop):
        return dropped(value, rule.paths)
    raise ValueError(f"unknown anonymisation rule {rule!r}")
