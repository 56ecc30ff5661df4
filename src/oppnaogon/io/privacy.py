"""The privacy guard (PRODUCT §9): refuse data that still identify people, before anything is written.

Signals that stop a run with exit 4 (PrivacyError):
- the data file's path (file or folder name) or the output folder's name holds an identity number;
- a column whose header names an identifier (personnummer, namn, adress, …) and that holds values;
- a column header that is itself an identity number (a file exported without its header row);
- a column whose values are Swedish personal identity or coordination numbers, or that holds such
  numbers inside free text;
- any cell of any other sheet of an Excel workbook that holds such a number (and a sheet name that is one).

What counts as a number. Each value is split into maximal runs of digits and of other characters; a
candidate is a run of 10 or 12 digits, or a run of 6 or 8 digits, one separator and a run of 4 digits.
The separator may be `-`, `+`, a space (also a no-break space), `.`, `/`, `_`, an en or em dash or a
minus sign, or a dash or plus between two spaces (`071224 - 1231`): the forms people actually type.
The candidate's digits, separators removed, must then be a possible date (month 1–12, day 1–31, or
61–91 for samordningsnummer), a serial other than 000, the century 18/19/20 in the 12-digit form, and
a valid Luhn check digit. Numeric columns (Parquet integers, floats and decimals, Excel number cells)
are checked as the whole numbers they hold (`7122412310.0` is `7122412310`).

Numbers that lost their leading zero. Excel, and any tool that stores the number as a number, drops
the leading zero of people born 2000–2009 (`0712241231` becomes the nine digits `712241231`): exactly
the children of a barn och unga extract. In a column that is mostly (at least half of its values)
bare 9–12-digit whole numbers, a 9-digit value is also checked zero-padded to 10 digits. Elsewhere a
9-digit number is not padded: in free text or among small numbers it is not recognisably a
personnummer, and padding there would turn ordinary numbers into false alarms.

Columns of bare numbers. Random 10-digit case numbers pass the checks about once in 270 values
(9-digit ones, padded, about once in 130), so until 2026 such a column was refused only when more than 5 %
of its values were valid. That let a handful of real personnummer among case numbers through, which is
exactly the mistake an export makes (a person number typed into the case-number field). The rule now
is: a column that is mostly bare 9–12-digit numbers is refused whenever it holds one valid identity
number. A false alarm costs the analyst one column that the analysis never uses: a column of person or
case numbers, one per client, is itself an identifier (a case number leads back to the person in the
case-management system), so it does not belong in an anonymised extract either, and the message says so.
Shorter serial numbers (1, 2, 3 … or 6–8 digits) are never candidates and pass.

Messages name the column and how many values matched, never a value; a header, sheet name or path
that holds a run of six or more digits is never printed: the column is named by its position
("kolumn nr 3"), the sheet by its place in the workbook, and the file as "datafilen".

A refusal creates nothing: `analyse` and `batch` read and guard their input before the output lock is
taken and any folder is made, and the paths are guarded before anything prints or logs them. A run with
`--log-file` still logs its refusal, one line `exit 4: Stoppat av integritetsskäl: …` with the message as
printed (so without a value, or a name that holds a number): a cron job's log must say why it stopped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from oppnaogon.errors import PrivacyError
from oppnaogon.io.loading import LINE
from oppnaogon.model.roles import is_identifier_header

if TYPE_CHECKING:
    import polars as pl

# One separator between the date part and the serial, as typed: dashes, plus, space, dot, slash,
# underscore, no-break space, minus sign; or a dash or plus between two spaces.
_SEPARATOR = r"(?:[-+ ./_\u00a0\u2010\u2011\u2012\u2013\u2014\u2212]| [-+\u2013\u2014] )"
_TOKENS = r"[0-9]+|[^0-9]+"
# Values worth splitting into tokens: a run of six digits (every candidate has one)
_PREFILTER = r"[0-9]{6}"
_BARE = r"^[0-9]{9,12}$"
_BARE_NINE = r"^[0-9]{9}$"
_BARE_COLUMN_SHARE = 0.5
_UNSAFE_NAME = re.compile(r"[0-9]{6}")
_CASE_NUMBER_NOTE = (
    "en kolumn av 9–12-siffriga nummer, person- eller ärendenummer, pekar ut enskilda personer och hör "
    "inte hemma i ett avidentifierat uttag"
)


@dataclass(frozen=True)
class PrivacyFinding:
    column: str
    reason: str  # "header" | "identity numbers" | "identity numbers in text" | "header number" | "sheet"
    count: int
    position: int = 0  # 1-based column position in the file (0: not known)
    bare_column: bool = False  # a column of bare 9–12-digit numbers (person or case numbers)
    lines: tuple[int, ...] = ()  # the first rows of the file that hold one (where the file tells them)


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
    """Vectorised: are each candidate's digits (anything else is ignored) a plausible, Luhn-valid
    personnummer or samordningsnummer of 10 or 12 digits?"""
    import polars as pl

    digits = candidate.str.replace_all(r"[^0-9]", "")
    length = digits.str.len_chars()
    ten = pl.when(length == 12).then(digits.str.slice(2)).otherwise(digits)
    d = [ten.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(10)]
    total = pl.lit(0, dtype=pl.Int32)
    for position in range(9):
        product = d[position] * (2 if position % 2 == 0 else 1)
        total = total + product // 10 + product % 10
    month = ten.str.slice(2, 2).cast(pl.Int32, strict=False)
    day = ten.str.slice(4, 2).cast(pl.Int32, strict=False)
    century_ok = (length == 10) | ((length == 12) & digits.str.slice(0, 2).is_in(["18", "19", "20"]))
    return (
        ((10 - total % 10) % 10 == d[9])
        & month.is_between(1, 12)
        & (day.is_between(1, 31) | day.is_between(61, 91))
        & (ten.str.slice(6, 3) != "000")
        & century_ok
    )


def holds_identity_number(values: pl.Series) -> pl.Series:
    """For each text value: does it hold a candidate (module docstring) that is a valid identity number?

    Each value is split into maximal runs of digits and of other characters, so a number is never found
    inside a longer run of digits, and two numbers side by side are both found.

    >>> import polars as pl
    >>> holds_identity_number(pl.Series(["071224 1231", "se 19071224.1231", "2024-01-15", "0712241231"])).to_list()
    [True, True, False, True]
    """
    import polars as pl

    if values.is_empty():
        return pl.Series(values.name, [], dtype=pl.Boolean)
    token = pl.col("token")
    after, then = token.shift(-1).over("id"), token.shift(-2).over("id")
    digits = token.str.contains(r"^[0-9]+$")
    length = token.str.len_chars()
    bare = digits & length.is_in([10, 12])
    pair = (
        digits
        & length.is_in([6, 8])
        & after.str.contains(f"^{_SEPARATOR}$")
        & then.str.contains(r"^[0-9]{4}$")
    )
    ids = values.cast(pl.String).to_frame("value").with_row_index("id")
    candidates = (
        ids.select("id", token=pl.col("value").str.extract_all(_TOKENS))
        .explode("token")
        .select(
            "id",
            candidate=pl.when(bare).then(token).when(pair).then(token + then),
        )
        .drop_nulls("candidate")
    )
    valid = candidates.filter(_valid_expr(pl.col("candidate")).fill_null(False)).get_column("id").unique()
    found = ids.select(found=pl.col("id").is_in(valid.implode()))
    return found.get_column("found").rename(values.name or "found")


def _text_of(column: str, dtype: pl.DataType) -> pl.Expr:
    """A column as the text the number check reads: whole numbers without a decimal part
    (`7122412310.0` and the decimal `7122412310.00` are `7122412310`)."""
    import polars as pl

    text = pl.col(column).cast(pl.String)
    if dtype.is_float() or dtype.is_decimal():
        text = text.str.replace(r"\.0*$", "")
    return text


def _scannable(dtype: pl.DataType) -> bool:
    import polars as pl

    return (
        dtype == pl.String
        or isinstance(dtype, pl.Categorical | pl.Enum)
        or dtype.is_integer()
        or dtype.is_float()
        or dtype.is_decimal()
    )


_LINES_SHOWN = 3


def _scan_column(
    frame: pl.DataFrame, column: str, values: pl.Series, non_null: int, position: int
) -> PrivacyFinding | None:
    """The finding of one column of `frame`, given its distinct values as text (`values`)."""
    import polars as pl

    hits = values.filter(values.str.contains(_PREFILTER))
    if hits.is_empty():
        return None
    table = pl.DataFrame({"value": hits, "valid": holds_identity_number(hits)}).with_columns(
        bare=pl.col("value").str.contains(_BARE),
        # a 10-digit number that lost its leading zero (stored as a number): checked padded
        padded=pl.col("value").str.contains(_BARE_NINE) & _valid_expr("0" + pl.col("value")).fill_null(False),
        whole=pl.col("value").str.contains(
            f"^(?:[0-9]{{9,12}}|(?:18|19|20)?[0-9]{{6}}{_SEPARATOR}[0-9]{{4}})$"
        ),
    )
    if not table.select(pl.col("valid").any() | pl.col("padded").any()).item():
        return None
    # rows are counted only for the values that hold candidates, and only in columns that have one
    rows = (
        frame.select(_text_of(column, frame.schema[column]).alias("value"))
        .filter(pl.col("value").is_in(hits.implode()))
        .group_by("value")
        .len()
    )
    counted = rows.join(table, on="value", how="inner")
    bare_rows = int(counted.filter(pl.col("bare")).get_column("len").sum())
    bare_column = bare_rows >= _BARE_COLUMN_SHARE * non_null
    matched = counted.filter(pl.col("valid") | (pl.col("padded") & bare_column))
    count = int(matched.get_column("len").sum())
    if count == 0:
        return None
    reason = "identity numbers" if matched.get_column("whole").any() else "identity numbers in text"
    lines: tuple[int, ...] = ()
    if LINE in frame.columns:  # the rows to look at: a row number tells nothing of the person
        lines = tuple(
            frame.select(LINE, _text_of(column, frame.schema[column]).alias("value"))
            .filter(pl.col("value").is_in(matched.get_column("value").implode()))
            .get_column(LINE)
            .head(_LINES_SHOWN + 1)
            .to_list()
        )
    return PrivacyFinding(column, reason, count, position, bare_column, lines)


def _lines_text(f: PrivacyFinding) -> str:
    """'; rad 3' or '; rader 3, 7, 9 …' (the first rows holding a number), or nothing."""
    if not f.lines:
        return ""
    shown = ", ".join(str(line) for line in f.lines[:_LINES_SHOWN])
    more = " …" if len(f.lines) > _LINES_SHOWN else ""
    return f"; {'rad' if len(f.lines) == 1 else 'rader'} {shown}{more}"


def _positions(columns: Sequence[str], dropped_columns: Sequence[int]) -> dict[str, int]:
    """Each column's 1-based position in the file: empty unnamed columns dropped on reading count too."""
    positions: dict[str, int] = {}
    position = 0
    for column in columns:
        position += 1
        while position in dropped_columns:
            position += 1
        positions[column] = position
    return positions


