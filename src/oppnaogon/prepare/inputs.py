"""The input of every command: find the configuration, read the file, guard it, refuse free text in the
columns the analysis uses. `check`, `analyse`, `batch` and `init` all start here."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from oppnaogon.errors import DataError
from oppnaogon.io.loading import LINE, LoadedTable, LoadOptions, count_text, read_table
from oppnaogon.io.privacy import guard, guard_paths
from oppnaogon.model.config import Config, load_config
from oppnaogon.model.roles import detect_roles
from oppnaogon.prepare.normalise import resolve_criteria, resolve_outcomes

CONFIG_NAME = "oppnaogon.toml"


MAX_VALUE_CHARS = 1_000
"""Longest value in a column the analysis uses: its values are codes or categories, which are shown as
group labels and in messages; a longer one is free text (a journal note pasted into the cell)."""


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
