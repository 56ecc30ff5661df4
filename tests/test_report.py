"""The reports (HTML, Markdown, Word): content, formatting, escaping, edge cases and golden fragments.

Golden files live in tests/golden/. A missing or different one fails; `UPDATE_GOLDEN=1 pytest` rewrites
them (and only then), after which the diff is read before it is committed.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from oppnaogon.app.analyse import run_analysis
from oppnaogon.cli import app
from oppnaogon.present.outputs import write_reports
from oppnaogon.present.report import numbers, render_html, render_markdown
from oppnaogon.present.report.docx import markdown_to_docx
from oppnaogon.present.report.render import escape_markdown
from oppnaogon.testing.worlds import generate_world, write_world
from tests.conftest import EXAMPLE, REPORT_SECTIONS, ExampleRun, districts_extract

runner = CliRunner()
GOLDEN = Path(__file__).parent / "golden"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
WriteCsv = Callable[..., Path]


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with UPDATE_GOLDEN=1 and read it first")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def fragment(html: str, section_id: str) -> str:
    """The <section id=…> element of `html`, up to its closing tag (sections in the report do not nest
    deeper than one level of inner sections, which are counted)."""
    start = html.index(f'<section id="{section_id}"')
    depth, position = 0, start
    for match in re.finditer(r"<section\b|</section>", html[start:]):
        depth += 1 if match.group(0) == "<section" else -1
        if depth == 0:
            position = start + match.end()
            break
    return html[start:position]


def published_counts(html: str) -> list[int]:
    """Every whole number shown in a numeric table cell of the report."""
    cells = re.findall(r'<td class="num">([\d\u00a0]+)</td>|n\u00a0=\u00a0([\d\u00a0]+)<', html)
    return [int((a or b).replace("\u00a0", "")) for a, b in cells]


@pytest.fixture(scope="module")
def example_findings(example_run: ExampleRun) -> dict[str, Any]:
    return example_run.findings()


@pytest.fixture(scope="module")
def example_html(example_findings: dict[str, Any]) -> str:
    return render_html(example_findings, created=CREATED)


def _findings_of_world(tmp_path: Path, scenario: str, rows: int, seed: int = 3) -> dict[str, Any]:
    data, config = write_world(generate_world(scenario, rows, seed), tmp_path / scenario)
    return run_analysis(data, config, out=None).findings


# --- numbers -------------------------------------------------------------------------------------


def test_numbers_in_swedish_and_english() -> None:
    assert numbers.percent(0.6234) == "62,3\u00a0%"
    assert numbers.percent(0.6234, "en") == "62.3%"
    assert numbers.number(1234567) == "1\u00a0234\u00a0567"
    assert numbers.number(1234567, "en") == "1,234,567"
    assert numbers.points(0.075) == "+7,5"
    assert numbers.points(-0.03) == "\u22123,0"
    assert numbers.points(-0.0001) == "0,0"  # no sign on a difference that rounds to zero
    assert numbers.p_value(0.0004) == "<0,001"
    assert numbers.p_value(0.0381) == "0,038"
    assert numbers.p_value(0.451) == "0,45"
    assert numbers.interval(0.038, 0.113) == "3,8 till 11,3"
    assert numbers.interval(-0.017, 0.08, "en") == "\u22121.7 to 8.0"
    assert numbers.date(datetime(2026, 3, 5)) == "5 mars 2026"
    assert numbers.percent(None) == ".." and numbers.percent(None, hidden=False) == "–"


def test_markdown_escaping_keeps_data_as_text() -> None:
    assert escape_markdown("<script>x</script>") == "\\<script\\>x\\</script\\>"
    assert escape_markdown("**fet** | [länk](http://x)") == "\\*\\*fet\\*\\* \\| \\[länk\\](http://x)"
    assert escape_markdown("# rubrik") == "\\# rubrik"
    assert escape_markdown("- punkt") == "\\- punkt"
    assert escape_markdown("1. punkt") == "1\\. punkt"
    assert escape_markdown("rad\nett") == "rad ett"
    assert escape_markdown("+5,5") == "+5,5" and escape_markdown("\u22123,0") == "\u22123,0"
    assert escape_markdown("===") == "\\===" and escape_markdown("+ x") == "\\+ x"
    assert escape_markdown("13-17 år, 62,3 %") == "13-17 år, 62,3 %"  # ordinary text stays readable


# --- the example, whole ------------------------------------------------------------------------


class _Structure(HTMLParser):
    """Headings, tables without header cells, images without text alternatives, scripts, links out."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.ids: list[str] = []
        self.scripts = 0
        self.external: list[str] = []
        self.tables = 0
        self.header_cells = 0
        self.unlabelled_images = 0
        self._heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "script":
            self.scripts += 1
        for key in ("href", "src"):
            value = a.get(key) or ""
            if value and not value.startswith("#"):
                self.external.append(value)
        if tag == "table":
            self.tables += 1
        if tag == "th":
            self.header_cells += 1
        if a.get("role") == "img" and not a.get("aria-label"):
            self.unlabelled_images += 1
        if tag in ("h1", "h2", "h3"):
            self._heading = ""

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(self._heading.strip())
            self._heading = None


