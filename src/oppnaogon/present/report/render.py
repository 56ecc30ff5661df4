"""The one place the report templates are rendered (Jinja), for HTML and for Markdown.

Templates are looked up first in the analyst's own folder (`--templates DIR`), then among the shipped
ones, so a copy of `report.html.j2` with a logo or other wording replaces the shipped file. HTML is
autoescaped; in Markdown every value is escaped for Markdown instead (a category named `<script>` or
`**x**` is shown as text). Undefined names fail loudly (`StrictUndefined`), so a misspelt key in a
template is an error, not an empty gap in a report.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from oppnaogon.errors import UsageError
from oppnaogon.io.resources import shipped
from oppnaogon.present.report import numbers

HTML_TEMPLATE = "report.html.j2"
MARKDOWN_TEMPLATE = "report.md.j2"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#&~$])")
# What makes a line a list item or a setext underline: "- x", "+ x", "1. x", "1) x", "===", "---".
# "+5,5" and "-3" are not, and stay as they are.
_LINE_START = re.compile(r"^(\s*)(?:([-+])(?=\s)|(\d+)([.)])(?=\s|$)|([=-])(?=[=-]*\s*$))")


def escape_markdown(value: Any) -> str:
    """Text from the data, safe in Markdown: no emphasis, links, HTML, table cells or headings."""
    from markupsafe import Markup

    if isinstance(value, Markup):
        return str(value)
    text = " ".join(str(value).split()) if "\n" in str(value) or "\r" in str(value) else str(value)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)

    # A value that starts like a list item ("- x", "1. x") must not become one; the backslash goes
    # before the punctuation, since "\1" is not an escape in Markdown.
    def escaped(match: re.Match[str]) -> str:
        marker = match.group(2) or match.group(5)
        return match.group(1) + ("\\" + marker if marker else match.group(3) + "\\" + match.group(4))

    return _LINE_START.sub(escaped, text)


def environment(templates: Path | None, markdown: bool) -> Any:
    """The one Jinja environment of the reports (and the batch overview): the analyst's folder before the
    shipped templates, autoescape for HTML, Markdown escaping otherwise, undefined names an error."""
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(jinja2.FileSystemLoader(str(shipped("templates"))))
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=escape_markdown if markdown else None,
    )
    # Formatting filters for analysts' own templates; the shipped ones get everything pre-formatted.
    environment.filters.update(
        {
            "number": numbers.number,
            "percent": numbers.percent,
            "points": numbers.points,
            "p_value": numbers.p_value,
        }
    )
    return environment


def render(template: str, context: dict[str, Any], templates: Path | None = None) -> str:
    """Render `template` (report.html.j2 or report.md.j2) with the report context as `ctx`."""
    import jinja2

    markdown = template.endswith(".md.j2")
    try:
        return environment(templates, markdown).get_template(template).render(ctx=context)
    except jinja2.TemplateSyntaxError as error:
        raise UsageError(
            f"Mallen {error.filename or template} har ett syntaxfel på rad {error.lineno}: {error.message}.",
            "Rätta mallen, eller ta bort den ur mallmappen så används den medföljande.",
        ) from None
    except jinja2.UndefinedError as error:
        raise UsageError(
            f"Mallen {template} använder något som inte finns i rapportens data: {error.message}.",
            "Se docs/reports.md för vilka fält som finns, eller utgå från en kopia av den medföljande mallen.",
        ) from None
