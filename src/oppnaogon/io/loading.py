"""Reading extracts: CSV/TXT, XLSX and Parquet into one Polars frame, refusing anything malformed.

The only module that knows about file formats. Text and Excel files come back with every column as a
string (values are interpreted later, in :mod:`oppnaogon.prepare.normalise`, where a bad value can be reported
with its column and line); Parquet keeps its own types. Every frame carries a ``LINE`` column: the line
(CSV), row (XLSX) or row number (Parquet) each record came from, so that errors can point at it.
The input file is only ever opened for reading.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from oppnaogon.errors import DataError, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import polars as pl

LINE = "__oppnaogon_line__"
"""Name of the column holding each record's line/row number in the input file."""

DEFAULT_MISSING_MARKERS: tuple[str, ...] = (
    "",
    "-",
    "–",
    "NA",
    "N/A",
    "..",
    "Uppgift saknas",
    "Saknas",
    "NULL",
)

TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
DELIMITERS = (";", "\t", ",")
_DELIMITER_NAMES = {";": "semikolon (;)", "\t": "tabb", ",": "komma (,)"}
_SNIFF_LINES = 50
_MAX_LISTED = 3
MAX_FIELD_CHARS = 2**31 - 1
"""Longest field the CSV reader accepts (the csv module's own default is 131,072 characters, which a
journal note pasted into a cell exceeds). The file is read into memory whole anyway, so the only limit
kept is the largest one the csv module takes on every platform (a C long)."""
MAX_HEADER_CHARS = 1_000
"""Longest column header: a longer one is data (a file without a header row or delimiters), and headers
are shown in messages and reports."""

_UNNAMED = "__oppnaogon_unnamed__"
_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
_UTF8_SWEDISH = tuple(letter.encode() for letter in "åäöÅÄÖé")


@dataclass(frozen=True)
class LoadOptions:
    """How to read a file. Defaults suit exports from Swedish case-management systems."""

    sheet: str | None = None
    missing_markers: tuple[str, ...] = DEFAULT_MISSING_MARKERS
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class LoadedTable:
    """A file read into memory, with what was detected about it."""

    frame: pl.DataFrame
    path: Path
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    blank_rows_skipped: int = 0
    dropped_empty_columns: tuple[int, ...] = field(default_factory=tuple)
    other_sheets: tuple[tuple[int, str, pl.DataFrame], ...] = field(default=(), repr=False, compare=False)
    """The workbook's other sheets (position, name, every cell as text), for the privacy guard only."""
    _distinct: dict[str, pl.Series] = field(default_factory=dict, repr=False, compare=False)
    _released_rows: int | None = field(default=None, repr=False, compare=False)

    def without_rows(self) -> LoadedTable:
        """This table's description without its rows: once normalised, the raw rows would only hold
        memory (850 MB at 10M rows) through the analysis."""
        return replace(self, frame=self.frame.clear(), other_sheets=(), _released_rows=self.rows)

    def distinct(self, header: str) -> pl.Series:
        """The distinct non-missing values of a column, computed once and shared by every later step
        (the privacy guard, code mapping, date parsing): they are few where the rows are many."""
        if header not in self._distinct:
            if self._released_rows is not None:
                raise RuntimeError(f"the rows of {self.path.name} were released; {header!r} was not read")
            import polars as pl

            values = self.frame.get_column(header).drop_nulls().unique()
            if isinstance(values.dtype, pl.Categorical | pl.Enum):
                values = values.cast(pl.String)
            self._distinct[header] = values
        return self._distinct[header]

    @property
    def headers(self) -> list[str]:
        return [c for c in self.frame.columns if c != LINE]

    @property
    def rows(self) -> int:
        return self.frame.height if self._released_rows is None else self._released_rows

    def where(self) -> str:
        """'line' for text files, 'row' for spreadsheets and Parquet: the word errors use."""
        return "rad" if self.file_format in {"csv", "xlsx"} else "post"


