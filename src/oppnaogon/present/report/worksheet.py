"""The step 4 worksheet carried forward: what a team wrote in last time's worksheet comes back in this one.

The worksheet is filled in where people write, in the Word report (`rapport.docx`), and the next run
reads it back when it is given that run with `--compare-with`. Each generated row of a worksheet stands
for one or more differences (a finding, a pattern of findings, an accessibility or missing-data finding);
its first cell is text the tool wrote. The previous report's worksheet is rebuilt from the previous
findings.json, so a row of the filled-in document is matched to its differences by that first cell,
and its other cells (causes, action, effort, who, follow-up) are written into this worksheet's row for
the same differences. A row whose first cell the team wrote or changed, and a row whose differences are
no longer in this worksheet, is carried as it was, so nothing written is lost.

What the team wrote goes into this run's reports only (HTML escaped, Markdown escaped as every value), never
into findings.json or a log: only the number of rows carried is recorded there.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from oppnaogon.errors import UsageError
from oppnaogon.present.report.carried import CarriedRow, CarriedWorksheet

# A Word worksheet larger than this is not a report this tool wrote (its reports are a few MB with charts).
MAX_DOCX_BYTES = 100 * 1024 * 1024


def _clean(text: str) -> str:
    """Line breaks and runs of spaces as one space; a no-break space (as in `62,3 %`) is kept."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()


def read_docx_worksheet(path: Path, headers: list[list[str]]) -> list[list[str]] | None:
    """The body rows of the first table in the Word file whose header row is one of `headers` (the
    worksheet's columns in each language), as cell texts; None when the file has no such table."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    if path.stat().st_size > MAX_DOCX_BYTES:
        raise UsageError(
            f"--compare-with: {path} är större än {MAX_DOCX_BYTES // 2**20} MB och kan inte vara en rapport "
            "från oppnaogon.",
            "Flytta den från mappen, eller ange findings.json direkt.",
        )
    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UsageError(
            f"--compare-with: {path} går inte att läsa som ett Word-dokument ({type(error).__name__}).",
            "Spara arbetsbladet i Word-format (.docx) igen, eller flytta filen från mappen.",
        ) from None
    wanted = [[_clean(h) for h in header] for header in headers]
    for table in document.tables:
        rows = [[_clean(cell.text) for cell in row.cells] for row in table.rows]
        if rows and rows[0] in wanted:
            return rows[1:]
    return None


def load_carried(previous: dict[str, Any], folder: Path, templates: Path | None) -> CarriedWorksheet | None:
    """Last time's filled-in worksheet (the Word report in `folder`, the folder of the previous
    findings.json), matched to the differences of the previous run; None when there is no Word report
    or no row in its worksheet has anything written beyond the generated first cell."""
    from oppnaogon.model.wording import LANGUAGES
    from oppnaogon.present.report import FILE_STEM
    from oppnaogon.present.report.texts import load_texts

    reports = [(code, folder / f"{stem}.docx") for code, stem in FILE_STEM.items()]
    reports = [(code, path) for code, path in reports if path.is_file()]
    if not reports:
        return None
    texts = {code: load_texts(code, templates) for code in LANGUAGES}
    # the worksheet in whichever language it was written (a Swedish team may have run --lang en)
    headers = [list(t.labels["worksheet"]["columns"]) for t in texts.values()]
    for stem_lang, path in reports:
        rows = read_docx_worksheet(path, headers)
        if rows is None:
            continue
        generated = _generated_rows(previous, texts[stem_lang])
        carried = []
        for row in rows:
            if not row or not any(cell for cell in row[1:]):
                continue  # nothing written beyond the tool's own text
            first = row[0]
            carried.append(CarriedRow(generated.get(first, frozenset()), first, tuple(row[1:])))
        return CarriedWorksheet(path.name, tuple(carried)) if carried else None
    return None


def _generated_rows(previous: dict[str, Any], texts: Any) -> dict[str, frozenset[str]]:
    """{first cell: the differences it stands for} of the worksheet the previous run's report had.
    A findings.json this version cannot read as a report gives no matches: every row is carried as the
    team's own."""
    from oppnaogon.present.report.context import build_context

    try:
        context = build_context(previous, texts, datetime(2000, 1, 1))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return {}
    return {_clean(text): frozenset(keys) for text, keys in context["step4"]["generated"]}
