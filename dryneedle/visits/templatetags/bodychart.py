"""{% bodychart %}: the body chart as inline SVG, for pain drawings, needle sites and muscle maps."""

import math

from django import template
from django.utils.translation import pgettext_lazy

from dryneedle.visits import bodymap, names

register = template.Library()

# The views' names carry a context: "Back" alone is the button that goes back, a different word in most languages.
VIEWS = (
    ("posterior", pgettext_lazy("body chart view", "Back"), 0),
    ("anterior", pgettext_lazy("body chart view", "Front"), 210),
)

# The chart's colours as SVG attributes as well as in the stylesheet (web/static/css/dryneedle.css, same values):
# WeasyPrint does not apply the page's CSS to inline SVG, so the handout PDF drew every region black and the needle
# sites could not be seen on paper (issue 18). In a browser the stylesheet wins over the attributes.
INTENSITY = ("#eef1f5", "#fff3c4", "#ffe49a", "#ffd073", "#ffb85c", "#ff9b4a", "#f77b3c", "#e85a32", "#d13b2b",
             "#b32222", "#8c1414")  # fmt: skip


def _paint(mark, site: bool, referral: bool) -> dict:
    """Fill and stroke of one region, in the stylesheet's order of precedence (referral, site, intensity)."""
    fill, stroke, width, dash = "#eef1f5", "#8a94a6", ".8", ""
    if mark:
        stroke, dash = "#7a1d1d", "3 2"
        fill = INTENSITY[max(0, min(10, int(mark.get("intensity") or 0)))]
    if site:
        fill, stroke, width, dash = "#9fd3d8", "#16545b", "1.6", dash
    if referral:
        fill, stroke, width, dash = "#e4d3f3", "#7b4fa6", "1.4", "4 2"
    return {"fill": fill, "stroke": stroke, "width": width, "dash": dash}


@register.inclusion_tag("visits/_bodychart.html")
def bodychart(
    marks=None,
    needles=(),
    trigger_points=(),
    site=None,
    referral=(),
    sites=(),
    mode="view",
    chart_id="chart",
    title="Body chart",
    for_patient=False,
):
    """Render the chart.

    marks: a pain drawing (list of {"region", "intensity", "quality"}); needles and
    trigger_points: objects with ``muscle`` and ``side``; site/referral: region codes
    to fill and hatch (the muscle catalogue); mode "pain" or "site" makes regions
    pressable (visits/static/visits/bodychart.js), "view" draws only. for_patient: the markers name the muscle and
    side only (no depth), and every word is in the active language (the patient's on their handout).
    """
    by_region = {m["region"]: m for m in (marks or [])}
    referral = set(referral)
    views = []
    for view, label, dx in VIEWS:
        regions = []
        for r in bodymap.REGIONS:
            if r.view != view:
                continue
            mark = by_region.get(r.code)
            is_site, is_referral = r.code == site or r.code in sites, r.code in referral
            regions.append(
                {
                    "r": r,
                    "place": names.place(r),
                    "mark": mark,
                    "site": is_site,
                    "referral": is_referral,
                    "paint": _paint(mark, is_site, is_referral),
                }
            )
        # within the view's own box: the patient's left is on the viewer's left only from behind
        left_x, right_x = (20, 180) if view == "posterior" else (180, 20)
        views.append({"view": view, "label": str(label), "dx": dx, "regions": regions, "lx": left_x,
                      "rx": right_x})  # fmt: skip
    return {
        "views": views,
        "needles": _markers(needles, "needle", for_patient),
        "trigger_points": _markers(trigger_points, "tp", for_patient),
        "mode": mode,
        "chart_id": chart_id,
        "title": title,
    }


def _ring(radius: float, n: int, turn: float = 0.0) -> list[tuple[float, float]]:
    return [
        (
            round(radius * math.cos(2 * math.pi * (i + turn) / n), 1),
            round(radius * math.sin(2 * math.pi * (i + turn) / n), 1),
        )
        for i in range(n)
    ]


OFFSETS = [(0.0, 0.0), *_ring(11, 6, 0.25), *_ring(22, 12)]


def _markers(items, kind: str, for_patient: bool = False) -> list[dict]:
    """Place a marker per needle or trigger point at its muscle's region, fanned out when several share one."""
    out = []
    used: dict[str, int] = {}
    for n, item in enumerate(items, 1):
        code = bodymap.muscle_site(item.muscle, item.side)
        if code is None:
            continue
        region = bodymap.BY_CODE[code]
        k = used.get(code, 0)
        used[code] = k + 1
        x, y = region.centre
        dx = 0 if region.view == "posterior" else 210
        # Rings round the region's centre, so that markers in one region never cover each other (issue 18):
        # markers have a 5 px radius, and every two places below are at least 11 px apart.
        ox, oy = OFFSETS[k % len(OFFSETS)]
        label = names.site(item.muscle, item.side) if for_patient else str(item)
        out.append({"x": x + dx + ox, "y": y + oy, "n": n, "label": label, "kind": kind})
    return out
