"""Every way a personnummer slipped past the guard (issue 14): each is refused with exit 4 by `check`,
`analyse` and `batch`, the terminal and `--log-file` never show the number (nor a header or file name
holding it), and the output path is left as it was: no folder, no parent folder, no lock file.

Each case writes a small extract into tmp_path that would otherwise be analysed (two sexes, an outcome,
40 rows), with the number hidden one way. The look-alikes at the end must still pass.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from typer.testing import CliRunner

from oppnaogon.cli import app

runner = CliRunner()

# Valid numbers (date, serial and Luhn check digit): a child born 24 Dec 2007, the same number as Excel
# stores it (leading zero lost), Skatteverket's samordningsnummer example and a 12-digit personnummer.
CHILD = "071224-1231"
SAMORDNING = "701063-2391"
ADULT_12 = "19640823-3234"
# Text whose presence anywhere in the output would give a number away
SECRETS = ("071224", "0712241231", "712241231", "701063", "640823", "071210")


def _number(date: str, serial: int) -> str:
    """The valid number of `date` (YYMMDD) and `serial` (3 digits): the check digit computed."""
    digits = [int(c) for c in f"{date}{serial:03d}"]
    total = sum(sum(divmod(d * (2 - i % 2), 10)) for i, d in enumerate(digits))
    return f"{date}-{serial:03d}{(10 - total % 10) % 10}"


def _rows(extra_header: str | None = None, extra: Callable[[int], str] | None = None) -> list[list[str]]:
    """40 rows: 20 girls, 20 boys, half granted; with one more column when given."""
    header = ["Kön", "Insats beviljad"] + ([extra_header] if extra_header else [])
    rows = [header]
    for i in range(40):
        row = ["K" if i % 2 else "M", "Ja" if i % 4 < 2 else "Nej"]
        if extra is not None:
            row.append(extra(i))
        rows.append(row)
    return rows


def _csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Sheets of rows: str → text cell, int/float → number cell."""
    workbook = xlsxwriter.Workbook(path)
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)  # type: ignore[arg-type]
    workbook.close()
    return path


def _parquet(path: Path, column: str, values: pl.Series) -> Path:
    rows = _rows()
    frame = pl.DataFrame(rows[1:], schema=rows[0], orient="row").with_columns(values.alias(column))
    frame.write_parquet(path)
    return path


def _in_text(separator: str) -> Callable[[Path], Path]:
    number = CHILD.replace("-", separator)
    return lambda folder: _csv(
        folder / "uttag.csv", _rows("Boende", lambda i: f"Hemlös, se {number}" if i == 7 else "Egen bostad")
    )


def _whole_values(number: str) -> Callable[[Path], Path]:
    return lambda folder: _csv(folder / "uttag.csv", _rows("Boende", lambda i: number if i == 3 else "Villa"))


def _xlsx_numbers(folder: Path) -> Path:
    """A column of numbers as Excel stores them: 0712241231 loses its zero."""
    rows = _rows("Nr")
    cells: list[list[object]] = [rows[0]]
    cells += [[*row[:2], 712241231 if i == 5 else 9_000_000_000 + 17 * i] for i, row in enumerate(rows[1:])]
    return _xlsx(folder / "uttag.xlsx", {"Uttag": cells})


def _xlsx_second_sheet(folder: Path) -> Path:
    rows: list[list[object]] = [list(r) for r in _rows()]
    notes: list[list[object]] = [["Anteckningar"], ["Ringde mamma"], [f"Se {CHILD.replace('-', ' ')}"]]
    return _xlsx(folder / "uttag.xlsx", {"Uttag": rows, "Anteckningar": notes})


def _xlsx_second_sheet_numbers(folder: Path) -> Path:
    """Number cells on another sheet, as a list of clients pasted beside the extract would be."""
    rows: list[list[object]] = [list(r) for r in _rows()]
    clients: list[list[object]] = [["Klienter"], *[[712241231 + 2 * i] for i in range(3)]]
    return _xlsx(folder / "uttag.xlsx", {"Uttag": rows, "Klienter": clients})


def _xlsx_damaged_sheet(folder: Path) -> Path:
    """Another sheet that cannot be read as a grid (a row numbered 0): its cells are still checked."""
    import zipfile

    intact = _xlsx_second_sheet(folder)
    damaged = folder / "trasig.xlsx"
    with zipfile.ZipFile(intact) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b'<row r="1"', b'<row r="0"')
            target.writestr(item, data)
    intact.unlink()
    return damaged


