"""How long an outcome chart takes: drawn by matplotlib, and served from the cache (run by hand).

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python benchmarks/charts.py

Writes benchmarks/results/charts.txt. No database: a series of 12 ODI scores over 6 months.
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


draw = timed(lambda: charts.measure_chart(s, visits, 10, span), 20)
charts.cached_chart(s, visits, 10, span)
hit = timed(lambda: charts.cached_chart(s, visits, 10, span), 200)
text = (
    f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs\n"
    f"matplotlib draw: median {draw[0]:.1f} ms, max {draw[1]:.1f} ms (20 runs)\n"
    f"cache hit:       median {hit[0]:.3f} ms, max {hit[1]:.3f} ms (200 runs)\n"
    f"SVG size: {len(charts.measure_chart(s, visits, 10, span)) // 1024} KiB\n"
)
(ROOT / "benchmarks" / "results" / "charts.txt").write_text(text)
print(text, end="")
