"""Charts of each measure over time: matplotlib SVG, the same figure for pages and PDFs.

The SVG is inlined in pages, where the Content-Security-Policy forbids inline
styles, so matplotlib's style attributes are rewritten as SVG presentation
attributes (which CSP does not touch) and its <style> element is dropped.
"""

import io
import re
from datetime import timedelta

import matplotlib

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
    return presentational(buf.getvalue(), title=f"{NAMES[s.measure]} over time")


_STYLE_ATTR = re.compile(r'style="([^"]*)"')
_FONT = re.compile(r"(?:(italic|oblique|bold|normal)\s+)*([\d.]+)px\s+(.+)")


def _attrs(style: str) -> str:
    out = []
    for decl in style.split(";"):
        if ":" not in decl:
            continue
        prop, value = (x.strip() for x in decl.split(":", 1))
        if prop == "font":
            m = _FONT.match(value)
            if m:
                out += [f'font-size="{m.group(2)}"', f'font-family="{m.group(3).replace(chr(34), "")}"']
            continue
        out.append(f'{prop}="{value.replace(chr(34), chr(39))}"')
    return " ".join(out)


def presentational(svg: str, title: str) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = _STYLE_ATTR.sub(lambda m: _attrs(m.group(1)), svg)
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1class="chart" role="img"', svg, count=1)
    return svg.replace(">", f"><title>{title}</title>", 1)