def _parquet_integers(folder: Path) -> Path:
    numbers = [712241231 if i == 9 else 1_000_000_000 + 7919 * i for i in range(40)]
    return _parquet(folder / "uttag.parquet", "Ärendenummer", pl.Series(numbers, dtype=pl.Int64))


def _parquet_floats(folder: Path) -> Path:
    numbers = [float(ADULT_12.replace("-", "")) if i == 2 else 2.5 + i for i in range(40)]
    return _parquet(folder / "uttag.parquet", "Timmar", pl.Series(numbers, dtype=pl.Float64))


def _parquet_float_lost_zero(folder: Path) -> Path:
    numbers = [712241231.0 if i == 2 else 1_000_000_000.0 + 7919 * i for i in range(40)]
    return _parquet(folder / "uttag.parquet", "Löpnummer", pl.Series(numbers, dtype=pl.Float64))


def _parquet_decimals(folder: Path) -> Path:
    numbers = [Decimal("6408233234.00") if i == 2 else Decimal(f"{i}.50") for i in range(40)]
    return _parquet(folder / "uttag.parquet", "Belopp", pl.Series(numbers, dtype=pl.Decimal(14, 2)))


def _headerless(folder: Path) -> Path:
    """Exported without its header row: the first client's row is read as the headers."""
    rows = [[CHILD, "K", "Ja", "2024-01-15"]]
    rows += [[_number(f"0712{10 + i % 18:02d}", 100 + i), "KM"[i % 2], "Ja", "2024-01-15"] for i in range(39)]
    return _csv(folder / "uttag.csv", rows)


def _header_only(folder: Path) -> Path:
    """A number as a header over harmless values (a column labelled with the client it is about)."""
    return _csv(folder / "uttag.csv", _rows(CHILD.replace("-", " "), lambda i: "Ja"))


def _file_name(folder: Path) -> Path:
    return _csv(folder / f"uttag_{CHILD}.csv", _rows())


def _folder_name(folder: Path) -> Path:
    (folder / CHILD.replace("-", "")).mkdir()
    return _csv(folder / CHILD.replace("-", "") / "uttag.csv", _rows())


EVASIONS: dict[str, Callable[[Path], Path]] = {
    "space": _in_text(" "),
    "dot": _whole_values(ADULT_12.replace("-", ".")),
    "slash": _whole_values(CHILD.replace("-", "/")),
    "en-dash": _whole_values(CHILD.replace("-", "\u2013")),
    "underscore": _whole_values(CHILD.replace("-", "_")),
    "spaced-dash": _in_text(" - "),
    "samordningsnummer-with-space": _whole_values(SAMORDNING.replace("-", " ")),
    "xlsx-number-cells": _xlsx_numbers,
    "xlsx-second-sheet": _xlsx_second_sheet,
    "xlsx-second-sheet-number-cells": _xlsx_second_sheet_numbers,
    "xlsx-damaged-second-sheet": _xlsx_damaged_sheet,
    "parquet-integers": _parquet_integers,
    "parquet-float": _parquet_floats,
    "parquet-float-lost-zero": _parquet_float_lost_zero,
    "parquet-decimal": _parquet_decimals,
    "header-row-missing": _headerless,
    "number-as-header": _header_only,
    "file-name": _file_name,
    "folder-name": _folder_name,
}


def _assert_refused(result_output: str, exit_code: int) -> None:
    assert exit_code == 4, result_output
    assert "Stoppat av integritetsskäl" in result_output
    for secret in SECRETS:
        assert secret not in result_output, secret


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.slow
@pytest.mark.parametrize("evasion", list(EVASIONS))
def test_every_evasion_is_refused_and_leaves_the_output_path_as_it_was(evasion: str, tmp_path: Path) -> None:
    data = EVASIONS[evasion](tmp_path)
    log = tmp_path / "logg" / "körningar.log"
    before = _tree(tmp_path)

    checked = runner.invoke(app, ["check", str(data)])
    _assert_refused(checked.output, checked.exit_code)
    as_json = runner.invoke(app, ["check", str(data), "--json"])
    _assert_refused(as_json.output, as_json.exit_code)
    assert _tree(tmp_path) == before

    out = tmp_path / "resultat" / "2026" / "rapport"  # parents that do not exist yet
    analysed = runner.invoke(
        app, ["analyse", str(data), "--out", str(out), "--format", "json,html", "--log-file", str(log)]
    )
    _assert_refused(analysed.output, analysed.exit_code)
    batched = runner.invoke(app, ["batch", str(data), "--out", str(out), "--log-file", str(log)])
    _assert_refused(batched.output, batched.exit_code)
    # nothing created but the log the run was asked to keep: no folder, parent folder or lock file
    assert not (tmp_path / "resultat").exists()
    assert _tree(tmp_path) == sorted([*before, "logg", "logg/körningar.log"])

    # the log says that the runs were refused, and names no number, header or file name holding one
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.split(" ", 2)[1] for line in lines if "ERROR" in line] == ["ERROR", "ERROR"]
    assert all("exit 4: Stoppat av integritetsskäl" in line for line in lines if "ERROR" in line)
    for secret in SECRETS:
        assert secret not in log.read_text(encoding="utf-8"), secret


