"""The privacy guard (PRODUCT §9): refuse data that still identify people, before anything is written.

Three signals stop a run with exit 4:
- a column whose header names an identifier (personnummer, namn, adress, …) and that holds values;
- a column whose values are Swedish personal identity or coordination numbers;
- personal identity numbers inside free-text values.

A number counts when it has 10 or 12 digits (with or without `-`/`+`), a possible date (day 61–91 for
coordination numbers; century 18/19/20 in the 12-digit form) and a valid Luhn check digit. Messages name
the column and how many values matched, never a value.

Random 10-digit case numbers pass those checks about once in 270 values, so a column whose values are
all bare 10/12-digit numbers is flagged only when more than 5 % of them are valid numbers; a real
personnummer column is ~100 % valid. Anywhere else a single valid number is enough.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oppnaogon.errors import PrivacyError
from oppnaogon.loading import LINE
from oppnaogon.roles import is_identifier_header

if TYPE_CHECKING:
    import polars as pl

# Candidate: 6 or 8 digits, optional separator, 4 digits, not inside a longer run of digits.
_CANDIDATE = r"(?:^|[^0-9])((?:18|19|20)?[0-9]{6}[-+]?[0-9]{4})(?:[^0-9]|$)"
_WHOLE = r"^(?:18|19|20)?[0-9]{6}[-+]?[0-9]{4}$"
_ID_COLUMN_SHARE = 0.9
_ID_COLUMN_VALID_SHARE = 0.05


@dataclass(frozen=True)
class PrivacyFinding:
    column: str
    reason: str  # "header" | "identity numbers" | "identity numbers in text"
    count: int


def luhn_valid(number: str) -> bool:
    """Check digit of a personnummer/samordningsnummer (10 or 12 digits, separators ignored).

    >>> luhn_valid("640823-3234"), luhn_valid("19640823-3234"), luhn_valid("640823-3235")
    (True, True, False)
    """
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) == 12:
        digits = digits[2:]
    if len(digits) != 10:
        return False
    total = 0
    for position, digit in enumerate(digits[:9]):
        product = digit * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10 == digits[9]


def _valid_expr(candidate: pl.Expr) -> pl.Expr:
    """Vectorised: is each candidate string a plausible, Luhn-valid identity number?"""
    import polars as pl

    digits = candidate.str.replace_all(r"[-+]", "")
    ten = pl.when(digits.str.len_chars() == 12).then(digits.str.slice(2)).otherwise(digits)
    d = [ten.str.slice(i, 1).cast(pl.Int32) for i in range(10)]
    total = pl.lit(0, dtype=pl.Int32)
    for position in range(9):
        product = d[position] * (2 if position % 2 == 0 else 1)
        total = total + product // 10 + product % 10
    month = ten.str.slice(2, 2).cast(pl.Int32)
    day = ten.str.slice(4, 2).cast(pl.Int32)
    century_ok = (digits.str.len_chars() == 10) | digits.str.slice(0, 2).is_in(["18", "19", "20"])
    return (
        ((10 - total % 10) % 10 == d[9])
        & month.is_between(1, 12)
        & (day.is_between(1, 31) | day.is_between(61, 91))
        & (ten.str.slice(6, 3) != "000")
        & century_ok
    )


def scan(frame: pl.DataFrame, distinct: Callable[[str], pl.Series] | None = None) -> list[PrivacyFinding]:
    """Every column that identifies people.

    The number check runs on each column's distinct values (`distinct`, e.g. `LoadedTable.distinct`,
    shares them with later steps); rows are counted only for the values that hold a candidate number.
    """
    import polars as pl

    findings: list[PrivacyFinding] = []
    columns = [c for c in frame.columns if c != LINE]
    non_null = frame.select(pl.col(columns).count()).row(0, named=True) if columns else {}
    for column in columns:
        if is_identifier_header(column) and non_null[column] > 0:
            findings.append(PrivacyFinding(column, "header", int(non_null[column])))

    flagged = {f.column for f in findings}
    # text as read: String from CSV and Excel, Categorical from Parquet (or Enum); and whole numbers
    texty = [
        c
        for c, dtype in frame.schema.items()
        if c != LINE
        and c not in flagged
        and (dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum) or dtype.is_integer())
        and non_null[c] > 0
    ]
    for column in texty:
        values = (
            distinct(column)
            if distinct is not None and not frame.schema[column].is_integer()
            else frame.get_column(column).drop_nulls().unique()
        ).cast(pl.String)
        # Cheap pre-filter: only values with a run of 10+ digits (allowing one separator) are examined.
        hits = values.filter(values.str.contains(r"[0-9]{6}[-+]?[0-9]{4}"))
        if hits.is_empty():
            continue
        per_value = (
            hits.to_frame("value")
            .with_columns(candidate=pl.col("value").str.extract_all(_CANDIDATE))
            .explode("candidate")
            .with_columns(pl.col("candidate").str.replace_all(r"^[^0-9]|[^0-9]$", ""))
            .group_by("value")
            .agg(_valid_expr(pl.col("candidate")).fill_null(False).sum().alias("valid"))
            .filter(pl.col("valid") > 0)
        )
        if per_value.is_empty():
            continue
        rows = (
            frame.select(pl.col(column).cast(pl.String).alias("value"))
            .filter(pl.col("value").is_in(hits.implode()))
            .group_by("value")
            .len()
        )
        counted = rows.join(per_value, on="value", how="left").with_columns(pl.col("valid").fill_null(0))
        valid = int(counted.select((pl.col("valid") * pl.col("len")).sum()).item())
        whole = int(counted.filter(pl.col("value").str.contains(_WHOLE)).get_column("len").sum())
        if whole >= _ID_COLUMN_SHARE * non_null[column]:
            if valid > _ID_COLUMN_VALID_SHARE * whole:
                findings.append(PrivacyFinding(column, "identity numbers", valid))
        elif whole == 0:
            findings.append(PrivacyFinding(column, "identity numbers in text", valid))
        else:
            findings.append(PrivacyFinding(column, "identity numbers", valid))
    return findings


def guard(frame: pl.DataFrame, source: str, distinct: Callable[[str], pl.Series] | None = None) -> None:
    """Raise :class:`PrivacyError` (exit 4) when the frame identifies people."""
    findings = scan(frame, distinct)
    if not findings:
        return
    described = []
    for f in findings:
        if f.reason == "header":
            described.append(
                f"'{f.column}' (rubriken visar att kolumnen innehåller personuppgifter; {f.count} värden)"
            )
        elif f.reason == "identity numbers":
            described.append(f"'{f.column}' ({f.count} värden är person- eller samordningsnummer)")
        else:
            described.append(f"'{f.column}' ({f.count} person- eller samordningsnummer inuti texten)")
    raise PrivacyError(
        f"{source} innehåller uppgifter som kan identifiera personer, i kolumn "
        + "; ".join(described)
        + ". Ingenting har analyserats eller skrivits.",
        "Ta bort kolumnerna (eller numren) ur uttaget och kör igen. Kön och ålder kan tas fram ur "
        "personnumret innan det tas bort. Värdena visas inte här av integritetsskäl.",
    )
