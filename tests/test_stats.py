"""Wilson intervals, funnel limits and quartiles, against values worked by hand and published examples."""

import pytest

from dryneedle.lib import stats


def test_wilson_matches_newcombes_worked_examples():
    # Newcombe 1998 (Stat Med 17:857), table I, method 3 (score without continuity correction):
    # 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605; 0/20 -> 0 to 0.1611; 1/29 -> 0.0061 to 0.1718.
    for (k, n), (lo, hi) in {
        (81, 263): (0.2553, 0.3662),
        (15, 148): (0.0624, 0.1605),
        (0, 20): (0.0, 0.1611),
        (1, 29): (0.0061, 0.1718),
    }.items():
        r = stats.wilson(k, n)
        assert (round(r.low, 4), round(r.high, 4)) == (lo, hi)
        assert r.rate == k / n


def test_wilson_edges():
    assert stats.wilson(0, 0).as_dict() == {"rate": None, "low": None, "high": None}
    assert stats.wilson(10, 10).high == 1.0 and stats.wilson(10, 10).low < 1
    with pytest.raises(ValueError):
        stats.wilson(3, 2)


def test_funnel_limits_narrow_as_cases_grow():
    lo10, hi10 = stats.funnel_limits(0.4, 10, stats.Z95)
    lo100, hi100 = stats.funnel_limits(0.4, 100, stats.Z95)
    assert lo10 < lo100 < 0.4 < hi100 < hi10
    assert stats.funnel_limits(0.4, 100, stats.Z95) == pytest.approx((0.304, 0.496), abs=0.001)
    assert stats.funnel_limits(0.05, 1, stats.Z998)[0] == 0.0  # clipped at 0
    with pytest.raises(ValueError):
        stats.funnel_limits(0.4, 0, stats.Z95)


def test_quartiles():
    assert stats.quartiles([]) is None
    assert stats.quartiles([4]) == (4, 4, 4)
    assert stats.quartiles([1, 2, 3, 4, 5]) == (2, 3, 4)
    assert stats.quartiles([3, 1, 2, 4]) == (1.75, 2.5, 3.25)
