"""`oppnaogon check`: read, guard, normalise and describe an extract, writing nothing.

`check` is for the analyst's own eyes: it is the one command that shows unsuppressed counts. It never
shows values from the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from oppnaogon.errors import ConfigError, DataError, UsageError
from oppnaogon.io.loading import LINE, LoadedTable, LoadOptions, count_text, read_table
from oppnaogon.io.privacy import guard, guard_paths
from oppnaogon.model.config import SEX_VALUES, Config, load_config
from oppnaogon.model.roles import detect_roles
from oppnaogon.prepare.normalise import MISSING_PREFIX, Prepared, prepare, resolve_criteria, resolve_outcomes

CONFIG_NAME = "oppnaogon.toml"
MAX_VALUE_CHARS = 1_000
"""Longest value in a column the analysis uses: its values are codes or categories, which are shown as
group labels and in messages; a longer one is free text (a journal note pasted into the cell)."""


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


def find_config(data: Path, explicit: Path | None) -> Path | None:
    """`--config` if given; else `oppnaogon.toml` beside the data file; else in the working folder."""
    if explicit is not None:
        return explicit
    for candidate in (data.parent / CONFIG_NAME, Path.cwd() / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def load_input(data: Path, config_path: Path | None) -> tuple[LoadedTable, Config]:
    """Config, then file, then the privacy guard: the shared front half of every command."""
    config = load_config(config_path) if config_path else Config()
    defaults = LoadOptions()
    options = LoadOptions(
        sheet=config.sheet,
        encoding=config.encoding,
        delimiter=config.delimiter,
        missing_markers=defaults.missing_markers + config.missing,
    )
    guard_paths([data])
    table = read_table(data, options)
    guard(
        table.frame,
        str(data),
        table.distinct,
        dropped_columns=table.dropped_empty_columns,
        other_sheets=table.other_sheets,
    )
    _refuse_free_text_in_used_columns(table, config)
    return table, config


def _refuse_free_text_in_used_columns(table: LoadedTable, config: Config) -> None:
    """Refuse (exit 3) a value longer than `MAX_VALUE_CHARS` in a column the analysis uses: it would be
    published as a group label or quoted in a message. Unused columns may hold text of any length."""
    import polars as pl

    text = [
        c
        for c, t in table.frame.schema.items()
        if c != LINE and (t == pl.String or isinstance(t, pl.Categorical | pl.Enum))
    ]
    # the longest value of each column, in characters (0 for a column of nulls only)
    longest = {
        c: cast("int | None", table.distinct(c).cast(pl.String).str.len_chars().max()) or 0 for c in text
    }
    long = [c for c in text if longest[c] > MAX_VALUE_CHARS]
    if not long:
        return
    headers = table.headers
    roles = detect_roles(headers, {r: h for r, h in config.columns.items() if h in headers})
    criteria = resolve_criteria(config, headers, roles)
    criteria_headers = {h for hs in criteria.values() for h in hs}
    outcomes = resolve_outcomes(config, table, roles, criteria_headers)
    used = {m.header for m in roles.values()} | criteria_headers | {o.column for o in outcomes}
    for column in [c for c in long if c in used]:
        lines = (
            table.frame.filter(pl.col(column).cast(pl.String).str.len_chars() > MAX_VALUE_CHARS)
            .get_column(LINE)
            .to_list()
        )
        shown = ", ".join(str(n) for n in lines[:3]) + (
            f" och {len(lines) - 3} till" if len(lines) > 3 else ""
        )
        count = "ett värde" if len(lines) == 1 else f"{len(lines)} värden"
        raise DataError(
            f"Kolumnen '{column}' i {table.path.name} används i analysen men har {count} som är längre "
            f"än {count_text(MAX_VALUE_CHARS)} tecken ({table.where()} {shown}; det längsta är "
            f"{count_text(longest[column])} tecken). Kolumnen ska innehålla koder eller korta kategorier, inte "
            "fritext; värdet visas inte här av integritetsskäl.",
            "Rätta eller töm värdet i källfilen. Är kolumnen fritext som inte ska analyseras, ta bort den "
            "ur uttaget eller ange en annan kolumn under [columns] eller [outcomes] i oppnaogon.toml.",
        )


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
