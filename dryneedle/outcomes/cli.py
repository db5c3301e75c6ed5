"""`dryneedle score` and `dryneedle change`: the scoring rules on the command line, JSON or CSV.

They run without settings or a database (scoring.py is pure). The contract
(keys, exit status 2 on bad input) is relied on by tests and outside checks:
see docs/cli.md.
"""

import csv
import io
import json
import sys
from typing import TextIO

from dryneedle.outcomes import scoring

SCORE_USAGE = """usage: dryneedle score [--csv] INSTRUMENT

INSTRUMENT is one of nprs, odi, rmdq, startback, psfs. Reads one JSON object or a
JSON array of them on standard input and prints the result(s) as JSON:
  nprs      {"score": 7}
  odi       {"sections": {"pain_intensity": 0-5 or null, "personal_care", "lifting", "walking",
             "sitting", "standing", "sleeping", "sex_life", "social_life", "travelling"}}
  rmdq      {"ticked": [item numbers 1-24]}
  startback {"items": {"1": true|false, ... "8": true|false,
             "9": "not_at_all"|"slightly"|"moderately"|"very_much"|"extremely"}}
  psfs      {"activities": [{"name": "...", "score": 0-10}]}
With --csv, reads a CSV (one response per row; columns in docs/cli.md) and writes it
back with the results appended. Bad input: a message naming it on standard error,
nothing on standard output, exit status 2.
"""

CHANGE_USAGE = """usage: dryneedle change MEASURE BASELINE FOLLOWUP
       dryneedle change --csv MEASURE  (CSV with baseline and followup columns on standard input)

MEASURE is one of nprs, odi, rmdq, psfs. Prints {"measure", "change", "percent_change",
"mic_points_met", "pct30_met", "pct50_met", "immpact"}; change is the improvement
(positive = better). Bad input: message on standard error, exit status 2.
"""

# CSV columns per instrument (docs/cli.md).
STARTBACK_TRUE = {"1", "true", "yes", "agree", "y"}
STARTBACK_FALSE = {"0", "false", "no", "disagree", "n"}
RESULT_COLUMNS = {
    "nprs": ("scorable", "score", "reason"),
    "odi": ("scorable", "score", "raw", "answered", "band", "reason"),
    "rmdq": ("scorable", "score", "reason"),
    "startback": ("scorable", "score", "psychosocial", "risk", "reason"),
    "psfs": ("scorable", "score", "reason"),
}
CHANGE_COLUMNS = ("change", "percent_change", "mic_points_met", "pct30_met", "pct50_met", "immpact")


class Usage(Exception):
    pass


def _csv_int(text: str, col: str) -> int | None:
    text = text.strip()
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise scoring.InputError(col, f"{text[:40]!r} is not a whole number") from None


def _csv_number(text: str, col: str) -> int | float | None:
    text = text.strip()
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise scoring.InputError(col, f"{text[:40]!r} is not a number") from None


def answers_from_row(instrument: str, row: dict[str, str]) -> dict:
    """One CSV row as the instrument's JSON answers."""
    get = lambda c: row.get(c) or ""  # noqa: E731
    if instrument == "nprs":
        return {"score": _csv_int(get("score"), "score")}
    if instrument == "odi":
        return {"sections": {s: _csv_int(get(s), s) for s in scoring.ODI_SECTIONS}}
    if instrument == "rmdq":
        parts = get("ticked").replace(";", " ").replace(",", " ").split()
        return {"ticked": [_csv_int(p, "ticked") for p in parts]}
    if instrument == "startback":
        items: dict = {}
        for i in range(1, 9):
            text = get(f"item_{i}").strip().lower()
            if text in STARTBACK_TRUE:
                items[str(i)] = True
            elif text in STARTBACK_FALSE:
                items[str(i)] = False
            elif text:
                raise scoring.InputError(f"item_{i}", f"{text[:40]!r} is not agree/disagree")
        if get("item_9").strip():
            items["9"] = get("item_9").strip().lower()
        return {"items": items}
    acts = []
    for i in range(1, scoring.PSFS_MAX_ACTIVITIES + 1):
        name, rating = get(f"activity_{i}"), get(f"score_{i}")
        if name.strip() or rating.strip():
            acts.append({"name": name, "score": _csv_number(rating, f"score_{i}")})
    return {"activities": acts}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read_csv(stdin: TextIO) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(stdin)
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _write_csv(fields: list[str], rows: list[dict], stdout: TextIO) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    stdout.write(buf.getvalue())  # all or nothing: a bad row stops before anything is written