def read_table(path: str | Path, options: LoadOptions | None = None) -> LoadedTable:
    """Read an extract. Raises :class:`DataError` (exit 3) with a clear message when it cannot."""
    options = options or LoadOptions()
    path = Path(path)
    if not path.exists():
        raise UsageError(f"Filen {path} finns inte.", "Kontrollera sökvägen och filnamnet.")
    if path.is_dir():
        raise UsageError(
            f"{path} är en mapp, inte en fil.", "Ange själva datafilen (.csv, .xlsx eller .parquet)."
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    kind = _sniff_kind(path, head)
    if kind == "xlsx":
        table = _read_excel(path, options)
    elif kind == "parquet":
        table = _read_parquet(path, options)
    else:
        table = _read_text(path, path.read_bytes(), options)
    return _clean(table, options)


def _sniff_kind(path: Path, head: bytes) -> str:
    """Decide the format from the file's first bytes, and refuse a file whose name says otherwise."""
    suffix = path.suffix.lower()
    if not head:
        raise DataError(
            f"Filen {path} är tom (0 byte).", "Exportera uttaget på nytt från verksamhetssystemet."
        )
    if head.startswith(_OLE2_MAGIC):
        raise DataError(
            f"{path} är en äldre Excel-fil (.xls), som inte kan läsas.",
            "Öppna den i Excel och spara som Excel-arbetsbok (.xlsx) eller CSV (semikolonavgränsad).",
        )
    actual = (
        "xlsx" if head.startswith(_ZIP_MAGIC) else "parquet" if head.startswith(_PARQUET_MAGIC) else "text"
    )
    claimed = (
        "xlsx"
        if suffix in EXCEL_SUFFIXES
        else "parquet"
        if suffix in PARQUET_SUFFIXES
        else "text"
        if suffix in TEXT_SUFFIXES
        else None
    )
    names = {"xlsx": "en Excel-arbetsbok (.xlsx)", "parquet": "en Parquet-fil", "text": "en textfil (CSV)"}
    if claimed is None:
        raise DataError(
            f"Filen {path} har ändelsen '{suffix or '(ingen)'}', som oppnaogon inte läser.",
            "Använd .csv/.txt (text), .xlsx (Excel) eller .parquet. "
            f"Innehållet ser ut att vara {names[actual]}.",
        )
    if claimed != actual:
        raise DataError(
            f"Filen {path} heter som {names[claimed]} men innehållet är {names[actual]}.",
            "Filen har troligen fått fel namn eller sparats i fel format. Byt ändelse eller exportera på nytt.",
        )
    return actual


# --- text ---------------------------------------------------------------------------------------


def _decode(path: Path, raw: bytes, forced: str | None) -> tuple[str, str]:
    """Return (text, encoding): BOM → UTF-16 (Excel's "Unicode text") → UTF-8 → Windows-1252."""
    if forced:
        try:
            return raw.decode(forced), forced
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(
                f"Filen {path} kan inte läsas med teckenkodningen {forced!r}: {exc}.",
                "Ta bort inställningen för teckenkodning så gissar oppnaogon själv.",
            ) from exc
    if raw.startswith(codecs.BOM_UTF8):
        return _strict(path, raw[3:], "utf-8"), "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(path, raw, "utf-16"), "utf-16"
    sample = raw[:4096]
    if b"\x00" in sample:
        # UTF-16 without a BOM has a NUL in every other byte of ASCII text; anything else is binary.
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if odd > len(sample) // 4 and even == 0:
            return _strict(path, raw, "utf-16-le"), "utf-16-le"
        if even > len(sample) // 4 and odd == 0:
            return _strict(path, raw, "utf-16-be"), "utf-16-be"
        raise _binary_error(path)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if any(letter in raw for letter in _UTF8_SWEDISH):
            # Valid UTF-8 å/ä/ö elsewhere: a damaged or truncated UTF-8 file, not Windows-1252 (which
            # would turn every å/ä/ö into mojibake without a word).
            line = raw[: exc.start].count(b"\n") + 1
            raise DataError(
                f"Filen {path} är kodad som UTF-8 men har ogiltiga byte på rad {line}.",
                "Filen kan vara avkortad eller skadad. Exportera på nytt, gärna som CSV UTF-8. Är filen "
                'ändå Windows-1252, ange encoding = "cp1252" under [input] i oppnaogon.toml.',
            ) from exc
    return _strict(path, raw, "cp1252"), "cp1252"


def _strict(path: Path, raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"Filen {path} kan inte avkodas som {encoding}: ogiltiga byte på rad {line}.",
            "Filen kan vara avkortad eller skadad. Exportera på nytt, gärna som CSV UTF-8.",
        ) from exc


def _binary_error(path: Path) -> DataError:
    return DataError(
        f"Filen {path} innehåller binära data och är ingen textfil.",
        "Kontrollera att det är rätt fil; exportera uttaget som CSV, Excel (.xlsx) eller Parquet.",
    )


def _read_text(path: Path, raw: bytes, options: LoadOptions) -> LoadedTable:
    """A text file as strings; every failure of the readers on it (a field or line too long for them,
    too little memory) is a :class:`DataError` that names the file and what to do, never the data."""
    import polars as pl

    csv.field_size_limit(MAX_FIELD_CHARS)  # process-wide, but only ever raised
    try:
        return _parse_text(path, raw, options)
    except MemoryError as exc:
        raise DataError(
            f"Filen {path} ({len(raw) / 1e6:.0f} MB) fick inte plats i datorns minne när den lästes.",
            "Kör på en dator med mer minne, ta bort kolumner som inte behövs ur uttaget (till exempel "
            "fritext), eller dela upp filen.",
        ) from exc
    except (csv.Error, pl.exceptions.PolarsError) as exc:
        if "field limit" in str(exc):
            raise _field_limit_error(path, None) from exc
        # Polars' messages may quote the data: only the kind of error is named
        raise DataError(
            f"Filen {path} kunde inte läsas som CSV ({type(exc).__name__}).",
            "Kontrollera att filen är en avgränsad textfil med en rubrikrad, eller exportera på nytt.",
        ) from exc


def _field_limit_error(path: Path, line: int | None) -> DataError:
    where = f" på rad {line}" if line is not None else ""
    return DataError(
        f"Filen {path} har ett fält{where} som är längre än {count_text(MAX_FIELD_CHARS)} tecken, "
        "mer än oppnaogon läser i ett fält.",
        "Fältet är troligen fritext eller en hel fil inklistrad i en cell. Ta bort eller korta värdet i "
        "källfilen, eller ta bort kolumnen ur uttaget om den inte behövs.",
    )


def count_text(number: int) -> str:
    """A count as Swedish prose writes it: 1 000 000."""
    return f"{number:,}".replace(",", "\u00a0")


def _parse_text(path: Path, raw: bytes, options: LoadOptions) -> LoadedTable:
    import polars as pl

    text, encoding = _decode(path, raw, options.encoding)
    if not text or text.isspace():
        raise DataError(f"Filen {path} innehåller inga rader.", "Exportera uttaget på nytt.")
    controls = sum(1 for ch in text[:65536] if ch < " " and ch not in "\t\r\n")
    if controls > 8:
        raise _binary_error(path)
    delimiter = options.delimiter or _sniff_delimiter(text)
    if delimiter == "\t" and "\t" not in text:
        delimiter = ";"
    data = raw if encoding in {"utf-8", "utf-8-sig"} else text.encode("utf-8")
    if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):  # a forced utf-8-sig may have none
        data = data[3:]
    if '"' in text:
        lines: range | list[int] = _record_lines_quoted(path, text, delimiter)
    else:
        lines = _record_lines_plain(path, data, delimiter)
    header = _header_fields(text, delimiter)
    _check_header_lengths(path, header, delimiter)
    _check_headers(path, header, "kolumn")
    names = _column_names(header)
    try:
        frame = pl.read_csv(
            data,
            separator=delimiter,
            has_header=True,
            infer_schema=False,
            quote_char='"',
            new_columns=names,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        frame = None
    if frame is None or frame.height != len(lines):
        # Polars is stricter than the csv module about a quote inside an unquoted field (`TV 55" stor`),
        # which the csv module (already used to validate the file) reads literally, as Excel does.
        frame = _frame_from_csv_module(text, delimiter, names)
    frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.UInt32))
    return LoadedTable(frame=frame, path=path, file_format="csv", encoding=encoding, delimiter=delimiter)


