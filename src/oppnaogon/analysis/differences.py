"""Step 1 "Vad ser vi?": sex-disaggregated descriptives and female − male differences, suppressed.

The data are read once: one group-by over every breakdown dimension and sex gives a small table of
cells (counts and yes-counts per outcome), plus one value-count table per numeric outcome for its sums,
medians and Mann–Whitney. Every breakdown is a roll-up of those tables, so the statistics never touch
the rows again. Many units (municipalities, periods) are analysed in the same
passes (`analyse_units`): the unit is one more grouping key, and each unit's small tables are then
handled as if the unit had been analysed alone.

Disclosure control (PRODUCT §9) is decided before anything is computed for publication: counts below
`min_cell` are hidden (primary), and complementary cells are hidden until no hidden cell can be
recovered from the published totals (:mod:`oppnaogon.disclosure.suppression`). Shares, means, intervals,
differences and tests computed from a hidden cell are hidden with it. Numeric outcomes have rules of their
own (size 2·min_cell, dominance, spread, median and its interval: see "disclosure rules of numeric
outcomes" below), whose hidden sums are primary cells of the same control.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any, cast

import numpy as np
import polars as pl

from oppnaogon.analysis import verdicts
from oppnaogon.disclosure.numeric import (
    PROFILE,
    numeric_hidden,
    numeric_min_n,
    profile,
)
from oppnaogon.disclosure.suppression import CannotProtect, Constraint, Inequality, primary_cells, protect
from oppnaogon.model import reasons
from oppnaogon.model.breakdowns import BREAKDOWNS, CROSSED_WITH_AGE
from oppnaogon.model.config import SEX_VALUES, OutcomeSpec
from oppnaogon.model.criteria import CriteriaArea
from oppnaogon.model.settings import AnalysisSettings
from oppnaogon.model.sexes import MINOR
from oppnaogon.prepare.counting import counts_by_sex
from oppnaogon.prepare.normalise import CRITERION_PREFIX, MISSING_PREFIX, OUTCOME_PREFIX, UNIT, Prepared
from oppnaogon.stats import compare as stats
from oppnaogon.stats.compare import finite_round as _round

DIMENSIONS: tuple[str, ...] = tuple(b.name for b in BREAKDOWNS)
TWO_WAY: tuple[tuple[str, str], ...] = CROSSED_WITH_AGE
COMPARED = stats.SEXES


@dataclass(frozen=True)
class Findings:
    """Everything step 1 publishes, already suppressed. `to_dict()` is findings.json (PRODUCT §7)."""

    descriptives: tuple[dict[str, Any], ...]
    differences: tuple[dict[str, Any], ...]
    data_quality: tuple[dict[str, Any], ...]
    missingness_flags: tuple[dict[str, Any], ...]
    breakdowns: tuple[tuple[str, ...], ...]
    outcomes: tuple[OutcomeSpec, ...]
    rows_used: int
    hidden_cells: int = 0
    rows_used_hidden: bool = False
    period_hidden: int = 0
    """Cells hidden only because the report of one of its periods hides them (rule R4)."""
    period_whole_group: tuple[tuple[str, str], ...] = ()
    """(outcome, sex) of the whole-group figures among them."""
    periods: int = 1
    """The periods of the grid the unit's rows span (R4 applies when more than one)."""
    accommodation: tuple[dict[str, Any], ...] = ()
    criteria_area: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _present_dimensions(columns: Collection[str]) -> list[str]:
    """The breakdown dimensions among `columns`, in report order: the fixed ones, then one per
    accessibility column whose accommodation can be lacking (`verdicts.accommodation_dimensions`)."""
    accommodation = sorted(c for c in columns if c.startswith(verdicts.ACCOMMODATION_PREFIX))
    levels = sorted(c for c in columns if c.startswith(verdicts.LEVEL_PREFIX))
    return [d for d in DIMENSIONS if d in columns] + accommodation + levels


def _breakdowns(varying: Sequence[str]) -> list[tuple[str, ...]]:
    """Whole population, each dimension that takes more than one value (`varying`), and the two-way
    intersections."""
    present = _present_dimensions(varying)
    result: list[tuple[str, ...]] = [(), *[(d,) for d in present]]
    result += [pair for pair in TWO_WAY if all(d in present for d in pair)]
    return result


# --- aggregation -------------------------------------------------------------------------------------


ONE_UNIT = "0"  # the key of the only unit of `analyse` (by=None)


def _aggregate(
    rows: pl.LazyFrame, keys: Sequence[str | pl.Expr], aggs: Sequence[pl.Expr], one_unit: bool
) -> pl.DataFrame:
    """`aggs` per unit and `keys` in one pass over `rows`, with the unit and the keys as text (grouped
    on the categorical codes; only the small result is turned into text). With one unit the rows have
    no unit column: a group-by on the keys alone, or a plain select, is far faster in Polars than
    grouping on a constant."""
    if one_unit:
        grouped = rows.group_by(keys).agg(aggs) if keys else rows.select(aggs)
        grouped = grouped.with_columns(pl.lit(ONE_UNIT).alias(UNIT))
    else:
        grouped = rows.group_by([UNIT, *keys]).agg(aggs)
    names = [k if isinstance(k, str) else k.meta.output_name() for k in keys]
    text = [n for n in [UNIT, *names] if n != "value"]
    return grouped.with_columns(pl.col(text).cast(pl.String)).collect()


def _varies(column: str) -> pl.Expr:
    """Whether `column` takes more than one value, missing counted as a value (as `n_unique() > 1`)."""
    code = pl.col(column).to_physical()
    mixed = (pl.col(column).null_count() > 0) & (pl.col(column).count() > 0)
    return (code.min() != code.max()).fill_null(False) | mixed


def _cell_table(
    frame: pl.DataFrame, dims: Sequence[str], outcomes: Sequence[OutcomeSpec], one_unit: bool
) -> pl.DataFrame:
    """One pass: per unit and combination of all dimensions and sex, the counts and sums every
    statistic needs."""

    aggs: list[pl.Expr] = [pl.len().alias("rows")]
    for spec in outcomes:
        column = pl.col(OUTCOME_PREFIX + spec.name)
        aggs.append(column.count().alias(f"n:{spec.name}"))
        if spec.is_binary:
            aggs.append(column.cast(pl.Int64).sum().alias(f"k:{spec.name}"))
    # sums of numeric values come from the value counts (`_moments`): counts add up exactly in any order
    return _aggregate(frame.lazy(), [*dims, "sex"], aggs, one_unit)


def _value_counts(
    frame: pl.DataFrame, dims: Sequence[str], spec: OutcomeSpec, one_unit: bool
) -> pl.DataFrame:
    """Per unit, combination of dimensions and sex, how many rows have each value of a numeric outcome."""

    column = OUTCOME_PREFIX + spec.name
    rows = frame.lazy().filter(pl.col(column).is_not_null())
    keys: list[str | pl.Expr] = [*dims, "sex", pl.col(column).alias("value")]
    return _aggregate(rows, keys, [pl.len().cast(pl.Int64).alias("count")], one_unit)


