"""Roll-ups: the sums of every breakdown's groups, each from the finest table it is coarser than
rather than from the rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from oppnaogon.engine.keys import pack, unpacked


def summed(
    rows: pl.LazyFrame,
    breakdown: Sequence[str],
    keys: Sequence[str],
    sums: Sequence[str],
    widths: Mapping[str, int] | None = None,
) -> pl.LazyFrame:
    """`sums` of `rows` per group of `breakdown` and stratum (`keys`). Columns of codes whose `widths`
    (bits) are known are packed into as few words as they fit for the group-by (one integer key
    instead of several), and taken out of them again."""
    by = [*breakdown, *keys]
    if not by:
        return rows.select(pl.col(sums).sum())
    if widths is None or len(by) == 1 or any(c not in widths for c in by):
        return rows.group_by(by).agg(pl.col(sums).sum())
    words, layout = pack([(pl.col(c), widths[c]) for c in by], "__g")
    names = [w.meta.output_name() for w in words]
    columns = [unpacked(names, place, widths[c]).alias(c) for c, place in zip(by, layout, strict=True)]
    if not words:  # every code is 0: one group
        return rows.select(pl.col(sums).sum()).with_columns(columns).select(*by, *sums)
    return rows.group_by(words).agg(pl.col(sums).sum()).select(*columns, *sums)


ROLL_UP_FROM_ROWS = 200_000
"""Strata tables of at least this many rows are rolled up breakdown by breakdown (see `roll_ups`)."""


def roll_ups(
    rows: pl.DataFrame,
    dims: tuple[str, ...],
    breakdowns: Sequence[tuple[str, ...]],
    keys: Sequence[str],
    sums: Sequence[str],
    widths: Mapping[str, int] | None = None,
) -> dict[tuple[str, ...], pl.LazyFrame]:
    """`summed` of every breakdown, each from the smallest table already summed whose dimensions
    include the breakdown's (`rows`, by all `dims`, to begin with): larger breakdowns first, so that a
    breakdown by age band comes from the few rows by age band and birth region, not from all of them.
    Below `ROLL_UP_FROM_ROWS` rows every breakdown comes from `rows`, in the caller's one query."""
    if rows.height < ROLL_UP_FROM_ROWS:  # a query per breakdown costs more than it saves here
        return {b: summed(rows.lazy(), b, keys, sums, widths) for b in breakdowns}
    made: list[tuple[frozenset[str], pl.DataFrame]] = [(frozenset(dims), rows)]
    result: dict[tuple[str, ...], pl.LazyFrame] = {}
    for b in sorted(breakdowns, key=len, reverse=True):
        parent = min((t for d, t in made if d >= set(b)), key=lambda t: t.height)
        table = summed(parent.lazy(), b, keys, sums, widths).collect()
        made.append((frozenset(b), table))
        result[b] = table.lazy()
    return result
