"""Charts of each measure over time: matplotlib SVG, the same figure for pages and PDFs.

A chart is its own resource (outcomes:chart), shown with <img>, so the page's
Content-Security-Policy never meets matplotlib's inline styles and the SVG is
served as matplotlib wrote it. Drawing takes tens of milliseconds, so each
figure is cached under a digest of exactly what it draws: new scores, visits or
thresholds give a new key, and nothing stale is ever shown.
"""

import hashlib
import io
from datetime import timedelta

import matplotlib
from django.core.cache import cache

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from dryneedle.outcomes import scoring
from dryneedle.outcomes.models import NAMES

plt.rcParams.update({"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "dn"})

LABELS = {"nprs": "Pain 0-10", "odi": "ODI %", "rmdq": "RMDQ 0-24", "psfs": "PSFS 0-10"}


def measure_chart(s, visits=(), mic_points=None, span=None) -> str:
    """One measure's scores over time with the baseline, the band of change smaller than the MIC and visits."""
    lo, hi = scoring.RANGES[s.measure]
    fig, ax = plt.subplots(figsize=(6.4, 2.6), dpi=100)
    try:
        dates = [p[0] for p in s.points]
        values = [p[1] for p in s.points]
        if s.points:
            base = values[0]
            mic = float(mic_points if mic_points is not None else scoring.MIC_POINTS[s.measure])
            ax.axhspan(
                max(lo, base - mic), min(hi, base + mic), color="#d9e9ec", label=f"within ±{mic:g} of baseline (MIC)"
            )
            ax.axhline(base, color="#16545b", linewidth=1, linestyle="--", label="baseline")
        for d in visits:
            ax.axvline(d, color="#b8c0cc", linewidth=0.8, zorder=0)
        ax.plot(dates, values, marker="o", color="#a61b1b", linewidth=1.6, markersize=4, label=NAMES[s.measure])
        ax.set_ylim(lo - (hi - lo) * 0.03, hi + (hi - lo) * 0.03)
        if span:  # the whole episode, so one point is not stretched over years
            first, last = span
            pad = max((last - first) * 0.04, timedelta(days=2))
            ax.set_xlim(first - pad, last + pad)
        ax.set_ylabel(LABELS[s.measure])
        better = "lower is better" if scoring.HIGHER_IS_WORSE[s.measure] else "higher is better"
        ax.set_title(f"{NAMES[s.measure]} ({better}; grey lines: visits)", fontsize=9, loc="left")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        ax.grid(axis="y", color="#eef1f5")
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        ax.legend(loc="upper right", fontsize=7, frameon=False)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
    finally:
        plt.close(fig)
    return buf.getvalue()


CACHE_SECONDS = 7 * 24 * 3600


def chart_key(s, visits=(), mic_points=None, span=None) -> str:
    """A digest of everything the figure shows; the same data, the same key."""
    drawn = (s.measure, [(p[0].isoformat(), p[1]) for p in s.points], [v.isoformat() for v in visits],
             str(mic_points), [t.isoformat() for t in span] if span else None)  # fmt: skip
    return hashlib.sha256(repr(drawn).encode()).hexdigest()[:32]


def cached_chart(s, visits=(), mic_points=None, span=None) -> str:
    key = chart_key(s, visits, mic_points, span)
    svg = cache.get(f"chart:{key}")
    if svg is None:
        svg = measure_chart(s, visits, mic_points, span)
        cache.set(f"chart:{key}", svg, CACHE_SECONDS)
    return svg