def _frame_from_csv_module(text: str, delimiter: str, names: list[str]) -> pl.DataFrame:
    """The slower, more lenient parse: every record the validator accepted, as strings."""
    import polars as pl

    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(records, None)
    rows = [r if r else [""] * len(names) for r in records]
    rows = [r + [""] * (len(names) - len(r)) if len(r) < len(names) else r for r in rows]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pl.DataFrame(
        {name: pl.Series(name, values, dtype=pl.String) for name, values in zip(names, columns, strict=True)}
    ).with_columns(pl.all().replace("", None))


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first lines into the same number (>1) of fields.

    Semicolon wins ties: with decimal commas, a comma count is never a reliable signal.
    """
    head = text[:200_000]
    lines = head.splitlines(keepends=True)
    sample = lines[:_SNIFF_LINES]
    cut = len(lines) > _SNIFF_LINES or len(head) < len(text)
    best, best_fields = ";", 1
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(sample, delimiter=delimiter) if any(f.strip() for f in r)]
        except csv.Error:  # a field beyond MAX_FIELD_CHARS: the validator names its line
            continue
        if cut and len(rows) > 1:
            rows = rows[:-1]  # the sample may end in the middle of a (multi-line) record
        if not rows or len(rows[0]) < 2:
            continue
        if all(len(r) == len(rows[0]) for r in rows):
            return delimiter
        if len(rows[0]) > best_fields:
            best, best_fields = delimiter, len(rows[0])
    return best


def _header_fields(text: str, delimiter: str) -> list[str]:
    # a prefix is enough (StringIO of the whole text would copy it); a header is never a megabyte long
    first = next(csv.reader(io.StringIO(text[:1_000_000], newline=""), delimiter=delimiter), [])
    return [h.strip().lstrip("\ufeff") for h in first]


def _check_header_lengths(path: Path, header: list[str], delimiter: str) -> None:
    """Refuse a header too long to be one: the first line is then data, or a line without delimiters."""
    named = _DELIMITER_NAMES.get(delimiter, repr(delimiter))
    for position, name in enumerate(header, start=1):
        if len(name) > MAX_HEADER_CHARS:
            raise DataError(
                f"Rubriken i kolumn {position} på rad 1 i {path} är längre än {count_text(MAX_HEADER_CHARS)} "
                "tecken, mer än en rubrik kan vara.",
                f"Första raden ska vara en rubrikrad med kolumnernas namn, avgränsade med {named}. Filen "
                "saknar troligen rubrikrad eller avgränsare: exportera på nytt som CSV med rubriker.",
            )


def _check_headers(path: Path, header: list[str], word: str) -> None:
    """Refuse duplicated headers (never rename them silently). Empty headers are checked later."""
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            continue
        if name in seen:
            # a header row that is really data (an export without its header) may hold a personnummer
            shown = " med samma rubrik" if re.search(r"[0-9]{6}", name) else f" med rubriken '{name}'"
            raise DataError(
                f"Filen {path} har två kolumner{shown} ({word} {seen[name]} och {position}).",
                "Byt namn på den ena eller ta bort den i källfilen, så att varje rubrik är unik.",
            )
        seen[name] = position


def _column_names(header: list[str]) -> list[str]:
    """Header names for the frame; an empty header gets a placeholder that `_clean` resolves."""
    return [name or f"{_UNNAMED}{position}" for position, name in enumerate(header, start=1)]


def _ragged_error(path: Path, delimiter: str, expected: int, bad: list[tuple[int, int]]) -> DataError:
    listed = ", ".join(f"rad {line} har {n} fält" for line, n in bad[:_MAX_LISTED])
    more = f" (och {len(bad) - _MAX_LISTED} rader till)" if len(bad) > _MAX_LISTED else ""
    return DataError(
        f"Filen {path} har rader med fel antal fält: rubrikraden har {expected} fält "
        f"(avgränsare {_DELIMITER_NAMES[delimiter]}), men {listed}{more}.",
        "Raderna kan vara avkortade, eller så innehåller ett värde avgränsaren utan citattecken. "
        "Rätta raderna i källfilen eller exportera på nytt.",
    )


def _record_lines_plain(path: Path, data: bytes, delimiter: str) -> range:
    """Line numbers of the data records of UTF-8 bytes without quote characters (one record per line).

    Polars splits the bytes into lines (with a separator byte the file does not contain) and counts the
    delimiters of each line in Rust; only lines whose count differs from the header's are looked at.
    """
    import polars as pl

    separator = next((c for c in "\x1f\x1e\x1d\x1c" if c.encode() not in data), None)
    if separator is None:
        raise _binary_error(path)
    lines = pl.read_csv(
        data,
        has_header=False,
        separator=separator,
        quote_char=None,
        infer_schema=False,
        new_columns=["text"],
        raise_if_empty=False,
    ).with_columns(n=pl.col("text").str.count_matches(delimiter, literal=True).fill_null(0) + 1)
    expected = int(lines["n"][0])
    odd = lines.with_row_index("line", offset=1).slice(1).filter(pl.col("n") != expected)
    # a blank line is a blank record, unless it has more fields than the header (the parser refuses those)
    blank = pl.col("text").is_null() | (pl.col("text").str.strip_chars(f"{delimiter} \t\r") == "")
    bad = odd.filter(~blank | (pl.col("n") > expected))
    if bad.height:
        raise _ragged_error(path, delimiter, expected, list(zip(bad["line"], bad["n"], strict=True)))
    return range(2, lines.height + 1)


def _record_lines_quoted(path: Path, text: str, delimiter: str) -> list[int]:
    """Line number where each data record starts, for files whose quoted fields may hold newlines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    starts: list[int] = []
    bad: list[tuple[int, int]] = []
    expected = 0
    start = 1
    try:
        for index, record in enumerate(reader):
            if index == 0:
                expected = len(record)
            elif (
                record
                and len(record) != expected
                and (len(record) > expected or any(f.strip() for f in record))
            ):
                bad.append((start, len(record)))
            elif index > 0:
                starts.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise _field_limit_error(path, start) from exc
        raise DataError(
            f"Filen {path} har ett citattecken som inte avslutas, nära rad {start}: {exc}.",
            "Filen kan vara avkortad. Kontrollera raden eller exportera på nytt.",
        ) from exc
    if bad:
        raise _ragged_error(path, delimiter, expected, bad)
    return starts


