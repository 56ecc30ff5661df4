"""The Word report: the rendered Markdown report, laid out as a real Word document with python-docx.

Word gets the same content as the Markdown file (one template, `report.md.j2`, for both), so an
analyst who changes the Markdown template changes the Word report too. Headings become Word headings
(navigation pane, table of contents), Markdown tables become Word tables (the step 4 worksheet is an
editable table with empty rows to fill in), and charts are PNG pictures with their alt text. The file is
byte-identical for the same input: fixed document properties and fixed times inside the zip.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

PICTURE_WIDTH_IN = 6.3  # the text width of an A4 page with Word's default margins
TABLE_FONT_PT = 8  # the wide tables of step 1
TEXT_TABLE_FONT_PT = 9.5  # the worksheet, the criteria and other tables of text
MAX_COLUMN_CHARS = 28
SHORT_CELL_CHARS = 12
WRITING_COLUMN_CHARS = 18


def markdown_to_docx(
    markdown: str, images: dict[str, bytes], *, title: str, created: datetime, lang: str
) -> bytes:
    """A .docx (bytes) of `markdown`; `images` maps each image path in the Markdown to its PNG bytes."""
    from docx import Document
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    document = Document()
    _set_language(document, "sv-SE" if lang == "sv" else "en-GB")
    _Writer(document, images).write(tokens)
    properties = document.core_properties
    properties.title = title
    properties.author = "oppnaogon"
    properties.last_modified_by = "oppnaogon"
    properties.created = created.replace(tzinfo=None)
    properties.modified = created.replace(tzinfo=None)
    properties.revision = 1
    properties.language = "sv-SE" if lang == "sv" else "en-GB"
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip_times(buffer.getvalue(), created)


def _set_language(document: Any, tag: str) -> None:
    """Spelling and hyphenation in the report's language (the default template says en-US)."""
    from docx.oxml.ns import qn

    run_properties = document.styles["Normal"].element.get_or_add_rPr()
    language = run_properties.find(qn("w:lang"))
    if language is None:
        language = run_properties.makeelement(qn("w:lang"), {})
        run_properties.append(language)
    language.set(qn("w:val"), tag)


