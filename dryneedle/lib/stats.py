"""The few statistics the effectiveness report uses. Pure functions, no Django; sources in
docs/clinical-sources.md §6.8.

- A proportion's 95% interval is Wilson's score interval (Wilson 1927), which keeps inside 0-1 and behaves
  at small counts where the textbook normal interval does not (Newcombe 1998 compared seven methods and
  recommends it).
- A funnel plot compares units with the whole by drawing control limits around the overall proportion as
  the number of cases grows (Spiegelhalter 2005); 95% and 99.8% limits are his usual pair. We draw the
  normal approximation to the binomial, clipped to 0-1, and say so.
"""

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # two-sided 95%
Z998 = 3.090232306167813  # two-sided 99.8%


@dataclass(frozen=True)
class Rate:
    """k of n with its Wilson 95% interval; empty (all None) when n is 0."""

    k: int
    n: int
    rate: float | None
    low: float | None
    high: float | None

    def as_dict(self) -> dict:
        return {"rate": self.rate, "low": self.low, "high": self.high}


def wilson(k: int, n: int, z: float = Z95) -> Rate:
    """Wilson score interval for k successes in n trials."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return Rate(k, n, None, None, None)
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At k = 0 or k = n the interval touches 0 or 1 exactly; rounding error must not leave it a hair inside.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Rate(k, n, p, low, high)


def funnel_limits(p0: float, n: int, z: float) -> tuple[float, float]:
    """Control limits at ``n`` cases around the overall proportion ``p0`` (normal approximation, clipped)."""
    if n <= 0:
        raise ValueError("n must be positive")
    half = z * math.sqrt(p0 * (1 - p0) / n)
    return max(0.0, p0 - half), min(1.0, p0 + half)


def quartiles(values: list[int]) -> tuple[float, float, float] | None:
    """(first quartile, median, third quartile) by linear interpolation between order statistics, or None."""
    if not values:
        return None
    xs = sorted(values)

    def at(q: float) -> float:
        pos = (len(xs) - 1) * q
        lo = math.floor(pos)
        hi = min(lo + 1, len(xs) - 1)
        return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)

    return at(0.25), at(0.5), at(0.75)
