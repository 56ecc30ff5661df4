"""End-to-end runs of the command line, on the shipped example and on small hand-made files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oppnaogon.app.check import run_check
from oppnaogon.cli import app
from oppnaogon.model.config import load_config

from .conftest import EXAMPLE, EXAMPLE_CONFIG, ExampleRun

runner = CliRunner()
WriteCsv = Callable[..., Path]


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "check" in result.output and "init" in result.output


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from oppnaogon.cli import main; "
        "heavy = [m for m in ('polars', 'scipy', 'jinja2', 'numpy', 'pyarrow') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_a_whole_analysis_never_imports_scipy(tmp_path: Path) -> None:
    """scipy is a test dependency only (the dev extra): the tool computes its statistics without it, so
    an installation without scipy must analyse and write every format."""
    argv = ["analyse", str(EXAMPLE), "--out", str(tmp_path / "r"), "--format", "html,md,docx,json,xlsx,csv"]
    code = (
        "import sys; from oppnaogon.cli import main; "
        f"code = main({argv!r}); "
        "print(code, 'scipy' in sys.modules, sorted(m for m in sys.modules if m.split('.')[0] == 'scipy')[:5])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
    ).stdout
    assert out.strip().splitlines()[-1] == "0 False []"
    assert (tmp_path / "r" / "rapport.docx").is_file() and (tmp_path / "r" / "findings.json").is_file()


@pytest.mark.slow
def test_check_example_json_has_exact_counts() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["config"] == str(EXAMPLE_CONFIG)  # found beside the data
    assert (data["rows"], data["rows_usable"]) == (6000, 5996)
    assert data["excluded"] == {"age out of range": 2, "date in the future": 2}
    assert data["by_sex"] == {"female": 2905, "male": 3052, "other": 14, "unknown": 25}
    assert sum(data["by_sex"].values()) == data["rows_usable"]
    assert data["rows"] - sum(data["excluded"].values()) == data["rows_usable"]
    assert data["columns"]["Kön"] == "sex"
    assert data["columns"]["Insats beviljad"] == "outcome:decision"
    assert data["columns"]["Risknivå"] == "criterion:need"
    assert data["age_bands"]["labels"] == ["0-6", "7-12", "13-17", "18+"]
    assert set(data["missing_by_sex"]["Risknivå"]) == {"female", "male", "other", "unknown"}
    assert data["missing_by_sex"]["Risknivå"]["male"] > data["missing_by_sex"]["Risknivå"]["female"]


@pytest.mark.slow
def test_cli_json_matches_the_library() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE), "--config", str(EXAMPLE_CONFIG), "--json"])
    assert json.loads(result.stdout) == run_check(EXAMPLE, EXAMPLE_CONFIG).to_dict()


def test_check_prints_a_readable_swedish_summary() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE)], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for text in (
        "Rader:",
        "6\u00a0000 lästa",
        "datum i framtiden",
        "kvinnor/flickor",
        "Filen går att analysera",
    ):
        assert text in result.output


def test_unreadable_file_gives_exit_3_and_one_paragraph(write_csv: WriteCsv) -> None:
    path = write_csv([["Kön", "Ålder"], ["K", "3"], ["M"]])
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 3
    assert "Fel i datafilen" in result.output and "rad 3 har 1 fält" in result.output
    assert "Traceback" not in result.output


def test_debug_shows_the_exception(write_csv: WriteCsv) -> None:
    path = write_csv([["Kön", "Ålder"], ["K", "3"], ["M"]])
    result = runner.invoke(app, ["check", str(path), "--debug"])
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "DataError"


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "finns-inte.csv")])
    assert result.exit_code == 2
    assert "finns inte" in result.output


def test_bad_config_gives_exit_2(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv([["Kön", "Ålder"], ["K", "3"]])
    config = tmp_path / "fel.toml"
    config.write_text('[columns]\nalder = "Ålder"\n', encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--config", str(config)])
    assert result.exit_code == 2
    assert "rad 2: `columns.alder`" in result.output and "Menade du `columns.age`?" in result.output
    config.write_text('[columns]\nkön = "Kön"\n', encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--config", str(config)])
    assert result.exit_code == 2
    assert "line 2" in result.output and "utan å, ä, ö" in result.output


def test_internal_error_is_short_without_debug(monkeypatch: pytest.MonkeyPatch, write_csv: WriteCsv) -> None:
    import oppnaogon.app.check

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(oppnaogon.app.check, "run_check", broken)
    result = runner.invoke(app, ["check", str(write_csv([["Kön"], ["K"]]))])
    assert result.exit_code == 1
    assert "Internt fel" in result.output and "--debug" in result.output and "boom" not in result.output


@pytest.mark.slow
def test_init_writes_a_valid_config_and_refuses_to_overwrite(tmp_path: Path) -> None:
    output = tmp_path / "oppnaogon.toml"
    result = runner.invoke(app, ["init", str(EXAMPLE), "--output", str(output)])
    assert result.exit_code == 0, result.output
    config = load_config(output)
    assert config.area == "barn_och_unga"
    assert config.columns["sex"] == "Kön" and config.columns["date"] == "Beslutsdatum"
    assert config.values["sex"] == {"female": ("Flicka",), "male": ("Pojke",), "other": ("Annat",)}
    assert [(o.name, o.kind, o.positive) for o in config.outcomes or ()] == [
        ("insats_beviljad", "decision", ("Ja",)),
        ("barnet_delaktigt", "participation", ("Ja",)),
        ("timmar_per_vecka", "numeric", None),
    ]
    assert config.criteria is not None and config.criteria["need"] == (
        "Risknivå",
        "Utsatthet",
        "Behov av stöd",
    )
    before = output.read_bytes()
    again = runner.invoke(app, ["init", str(EXAMPLE), "--output", str(output)])
    assert again.exit_code == 2 and "--force" in again.output
    assert output.read_bytes() == before
    forced = runner.invoke(app, ["init", str(EXAMPLE), "--output", str(output), "--force"])
    assert forced.exit_code == 0
    checked = runner.invoke(app, ["check", str(EXAMPLE), "--config", str(output), "--json"])
    assert json.loads(checked.stdout)["rows_usable"] == 5996


def test_init_escapes_odd_headers_into_valid_toml(tmp_path: Path) -> None:
    data = tmp_path / "konstig.csv"
    data.write_text(
        'Kön;"Insats ""beviljad""\nrad två";Anteckning\\x;Ålder\nK;Ja;a;3\nM;Nej;b;4\n', encoding="utf-8"
    )
    output = tmp_path / "oppnaogon.toml"
    result = runner.invoke(app, ["init", str(data), "--output", str(output)])
    assert result.exit_code == 0, result.output
    config = load_config(output)
    assert config.outcomes is not None
    assert config.outcomes[0].column == 'Insats "beviljad"\nrad två'
    assert runner.invoke(app, ["check", str(data), "--config", str(output)]).exit_code == 0


def test_init_with_numeric_sex_codes_leaves_a_note(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv([["Kön", "Ålder"], ["1", "30"], ["1", "31"], ["2", "40"], ["2", "41"], ["3", "42"]])
    output = tmp_path / "oppnaogon.toml"
    assert runner.invoke(app, ["init", str(path), "--output", str(output)]).exit_code == 0
    text = output.read_text(encoding="utf-8")
    assert "OBS: dessa koder känns inte igen" in text and '#   ["1", "2"]' in text
    # a code of a single row is not named, only counted (issue 14)
    assert '"3"' not in text and "# OBS: 1 värde i könskolumnen känns inte igen och visas inte här" in text
    assert runner.invoke(app, ["check", str(path), "--config", str(output)]).exit_code == 3


def test_check_writes_nothing_and_leaves_the_input_alone(tmp_path: Path) -> None:
    data = tmp_path / "uttag.csv"
    data.write_bytes(EXAMPLE.read_bytes())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert runner.invoke(app, ["check", str(data)]).exit_code == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_an_automatically_found_config_for_another_file_is_named(write_csv: WriteCsv, tmp_path: Path) -> None:
    (tmp_path / "oppnaogon.toml").write_text('[columns]\nsex = "Gender"\n', encoding="utf-8")
    path = write_csv([["Kön", "Ålder"], ["K", "3"]])
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "'Gender'" in result.output and "användes automatiskt" in result.output


def test_check_counts_rows_per_period() -> None:
    data = run_check(EXAMPLE).to_dict()
    assert list(data["periods"]) == ["2024", "2025"]  # the example's config reports whole years
    assert sum(data["periods"].values()) == data["rows_usable"]


@pytest.mark.slow
def test_a_second_run_into_the_same_folder_stops_while_the_first_holds_it(tmp_path: Path) -> None:
    from oppnaogon.io.files import output_lock

    out = tmp_path / "rapport"
    log = tmp_path / "logg" / "oppnaogon.log"
    with output_lock(out):
        result = runner.invoke(
            app, ["analyse", str(EXAMPLE), "--out", str(out), "--format", "json", "--log-file", str(log)]
        )
    assert result.exit_code == 6
    assert "En annan körning skriver redan till" in result.output and f"pid {os.getpid()}" in result.output
    assert not out.exists()
    assert "ERROR analyse" in log.read_text(encoding="utf-8") and "exit 6" in log.read_text(encoding="utf-8")
    # released: the next run goes through, quietly, and logs what it did
    result = runner.invoke(
        app,
        ["analyse", str(EXAMPLE), "--out", str(out), "--format", "json", "--quiet", "--log-file", str(log)],
    )
    assert result.exit_code == 0 and result.output == ""
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and lines[-1].split(" ", 2)[1] == "INFO" and "5996 rader" in lines[-1]
    assert "barn_och_unga.csv" in lines[-2]


@pytest.mark.slow
def test_the_summary_counts_read_well_for_any_number(example_run: ExampleRun) -> None:
    text = " ".join(example_run.output.split())
    assert "Jämförelser mellan könen som testades: 133, varav anmärkningsvärda: 23." in text
    assert "Jämförelser som inte visas för att grupperna är för små (röjandeskydd): 68." in text


def test_brackets_in_the_data_and_in_hints_are_printed_as_text(write_csv: Callable[..., Path]) -> None:
    """The terminal output is Rich markup, but a header or value in brackets, and a hint naming a TOML
    section such as [values.sex], are text: once they vanished from the screen, leaving a hint that
    said where to write the sex codes without saying where."""
    rows = [["Kön", "Risk [nivå]", "Födelseland", "Insats beviljad"]]
    rows += [
        [sex, "[hög]", "Sverige", "Ja" if i % 3 else "Nej"] for i, sex in enumerate(["Flicka", "Pojke"] * 20)
    ]
    checked = runner.invoke(app, ["check", str(write_csv(rows))])
    assert checked.exit_code == 0, checked.output
    assert "Risk [nivå]" in checked.output

    codes = [["Kön", "Insats beviljad"], *[[code, "Ja"] for code in ["1", "2"] * 10]]
    refused = runner.invoke(app, ["check", str(write_csv(codes))])
    assert refused.exit_code != 0
    assert "[values.sex]" in refused.output and 'female = ["2"]' in refused.output


# --- a 5 MB field (issue 21) -----------------------------------------------------------------------------
# A journal note pasted into one cell: read like any other value in a column the analysis does not use,
# refused with exit 3 in one it uses (it would become a group label); never exit 1, and its text
# appears nowhere.

LONG_MARKER = "HEMLIGJOURNALANTECKNING"
LONG_FIELD = (LONG_MARKER + " Barnet berättade att " * 40) * 6_000 + "slut"  # 5.4 MB, marker all through
assert len(LONG_FIELD) > 5_000_000


def _with_long_field(example: Path, out: Path, column: str | None, quoted: bool) -> Path:
    """The example with `LONG_FIELD` on its 12th line: in the existing `column`, or in a new column."""
    lines = example.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    value = f'"{LONG_FIELD}"' if quoted else LONG_FIELD
    rows = [line.split(";") for line in lines[1:]]
    if column is None:
        header.append("Anteckning")
        rows = [[*r, "kort notis"] for r in rows]
        rows[10][-1] = value
    else:
        rows[10][header.index(column)] = value
    out.write_text("\n".join(";".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def long_field_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("long_field")
    return {
        "unused": _with_long_field(EXAMPLE, folder / "fritext.csv", None, quoted=False),
        "unused_quoted": _with_long_field(EXAMPLE, folder / "fritext_citat.csv", None, quoted=True),
        "residence": _with_long_field(EXAMPLE, folder / "stadsdel.csv", "Stadsdel", quoted=True),
        "outcome": _with_long_field(EXAMPLE, folder / "utfall.csv", "Insats beviljad", quoted=False),
    }


def _holds_marker(folder: Path) -> list[str]:
    """Files under `folder` holding the marker, looking inside zipped ones (xlsx, docx) too."""
    import zipfile

    found = []
    for file in [f for f in folder.rglob("*") if f.is_file()]:
        contents = [file.read_bytes()]
        if zipfile.is_zipfile(file):
            with zipfile.ZipFile(file) as archive:
                contents += [archive.read(name) for name in archive.namelist()]
        if any(LONG_MARKER.encode() in c for c in contents):
            found.append(file.name)
    return found


def _invoke_outside(tmp_path: Path, args: list[str]) -> object:
    """Run in `tmp_path`, so that the example's oppnaogon.toml is not picked up from the working folder."""
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        return runner.invoke(app, args)
    finally:
        os.chdir(cwd)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["unused", "unused_quoted"])