class _Writer:
    def __init__(self, document: Any, images: dict[str, bytes]) -> None:
        self.document = document
        self.images = images
        self.lists: list[str] = []
        self.quote = 0
        self.first_h2 = True

    def write(self, tokens: list[Any]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                self.heading(int(token.tag[1]), tokens[index + 1])
                index += 3
                continue
            if kind == "paragraph_open":
                self.paragraph(tokens[index + 1])
                index += 3
                continue
            if kind == "table_open":
                index = self.table(tokens, index)
                continue
            if kind == "bullet_list_open":
                self.lists.append("List Bullet")
            elif kind == "ordered_list_open":
                self.lists.append("List Number")
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "blockquote_open":
                self.quote += 1
            elif kind == "blockquote_close":
                self.quote -= 1
            index += 1

    def heading(self, level: int, inline: Any) -> None:
        heading = self.document.add_heading(level=min(level - 1, 9))
        self.runs(heading, inline.children or [])
        if level == 2:
            # Every main section starts on a new page when printed, as in the HTML report.
            heading.paragraph_format.page_break_before = not self.first_h2
            self.first_h2 = False

    def paragraph(self, inline: Any) -> None:
        children = inline.children or []
        if len(children) == 1 and children[0].type == "image":
            self.picture(children[0])
            return
        style = None
        if self.lists:
            style = self.lists[-1] if len(self.lists) == 1 else f"{self.lists[-1]} 2"
        elif self.quote:
            style = "Quote"
        paragraph = self.document.add_paragraph(style=style)
        self.runs(paragraph, children)

    def picture(self, image: Any) -> None:
        from docx.shared import Inches

        data = self.images.get(image.attrs.get("src", ""))
        alt = "".join(c.content for c in image.children or [])
        if data is None:
            self.document.add_paragraph(alt)
            return
        shape = self.document.add_picture(io.BytesIO(data), width=Inches(PICTURE_WIDTH_IN))
        shape._inline.docPr.set("descr", alt)  # the alt text Word shows and screen readers read

    def runs(self, paragraph: Any, children: list[Any]) -> None:
        bold = italic = False
        for child in children:
            kind = child.type
            if kind == "strong_open":
                bold = True
            elif kind == "strong_close":
                bold = False
            elif kind == "em_open":
                italic = True
            elif kind == "em_close":
                italic = False
            elif kind in ("text", "code_inline", "html_inline"):
                run = paragraph.add_run(child.content)
                run.bold = bold or None
                run.italic = italic or None
            elif kind in ("softbreak", "hardbreak"):
                paragraph.add_run(" ")

    def table(self, tokens: list[Any], index: int) -> int:
        from docx.shared import Pt
        from docx.table import _Cell

        rows: list[list[list[Any]]] = []
        header_rows = 0
        in_head = False
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open":
                rows.append([])
                header_rows += in_head
            elif token.type == "inline":
                rows[-1].append(token.children or [])
            index += 1
        columns = max(len(r) for r in rows)
        table = self.document.add_table(rows=len(rows), cols=columns)
        table.style = "Table Grid"
        widths = _column_widths(rows, columns)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        size = Pt(TABLE_FONT_PT if columns > 4 else TEXT_TABLE_FONT_PT)
        for r, (row_element, row) in enumerate(zip(table._tbl.tr_lst, rows, strict=True)):
            # Cells straight from the row's XML: python-docx's table.cell() rebuilds the whole grid for
            # every call, which takes seconds for the large tables of step 1.
            for cell_element, children, width in zip(row_element.tc_lst, row, widths, strict=False):
                cell = _Cell(cell_element, table)
                cell.width = width
                self.runs(cell.paragraphs[0], children)
                for run in cell.paragraphs[0].runs:
                    run.font.size = size
                    if r < header_rows:
                        run.bold = True
        for r in range(header_rows):
            _repeat_header(table.rows[r])
        self.document.add_paragraph()
        return index + 1


def _column_widths(rows: list[list[list[Any]]], columns: int) -> list[Any]:
    """Column widths over the whole text width, by the longest text of each column (capped, so that one
    long group name does not squeeze the numbers), instead of python-docx's equal widths."""
    from docx.shared import Inches

    longest = [4] * columns
    longest_word = [1] * columns
    filled = [False] * columns
    for r, row in enumerate(rows):
        for c, children in enumerate(row):
            text = "".join(child.content for child in children if child.type == "text")
            filled[c] = filled[c] or (r > 0 and bool(text))
            longest[c] = max(longest[c], min(len(text), MAX_COLUMN_CHARS))
            # a word cannot be broken: "Skogsbacken", "omotiverad", "(justerat)" need their full width
            longest_word[c] = max([longest_word[c], *(len(w) for w in text.split())])
    # + 3: the cell margins take about three characters of a column
    # and a short text (".., n = 8", "0,003") fits on one line rather than breaking
    weights = [
        (length if length <= SHORT_CELL_CHARS else max(word, 0.7 * length)) + 3
        for word, length in zip(longest_word, longest, strict=True)
    ]
    # an empty column is room to write in (the step 4 worksheet): as wide as a text column
    weights = [
        w if has_text else max(w, WRITING_COLUMN_CHARS) for w, has_text in zip(weights, filled, strict=True)
    ]
    total = sum(weights)
    return [Inches(PICTURE_WIDTH_IN * w / total) for w in weights]


def _repeat_header(row: Any) -> None:
    """The header row repeats on every page a long table runs over."""
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    element = properties.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    properties.append(element)


def _fixed_zip_times(data: bytes, created: datetime) -> bytes:
    """The same .docx bytes for the same content: python-docx stamps each zip entry with the clock."""
    stamp = created.timetuple()[:6]
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(item.filename))
    return output.getvalue()