def scan(
    frame: pl.DataFrame,
    distinct: Callable[[str], pl.Series] | None = None,
    *,
    dropped_columns: Sequence[int] = (),
    other_sheets: Sequence[tuple[int, str, pl.DataFrame]] = (),
) -> list[PrivacyFinding]:
    """Every column (and other sheet) that identifies people.

    The number check runs on each column's distinct values (`distinct`, e.g. `LoadedTable.distinct`,
    shares them with later steps); rows are counted only for the values that hold a candidate number.
    `other_sheets` are the workbook's other sheets (position, name, cells as text): every cell is checked.
    """
    import polars as pl

    findings: list[PrivacyFinding] = []
    columns = [c for c in frame.columns if c != LINE]
    positions = _positions(columns, dropped_columns)
    non_null = frame.select(pl.col(columns).count()).row(0, named=True) if columns else {}
    numbered = holds_identity_number(pl.Series(columns, dtype=pl.String)).to_list()
    for column, is_number in zip(columns, numbered, strict=True):
        if is_number:
            findings.append(PrivacyFinding(column, "header number", 1, positions[column]))
    for column in columns:
        if is_identifier_header(column) and non_null[column] > 0:
            findings.append(PrivacyFinding(column, "header", int(non_null[column]), positions[column]))

    flagged = {f.column for f in findings if f.reason == "header"}
    schema = frame.schema
    for column in columns:
        dtype = schema[column]
        if column in flagged or non_null[column] == 0 or not _scannable(dtype):
            continue
        text = dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
        if text:
            values = (
                distinct(column).cast(pl.String)
                if distinct is not None
                else frame.get_column(column).cast(pl.String).drop_nulls().unique()
            )
        else:
            # numbers: only those of six digits or more can hold a candidate; the rest (hours, ages,
            # amounts) are left out before the text cast, which would cost 0.3 s a million rows
            large = frame.select(pl.col(column).filter(pl.col(column).abs() >= 100_000).unique())
            values = large.select(_text_of(column, dtype)).to_series()
        finding = _scan_column(frame, column, values, int(non_null[column]), positions[column])
        if finding is not None:
            findings.append(finding)

    for position, name, cells in other_sheets:
        if holds_identity_number(pl.Series([name])).item():
            findings.append(PrivacyFinding(name, "sheet name", 1, position))
        count = 0
        for column in cells.columns:
            values = cells.get_column(column).cast(pl.String).drop_nulls()
            if values.is_empty():
                continue
            found = _scan_column(cells, column, values.unique(), values.len(), 0)
            count += found.count if found else 0
        if count:
            findings.append(PrivacyFinding(name, "sheet", count, position))
    return findings


