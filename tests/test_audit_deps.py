"""RT-23: the dependency audit fails on an unwaived vulnerability and on an expired waiver."""

import datetime

import pytest

from security.audit_deps import findings, load_waivers

TODAY = datetime.date(2026, 12, 1)
REPORT = {
    "dependencies": [
        {
            "name": "django",
            "version": "5.2.19",
            "vulns": [{"id": "PYSEC-1", "aliases": ["CVE-2026-1"], "fix_versions": ["5.2.20"]}],
        },
        {"name": "sqlparse", "version": "0.6.1", "vulns": []},
        {"name": "gone", "skip_reason": "not found"},
    ]
}


def waiver_file(tmp_path, body):
    p = tmp_path / "waivers.toml"
    p.write_text(body)
    return p


def test_an_unwaived_vulnerability_fails_and_names_the_fix():
    bad, waived, audited = findings(REPORT, {})
    assert bad == ["django 5.2.19: PYSEC-1 (fixed in 5.2.20)"] and waived == [] and audited == 2


def test_a_waiver_by_alias_with_reason_and_future_expiry_passes(tmp_path):
    p = waiver_file(
        tmp_path, '[[waiver]]\nid = "CVE-2026-1"\npackage = "django"\nreason = "unused"\nexpires = 2027-01-31\n'
    )
    bad, waived, _ = findings(REPORT, load_waivers(p, TODAY))
    assert bad == [] and waived == ["django 5.2.19: PYSEC-1 (fixed in 5.2.20)"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[waiver]]\nid = "X"\npackage = "d"\nreason = "r"\nexpires = 2026-11-30\n', "expired on 2026-11-30"),
        ('[[waiver]]\nid = "X"\npackage = "d"\nexpires = 2027-01-01\n', "missing reason"),
        ('[[waiver]]\nid = "X"\npackage = "d"\nreason = "r"\nexpires = "soon"\n', "must be a date"),
    ],
)
def test_a_bad_or_expired_waiver_is_refused(tmp_path, body, message):
    with pytest.raises(ValueError, match=message):
        load_waivers(waiver_file(tmp_path, body), TODAY)


def test_the_shipped_waiver_file_is_valid():
    from pathlib import Path

    load_waivers(Path(__file__).resolve().parent.parent / "security" / "waivers.toml", datetime.date.today())
