"""Writing the results of `analyse`: findings.json, manifest.json, CSV tables, tables.xlsx and the reports.

All files are written into a temporary folder beside the output folder and moved into place at the
end, so a crash never leaves a half-written report. Text that came from the data is neutralised in CSV
and XLSX (a cell starting with = + - @ is prefixed with an apostrophe); numbers stay numbers. Suppressed
values are `..` in the tables and `null` with `"suppressed": true` in JSON. With `SOURCE_DATE_EPOCH`
set, the same input and settings give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from oppnaogon.io.files import replace_folder
from oppnaogon.model.reasons import shown_reason
from oppnaogon.model.sexes import row_sex_word
from oppnaogon.model.wording import (
    KIND_SV,
    VERDICT_SV,
    breakdown_text,
    criteria_text,
    group_text,
)
from oppnaogon.present.report import Rendering, write_docx, write_html, write_markdown

if TYPE_CHECKING:
    from oppnaogon.present.report.carried import CarriedWorksheet

SUPPRESSED = ".."
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Make a text cell safe for spreadsheets: a leading = + - @ would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def run_time() -> datetime:
    """The time recorded in outputs: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def descriptive_rows(findings: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    population = findings["population"]["age_group"]
    labels = {o["name"]: o["label"] for o in findings["outcomes"]}
    header = ["utfall", "typ", "indelning", "grupp", "kön", "antal", "värde", "ki_låg", "ki_hög", "median"]
    rows = []
    for d in findings["descriptives"]:
        ci = d["ci"] or [None, None]
        hidden = d["suppressed"]
        rows.append(
            [
                labels[d["outcome"]],
                KIND_SV[d["kind"]],
                breakdown_text(d["breakdown"]),
                group_text(d["breakdown"]),
                row_sex_word(d["sex"], d["breakdown"], population),
                _cell(d["n"]),
                _cell(d["value"], hidden),
                _cell(ci[0], hidden),
                _cell(ci[1], hidden),
                _cell(d.get("median"), hidden) if d["kind"] == "numeric" else "",
            ]
        )
    return header, rows


def difference_rows(findings: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    labels = {o["name"]: o["label"] for o in findings["outcomes"]}
    header = [
        "id",
        "utfall",
        "indelning",
        "grupp",
        "skillnad_kvinnor_minus_män",
        "ki_låg",
        "ki_hög",
        "test",
        "p",
        "p_justerat",
        "anmärkningsvärd",
        "skäl",
        "bedömning",
        "förklaras_av",
        "bedömningens_skäl",
        "justerad_skillnad",
        "justerad_ki_låg",
        "justerad_ki_hög",
        "justerat_p",
        "kriterier_som_saknas",
    ]
    rows = []
    for d in findings["differences"]:
        ci = d["ci"] or [None, None]
        hidden = d["suppressed"]
        adjusted = d.get("adjusted") or {}
        adjusted_ci = adjusted.get("ci") or [None, None]
        # withheld adjusted figures (small strata, disclosure.adjusted.publication_form) show as hidden
        adjusted_hidden = hidden or adjusted.get("figures") == "withheld"
        rows.append(
            [
                d["id"],
                labels[d["outcome"]],
                breakdown_text(d["breakdown"]),
                group_text(d["breakdown"]),
                _cell(d["estimate"], hidden),
                _cell(ci[0], hidden),
                _cell(ci[1], hidden),
                d["test"] or "",
                _cell(d["p_value"], hidden),
                _cell(d["p_adjusted"], hidden),
                "ja" if d["noteworthy"] else "nej",
                shown_reason(d["reason"]),
                VERDICT_SV.get(d.get("verdict") or "", ""),
                criteria_text(d.get("explained_by")),
                shown_reason(d.get("verdict_reason")),
                _cell(adjusted.get("estimate"), adjusted_hidden),
                _cell(adjusted_ci[0], adjusted_hidden),
                _cell(adjusted_ci[1], adjusted_hidden),
                _cell(adjusted.get("p_value"), adjusted_hidden),
                criteria_text(d.get("criteria_missing")),
            ]
        )
    return header, rows


def accommodation_rows(findings: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Accommodation needed but not given (e.g. "Nej men skulle ha behövts"), per column and sex."""
    population = findings["population"]["age_group"]
    header = ["kolumn", "värde", "kön", "besvarade", "antal", "andel", "skillnad_kvinnor_minus_män", "p"]
    rows = []
    for a in findings.get("accommodation", []):
        for s in a["by_sex"]:
            rows.append(
                [
                    a["column"],
                    " / ".join(a["values"]),
                    row_sex_word(s["sex"], {}, population),
                    _cell(s["n"]),
                    _cell(s["count"]),
                    _cell(s["share"], s["suppressed"]),
                    _cell(a["difference"]),
                    _cell(a["p_value"]),
                ]
            )
    return header, rows


def quality_rows(findings: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    population = findings["population"]["age_group"]
    header = ["kolumn", "kön", "rader", "saknas", "andel_saknas"]
    rows = [
        [
            q["column"],
            row_sex_word(q["sex"], {}, population),
            _cell(q["rows"]),
            _cell(q["missing"]),
            _cell(q["share"], q["suppressed"]),
        ]
        for q in findings["data_quality"]
    ]
    return header, rows


TABLES: dict[str, Callable[[dict[str, Any]], tuple[list[str], list[list[Any]]]]] = {
    "beskrivning": descriptive_rows,
    "skillnader": difference_rows,
    "datakvalitet": quality_rows,
    "tillganglighet": accommodation_rows,
}


def _cell(value: Any, hidden: bool = True) -> Any:
    """A table cell: `..` for a hidden value, empty for one that does not exist (a share of no one)."""
    if value is None:
        return SUPPRESSED if hidden else ""
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6g}".replace(".", ",")  # Swedish Excel reads decimal commas
    return neutralise(value)


def write_xlsx(path: Path, findings: dict[str, Any], created: datetime) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    # A fixed creation time makes the file byte-identical for the same input (SOURCE_DATE_EPOCH).
    workbook.set_properties({"created": created.replace(tzinfo=None), "title": "oppnaogon: tabeller"})
    bold = workbook.add_format({"bold": True})
    for name, build in TABLES.items():
        header, rows = build(findings)
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, header, bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(neutralise(value)))
        sheet.freeze_panes(1, 0)
    workbook.close()


def write_findings_json(folder: Path, rendering: Rendering) -> list[str]:
    (folder / "findings.json").write_text(to_json(rendering.findings), encoding="utf-8")
    return ["findings.json"]


def write_csv_tables(folder: Path, rendering: Rendering) -> list[str]:
    """One CSV file per table (UTF-8 with BOM, for Swedish Excel)."""
    written = []
    for name, build in TABLES.items():
        header, rows = build(rendering.findings)
        (folder / f"{name}.csv").write_text("\ufeff" + csv_text(header, rows), encoding="utf-8")
        written.append(f"{name}.csv")
    return written


def write_tables_xlsx(folder: Path, rendering: Rendering) -> list[str]:
    write_xlsx(folder / "tables.xlsx", rendering.findings, rendering.created)
    return ["tables.xlsx"]


@dataclass(frozen=True)
class OutputFormat:
    """One output format: its name in `--format`, whether it is a report (rendered from the templates,
    in the run's language) or a table, the function that writes its files into a folder from the run's
    `Rendering` (returning their names, relative to the folder), its description for `--help`, whether
    `analyse` writes it when no `--format` is given, and the kind of chart a report embeds."""

    name: str
    kind: Literal["report", "table"]
    write: Callable[[Path, Rendering], list[str]]
    description: str
    default: bool
    charts: Literal["svg", "png"] | None = None


# Every output format, in the order they are listed (`--help`, "Välj bland: …"). A new format is one
# entry here and its tests (docs/architecture.md, "Adding an output format").
FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("html", "report", write_html, "webbsida med diagram", default=True, charts="svg"),
    OutputFormat("md", "report", write_markdown, "Markdown, diagrammen som PNG", default=False, charts="png"),
    OutputFormat("docx", "report", write_docx, "Word", default=True, charts="png"),
    OutputFormat("json", "table", write_findings_json, "findings.json, alla resultat", default=True),
    OutputFormat("xlsx", "table", write_tables_xlsx, "tables.xlsx, tabellerna i Excel", default=True),
    OutputFormat("csv", "table", write_csv_tables, "en CSV-fil per tabell", default=False),
)
FORMAT_NAMES: tuple[str, ...] = tuple(f.name for f in FORMATS)
DEFAULT_FORMATS: tuple[str, ...] = tuple(f.name for f in FORMATS if f.default)
BATCH_FORMATS: tuple[str, ...] = ("html", "json")  # batch's default per unit: a report and findings.json
_KIND_WORDS = {"report": "Rapporter", "table": "Tabeller"}


def format_help() -> str:
    """The formats for `--help`, each with its description, reports first."""
    parts = []
    for kind, word in _KIND_WORDS.items():
        listed = ", ".join(f"{f.name} ({f.description})" for f in FORMATS if f.kind == kind)
        parts.append(f"{word}: {listed}.")
    return " ".join(parts)


def chosen_formats(names: Iterable[str]) -> tuple[OutputFormat, ...]:
    """The registry's entries of `names`, in writing order: the tables, then the reports (the slowest;
    each kind in the registry's order). Unknown names are the run settings' to refuse."""
    wanted = set(names)
    return tuple(f for kind in ("table", "report") for f in FORMATS if f.kind == kind and f.name in wanted)


def _rendering(
    findings: dict[str, Any],
    chosen: Sequence[OutputFormat],
    *,
    lang: str,
    templates: Path | None,
    created: datetime,
    carried: CarriedWorksheet | None,
) -> Rendering:
    charts = {f.charts for f in chosen}
    return Rendering(
        findings,
        lang=lang,
        templates=templates,
        created=created,
        carried=carried,
        svg="svg" in charts,
        png="png" in charts,
    )


def write_reports(
    folder: Path,
    findings: dict[str, Any],
    formats: Sequence[str],
    *,
    lang: str = "sv",
    templates: Path | None = None,
    created: datetime,
    carried: CarriedWorksheet | None = None,
) -> list[str]:
    """Write the report formats among `formats` into `folder`; returns the names written (relative).
    `carried`: last time's filled-in worksheet, written into this one's step 4."""
    chosen = [f for f in chosen_formats(formats) if f.kind == "report"]
    rendering = _rendering(findings, chosen, lang=lang, templates=templates, created=created, carried=carried)
    return [name for f in chosen for name in f.write(folder, rendering)]


def typed(findings: dict[str, Any]) -> dict[str, Any]:
    """findings.json as its typed model writes it (`model.findings.Findings.to_dict`, the same JSON),
    checked before anything is written: a document the model does not describe is a fault of the tool,
    never of the input (exit 1, nothing written)."""
    from oppnaogon.model.findings import Findings, FindingsFileError

    try:
        return Findings.from_dict(findings, source="findings.json").to_dict()
    except FindingsFileError as error:
        raise RuntimeError(f"findings.json does not match its model: {error.message}") from None


def write_outputs(
    out: Path,
    findings: dict[str, Any],
    manifest: dict[str, Any],
    formats: Sequence[str],
    *,
    lang: str = "sv",
    templates: Path | None = None,
    carried: CarriedWorksheet | None = None,
) -> list[Path]:
    """Write the chosen formats into `out` atomically; returns the files written (final paths).
    `carried`: last time's filled-in worksheet, for the reports' step 4 (never written elsewhere)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        chosen = chosen_formats(formats)
        rendering = _rendering(
            findings,
            chosen,
            lang=lang,
            templates=templates,
            created=datetime.fromisoformat(manifest["created"]),
            carried=carried,
        )
        written = [name for f in chosen for name in f.write(staging, rendering)]
        manifest = {**manifest, "files": sorted(written)}
        (staging / "manifest.json").write_text(to_json(manifest), encoding="utf-8")
        replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / name for name in [*sorted(written), "manifest.json"]]
