"""The settings of a run (`RunSettings`), checked once and the same way for `analyse` and `batch`, and the
output-format registry that the settings, the writing of the files and `--help` read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from oppnaogon.app.settings import RunSettings
from oppnaogon.cli import app
from oppnaogon.errors import UsageError
from oppnaogon.model.config import Config

runner = CliRunner()
WriteCsv = Callable[..., Path]

# Each bad setting with what both commands say (exit 2), word for word
REFUSED = {
    "min_cell 1": (
        ["--min-cell", "1"],
        {"min_cell": 1},
        "Röjandegränsen --min-cell (min_cell) är 1; lägsta tillåtna gräns för röjandekontroll är 3.\n"
        "Ange ett heltal från 3 till 1000 (standard 5): lägre gränser kan röja enskilda personer.",
    ),
    "a format that does not exist": (
        ["--format", "html,pdf"],
        {"formats": ("html", "pdf")},
        "Formatet pdf finns inte.\nVälj bland: html, md, docx, json, xlsx, csv.",
    ),
    "no format": (
        ["--format", ","],
        {"formats": ()},
        "Formatet (inget) finns inte.\nVälj bland: html, md, docx, json, xlsx, csv.",
    ),
    "a period that does not exist": (
        ["--period", "2026K5"],
        {"period": "2026K5"},
        "Perioden '2026K5': det finns inget kvartal 5.\nEtt år har 4 kvartal: 1–4, t.ex. 2026K4.",
    ),
    "a period off the grid of oppnaogon.toml": (
        ["--period", "2025K1"],
        {"period": "2025K1"},
        "Perioden 2025K1 (januari–mars 2025) består inte av hela år, som är tidsindelningen i "
        'oppnaogon.toml (period = "year"). Rapporter över perioder som överlappar på annat sätt skulle '
        "tillsammans visa de små grupperna i skarven.\nVälj en period av hela år (t.ex. 2026, eller latest "
        "för det senaste året), eller ändra period i oppnaogon.toml till den kortaste period kommunen "
        "redovisar.",
    ),
    "a language that does not exist": (
        ["--lang", "fr"],
        {"lang": "fr"},
        "Språket 'fr' finns inte.\nVälj bland: sv, en.",
    ),
}


@pytest.fixture
def dated_extract(write_csv: WriteCsv) -> Path:
    """Two municipalities with dated rows, beside an oppnaogon.toml whose period grid is the year."""
    rows = [["Kön", "Kommun", "Beslutsdatum", "Insats beviljad"]]
    for municipality in ("Karlstad", "Arvika"):
        rows += [["K", municipality, "2025-03-01", "Ja"]] * 8 + [["M", municipality, "2025-05-01", "Nej"]] * 8
    data = write_csv(rows)
    (data.parent / "oppnaogon.toml").write_text(
        'period = "year"\n\n[columns]\nsex = "Kön"\nmunicipality = "Kommun"\ndate = "Beslutsdatum"\n',
        encoding="utf-8",
    )
    return data


@pytest.mark.parametrize("case", list(REFUSED))
def test_analyse_and_batch_refuse_the_same_bad_settings_with_the_same_message(
    case: str, dated_extract: Path, tmp_path: Path
) -> None:
    """One check for both commands: each says exactly the same, and nothing is written (no folder, no
    lock file). `batch` once checked its settings its own way and published counts of 1–2."""
    options, _, message = REFUSED[case]
    out = tmp_path / "ut" / "rapporter"
    said = {}
    for command in ("analyse", "batch"):
        result = runner.invoke(app, [command, str(dated_extract), "--out", str(out), *options])
        assert result.exit_code == 2, result.output
        said[command] = result.output
    assert said == dict.fromkeys(("analyse", "batch"), f"Fel i kommandot: {message}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["oppnaogon.toml", "uttag.csv"]


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_python_api_refuses_the_same_settings_as_the_commands(
    case: str, dated_extract: Path, tmp_path: Path
) -> None:
    from oppnaogon.app.analyse import run_analysis
    from oppnaogon.app.batch import run_batch

    _, keywords, message = REFUSED[case]
    out = tmp_path / "ut"
    for call in (
        lambda: run_analysis(dated_extract, out=out, **keywords),
        lambda: run_batch([dated_extract], out=out, **keywords),
    ):
        with pytest.raises(UsageError) as refused:
            call()
        assert (f"{refused.value.message}\n{refused.value.hint}", refused.value.exit_code) == (message, 2)
    assert not out.exists()


def test_settings_check_themselves_when_built() -> None:
    for keywords, message in (
        ({"formats": ("pdf",)}, "Formatet pdf finns inte."),
        ({"lang": "de"}, "Språket 'de' finns inte."),
        (
            {"min_cell": 2},
            "Röjandegränsen --min-cell (min_cell) är 2; lägsta tillåtna gräns för röjandekontroll är 3.",
        ),
        (
            {"min_diff": 1.5},
            "Minsta anmärkningsvärda skillnad --min-diff (min_diff) är 150 procentenheter; den ska vara från 0 till 100 procentenheter.",
        ),
        ({"period": "hösten 2026"}, "Perioden 'hösten 2026' känns inte igen."),
        ({"templates": Path("/finns/inte")}, "Mallmappen /finns/inte finns inte."),
    ):
        with pytest.raises(UsageError) as refused:
            RunSettings(**keywords)  # type: ignore[arg-type]
        assert refused.value.message == message


def test_the_options_become_settings(tmp_path: Path) -> None:
    settings = RunSettings.from_options(formats=("json",), min_diff_pp=10, templates=str(tmp_path))
    assert settings == RunSettings(formats=("json",), min_diff=0.1, templates=tmp_path)
    assert RunSettings(templates=str(tmp_path)).templates == tmp_path  # type: ignore[arg-type]
    assert RunSettings(formats=["json", "csv"]).formats == ("json", "csv")  # type: ignore[arg-type]
    assert RunSettings.from_options() == RunSettings(formats=("html", "docx", "json", "xlsx"), lang="sv")
    # --min-cell wins over oppnaogon.toml's min_cell; without it, oppnaogon.toml's is in force
    assert RunSettings(min_cell=7).thresholds(Config(min_cell=10)).min_cell == 7
    assert RunSettings().thresholds(Config(min_cell=10)).min_cell == 10
    assert RunSettings(min_diff=0.1).thresholds(Config()).min_diff == 0.1
    assert RunSettings(formats=("json", "md")).writes_reports
    assert not RunSettings(formats=("json", "csv")).writes_reports


def test_settings_or_the_options_they_are_built_from_never_both(tmp_path: Path) -> None:
    from oppnaogon.app.analyse import run_analysis
    from oppnaogon.app.batch import run_batch

    with pytest.raises(TypeError, match="either settings or the options"):
        run_analysis(tmp_path / "x.csv", settings=RunSettings(), formats=("json",))
    with pytest.raises(TypeError, match="either settings or the options"):
        run_batch([tmp_path / "x.csv"], out=tmp_path / "ut", settings=RunSettings(), min_cell=5)


def test_a_python_caller_passes_the_settings(dated_extract: Path, tmp_path: Path) -> None:
    from oppnaogon.app.analyse import run_analysis

    settings = RunSettings(formats=("json",), min_cell=3, period="2025")
    run = run_analysis(dated_extract, out=tmp_path / "ut", settings=settings)
    assert [p.name for p in run.files] == ["findings.json", "manifest.json"]
    assert (run.findings["settings"]["min_cell"], run.findings["settings"]["period"]) == (3, "2025")


# --- the output-format registry -------------------------------------------------------------------


def test_the_registry_lists_every_format_once_in_the_documented_order() -> None:
    from oppnaogon.present.outputs import DEFAULT_FORMATS, FORMAT_NAMES, FORMATS

    assert [(f.name, f.kind, f.default, f.charts) for f in FORMATS] == [
        ("html", "report", True, "svg"),
        ("md", "report", False, "png"),
        ("docx", "report", True, "png"),
        ("json", "table", True, None),
        ("xlsx", "table", True, None),
        ("csv", "table", False, None),
    ]
    assert FORMAT_NAMES == ("html", "md", "docx", "json", "xlsx", "csv")
    assert DEFAULT_FORMATS == ("html", "docx", "json", "xlsx")


@pytest.mark.parametrize("command", ["analyse", "batch"])
def test_help_describes_each_format_from_the_registry(command: str) -> None:
    from oppnaogon.present.outputs import FORMATS

    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "1000"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert (
        "Rapporter: html (webbsida med diagram), md (Markdown, diagrammen som PNG), docx (Word). "
        "Tabeller: json (findings.json, alla resultat), xlsx (tables.xlsx, tabellerna i Excel), "
        "csv (en CSV-fil per tabell)."
    ) in text
    assert all(f"{f.name} ({f.description})" in text for f in FORMATS)
    default = "html,docx,json,xlsx" if command == "analyse" else "html,json"
    assert f"[default: {default}]" in text


def _findings() -> dict[str, Any]:
    return {"schema_version": 1, "settings": {}}


def test_a_new_format_is_one_registry_entry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """write_outputs writes whatever the registry holds: an added entry's files are written, listed in
    the manifest and returned, with no other change."""
    import oppnaogon.present.outputs as outputs
    from oppnaogon.present.report import Rendering

    def write_text(folder: Path, rendering: Rendering) -> list[str]:
        (folder / "findings.txt").write_text(
            f"schema {rendering.findings['schema_version']}\n", encoding="utf-8"
        )
        return ["findings.txt"]

    entry = outputs.OutputFormat("txt", "table", write_text, "findings som text", default=False)
    monkeypatch.setattr(outputs, "FORMATS", (*outputs.FORMATS, entry))
    manifest = {"created": "2026-01-01T00:00:00+00:00"}
    files = outputs.write_outputs(tmp_path / "ut", _findings(), manifest, ("txt", "json"))
    assert [p.name for p in files] == ["findings.json", "findings.txt", "manifest.json"]
    assert (tmp_path / "ut" / "findings.txt").read_text(encoding="utf-8") == "schema 1\n"
    written = json.loads((tmp_path / "ut" / "manifest.json").read_text(encoding="utf-8"))
    assert written["files"] == ["findings.json", "findings.txt"]


def test_formats_are_written_tables_first_then_reports(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The order of writing: the tables, then the reports (each in the registry's order), whatever the
    order asked for; and each report's charts drawn only in the kinds the chosen reports embed."""
    import dataclasses

    import oppnaogon.present.outputs as outputs
    from oppnaogon.present.report import Rendering

    order: list[tuple[str, bool, bool]] = []

    def recording(name: str) -> Callable[[Path, Rendering], list[str]]:
        def write(folder: Path, rendering: Rendering) -> list[str]:
            order.append((name, rendering.svg, rendering.png))
            return []

        return write

    monkeypatch.setattr(
        outputs, "FORMATS", tuple(dataclasses.replace(f, write=recording(f.name)) for f in outputs.FORMATS)
    )
    manifest = {"created": "2026-01-01T00:00:00+00:00"}
    outputs.write_outputs(
        tmp_path / "a", _findings(), manifest, ("docx", "csv", "html", "json", "xlsx", "md")
    )
    assert [name for name, _, _ in order] == ["json", "xlsx", "csv", "html", "md", "docx"]
    assert {(svg, png) for _, svg, png in order} == {(True, True)}
    order.clear()
    outputs.write_outputs(tmp_path / "b", _findings(), manifest, ("docx", "json"))
    assert order == [("json", False, True), ("docx", False, True)]