def _roll_up(
    cells: pl.DataFrame,
    breakdown: tuple[str, ...],
    measures: list[str],
    units: pl.DataFrame,
    moments: pl.DataFrame | None,
) -> pl.DataFrame:
    """Sum the cell table to one breakdown of every unit, with a row for every unit × group × sex
    (absent combinations = 0) and the breakdown's sums of numeric values (`moments`), sorted by unit,
    group and sex."""

    keys = [UNIT, *breakdown]
    summed = cells.group_by([*keys, "sex"]).agg(pl.col(measures).sum())
    if moments is not None:
        summed = summed.join(moments, on=[*keys, "sex"], how="left", nulls_equal=True)
    groups = summed.select(keys).unique() if breakdown else units.select(UNIT)
    grid = groups.join(pl.DataFrame({"sex": list(SEX_VALUES)}), how="cross")
    full = grid.join(summed, on=[*keys, "sex"], how="left", nulls_equal=True)
    return full.with_columns(pl.exclude(*keys, "sex").fill_null(0)).sort([*keys, "sex"], nulls_last=True)


def _moments(
    stacked: dict[str, pl.DataFrame], dims: Sequence[str], breakdowns: Sequence[tuple[str, ...]]
) -> dict[tuple[str, ...], pl.DataFrame]:
    """Per breakdown, unit, group and sex, the sum (s:) and the sum of squares (q:) of each numeric
    outcome, from its value counts (`_stacked`). Floating-point sums depend on their order, and neither a
    group-by's order nor Polars' summing within groups is fixed: added up by numpy over each group's
    values in sorted order, they are the same number in every run, and for a unit analysed with others
    or alone."""
    keys = [UNIT, "__b", *dims, "sex"]
    moments: pl.DataFrame | None = None
    for name, table in stacked.items():
        s, q = f"s:{name}", f"q:{name}"
        columns = (s, q, *(f"{p}:{name}" for p in PROFILE))
        if table.height == 0:  # no values at all: no group has a sum (the roll-up fills in zeros)
            sums = table.select(keys).with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in columns)
        else:
            value = table.get_column("value").cast(pl.Float64).to_numpy()
            count = table.get_column("count").to_numpy().astype(float)
            # where each group starts (the rows are sorted by the keys, then the value)
            runs = table.select(pl.struct(keys).rle_id()).to_series().to_numpy()
            first = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]])
            sums = table.select(keys)[first].with_columns(
                pl.Series(s, np.add.reduceat(value * count, first)),
                pl.Series(q, np.add.reduceat(value * value * count, first)),
                *(
                    pl.Series(f"{p}:{name}", column)
                    for p, column in zip(PROFILE, profile(value, count, first), strict=True)
                ),
            )
        moments = (
            sums
            if moments is None
            else moments.join(sums, on=keys, how="full", coalesce=True, nulls_equal=True)
        )
    if moments is None:
        return {}
    return {
        b: moments.filter(pl.col("__b") == i).select(UNIT, *b, "sex", pl.exclude(*keys))
        for i, b in enumerate(breakdowns)
    }


