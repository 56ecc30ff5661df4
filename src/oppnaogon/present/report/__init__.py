"""Reports for steps 1–4 (HTML, Markdown, Word), rendered from the same data as findings.json.

`write_html`, `write_markdown` and `write_docx` write one format each from a shared `Rendering` (they are
the reports' entries in the format registry, `oppnaogon.present.outputs.FORMATS`); `render_html` and
`render_markdown` give a Python user the report as a string.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oppnaogon.present.report.carried import CarriedWorksheet

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


class Rendering:
    """What the output files of one run are made from: its findings, and what its reports share, made
    once when the first report asks for it (the context, the charts, the Markdown that the Word report
    is converted from). `svg`/`png`: which kinds of chart the reports being written need."""

    def __init__(
        self,
        findings: dict[str, Any],
        *,
        lang: str = "sv",
        templates: Path | None = None,
        created: datetime,
        carried: CarriedWorksheet | None = None,
        svg: bool = True,
        png: bool = True,
    ) -> None:
        self.findings, self.lang, self.templates, self.created = findings, lang, templates, created
        self.carried, self.svg, self.png = carried, svg, png

    @property
    def stem(self) -> str:
        """The reports' file name without its suffix (rapport, report)."""
        return FILE_STEM[self.lang]

    @cached_property
    def context(self) -> dict[str, Any]:
        return _context(self.findings, self.lang, self.templates, self.created, self.carried)

    @cached_property
    def charts(self) -> dict[str, Any]:
        from oppnaogon.present.report.charts import render_charts

        return render_charts(self.context["charts"], svg=self.svg, png=self.png)

    @cached_property
    def markdown(self) -> tuple[str, dict[str, bytes]]:
        """The Markdown report and its charts ({diagram/<id>.png: the PNG's bytes})."""
        return _markdown(self.context, self.charts, self.templates)


def write_html(folder: Path, rendering: Rendering) -> list[str]:
    """rapport.html into `folder`; returns the names written."""
    name = f"{rendering.stem}.html"
    (folder / name).write_text(
        _html(rendering.context, rendering.charts, rendering.templates), encoding="utf-8"
    )
    return [name]


def write_markdown(folder: Path, rendering: Rendering) -> list[str]:
    """rapport.md and its charts (diagram/*.png) into `folder`; returns the names written."""
    markdown, images = rendering.markdown
    name = f"{rendering.stem}.md"
    (folder / name).write_text(markdown, encoding="utf-8")
    written = [name]
    if images:
        (folder / CHART_FOLDER).mkdir()
    for path, data in images.items():
        (folder / path).write_bytes(data)
        written.append(path)
    return written


def write_docx(folder: Path, rendering: Rendering) -> list[str]:
    """rapport.docx (converted from the Markdown report) into `folder`; returns the names written."""
    from oppnaogon.present.report.docx import markdown_to_docx

    markdown, images = rendering.markdown
    title = rendering.context["meta"]["title"]
    data = markdown_to_docx(markdown, images, title=title, created=rendering.created, lang=rendering.lang)
    name = f"{rendering.stem}.docx"
    (folder / name).write_bytes(data)
    return [name]
