"""One like-with-like comparison of one difference (female − male), as the verdict rules read it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Adjusted:
    """One like-with-like comparison of one difference (female − male)."""

    estimate: float
    ci: tuple[float, float]
    p_value: float
    odds_ratio: float
    or_ci: tuple[float, float]
    heterogeneity_p: float
    female_share: float
    standardised_male_share: float
    strata: int
    persons_one_sex_only: int
    n_used: int
    known_share: float  # share of the group's persons with a value in the criterion's columns
    # No stratum table cell that the published figures could rebuild lies in 1..min_cell − 1 (see
    # `protected_strata`); only then are the estimates published.
    protected: bool = True
    # A numeric outcome's comparison (a difference of means, `numeric_adjusted`): the smallest difference
    # that matters in the outcome's unit (`numeric_margin`), used instead of `min_diff`.
    numeric: bool = False
    margin: float | None = None

    @property
    def persons(self) -> int:
        """Persons of the group with the outcome recorded (compared or alone in their stratum)."""
        return self.n_used + self.persons_one_sex_only

    @property
    def unmatched_share(self) -> float:
        """Share of the persons in strata with one sex only (left out of the comparison)."""
        total = self.n_used + self.persons_one_sex_only
        return self.persons_one_sex_only / total if total else 1.0

    @property
    def usable(self) -> bool:
        return bool(np.isfinite(self.estimate) and np.isfinite(self.p_value) and self.known_share > 0)
