"""The settings of an analysis: its thresholds, checked once on construction."""

from __future__ import annotations

from dataclasses import dataclass

from oppnaogon.model.config import check_settings


@dataclass(frozen=True)
class AnalysisSettings:
    """Thresholds of the analysis. `min_diff` is in proportion units (0.05 = 5 percentage points).

    Checked on construction (:func:`oppnaogon.model.config.check_settings`): a limit below the floor of 3 is
    refused here, whichever command or Python caller builds the settings."""

    min_cell: int = 5
    min_diff: float = 0.05
    min_smd: float = 0.2
    alpha: float = 0.05
    confidence: float = 0.95

    def __post_init__(self) -> None:
        check_settings(
            min_cell=self.min_cell,
            min_diff=self.min_diff,
            min_smd=self.min_smd,
            alpha=self.alpha,
            confidence=self.confidence,
        )