# --- Excel and Parquet ----------------------------------------------------------------------------


def _read_excel(path: Path, options: LoadOptions) -> LoadedTable:
    import polars as pl

    try:
        zipfile.ZipFile(path).testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise DataError(
            f"Excel-filen {path} är skadad eller avkortad ({exc}).",
            "Öppna den i Excel och spara på nytt, eller exportera uttaget igen.",
        ) from exc
    try:
        raw = pl.read_excel(
            path,
            sheet_name=options.sheet,
            has_header=False,
            infer_schema_length=0,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
            read_options={"skip_rows": 0},  # keep empty rows above the header: LINE is Excel's row number
        )
    except Exception as exc:  # fastexcel raises its own exception types, not PolarsError
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = (
            f"Kontrollera att bladet '{options.sheet}' finns i arbetsboken."
            if options.sheet
            else "Öppna filen i Excel och spara på nytt."
        )
        raise DataError(f"Excel-filen {path} kunde inte läsas: {message}.", hint) from exc
    filled = raw.select(pl.any_horizontal(pl.all().is_not_null())).to_series().arg_true()
    if raw.height == 0 or filled.is_empty():
        raise DataError(f"Excel-filen {path} är tom.", "Kontrollera att uttaget ligger på första bladet.")
    top = int(filled[0])  # the header is the first non-empty row
    raw = raw.with_columns(pl.all().cast(pl.String))
    header = [("" if v is None else str(v)).strip() for v in raw.row(top)]
    _check_headers(path, header, "kolumn")
    frame = raw.slice(top + 1).rename(dict(zip(raw.columns, _column_names(header), strict=True)))
    first = top + 2  # 1-based row number of the first data row
    frame = frame.with_columns(pl.int_range(first, frame.height + first, dtype=pl.UInt32).alias(LINE))
    return LoadedTable(frame=frame, path=path, file_format="xlsx", other_sheets=_other_sheets(path, options))