def _message(data: Path) -> str:
    result = runner.invoke(app, ["check", str(data)])
    assert result.exit_code == 4, result.output
    return " ".join(result.output.split())


def test_the_message_names_a_safe_column_with_its_count(tmp_path: Path) -> None:
    message = _message(_whole_values(SAMORDNING.replace("-", " "))(tmp_path))
    assert "kolumn 'Boende' (1 värden är person- eller samordningsnummer; rad 5)" in message


def test_a_header_or_sheet_holding_a_number_is_named_by_its_position(tmp_path: Path) -> None:
    message = _message(_headerless(tmp_path))
    assert "kolumnrubrik nr 1 är ett person- eller samordningsnummer" in message
    assert "kolumn nr 1 (39 värden är person- eller samordningsnummer; rader 2, 3, 4 …)" in message
    assert "Exportera uttaget med rubrikraden som första rad." in message
    sheet = _message(_xlsx_second_sheet(tmp_path))
    assert "bladet 'Anteckningar' (1 celler med person- eller samordningsnummer)" in sheet
    assert "ta bort bladen som inte hör till uttaget" in sheet


def test_the_file_name_is_never_printed(tmp_path: Path) -> None:
    message = _message(_file_name(tmp_path))
    assert "Sökvägen till datafilen (filens eller en mapps namn) innehåller ett person- eller" in message
    assert "uttag_07" not in message and "uttag_2024-01-15.csv" in message  # the hint's example only


def test_an_output_folder_named_by_a_number_is_refused_before_it_is_made(tmp_path: Path) -> None:
    data = _csv(tmp_path / "uttag.csv", _rows())
    out = tmp_path / f"rapport {CHILD}"
    result = runner.invoke(app, ["analyse", str(data), "--out", str(out), "--format", "json"])
    _assert_refused(result.output, result.exit_code)
    assert "Utmappens namn (--out)" in " ".join(result.output.split())
    assert _tree(tmp_path) == ["uttag.csv"]


