"""The strata of the like-with-like comparisons: which criteria columns a comparison is stratified by
(the criterion sets), how the rows are keyed for it (`strata_layout`) and how its strata are joined back
to the differences they belong to."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from oppnaogon.engine.keys import category_code, code_of, dimension_code, pack, unpacked
from oppnaogon.io.loading import own_categories
from oppnaogon.model.names import key
from oppnaogon.model.roles import YES_CODES
from oppnaogon.prepare.normalise import UNIT

if TYPE_CHECKING:
    from oppnaogon.model.criteria import CriteriaArea


COMBINED = "all"


COLUMN = "column:"  # one criteria column alone, of a criterion of several columns (for `heterogeneous_in`)


WITHOUT = "without:"  # the criterion set of all available criteria but one (for `explained_by`)


@dataclass(frozen=True)
class StrataLayout:
    """How the rows are keyed for a like-with-like comparison (`verdicts._adjust`, `verdicts_numeric`): every
    dimension of the entries' breakdowns (the unit first, when there is one) and every criteria column of
    the sets as a small integer code, all packed into as few 63-bit words as they fit. Grouping on a few
    integers instead of one key per column is what makes these passes cheap. The strata are exactly those
    of the columns themselves (see `_stratum_code`); a dimension's code is taken out of the words again
    after the pass (`located`), and named only in the end."""

    unit: list[str]
    dims: list[str]
    codes: dict[str, tuple[pl.Expr, int]]
    packed_dims: list[str]
    plain_dims: list[str]
    words: list[pl.Expr]
    word_names: list[str]
    located: dict[str, pl.Expr]
    not_explaining: set[str]
    by_breakdown: dict[tuple[str, ...], list[tuple[tuple[Any, ...], int]]]
    """Per breakdown (the unit first), its groups' values and the index of their entry."""
    wanted: dict[tuple[str, ...], pl.LazyFrame]
    """Per breakdown, its groups with the index of their entry: a packed dimension by its code (the
    group's text cast to the column's type: the categories are the column's own), any other as text."""


def strata_layout(
    frame: pl.DataFrame, entries: Sequence[dict[str, Any]], sets: dict[str, list[str]], area: CriteriaArea
) -> StrataLayout:
    not_explaining = {
        c
        for cid, cols in sets.items()
        if cid != COMBINED
        for c in cols
        if (criterion := area.by_id(cid)) is not None and criterion.not_explaining_values
    }
    # the unit of `differences.analyse_units` is one more dimension of every breakdown
    unit = [UNIT] if UNIT in frame.columns else []
    dims = unit + sorted({d for e in entries for d in e["breakdown"]})
    all_columns = list(dict.fromkeys(c for cols in sets.values() for c in cols))
    codes = {d: code for d in dims if (code := dimension_code(frame, d)) is not None}
    packed_dims = [d for d in dims if d in codes]
    plain_dims = [d for d in dims if d not in codes]
    codes |= {c: _stratum_code(frame, c, c in not_explaining) for c in all_columns}
    # A column's code is 0 exactly when it is missing, so whether a value of a set was recorded is read
    # from the codes of a finest stratum, not counted per row; a not-explaining column's two levels
    # (given or not) hide whether it was missing, which gets a bit of its own.
    recorded = {f"__rec:{c}": (pl.col(c).is_not_null().cast(pl.UInt64), 1) for c in sorted(not_explaining)}
    codes |= recorded
    keyed = [*packed_dims, *all_columns, *recorded]
    words, layout = pack([codes[c] for c in keyed], "__w")
    word_names = [w.meta.output_name() for w in words]
    located = {c: unpacked(word_names, place, codes[c][1]) for c, place in zip(keyed, layout, strict=True)}
    by_breakdown: dict[tuple[str, ...], list[tuple[tuple[Any, ...], int]]] = {}
    for i, e in enumerate(entries):
        by_breakdown.setdefault((*unit, *e["breakdown"]), []).append(
            ((*([e["_unit"]] if unit else []), *e["breakdown"].values()), i)
        )
    wanted = {
        b: pl.LazyFrame(
            {d: [None if g[j] is None else str(g[j]) for g, _ in groups] for j, d in enumerate(b)}
            | {"__idx": [i for _, i in groups]},
            schema={**dict.fromkeys(b, pl.String), "__idx": pl.Int64},
        ).with_columns(code_of(pl.col(d).cast(frame.schema[d])) for d in b if d in codes)
        for b, groups in by_breakdown.items()
    }
    return StrataLayout(
        unit,
        dims,
        codes,
        packed_dims,
        plain_dims,
        words,
        word_names,
        located,
        not_explaining,
        by_breakdown,
        wanted,
    )


def _recorded(column: str, located: Mapping[str, pl.Expr], not_explaining: Collection[str]) -> pl.Expr:
    """Whether `column` has a value in a finest stratum, from the stratum's codes."""
    if column in not_explaining:
        return located[f"__rec:{column}"] == 1
    return located[column] != 0


def _attach_entries(
    strata: pl.LazyFrame, breakdown: tuple[str, ...], wanted: pl.LazyFrame, packed: Collection[str]
) -> pl.LazyFrame:
    """The strata of the groups that have an entry, with its index (`__idx`); the whole group (no
    breakdown, one unit) is the one entry of `wanted`. Packed dimensions are matched by their codes,
    any other as text."""
    if not breakdown:
        return strata.join(wanted, how="cross")
    b = list(breakdown)
    text = [pl.col(d).cast(pl.String) for d in b if d not in packed]
    return strata.with_columns(text).join(wanted, on=b, how="inner", nulls_equal=True)


def _stratum_code(frame: pl.DataFrame, column: str, not_explaining: bool) -> tuple[pl.Expr, int]:
    """The stratum of a criterion value as a non-negative integer, and how many bits it needs: 0 for a
    missing value (a stratum of its own), else 1 + the categorical code. A column whose values can be
    'needed but not given' is used as two levels only: accommodation given (a yes value) or not (see the
    module docstring)."""
    if not_explaining:
        given = _matching(frame, column, set(YES_CODES))
        return pl.col(column).is_in(given).fill_null(False).cast(pl.UInt64), 1
    values = pl.col(column)
    if not isinstance(frame.schema[column], pl.Categorical | pl.Enum):
        values = values.cast(pl.String).cast(pl.Categorical)
    return category_code(frame, column, values)


def _matching(frame: pl.DataFrame, column: str, values: set[str]) -> list[str]:
    """The distinct values of `column` whose key (see `names.key`) is in `values` (or, for a column with
    categories of its own, its categories: those not in the rows match no row)."""
    own = own_categories(frame.schema[column])
    distinct = (
        (own if own is not None else frame.get_column(column).drop_nulls().unique()).cast(pl.String).to_list()
    )
    return [v for v in distinct if key(v) in values]