def _other_sheets(path: Path, options: LoadOptions) -> tuple[tuple[int, str, pl.DataFrame], ...]:
    """Every sheet but the one read, each as its used cells in text (position in the workbook, name,
    cells): the privacy guard checks them all, as a personnummer on a second sheet leaves the
    municipality with the file as surely as one on the first. A sheet that cannot be read as a grid
    (a damaged part, say) is checked as the text of every cell of the workbook instead."""
    import fastexcel
    import polars as pl

    names = fastexcel.read_excel(path).sheet_names
    chosen = options.sheet if options.sheet is not None else (names[0] if names else None)
    sheets = []
    for position, name in enumerate(names, start=1):
        if name == chosen:
            continue
        try:
            cells = pl.read_excel(
                path, sheet_name=name, has_header=False, infer_schema_length=0, raise_if_empty=False
            )
        except Exception:  # fastexcel raises its own exception types
            cells = _workbook_texts(path)
        sheets.append((position, name, cells.with_columns(pl.all().cast(pl.String))))
    return tuple(sheets)


def _workbook_texts(path: Path) -> pl.DataFrame:
    """The text of every cell value of every sheet (the sheets' XML and the shared strings), one column."""
    import polars as pl

    texts: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/") or member == "xl/sharedStrings.xml":
                xml = archive.read(member).decode("utf-8", errors="replace")
                texts += re.findall(r"<(?:\w+:)?[vt](?:\s[^>]*)?>([^<]*)</", xml)
    return pl.DataFrame({"cells": pl.Series(texts, dtype=pl.String)})