def _split(table: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """A table of every unit as one table per unit (in the same order)."""
    return {str(key[0]): part for key, part in table.partition_by(UNIT, as_dict=True).items()}


# --- the analysis -------------------------------------------------------------------------------------


def analyse(
    prepared: Prepared,
    settings: AnalysisSettings | None = None,
    area: CriteriaArea | None = None,
    *,
    whole_group_only: bool = False,
) -> Findings:
    """Descriptives, differences, tests and data quality for every outcome and breakdown, suppressed;
    with `area` (its criteria table), the criteria verdicts of decision and participation differences.
    `whole_group_only` analyses the whole group alone: its disclosure control then protects those cells
    only, which is less than the full report of the same rows hides; never publish it beside one."""
    return analyse_units(prepared, None, settings, area, whole_group_only=whole_group_only)[None]


def analyse_units(
    prepared: Prepared,
    by: str | None,
    settings: AnalysisSettings | None = None,
    area: CriteriaArea | None = None,
    *,
    whole_group_only: bool = False,
) -> dict[str | None, Findings]:
    """`analyse` of every unit (each value of the column `by`, which must have no missing values) as if
    its rows were analysed alone: the same breakdowns, tests, Benjamini–Hochberg family and disclosure
    control per unit. The rows are read in one set of passes for all units (the unit is one more
    grouping key); only the small per-unit tables are handled unit by unit. With `by=None` the whole
    frame is one unit, keyed None. Units come in the order of their values as text."""
    settings = settings or AnalysisSettings()
    outcomes = prepared.outcomes
    frame = prepared.frame
    one_unit = by is None
    if by is not None:
        if frame.get_column(by).null_count():
            raise ValueError(f"analyse_units: the unit column {by!r} has missing values")
        frame = frame.with_columns(pl.col(by).alias(UNIT))
    dimension_columns = _dimension_columns(prepared)
    # Where participation may differ: among those whose accommodation was lacking, a breakdown of its own
    # (issue 15, point 2), with the disclosure control, periods and verdicts of every breakdown.
    accommodation = verdicts.accommodation_dimensions(frame, outcomes, area) if area is not None else {}
    if accommodation:
        frame = frame.with_columns(expr.alias(name) for name, (expr, _) in accommodation.items())
        dimension_columns |= {name: header for name, (_, header) in accommodation.items()}
    # Where the difference is not the same at every level of a criteria column (Breslow–Day, see
    # `verdicts._heterogeneous_in`): the breakdown by that column's levels, for the outcome whose
    # whole-group difference showed it (issue 15, point 2). Which these are is known only once the
    # verdicts are, so the report is then built again with them, disclosure control and Benjamini–
    # Hochberg family included, until no new one is asked for (at most `MAX_LOCALISING_PASSES`).
    localised: dict[str, dict[str, frozenset[str]]] = {}
    for _ in range(MAX_LOCALISING_PASSES):
        forced, periods = _period_protection(
            frame, outcomes, one_unit, settings, dimension_columns, localised
        )
        unit_breakdowns, parts = _unit_parts(
            frame, outcomes, one_unit, settings, dimension_columns, whole_group_only, forced, localised
        )
        if area is None:
            break
        for unit, part in parts.items():
            for entry in part.differences:
                entry["_unit"] = unit
        verdicts.assess(frame, outcomes, [e for p in parts.values() for e in p.differences], area, settings)
        wanted = _localise(parts, localised, accommodation)
        if whole_group_only or wanted == localised:
            break
        added = {c for dims in wanted.values() for c in dims} - set(frame.columns)
        levels = verdicts.level_dimensions(frame, [_level_column(d) for d in added], settings.min_cell)
        frame = frame.with_columns(expr.alias(name) for name, (expr, _) in levels.items())
        dimension_columns |= {name: header for name, (_, header) in levels.items()}
        localised = wanted
    for part in parts.values():
        _link_levels(part.differences)
    result: dict[str | None, Findings] = {}
    for unit, part in parts.items():
        for entry in part.differences:
            entry.pop("_unit", None)
            entry.pop("_estimate", None)
            entry.pop("_heterogeneous_columns", None)
        result[None if by is None else unit] = Findings(
            descriptives=tuple(part.descriptives),
            differences=tuple(part.differences),
            data_quality=tuple(part.data_quality),
            missingness_flags=tuple(part.missingness_flags),
            breakdowns=tuple(unit_breakdowns[unit]),
            outcomes=tuple(outcomes),
            rows_used=part.rows,
            hidden_cells=part.hidden_cells,
            rows_used_hidden=part.rows_used_hidden,
            period_hidden=len(part.period_hidden),
            period_whole_group=tuple(
                sorted(
                    {
                        (key[1], key[2])
                        for key in map(_cell_tuple, part.period_hidden)
                        if key[0] in ("n", "k", "s") and key[3] == ()
                    }
                )
            ),
            periods=periods.get(unit, 1),
            accommodation=tuple(
                verdicts.accommodation_findings(part.descriptives, outcomes, area, list(accommodation))
            )
            if area is not None
            else (),
            criteria_area=area.area if area is not None else None,
        )
    return result


MAX_LOCALISING_PASSES = 3


def _level_column(dimension: str) -> str:
    """The criteria column (frame name) of a level dimension (`verdicts.level_dimension`)."""
    return CRITERION_PREFIX + dimension.removeprefix(verdicts.LEVEL_PREFIX)


def _localise(
    parts: Mapping[str, _UnitPart],
    localised: Mapping[str, Mapping[str, frozenset[str]]],
    accommodation: Collection[str] = (),
) -> dict[str, dict[str, frozenset[str]]]:
    """Per unit, the level dimensions its report needs and, per dimension, the outcomes to compare there:
    those of `localised` and those whose whole-group difference varies between the levels of a criteria
    column (its verdict's `heterogeneous_in`). A subgroup's varying difference asks for nothing: the
    breakdown by levels is of the whole group. A column with an `accommodation` dimension asks for
    nothing: that breakdown already shows the group whose accommodation was lacking."""
    wanted = {unit: dict(dims) for unit, dims in localised.items()}
    for unit, part in parts.items():
        for entry in part.differences:
            if entry["breakdown"]:
                continue
            for column in entry.get("_heterogeneous_columns") or []:
                if verdicts.accommodation_dimension(column) in accommodation:
                    continue
                dims = wanted.setdefault(unit, {})
                dim = verdicts.level_dimension(column)
                dims[dim] = dims.get(dim, frozenset()) | {entry["outcome"]}
    return wanted


def _link_levels(differences: Sequence[dict[str, Any]]) -> None:
    """Give each whole-group difference that varies between the levels of a criteria column the ids of
    its differences at those levels (`level_differences`, hidden ones included: the report says that
    they are hidden), where the report names them. For an accessibility column, the level is the group
    whose accommodation was lacking (its breakdown is that one)."""
    for entry in differences:
        if entry["breakdown"] or not entry.get("_heterogeneous_columns"):
            continue
        columns = entry["_heterogeneous_columns"]
        dims = {verdicts.level_dimension(c) for c in columns} | {
            verdicts.accommodation_dimension(c) for c in columns
        }
        entry["level_differences"] = [
            d["id"]
            for d in differences
            if d["outcome"] == entry["outcome"]
            and len(d["breakdown"]) == 1
            and next(iter(d["breakdown"])) in dims
        ]


def _unit_parts(
    frame: pl.DataFrame,
    outcomes: Sequence[OutcomeSpec],
    one_unit: bool,
    settings: AnalysisSettings,
    dimension_columns: dict[str, str],
    whole_group_only: bool = False,
    forced: dict[str, set[Hashable]] | None = None,
    localised: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
) -> tuple[dict[str, list[tuple[str, ...]]], dict[str, _UnitPart]]:
    """Every unit's breakdowns and its `_analyse_unit`: the rows read in one set of passes for all
    units (the unit column `UNIT`, absent with `one_unit`), each unit's small tables handled alone.
    `localised`: per unit (or the unit of a period, see `_period_protection`), its level dimensions and
    the outcomes compared in each (`_localise`); a level dimension is no breakdown of other units."""
    localised = localised or {}

    def levels_of(unit: str) -> Mapping[str, frozenset[str]]:
        return localised.get(unit.split(_PERIOD_OF)[0], {})

    present = _present_dimensions(frame.columns)
    # per unit: its rows, and whether each dimension takes more than one value (missing is one), which
    # a breakdown needs: from the smallest and largest code, far cheaper than counting distinct values
    units = _aggregate(
        frame.lazy(), [], [pl.len().alias("rows"), *[_varies(d).alias(d) for d in present]], one_unit
    )
    units = units.sort(UNIT)
    unit_breakdowns: dict[str, list[tuple[str, ...]]] = {
        row[UNIT]: [()]
        if whole_group_only
        else _breakdowns(
            [
                d
                for d in present
                if row[d] and (not d.startswith(verdicts.LEVEL_PREFIX) or d in levels_of(row[UNIT]))
            ]
        )
        for row in units.iter_rows(named=True)
    }
    breakdowns = list(dict.fromkeys(b for bs in unit_breakdowns.values() for b in bs))
    dims = sorted({d for b in breakdowns for d in b})
    measures = ["rows"] + [f"n:{o.name}" for o in outcomes]
    measures += [f"k:{o.name}" for o in outcomes if o.is_binary]
    cells = _cell_table(frame, dims, outcomes, one_unit)
    stacked = {
        o.name: _stacked(_value_counts(frame, dims, o, one_unit), dims, breakdowns)
        for o in outcomes
        if not o.is_binary
    }
    moments = _moments(stacked, dims, breakdowns)
    tables = {b: _split(_roll_up(cells, b, measures, units, moments.get(b))) for b in breakdowns}

    # Data quality: rows and missing values per sex for every used column (whole population).
    flags = [c for c in frame.columns if c.startswith(MISSING_PREFIX)]
    counted = {"rows": pl.col("sex").is_not_null()} | {f: pl.col(f) for f in flags}
    quality_rows: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for (unit, sex), counts in counts_by_sex(frame, counted, SEX_VALUES).items():
        quality_rows[ONE_UNIT if unit is None else unit][sex] = counts
    structural = _structural_missingness(frame, flags, outcomes, one_unit)
    medians = {name: _numeric_statistics(table, dims, breakdowns) for name, table in stacked.items()}

    parts: dict[str, _UnitPart] = {}
    for row in units.iter_rows(named=True):
        unit = row[UNIT]
        own = unit_breakdowns[unit]
        parts[unit] = _analyse_unit(
            {b: tables[b][unit] for b in own},
            own,
            outcomes,
            quality_rows[unit],
            flags,
            structural.get(unit, {}),
            {name: m.get(unit, {}) for name, m in medians.items()},
            row["rows"],
            settings,
            dimension_columns,
            (forced or {}).get(unit, frozenset()),
            levels_of(unit),
        )
    return unit_breakdowns, parts


# A unit's rows in one period of the extract's period grid (`period` in oppnaogon.toml) are a unit of
# their own for rule R4: "unit" + _PERIOD_OF + "period label"; rows without a period get _UNDATED.
_PERIOD_OF = "\x1f"
_UNDATED = "\x1e"


def _period_protection(
    frame: pl.DataFrame,
    outcomes: Sequence[OutcomeSpec],
    one_unit: bool,
    settings: AnalysisSettings,
    dimension_columns: dict[str, str],
    localised: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
) -> tuple[dict[str, set[Hashable]], dict[str, int]]:
    """Rule R4 (differencing across runs): the cells each unit must hide because one of its periods
    hides them, and how many periods each unit of several periods spans. (The accessibility counts are
    sums of the accommodation breakdown's cells, so they follow.)

    A report over several periods of the grid (a year of quarters, a rolling four quarters, the whole
    file) publishes a cell only where the report of every one of those periods publishes it: each of
    its published figures is then the sum of published figures of the periods' own reports, and no
    combination of the reports a municipality makes of one extract (each period, any run of periods)
    tells more than the periods' reports alone, each of which has its own protection. Each period is
    analysed here exactly as `analyse` of its rows would (same breakdowns, same rules)."""
    if "period" not in frame.columns:
        return {}, {}
    unit = pl.lit(ONE_UNIT) if one_unit else pl.col(UNIT).cast(pl.String)
    spans = frame.lazy().group_by(unit.alias(UNIT)).agg(pl.col("period").n_unique()).collect()
    periods = {u: n for u, n in spans.iter_rows() if n > 1}
    several = list(periods)
    if not several:
        return {}, {}
    atom = unit + pl.lit(_PERIOD_OF) + pl.col("period").cast(pl.String).fill_null(pl.lit(_UNDATED))
    # one unit: every row (and Polars 2.1 fails on a literal predicate over a frame of several chunks, as
    # the frame is once the accommodation dimensions are added: "filter predicate length of 2")
    selected = frame if one_unit else frame.filter(unit.is_in(several))
    atoms = selected.with_columns(atom.alias(UNIT))
    # a period's report is built with its unit's level breakdowns (as if it published them too)
    _, parts = _unit_parts(atoms, outcomes, False, settings, dimension_columns, localised=localised)
    # where a dimension takes one value in a period, the period's whole-group cells are also its cells of
    # that value in every breakdown of the longer report that adds the dimension
    present = _present_dimensions(frame.columns)
    constants = (
        atoms.lazy()
        .group_by(UNIT)
        .agg(*[_varies(d).alias(d) for d in present], *[pl.col(d).first().alias(f"v:{d}") for d in present])
        .with_columns(pl.col(f"v:{d}").cast(pl.String) for d in present)
        .collect()
    )
    union_breakdowns = _breakdowns(present)
    forced: dict[str, set[Hashable]] = defaultdict(set)
    for row in constants.iter_rows(named=True):
        name = row[UNIT]
        fixed = {d: row[f"v:{d}"] for d in present if not row[d]}
        forced[name.split(_PERIOD_OF)[0]] |= _in_longer_report(parts[name].hidden, fixed, union_breakdowns)
    return dict(forced), periods


def _in_longer_report(
    hidden: Collection[Hashable], fixed: dict[str, Any], breakdowns: Sequence[tuple[str, ...]]
) -> set[Hashable]:
    """The keys, in a report over several periods, of the cells one period hides: the same keys, and for
    a cell of breakdown b every breakdown of the longer report that adds only dimensions constant in
    the period (`fixed`: dimension → its one value), with those values in its group."""
    keys: set[Hashable] = set()
    for key in hidden:
        keys.add(key)
        if not (isinstance(key, tuple) and key[0] in ("n", "k", "s")):
            continue
        measure, outcome, sex, b, g = key
        for wider in breakdowns:
            added = [d for d in wider if d not in b]
            if not added or not set(b) <= set(wider) or any(d not in fixed for d in added):
                continue
            values = dict(zip(b, g, strict=True)) | {d: fixed[d] for d in added}
            keys.add((measure, outcome, sex, wider, tuple(values[d] for d in wider)))
    return keys


def _dimension_columns(prepared: Prepared) -> dict[str, str]:
    """The input column behind each breakdown dimension (its missing values are its group "unknown")."""
    found = {}
    for breakdown in BREAKDOWNS:
        role = next((r for r in breakdown.roles if r in prepared.roles), None)
        if role is not None:
            found[breakdown.name] = prepared.roles[role].header
    return found


@dataclass
class _UnitPart:
    descriptives: list[dict[str, Any]]
    differences: list[dict[str, Any]]
    data_quality: list[dict[str, Any]]
    missingness_flags: list[dict[str, Any]]
    rows: int
    hidden_cells: int
    rows_used_hidden: bool
    hidden: frozenset[Hashable] = frozenset()
    period_hidden: frozenset[Hashable] = frozenset()
    """The cells hidden although this unit's own values would not hide them first: one of its
    periods hides them (rule R4)."""


def _analyse_unit(
    tables: dict[tuple[str, ...], pl.DataFrame],
    breakdowns: list[tuple[str, ...]],
    outcomes: Sequence[OutcomeSpec],
    quality_rows: dict[str, dict[str, Any]],
    flags: list[str],
    structural: dict[str, str],
    medians: dict[str, Any],
    rows_used: int,
    settings: AnalysisSettings,
    dimension_columns: dict[str, str],
    forced: Collection[Hashable] = frozenset(),
    levels: Mapping[str, frozenset[str]] | None = None,
) -> _UnitPart:
    """Disclosure control, descriptives, differences and data quality of one unit, from its tables.
    `forced`: cells hidden whatever their value (those its periods hide, rule R4). `levels`: per level
    dimension, the outcomes compared there (`_localise`)."""
    n_values = _count_cells(tables, outcomes, quality_rows, flags, rows_used)
    hidden, own_primary = _protect_unit(
        tables, breakdowns, outcomes, quality_rows, flags, n_values, settings, dimension_columns, forced
    )
    return _UnitPart(
        descriptives=_descriptives(tables, breakdowns, outcomes, hidden, medians, settings),
        differences=_differences(tables, breakdowns, outcomes, hidden, medians, settings, levels or {}),
        data_quality=_data_quality(flags, n_values, hidden),
        missingness_flags=_missingness_flags(n_values, hidden, flags, settings, structural),
        rows=rows_used,
        hidden_cells=len(hidden),
        rows_used_hidden=("rows_used",) in hidden,
        hidden=frozenset(hidden),
        period_hidden=frozenset(key for key in forced if key in hidden and key not in own_primary),
    )


def _group_key(b: tuple[str, ...], row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[d] for d in b)


def _count_cells(
    tables: dict[tuple[str, ...], pl.DataFrame],
    outcomes: Sequence[OutcomeSpec],
    quality_rows: dict[str, dict[str, Any]],
    flags: list[str],
    rows_used: int,
) -> dict[Hashable, float]:
    """The counts of a unit that are published: persons per outcome, sex and group ("n"), rows per sex,
    missing and present values per flagged column and sex, and the rows used."""
    n_values: dict[Hashable, float] = {}
    for b, table in tables.items():
        for row in table.iter_rows(named=True):
            for spec in outcomes:
                n_values[("n", spec.name, row["sex"], b, _group_key(b, row))] = row[f"n:{spec.name}"]
    for sex in SEX_VALUES:
        rows = quality_rows.get(sex, {}).get("rows", 0)
        n_values[("rows", sex)] = rows
        for f in flags:
            column = f.removeprefix(MISSING_PREFIX)
            missing = quality_rows.get(sex, {}).get(f, 0)
            n_values[("missing", column, sex)] = missing
            n_values[("present", column, sex)] = rows - missing
    n_values[("rows_used",)] = rows_used
    return n_values


def _protect_unit(
    tables: dict[tuple[str, ...], pl.DataFrame],
    breakdowns: list[tuple[str, ...]],
    outcomes: Sequence[OutcomeSpec],
    quality_rows: dict[str, dict[str, Any]],
    flags: list[str],
    n_values: dict[Hashable, float],
    settings: AnalysisSettings,
    dimension_columns: dict[str, str],
    forced: Collection[Hashable],
) -> tuple[set[Hashable], set[Hashable]]:
    """The disclosure control of one unit: the n system (counts), then the yes-counts with them, then the
    sums of numeric outcomes. Returns the hidden cells and those the unit's own values would hide
    (without `forced`: what its periods cost, rule R4)."""
    constraints = _tree_constraints(tables, breakdowns, outcomes, "n")
    constraints.append(Constraint(("rows_used",), tuple(("rows", s) for s in SEX_VALUES)))
    outcome_columns = {spec.column: spec.name for spec in outcomes}
    for sex in SEX_VALUES:
        for f in flags:
            column = f.removeprefix(MISSING_PREFIX)
            # rows = present + missing; for an outcome column "present" is the published n of the outcome
            present = (
                ("n", outcome_columns[column], sex, (), ())
                if column in outcome_columns
                else ("present", column, sex)
            )
            constraints.append(Constraint(("rows", sex), (("missing", column, sex), present)))
    primary = primary_cells(n_values, settings.min_cell) | _small_margins(
        tables, outcomes, quality_rows, flags, settings.min_cell
    )
    # what this unit's own values would hide, to say how many more cells its periods cost (R4)
    own_primary = set(primary)
    primary |= {key for key in forced if key in n_values}
    inequalities = _count_inequalities(tables, outcomes, quality_rows, dimension_columns)

    k_values: dict[Hashable, float] = {}
    k_small: set[Hashable] = set()
    s_values: dict[Hashable, float] = {}
    for b, table in tables.items():
        for row in table.iter_rows(named=True):
            g = _group_key(b, row)
            for spec in outcomes:
                n = row[f"n:{spec.name}"]
                if spec.is_binary:
                    k = row[f"k:{spec.name}"]
                    key = ("k", spec.name, row["sex"], b, g)
                    k_values[key] = k
                    small = 0 < k < settings.min_cell or 0 < n - k < settings.min_cell
                    # all or none of a small group (attribute disclosure): "all 8 boys were refused"
                    everyone_or_no_one = 0 < n < ATTRIBUTE_MIN_GROUP and k in (0, n)
                    if small or everyone_or_no_one:
                        k_small.add(key)
                        own_primary.add(key)
                    elif key in forced:
                        k_small.add(key)
                else:
                    s_values[("s", spec.name, row["sex"], b, g)] = row[f"s:{spec.name}"]
    # Complements come first from the cells of other and unknown sex: a few people of unknown sex must not
    # cost the women's or men's figures of the whole group (as they did in most quarters of the example);
    # those figures, and then the number of rows used, are hidden only when nothing else will do.
    hidden = protect(
        n_values,
        primary,
        constraints,
        preferred=_minor_sex_cells(n_values),
        avoided=_main_cells(n_values),
        inequalities=inequalities,
        min_width=settings.min_cell,
    )
    # The yes-counts are audited with the counts they are part of (0 <= k <= n), the counts as decided
    # (fast: the systems stay small). A share whose count is hidden is hidden too. Where that cannot be
    # protected without hiding more counts (tiny extracts), counts and yes-counts are protected as one
    # system, until nothing changes.
    joint = n_values | k_values
    everything = constraints + _tree_constraints(tables, breakdowns, outcomes, "k")
    bounds = inequalities + [Inequality(key, (_count_cell(key),)) for key in k_values]
    options: dict[str, Any] = {
        "preferred": _minor_sex_cells(joint),
        "avoided": _main_cells(joint),
        "inequalities": bounds,
        "min_width": settings.min_cell,
    }
    k_primary = k_small | {key for key in k_values if _count_cell(key) in hidden}
    try:
        visible_counts = [key for key in n_values if key not in hidden]
        hidden = protect(joint, hidden | k_primary, everything, fixed_visible=visible_counts, **options)
    except CannotProtect:
        wanted = primary | k_small
        while True:
            hidden = protect(joint, wanted, everything, **options)
            follow = {key for key in k_values if _count_cell(key) in hidden and key not in hidden}
            if not follow:
                break
            wanted = hidden | follow
    s_primary = {
        key
        for key in s_values
        if _count_cell(key) in hidden or 0 < n_values[_count_cell(key)] < settings.min_cell
    }
    s_primary |= numeric_primary(tables, outcomes, settings)
    own_primary |= s_primary
    s_primary |= {key for key in forced if key in s_values}
    hidden |= protect(
        s_values,
        s_primary,
        _tree_constraints(tables, breakdowns, outcomes, "s"),
        preferred=_minor_sex_cells(s_values),
    )
    return hidden, own_primary


def _descriptives(
    tables: dict[tuple[str, ...], pl.DataFrame],
    breakdowns: list[tuple[str, ...]],
    outcomes: Sequence[OutcomeSpec],
    hidden: set[Hashable],
    medians: dict[str, Any],
    settings: AnalysisSettings,
) -> list[dict[str, Any]]:
    """Per outcome, breakdown, group and sex: n, the share or mean with its interval (and a numeric
    outcome's SD and median), each null where the disclosure control hides it."""
    descriptives: list[dict[str, Any]] = []
    for spec in outcomes:
        for b in breakdowns:
            table = tables[b]
            n = table[f"n:{spec.name}"].to_numpy().astype(float)
            if spec.is_binary:
                k = table[f"k:{spec.name}"].to_numpy().astype(float)
                with np.errstate(divide="ignore", invalid="ignore"):
                    value = k / n
                low, high = stats.wilson_interval(k, n, settings.confidence)
            else:
                total = table[f"s:{spec.name}"].to_numpy().astype(float)
                squares = table[f"q:{spec.name}"].to_numpy().astype(float)
                with np.errstate(divide="ignore", invalid="ignore"):
                    value = total / n
                    variance = np.maximum(squares - total * total / n, 0) / (n - 1)
                sd = np.sqrt(variance)
                low, high = stats.mean_interval(n, value, sd, settings.confidence)
            for i, row in enumerate(table.iter_rows(named=True)):
                g = _group_key(b, row)
                n_hidden = ("n", spec.name, row["sex"], b, g) in hidden
                measure = "k" if spec.is_binary else "s"
                value_hidden = n_hidden or (measure, spec.name, row["sex"], b, g) in hidden or n[i] == 0
                entry: dict[str, Any] = {
                    "outcome": spec.name,
                    "kind": spec.kind,
                    "breakdown": dict(zip(b, g, strict=True)),
                    "sex": row["sex"],
                    "n": None if n_hidden else int(n[i]),
                    "value": None if value_hidden else _round(value[i]),
                    "ci": None if value_hidden else [_round(low[i]), _round(high[i])],
                    "suppressed": bool(n_hidden or (value_hidden and n[i] > 0)),
                }
                if not spec.is_binary:
                    entry["sd"] = None if value_hidden else _round(sd[i])
                    med = medians[spec.name].get((b, g, row["sex"]))
                    # a published mean has n >= 2·min_cell and a median that is no bound of the group's
                    # values (`numeric_primary`); its interval leaves min_cell persons outside each bound
                    show = not value_hidden and med is not None
                    interval = show and bool(stats.median_interval_shows_no_one(n[i], settings.min_cell))
                    entry["median"] = _round(med[0]) if show and med else None
                    entry["median_ci"] = [_round(med[1]), _round(med[2])] if interval and med else None
                descriptives.append(entry)
    return descriptives


def _data_quality(
    flags: list[str], n_values: dict[Hashable, float], hidden: set[Hashable]
) -> list[dict[str, Any]]:
    """Per flagged column and sex: rows, missing values and their share, null where hidden."""
    data_quality: list[dict[str, Any]] = []
    for f in flags:
        column = f.removeprefix(MISSING_PREFIX)
        for sex in SEX_VALUES:
            rows = n_values[("rows", sex)]
            missing = n_values[("missing", column, sex)]
            visible = ("rows", sex) not in hidden and ("missing", column, sex) not in hidden
            data_quality.append(
                {
                    "column": column,
                    "sex": sex,
                    "rows": None if ("rows", sex) in hidden else int(rows),
                    "missing": int(missing) if visible else None,
                    "share": _round(missing / rows) if visible and rows else None,
                    "suppressed": not visible,
                }
            )
    return data_quality


def _cell_tuple(key: Hashable) -> tuple[Any, ...]:
    """A cell key of the disclosure tables as the tuple it is, e.g. ("k", outcome, sex, breakdown,
    group) (`suppression` takes any hashable key)."""
    return cast("tuple[Any, ...]", key)


def _count_cell(key: Hashable) -> tuple[Any, ...]:
    """The count cell ("n", …) that a yes-count or sum cell ("k"/"s", …) is part of."""
    return ("n", *_cell_tuple(key)[1:])


def _tree_constraints(
    tables: dict[tuple[str, ...], pl.DataFrame],
    breakdowns: Sequence[tuple[str, ...]],
    outcomes: Sequence[OutcomeSpec],
    measure: str,
) -> list[Constraint]:
    """Each group of a coarser breakdown is the sum of the groups of a finer one that refine it."""
    present = set(breakdowns)
    constraints = []
    specs = [o for o in outcomes if (measure == "n") or (o.is_binary == (measure == "k"))]
    for b in breakdowns:
        if not b:
            continue
        # the groups in table order (one row per sex each), read as plain lists: no query per table
        groups = list(dict.fromkeys(zip(*(tables[b].get_column(d).to_list() for d in b), strict=True)))
        for drop in range(len(b)):
            parent_b = b[:drop] + b[drop + 1 :]
            if parent_b not in present:
                continue
            children: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
            for g in groups:
                children[g[:drop] + g[drop + 1 :]].append(g)
            for spec, sex in product(specs, SEX_VALUES):
                for parent_g, child_gs in children.items():
                    constraints.append(
                        Constraint(
                            (measure, spec.name, sex, parent_b, parent_g),
                            tuple((measure, spec.name, sex, b, g) for g in child_gs),
                        )
                    )
    return constraints


def difference_id(outcome: str, breakdown: tuple[str, ...], group: tuple[Any, ...]) -> str:
    """Stable id of a difference: `insats_beviljad/age_band=13-17,birth_region=sweden` (whole: the name)."""
    parts = [f"{d}={'unknown' if v is None else v}" for d, v in zip(breakdown, group, strict=True)]
    return f"{outcome}/{','.join(parts)}" if parts else outcome


def _stacked(
    counts: pl.DataFrame, dims: Sequence[str], breakdowns: Sequence[tuple[str, ...]]
) -> pl.DataFrame:
    """A value-count table rolled up to every breakdown, stacked in one table told apart by the
    breakdown's index (`__b`); a dimension outside the breakdown is null throughout, so grouping by all
    of them groups by the breakdown's. Sorted by unit, breakdown, group, sex and value."""
    return (
        pl.concat(
            [
                counts.lazy()
                .group_by([UNIT, *b, "sex", "value"])
                .agg(pl.col("count").sum())
                .select(
                    UNIT,
                    pl.lit(i, dtype=pl.Int32).alias("__b"),
                    *[pl.col(d) if d in b else pl.lit(None, dtype=pl.String).alias(d) for d in dims],
                    "sex",
                    "value",
                    "count",
                )
                for i, b in enumerate(breakdowns)
            ]
        )
        .sort([UNIT, "__b", *dims, "sex", "value"], nulls_last=True)
        .collect()
    )


def _numeric_statistics(
    stacked: pl.DataFrame,
    dims: Sequence[str],
    breakdowns: Sequence[tuple[str, ...]],
) -> dict[str, dict[tuple[Any, ...], Any]]:
    """Per unit: medians with CIs per (breakdown, group, sex) and Mann–Whitney p per ("mw", breakdown,
    group), from the value counts of every breakdown (`_stacked`)."""

    by = [UNIT, "__b", *dims]
    result: dict[str, dict[tuple[Any, ...], Any]] = defaultdict(dict)

    def place(row: tuple[Any, ...]) -> tuple[str, tuple[str, ...], tuple[Any, ...]]:
        unit, index, *values = row
        b = breakdowns[index]
        return unit, b, tuple(v for d, v in zip(dims, values, strict=True) if d in b)

    for row in stats.grouped_medians(stacked, by).iter_rows():
        *keys, sex, _, median, low, high = row
        unit, b, g = place(tuple(keys))
        result[unit][(b, g, sex)] = (median, low, high)
    for row in stats.grouped_mann_whitney(stacked, by).select(*by, "p_value").iter_rows():
        unit, b, g = place(row[:-1])
        result[unit][("mw", b, g)] = row[-1]
    return result


def numeric_primary(
    tables: dict[tuple[str, ...], pl.DataFrame],
    outcomes: Sequence[OutcomeSpec],
    settings: AnalysisSettings,
) -> set[Hashable]:
    """The sum cells ("s", outcome, sex, breakdown, group) of numeric outcomes that rules 1–4 hide
    (primary), for every sex and group with values; from the roll-up tables' sums and profiles."""
    min_n = numeric_min_n(settings)
    primary: set[Hashable] = set()
    for spec in outcomes:
        if spec.is_binary:
            continue
        name = spec.name
        columns = [f"n:{name}", f"s:{name}", f"q:{name}", *(f"{p}:{name}" for p in PROFILE)]
        for b, table in tables.items():
            for row in table.select(*b, "sex", *columns).iter_rows():
                group, sex = tuple(row[: len(b)]), row[len(b)]
                n, total, squares, *group_profile = row[len(b) + 1 :]
                if n > 0 and numeric_hidden(n, total, squares, group_profile, min_n, sex in COMPARED):
                    primary.add(("s", name, sex, b, group))
    return primary


def _differences(
    tables: dict[tuple[str, ...], pl.DataFrame],
    breakdowns: Sequence[tuple[str, ...]],
    outcomes: Sequence[OutcomeSpec],
    hidden: set[Hashable],
    medians: dict[str, Any],
    settings: AnalysisSettings,
    levels: Mapping[str, frozenset[str]],
) -> list[dict[str, Any]]:
    """Female − male per outcome and group: estimate, CI, test; BH over every published test. In a level
    breakdown, only the outcomes whose difference varies between its levels (`levels`) are compared."""
    entries: list[dict[str, Any]] = []
    for spec in outcomes:
        for b in breakdowns:
            if any(d.startswith(verdicts.LEVEL_PREFIX) and spec.name not in levels.get(d, ()) for d in b):
                continue
            table = tables[b]
            rows = {(tuple(r[d] for d in b), r["sex"]): r for r in table.iter_rows(named=True)}
            groups = list(dict.fromkeys(g for g, _ in rows))
            if any(d.startswith(verdicts.ACCOMMODATION_PREFIX) for d in b):
                # the group whose accommodation was lacking is compared; the others are nearly the whole
                # group again (shown in step 1, not tested twice)
                groups = [g for g in groups if g == (verdicts.LACKING,)]
            for g in groups:
                female, male = rows[(g, "female")], rows[(g, "male")]
                measure = "k" if spec.is_binary else "s"
                blocked = [
                    key
                    for sex in COMPARED
                    for key in (("n", spec.name, sex, b, g), (measure, spec.name, sex, b, g))
                    if key in hidden
                ]
                n1, n2 = female[f"n:{spec.name}"], male[f"n:{spec.name}"]
                entry: dict[str, Any] = {
                    "id": difference_id(spec.name, b, g),
                    "outcome": spec.name,
                    "kind": spec.kind,
                    "breakdown": dict(zip(b, g, strict=True)),
                    "groups": list(COMPARED),
                    "estimate": None,
                    "ci": None,
                    "test": None,
                    "p_value": None,
                    "p_adjusted": None,
                    "noteworthy": False,
                    "suppressed": bool(blocked),
                    "reason": None,
                    "verdict": None,
                    "explained_by": None,
                    "verdict_reason": None,
                    "reflect": False,
                    "masked": False,
                    "criteria": None,
                    "criteria_missing": [],
                    "heterogeneous_in": [],
                    "level_differences": [],
                    "adjusted": None,
                }
                if blocked:
                    entry["reason"] = reasons.published("hidden_small_group")
                    if not spec.is_binary and all(
                        key[0] == "s" and rows[(g, key[2])][f"n:{spec.name}"] >= numeric_min_n(settings)
                        for key in blocked
                    ):
                        # hidden by a rule of numeric values (dominance, spread, median at a bound) or
                        # as their complement
                        entry["reason"] = reasons.published("hidden_values_revealable")
                elif min(n1, n2) < settings.min_cell:
                    entry["reason"] = reasons.published("untested_sex_too_few")
                else:
                    entry["_arrays"] = (female, male)
                entries.append(entry)
    _test_all(entries, outcomes, medians, settings)
    return entries


def _test_all(
    entries: list[dict[str, Any]],
    outcomes: Sequence[OutcomeSpec],
    medians: dict[str, Any],
    settings: AnalysisSettings,
) -> None:
    by_name = {o.name: o for o in outcomes}
    testable = [e for e in entries if "_arrays" in e]
    binary = [e for e in testable if by_name[e["outcome"]].is_binary]
    numeric = [e for e in testable if not by_name[e["outcome"]].is_binary]
    if binary:
        k1 = np.array([e["_arrays"][0][f"k:{e['outcome']}"] for e in binary], dtype=float)
        n1 = np.array([e["_arrays"][0][f"n:{e['outcome']}"] for e in binary], dtype=float)
        k2 = np.array([e["_arrays"][1][f"k:{e['outcome']}"] for e in binary], dtype=float)
        n2 = np.array([e["_arrays"][1][f"n:{e['outcome']}"] for e in binary], dtype=float)
        low, high = stats.newcombe_interval(k1, n1, k2, n2, settings.confidence)
        p, test = stats.two_by_two_test(k1, n1, k2, n2)
        for i, e in enumerate(binary):
            e["_estimate"] = float(k1[i] / n1[i] - k2[i] / n2[i])
            e["estimate"] = _round(e["_estimate"])
            e["ci"] = [_round(low[i]), _round(high[i])]
            e["test"] = str(test[i])
            e["_p"] = float(p[i])
            e["p_value"] = stats.p_round(p[i])
            if test[i] == "none":
                e["reason"] = reasons.published("untested_outcome_constant")
    if numeric:
        welch = []
        for e in numeric:
            female, male = e["_arrays"]
            name = e["outcome"]
            n1, n2 = female[f"n:{name}"], male[f"n:{name}"]
            m1, m2 = female[f"s:{name}"] / n1, male[f"s:{name}"] / n2
            sd1, sd2 = _sd(female, name), _sd(male, name)
            # Welch interval for the difference of means; the test is Mann–Whitney (skewed extents)
            v1, v2 = sd1**2 / n1, sd2**2 / n2
            se = (v1 + v2) ** 0.5
            dof = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1)) if se > 0 else n1 + n2 - 2
            welch.append((m1, m2, sd1, sd2, n1, n2, se, dof))
        # all t quantiles in one vectorised call
        quantiles = stats.t_quantile(np.array([w[-1] for w in welch]), 0.5 + settings.confidence / 2)
        for e, (m1, m2, sd1, sd2, n1, n2, se, _), q in zip(numeric, welch, quantiles, strict=True):
            name = e["outcome"]
            e["_estimate"] = float(m1 - m2)
            e["estimate"] = _round(m1 - m2)
            e["ci"] = [_round(m1 - m2 - q * se), _round(m1 - m2 + q * se)]
            e["_smd"] = float(stats.smd(m1, sd1, n1, m2, sd2, n2))
            e["smd"] = _round(e["_smd"])
            e["test"] = "mann-whitney"
            p = medians[name].get(("mw", tuple(e["breakdown"]), tuple(e["breakdown"].values())))
            e["_p"] = None if p is None else float(p)
            e["p_value"] = None if p is None else stats.p_round(p)
            if e["p_value"] is None:
                e["reason"] = reasons.published("untested_values_equal")
    # the thresholds and Benjamini–Hochberg on the unrounded values (4.996 pp is not 5)
    published = [e for e in testable if e["p_value"] is not None]
    adjusted = stats.benjamini_hochberg(np.array([e["_p"] for e in published], dtype=float))
    for e, p_adj in zip(published, adjusted, strict=True):
        e["p_adjusted"] = stats.p_round(p_adj)
        size_ok = (
            abs(e["_estimate"]) >= settings.min_diff
            if by_name[e["outcome"]].is_binary
            else abs(e.get("_smd") or 0) >= settings.min_smd
        )
        e["noteworthy"] = bool(p_adj < settings.alpha and size_ok)
    for e in entries:
        for private in ("_arrays", "_p", "_smd"):
            e.pop(private, None)


