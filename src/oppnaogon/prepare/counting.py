"""Counts per unit and sex over the normalised rows, for the steps that need only a few such counts
(data quality, accommodation): how many rows of each unit and sex have each of some yes/no flags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from oppnaogon.prepare.normalise import UNIT

if TYPE_CHECKING:
    import polars as pl


def counts_by_sex(
    frame: pl.DataFrame, flags: Mapping[str, pl.Expr], sexes: Sequence[str]
) -> dict[tuple[str | None, str], dict[str, int]]:
    """For each unit (the text of the `UNIT` column; None when the frame has none, i.e. one unit) and
    each sex in `sexes`, how many rows have each flag (name: yes/no expression) true. Units analysed
    together are grouped; one unit comes from one select of sums masked by sex, as a group-by on the
    sexes costs several times more (10M rows, 21 flags: 0.16 s against 0.03 s). A unit and sex without
    rows may be absent: read the counts with a default of 0."""
    import polars as pl

    if UNIT in frame.columns:
        counted = (
            frame.lazy()
            .filter(pl.col("sex").is_in(sexes))
            .group_by(pl.col(UNIT).cast(pl.String), pl.col("sex").cast(pl.String))
            .agg(flag.sum().alias(name) for name, flag in flags.items())
            .collect()
        )
        return {(r[UNIT], r["sex"]): {name: r[name] for name in flags} for r in counted.iter_rows(named=True)}
    sums = (
        frame.lazy()
        .select(
            (flag & (pl.col("sex") == sex)).sum().alias(f"{i}:{j}")
            for i, sex in enumerate(sexes)
            for j, flag in enumerate(flags.values())
        )
        .collect()
        .row(0)
    )
    width = len(flags)
    return {
        (None, sex): dict(zip(flags, sums[i * width : (i + 1) * width], strict=True))
        for i, sex in enumerate(sexes)
    }