def shown_name(name: str, what: str, position: int) -> str:
    """`'name'`, or `what nr position` when the name holds a run of six digits (it may be, or hide, an
    identity number): what error messages print of a header or sheet name."""
    if not name or _UNSAFE_NAME.search(name):
        return f"{what} nr {position}" if position else f"{what} (namnet visas inte)"
    return f"{what} '{name}'"


def _described(f: PrivacyFinding) -> str:
    column = shown_name(f.column, "kolumn", f.position)
    if f.reason == "header number":
        return (
            f"kolumnrubrik nr {f.position} är ett person- eller samordningsnummer (filen saknar troligen "
            "sin rubrikrad, så att första raden med data har blivit rubriker)"
        )
    if f.reason == "header":
        return f"{column} (rubriken visar att kolumnen innehåller personuppgifter; {f.count} värden)"
    if f.reason == "identity numbers":
        note = f"; {_CASE_NUMBER_NOTE}" if f.bare_column else ""
        return f"{column} ({f.count} värden är person- eller samordningsnummer{_lines_text(f)}{note})"
    if f.reason == "identity numbers in text":
        return f"{column} ({f.count} person- eller samordningsnummer inuti texten{_lines_text(f)})"
    sheet = shown_name(f.column, "bladet", f.position)
    if f.reason == "sheet name":
        return f"bladet nr {f.position} (bladets namn är ett person- eller samordningsnummer)"
    return f"{sheet} ({f.count} celler med person- eller samordningsnummer)"


