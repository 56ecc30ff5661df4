"""Follow-up against an earlier findings.json: matching, the change with its interval, and the CLI."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from oppnaogon.analysis.followup import compare
from oppnaogon.cli import app
from tests.conftest import EXAMPLE, ExampleRun

runner = CliRunner()


def _findings(*differences: dict[str, Any], period: str | None = None) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "settings": {"min_cell": 5, "area": "barn_och_unga", "min_diff": 0.05, "confidence": 0.95},
        "input": {"file": "uttag.csv"},
        "period": {"label": period} if period else None,
        "differences": list(differences),
    }


def _difference(
    id_: str, estimate: float | None, ci: list[float] | None, noteworthy: bool = True
) -> dict[str, Any]:
    outcome, _, group = id_.partition("/")
    breakdown = dict([group.split("=")]) if group else {}
    return {
        "id": id_,
        "outcome": outcome,
        "kind": "decision",
        "breakdown": breakdown,
        "estimate": estimate,
        "ci": ci,
        "noteworthy": noteworthy,
        "verdict": "unmotivated" if noteworthy else None,
    }


def test_the_change_and_its_interval_by_hand() -> None:
    # now 0.10 [0.05, 0.15], before 0.02 [0.00, 0.04]: standard errors 0.05/1.96 and 0.02/1.96,
    # combined 0.027483; change 0.08 ± 1.96 × 0.027483 = [0.026133, 0.133867]; z = 2.91088, p = 0.003604
    now = _findings(_difference("insats", 0.10, [0.05, 0.15]), period="2026K3")
    before = _findings(_difference("insats", 0.02, [0.0, 0.04]), period="2026K2")
    result = compare(now, before)
    (change,) = result["changes"]
    assert change["change"] == 0.08
    assert change["ci"] == [0.0261, 0.1339]
    assert change["p_value"] == pytest.approx(
        math.erfc(0.08 / math.hypot(0.05, 0.02) * 1.959964 / math.sqrt(2)), abs=1e-6
    )
    assert change["trend"] == "grew"
    assert result["previous"]["period"] == "2026K2" and result["settings_changed"] == []


def test_the_change_of_asymmetric_intervals_is_the_mover_interval() -> None:
    # now 0.10 [0.04, 0.18], before 0.02 [-0.01, 0.09]: change 0.08,
    # L = 0.08 - sqrt(0.06² + 0.07²) = -0.012195, U = 0.08 + sqrt(0.08² + 0.03²) = 0.165440
    # (half widths in quadrature, as before, gave 0.08 ± sqrt(0.07² + 0.05²) = [-0.0060, 0.1660]);
    # p from the lower side's standard error 0.092195/1.959964: z = 1.700721, p = 0.088999
    now = _findings(_difference("insats", 0.10, [0.04, 0.18]))
    before = _findings(_difference("insats", 0.02, [-0.01, 0.09]))
    (change,) = compare(now, before)["changes"]
    assert change["change"] == 0.08 and change["ci"] == [-0.0122, 0.1654]
    assert change["p_value"] == pytest.approx(0.088999, abs=1e-6)
    assert change["p_value"] == pytest.approx(
        math.erfc(0.08 / math.sqrt(0.0085) * 1.959964 / math.sqrt(2)), abs=1e-6
    )
    assert change["p_adjusted"] == change["p_value"] and change["trend"] == "stayed"
    # a fall uses the upper side: the same figures the other way round give [-0.1654, 0.0122]
    (fall,) = compare(before, now)["changes"]
    assert fall["change"] == -0.08 and fall["ci"] == [-0.1654, 0.0122]
    assert fall["p_value"] == change["p_value"]


def test_the_p_value_agrees_with_the_interval() -> None:
    from oppnaogon.analysis.followup import mover_change

    z = 1.959963984540054
    for now, before in [
        ((0.10, 0.04, 0.18), (0.02, -0.01, 0.09)),
        ((0.30, 0.21, 0.37), (0.12, 0.05, 0.22)),
        ((-0.05, -0.09, -0.02), (0.01, -0.01, 0.04)),
        ((0.05, 0.049, 0.051), (0.05, 0.0, 0.1)),
    ]:
        _change, low, high, p = mover_change(now, before, z)
        assert (p < 0.05) == (low > 0 or high < 0), (now, before, low, high, p)
    # a rise whose lower limit is exactly zero has p = 0.05: 0.05 [0.02, …] after 0 [… , 0.04]
    assert mover_change((0.05, 0.02, 0.09), (0.0, -0.03, 0.04), z)[1:] == pytest.approx(
        (0.0, 0.05 + math.hypot(0.04, 0.03), 0.05)
    )


def test_an_earlier_run_at_another_confidence_is_rescaled_to_this_runs() -> None:
    # before at 90 %: 0.02 [0.00, 0.04] has distances 0.02 at z 1.644854, so 0.023831 at 95 %
    now = _findings(_difference("insats", 0.10, [0.05, 0.15]))
    before = _findings(_difference("insats", 0.02, [0.0, 0.04]))
    before["settings"]["confidence"] = 0.90
    result = compare(now, before)
    (change,) = result["changes"]
    half = math.hypot(0.05, 0.02 * 1.959964 / 1.644854)
    assert change["ci"] == [round(0.08 - half, 4), round(0.08 + half, 4)] == [0.0246, 0.1354]
    assert result["settings_changed"] == ["confidence"]


def test_the_changes_of_a_report_are_one_benjamini_hochberg_family() -> None:
    """0.10 [0.05, 0.15] after 0.02 [-0.03, 0.07] is a clear rise alone (p = 0.026593, interval above
    zero); followed up with three differences that did not move at all, its adjusted p is 4 × 0.026593
    and it is not labelled."""
    rise = (_difference("insats", 0.10, [0.05, 0.15]), _difference("insats", 0.02, [-0.03, 0.07]))
    alone = compare(_findings(rise[0]), _findings(rise[1]))
    assert alone["changes"][0]["p_value"] == pytest.approx(0.026593, abs=1e-6)
    assert alone["changes"][0]["ci"][0] > 0 and alone["changes"][0]["trend"] == "grew"
    same = [_difference(f"insats/age_band={band}", 0.03, [0.0, 0.06]) for band in ("0-6", "7-12", "13-17")]
    result = compare(_findings(rise[0], *same), _findings(rise[1], *same))
    first, *others = result["changes"]
    assert first["ci"][0] > 0  # the interval alone still excludes zero
    assert first["p_adjusted"] == pytest.approx(4 * 0.026593, abs=1e-5) and first["trend"] == "stayed"
    assert [c["p_value"] for c in others] == [1.0, 1.0, 1.0]
    assert [c["p_adjusted"] for c in others] == [1.0, 1.0, 1.0]
    assert result["counts"] == {"grew": 0, "shrank": 0, "reversed": 0, "stayed": 4, "not_comparable": 0}
    assert result["method"] == {
        "interval": "mover",
        "adjustment": "benjamini_hochberg",
        "alpha": 0.05,
        "family_size": 4,
    }


def test_the_family_is_decided_on_unrounded_p_values_and_keeps_tiny_ones() -> None:
    # a change of 0.40 with a standard error of 0.01: p = 2·Φ(-40) ≈ 7e-350 underflows; 30 with
    # se 0.0255: p about 4e-32, kept to 6 significant digits, never 0.0
    now = _findings(_difference("insats", 0.50, [0.45, 0.55]))
    before = _findings(_difference("insats", 0.10, [0.05, 0.15]))
    (change,) = compare(now, before)["changes"]
    expected = math.erfc(0.40 / math.hypot(0.05, 0.05) * 1.959964 / math.sqrt(2))
    assert change["p_value"] == pytest.approx(expected, rel=1e-5) and 0 < change["p_value"] < 1e-12
    assert change["trend"] == "grew"


def test_a_hidden_limit_in_either_run_is_not_comparable() -> None:
    now = _findings(_difference("insats", 0.10, [None, 0.15]), _difference("delaktig", 0.10, [0.05, 0.15]))
    before = _findings(_difference("insats", 0.02, [0.0, 0.04]), _difference("delaktig", 0.02, None))
    result = compare(now, before)
    assert [(c["trend"], c["change"], c["ci"], c["p_value"]) for c in result["changes"]] == [
        ("not_comparable", None, None, None),
        ("not_comparable", None, None, None),
    ]
    assert result["method"]["family_size"] == 0


@pytest.mark.parametrize(
    ("before", "now", "trend"),
    [
        ((0.10, [0.08, 0.12]), (0.02, [0.00, 0.04]), "shrank"),
        ((0.02, [0.00, 0.04]), (0.10, [0.08, 0.12]), "grew"),
        ((0.10, [0.05, 0.15]), (0.08, [0.03, 0.13]), "stayed"),
        ((0.10, [0.08, 0.12]), (-0.06, [-0.08, -0.04]), "reversed"),
        ((0.10, [0.08, 0.12]), (None, None), "not_comparable"),
    ],
)
def test_trends(before: tuple[Any, Any], now: tuple[Any, Any], trend: str) -> None:
    result = compare(_findings(_difference("delaktig", *now)), _findings(_difference("delaktig", *before)))
    assert result["changes"][0]["trend"] == trend
    assert result["counts"][trend] == 1


def test_only_noteworthy_or_whole_group_differences_are_followed_and_settings_are_compared() -> None:
    now = _findings(
        _difference("insats", 0.01, [-0.02, 0.04], noteworthy=False),
        _difference("insats/age_band=0-6", 0.01, [-0.05, 0.07], noteworthy=False),
        _difference("insats/age_band=7-12", 0.09, [0.03, 0.15]),
        _difference("insats/age_band=13-17", 0.09, [0.03, 0.15]),
    )
    before = _findings(
        _difference("insats", 0.02, [0.0, 0.04], noteworthy=False),
        _difference("insats/age_band=0-6", 0.01, [-0.05, 0.07], noteworthy=False),
        _difference("insats/age_band=7-12", 0.01, [-0.05, 0.07], noteworthy=False),
    )
    before["settings"]["min_cell"] = 10
    result = compare(now, before)
    assert [c["id"] for c in result["changes"]] == [
        "insats",
        "insats/age_band=7-12",
    ]  # 13-17 is new: no match
    assert result["settings_changed"] == ["min_cell"]


@pytest.mark.slow
def test_cli_follow_up_of_the_example_year_on_year(tmp_path: Path) -> None:
    first = runner.invoke(
        app, ["analyse", str(EXAMPLE), "--period", "2024", "--out", str(tmp_path / "a"), "--format", "json"]
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        app,
        [
            "analyse",
            str(EXAMPLE),
            "--period",
            "2025",
            "--out",
            str(tmp_path / "b"),
            "--format",
            "json,md",
            "--compare-with",
            str(tmp_path / "a"),
        ],
    )
    assert second.exit_code == 0, second.output
    followup = json.loads((tmp_path / "b" / "findings.json").read_text(encoding="utf-8"))["followup"]
    assert followup["previous"]["period"] == "2024"
    assert sum(followup["counts"].values()) == len(followup["changes"]) > 0
    whole = next(c for c in followup["changes"] if c["id"] == "barnet_delaktigt")
    assert (
        whole["previous_estimate"] > 0
        and whole["estimate"] > 0
        and whole["ci"][0] < whole["change"] < whole["ci"][1]
    )
    # the example's years are drawn from the same truth: four of the 13 intervals exclude zero alone
    # (Skogsbacken, 13-17 år, 1784 and 13-17 år born in Sweden), none once the 13 are one family
    assert followup["method"]["family_size"] == len(followup["changes"]) == 13
    assert sum(1 for c in followup["changes"] if c["ci"][0] > 0 or c["ci"][1] < 0) == 4
    assert followup["counts"] == {"grew": 0, "shrank": 0, "reversed": 0, "stayed": 13, "not_comparable": 0}
    skogsbacken = next(c for c in followup["changes"] if c["id"] == "insats_beviljad/residence=Skogsbacken")
    assert (skogsbacken["ci"], skogsbacken["p_value"], skogsbacken["p_adjusted"]) == (
        [-0.5845, -0.0618],
        0.01621,
        0.111621,
    )
    markdown = (tmp_path / "b" / "rapport.md").read_text(encoding="utf-8")
    assert "### Uppföljning: har skillnaderna förändrats sedan förra analysen?" in markdown
    assert (
        "Sedan förra analysen (2024): minskat 0, ökat 0, bytt riktning 0, ungefär oförändrade 13" in markdown
    )
    assert "| Förändring (osäkerhetsintervall) | p (justerat) | Bedömning |" in markdown
    assert "| +35,0 | +1,5 | −33,5 (−58,5 till −6,2) | 0,11 | ungefär oförändrad |" in markdown


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "finns inte"),
        ("{not json", "inte en läsbar findings.json"),
        ('{"a": 1}', "ingen findings.json från oppnaogon"),
        ('{"schema_version": 1, "differences": [{"estimate": 0.1}]}', "ingen findings.json från oppnaogon"),
        ('{"schema_version": 1, "differences": "alla"}', "ingen findings.json från oppnaogon"),
    ],
)
def test_cli_bad_previous_findings(tmp_path: Path, content: str | None, message: str) -> None:
    previous = tmp_path / "förra.json"
    if content is not None:
        previous.write_text(content, encoding="utf-8")
    result = runner.invoke(
        app, ["analyse", str(EXAMPLE), "--out", str(tmp_path / "r"), "--compare-with", str(previous)]
    )
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "r").exists()


WORKSHEET_SV = "Skillnad vi ser"


def _fill_worksheet(path: Path, filled: dict[int, dict[int, str]], own: list[str]) -> list[str]:
    """Write into the worksheet of a Word report as a team would: cells of generated rows (by row
    number), and own rows in the empty rows at the end. Returns the first cells of the rows."""
    from docx import Document

    document = Document(str(path))
    table = next(t for t in document.tables if t.rows[0].cells[0].text in (WORKSHEET_SV, "Difference we see"))
    for number, cells in filled.items():
        for column, text in cells.items():
            table.rows[number].cells[column].text = text
    empty = [row for row in table.rows if not row.cells[0].text]
    for row, text in zip(empty, own, strict=False):
        row.cells[0].text = text
        row.cells[2].text = f"Åtgärd för {text}"
    document.save(str(path))
    return [row.cells[0].text for row in table.rows]


def _worksheet_rows(markdown: str) -> list[list[str]]:
    lines = markdown.split(f"| {WORKSHEET_SV} |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    return [[cell.strip() for cell in line.strip().strip("|").split(" | ")] for line in lines]


@pytest.mark.slow
def test_the_worksheet_carries_last_times_actions_forward(tmp_path: Path) -> None:
    args = ["analyse", str(EXAMPLE), "--period", "2025"]
    result = runner.invoke(app, [*args, "--format", "json,docx", "--out", str(tmp_path / "before")])
    assert result.exit_code == 0, result.output
    docx = tmp_path / "before" / "rapport.docx"
    first_cells = _fill_worksheet(
        docx,
        {1: {1: "Orsak A", 2: "Åtgärd A <b>x</b> | y", 4: "Enhetschef"}, 2: {5: "Nästa APT"}},
        own=["Egen rad: väntetider"],
    )
    result = runner.invoke(
        app,
        [
            *args,
            "--format",
            "json,md,html",
            "--out",
            str(tmp_path / "now"),
            "--compare-with",
            str(tmp_path / "before"),
        ],
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "Uppföljning mot förra körningen (2025), skillnaderna har: minskat 0" in output
    assert (
        "Arbetsbladet från förra gången (rapport.docx) finns med igen i steg 4, ifyllda rader: 3." in output
    )
    findings_text = (tmp_path / "now" / "findings.json").read_text(encoding="utf-8")
    assert json.loads(findings_text)["followup"]["worksheet"] == {"file": "rapport.docx", "rows_carried": 3}
    assert (
        "Åtgärd" not in findings_text and "Enhetschef" not in findings_text
    )  # the team's text stays in the reports
    rows = _worksheet_rows((tmp_path / "now" / "rapport.md").read_text(encoding="utf-8"))
    # the same data, so the same differences: each written row is back on its own difference's row
    assert rows[0] == [
        first_cells[1].replace("|", "\\|"),
        "Orsak A",
        "Åtgärd A \\<b\\>x\\</b\\> \\| y",
        "",
        "Enhetschef",
        "",
    ]
    assert rows[1][0] == first_cells[2] and rows[1][1:] == ["", "", "", "", "Nästa APT"]
    assert ["Egen rad: väntetider", "", "Åtgärd för Egen rad: väntetider", "", "", ""] in rows
    html = (tmp_path / "now" / "rapport.html").read_text(encoding="utf-8")
    assert "Åtgärd A &lt;b&gt;x&lt;/b&gt; | y" in html and "<b>x</b>" not in html
    assert "förra gången (rapport.docx, ifyllda rader: 3)" in html


@pytest.mark.slow
def test_a_worksheet_row_whose_difference_is_gone_or_whose_text_was_changed_is_kept(tmp_path: Path) -> None:
    from oppnaogon.present.report.context.base import _fit

    assert _fit(("a", "b"), 4) == ["a", "b", "", ""]
    assert _fit(("a", "b", "c", "d"), 2) == ["a", "b c d"]
    before = tmp_path / "before"
    result = runner.invoke(
        app, ["analyse", str(EXAMPLE), "--period", "2024", "--format", "json,docx", "--out", str(before)]
    )
    assert result.exit_code == 0, result.output
    first_cells = _fill_worksheet(
        before / "rapport.docx", {1: {2: "Åtgärd 1"}, 2: {0: "Ändrad text", 2: "Åtgärd 2"}}, own=[]
    )
    result = runner.invoke(
        app,
        [
            "analyse",
            str(EXAMPLE),
            "--period",
            "2025",
            "--format",
            "md",
            "--out",
            str(tmp_path / "now"),
            "--compare-with",
            str(before),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _worksheet_rows((tmp_path / "now" / "rapport.md").read_text(encoding="utf-8"))
    written = [r for r in rows if any(r[1:])]
    assert [r[0] for r in written] == [first_cells[1], "Ändrad text"]  # both at the end, as they were
    assert [r[2] for r in written] == ["Åtgärd 1", "Åtgärd 2"]


@pytest.mark.slow
def test_a_previous_folder_without_a_word_report_or_with_a_broken_one(
    tmp_path: Path, example_run: ExampleRun
) -> None:
    before = tmp_path / "before"  # the files of `analyse --format json`, copied from the shared run
    before.mkdir()
    for name in ("findings.json", "manifest.json"):
        shutil.copy(example_run.out / name, before / name)
    now = [
        "analyse",
        str(EXAMPLE),
        "--format",
        "json,md",
        "--out",
        str(tmp_path / "now"),
        "--compare-with",
        str(before),
    ]
    result = runner.invoke(app, now)
    assert result.exit_code == 0, result.output
    findings = json.loads((tmp_path / "now" / "findings.json").read_text(encoding="utf-8"))
    assert findings["followup"]["worksheet"] is None
    (before / "rapport.docx").write_bytes(b"not a zip file")
    result = runner.invoke(app, now)
    assert result.exit_code == 2
    assert "rapport.docx går inte att läsa som ett Word-dokument" in " ".join(result.output.split())


def test_nothing_written_by_hand_into_the_earlier_findings_reaches_this_one(
    write_csv: Any, tmp_path: Path
) -> None:
    """The earlier findings.json is an input: a hand-edited one may hold free text or an identity number
    where the tool wrote numbers, codes and names. Only a finite number, a verdict code, a period label
    and a short name without an identity number are copied into this run's follow-up."""
    rows = [["Kön", "Ålder", "Insats beviljad"]]
    rows += [["K", "14", "Ja" if i % 2 else "Nej"] for i in range(30)]
    rows += [["M", "14", "Ja" if i % 3 else "Nej"] for i in range(30)]
    data = write_csv(rows)
    first = tmp_path / "förra"
    assert runner.invoke(app, ["analyse", str(data), "--out", str(first), "--format", "json"]).exit_code == 0
    edited = json.loads((first / "findings.json").read_text(encoding="utf-8"))
    whole = next(d for d in edited["differences"] if not d["breakdown"])
    whole["estimate"] = "Anna Andersson 19121212-1212"
    whole["verdict"] = "Lisa har berättat om våld hemma"
    edited["input"]["file"] = "uttag 19121212-1212.csv"
    edited["settings"]["period"] = "Kalle Karlsson"
    (first / "findings.json").write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "nu"
    result = runner.invoke(
        app, ["analyse", str(data), "--out", str(out), "--format", "json,md", "--compare-with", str(first)]
    )
    assert result.exit_code == 0, result.output
    written = "".join(f.read_text(encoding="utf-8") for f in out.iterdir() if f.suffix in (".json", ".md"))
    for text in ("Andersson", "19121212", "våld hemma", "Karlsson"):
        assert text not in written and text not in result.output
    followup = json.loads((out / "findings.json").read_text(encoding="utf-8"))["followup"]
    assert followup["previous"]["input_file"] is None and followup["previous"]["period"] is None
    change = next(c for c in followup["changes"] if not c["breakdown"])
    assert change["previous_estimate"] is None and change["previous_verdict"] is None
    assert change["trend"] == "not_comparable"


def test_an_earlier_findings_whose_path_holds_an_identity_number_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "19121212-1212"
    folder.mkdir()
    (folder / "findings.json").write_text('{"schema_version": 1, "differences": []}', encoding="utf-8")
    result = runner.invoke(
        app, ["analyse", str(EXAMPLE), "--out", str(tmp_path / "r"), "--compare-with", str(folder)]
    )
    assert result.exit_code == 4, result.output
    assert "person- eller samordningsnummer" in result.output and "1212" not in result.output
    assert not (tmp_path / "r").exists()