@pytest.mark.slow
def test_html_report_of_the_example_is_whole_self_contained_and_accessible(example_html: str) -> None:
    parsed = _Structure()
    parsed.feed(example_html)
    assert all(s in parsed.ids for s in REPORT_SECTIONS)
    assert len(parsed.ids) == len(set(parsed.ids)), "duplicate ids (charts share one page)"
    assert parsed.scripts == 0 and parsed.external == []
    assert parsed.unlabelled_images == 0
    assert example_html.count('role="img"') == 21
    assert parsed.tables > 20 and parsed.header_cells > parsed.tables
    for heading in (
        "Sammanfattning",
        "Steg 1. Vad ser vi?",
        "Steg 2. Vi reflekterar",
        "Steg 3. Kan vi dra slutsatser?",
        "Steg 4. Hur kan vi göra annorlunda?",
        "Datakvalitet",
        "Bilaga: Med öppna ögon på mitt ärende",
    ):
        assert heading in parsed.headings
    # No Python object leaked into the text (a template that reads dict.values instead of a key)
    assert "built-in method" not in example_html and "bound method" not in example_html
    assert '<html lang="sv">' in example_html
    assert all(c == 0 or c >= 5 for c in published_counts(example_html))


def test_summary_states_the_planted_finding_in_plain_swedish(example_html: str) -> None:
    summary = fragment(example_html, "sammanfattning")
    # girls 13-17 are granted an intervention more often (the example's planted difference)
    assert (
        "13–17 år: ”Insats beviljad” gäller 63,8\u00a0% av flickorna och 56,2\u00a0% av pojkarna: andelen är 7,5 "
        "procentenheter högre för flickorna (osäkerhetsintervall 3,8 till 11,3)."
    ) in summary
    assert "Jämförelser mellan könen som testades: 133, varav anmärkningsvärda: 23." in summary
    assert "13 kan inte avgöras, 10 omotiverade" in summary
    # interpreter needed, not used
    assert (
        "Svaret ”Nej men skulle ha behövts” i ”Tolk använd”: 48 av 2\u00a0839 flickor (1,7\u00a0%)" in summary
    )
    # the whole group's figures come first, also where the difference is not noteworthy
    assert "<li>”Timmar per vecka” är i genomsnitt 4,9 för flickorna och 4,9 för pojkarna" in summary


def test_every_noteworthy_finding_has_a_verdict_and_prompts_for_its_kind(
    example_findings: dict[str, Any], example_html: str
) -> None:
    step2 = fragment(example_html, "steg2")
    noteworthy = [d for d in example_findings["differences"] if d["noteworthy"] or d["masked"]]
    # every noteworthy difference is in step 2, alone or as a row of a pattern (3+ groups, same outcome
    # and kind): 10 unmotivated participation differences form one pattern, 5 undecided decisions and 8
    # undecided participation differences two more
    ids = re.findall(r'id="(fynd-\d+)"', step2)
    assert len(ids) == len(set(ids)) == len(noteworthy) == 23
    links = re.findall(r'href="#(fynd-\d+)"', fragment(example_html, "sammanfattning"))
    assert links and set(links) <= set(ids)  # every link of the summary lands on its finding
    # + 2 accessibility findings; the hours' missing values follow the decision, so no quality finding
    assert step2.count('<article class="finding"') == 1 + 1 + 1 + 2
    assert "Barnet delaktigt: samma mönster i 10 grupper" in step2
    assert "Bedömning: omotiverad." in step2 and "Bedömning: kan inte avgöras" in step2
    for title in ("2.1 Individ och grupp", "2.2 Verksamhet och profession", "2.3 Omvärld och samhälle"):
        assert title in step2
    assert "Genusbias" in step2 and "myter" in step2


