"""The chart arithmetic (lib/svgplot.py) and the drawn figure (outcomes/charts.py)."""

import re
from datetime import UTC, date, datetime, timedelta

from dryneedle.lib import svgplot
from dryneedle.outcomes import charts, services


def test_nice_ticks_cover_the_range_with_round_steps():
    assert svgplot.nice_ticks(0, 10) == [0, 2, 4, 6, 8, 10]
    assert svgplot.nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert svgplot.nice_ticks(0, 24) == [0, 5, 10, 15, 20]
    assert svgplot.nice_ticks(3, 3) == [3]


def test_date_ticks_are_days_for_short_spans_and_months_for_long_ones():
    assert svgplot.date_ticks(date(2026, 5, 1), date(2026, 5, 4)) == [date(2026, 5, d) for d in (1, 2, 3, 4)]
    weeks = svgplot.date_ticks(date(2026, 5, 1), date(2026, 6, 5))
    assert weeks[1] - weeks[0] == timedelta(days=7) and len(weeks) <= 6
    months = svgplot.date_ticks(date(2026, 4, 20), date(2026, 11, 5))
    assert months[0] == date(2026, 5, 1) and all(d.day == 1 for d in months) and len(months) <= 6
    years = svgplot.date_ticks(date(2020, 1, 1), date(2026, 1, 1))
    assert years[0] == date(2020, 1, 1) and years[1] == date(2022, 1, 1) and len(years) <= 6


def test_date_labels_name_the_year_where_it_starts_and_changes():
    # Issue 18: "01 Sep" stood for two different years on one chart.
    months = svgplot.date_ticks(date(2025, 8, 20), date(2026, 10, 1))
    labels = svgplot.date_labels(months)
    assert labels == ["Sep 2025", "Dec", "Mar 2026", "Jun", "Sep"]  # two Septembers, told apart
    days = svgplot.date_ticks(date(2025, 12, 20), date(2026, 1, 20))
    assert svgplot.date_labels(days) == ["20 Dec 2025", "27 Dec", "03 Jan 2026", "10 Jan", "17 Jan"]


def test_the_scale_maps_ends_to_ends_and_flips_for_y():
    y = svgplot.Scale(0, 10, 200, 40)
    assert (y(0), y(10), y(5)) == (200, 40, 120)


def test_the_figure_places_every_score_and_the_mic_band():
    start = datetime(2026, 5, 1, 9, tzinfo=UTC)
    s = services.Series("nprs", [(start, 7, "questionnaire"), (start + timedelta(days=14), 3, "before needling")])
    svg = charts.measure_chart(s, [start], 2, (start, start + timedelta(days=20)))
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert len(circles) == 2
    (x0, y0), (x1, y1) = [(float(a), float(b)) for a, b in circles]
    assert x1 > x0 and y1 > y0  # later is to the right; less pain sits lower (SVG y grows downwards)
    assert "within ±2 of baseline (MIC)" in svg and "lower is better" in svg
    assert "01 May 2026: 7 (questionnaire)" in svg