def run_score(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    if argv in (["--help"], ["-h"]):
        stdout.write(SCORE_USAGE)
        return 0
    as_csv = "--csv" in argv
    args = [a for a in argv if a != "--csv"]
    if len(args) != 1:
        stderr.write("dryneedle score: give one INSTRUMENT\n" + SCORE_USAGE)
        return 2
    instrument = args[0]
    if instrument not in scoring.INSTRUMENTS:
        stderr.write(
            f"dryneedle score: unknown instrument {instrument[:40]!r}; one of {', '.join(scoring.INSTRUMENTS)}\n"
        )
        return 2
    if as_csv:
        fields, rows = _read_csv(stdin)
        out_rows = []
        for n, row in enumerate(rows, 2):  # line 1 is the header
            try:
                result = scoring.score(instrument, answers_from_row(instrument, row)).as_dict()
            except scoring.InputError as e:
                stderr.write(f"dryneedle score: line {n}: {e}\n")
                return 2
            out_rows.append({**row, **{k: _cell(result.get(k)) for k in RESULT_COLUMNS[instrument]}})
        extra = [c for c in RESULT_COLUMNS[instrument] if c not in fields]
        _write_csv(fields + extra, out_rows, stdout)
        return 0
    try:
        data = json.load(stdin)
    except json.JSONDecodeError as e:
        stderr.write(f"dryneedle score: input is not JSON: {e.msg} (line {e.lineno})\n")
        return 2
    many = isinstance(data, list)
    results = []
    for i, item in enumerate(data if many else [data]):
        try:
            results.append(scoring.score(instrument, item).as_dict())
        except scoring.InputError as e:
            stderr.write(f"dryneedle score: {'item ' + str(i) + ': ' if many else ''}{e}\n")
            return 2
    json.dump(results if many else results[0], stdout, ensure_ascii=False)
    stdout.write("\n")
    return 0


def run_change(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    if argv in (["--help"], ["-h"]):
        stdout.write(CHANGE_USAGE)
        return 0
    as_csv = "--csv" in argv
    args = [a for a in argv if a != "--csv"]
    if (as_csv and len(args) != 1) or (not as_csv and len(args) != 3):
        stderr.write("dryneedle change: wrong arguments\n" + CHANGE_USAGE)
        return 2
    measure = args[0]
    if measure not in scoring.MEASURES:
        stderr.write(f"dryneedle change: unknown measure {measure[:40]!r}; one of {', '.join(scoring.MEASURES)}\n")
        return 2
    if as_csv:
        fields, rows = _read_csv(stdin)
        if not {"baseline", "followup"} <= set(fields):
            stderr.write("dryneedle change: the CSV needs baseline and followup columns\n")
            return 2
        out_rows = []
        for n, row in enumerate(rows, 2):
            try:
                result = scoring.change(measure, row["baseline"], row["followup"])
            except scoring.InputError as e:
                stderr.write(f"dryneedle change: line {n}: {e}\n")
                return 2
            out_rows.append({**row, **{k: _cell(result[k]) for k in CHANGE_COLUMNS}})
        _write_csv(fields + [c for c in CHANGE_COLUMNS if c not in fields], out_rows, stdout)
        return 0
    try:
        result = scoring.change(measure, args[1], args[2])
    except scoring.InputError as e:
        stderr.write(f"dryneedle change: {e}\n")
        return 2
    json.dump(result, stdout)
    stdout.write("\n")
    return 0


def main_score() -> None:
    sys.exit(run_score(sys.argv[2:], sys.stdin, sys.stdout, sys.stderr))


def main_change() -> None:
    sys.exit(run_change(sys.argv[2:], sys.stdin, sys.stdout, sys.stderr))