def _sd(row: dict[str, Any], name: str) -> float:
    n, total, squares = row[f"n:{name}"], row[f"s:{name}"], row[f"q:{name}"]
    return float(max(squares - total * total / n, 0) / (n - 1)) ** 0.5 if n > 1 else float("nan")


MINOR_SEXES = MINOR  # other and unknown sex (`model.sexes`)


def _minor_sex_cells(values: dict[Hashable, float]) -> list[Hashable]:
    """The count cells of people of other or unknown sex (their sex is element 2 of an outcome's key,
    element 1 of rows, element 2 of missing and present)."""
    return [
        key
        for key in values
        if isinstance(key, tuple)
        and (
            (key[0] in ("n", "k", "s", "missing", "present") and len(key) > 2 and key[2] in MINOR_SEXES)
            or (key[0] == "rows" and key[1] in MINOR_SEXES)
        )
    ]


# A share of 0 % or 100 % is not published exactly for a group smaller than this (attribute disclosure:
# "all 8 boys aged 6-12 were refused" tells something about each of them). docs/privacy.md, rule R9.
ATTRIBUTE_MIN_GROUP = 10


def _small_margins(
    tables: dict[tuple[str, ...], pl.DataFrame],
    outcomes: Sequence[OutcomeSpec],
    quality_rows: dict[str, dict[str, Any]],
    flags: list[str],
    min_cell: int,
) -> set[Hashable]:
    """Small groups hidden whole (rule R2): when a sex has 1 … min_cell − 1 rows in the unit, every
    cell of that sex (a single hidden column, zeros included); when a breakdown group has 1 …
    min_cell − 1 rows over all sexes, every cell of that group. A pattern of hidden cells among
    published zeros would otherwise show where the few people are."""
    cells: set[Hashable] = set()
    small_sexes = {sex for sex in SEX_VALUES if 0 < quality_rows.get(sex, {}).get("rows", 0) < min_cell}
    for sex in small_sexes:
        cells.add(("rows", sex))
        for f in flags:
            column = f.removeprefix(MISSING_PREFIX)
            cells |= {("missing", column, sex), ("present", column, sex)}
    for b, table in tables.items():
        margins: dict[tuple[Any, ...], int] = defaultdict(int)
        rows = list(table.iter_rows(named=True))
        for row in rows:
            margins[tuple(row[d] for d in b)] += row["rows"]
        for row in rows:
            g = tuple(row[d] for d in b)
            if row["sex"] in small_sexes or (b and 0 < margins[g] < min_cell):
                cells |= {("n", spec.name, row["sex"], b, g) for spec in outcomes}
    return cells