def test_worksheet_lists_each_finding_and_leaves_room_to_write(example_html: str) -> None:
    step4 = fragment(example_html, "steg4")
    assert '<th scope="col">Tänkbara orsaker</th>' in step4
    rows = re.findall(r"<tr><td>(.*?)</td>", step4)
    assert len(rows) == 5 + 3  # findings and patterns, accessibility; blank rows
    assert "Barnet delaktigt: samma mönster i 10 grupper, t.ex. Barnet delaktigt, alla" in step4
    assert rows[-1] == ""


@pytest.mark.slow
def test_golden_fragments_of_the_example(example_findings: dict[str, Any], example_html: str) -> None:
    assert_golden("summary.sv.html", fragment(example_html, "sammanfattning"))
    assert_golden("worksheet.sv.html", fragment(example_html, "steg4"))
    markdown, _ = render_markdown(example_findings, created=CREATED)
    start = markdown.index("## Sammanfattning")
    assert_golden("summary.sv.md", markdown[start : markdown.index("## Steg 1")])
    english, _ = render_markdown(example_findings, lang="en", created=CREATED)
    assert_golden("summary.en.md", english[english.index("## Summary") : english.index("## Step 1")])


@pytest.mark.slow
def test_english_report(example_findings: dict[str, Any]) -> None:
    html = render_html(example_findings, lang="en", created=CREATED)
    assert '<html lang="en">' in html
    assert "Step 2. We reflect" in html and "girls" in html and "boys" in html
    assert "Steg 1" not in html and "flickor" not in html


@pytest.mark.slow
def test_word_report_opens_with_headings_tables_and_charts(example_findings: dict[str, Any]) -> None:
    import docx

    markdown, images = render_markdown(example_findings, created=CREATED)
    document = docx.Document(
        io.BytesIO(markdown_to_docx(markdown, images, title="t", created=CREATED, lang="sv"))
    )
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    names = [text for _, text in headings]
    assert ("Heading 1", "Steg 1. Vad ser vi?") in headings
    for name in (
        "Sammanfattning",
        "Steg 2. Vi reflekterar",
        "Steg 4. Hur kan vi göra annorlunda?",
        "Datakvalitet",
    ):
        assert name in names
    pictures = document.inline_shapes
    assert len(pictures) == 21
    assert all(p._inline.docPr.get("descr", "").startswith("Diagram:") for p in pictures)
    worksheet = next(t for t in document.tables if t.rows[0].cells[0].text == "Skillnad vi ser")
    assert [c.text for c in worksheet.rows[0].cells][1] == "Tänkbara orsaker"
    assert worksheet.rows[-1].cells[2].text == ""  # an empty row to fill in
    assert document.core_properties.author == "oppnaogon"


# --- edge cases ----------------------------------------------------------------------------------