def test_a_5_mb_field_in_an_unused_column_is_read_like_any_other(
    long_field_files: dict[str, Path], kind: str, tmp_path: Path
) -> None:
    data = long_field_files[kind]
    checked = runner.invoke(app, ["check", str(data), "--json"])
    assert checked.exit_code == 0, checked.output[:2000]
    report = json.loads(checked.stdout)
    assert report["rows"] == 6000
    assert report["columns"]["Anteckning"] == "unused"
    assert LONG_MARKER not in checked.output
    plain = runner.invoke(app, ["check", str(data)])
    assert plain.exit_code == 0 and LONG_MARKER not in plain.output


@pytest.mark.slow
def test_a_5_mb_field_in_an_unused_column_is_in_no_output_or_log(
    long_field_files: dict[str, Path], tmp_path: Path
) -> None:
    data = long_field_files["unused"]
    toml = tmp_path / "oppnaogon.toml"
    initialised = _invoke_outside(tmp_path, ["init", str(data), "--output", str(toml)])
    assert initialised.exit_code == 0, initialised.output[:2000]
    out, log = tmp_path / "rapport", tmp_path / "logg.txt"
    formats = "html,md,docx,json,xlsx,csv"
    analysed = runner.invoke(
        app, ["analyse", str(data), "--out", str(out), "--format", formats, "--log-file", str(log)]
    )
    assert analysed.exit_code == 0, analysed.output[:2000]
    batch_out = tmp_path / "batch"
    batched = runner.invoke(
        app, ["batch", str(data), "--out", str(batch_out), "--format", "json,csv", "--log-file", str(log)]
    )
    assert batched.exit_code == 0, batched.output[:2000]
    for result in (initialised, analysed, batched):
        assert LONG_MARKER not in result.output
    assert (out / "findings.json").is_file() and (batch_out / "oversikt").is_dir()
    assert _holds_marker(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "column"), [("residence", "Stadsdel"), ("outcome", "Insats beviljad")])