def _main_cells(values: dict[Hashable, float]) -> list[Hashable]:
    """The women's and men's whole-group figures, their rows and missing counts: complements of last
    resort (the number of rows used is an ordinary candidate, to be hidden before any of these)."""
    main: list[Hashable] = []
    for key in values:
        if not isinstance(key, tuple) or len(key) < 3:
            continue
        whole_group = key[0] in ("n", "k", "s") and key[3] == () and key[2] in COMPARED
        if whole_group or (key[0] == "missing" and key[2] in COMPARED):
            main.append(key)
    main += [("rows", sex) for sex in COMPARED if ("rows", sex) in values]
    return main


def _count_inequalities(
    tables: dict[tuple[str, ...], pl.DataFrame],
    outcomes: Sequence[OutcomeSpec],
    quality_rows: dict[str, dict[str, Any]],
    dimension_columns: dict[str, str],
) -> list[Inequality]:
    """What a reader knows of the counts beyond the sums, for the range audit (rule R3).

    - Two outcomes of one group: each counts the group's rows less those missing the outcome, so
      n(o1) <= rows <= n(o2) + missing(o2): with nothing missing, the counts of all outcomes are equal.
    - The group "unknown" of a breakdown is (at least) the rows missing the breakdown's column:
      missing(d) <= rows(unknown) <= n(o, unknown) + missing(o); and where every missing value of the
      column falls in that group and nowhere else (as the data show for this unit), also
      n(o, unknown) <= missing(d).
    """
    inequalities: list[Inequality] = []
    names = [spec.name for spec in outcomes]
    missing_of = {spec.name: spec.column for spec in outcomes}
    for b, table in tables.items():
        for row in table.iter_rows(named=True):
            g = tuple(row[d] for d in b)
            sex = row["sex"]
            cell = {name: ("n", name, sex, b, g) for name in names}
            for first in names:
                for second in names:
                    if first != second:
                        slack = ("missing", missing_of[second], sex)
                        inequalities.append(Inequality(cell[first], (cell[second], slack)))
            if len(b) != 1 or g != (None,) or b[0] not in dimension_columns:
                continue
            column = dimension_columns[b[0]]
            missing = ("missing", column, sex)
            exact = row["rows"] == quality_rows.get(sex, {}).get(MISSING_PREFIX + column, -1)
            for name in names:
                inequalities.append(Inequality(missing, (cell[name], ("missing", missing_of[name], sex))))
                if exact:
                    inequalities.append(Inequality(cell[name], (missing,)))
    return inequalities


