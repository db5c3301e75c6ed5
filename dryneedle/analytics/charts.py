"""The funnel plot's coordinates (its template draws it: analytics/_funnel.svg)."""

from dryneedle.analytics.report import Funnel
from dryneedle.lib import stats, svgplot

W, H = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 610, 20, 260


def funnel_figure(f: Funnel) -> dict | None:
    """What the template draws: the limits as lines, each practitioner as a labelled point; None without data."""
    if f.overall is None or not f.points:
        return None
    top_n = max(n for n, *_ in f.limits)
    x = svgplot.Scale(0, top_n, LEFT, RIGHT)
    y = svgplot.Scale(0, 1, BOTTOM, TOP)

    def line(i: int) -> str:
        return " ".join(f"{x(n)},{y(row[i])}" for n, *row in [(lim[0], *lim[1:]) for lim in f.limits])

    points = []
    last_label_y = None
    for name, n, rate in sorted(f.points, key=lambda p: (p[1], p[2])):
        lo95, hi95 = stats.funnel_limits(f.overall, n, stats.Z95)
        where = (
            "above the 95% limits" if rate > hi95 else "below the 95% limits" if rate < lo95 else "within the limits"
        )
        # Names of points close together are moved apart vertically so that they do not overlap.
        label_y = y(rate) + 4
        if last_label_y is not None and abs(label_y - last_label_y) < 14:
            label_y = last_label_y - 14 if label_y <= last_label_y else last_label_y + 14
        last_label_y = label_y
        points.append({"x": x(n), "y": y(rate), "name": name, "n": n, "rate": rate, "where": where,
                       "label_x": x(n) + 7, "label_y": label_y})  # fmt: skip
    return {
        "width": W, "height": H, "left": LEFT, "right": RIGHT, "top": TOP, "bottom": BOTTOM,
        "overall_y": y(f.overall), "overall": f.overall,
        "lo998": line(0), "lo95": line(1), "hi95": line(2), "hi998": line(3),
        "yticks": [{"y": y(v), "label": f"{v * 100:.0f}%"} for v in svgplot.nice_ticks(0, 1, 6)],
        "xticks": [{"x": x(v), "label": f"{v:g}"} for v in svgplot.nice_ticks(0, top_n, 6)],
        "points": points, "xlabel_y": BOTTOM + 30, "tick_label_y": BOTTOM + 16, "middle": (TOP + BOTTOM) // 2,
    }  # fmt: skip