def test_a_5_mb_field_in_a_used_column_is_refused_with_exit_3_naming_column_and_row(
    long_field_files: dict[str, Path], kind: str, column: str, tmp_path: Path
) -> None:
    data = long_field_files[kind]
    length = f"{len(LONG_FIELD):,}".replace(",", " ")
    expected = (
        f"Kolumnen '{column}' i {data.name} används i analysen men har ett värde som är längre än 1 000 "
        f"tecken (rad 12; det längsta är {length} tecken). Kolumnen ska innehålla koder eller korta "
        "kategorier, inte fritext; värdet visas inte här av integritetsskäl. Rätta eller töm värdet i "
        "källfilen."
    )
    out, log = tmp_path / "rapport", tmp_path / "logg.txt"
    # the example's config names 'Insats beviljad' an outcome (guessed from the values, a column with
    # free text in it is no outcome); `init` guesses from the headers, where 'Stadsdel' is the residence
    config = ["--config", str(EXAMPLE_CONFIG)]
    commands = {
        "check": ["check", str(data), *config],
        "check --json": ["check", str(data), "--json", *config],
        "analyse": [
            "analyse",
            str(data),
            *config,
            "--out",
            str(out),
            "--format",
            "json",
            "--log-file",
            str(log),
        ],
        "batch": ["batch", str(data), *config, "--out", str(tmp_path / "batch"), "--log-file", str(log)],
    }
    if kind == "residence":
        commands["init"] = ["init", str(data), "--output", str(tmp_path / "oppnaogon.toml")]
    for command, args in commands.items():
        result = _invoke_outside(tmp_path, args)
        assert result.exit_code == 3, (command, result.output[:2000])
        message = " ".join(result.output.split())
        assert expected in message, (command, message[:2000])
        assert LONG_MARKER not in result.output
    assert not out.exists() and not (tmp_path / "oppnaogon.toml").exists()
    assert "exit 3: Fel i datafilen: Kolumnen" in log.read_text(encoding="utf-8")
    assert _holds_marker(tmp_path) == []


