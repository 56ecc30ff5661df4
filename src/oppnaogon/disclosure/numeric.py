"""Disclosure rules of numeric outcomes: when a group's mean, SD and median are hidden.

A numeric outcome (hours per week) publishes per group n, the mean with its interval, the SD, the median
with its interval, and per pair of groups the difference of means with its Welch interval, the SMD and a
Mann–Whitney p. A reader who knows the values' grid (hours in halves, 0–40) can search every multiset of
n values with that sum (n·mean), sum of squares ((n − 1)·SD² + n·mean²) and those order statistics; in a
group of 6–10 the median interval was x_(1)..x_(n), the minimum and maximum, and with mean, SD and median
the values were often the only multiset left. The rules (tests/test_numeric_disclosure.py runs that
search against them):

1. Size: the statistics of a group are published only when n >= 2·min_cell (10 by default). Mean, SD and
   median share one size: the mean's interval, the Welch interval and the SMD give the SD back, and a
   hidden SD beside a published mean and n would follow from the parent group's sum of squares minus
   the siblings' (the disclosure control protects sums; sums of squares are hidden exactly with them).
   At 2·min_cell the median has min_cell persons at or below it and at or above it; ACRO (SACRO) uses 10
   for every statistic. Searched with example-like hours, the published figures of a group of 5 were
   consistent with a single multiset in a third of the groups; from 10 on, with at least 14 multisets.
2. Dominance (p % rule, p = 10 %: ACRO's default, and the rule the SDC handbook (Hundepool et al. 2012,
   §4.2) prefers to the (n, k) rules; tau-Argus and sdcTable offer both): a total is sensitive when the
   second largest contributor, subtracting their own value, could estimate the largest contribution x1
   to within p %, i.e. T − x1 − x2 < p·x1. Applied to the sum of squares Σx² (published by the SD with
   the mean and n), whose contributions are x²: with non-negative values it implies the rule on the sum
   Σx (the mean times n), since Σ_{i>2} x_i² <= x2·Σ_{i>2} x_i < x2·p·x1 <= p·x1² whenever the sum's
   rest is below p·x1, and it also catches the single outlier (one child with 40 hours among 2-hour
   ones) that dominates the SD long before it dominates the sum.
3. Spread: a group whose SD is below two steps of its values' own grid (the gcd of its values: every
   value equal, or nearly all on one or two neighbouring values) is hidden: mean and SD then pin down
   the values, and a mean of identical values is every person's value (as a share of 0 % or 100 %).
4. Median at a bound: a group of women or men (whose median is published) is hidden when its median
   would equal its smallest or largest value, i.e. more than half the group holds that value: with n,
   mean and SD that leaves the other half's sum and sum of squares to a handful of persons. Hidden
   whole rather than by withholding the median alone, which would itself say that the median is a bound.
5. The median interval is published only when at least min_cell persons rank below its lower bound and
   above its upper bound (`stats.median_interval_shows_no_one`; from n = 21 at min_cell 5).
Rules 1–4 make the group's sum cell primary, so the disclosure control protects it like a small count
(complements chosen so that it cannot be recovered from the totals), and every difference, interval and
test computed from it is hidden with it: the Mann–Whitney p of a pair is published only when both
groups publish their statistics, i.e. both have at least 2·min_cell persons and pass rules 2–4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from oppnaogon.model.settings import AnalysisSettings


# What the disclosure rules of numeric outcomes need of each group's values, beside its sums: the largest
# and second largest contribution (absolute value), the grid the values lie on, the smallest and largest
# value and how many persons hold each of those two.
PROFILE = ("top1", "top2", "step", "min", "max", "at_min", "at_max")


# Values are put on a grid of this many steps per unit to find their common step (3 decimals: hours in
# halves, quarters or minutes as fractions of an hour all land on it exactly)
_STEP_SCALE = 1000.0


def profile(value: np.ndarray, count: np.ndarray, first: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per group of sorted value counts (starting at the rows `first`), the numbers of `PROFILE`, with no
    pass over rows: the largest |value| and the second largest (the same when two persons hold it), the
    greatest common step of the values (gcd on a grid of 1/1000; 0 when every value is 0), the smallest
    and the largest value (a group's first and last row) and the persons holding each."""
    absolute = np.abs(value)
    lengths = np.diff(np.r_[first, len(value)])
    top1 = np.maximum.reduceat(absolute, first)
    at_top = absolute == np.repeat(top1, lengths)
    persons_at_top = np.add.reduceat(np.where(at_top, count, 0.0), first)
    below_top = np.maximum.reduceat(np.where(at_top, -np.inf, absolute), first)
    top2 = np.where(persons_at_top >= 2, top1, np.maximum(below_top, 0.0))
    scaled = absolute * _STEP_SCALE
    # a value too large for the grid counts as a step of 1/1000: the step rule then never applies to it
    grid = np.where(scaled < 2.0**62, np.rint(scaled), 1.0).astype(np.int64)
    step = np.gcd.reduceat(grid, first) / _STEP_SCALE
    last = np.r_[first[1:], len(value)] - 1
    return top1, top2, step, value[first], value[last], count[first], count[last]


NUMERIC_MIN_FACTOR = 2


DOMINANCE_P = 0.10


SPREAD_MIN_STEPS = 2.0


def numeric_min_n(settings: AnalysisSettings) -> int:
    """The smallest group whose numeric statistics are published (rule 1): 2·min_cell."""
    return NUMERIC_MIN_FACTOR * settings.min_cell


def numeric_hidden(
    n: float, total: float, squares: float, group_profile: Sequence[float], min_n: int, has_median: bool
) -> bool:
    """Whether rules 1–4 hide a group of n (> 0) values with sum `total`, sum of squares `squares` and
    the `PROFILE` numbers (`group_profile`); rule 4 only for a group whose median is published (`has_median`)."""
    top1, top2, step, smallest, largest, at_min, at_max = group_profile
    if has_median and max(at_min, at_max) >= n // 2 + 1:  # then x_(⌊n/2⌋+1), and the median, is a bound
        return True
    if n < min_n:
        return True
    # p % rule on the sum of squares (contributions x², each >= 0 whatever the signs)
    if squares - top1 * top1 - top2 * top2 < DOMINANCE_P * top1 * top1:
        return True
    variance = max(squares - total * total / n, 0.0) / (n - 1)
    return bool(largest == smallest or variance**0.5 < SPREAD_MIN_STEPS * step)
