"""How long an outcome chart takes to draw (run by hand).

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python benchmarks/charts.py

Writes benchmarks/results/charts.txt. No database: a series of 12 ODI scores over 6 months.
The figure was drawn by matplotlib until December 2026; the last comparison of the two, in the
same run on this machine, is kept at the foot of the results file.
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from dryneedle.outcomes import charts, services  # noqa: E402

start = datetime(2026, 5, 1, 9, tzinfo=UTC)
s = services.Series("odi", [(start + timedelta(weeks=2 * i), 50 - 2.5 * i, "questionnaire") for i in range(12)])
visits = [start + timedelta(weeks=w) for w in range(0, 12, 2)]
span = (start, start + timedelta(weeks=26))


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out), max(out)


draw = timed(lambda: charts.measure_chart(s, visits, 10, span), 200)
svg = charts.measure_chart(s, visits, 10, span)
results = ROOT / "benchmarks" / "results" / "charts.txt"
history = results.read_text().split("\n\n", 1)[1] if results.exists() and "\n\n" in results.read_text() else ""
text = (
    f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs\n"
    f"template draw: median {draw[0]:.2f} ms, max {draw[1]:.2f} ms (200 runs); SVG {len(svg) // 1024} KiB\n"
)
results.write_text(text + ("\n" + history if history else ""))
print(text, end="")
