"""The settings of a run of `analyse` or `batch`, checked once, the same way for both commands.

`RunSettings` is everything a run is configured by besides its input and output paths: the formats, the
period, the thresholds, the language and the templates folder. It checks itself on construction (the
CLI builds it with `RunSettings.from_options`, Python users the same way or by `run_analysis`'s and
`run_batch`'s keywords), before anything is read, locked or written: a refused setting leaves no trace.
What depends on an input file's oppnaogon.toml is combined with it by `thresholds` (the `min_cell` in
force) and `check_period_grid` (rule R4), so that each file of a batch is held to its own configuration
as `analyse` of it alone would be. (`batch --min-cell 1` once published counts of 1–2 because the two
commands checked their settings each in their own way.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oppnaogon.errors import UsageError
from oppnaogon.model.config import Config
from oppnaogon.model.periods import (
    GRID_EXAMPLES_SV,
    GRID_PLURAL_SV,
    LATEST,
    Period,
    on_grid,
    parse_period,
    period_words,
)
from oppnaogon.model.settings import AnalysisSettings
from oppnaogon.model.wording import LANGUAGES
from oppnaogon.present.outputs import DEFAULT_FORMATS, FORMAT_NAMES, FORMATS

_DEFAULT_THRESHOLDS = AnalysisSettings()


@dataclass(frozen=True)
class RunSettings:
    """What a run of `analyse` or `batch` is configured by, checked on construction (UsageError, exit 2,
    in Swedish: what is wrong and what to choose instead).

    `min_cell`: the disclosure limit asked for (`--min-cell`); None takes oppnaogon.toml's `min_cell`
    (5 when it says nothing). `min_diff`: the smallest noteworthy difference in proportion units
    (0.05 = 5 percentage points; `from_options` takes it in percentage points, as `--min-diff` does).
    `period`: as written (`2026K3`, `latest` …); that it lies on the configuration's grid is checked
    against each configuration by `check_period_grid`."""

    formats: tuple[str, ...] = DEFAULT_FORMATS
    period: str | None = None
    min_cell: int | None = None
    min_diff: float = _DEFAULT_THRESHOLDS.min_diff
    lang: str = "sv"
    templates: Path | None = None

    def __post_init__(self) -> None:
        # a Python caller's list of formats or folder name, as the types say
        object.__setattr__(self, "formats", tuple(self.formats))
        if isinstance(self.templates, str):
            object.__setattr__(self, "templates", Path(self.templates))
        unknown = [f for f in self.formats if f not in FORMAT_NAMES]
        if unknown or not self.formats:
            raise UsageError(
                f"Formatet {', '.join(unknown) or '(inget)'} finns inte.",
                f"Välj bland: {', '.join(FORMAT_NAMES)}.",
            )
        if self.lang not in LANGUAGES:
            raise UsageError(f"Språket {self.lang!r} finns inte.", f"Välj bland: {', '.join(LANGUAGES)}.")
        if self.templates is not None and not Path(self.templates).is_dir():
            raise UsageError(
                f"Mallmappen {self.templates} finns inte.",
                "Ange en mapp med egna kopior av mallarna (t.ex. report.html.j2, texts/labels.sv.toml), "
                "eller utelämna --templates.",
            )
        self._thresholds(self.min_cell if self.min_cell is not None else _DEFAULT_THRESHOLDS.min_cell)
        if self.period is not None:
            parse_period(self.period)  # says what is wrong with the period and how to write one

    @classmethod
    def from_options(
        cls,
        *,
        formats: tuple[str, ...] | None = None,
        period: str | None = None,
        min_cell: int | None = None,
        min_diff_pp: float | None = None,
        lang: str | None = None,
        templates: str | Path | None = None,
    ) -> RunSettings:
        """The settings of the command-line options (None: not given). `min_diff_pp` is in percentage
        points; anything but a number is passed on for the check to explain."""
        min_diff: object = _DEFAULT_THRESHOLDS.min_diff
        if min_diff_pp is not None:
            number = isinstance(min_diff_pp, int | float) and not isinstance(min_diff_pp, bool)
            min_diff = min_diff_pp / 100 if number else min_diff_pp
        return cls(
            formats=DEFAULT_FORMATS if formats is None else tuple(formats),
            period=period,
            min_cell=min_cell,
            min_diff=min_diff,  # type: ignore[arg-type]
            lang="sv" if lang is None else lang,
            templates=Path(templates) if templates is not None else None,
        )

    def thresholds(self, config: Config) -> AnalysisSettings:
        """The thresholds of a run on a file with the configuration `config`: `--min-cell` when given,
        else oppnaogon.toml's `min_cell` (checked where the file was read)."""
        return self._thresholds(self.min_cell if self.min_cell is not None else config.min_cell)

    def _thresholds(self, min_cell: int) -> AnalysisSettings:
        return AnalysisSettings(min_cell=min_cell, min_diff=self.min_diff)

    @property
    def writes_reports(self) -> bool:
        """Whether a report format (rendered from the templates) is among the formats."""
        return any(f.kind == "report" and f.name in self.formats for f in FORMATS)

    def check_period_grid(self, config: Config) -> None:
        """Refuse (exit 2) a period that is not made of whole periods of `config`'s grid (rule R4)."""
        if self.period is not None:
            check_period_grid(self.period, config.period)


def check_period_grid(period: str | Period, unit: str) -> None:
    """Refuse (exit 2) a period that is not made of whole periods of the grid `unit` (rule R4)."""
    selected = parse_period(period) if isinstance(period, str) else period
    if selected == LATEST:
        return
    assert not isinstance(selected, str)
    if not on_grid(selected, unit):
        raise UsageError(
            f"Perioden {selected.label} ({period_words(selected)}) består inte av hela {GRID_PLURAL_SV[unit]}, "
            f'som är tidsindelningen i oppnaogon.toml (period = "{unit}"). Rapporter över perioder som '
            "överlappar på annat sätt skulle tillsammans visa de små grupperna i skarven.",
            f"Välj en period av hela {GRID_PLURAL_SV[unit]} ({GRID_EXAMPLES_SV[unit]}), eller ändra period i "
            "oppnaogon.toml till den kortaste period kommunen redovisar.",
        )
