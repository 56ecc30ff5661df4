"""Reports for steps 1–4 (HTML, Markdown, Word), rendered from the same data as findings.json.

`write_reports` is what `oppnaogon analyse --format html,md,docx` calls; `render_html` and
`render_markdown` give a Python user the report as a string.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oppnaogon.present.report.carried import CarriedWorksheet

REPORT_FORMATS = ("html", "md", "docx")
FILE_STEM = {"sv": "rapport", "en": "report"}
CHART_FOLDER = "diagram"


def _context(
    findings: dict[str, Any],
    lang: str,
    templates: Path | None,
    created: datetime,
    carried: CarriedWorksheet | None = None,
) -> dict[str, Any]:
    from oppnaogon.present.report.context import build_context
    from oppnaogon.present.report.texts import load_texts

    return build_context(findings, load_texts(lang, templates), created, carried)


def render_html(
    findings: dict[str, Any], *, lang: str = "sv", templates: Path | None = None, created: datetime
) -> str:
    """The self-contained HTML report (inline CSS and SVG charts)."""
    from oppnaogon.present.report.charts import render_charts

    context = _context(findings, lang, templates, created)
    return _html(context, render_charts(context["charts"], png=False), templates)


def render_markdown(
    findings: dict[str, Any], *, lang: str = "sv", templates: Path | None = None, created: datetime
) -> tuple[str, dict[str, bytes]]:
    """The Markdown report and its charts: {relative path of each PNG: its bytes}."""
    from oppnaogon.present.report.charts import render_charts

    context = _context(findings, lang, templates, created)
    return _markdown(context, render_charts(context["charts"], svg=False), templates)


def _html(context: dict[str, Any], charts: dict[str, Any], templates: Path | None) -> str:
    from markupsafe import Markup

    from oppnaogon.present.report.render import HTML_TEMPLATE, render

    return render(HTML_TEMPLATE, {**context, "svg": {k: Markup(c.svg) for k, c in charts.items()}}, templates)


def _markdown(
    context: dict[str, Any], charts: dict[str, Any], templates: Path | None
) -> tuple[str, dict[str, bytes]]:
    """The Markdown text (charts referenced as diagram/<id>.png) and {that path: the PNG's bytes}."""
    from oppnaogon.present.report.render import MARKDOWN_TEMPLATE, render

    paths = {chart_id: f"{CHART_FOLDER}/{chart_id}.png" for chart_id in charts}
    text = render(MARKDOWN_TEMPLATE, {**context, "images": paths}, templates)
    return text, {paths[k]: c.png for k, c in charts.items()}


def write_reports(
    folder: Path,
    findings: dict[str, Any],
    formats: tuple[str, ...] | list[str],
    *,
    lang: str = "sv",
    templates: Path | None = None,
    created: datetime,
    carried: CarriedWorksheet | None = None,
) -> list[str]:
    """Write the report formats among `formats` into `folder`; returns the names written (relative).
    `carried`: last time's filled-in worksheet, written into this one's step 4."""
    from oppnaogon.present.report.charts import render_charts
    from oppnaogon.present.report.docx import markdown_to_docx

    wanted = [f for f in REPORT_FORMATS if f in formats]
    if not wanted:
        return []
    stem = FILE_STEM[lang]
    context = _context(findings, lang, templates, created, carried)
    charts = render_charts(context["charts"], svg="html" in wanted, png="md" in wanted or "docx" in wanted)
    written: list[str] = []
    if "html" in wanted:
        (folder / f"{stem}.html").write_text(_html(context, charts, templates), encoding="utf-8")
        written.append(f"{stem}.html")
    if "md" in wanted or "docx" in wanted:
        markdown, images = _markdown(context, charts, templates)
        if "md" in wanted:
            (folder / f"{stem}.md").write_text(markdown, encoding="utf-8")
            written.append(f"{stem}.md")
            if images:
                (folder / CHART_FOLDER).mkdir()
            for path, data in images.items():
                (folder / path).write_bytes(data)
                written.append(path)
        if "docx" in wanted:
            data = markdown_to_docx(
                markdown, images, title=context["meta"]["title"], created=created, lang=lang
            )
            (folder / f"{stem}.docx").write_bytes(data)
            written.append(f"{stem}.docx")
    return written
