"""`oppnaogon analyse` as a library call: load, guard, normalise, analyse, write."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oppnaogon import __version__
from oppnaogon.analysis import verdicts
from oppnaogon.analysis.differences import Findings, analyse
from oppnaogon.app.settings import RunSettings, check_period_grid
from oppnaogon.errors import UsageError
from oppnaogon.io.loading import LoadedTable
from oppnaogon.io.privacy import guard_paths
from oppnaogon.model.config import Config
from oppnaogon.model.criteria import CriteriaArea
from oppnaogon.model.periods import Period, period_words
from oppnaogon.model.settings import AnalysisSettings
from oppnaogon.prepare.inputs import find_config, load_input
from oppnaogon.prepare.normalise import UNDATED, Prepared, prepare
from oppnaogon.present.outputs import run_time, typed, write_outputs

if TYPE_CHECKING:
    import polars as pl

SCHEMA_VERSION = 1
DEFAULT_OUT = Path("oppnaogon-rapport")


@dataclass(frozen=True)
class AnalysisRun:
    """The result of `run_analysis`: the published findings (a dict, as written) and where they went."""

    findings: dict[str, Any]
    prepared: Prepared
    analysis: Findings
    files: tuple[Path, ...]
    out: Path | None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class _Loaded:
    """The input `run_analysis` has read and guarded, for `_run`, which takes the rows out (`take`): then
    nothing else holds them, and they are released once normalised."""

    table: LoadedTable | None
    config: Config
    config_path: Path | None

    def take(self) -> tuple[LoadedTable, Config, Path | None]:
        table, self.table = self.table, None
        assert table is not None
        return table, self.config, self.config_path


def run_analysis(
    data: str | Path,
    config: str | Path | None = None,
    *,
    out: str | Path | None = DEFAULT_OUT,
    settings: RunSettings | None = None,
    formats: tuple[str, ...] | None = None,
    period: str | None = None,
    min_cell: int | None = None,
    min_diff_pp: float | None = None,
    lang: str | None = None,
    templates: str | Path | None = None,
    compare_with: str | Path | None = None,
) -> AnalysisRun:
    """Run steps 1–2 on `data` and write the formats of `settings` (reports in its language, from the
    templates in its templates folder where the analyst has their own). Without `settings`, they are
    built from the keywords (`formats`, `period`, `min_cell`, `min_diff_pp` in percentage points, `lang`,
    `templates`), as the command line builds them from its options; give one or the other. With
    `out=None` nothing is written (the findings are only returned)."""
    options = (formats, period, min_cell, min_diff_pp, lang, templates)
    if settings is not None and any(option is not None for option in options):
        raise TypeError("run_analysis: give either settings or the options it is built from, not both")
    if settings is None:  # refused before anything is read, locked or written
        settings = RunSettings.from_options(
            formats=formats,
            period=period,
            min_cell=min_cell,
            min_diff_pp=min_diff_pp,
            lang=lang,
            templates=templates,
        )
    data = Path(data)
    guard_paths([data], out)  # before any message, log line or folder names them
    if not data.exists():
        raise UsageError(f"Filen {data} finns inte.", "Kontrollera sökvägen och filnamnet.")
    previous = None
    if compare_with is not None:
        from oppnaogon.analysis.followup import load_previous

        previous = load_previous(compare_with)
    out_path = Path(out) if out is not None else None
    if out_path is not None:
        _check_output_folder(out_path, data)
    # Read and guarded before the output lock: a refused extract (exit 4) leaves the output path as it
    # was, with no folder, parent folder or lock file created.
    config_path = find_config(data, Path(config) if config else None)
    table, cfg = load_input(data, config_path)
    settings.check_period_grid(cfg)  # a period off the grid is refused before anything is written
    loaded = _Loaded(table, cfg, config_path)
    del table
    if out_path is None:
        return _run(data, loaded, out_path, settings, previous)
    from oppnaogon.io.files import output_lock

    # held from the analysis to the last file moved into place: an overlapping run into the same folder
    # (two cron jobs) stops before analysing instead of racing this one
    with output_lock(out_path):
        return _run(data, loaded, out_path, settings, previous)


def _run(
    data: Path,
    loaded: _Loaded,
    out_path: Path | None,
    run: RunSettings,
    previous: dict[str, Any] | None,
) -> AnalysisRun:
    """The analysis itself, with the settings `run_analysis` has checked and the input it has read and
    guarded."""
    table, cfg, config_path = loaded.take()
    settings = run.thresholds(cfg)
    prepared = prepare(table, cfg, min_cell=settings.min_cell)
    del table  # the raw rows: normalised now, and only memory from here on
    whole_extract = prepared
    prepared, selected = select_period(prepared, run.period, cfg.period)
    if not prepared.outcomes:
        raise UsageError(
            f"Inga utfall att analysera i {data.name}.",
            "Ange utfall i oppnaogon.toml under [outcomes.NAMN] (column och kind), t.ex. med `oppnaogon init`.",
        )
    if prepared.rows_usable < settings.min_cell:
        raise UsageError(
            f"{data.name} har bara {prepared.rows_usable} användbara rader, färre än röjandegränsen "
            f"{settings.min_cell}: inget kan redovisas.",
            "Analysera ett större uttag eller en längre period.",
        )
    area = criteria_area_for(cfg.area)
    findings = analyse(prepared, settings, area)
    created = run_time()
    document = findings_document(
        data,
        prepared,
        findings,
        settings,
        cfg.area,
        selected.label if selected else None,
        sha=file_sha256(data),
        grid=cfg.period,
        other_periods=selected is not None,
    )
    if selected is not None:
        document["period"] = period_document(selected, document)
        document["comparison"], document["trend"] = period_history(
            whole_extract, selected, document, settings
        )
    carried = None
    if previous is not None:
        from oppnaogon.analysis.followup import compare

        document["followup"] = compare(document, previous, settings.confidence)
        if run.writes_reports:
            from oppnaogon.present.report.worksheet import load_carried

            carried = load_carried(previous, Path(previous["_folder"]), run.templates)
        # what the team wrote stays in the reports: findings.json only says how many rows came back
        document["followup"]["worksheet"] = (
            {"file": carried.file, "rows_carried": len(carried.rows)} if carried is not None else None
        )
    document = typed(document)  # findings.json is its typed model's (model.findings)
    manifest = {
        "tool": {"name": "oppnaogon", "version": __version__},
        "created": created.isoformat(),
        "input": {"file": data.name, "sha256": document["input"]["sha256"]},
        "config": {
            "file": config_path.name if config_path else None,
            "sha256": file_sha256(config_path) if config_path else None,
        },
        "settings": document["settings"],
    }
    files: list[Path] = []
    if out_path is not None:
        files = write_outputs(
            out_path, document, manifest, run.formats, lang=run.lang, templates=run.templates, carried=carried
        )
    return AnalysisRun(
        findings=document, prepared=prepared, analysis=findings, files=tuple(files), out=out_path
    )


def _check_output_folder(out: Path, data: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} finns och är ingen mapp.", "Välj en annan utmapp med --out.")
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").exists():
        raise UsageError(
            f"Mappen {out} finns redan och innehåller annat än en oppnaogon-rapport; den skrivs inte över.",
            "Välj en ny eller tom mapp med --out.",
        )
    if data.resolve().is_relative_to(out.resolve()):
        raise UsageError("Datafilen ligger i utmappen, som skulle ersättas.", "Välj en annan mapp med --out.")


def select_period(prepared: Prepared, period: str | None, unit: str) -> tuple[Prepared, Period | None]:
    """Keep the rows whose date lies in the period (`2026K3`, `2026-Q3`, `2026T2`, `2026M05`, `2026`,
    `2025K4..2026K3` or `latest`: the last period of the config's unit that has data)."""
    import dataclasses

    import polars as pl

    from oppnaogon.model.periods import LATEST, latest_period, parse_period

    frame = prepared.frame
    if period is None:
        return _dated_rows_only(prepared), None
    wanted = parse_period(period)
    if "date" not in frame.columns:
        raise UsageError(
            "--period kräver en datumkolumn.",
            'Ange den i oppnaogon.toml under [columns], t.ex. date = "Beslutsdatum".',
        )
    dates = frame.get_column("date").drop_nulls()
    if dates.len() == 0:
        raise UsageError(
            "--period: datumkolumnen är tom.", "Kontrollera datumkolumnen med `oppnaogon check`."
        )
    first, last = dates.min(), dates.max()
    assert isinstance(first, date) and isinstance(last, date)  # a Date column's bounds
    selected = latest_period(last, unit) if wanted == LATEST else wanted
    assert not isinstance(selected, str)
    check_period_grid(selected, unit)
    chosen = frame.filter(pl.col("date").is_between(pl.lit(selected.start), pl.lit(selected.end)))
    if chosen.height == 0:
        raise UsageError(
            f"Perioden {selected.label} ({period_words(selected)}) har inga rader.",
            f"Datumen i filen går från {first.isoformat()} till {last.isoformat()}; välj en period inom dem, "
            "eller --period latest.",
        )
    return dataclasses.replace(prepared, frame=chosen), selected


def _dated_rows_only(prepared: Prepared) -> Prepared:
    """The whole extract without its rows that have no date, when it has a date column (rule R4): the
    reports of its periods never hold those rows, so the whole file minus its periods would be them."""
    import dataclasses

    import polars as pl

    frame = prepared.frame
    if "date" not in frame.columns or not frame.get_column("date").null_count():
        return prepared
    dated = frame.filter(pl.col("date").is_not_null())
    exclusions = dict(sorted((prepared.exclusions | {UNDATED: frame.height - dated.height}).items()))
    return dataclasses.replace(prepared, frame=dated, exclusions=exclusions)


# A period is "small" when more than this share of its comparisons are hidden, or when a whole-group
# comparison is: the report then suggests pooling periods rather than printing noise.
SMALL_PERIOD_HIDDEN_SHARE = 0.5
POOLED_PERIODS = {"quarter": 4, "month": 12, "year": 2, "tertial": 1}


# How many periods, the analysed one included, the trend shows: two years of quarters, a year of months
# and the month a year earlier, five years, the same tertial four years running.
TREND_POINTS = {"quarter": 8, "month": 13, "year": 5, "tertial": 4}


def history_periods(selected: Period) -> list[tuple[Period, str | None]]:
    """The earlier periods shown beside the analysed one, oldest first, each with its role (`previous`,
    `year_earlier` or None for the rest of the trend).

    Every period shown is disjoint from the analysed one and from each other: published figures of
    overlapping periods (a cumulative tertial and the one before it, ranges that share a quarter) would
    let a reader subtract one from the other and see the small group in between. So a cumulative
    tertial is compared with the same tertial of earlier years, never with the shorter one inside it.
    """
    # the trend steps back by whole periods of the analysed one's length; tertials by whole years
    step = 3 if selected.kind == "tertial" else selected.length
    points = max(3, TREND_POINTS[selected.kind] // selected.length)
    chain = [(selected.shifted(-step * k), None) for k in range(1, points)]
    previous, year_earlier = (selected.previous(), "previous"), (selected.year_earlier(), "year_earlier")
    # earlier candidates win an overlap: for a cumulative tertial, the same tertial of earlier years
    candidates = (
        [year_earlier, *chain, previous] if selected.kind == "tertial" else [previous, year_earlier, *chain]
    )
    chosen: dict[str, tuple[Period, str | None]] = {}
    for period, role in candidates:
        if period.label in chosen:
            if chosen[period.label][1] is None:
                chosen[period.label] = (period, role)
            continue
        if all(_disjoint(period, other) for other in [selected, *(p for p, _ in chosen.values())]):
            chosen[period.label] = (period, role)
    return sorted(chosen.values(), key=lambda item: item[0].start)


def _disjoint(a: Period, b: Period) -> bool:
    return a.end < b.start or b.end < a.start


def period_history(
    whole: Prepared, selected: Period, findings: dict[str, Any], settings: AnalysisSettings
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """findings.json's `comparison` (the previous period and the same period a year earlier) and `trend`
    (the whole-group figures per sex of the analysed period and the earlier ones, oldest first), where
    the extract has rows for them.

    Each earlier period is analysed on its own rows with its own disclosure control, and only its
    whole-group cells are published. The periods are disjoint (see `history_periods`) and no table covers
    their union, so no hidden cell can be recovered across them. A period that ends before the extract's
    first date is left out of the trend (it is still listed, empty, when it is the previous period or
    the one a year earlier).
    """
    return period_histories(whole, selected, {None: findings}, settings, by=None)[None]


def period_histories(
    whole: Prepared,
    selected: Period,
    documents: dict[str | None, dict[str, Any]],
    settings: AnalysisSettings,
    by: str | None,
) -> dict[str | None, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """`period_history` of every unit of `documents` (its findings.json, keyed by the value of the
    column `by` of `whole`; with `by=None` the one key None and all rows): each earlier period is
    analysed for all units in one `analyse_units`, each unit on its own rows as if alone."""
    import dataclasses

    import polars as pl

    from oppnaogon.analysis.differences import analyse_units

    frame = whole.frame
    if by is not None:
        frame = frame.filter(pl.col(by).cast(pl.String).is_in([str(u) for u in documents]))

    first_dates = {unit: day for unit, (day,) in _per_unit(frame, by, pl.col("date").min()).items()}
    comparison: dict[str | None, list[dict[str, Any]]] = {unit: [] for unit in documents}
    trend: dict[str | None, list[dict[str, Any]]] = {unit: [] for unit in documents}
    for period, role in history_periods(selected):
        rows = frame.filter(pl.col("date").is_between(pl.lit(period.start), pl.lit(period.end)))
        counts = {unit: n for unit, (n,) in _per_unit(rows, by, pl.len()).items()}
        available = [unit for unit in documents if counts.get(unit, 0) >= settings.min_cell]
        earlier = {}
        if available:
            if by is not None:
                rows = rows.filter(pl.col(by).cast(pl.String).is_in(available))
            prepared = dataclasses.replace(whole, frame=rows)
            # analysed in full, as that period's own report is: its whole-group figures are then hidden
            # wherever that report hides them (a complement there must stay one here)
            earlier = analyse_units(prepared, by, settings, None)
        for unit in documents:
            entry: dict[str, Any] = {"role": role, **_span(period), "available": unit in earlier}
            if unit in earlier:
                # hidden where that period's own report hides it (a few of other or unknown sex)
                entry["rows"] = None if earlier[unit].rows_used_hidden else counts[unit]
                entry |= _whole_group(earlier[unit].descriptives, earlier[unit].differences)
            if role is not None:
                comparison[unit].append(dict(entry))
            first_date = first_dates.get(unit)
            if role is not None or (first_date is not None and period.end >= first_date):
                trend[unit].append(entry)
    result: dict[str | None, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for unit, findings in documents.items():
        current = {
            "role": "current",
            **_span(selected),
            "available": True,
            "rows": findings["input"]["rows_used"],
            **_whole_group(findings["descriptives"], findings["differences"]),
        }
        # the previous period first, then the year earlier, as before the trend existed
        comparison[unit].sort(key=lambda c: c["role"] != "previous")
        result[unit] = (comparison[unit], [*trend[unit], current])
    return result


def _span(period: Period) -> dict[str, str]:
    return {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()}


def _whole_group(
    descriptives: Sequence[dict[str, Any]], differences: Sequence[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    return {
        "descriptives": [d for d in descriptives if not d["breakdown"]],
        "differences": [
            {k: d[k] for k in ("outcome", "estimate", "ci", "p_value", "suppressed")}
            for d in differences
            if not d["breakdown"]
        ],
    }


def period_document(selected: Period, findings: dict[str, Any]) -> dict[str, Any]:
    """findings.json's `period`: the period, its neighbours for comparison and advice when it is small."""
    # crossed groups (age × birth region …) are hidden in most municipal quarters; a period is small when
    # the whole group or the single breakdowns cannot be shown
    differences = [d for d in findings["differences"] if len(d["breakdown"]) <= 1]
    hidden = sum(1 for d in differences if d["suppressed"])
    whole_hidden = any(not d["breakdown"] and d["p_value"] is None for d in differences)
    small = whole_hidden or (bool(differences) and hidden > SMALL_PERIOD_HIDDEN_SHARE * len(differences))
    pooled = selected.pooled(POOLED_PERIODS[selected.kind]) if small else None
    return {
        "label": selected.label,
        "kind": selected.kind,
        "start": selected.start.isoformat(),
        "end": selected.end.isoformat(),
        "previous": selected.previous().label,
        "year_earlier": selected.year_earlier().label,
        "small": small,
        "pooled_suggestion": pooled.label if pooled else None,
    }


def _protected_row_counts(
    rows: int,
    rows_used: int,
    exclusions: dict[str, int],
    min_cell: int,
    *,
    rows_used_hidden: bool = False,
    other_periods: bool = False,
) -> dict[str, Any]:
    """Rows read, used and excluded by reason, with the same disclosure rule as every table.

    An exclusion count of 1 to min_cell − 1 is hidden; so are the other reasons when only one would be
    hidden (it would follow from rows − rows_used), and rows read when the excluded total is small.
    When the disclosure control hid the rows used (a few people of other or unknown sex: the total less
    the women's and men's rows would count them), the rows read are hidden with it. The rows read of a
    file whose other periods are not analysed here are never published: less this report's rows they are
    the other periods' rows, and their reports' women and men would count the few of other or unknown
    sex that those reports hide.
    """
    excluded: dict[str, int | None] = {
        reason: (None if 0 < count < min_cell else count) for reason, count in exclusions.items()
    }
    if sum(v is None for v in excluded.values()) == 1:
        excluded = dict.fromkeys(excluded)
    total_excluded = rows - rows_used
    return {
        "rows": None if 0 < total_excluded < min_cell or rows_used_hidden or other_periods else rows,
        "rows_used": None if rows_used_hidden else rows_used,
        "rows_excluded": excluded,
    }


def _per_unit(frame: pl.DataFrame, by: str | None, *values: pl.Expr) -> dict[str | None, tuple[Any, ...]]:
    """The aggregations `values` of `frame`'s rows per value (as text) of the column `by`, in one pass;
    with `by=None`, of all rows, keyed None."""
    import polars as pl

    if by is None:
        return {None: frame.select(values).row(0)}
    grouped = frame.group_by(pl.col(by).cast(pl.String)).agg(values)
    return {unit: tuple(rest) for unit, *rest in grouped.iter_rows()}


def population_age_group(frame: pl.DataFrame) -> str:
    """children (all under 18), adults (all 18+) or mixed: decides flickor/pojkar or kvinnor/män."""
    return population_age_groups(frame, None)[None]


def population_age_groups(frame: pl.DataFrame, by: str | None) -> dict[str | None, str]:
    """`population_age_group` of the rows of each value (as text) of the column `by` (see `_per_unit`)."""
    import polars as pl

    from oppnaogon.model.sexes import age_group_of_population

    if "age" not in frame.columns:
        return dict.fromkeys(_per_unit(frame, by, pl.len()), "mixed")
    ranges = _per_unit(frame, by, pl.col("age").min().alias("low"), pl.col("age").max().alias("high"))
    return {unit: age_group_of_population(low, high) for unit, (low, high) in ranges.items()}


DEFAULT_AREA = "barn_och_unga"


def criteria_area_for(area: str | None) -> CriteriaArea:
    """The criteria table of `area` (oppnaogon.toml). Without one: SKR's table for child and youth care,
    whose criteria are the same in every area; only the texts (BBIC or IBIC) differ, and findings.json
    says that the area was assumed."""
    from oppnaogon.model.criteria import find_area, load_area

    return load_area(find_area(area) if area else DEFAULT_AREA)


def findings_document(
    data: Path,
    prepared: Prepared,
    findings: Findings,
    settings: AnalysisSettings,
    area: str | None,
    period: str | None,
    *,
    sha: str,
    age_group: str | None = None,
    grid: str | None = None,
    other_periods: bool = False,
) -> dict[str, Any]:
    """findings.json (PRODUCT §7): extend, never rename. `age_group`: that of `prepared`'s rows unless
    given (see `population_age_group`); `grid`: the config's period unit (rule R4); `other_periods`: the
    file's rows read include rows of other periods than the one analysed (`analyse --period`)."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "oppnaogon", "version": __version__},
        "input": {
            "file": data.name,
            "sha256": sha,
            **_protected_row_counts(
                prepared.rows_read,
                findings.rows_used,
                prepared.exclusions,
                settings.min_cell,
                rows_used_hidden=findings.rows_used_hidden,
                other_periods=other_periods,
            ),
        },
        "settings": {
            "min_cell": settings.min_cell,
            "area": area,
            "period": period,
            "alpha": settings.alpha,
            "min_diff": settings.min_diff,
            "min_smd": settings.min_smd,
            "confidence": settings.confidence,
            "age_bands": list(prepared.age_band_labels),
            "multiple_testing": "benjamini-hochberg",
        },
        "population": {"age_group": age_group or population_age_group(prepared.frame)},
        "outcomes": [
            {"name": o.name, "kind": o.kind, "column": o.column, "label": o.label or o.column}
            # a numeric outcome: whose criteria judge it (verdicts.criteria_kind; "none": not judged)
            | ({"criteria": verdicts.criteria_kind(o) or "none"} if o.kind == "numeric" else {})
            for o in findings.outcomes
        ],
        "breakdowns": [list(b) for b in findings.breakdowns],
        "descriptives": list(findings.descriptives),
        "differences": list(findings.differences),
        "data_quality": list(findings.data_quality),
        "missingness_flags": list(findings.missingness_flags),
        "criteria": {
            "area": findings.criteria_area,
            "area_assumed": area is None and findings.criteria_area is not None,
        },
        "accommodation": list(findings.accommodation),
        "disclosure": disclosure_summary(findings, grid),
    }
    if prepared.pooled_labels:  # only then: findings of files without such values stay as they were
        document["pooled_labels"] = [
            {k: entry[k] for k in ("column", "dimension", "values", "at_least_min_cell", "note")}
            for entry in prepared.pooled_labels
        ]
    return document


def disclosure_summary(findings: Findings, grid: str | None = None) -> dict[str, Any]:
    """What the disclosure control hid of the main figures, for the words of the terminal and reports:
    the rows used, and the women's and men's whole-group figures per outcome (hidden only when nothing
    else could protect a smaller group)."""
    by_period = set(findings.period_whole_group)
    whole = [
        {"outcome": d["outcome"], "sex": d["sex"]}
        | ({"because": "period"} if (d["outcome"], d["sex"]) in by_period else {})
        for d in findings.descriptives
        if not d["breakdown"] and d["sex"] in ("female", "male") and d["suppressed"]
    ]
    return {
        "hidden_cells": findings.hidden_cells,
        "rows_used_hidden": findings.rows_used_hidden,
        "whole_group_hidden": whole,
        # rule R4: the periods of the grid the report spans, and the cells hidden because one of them
        # hides them (so that no report can be subtracted from another)
        "grid": grid,
        "periods": findings.periods,
        "period_hidden": findings.period_hidden,
    }
