"""`oppnaogon batch`: units, safe folder names, failures, the overview and its disclosure control."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oppnaogon.app.batch import safe_slug
from oppnaogon.cli import app
from tests.attacker import batch_recoverable_cells, recoverable_cells
from tests.conftest import EXAMPLE, ROOT

ROOT_TEMPLATES = ROOT / "templates"

runner = CliRunner()
WriteCsv = Callable[..., Path]
TOO_FEW_5 = (
    "Enheten har färre än 5 användbara rader (röjandegränsen): inget kan redovisas. "
    "Slå ihop enheter eller perioder."
)
NO_MUNICIPALITY = (
    "Raderna saknar kommun och ingår varken i någon enhet eller i regionen i översikten. "
    "Ange kommun på raderna i uttaget om de ska ingå."
)
MIN_CELL_REFUSED = (
    "Fel i kommandot: Röjandegränsen --min-cell (min_cell) är {value}; lägsta tillåtna gräns för "
    "röjandekontroll är 3.\nAnge ett heltal från 3 till 1000 (standard 5): lägre gränser kan röja "
    "enskilda personer.\n"
)


def _read_units(out: Path) -> dict[str, dict]:
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    return {
        u["folder"]: json.loads((out / u["folder"] / "findings.json").read_text(encoding="utf-8"))
        for u in summary["units"]
        if u["status"] == "ok"
    }


@pytest.mark.slow
def test_the_example_region_in_one_run(tmp_path: Path) -> None:
    out = tmp_path / "region"
    result = runner.invoke(
        app, ["batch", str(EXAMPLE), "--out", str(out), "--format", "json,html", "--jobs", "2"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert [(u["folder"], u["rows"], u["status"]) for u in summary["units"]] == [
        ("1780-karlstad", 3831, "ok"),
        ("1784-arvika", 1383, "ok"),
        ("1785-saffle", 782, "ok"),
    ]
    assert sum(u["rows"] for u in summary["units"]) == 5996  # every usable row in exactly one unit
    for folder in ("1780-karlstad", "1784-arvika", "1785-saffle"):
        assert (out / folder / "rapport.html").exists()
    overview = json.loads((out / "oversikt" / "oversikt.json").read_text(encoding="utf-8"))
    insats = next(o for o in overview["outcomes"] if o["name"] == "insats_beviljad")
    # the region's girls and boys are shown (every unit shows its own); the region's figure is the sum
    units = _read_units(out)
    girls = [
        next(
            d
            for d in f["descriptives"]
            if not d["breakdown"] and d["sex"] == "female" and d["outcome"] == "insats_beviljad"
        )
        for f in units.values()
    ]
    assert insats["region"]["by_sex"]["female"]["n"] == sum(g["n"] for g in girls) == 2905
    assert insats["region"]["difference"] == 0.048
    assert [u["funnel"] for u in insats["units"]] == ["inside", "inside", "inside"]
    html = (out / "oversikt" / "oversikt.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Karlstad" in html and "<script" not in html
    # no unit's hidden cell can be recovered, alone or with the region and the other units
    for findings in units.values():
        assert recoverable_cells(findings) == []
    assert batch_recoverable_cells(units, overview) == []


@pytest.mark.slow
def test_a_unit_hiding_a_cell_hides_the_regions_cell(tmp_path: Path) -> None:
    out = tmp_path / "region"
    assert runner.invoke(app, ["batch", str(EXAMPLE), "--out", str(out), "--format", "json"]).exit_code == 0
    overview = json.loads((out / "oversikt" / "oversikt.json").read_text(encoding="utf-8"))
    units = _read_units(out)
    for outcome in overview["outcomes"]:
        for sex, cell in outcome["region"]["by_sex"].items():
            unit_cells = [
                next(
                    d
                    for d in f["descriptives"]
                    if not d["breakdown"] and d["sex"] == sex and d["outcome"] == outcome["name"]
                )
                for f in units.values()
            ]
            if any(c["n"] is None for c in unit_cells):
                assert cell["n"] is None and cell["value"] is None, (outcome["name"], sex)
    # the other and unknown sex are hidden somewhere in every outcome of the example, so in the region
    assert all(o["region"]["by_sex"]["unknown"]["n"] is None for o in overview["outcomes"])


@pytest.mark.slow
def test_unsafe_unit_names_stay_inside_the_output_folder(write_csv: WriteCsv, tmp_path: Path) -> None:
    assert safe_slug("../../x", set()) == "x"
    assert safe_slug("..", set()) == "enhet"
    assert safe_slug("C:\\Windows", set()) == "c-windows"
    used: set[str] = set()
    assert [safe_slug("Åmål", used), safe_slug("amal", used)] == ["amal", "amal-2"]
    rows = [["Kön", "Kommun", "Insats beviljad"]]
    for name in ("../../x", "/etc/passwd", "Karlstad"):
        rows += (
            [["K", name, "Ja"]] * 8
            + [["K", name, "Nej"]] * 4
            + [["M", name, "Ja"]] * 5
            + [["M", name, "Nej"]] * 7
        )
    out = tmp_path / "ut" / "batch"
    result = runner.invoke(app, ["batch", str(write_csv(rows)), "--out", str(out), "--format", "json"])
    # values that are no known kommun are a missing municipality (issue 14): never a unit or a folder
    assert result.exit_code == 5, result.output
    assert "passwd" not in result.output and "../../x" not in result.output
    written = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    assert not (tmp_path / "x").exists() and not (tmp_path / "ut" / "x").exists()
    assert written == ["1780-karlstad", "oversikt"]


def test_an_unusable_unit_is_reported_and_the_others_are_written(write_csv: WriteCsv, tmp_path: Path) -> None:
    rows = [["Kön", "Kommun", "Insats beviljad"]]
    for name in ("Karlstad", "Arvika"):
        rows += (
            [["K", name, "Ja"]] * 8
            + [["K", name, "Nej"]] * 4
            + [["M", name, "Ja"]] * 5
            + [["M", name, "Nej"]] * 7
        )
    rows += [["K", "Säffle", "Ja"]] * 2 + [["M", "Säffle", "Nej"]]  # 3 rows: fewer than the threshold
    out = tmp_path / "batch"
    log = tmp_path / "batch.log"
    result = runner.invoke(
        app, ["batch", str(write_csv(rows)), "--out", str(out), "--format", "json", "--log-file", str(log)]
    )
    assert result.exit_code == 5, result.output
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    statuses = {u["name"]: (u["status"], u["reason"]) for u in summary["units"]}
    assert statuses["Karlstad"][0] == statuses["Arvika"][0] == "ok"
    assert statuses["Säffle"] == ("failed", TOO_FEW_5)
    assert summary["failed"] == 1 and (out / "1780-karlstad" / "findings.json").exists()
    assert not (out / "1785-saffle").exists()
    assert "misslyckades" in " ".join(result.output.split())
    assert "ERROR batch" in log.read_text(encoding="utf-8") and "Säffle" in log.read_text(encoding="utf-8")


@pytest.mark.slow
def test_when_the_joint_analysis_fails_each_unit_is_analysed_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All units are analysed in one pass; should that raise, each unit is retried alone, so that only
    the unit at fault fails and the others are written exactly as in one pass."""
    import oppnaogon.analysis.differences as analysis
    from oppnaogon.errors import DataError

    joint = analysis.analyse_units
    calls: list[int] = []
    broken: set[str] = set()

    def counted(prepared, by, *args, **kwargs):  # type: ignore[no-untyped-def]
        units = prepared.frame.get_column(by).cast(str).unique().to_list() if by else []
        calls.append(len(units))
        if broken & set(units):
            raise DataError("Enheten gick inte att analysera.", "Prova igen.")
        return joint(prepared, by, *args, **kwargs)

    monkeypatch.setattr(analysis, "analyse_units", counted)
    together = tmp_path / "together"
    assert (
        runner.invoke(app, ["batch", str(EXAMPLE), "--out", str(together), "--format", "json"]).exit_code == 0
    )
    assert calls == [3, 0]  # the three municipalities in one analysis, then the region
    calls.clear()
    broken.add("1784")
    out = tmp_path / "alone"
    log = tmp_path / "batch.log"
    result = runner.invoke(
        app, ["batch", str(EXAMPLE), "--out", str(out), "--format", "json", "--log-file", str(log)]
    )
    assert result.exit_code == 5, result.output
    # the failed joint analysis is said, in the terminal and the log
    said = "kunde inte analyseras tillsammans (Enheten gick inte att analysera. Prova igen.)"
    assert said in " ".join(result.output.split()) and said in log.read_text(encoding="utf-8")
    assert calls == [3, 1, 1, 1, 0]  # one pass for all, then each unit alone; then the region
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    statuses = {u["folder"]: (u["status"], u["reason"]) for u in summary["units"]}
    assert statuses["1784-arvika"] == ("failed", "Enheten gick inte att analysera. Prova igen.")
    for folder in ("1780-karlstad", "1785-saffle"):
        assert statuses[folder] == ("ok", None)
        assert (out / folder / "findings.json").read_bytes() == (
            together / folder / "findings.json"
        ).read_bytes()