def _read_parquet(path: Path, options: LoadOptions) -> LoadedTable:
    """A Parquet file as an export would have it: text, whole numbers and yes/no as text (each column in
    categories of its own), decimals as numbers with NaN as missing, dates as dates, names trimmed."""
    import polars as pl

    try:
        scan = pl.scan_parquet(path, row_index_name=LINE, row_index_offset=1)
        schema = scan.collect_schema()
    except Exception as exc:  # polars and pyarrow raise different types for a broken footer
        raise _broken_parquet(path, exc) from exc
    nested = [c for c, t in schema.items() if t.is_nested() or t == pl.Object]
    if nested:
        raise DataError(
            f"Kolumnen '{nested[0]}' i {path.name} innehåller listor eller strukturer, som inte kan läsas.",
            "Spara uttaget med en uppgift per kolumn, som text, tal eller datum (eller som CSV).",
        )
    # Text columns become Categorical as they are read: a few hundred distinct codes repeated over
    # millions of rows then cost a code a row instead of a string each, and the later mapping steps
    # work on the codes. Each gets categories of its own: they are then exactly its distinct values,
    # which the guard and the clean-up need (finding them in 10M rows took 0.7 s). Whole numbers and
    # yes/no are codes as in a CSV export ("1", "true"), and read as text like them; so are bytes, if
    # they are text.
    texts = [
        c
        for c, t in schema.items()
        if c != LINE
        and (
            t in (pl.String, pl.Binary, pl.Boolean)
            or t.is_integer()
            or isinstance(t, pl.Categorical | pl.Enum)
        )
    ]
    decimals = [c for c, t in schema.items() if t.is_float()]
    try:
        # Large files have their text columns read one by one, each as an Enum of its values (memory, see
        # `_read_parquet_text`); smaller ones in the same query as the rest, as categoricals.
        # The line numbers come from the scan: a column added afterwards would be one chunk beside the
        # many of the streamed columns, and every later with_columns would re-chunk (copy) them all.
        narrow = scan.select(pl.len()).collect().item() >= NARROW_CODES_FROM_ROWS
        as_text = [] if narrow else [_as_categorical(c) for c in texts]
        frame = (
            scan.with_columns(
                *as_text,
                *[pl.col(c).fill_nan(None) for c in decimals],  # NaN is how some writers say "missing"
                pl.col(LINE).cast(pl.UInt32),
            )
            .select(pl.all().exclude(LINE, *(texts if narrow else [])), LINE)
            .collect(engine="streaming")
        )
        if narrow:
            order = [c for c in schema if c != LINE]
            frame = (
                frame.rechunk()
                .with_columns(**_read_parquet_texts(scan, texts, options.missing_markers))
                .select(*order, LINE)
            )
    except Exception as exc:
        binary = [c for c, t in schema.items() if t == pl.Binary]
        if binary and "utf8" in str(exc).lower():
            raise DataError(
                f"Kolumnen '{binary[0]}' i {path.name} innehåller bytes som inte är text.",
                "Spara kolumnen som text (UTF-8), eller ta bort den ur uttaget.",
            ) from exc
        raise _broken_parquet(path, exc) from exc
    # names as a CSV export's header would be read: trimmed, an empty one unnamed
    names = {c: c.strip() or f"{_UNNAMED}{i}" for i, c in enumerate(frame.columns, start=1) if c != LINE}
    if len(set(names.values())) < len(names):
        raise DataError(
            f"{path.name} har två kolumner med samma rubrik (bortsett från mellanslag).",
            "Ge kolumnerna olika rubriker i källan.",
        )
    frame = frame.rename({old: new for old, new in names.items() if old != new})
    return LoadedTable(frame=frame, path=path, file_format="parquet")


