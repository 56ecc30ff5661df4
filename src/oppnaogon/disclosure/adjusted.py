"""How the figures of a like-with-like comparison are published: exact, rounded or withheld, and counts
of persons rounded so that none pins a small count (docs/privacy.md)."""

from __future__ import annotations

import numpy as np

from oppnaogon.model.comparison import Adjusted
from oppnaogon.stats import compare as stats
from oppnaogon.stats.compare import finite_round as _round

# Adjusted figures of a table with small counts are published rounded only when it has at least this many
# strata with both sexes (see `publication_form`).
MIN_STRATA_ROUNDED = 20


# Decimals of the published adjusted figures per form: differences and shares, odds ratios, p-values.
ROUNDED_P_BELOW = 0.05
"""A p-value of the rounded form below 0.05, which one decimal would print as 0.0."""


FIGURE_DIGITS: dict[str, dict[str, int]] = {
    "exact": {"difference": 4, "odds_ratio": 4, "p": 6},
    "rounded": {"difference": 2, "odds_ratio": 1, "p": 1},
}


def publication_form(adj: Adjusted) -> str:
    """How the adjusted figures of a comparison are published: "exact", "rounded" or "withheld".

    * ``exact`` (differences and shares to 4 decimals, odds ratios 4, p-values 6): the stratum table
      holds no count in 1..min_cell − 1 (`Adjusted.protected`), so even rebuilding it from the figures
      reveals no small count.
    * ``rounded`` (differences and shares to 2 decimals, i.e. whole percentage points, odds ratios and
      p-values to 1): the table has small counts but at least `MIN_STRATA_ROUNDED` (20) strata with
      both sexes. It then has at least 4·20 − 4 = 76 unknown cells beyond the crude counts, against
      some ten published figures each known only coarsely, and moving a person or two between strata
      seldom changes a published figure: tests/test_adjusted_disclosure.py walks from the true table
      to others that publish the same figures and sees every small cell reach min_cell, over a range
      at least min_cell wide. Measured on ten seeded tables of 20 strata with four small cells each,
      all held; with 10 strata, or p-values to 2 decimals, some small cells stayed within a range
      narrower than min_cell (the p-value and the standardised share near a rounding edge pinned
      them), so neither is used.
    * ``withheld`` (every figure null): small counts in a table of few strata. Such a table is
      rebuilt from its figures at any useful precision: the 122 persons of two risk levels (girls
      26/6 and 4/16 granted/not, boys 14/6 and 6/44) are the only table with their figures, both
      exact and rounded, the 4 included.

    The verdict is always decided on the unrounded figures; only what is published changes."""
    if adj.protected:
        return "exact"
    if adj.numeric:  # no rounded form for a difference of means (see `numeric_adjusted`)
        return "withheld"
    if adj.strata >= MIN_STRATA_ROUNDED:
        return "rounded"
    return "withheld"


def published_figure(value: float, form: str, kind: str) -> float | None:
    """An adjusted figure of `kind` ("difference", "odds_ratio", "p") in the publication `form`."""
    if form == "withheld":
        return None
    if kind == "p" and form == "exact":
        return stats.p_round(value)
    if kind == "p" and np.isfinite(value) and round(value, FIGURE_DIGITS[form][kind]) == 0:
        # one decimal would say p = 0.0; published as the bound it is: below 0.05 (as much as 0.0 told)
        return ROUNDED_P_BELOW
    return _round(value, FIGURE_DIGITS[form][kind])


def published_count(count: int, min_cell: int) -> int:
    """A count of persons for publication: rounded to the nearest multiple of 2·min_cell (halves up).

    1..min_cell − 1 becomes 0 and min_cell.. 3·min_cell − 1 becomes 2·min_cell, so a published 0 stands
    for 0..min_cell − 1 and every other value for 2·min_cell persons around it: no published count
    pins a number of persons into 1..min_cell − 1, and the range a value stands for is always at least
    min_cell wide (a band "1–4" would pin it)."""
    step = 2 * min_cell
    return int(count // step + (1 if count % step >= min_cell else 0)) * step


def published_part(part: int, total: int, min_cell: int) -> int:
    """A part of a total that is published exactly, for publication: the smaller of the part and the
    rest is rounded (`published_count`), so that neither can be read off as a small count."""
    if part <= total - part:
        return min(published_count(part, min_cell), total)
    return total - min(published_count(total - part, min_cell), total)


def published_known_share(adj: Adjusted, min_cell: int) -> float:
    """The share of persons with the criterion recorded, from a rounded count (`published_part`).

    The group's persons are published exactly (the descriptives), so an exact share gives the exact
    number of persons without a value (1–4 in a small group). A criterion recorded for anyone is also
    published as recorded ("available"), so a small recorded count is shown as 2·min_cell (at most
    the group) rather than 0, which with "available" would say 1..min_cell − 1."""
    total = adj.persons
    if not total:
        return 0.0
    known = published_part(round(adj.known_share * total), total, min_cell)
    if adj.known_share > 0 and known == 0:
        known = min(2 * min_cell, total)
    share = _round(known / total, 3)
    assert share is not None  # a ratio of counts over a total above 0: finite
    return share