def guard(
    frame: pl.DataFrame,
    source: str,
    distinct: Callable[[str], pl.Series] | None = None,
    *,
    dropped_columns: Sequence[int] = (),
    other_sheets: Sequence[tuple[int, str, pl.DataFrame]] = (),
) -> None:
    """Raise :class:`PrivacyError` (exit 4) when the frame (or another sheet of its workbook) identifies
    people. `source` is the file as the message names it."""
    findings = scan(frame, distinct, dropped_columns=dropped_columns, other_sheets=other_sheets)
    if not findings:
        return
    hints = ["Ta bort kolumnerna (eller numren) ur uttaget och kör igen."]
    if any(f.reason == "header number" for f in findings):
        hints.append("Exportera uttaget med rubrikraden som första rad.")
    if any(f.reason in ("sheet", "sheet name") for f in findings):
        hints.append("Arbetsbokens alla blad kontrolleras: ta bort bladen som inte hör till uttaget.")
    hints.append(
        "Kön och ålder kan tas fram ur personnumret innan det tas bort. Värdena visas inte här av "
        "integritetsskäl."
    )
    shown = "Datafilen" if _UNSAFE_NAME.search(source) else source
    raise PrivacyError(
        f"{shown} innehåller uppgifter som kan identifiera personer: "
        + "; ".join(_described(f) for f in findings)
        + ". Ingenting har analyserats eller skrivits.",
        " ".join(hints),
    )


def guard_paths(data: Sequence[str | Path], out: str | Path | None = None) -> None:
    """Refuse (exit 4) a data file whose path, or an output folder whose name, holds an identity number:
    the file name is published (findings.json, the manifest, the report) and printed (the terminal, the
    log, every error message). Runs before anything else reads, prints or creates a thing. The message
    never repeats the name."""
    import polars as pl

    paths = [str(p) for p in data]
    if paths and holds_identity_number(pl.Series(paths, dtype=pl.String)).any():
        raise PrivacyError(
            "Sökvägen till datafilen (filens eller en mapps namn) innehåller ett person- eller "
            "samordningsnummer. Ingenting har lästs eller skrivits.",
            "Byt namn på filen eller mappen så att numret inte ingår, och kör igen; skriv datum med "
            "bindestreck (uttag_2024-01-15.csv). Namnet visas inte här av integritetsskäl.",
        )
    if out is not None and holds_identity_number(pl.Series([str(out)])).item():
        raise PrivacyError(
            "Utmappens namn (--out) innehåller ett person- eller samordningsnummer. Ingenting har lästs "
            "eller skrivits.",
            "Välj ett annat namn på utmappen. Namnet visas inte här av integritetsskäl.",
        )