def _broken_parquet(path: Path, exc: Exception) -> DataError:
    return DataError(
        f"Parquet-filen {path} är skadad eller avkortad ({str(exc).splitlines()[0]}).",
        "Skriv ut filen på nytt från källan.",
    )


NARROW_CODES_FROM_ROWS = 2_000_000
"""Parquet files with at least this many rows have their text columns read one by one, each as an Enum of
its cleaned values where it can be (see `_read_parquet_text`); smaller ones in one query, as categoricals
of four-byte codes."""
_PROBE_ROWS = 65_536


def _read_parquet_texts(
    scan: pl.LazyFrame, columns: Sequence[str], missing_markers: Sequence[str]
) -> dict[str, pl.Series]:
    """`_read_parquet_text` of each column, the values of their first rows found in one query."""
    import polars as pl

    first = scan.head(_PROBE_ROWS).select(
        pl.col(c).cast(pl.String).unique(maintain_order=True).drop_nulls().implode() for c in columns
    )
    values = first.collect().row(0, named=True) if columns else {}
    return {
        c: _read_parquet_text(scan, c, pl.Series(c, values[c], pl.String), missing_markers) for c in columns
    }


def _read_parquet_text(
    scan: pl.LazyFrame, column: str, first_values: pl.Series, missing_markers: Sequence[str]
) -> pl.Series:
    """One column of a Parquet scan as text, cleaned as `_clean` cleans text (trimmed, missing markers
    null), and as an Enum whose categories are exactly its distinct values: a code of one byte a row
    for up to 255 values (10M rows of 20 columns: 0.2 GB instead of 0.85 GB as categoricals), two for
    dates as text, and the later steps find its values without a pass over the rows.

    The column is cast to the values of its first rows (`first_values`) in one streaming pass, each raw
    value looked up as its cleaned one. A value beyond the first rows makes the cast fail (dates in a
    file sorted by date, free text): such a column is read as a categorical of four-byte codes
    instead, as smaller files are. (Categoricals of narrower codes are no way out: when their values
    overflowed the codes, Polars 2.1's streaming engine crashed; a failed Enum cast is a plain error.)"""
    import polars as pl

    try:
        return _as_enum(scan, column, first_values, missing_markers)
    except pl.exceptions.InvalidOperationError:
        # more values than the first rows hold: a categorical of four-byte codes (cleaned by `_clean`)
        return scan.select(_as_categorical(column)).collect(engine="streaming").to_series().rechunk()


def _as_categorical(column: str) -> pl.Expr:
    """A Parquet column as text in categories of its own (four-byte codes)."""
    import polars as pl

    return pl.col(column).cast(pl.String).cast(pl.Categorical(pl.Categories.random()))


def _as_enum(scan: pl.LazyFrame, column: str, raw: pl.Series, missing_markers: Sequence[str]) -> pl.Series:
    """The column read as an Enum of the cleaned `raw` values (all of its values, or the cast fails)."""
    import polars as pl

    cleaned = _cleaned(raw, missing_markers)
    as_read = pl.col(column).cast(pl.String).cast(pl.Enum(raw))
    if cleaned.equals(raw, check_names=False):  # clean already (the usual case): no lookup per row
        read = scan.select(as_read)
    else:
        lookup = cleaned.cast(pl.Enum(cleaned.drop_nulls().unique(maintain_order=True)))
        read = scan.select(pl.lit(lookup).gather(as_read.to_physical()).alias(column))
    return read.collect(engine="streaming").to_series().rechunk()


def _cleaned(values: pl.Series, missing_markers: Sequence[str]) -> pl.Series:
    """Distinct text values as `_clean` leaves them: trimmed, and null where a missing marker (any case)."""
    import polars as pl

    markers = [m.strip().casefold() for m in missing_markers]
    trimmed = values.str.strip_chars()
    # to_lowercase is not casefold, but all markers are ASCII or Swedish letters where the two agree
    is_marker = pl.col("v").str.to_lowercase().is_in(markers)
    return trimmed.to_frame("v").select(pl.when(~is_marker).then(pl.col("v"))).to_series().rename(values.name)