# A column is recorded only when a yes/no outcome is yes (hours of an intervention that was granted) when
# its being missing agrees with the outcome being no in at least this share of the rows.
STRUCTURAL_AGREEMENT = 0.95


def _structural_missingness(
    frame: pl.DataFrame, flags: list[str], outcomes: Sequence[Any], one_unit: bool
) -> dict[str, dict[str, str]]:
    """Per unit, {column: outcome name} for columns that are missing exactly when a yes/no outcome is
    no: their missingness differs between the sexes only because the outcome does, and is not a
    data-quality problem. One pass over the frame for all pairs and units."""
    pairs = [
        (f, spec)
        for f in flags
        for spec in outcomes
        if spec.is_binary and f.removeprefix(MISSING_PREFIX) != spec.column
    ]
    if not pairs or frame.height == 0:
        return {}
    agreement = _aggregate(
        frame.lazy(),
        [],
        [
            # missing ⇔ outcome no, i.e. missing ≠ outcome, among the rows with the outcome recorded
            # (a comparison with a null outcome is null and not summed)
            (
                (pl.col(f) != pl.col(OUTCOME_PREFIX + spec.name)).sum()
                / pl.col(OUTCOME_PREFIX + spec.name).count()
            ).alias(f"{i}")
            for i, (f, spec) in enumerate(pairs)
        ],
        one_unit,
    ).select(UNIT, *[f"{i}" for i in range(len(pairs))])
    result: dict[str, dict[str, str]] = {}
    for unit, *shares in agreement.iter_rows():
        found: dict[str, str] = {}
        for (f, spec), share in zip(pairs, shares, strict=True):
            column = f.removeprefix(MISSING_PREFIX)
            if share is not None and share >= STRUCTURAL_AGREEMENT and column not in found:
                found[column] = spec.name
        result[unit] = found
    return result