def _render_all(findings: dict[str, Any], folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    written = write_reports(folder, findings, ("html", "md", "docx"), created=CREATED)
    import docx

    text = "\n".join(p.text for p in docx.Document(str(folder / "rapport.docx")).paragraphs)
    assert "rapport.html" in written and "rapport.docx" in written
    return {
        "html": (folder / "rapport.html").read_text(encoding="utf-8"),
        "md": (folder / "rapport.md").read_text(encoding="utf-8"),
        "docx": text,
    }


@pytest.mark.slow
def test_no_noteworthy_difference(tmp_path: Path) -> None:
    findings = _findings_of_world(tmp_path, "no_difference", 400)
    assert not any(d["noteworthy"] for d in findings["differences"])
    out = _render_all(findings, tmp_path / "out")
    assert "Ingen skillnad mellan könen är anmärkningsvärd" in out["html"]
    assert "Ingen skillnad mellan könen är anmärkningsvärd" in out["docx"]
    assert "Steg 3. Kan vi dra slutsatser?" in out["md"]


@pytest.mark.slow
def test_criteria_missing_says_so(tmp_path: Path) -> None:
    findings = _findings_of_world(tmp_path, "no_criteria_columns", 3000)
    judged = [d for d in findings["differences"] if d["noteworthy"]]
    assert judged and all(d["verdict"] == "not_assessable" for d in judged)
    out = _render_all(findings, tmp_path / "out")
    assert "Bedömning: kan inte bedömas – uppgifter om behov" in out["html"]
    assert "saknas i underlaget" in out["md"]


@pytest.mark.slow
def test_everything_suppressed(write_csv: WriteCsv, tmp_path: Path) -> None:
    rows = [["Kön", "Ålder", "Insats beviljad"]]
    rows += [["K", "15", "Ja"]] * 3 + [["M", "15", "Nej"]] * 3
    findings = run_analysis(write_csv(rows), out=None).findings
    assert all(d["suppressed"] for d in findings["differences"])
    out = _render_all(findings, tmp_path / "out")
    assert "Ingen jämförelse mellan könen kunde testas: alla grupper är för små" in out["html"]
    assert "kriterierna för Social barn- och ungdomsvård har använts" in out["html"]
    assert ".." in fragment(out["html"], "steg1")
    assert published_counts(out["html"]) == []  # 3 + 3 people: no count at all can be shown


@pytest.mark.slow
def test_a_single_sex(write_csv: WriteCsv, tmp_path: Path) -> None:
    rows = [["Kön", "Ålder", "Insats beviljad"]]
    rows += [["K", str(10 + i % 5), "Ja" if i % 3 else "Nej"] for i in range(30)]
    findings = run_analysis(write_csv(rows), out=None).findings
    out = _render_all(findings, tmp_path / "out")
    assert "Ingen skillnad mellan könen är anmärkningsvärd" in out["html"]
    assert "–" in fragment(out["html"], "steg1")  # the boys' cells: no one there


@pytest.mark.slow
def test_values_from_the_data_are_escaped_everywhere(write_csv: WriteCsv, tmp_path: Path) -> None:
    evil = "<script>x</script> **x** | [l](http://e)"  # a category by its form (issue 14): 40 characters
    rows = districts_extract(evil, "Centrum")
    findings = run_analysis(write_csv(rows), out=None).findings
    out = _render_all(findings, tmp_path / "out")
    assert "<script>" not in out["html"] and "&lt;script&gt;x&lt;/script&gt;" in out["html"]
    assert "\\<script\\>x\\</script\\> \\*\\*x\\*\\* \\| \\[l\\](http://e)" in out["md"]
    markdown_tables = [line for line in out["md"].splitlines() if "script" in line and line.startswith("|")]
    assert markdown_tables and all(line.count("|") - line.count("\\|") == 7 for line in markdown_tables)
    import docx

    cells = [
        c.text
        for t in docx.Document(str(tmp_path / "out" / "rapport.docx")).tables
        for r in t.rows
        for c in r.cells
    ]
    assert evil in cells  # Word shows the name as text, exactly


# --- the command line -----------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_default_formats_and_languages(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyse", str(EXAMPLE), "--out", str(tmp_path / "sv")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "sv").iterdir()) == [
        "findings.json",
        "manifest.json",
        "rapport.docx",
        "rapport.html",
        "tables.xlsx",
    ]
    manifest = json.loads((tmp_path / "sv" / "manifest.json").read_text(encoding="utf-8"))
    assert "rapport.html" in manifest["files"]
    result = runner.invoke(
        app, ["analyse", str(EXAMPLE), "--out", str(tmp_path / "en"), "--format", "html,md", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "en" / "report.html").exists() and (tmp_path / "en" / "diagram").is_dir()


@pytest.mark.slow
def test_cli_own_templates_replace_wording_and_layout(tmp_path: Path) -> None:
    own = tmp_path / "mallar"
    (own / "texts").mkdir(parents=True)
    (own / "texts" / "labels.sv.toml").write_text(
        '[report]\ntitle = "Socialnämnden i Exempelby"\n', encoding="utf-8"
    )
    result = runner.invoke(
        app,
        ["analyse", str(EXAMPLE), "--out", str(tmp_path / "a"), "--format", "html", "--templates", str(own)],
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "a" / "rapport.html").read_text(encoding="utf-8")
    assert "<h1>Socialnämnden i Exempelby</h1>" in html
    assert "Steg 2. Vi reflekterar" in html  # entries not overridden keep the shipped wording
    (own / "report.md.j2").write_text("# {{ ctx.meta.title }}\n{{ ctx.meta.file }}\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["analyse", str(EXAMPLE), "--out", str(tmp_path / "b"), "--format", "md", "--templates", str(own)],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "rapport.md").read_text(encoding="utf-8") == (
        "# Socialnämnden i Exempelby\nbarn\\_och\\_unga.csv\n"
    )


@pytest.mark.slow
def test_cli_template_errors_are_explained(tmp_path: Path) -> None:
    own = tmp_path / "mallar"
    own.mkdir()
    (own / "report.html.j2").write_text("{% for x in ctx.outcomes %}\n{{ x.label }}\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["analyse", str(EXAMPLE), "--out", str(tmp_path / "a"), "--format", "html", "--templates", str(own)],
    )
    assert result.exit_code == 2
    assert "report.html.j2 har ett syntaxfel" in result.output
    assert not (tmp_path / "a").exists()  # nothing half-written
    (own / "report.html.j2").write_text("{{ ctx.meta.no_such_field }}", encoding="utf-8")
    result = runner.invoke(
        app,
        ["analyse", str(EXAMPLE), "--out", str(tmp_path / "a"), "--format", "html", "--templates", str(own)],
    )
    assert result.exit_code == 2 and "no_such_field" in result.output
    result = runner.invoke(app, ["analyse", str(EXAMPLE), "--templates", str(tmp_path / "saknas")])
    assert result.exit_code == 2 and "Mallmappen" in result.output
    result = runner.invoke(app, ["analyse", str(EXAMPLE), "--format", "pdf"])
    assert result.exit_code == 2 and "Formatet pdf finns inte" in result.output


@pytest.mark.slow
def test_a_motivated_difference_gets_the_questions_of_its_explaining_criterion(tmp_path: Path) -> None:
    findings = _findings_of_world(tmp_path, "explained_by_consent", 6000)
    consent = [d for d in findings["differences"] if d["noteworthy"] and d["explained_by"] == ["consent"]]
    assert consent, "the world plants a difference explained by consent"
    markdown, _ = render_markdown(findings, created=CREATED)
    # the consent-explained groups appear as rows of the pattern, with their explaining criterion
    assert "| motiverad (samtycke/inställning) |" in markdown
    assert "Bedömning: motiverad av " in markdown
    assert "### Skillnader i beslut som kriterierna förklarar\n" in markdown
    from oppnaogon.present.report.texts import load_texts

    for question in load_texts("sv").guide["explained_by"]["consent"]:
        assert escape_markdown(question) in markdown


def test_a_breakdown_with_very_many_groups_gets_a_table_and_no_chart(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    findings = run_analysis(
        write_csv(districts_extract(*(f"Område {i:02d}" for i in range(45)))), out=None
    ).findings
    html = render_html(findings, created=CREATED)
    assert "Inget diagram: 45 grupper är för många för att läsas i ett diagram; se tabellen." in html
    assert html.count('role="img"') == 0 and "Område 44" in html


def test_a_difference_in_favour_of_boys_is_said_in_words_with_its_interval_the_same_way_round(
    tmp_path: Path,
) -> None:
    """Issue 18's sign bug: 'en skillnad på 20,0 procentenheter (osäkerhetsintervall −24,7 till −14,2)'
    printed the size without its sign beside the signed interval, and never said who gets more. At low
    risk boys are granted 30 % and girls 10 %: the sentence says 'högre för pojkarna' with the interval of
    the boys' minus the girls' share."""
    from .test_verdicts import OPPOSITE_BY_RISK, _risk_extract

    data = _risk_extract(tmp_path, OPPOSITE_BY_RISK, "Risknivå")
    run_analysis(data, tmp_path / "oppnaogon.toml", out=tmp_path / "r", formats=("html",))
    html = (tmp_path / "r" / "rapport.html").read_text(encoding="utf-8")
    assert (
        "gäller 10,0\u00a0% av flickorna och 30,0\u00a0% av pojkarna: andelen är 20,0 procentenheter högre för pojkarna "
        "(osäkerhetsintervall 14,2 till 24,7)" in html
    )
    assert (
        "gäller 90,0\u00a0% av flickorna och 70,0\u00a0% av pojkarna: andelen är 20,0 procentenheter högre för flickorna"
        in html
    )