def own_categories(dtype: pl.DataType) -> pl.Series | None:
    """The categories of a column whose categories are its own: an Enum, or a categorical with
    categories of its own (as `_read_parquet` reads text): its distinct values as read, without reading
    its rows (later casts, as in mapping codes, may add values to a categorical's). None for any other
    column (the global categories hold every categorical column's values)."""
    import polars as pl

    if isinstance(dtype, pl.Enum):
        return dtype.categories
    if not isinstance(dtype, pl.Categorical) or dtype.categories.is_global():
        return None
    return dtype.categories.to_series()


# --- shared clean-up ------------------------------------------------------------------------------


def _clean(table: LoadedTable, options: LoadOptions) -> LoadedTable:
    """Trim strings, turn missing markers into nulls, drop blank rows and empty unnamed columns."""
    import polars as pl

    frame = table.frame
    strings = [
        c for c, t in frame.schema.items() if (t == pl.String or isinstance(t, pl.Categorical)) and c != LINE
    ]
    # Decided once per distinct value (exports repeat a few codes a million times), then mapped back.
    # A column read into categories of its own (Parquet) has exactly its values as its categories;
    # the others' distinct values come from one parallel select.
    own = {c: own_categories(frame.schema[c]) for c in strings}
    uniques = {c: values.to_list() for c, values in own.items() if values is not None}
    scanned = [c for c in strings if c not in uniques]
    if scanned:
        uniques |= frame.select([pl.col(c).unique().drop_nulls().implode() for c in scanned]).row(
            0, named=True
        )
    replacements = []
    # a column read as an Enum (large Parquet) is clean already, and its categories are its values
    distinct: dict[str, pl.Series] = {
        c: t.categories.rename(c) for c, t in frame.schema.items() if isinstance(t, pl.Enum)
    }
    for column in strings:
        old = pl.Series("old", uniques[column], dtype=pl.String)
        table_of_values = pl.DataFrame([old, _cleaned(old, options.missing_markers).rename("new")])
        changes = table_of_values.filter(pl.col("new").ne_missing(pl.col("old")))
        if changes.height:
            # markers become null with is_in (a fast membership test); only values that need trimming
            # go through `replace`, which is an order of magnitude slower per row
            to_null = changes.filter(pl.col("new").is_null()).get_column("old")
            to_trim = changes.filter(pl.col("new").is_not_null())
            expr = pl.col(column)
            if to_trim.height:
                expr = expr.replace(to_trim["old"], to_trim["new"])
            if to_null.len():
                expr = pl.when(pl.col(column).is_in(to_null.implode())).then(None).otherwise(expr)
            replacements.append(expr.alias(column))
        distinct[column] = table_of_values.get_column("new").drop_nulls().unique().rename(column)
    if replacements:
        frame = frame.with_columns(replacements)
    dropped: list[int] = []
    for name in [c for c in frame.columns if c.startswith(_UNNAMED)]:
        position = int(name.removeprefix(_UNNAMED))
        if frame.get_column(name).null_count() == frame.height:
            frame = frame.drop(name)
            dropped.append(position)
        else:
            raise DataError(
                f"Kolumn {position} i {table.path} saknar rubrik men innehåller värden.",
                "Ge kolumnen en rubrik i källfilen, eller ta bort den.",
            )
    data_columns = [c for c in frame.columns if c != LINE]
    if not data_columns:
        raise DataError(f"Filen {table.path} har inga kolumner.", "Exportera uttaget på nytt.")
    blank = pl.all_horizontal(pl.col(data_columns).is_null())
    blank_rows = frame.select(blank.sum()).item()
    if blank_rows:
        frame = frame.filter(~blank)
    if frame.height == 0:
        raise DataError(
            f"Filen {table.path} har rubriker men inga rader med data.",
            "Kontrollera att uttaget inte är tomt eller filtrerat bort allt.",
        )
    return LoadedTable(
        frame=frame,
        path=table.path,
        file_format=table.file_format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        blank_rows_skipped=int(blank_rows),
        dropped_empty_columns=tuple(dropped),
        other_sheets=table.other_sheets,
        # dropping blank rows removes no value that a non-blank row has, so the sets stay exact
        _distinct={c: v for c, v in distinct.items() if c in frame.columns},
    )
