"""`oppnaogon check`: read, guard, normalise and describe an extract, writing nothing.

`check` is for the analyst's own eyes: it is the one command that shows unsuppressed counts. It never
shows values from the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oppnaogon.errors import ConfigError, UsageError
from oppnaogon.io.privacy import guard_paths
from oppnaogon.model.config import SEX_VALUES
from oppnaogon.prepare.inputs import find_config, load_input
from oppnaogon.prepare.normalise import MISSING_PREFIX, Prepared, prepare


@dataclass(frozen=True)
class CheckResult:
    """What `check` found. `to_dict()` is the `--json` contract."""

    prepared: Prepared
    config_path: Path | None
    by_sex: dict[str, int]
    missing_by_sex: dict[str, dict[str, float | None]]
    periods: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        p = self.prepared
        source = p.source
        return {
            "file": source.path.name,
            "format": source.file_format,
            "encoding": source.encoding,
            "delimiter": source.delimiter,
            "config": str(self.config_path) if self.config_path else None,
            "rows": p.rows_read,
            "rows_usable": p.rows_usable,
            "blank_rows_skipped": source.blank_rows_skipped,
            "excluded": p.exclusions,
            "excluded_lines": {k: list(v) for k, v in p.exclusion_lines.items()},
            "by_sex": self.by_sex,
            "columns": p.column_roles,
            "outcomes": [{"name": o.name, "column": o.column, "kind": o.kind} for o in p.outcomes],
            "criteria": {cid: list(headers) for cid, headers in p.criteria.items()},
            "age_bands": {"source": p.age_band_source, "labels": list(p.age_band_labels)},
            "periods": self.periods,
            "missing_by_sex": self.missing_by_sex,
            "notes": list(p.notes),
        }


def run_check(data: str | Path, config: str | Path | None = None) -> CheckResult:
    """Validate `data` without writing anything. Raises the errors of loading, privacy and normalising."""
    import polars as pl

    data = Path(data)
    guard_paths([data])
    if not data.exists():
        raise UsageError(f"Filen {data} finns inte.", "Kontrollera sökvägen och filnamnet.")
    config_path = find_config(data, Path(config) if config else None)
    try:
        table, cfg = load_input(data, config_path)
        prepared = prepare(table, cfg)
    except ConfigError as error:
        if config is None and config_path is not None:
            # The config was picked up automatically: it may belong to another file.
            error.hint = (
                f"{error.hint or ''} Konfigurationen {config_path} användes automatiskt eftersom den ligger "
                "bredvid datafilen eller i arbetsmappen; ange --config för att välja en annan."
            ).strip()
        raise
    frame = prepared.frame

    counts = dict(frame.group_by("sex").len().iter_rows()) if frame.height else {}
    by_sex = {sex: int(counts.get(sex, 0)) for sex in SEX_VALUES}
    flags = [c for c in frame.columns if c.startswith(MISSING_PREFIX)]
    missing: dict[str, dict[str, float | None]] = {}
    if flags and frame.height:
        shares = frame.group_by("sex").agg(pl.col(flags).mean()).to_dicts()
        by_group = {row["sex"]: row for row in shares}
        for flag in flags:
            header = flag.removeprefix(MISSING_PREFIX)
            missing[header] = {
                sex: (round(float(by_group[sex][flag]), 4) if sex in by_group else None) for sex in SEX_VALUES
            }
    periods: dict[str, int] = {}
    if "period" in frame.columns:
        counted = frame.group_by("period").len().drop_nulls("period").sort("period")
        periods = {row[0]: int(row[1]) for row in counted.iter_rows()}
    return CheckResult(
        prepared=prepared, config_path=config_path, by_sex=by_sex, missing_by_sex=missing, periods=periods
    )