@pytest.mark.slow
def test_a_5_mb_field_in_a_column_init_would_guess_as_an_outcome_leaves_it_unused(
    long_field_files: dict[str, Path], tmp_path: Path
) -> None:
    toml = tmp_path / "oppnaogon.toml"
    result = _invoke_outside(tmp_path, ["init", str(long_field_files["outcome"]), "--output", str(toml)])
    assert result.exit_code == 0, result.output[:2000]
    assert "[outcomes.insats_beviljad]" not in toml.read_text(encoding="utf-8")
    assert LONG_MARKER not in result.output and _holds_marker(tmp_path) == []


def test_a_long_value_in_a_used_parquet_column_is_refused_too(tmp_path: Path) -> None:
    import polars as pl

    data = tmp_path / "uttag.parquet"
    residence = ["Norr", "Söder", LONG_MARKER * 50, "Norr"]
    pl.DataFrame({"Kön": ["Flicka", "Pojke", "Flicka", "Pojke"], "Stadsdel": residence}).write_parquet(data)

    result = _invoke_outside(tmp_path, ["check", str(data)])

    assert result.exit_code == 3, result.output
    message = " ".join(result.output.split())
    assert (
        "Kolumnen 'Stadsdel' i uttag.parquet används i analysen men har ett värde som är längre än 1 000 "
        in message
    )
    assert "tecken (post 3; det längsta är 1 150 tecken)." in message
    assert LONG_MARKER not in result.output
