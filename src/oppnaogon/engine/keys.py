"""Grouping keys: each column as a small integer code (0 for missing), packed into as few 63-bit words
as they fit, so that a group-by runs on a few integers instead of one key per column."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from oppnaogon.io.loading import own_categories


def dimension_code(frame: pl.DataFrame, column: str) -> tuple[pl.Expr, int] | None:
    """A categorical dimension as a non-negative integer (see `category_code`) and its bits; None for a
    column of another type (grouped on as it is)."""
    if not isinstance(frame.schema[column], pl.Categorical | pl.Enum):
        return None
    return category_code(frame, column, pl.col(column))


def category_code(frame: pl.DataFrame, column: str, values: pl.Expr) -> tuple[pl.Expr, int]:
    """Categorical `values` (of `column`) as their codes (`code_of`) and the bits the largest needs: a
    column with categories of its own (Parquet) has no code beyond them, so no pass over the rows."""
    own = own_categories(frame.schema[column])
    highest = len(own) - 1 if own is not None else frame.select(values.to_physical().max()).item()
    return code_of(values), (0 if highest is None or highest < 0 else int(highest) + 1).bit_length()


def code_of(values: pl.Expr) -> pl.Expr:
    """Categorical values as their stratum codes: 0 for missing, else 1 + the categorical code."""
    return (values.to_physical().cast(pl.UInt64) + 1).fill_null(0)


WORD_BITS = 63  # bits of a packed key (an unsigned 64-bit integer, one bit to spare)


def pack(
    codes: Sequence[tuple[pl.Expr, int]], prefix: str
) -> tuple[list[pl.Expr], list[tuple[int, int] | None]]:
    """Integer codes (expression, bits) packed in order into 63-bit words, named prefix + index, and
    where each code went: (word, shift), or None for a code of no bits (always 0). Equal words ⇔ equal
    codes, so grouping by the words groups by the codes."""
    words: list[list[pl.Expr]] = []
    used: list[int] = []
    layout: list[tuple[int, int] | None] = []
    for expr, width in codes:
        if width > WORD_BITS:
            raise ValueError(f"a stratum code of {width} bits does not fit in a word")
        if width == 0:
            layout.append(None)
            continue
        if not words or used[-1] + width > WORD_BITS:
            words.append([])
            used.append(0)
        layout.append((len(words) - 1, used[-1]))
        words[-1].append(expr * (1 << used[-1]) if used[-1] else expr)
        used[-1] += width
    packed = [pl.sum_horizontal(parts).cast(pl.UInt64).alias(f"{prefix}{i}") for i, parts in enumerate(words)]
    return packed, layout


def unpacked(words: Sequence[str], place: tuple[int, int] | None, width: int) -> pl.Expr:
    """A code taken out of the packed `words` again, at its `place` from `pack` (of `width` bits)."""
    if place is None:
        return pl.lit(0, dtype=pl.UInt64)
    word, shift = place
    return (pl.col(words[word]) // (1 << shift)) % (1 << width)
