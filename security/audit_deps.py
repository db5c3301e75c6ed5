"""Audit the locked dependency set (constraints.txt) for known vulnerabilities (RT-23).

Runs pip-audit over every pinned package and fails on any vulnerability not
waived in security/waivers.toml; a waiver needs a reason and an expiry date,
and an expired waiver fails too.

Exit codes: 0 clean (or every finding waived), 1 vulnerable, 2 a bad waiver
file, 3 the vulnerability service could not be reached (nothing was audited:
that is not a pass, and the message says so).
"""

import datetime
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every package is pinned in constraints.txt, so no resolver and no pip run is needed.
AUDIT = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "--progress-spinner", "off", "-f", "json"]


def load_waivers(path: Path, today: datetime.date) -> dict[str, dict]:
    waivers = tomllib.loads(path.read_text()).get("waiver", [])
    out = {}
    for w in waivers:
        missing = [k for k in ("id", "package", "reason", "expires") if not w.get(k)]
        if missing:
            raise ValueError(f"waiver {w.get('id', '?')}: missing {', '.join(missing)}")
        if not isinstance(w["expires"], datetime.date):
            raise ValueError(f"waiver {w['id']}: expires must be a date (2027-03-31)")
        if w["expires"] < today:
            raise ValueError(f"waiver {w['id']} for {w['package']} expired on {w['expires']}: upgrade or renew it")
        out[w["id"]] = w
    return out


def findings(report: dict, waivers: dict[str, dict]) -> tuple[list[str], list[str], int]:
    """(unwaived findings, waived findings, packages audited) from pip-audit's JSON."""
    bad, waived, audited = [], [], 0
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            continue
        audited += 1
        for v in dep.get("vulns", []):
            ids = {v["id"], *v.get("aliases", [])}
            line = f"{dep['name']} {dep['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions', [])) or '-'})"
            (waived if ids & waivers.keys() else bad).append(line)
    return bad, waived, audited


def main() -> int:
    try:
        waivers = load_waivers(ROOT / "security" / "waivers.toml", datetime.date.today())
    except (ValueError, tomllib.TOMLDecodeError) as e:
        print(f"security/waivers.toml: {e}", file=sys.stderr)
        return 2
    run = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [*AUDIT, "-r", str(ROOT / "constraints.txt")],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(run.stdout)
    except ValueError:
        print("The vulnerability service could not be reached; NOTHING WAS AUDITED.", file=sys.stderr)
        print(run.stderr[-500:], file=sys.stderr)
        return 3
    bad, waived, audited = findings(report, waivers)
    if audited == 0:
        print("The vulnerability service answered for no package; NOTHING WAS AUDITED.", file=sys.stderr)
        return 3
    for line in waived:
        print(f"waived: {line}")
    for line in bad:
        print(f"VULNERABLE: {line}", file=sys.stderr)
    print(f"{audited} packages audited, {len(bad)} vulnerable, {len(waived)} waived.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