@pytest.mark.slow
def test_rerun_is_byte_identical_and_a_running_batch_holds_its_folder(tmp_path: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = runner.invoke(
            app, ["batch", str(EXAMPLE), "--out", str(out), "--format", "json,html"], env=env
        )
        assert result.exit_code == 0, result.output
    names = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(second)) for p in second.rglob("*") if p.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    from oppnaogon.io.files import output_lock

    with output_lock(first):
        result = runner.invoke(app, ["batch", str(EXAMPLE), "--out", str(first), "--format", "json"])
    assert result.exit_code == 6 and "En annan körning skriver redan" in result.output


@pytest.mark.slow
def test_several_files_one_unit_each(
    write_csv: WriteCsv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "kommuner"
    folder.mkdir()
    for name in ("Karlstad", "Arvika"):
        rows = [["Kön", "Kommun", "Insats beviljad"]]
        rows += (
            [["K", name, "Ja"]] * 8
            + [["K", name, "Nej"]] * 4
            + [["M", name, "Ja"]] * 5
            + [["M", name, "Nej"]] * 7
        )
        (folder / f"{name.lower()}.csv").write_text(
            "\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8"
        )
    result = runner.invoke(
        app, ["batch", str(folder), "--by", "kommun", "--out", str(tmp_path / "ut"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "ut" / "batch.json").read_text(encoding="utf-8"))
    assert sorted((u["name"], u["folder"]) for u in summary["units"]) == [
        ("Arvika", "1784-arvika"),
        ("Karlstad", "1780-karlstad"),
    ]

    # a file (one unit) whose analysis fails is that unit's failure; the other files are still written
    import oppnaogon.analysis.differences as analysis
    from oppnaogon.errors import DataError

    joint = analysis.analyse_units

    def failing_for_arvika(prepared, by, *args, **kwargs):  # type: ignore[no-untyped-def]
        if prepared.frame.get_column("municipality").cast(str).unique().to_list() == ["Arvika"]:
            raise DataError("Enheten gick inte att analysera.", "Prova igen.")
        return joint(prepared, by, *args, **kwargs)

    monkeypatch.setattr(analysis, "analyse_units", failing_for_arvika)
    result = runner.invoke(
        app, ["batch", str(folder), "--by", "kommun", "--out", str(tmp_path / "ut2"), "--format", "json"]
    )
    assert result.exit_code == 5, result.output
    summary = json.loads((tmp_path / "ut2" / "batch.json").read_text(encoding="utf-8"))
    assert {u["folder"]: u["status"] for u in summary["units"]} == {
        "1784-arvika": "failed",
        "1780-karlstad": "ok",
    }
    assert (tmp_path / "ut2" / "1780-karlstad" / "findings.json").exists()


def test_bad_batch_arguments_are_explained(tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(EXAMPLE), "--by", "stadsdel", "--out", str(tmp_path / "a")])
    assert result.exit_code == 2 and "--by stadsdel känns inte igen" in result.output
    result = runner.invoke(app, ["batch", str(tmp_path / "saknas.csv"), "--out", str(tmp_path / "a")])
    assert result.exit_code == 2 and "finns inte" in result.output
    empty = tmp_path / "tom"
    empty.mkdir()
    result = runner.invoke(app, ["batch", str(empty), "--out", str(tmp_path / "a")])
    assert result.exit_code == 2 and "har inga datafiler" in result.output
    assert not (tmp_path / "a").exists()


@pytest.mark.slow
def test_overview_words_and_units_in_both_languages(tmp_path: Path) -> None:
    for lang, expected in (
        (
            "sv",
            "Regionen: kvinnor/flickor 4,9, män/pojkar 4,9; skillnad 0,0 (osäkerhetsintervall −0,4 till 0,3).",
        ),
        (
            "en",
            "The region: women/girls 4.9, men/boys 4.9; difference 0.0 (uncertainty interval −0.4 to 0.3).",
        ),
    ):
        out = tmp_path / lang
        result = runner.invoke(
            app, ["batch", str(EXAMPLE), "--out", str(out), "--format", "json", "--lang", lang]
        )
        assert result.exit_code == 0, result.output
        html = (out / "oversikt" / "oversikt.html").read_text(encoding="utf-8")
        assert expected in html  # hours are a mean: no percentage points
        assert f'<html lang="{lang}">' in html
    assert "Overview: differences between the sexes by unit" in (
        tmp_path / "en" / "oversikt" / "oversikt.html"
    ).read_text(encoding="utf-8")


@pytest.mark.slow
def test_with_a_period_each_unit_gets_its_own_comparison_and_trend(tmp_path: Path) -> None:
    """A unit's report sets its period beside the unit's own earlier periods, exactly as `analyse` of
    that municipality's rows alone would."""
    out = tmp_path / "region"
    # the example reports whole years; here its municipalities report quarters
    config = tmp_path / "kvartal.toml"
    text = (EXAMPLE.parent / "oppnaogon.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('\nperiod = "year"', '\nperiod = "quarter"'), encoding="utf-8")
    assert 'period = "quarter"' in config.read_text(encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "batch",
            str(EXAMPLE),
            "--config",
            str(config),
            "--out",
            str(out),
            "--format",
            "json",
            "--period",
            "2025K3",
        ],
    )
    assert result.exit_code == 0, result.output
    unit = _read_units(out)["1785-saffle"]
    assert [(t["label"], t["role"]) for t in unit["trend"]][-3:] == [
        ("2025K1", None),
        ("2025K2", "previous"),
        ("2025K3", "current"),
    ]
    assert [c["label"] for c in unit["comparison"]] == ["2025K2", "2024K3"]
    lines = EXAMPLE.read_text(encoding="utf-8-sig").splitlines()
    alone = tmp_path / "saffle.csv"
    alone.write_text(
        "\n".join([lines[0], *(r for r in lines[1:] if r.startswith("1785;"))]), encoding="utf-8"
    )
    result = runner.invoke(
        app,
        [
            "analyse",
            str(alone),
            "--config",
            str(config),
            "--period",
            "2025K3",
            "--format",
            "json",
            "--out",
            str(tmp_path / "alone"),
        ],
    )
    assert result.exit_code == 0, result.output
    own = json.loads((tmp_path / "alone" / "findings.json").read_text(encoding="utf-8"))
    assert unit["trend"] == own["trend"] and unit["comparison"] == own["comparison"]
    assert recoverable_cells(unit) == []
    # a year of quarters (rule R4): the unit hides what its quarters hide, exactly as `analyse` of its
    # rows does, so the attack across runs of tests/test_differencing.py holds for a batch's units too
    year_out, alone_out = tmp_path / "year", tmp_path / "alone-year"
    common = ["--config", str(config), "--format", "json", "--period", "2025"]
    assert runner.invoke(app, ["batch", str(EXAMPLE), "--out", str(year_out), *common]).exit_code == 0
    assert runner.invoke(app, ["analyse", str(alone), "--out", str(alone_out), *common]).exit_code == 0
    unit = _read_units(year_out)["1785-saffle"]
    own = json.loads((alone_out / "findings.json").read_text(encoding="utf-8"))
    assert unit["disclosure"]["periods"] == 4 and unit["disclosure"]["period_hidden"] > 0
    for key in ("descriptives", "differences", "data_quality", "disclosure"):
        assert unit[key] == own[key], key


@pytest.mark.slow
def test_large_and_small_parquet_files_give_what_small_ones_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large Parquet file's text is read as Enums, a small one's as categoricals: a batch mixing them
    (and the region, which stacks their rows) writes exactly what it writes when every file is read the
    small way."""
    import polars as pl

    from oppnaogon.io import loading
    from oppnaogon.io.loading import read_table

    folder = tmp_path / "kommuner"
    folder.mkdir()
    frame = read_table(EXAMPLE).frame.drop(loading.LINE)
    for (code,), part in frame.group_by("Kommun"):
        part.write_parquet(folder / f"kommun-{code}.parquet")
    (folder / "oppnaogon.toml").write_bytes((EXAMPLE.parent / "oppnaogon.toml").read_bytes())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    def batch(out: Path) -> dict[str, bytes]:
        result = runner.invoke(app, ["batch", str(folder), "--out", str(out), "--format", "json,csv"])
        assert result.exit_code == 0, result.output
        return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    small = batch(tmp_path / "small")
    monkeypatch.setattr(loading, "NARROW_CODES_FROM_ROWS", 2_000)  # the largest file only (3,831 rows)
    mixed = batch(tmp_path / "mixed")
    assert len(small) > 10
    assert mixed == small
    assert isinstance(read_table(folder / "kommun-1780.parquet").frame.schema["Kön"], pl.Enum)
    assert isinstance(read_table(folder / "kommun-1784.parquet").frame.schema["Kön"], pl.Categorical)


# --- a unit refused as too small, rows without a municipality, and the region -----------------------


def _municipalities(small: list[list[str]], without: list[list[str]]) -> list[list[str]]:
    """Karlstad and Arvika (24 rows each, every whole-group cell shown), the rows `small` of Säffle (a
    unit below the limit of 5) and the rows `without` a municipality. Columns: sex, municipality, a
    decision and hours per week."""
    rows = [["Kön", "Kommun", "Insats beviljad", "Timmar per vecka"]]
    for name, base in (("Karlstad", 2), ("Arvika", 6)):
        # hours spread over several values: the rules for numeric outcomes (docs/privacy.md) publish them
        hours = [str(base + i) for i in range(12)]
        rows += [["K", name, "Ja", h] for h in hours[:7]] + [["K", name, "Nej", h] for h in hours[7:]]
        rows += [["M", name, "Ja", h] for h in hours[:5]] + [["M", name, "Nej", h] for h in hours[5:]]
    rows += [[sex, "Säffle", *rest] for sex, *rest in small]
    return rows + [[sex, "", *rest] for sex, *rest in without]


SMALL = [["K", "Ja", "10"]] * 3 + [["M", "Nej", "20"]]  # 3 girls granted, 1 boy refused
WITHOUT = [["K", "Ja", "7"], ["M", "Ja", "9"]]  # one girl and one boy granted, no municipality


def _published(out: Path) -> tuple[dict, dict]:
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    overview = json.loads((out / "oversikt" / "oversikt.json").read_text(encoding="utf-8"))
    return summary, overview


def _whole_cell(findings: dict, outcome: str, sex: str) -> dict:
    return next(
        d
        for d in findings["descriptives"]
        if not d["breakdown"] and d["outcome"] == outcome and d["sex"] == sex
    )


@pytest.mark.slow
def test_region_minus_the_published_units_gives_nothing_of_a_refused_unit_or_rows_without_one(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    """The attack of issue 14: the region's figures minus the published units' figures once gave the
    refused unit (and the rows without a municipality) by sex and outcome. The region is now the
    published units only: every shown regional count is exactly their sum, so the difference is 0,
    where the region of every row gave the remainder back exactly: 4 girls (3 + 1), all granted, with 37
    hours (30 + 7), and 2 boys (1 + 1), one granted, with 29 hours (20 + 9)."""
    out = tmp_path / "batch"
    result = runner.invoke(
        app, ["batch", str(write_csv(_municipalities(SMALL, WITHOUT))), "--out", str(out), "--format", "json"]
    )
    assert result.exit_code == 5, result.output
    summary, overview = _published(out)
    units = _read_units(out)
    assert sorted(units) == ["1780-karlstad", "1784-arvika"]
    remainders = {}
    for outcome in overview["outcomes"]:
        numeric = outcome["kind"] == "numeric"
        for sex in ("female", "male"):
            region = outcome["region"]["by_sex"][sex]
            assert region["n"] is not None and region["value"] is not None  # shown: the attack can be tried
            cells = [_whole_cell(f, outcome["name"], sex) for f in units.values()]
            n = region["n"] - sum(c["n"] for c in cells)
            k = region["value"] * region["n"] - sum(c["value"] * c["n"] for c in cells)
            remainders[(outcome["name"], sex)] = (n, round(k, 6) if numeric else round(k))
    assert remainders == {
        ("insats_beviljad", "female"): (0, 0),
        ("insats_beviljad", "male"): (0, 0),
        ("timmar_per_vecka", "female"): (0, 0),
        ("timmar_per_vecka", "male"): (0, 0),
    }
    assert overview["units"] == 4 and overview["units_in_region"] == 2 and overview["region_rows"] == 48
    insats = next(o for o in overview["outcomes"] if o["name"] == "insats_beviljad")
    # 14 of 24 girls and 10 of 24 boys of Karlstad and Arvika: not 18 of 28 and 11 of 26 with the rest
    assert (insats["region"]["by_sex"]["female"]["n"], insats["region"]["by_sex"]["female"]["value"]) == (
        24,
        0.5833,
    )
    assert (insats["region"]["by_sex"]["male"]["n"], insats["region"]["by_sex"]["male"]["value"]) == (
        24,
        0.4167,
    )
    html = (out / "oversikt" / "oversikt.html").read_text(encoding="utf-8")
    assert (
        "Regionen i översikten är de 2 redovisade enheterna. 2 av enheterna kunde inte analyseras (för få "
        "rader, ett fel eller rader utan kommun) och ingår inte i regionen" in html
    )
    assert [(u["folder"], u["rows"], u["status"], u["reason"]) for u in summary["units"]] == [
        ("kommun-saknas", None, "failed", NO_MUNICIPALITY),
        ("1784-arvika", 24, "ok", None),
        ("1780-karlstad", 24, "ok", None),
        ("1785-saffle", None, "failed", TOO_FEW_5),
    ]


@pytest.mark.slow
def test_nothing_published_depends_on_a_refused_unit_or_rows_without_a_municipality(
    write_csv: WriteCsv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Säffle with 4 rows or 1, 2 rows without a municipality or 1: batch.json, the overview, the units'
    folders, the terminal and the log are the same, so none of them tells how many rows (persons) the
    refused unit or the rows without a municipality hold, nor their sexes, outcomes or hours."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out, log = tmp_path / "batch", tmp_path / "batch.log"

    def published(
        small: list[list[str]], without: list[list[str]]
    ) -> tuple[dict[str, bytes], str, list[str]]:
        data = write_csv(_municipalities(small, without))
        log.unlink(missing_ok=True)
        result = runner.invoke(
            app, ["batch", str(data), "--out", str(out), "--format", "json,html,csv", "--log-file", str(log)]
        )
        assert result.exit_code == 5, result.output
        # the units' reports name the input file's checksum, which differs with the file; nothing else may
        sha = hashlib.sha256(data.read_bytes()).hexdigest().encode()
        files = {
            str(p.relative_to(out)): p.read_bytes().replace(sha, b"sha256")
            for p in sorted(out.rglob("*"))
            if p.is_file()
        }
        # the log's lines without their time stamp and process id
        lines = [line.split(": ", 1)[1] for line in log.read_text(encoding="utf-8").splitlines()]
        return files, result.output, lines

    four = published(SMALL, WITHOUT)
    one = published([["M", "Ja", "1"]], [["K", "Nej", "3"]])
    assert four == one and len(four[0]) == 18  # batch.json, manifest, overview (2), two units (7 each)
    files, terminal, lines = four
    assert [(u["folder"], u["rows"]) for u in json.loads(files["batch.json"])["units"]] == [
        ("kommun-saknas", None),
        ("1784-arvika", 24),
        ("1780-karlstad", 24),
        ("1785-saffle", None),
    ]
    assert re.search(r"1785-saffle\s*│\s*\.\.\s*│\s*misslyckades", terminal), terminal
    assert re.search(r"kommun-saknas\s*│\s*\.\.\s*│\s*misslyckades", terminal), terminal
    assert lines[-2:] == [
        f"enheten uttag.csv: kommun saknas (kommun-saknas): {NO_MUNICIPALITY}",
        f"enheten Säffle (1785-saffle): {TOO_FEW_5}",
    ]
    # the rows without a municipality are counted once they reach the limit (and Säffle is published)
    enough = published(SMALL * 2, WITHOUT * 3)
    summary = json.loads(enough[0]["batch.json"])
    assert [(u["folder"], u["rows"], u["status"]) for u in summary["units"]] == [
        ("kommun-saknas", 6, "failed"),
        ("1784-arvika", 24, "ok"),
        ("1780-karlstad", 24, "ok"),
        ("1785-saffle", 8, "ok"),
    ]


@pytest.mark.slow
def test_a_unit_whose_folder_cannot_be_written_is_no_part_of_the_region(
    write_csv: WriteCsv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit fails only when its reports are written, after it was analysed: the region is built once
    every unit's fate is known, so it holds only the units that are published."""
    import oppnaogon.present.outputs as outputs
    from oppnaogon.errors import UsageError

    write = outputs.write_outputs

    def failing_for_arvika(folder: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if folder.name == "1784-arvika":
            raise UsageError("Mappen kunde inte skrivas.", "Prova igen.")
        return write(folder, *args, **kwargs)

    monkeypatch.setattr(outputs, "write_outputs", failing_for_arvika)
    out = tmp_path / "batch"
    result = runner.invoke(
        app, ["batch", str(write_csv(_municipalities([], []))), "--out", str(out), "--format", "json"]
    )
    assert result.exit_code == 5, result.output
    summary, overview = _published(out)
    assert [(u["folder"], u["status"], u["reason"]) for u in summary["units"]] == [
        ("1784-arvika", "failed", "Mappen kunde inte skrivas. Prova igen."),
        ("1780-karlstad", "ok", None),
    ]
    karlstad = _read_units(out)["1780-karlstad"]
    assert overview["units_in_region"] == 1 and overview["region_rows"] == 24
    for outcome in overview["outcomes"]:
        for sex in ("female", "male"):
            region = outcome["region"]["by_sex"][sex]
            own = _whole_cell(karlstad, outcome["name"], sex)
            assert (region["n"], region["value"]) == (own["n"], own["value"]), (outcome["name"], sex)


def test_a_regional_mean_shows_its_interval_only_where_every_unit_shows_its_own() -> None:
    """A mean's interval gives its standard deviation, so the sum of squares of the region: with one
    unit's interval hidden, the region's would give that unit's sum of squares."""
    from oppnaogon.model.units import UnitResult
    from oppnaogon.present.overview import build_overview

    def cell(sex: str, n: int, mean: float, ci: list[float] | None) -> dict:
        return {
            "outcome": "timmar",
            "kind": "numeric",
            "breakdown": {},
            "sex": sex,
            "n": n,
            "value": mean,
            "ci": ci,
        }

    def unit(name: str, girls_ci: list[float] | None) -> UnitResult:
        document = {
            "outcomes": [{"name": "timmar", "label": "Timmar", "kind": "numeric"}],
            "descriptives": [cell("female", 10, 4.0, girls_ci), cell("male", 10, 5.0, [4.0, 6.0])],
            "differences": [{"outcome": "timmar", "breakdown": {}, "estimate": -1.0, "ci": [-2.0, 0.0]}],
        }
        return UnitResult(name, None, name, 20, 5, document=document)

    region = {
        "descriptives": [cell("female", 20, 4.0, [3.5, 4.5]), cell("male", 20, 5.0, [4.5, 5.5])],
        "differences": [{"outcome": "timmar", "breakdown": {}, "estimate": -1.0, "ci": [-1.6, -0.4]}],
        "rows": 40,
    }
    shown = build_overview([unit("a", [3.0, 5.0]), unit("b", [3.0, 5.0])], region)["outcomes"][0]["region"]
    assert shown["by_sex"]["female"] == {"n": 20, "value": 4.0, "ci": [3.5, 4.5], "suppressed": False}
    assert shown["difference"] == -1.0 and shown["ci"] == [-1.6, -0.4]
    hidden = build_overview([unit("a", [3.0, 5.0]), unit("b", None)], region)["outcomes"][0]["region"]
    assert hidden["by_sex"]["female"] == {"n": 20, "value": 4.0, "ci": None, "suppressed": False}
    assert hidden["by_sex"]["male"]["ci"] == [4.5, 5.5]
    assert hidden["difference"] == -1.0 and hidden["ci"] is None


# --- one check of the settings ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 2])
def test_batch_refuses_a_limit_below_3_as_analyse_does(
    value: int, write_csv: WriteCsv, tmp_path: Path
) -> None:
    data = write_csv(_municipalities([], []))
    out = tmp_path / "ut" / "batch"
    outputs = []
    for command in ("batch", "analyse"):
        result = runner.invoke(app, [command, str(data), "--min-cell", str(value), "--out", str(out)])
        assert result.exit_code == 2, result.output
        outputs.append(result.output)
    assert outputs == [MIN_CELL_REFUSED.format(value=value)] * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["uttag.csv"]  # no folder, no lock file

    from oppnaogon.app.analyse import run_analysis
    from oppnaogon.app.batch import run_batch
    from oppnaogon.errors import UsageError

    for call in (
        lambda: run_batch([data], out=out, min_cell=value),
        lambda: run_analysis(data, out=None, min_cell=value),
    ):
        with pytest.raises(UsageError) as refused:
            call()
        assert f"{refused.value.title}: {refused.value}\n" == MIN_CELL_REFUSED.format(value=value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["uttag.csv"]


@pytest.mark.slow
def test_batch_with_the_lowest_allowed_limit_runs(write_csv: WriteCsv, tmp_path: Path) -> None:
    small = [["K", "Ja", "10"]] * 2 + [["M", "Nej", "20"]]  # 3 rows: a unit at the limit of 3
    out = tmp_path / "batch"
    result = runner.invoke(
        app,
        [
            "batch",
            str(write_csv(_municipalities(small, []))),
            "--min-cell",
            "3",
            "--out",
            str(out),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary, _ = _published(out)
    assert [(u["folder"], u["rows"], u["status"]) for u in summary["units"]] == [
        ("1784-arvika", 24, "ok"),
        ("1780-karlstad", 24, "ok"),
        ("1785-saffle", 3, "ok"),
    ]
    assert _read_units(out)["1785-saffle"]["settings"]["min_cell"] == 3


@pytest.mark.slow
def test_a_file_whose_municipality_column_is_empty_is_named_after_the_file(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    """One unit per file: a file with no municipality on any row is the unit of its file name (it was
    called 'None')."""
    folder = tmp_path / "kommuner"
    folder.mkdir()
    for name, municipality in (("karlstad", "Karlstad"), ("okand", "")):
        rows = _municipalities([], [])[:25]  # the header and Karlstad's 24 rows
        (folder / f"{name}.csv").write_text(
            "\n".join(";".join([r[0], municipality if i else r[1], *r[2:]]) for i, r in enumerate(rows))
            + "\n",
            encoding="utf-8",
        )
    out = tmp_path / "ut"
    result = runner.invoke(app, ["batch", str(folder), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary, overview = _published(out)
    assert [(u["name"], u["code"], u["folder"], u["rows"]) for u in summary["units"]] == [
        ("Karlstad", "1780", "1780-karlstad", 24),
        ("okand", None, "okand", 24),
    ]
    assert overview["units_in_region"] == 2 and overview["region_rows"] == 48


# --- the funnel: adjusted differences, each unit against the region without itself ---------------------


def _share_cell(sex: str, n: int, yes: int) -> dict:
    return {
        "outcome": "insats",
        "kind": "decision",
        "breakdown": {},
        "sex": sex,
        "n": n,
        "value": yes / n,
        "ci": None,
    }


def _funnel_unit(name: str, n: int, girls: int, boys: int, adjusted: dict | None, verdict: str | None):  # type: ignore[no-untyped-def]
    from oppnaogon.model.units import UnitResult

    document = {
        "outcomes": [{"name": "insats", "label": "Insats", "kind": "decision"}],
        "descriptives": [_share_cell("female", n, girls), _share_cell("male", n, boys)],
        "differences": [
            {
                "outcome": "insats",
                "breakdown": {},
                "estimate": round((girls - boys) / n, 4),
                "ci": [round((girls - boys) / n - 0.12, 4), round((girls - boys) / n + 0.12, 4)],
                "verdict": verdict,
                "adjusted": adjusted,
            }
        ],
        "confidence": 0.95,
    }
    return UnitResult(name, None, name, 2 * n, 5, document=document)


def _funnel_region() -> dict:
    # the five units below: girls 3·120 + 2·65 = 490 of 1,400, boys 3·120 + 2·30 = 420 of 1,400
    return {
        "descriptives": [_share_cell("female", 1400, 490), _share_cell("male", 1400, 420)],
        "differences": [{"outcome": "insats", "breakdown": {}, "estimate": 0.05, "ci": [0.0149, 0.0848]}],
        "rows": 2800,
    }


def _adjusted(estimate: float | None, ci: list[float] | None, figures: str = "rounded") -> dict:
    return {"criteria": ["need"], "figures": figures, "estimate": estimate, "ci": ci}


def test_units_whose_difference_is_explained_by_need_are_inside_the_funnel_on_the_adjusted_scale() -> None:
    """Two small units with a crude +35 points (girls 65 of 100, boys 30 of 100) that their own reports
    call motivated by need (adjusted +2 points, −4 to 8), and three of 400 + 400 without a difference.
    Before, the crude +35 against the region's +5 with limits from the unit's size alone,
    sqrt(0.35·0.65/100 + 0.30·0.70/100) = 0.066144, was 0.30 > 3.09 × 0.066144: outside 99.8 %."""
    from oppnaogon.present.overview import build_overview

    assert 3.090232 * math.sqrt(0.35 * 0.65 / 100 + 0.30 * 0.70 / 100) < 0.35 - 0.05
    explained = [
        _funnel_unit(name, 100, 65, 30, _adjusted(0.02, [-0.04, 0.08]), "motivated") for name in ("a", "b")
    ]
    even = [
        _funnel_unit(name, 400, 120, 120, _adjusted(0.0, [-0.04, 0.04]), None) for name in ("c", "d", "e")
    ]
    (outcome,) = build_overview([*explained, *even], _funnel_region())["outcomes"]
    assert outcome["funnel_scale"] == "adjusted"
    a = outcome["units"][0]
    # the other units' adjusted differences, weighted by 1/se² (se = width / (2 · 1.959964)): b 0.030613,
    # c–e 0.020409 → weights 1067.04 and 3 × 2400.84, centre 0.02·1067.04 / 8269.56 = 0.002581; the
    # spread sqrt(0.030613² + 1/8269.56) = 0.032528, so the 95 % limits 0.002581 ± 0.063754
    assert (a["plotted"], a["note"], a["centre"]) == ("adjusted", None, 0.0026)
    assert a["limits"] == [-0.0979, -0.0612, 0.0663, 0.1031]
    assert [u["funnel"] for u in outcome["units"]] == ["inside"] * 5
    assert [u["difference"] for u in outcome["units"]] == [0.35, 0.35, 0.0, 0.0, 0.0]  # the table keeps it


def test_a_withheld_adjusted_difference_falls_back_to_the_crude_one_against_the_rest_of_the_region() -> None:
    """a's adjusted figures are withheld: it is plotted crude, compared with the region without it from
    the counts: the rest has girls 425 of 1,300 and boys 390 of 1,300, +0.026923; under the region's
    shares the spread is sqrt((0.35·0.65 + 0.30·0.70)(1/100 + 1/1300)) = 0.068641; a is 0.323 away."""
    from oppnaogon.present.overview import build_overview

    withheld = _funnel_unit("a", 100, 65, 30, _adjusted(None, None, "withheld"), "motivated")
    explained = _funnel_unit("b", 100, 65, 30, _adjusted(0.02, [-0.04, 0.08]), "motivated")
    even = [
        _funnel_unit(name, 400, 120, 120, _adjusted(0.0, [-0.04, 0.04]), None) for name in ("c", "d", "e")
    ]
    (outcome,) = build_overview([withheld, explained, *even], _funnel_region())["outcomes"]
    a, b = outcome["units"][:2]
    spread = math.sqrt((0.35 * 0.65 + 0.30 * 0.70) * (1 / 100 + 1 / 1300))
    assert (a["plotted"], a["note"], a["centre"]) == ("crude", "adjusted_withheld", 0.0269)
    assert a["limits"] == [
        round(0.026923 + k * spread, 4) for k in (-3.090232, -1.959964, 1.959964, 3.090232)
    ]
    assert a["funnel"] == "outside_998" and a["adjusted"] is None and a["adjusted_ci"] is None
    # b is compared on the adjusted scale with c–e only (a publishes no adjusted figure)
    assert (b["plotted"], b["centre"], b["funnel"]) == ("adjusted", 0.0, "inside")
    html_sv = (ROOT_TEMPLATES / "texts" / "labels.sv.toml").read_text(encoding="utf-8")
    assert 'adjusted_withheld = "ojusterad skillnad: den justerade redovisas inte"' in html_sv


def test_the_crude_funnel_compares_each_unit_with_the_rest_of_the_region() -> None:
    """Without criteria the crude difference is plotted; c (girls 120 of 400, boys 120 of 400) against
    the rest (girls 370 of 1,000, boys 300 of 1,000: +0.07), spread sqrt(0.4375·(1/400 + 1/1000)) =
    0.039131: 0.07 away, inside 95 % (0.076696)."""
    from oppnaogon.present.overview import build_overview

    units = [_funnel_unit(name, 100, 65, 30, None, None) for name in ("a", "b")]
    units += [_funnel_unit(name, 400, 120, 120, None, None) for name in ("c", "d", "e")]
    (outcome,) = build_overview(units, _funnel_region())["outcomes"]
    assert outcome["funnel_scale"] == "crude"
    c = outcome["units"][2]
    spread = math.sqrt((0.35 * 0.65 + 0.30 * 0.70) * (1 / 400 + 1 / 1000))
    assert (c["plotted"], c["note"], c["centre"], c["funnel"]) == ("crude", None, 0.07, "inside")
    assert c["limits"] == [round(0.07 + k * spread, 4) for k in (-3.090232, -1.959964, 1.959964, 3.090232)]
