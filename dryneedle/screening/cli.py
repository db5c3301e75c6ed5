"""`dryneedle screen`: JSON in on standard input, the decision as JSON out.

Runs without settings or a database (rules.py is pure), so it works on any
machine where dryneedle is installed.
"""

import json
import sys
from typing import TextIO

from dryneedle.screening import rules

USAGE = """usage: dryneedle screen [--list-codes]

Reads one JSON object, or a JSON array of them, on standard input and prints
the screening decision(s) as JSON. Exit status 0 when every item was valid,
2 when any was not (a message naming the key goes to standard error and
nothing is printed for that item).

Input keys: age (int, required), consent ("given"|"refused"|"unable", required),
findings (list of codes, required), sex, pregnancy_weeks (int or null; a
pregnancy of unknown weeks is the finding pregnant_gestation_unknown),
medications (list of names: antithrombotics by generic or brand name; others
are reported as not recognised), planned_regions (list), electrical_stimulation
(bool), region_findings ({region: ["lymphoedema"|"local_infection"|
"lymph_node_clearance"]}; a limb is excluded whole), medical_clearance (list of
{"suspected", "by", "date", "findings"}; true clears nothing), asked
({"red_flags"|"contraindications"|"pregnancy": bool}; a group not asked makes
the decision "incomplete"). --list-codes prints every code with its meaning and source.
"""


def run(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    if argv in (["--help"], ["-h"]):
        stdout.write(USAGE)
        return 0
    if argv == ["--list-codes"]:
        for item in rules.catalogue():
            stdout.write(f"{item['code']}\t{item['group']}\t{item['meaning']}\t{item['source']}\n")
        return 0
    if argv:
        stderr.write(f"dryneedle screen: unknown argument {argv[0]!r}\n{USAGE}")
        return 2
    try:
        data = json.load(stdin)
    except json.JSONDecodeError as e:
        stderr.write(f"dryneedle screen: input is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})\n")
        return 2
    items = data if isinstance(data, list) else [data]
    results, status = [], 0
    for i, item in enumerate(items):
        try:
            results.append(rules.screen(item))
        except rules.InputError as e:
            where = f"item {i}: " if isinstance(data, list) else ""
            stderr.write(f"dryneedle screen: {where}{e.key}: {str(e).split(': ', 1)[1]}\n")
            status = 2
    if isinstance(data, list):
        json.dump(results, stdout, ensure_ascii=False)
        stdout.write("\n")
    elif results:
        json.dump(results[0], stdout, ensure_ascii=False)
        stdout.write("\n")
    return status


def main() -> None:
    try:
        status = run(sys.argv[2:], sys.stdin, sys.stdout, sys.stderr)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head
        status = 0
    sys.exit(status)
