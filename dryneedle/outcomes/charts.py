"""Charts of each measure over time: an SVG drawn by a template, the same figure for pages and PDFs.

A chart is its own resource (outcomes:chart), shown with <img>, addressed with a
digest of exactly what it draws (new scores, visits or thresholds give a new
address, so nothing stale is ever shown and a browser may keep it).
"""

import hashlib
import math
from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils import timezone

from dryneedle.lib import svgplot
from dryneedle.outcomes import scoring
from dryneedle.outcomes.models import NAMES

LABELS = {"nprs": "Pain 0-10", "odi": "ODI %", "rmdq": "RMDQ 0-24", "psfs": "PSFS 0-10"}


def chart_key(s, visits=(), mic_points=None, span=None) -> str:
    """A digest of everything the figure shows; the same data, the same key."""
    drawn = (s.measure, [(p[0].isoformat(), p[1]) for p in s.points], [v.isoformat() for v in visits],
             str(mic_points), [t.isoformat() for t in span] if span else None)  # fmt: skip
    return hashlib.sha256(repr(drawn).encode()).hexdigest()[:32]


# The figure is drawn by a template (outcomes/chart.svg) from coordinates computed here: 50 times
# faster than matplotlib drew the same figure (benchmarks/results/charts.txt) and a third of the size.
W, H = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 626, 44, 226


def _day(t) -> float:
    """A time as days on the clinic's calendar (the active zone), for the x axis."""
    if isinstance(t, datetime):
        t = timezone.localtime(t) if timezone.is_aware(t) else t
        return t.toordinal() + (t.hour * 3600 + t.minute * 60 + t.second) / 86400
    return float(t.toordinal())


def _num(v: float) -> str:
    return f"{v:g}"


def measure_chart(s, visits=(), mic_points=None, span=None) -> str:
    lo, hi = scoring.RANGES[s.measure]
    pad_y = (hi - lo) * 0.03
    y = svgplot.Scale(lo - pad_y, hi + pad_y, BOTTOM, TOP)
    xs = [_day(p[0]) for p in s.points] + [_day(v) for v in visits]
    first, last = (_day(span[0]), _day(span[1])) if span else (min(xs, default=0), max(xs, default=1))
    pad = max((last - first) * 0.04, 2)
    x = svgplot.Scale(first - pad, last + pad, LEFT, RIGHT)
    values = [p[1] for p in s.points]
    band = None
    mic = float(mic_points if mic_points is not None else scoring.MIC_POINTS[s.measure])
    if values:
        top, bottom = y(min(hi, values[0] + mic)), y(max(lo, values[0] - mic))
        band = {"top": top, "height": round(bottom - top, 1)}
    ticks = svgplot.date_ticks(date.fromordinal(math.ceil(first - pad)), date.fromordinal(math.floor(last + pad)))
    xticks = []
    for t, label in zip(ticks, svgplot.date_labels(ticks), strict=True):
        px = x(float(t.toordinal()))
        # Labels at the edges lean inwards so they are never cut off or overlap the next one.
        anchor = "start" if px - LEFT < 20 else "end" if RIGHT - px < 20 else "middle"
        xticks.append({"x": px, "label": label, "anchor": anchor})
    better = "lower is better" if scoring.HIGHER_IS_WORSE[s.measure] else "higher is better"
    points = [
        {"x": x(_day(p[0])), "y": y(p[1]), "label": f"{timezone.localtime(p[0]):%d %b %Y}: {_num(p[1])} ({p[2]})"}
        for p in s.points
    ]
    legend, lx = [], LEFT
    for kind, text in (("band", f"within ±{_num(mic)} of baseline (MIC)"), ("baseline", "baseline"),
                       ("line", NAMES[s.measure])):  # fmt: skip
        if kind == "band" and band is None:
            continue
        legend.append({"kind": kind, "x": lx, "x2": lx + 14, "text_x": lx + 18, "text": text})
        lx += 18 + 6 * len(text) + 16  # about 6 px a character at 10 px
    c = {
        "width": W, "height": H, "left": LEFT, "right": RIGHT, "top": TOP, "bottom": BOTTOM,
        "plot_width": RIGHT - LEFT, "middle": (TOP + BOTTOM) // 2, "ylabel_x": LEFT - 6,
        "tick_end": BOTTOM + 4, "xlabel_y": BOTTOM + 16, "legend_y": 34, "legend_mid": 30,
        "title": f"{NAMES[s.measure]} ({better}; grey lines: visits)",
        "desc": "; ".join(str(p["label"]) for p in points) or "No scores yet.",
        "ylabel": LABELS[s.measure], "name": NAMES[s.measure], "mic": _num(mic), "band": band,
        "baseline": y(values[0]) if values else None,
        "yticks": [{"y": y(v), "label": _num(v)} for v in svgplot.nice_ticks(lo, hi, 6)],
        "visits": [x(_day(v)) for v in visits], "xticks": xticks, "points": points,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points), "legend": legend,
    }  # fmt: skip
    return render_to_string("outcomes/chart.svg", {"c": c})
