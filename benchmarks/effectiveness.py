"""How long the effectiveness report and the questionnaires worklist take on a clinic group's data, against the
same questions written by hand in SQL (run by hand; issue 17's targets: under 500 ms, within 1.5x of the SQL).

    # a database seeded with 50,000 patients in 10 clinics (about 15 minutes):
    DATA_DIR=/tmp/bench50k SECRET_KEY=... .venv/bin/dryneedle migrate
    DATA_DIR=/tmp/bench50k SECRET_KEY=... .venv/bin/dryneedle seed --patients 50000 --clinics 10
    DATA_DIR=/tmp/bench50k SECRET_KEY=... .venv/bin/python benchmarks/effectiveness.py
    (DATABASE_URL=... for PostgreSQL.)

Appends to benchmarks/results/effectiveness.txt. Times are medians of several runs on the largest clinic, warm.
"""

import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dryneedle.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dryneedle.accounts.middleware import clinic_today  # noqa: E402
from dryneedle.accounts.models import Clinic  # noqa: E402
from dryneedle.analytics import report  # noqa: E402
from dryneedle.outcomes import followups  # noqa: E402
from dryneedle.patients.models import Episode  # noqa: E402


def timed(fn, n=7):
    fn()  # warm
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


def days(a: str, b: str) -> str:
    """a - b in days, by hand, in each database's own arithmetic."""
    if connection.vendor == "sqlite":
        return f"CAST(ROUND(julianday({a}) - julianday({b})) AS INTEGER)"
    return f"({a} - {b})"


# The report's core question written by hand: treated, followed up and responders (both criteria) by condition
# and overall, pain at discharge. The same definitions and the same result as analytics/cohort.py.
REPORT_SQL = f"""
WITH c AS MATERIALIZED (
  SELECT e.id, e.condition,
    (SELECT r.score FROM outcomes_response r WHERE r.episode_id = e.id AND r.instrument = 'nprs' AND r.scorable
       AND NOT r.entered_in_error AND {days("r.collected_on", "e.start_date")} BETWEEN -14 AND 14
     ORDER BY r.collected, r.id LIMIT 1) AS baseline,
    (SELECT r.score FROM outcomes_response r WHERE r.episode_id = e.id AND r.instrument = 'nprs' AND r.scorable
       AND NOT r.entered_in_error AND {days("r.collected_on", "e.discharge_date")} BETWEEN -7 AND 7
       AND {days("r.collected_on", "e.start_date")} > 14
     ORDER BY r.collected, r.id LIMIT 1) AS followup
  FROM patients_episode e JOIN patients_patient p ON p.id = e.patient_id
  WHERE e.clinic_id = %s AND e.start_date >= %s AND e.start_date <= %s
    AND e.status <> 'entered_in_error' AND p.status <> 'entered_in_error'
    AND EXISTS (SELECT 1 FROM visits_visit v WHERE v.episode_id = e.id AND v.status = 'signed'
                AND EXISTS (SELECT 1 FROM visits_insertion i WHERE i.visit_id = v.id))
)
SELECT condition, COUNT(*), COUNT(followup),
  SUM(CASE WHEN followup IS NOT NULL AND baseline - followup >= 2 - 1e-9 THEN 1 ELSE 0 END),
  SUM(CASE WHEN followup IS NOT NULL AND baseline > 0 AND (baseline - followup) * 100 - baseline * 30 >= -1e-9
      THEN 1 ELSE 0 END)
FROM c WHERE baseline IS NOT NULL GROUP BY condition
UNION ALL
SELECT NULL, COUNT(*), COUNT(followup),
  SUM(CASE WHEN followup IS NOT NULL AND baseline - followup >= 2 - 1e-9 THEN 1 ELSE 0 END),
  SUM(CASE WHEN followup IS NOT NULL AND baseline > 0 AND (baseline - followup) * 100 - baseline * 30 >= -1e-9
      THEN 1 ELSE 0 END)
FROM c WHERE baseline IS NOT NULL
"""  # noqa: S608 - a fixed benchmark query, values are parameters


def hand_report(clinic, since, until):
    with connection.cursor() as cur:
        cur.execute(REPORT_SQL, [clinic.pk, since, until])
        return cur.fetchall()


def main():
    clinic = Clinic.objects.annotate(n=Count("episode")).order_by("-n").first()
    if clinic is None:
        sys.exit("No data: seed the database first (see the docstring).")
    today = clinic_today(clinic)
    since, until = report.default_period(today)
    episodes = Episode.objects.filter(clinic=clinic).count()
    overall, by_condition, *_ = report.counted([clinic], since, until, "nprs", "discharge", "condition",
                                               extras=False)  # fmt: skip
    hand = {row[0]: row[1:] for row in hand_report(clinic, since, until) if row[0] is not None}
    ours = {g.key["condition"]: (g.treated, g.followed_up, g.responders_mic, g.responders_pct30) for g in by_condition}
    assert {k: tuple(int(x or 0) for x in v) for k, v in hand.items()} == ours, (hand, ours)
    core = timed(lambda: report.counted([clinic], since, until, "nprs", "discharge", "condition", extras=False))
    sql = timed(lambda: hand_report(clinic, since, until))
    full = timed(lambda: report.build([clinic], "nprs", "discharge", since, until, "practitioner"), n=3)
    work = timed(lambda: followups.worklist(Episode.objects.filter(clinic=clinic), clinic, today), n=5)
    # The worklist's own statements, run straight on the database: what Django adds on top of its SQL.
    with CaptureQueriesContext(connection) as q:
        followups.worklist(Episode.objects.filter(clinic=clinic), clinic, today)
    statements = [x["sql"] for x in q.captured_queries]

    def raw():
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
                cur.fetchall()

    work_sql = timed(raw, n=5)
    lines = [
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {connection.vendor}, {os.cpu_count()} CPUs: the largest clinic, "
        f"{episodes} episodes, {overall.treated} treated in {since}..{until}",
        f"  report core (by condition, one statement): {core:.0f} ms; the same by hand in SQL: {sql:.0f} ms "
        f"({core / sql:.2f}x)",
        f"  full report page data (practitioner grouping, long term, sessions, recurrence, ...): {full:.0f} ms",
        f"  questionnaires worklist (open now + a year's completion, 7 time points): {work:.0f} ms; its "
        f"{len(statements)} statements run straight: {work_sql:.0f} ms ({work / work_sql:.2f}x)",
    ]
    text = "\n".join(lines) + "\n"
    with (ROOT / "benchmarks" / "results" / "effectiveness.txt").open("a") as f:
        f.write(text)
    print(text, end="")
    print(json.dumps({"lines": lines, "report_core_ms": core, "report_sql_ms": sql, "report_full_ms": full,
                      "worklist_ms": work, "worklist_sql_ms": work_sql}))  # fmt: skip


if __name__ == "__main__":
    main()