def test_a_handful_of_real_numbers_among_case_numbers_is_refused(tmp_path: Path) -> None:
    """Case numbers that pass no check, and three personnummer typed into the same field: under the
    old rule (more than 5 % valid) the column passed; now one valid number is enough, and the message
    says that a column of person or case numbers does not belong in an anonymised extract."""
    import numpy as np

    from oppnaogon.io.privacy import holds_identity_number

    numbers = pl.Series(np.random.default_rng(7).integers(10**9, 10**10, size=3000).astype(str))
    case_numbers = numbers.filter(~holds_identity_number(numbers))
    assert case_numbers.len() > 2900
    real = pl.Series(["6408233234", "8112189876", "0712241231"])
    numbers = pl.concat([case_numbers, real])  # 3 in about 3,000: 0.1 %
    data = tmp_path / "uttag.parquet"
    pl.DataFrame(
        {
            "Kön": ["K", "M"] * (numbers.len() // 2) + ["K"] * (numbers.len() % 2),
            "Insats beviljad": "Ja",
            "Ärendenummer": numbers,
        }
    ).write_parquet(data)
    message = _message(data)
    assert (
        "kolumn 'Ärendenummer' (3 värden är person- eller samordningsnummer; rader 2975, 2976, 2977; en kolumn av"
        in message
    )
    assert "person- eller ärendenummer, pekar ut enskilda personer" in message


# --- look-alikes that must pass ---------------------------------------------------------------------


def test_ordinary_values_that_look_like_numbers_pass(tmp_path: Path) -> None:
    """Dates, decimals, municipal codes and phone numbers of the switchboard, organisation numbers,
    diary numbers and short serial numbers: none is a personnummer, and the extract is analysed."""
    looks = [
        "2024-01-15",
        "20240115",
        "2024-01-15 12:30",
        "2,5",
        "10.25",
        "123456.78",
        "0180",
        "054-540 00 00",
        "054-5400000",
        "212000-1355",  # Karlstads kommun's organisation number: month 20
        "SN 2024/1234",
        "IFO-2024-000123",
        "123456",
    ]
    rows = _rows("Övrigt", lambda i: looks[i % len(looks)])
    rows = [[*row, header] for row, header in zip(rows, ["Kommunkod", *["1780"] * 40], strict=True)]
    data = _csv(tmp_path / "uttag_2024-01-15.csv", rows)
    checked = runner.invoke(app, ["check", str(data)])
    assert checked.exit_code == 0, checked.output
    result = runner.invoke(
        app, ["analyse", str(data), "--out", str(tmp_path / "rapport"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output


def test_numeric_look_alikes_in_parquet_and_excel_pass(tmp_path: Path) -> None:
    """Hours as floats (one very large), whole numbers up to 8 digits, and one 9-digit number among
    small ones: a 9-digit number is checked zero-padded only in a column that is mostly such numbers."""
    rows = _rows()
    frame = pl.DataFrame(rows[1:], schema=rows[0], orient="row").with_columns(
        Timmar=pl.Series([2.5, 10.0, 0.25, 123456789.5] * 10),
        Löpnummer=pl.Series(range(1, 41), dtype=pl.Int64),
        Belopp=pl.Series([712241231, *range(1000, 1039)], dtype=pl.Int64),
        Kostnad=pl.Series([Decimal(f"{1000 + i}.50") for i in range(40)], dtype=pl.Decimal(10, 2)),
    )
    frame.write_parquet(tmp_path / "uttag.parquet")
    result = runner.invoke(app, ["check", str(tmp_path / "uttag.parquet")])
    assert result.exit_code == 0, result.output

    cells: list[list[object]] = [[*rows[0], "Belopp", "Datum"]]
    cells += [[*row, 1000 + i, 45306] for i, row in enumerate(rows[1:])]  # 45306: a date as Excel stores it
    notes: list[list[object]] = [["Kommentar"], ["Ringde 054-540 00 00"], [20240115], [2.5]]
    _xlsx(tmp_path / "uttag.xlsx", {"Uttag": cells, "Noter": notes})
    result = runner.invoke(app, ["check", str(tmp_path / "uttag.xlsx")])
    assert result.exit_code == 0, result.output


def test_a_duplicated_header_holding_a_number_is_not_printed(tmp_path: Path) -> None:
    """A file without its header row whose first row repeats a number: refused as unreadable (two
    columns with one header, exit 3) before the guard runs, and the message does not show the header."""
    rows = [[CHILD, CHILD, "Ja"], *[[CHILD, CHILD, "Nej"]] * 3]
    result = runner.invoke(app, ["check", str(_csv(tmp_path / "uttag.csv", rows))])
    assert result.exit_code == 3, result.output
    message = " ".join(result.output.split())
    assert "har två kolumner med samma rubrik (kolumn 1 och 2)" in message
    assert all(secret not in message for secret in SECRETS)


@pytest.mark.slow
def test_batch_of_several_files_checks_them_all_before_making_a_folder(tmp_path: Path) -> None:
    """Several files (one unit each): a refused second file stops the batch before any folder or lock
    is made, as does a file in the folder whose name holds a number."""
    folder = tmp_path / "kommuner"
    folder.mkdir()
    _csv(folder / "a_arvika.csv", _rows())
    _csv(
        folder / "b_karlstad.csv",
        _rows("Boende", lambda i: f"se {CHILD.replace('-', '/')}" if i == 1 else "-"),
    )
    out = tmp_path / "ut" / "batch"
    result = runner.invoke(app, ["batch", str(folder), "--out", str(out)])
    _assert_refused(result.output, result.exit_code)
    assert "kolumn 'Boende' (1 person- eller samordningsnummer inuti texten; rad 3)" in " ".join(
        result.output.split()
    )
    assert not (tmp_path / "ut").exists()

    (folder / "b_karlstad.csv").rename(folder / f"b_{CHILD}.csv")
    _csv(folder / f"b_{CHILD}.csv", _rows())
    result = runner.invoke(app, ["batch", str(folder), "--out", str(out)])
    _assert_refused(result.output, result.exit_code)
    assert "Sökvägen till datafilen" in result.output
    assert not (tmp_path / "ut").exists()
    # and without them, the batch runs
    (folder / f"b_{CHILD}.csv").unlink()
    assert runner.invoke(app, ["batch", str(folder), "--out", str(out), "--format", "json"]).exit_code == 0