def _missingness_flags(
    n_values: dict[Hashable, float],
    hidden: set[Hashable],
    flags: list[str],
    settings: AnalysisSettings,
    structural: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Does missingness itself differ between women and men? ("Är datan tillförlitlig?") Not flagged when
    the column is recorded only for one answer of an outcome (`explained_by_outcome`)."""
    structural = structural or {}
    results: list[dict[str, Any]] = []
    for f in flags:
        column = f.removeprefix(MISSING_PREFIX)
        keys = [("missing", column, s) for s in COMPARED] + [("rows", s) for s in COMPARED]
        if any(k in hidden for k in keys):
            continue
        m1, m2 = n_values[("missing", column, "female")], n_values[("missing", column, "male")]
        r1, r2 = n_values[("rows", "female")], n_values[("rows", "male")]
        if not r1 or not r2 or (m1 == 0 and m2 == 0):
            continue
        p, test = stats.two_by_two_test(np.array([m1]), np.array([r1]), np.array([m2]), np.array([r2]))
        results.append(
            {
                "column": column,
                "difference": m1 / r1 - m2 / r2,  # rounded below, after the threshold
                "p_value": float(p[0]),
                "test": str(test[0]),
            }
        )
    adjusted = stats.benjamini_hochberg(np.array([r["p_value"] for r in results], dtype=float))
    for r, p_adj in zip(results, adjusted, strict=True):
        r["p_value"] = stats.p_round(r["p_value"])
        r["p_adjusted"] = stats.p_round(p_adj)
        differs = bool(p_adj < settings.alpha and abs(r["difference"]) >= settings.min_diff / 2)
        r["difference"] = _round(r["difference"])
        r["explained_by_outcome"] = structural.get(r["column"]) if differs else None
        r["flag"] = differs and r["explained_by_outcome"] is None
    return results
