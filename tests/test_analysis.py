"""Step 1: exact numbers on hand-checkable data, suppression checked by an independent attacker,
and end-to-end runs of `oppnaogon analyse`."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from typer.testing import CliRunner

from oppnaogon.app.analyse import run_analysis
from oppnaogon.cli import app

from .attacker import recoverable_cells
from .conftest import EVERY_FORMAT, EXAMPLE, EXAMPLE_ENV, ExampleRun

WriteCsv = Callable[..., Path]
runner = CliRunner()


def _entry(items: list[dict], **where: object) -> dict:
    (found,) = [i for i in items if all(i.get(k) == v for k, v in where.items())]
    return found


def test_whole_population_numbers_match_reference_implementations(write_csv: WriteCsv) -> None:
    # 20 girls of whom 12 were granted, 20 boys of whom 6: shares 0.6 and 0.3
    rows = [["Kön", "Ålder", "Insats beviljad"]]
    rows += [["Flicka", "14", "Ja" if i < 12 else "Nej"] for i in range(20)]
    rows += [["Pojke", "14", "Ja" if i < 6 else "Nej"] for i in range(20)]
    findings = run_analysis(write_csv(rows), out=None).findings
    girls = _entry(findings["descriptives"], outcome="insats_beviljad", breakdown={}, sex="female")
    assert (girls["n"], girls["value"], girls["suppressed"]) == (20, 0.6, False)
    assert girls["ci"] == pytest.approx(list(proportion_confint(12, 20, method="wilson")), abs=1e-4)
    diff = _entry(findings["differences"], id="insats_beviljad")
    assert diff["estimate"] == pytest.approx(0.3)
    reference = confint_proportions_2indep(12, 20, 6, 20, method="newcomb", compare="diff")
    assert diff["ci"] == pytest.approx(list(reference), abs=1e-4)
    # smallest expected count 20·18/40 = 9 ≥ 5: Pearson chi-square without continuity correction
    assert diff["test"] == "chi2"
    p = chi2_contingency([[12, 8], [6, 14]], correction=False)[1]
    assert diff["p_value"] == pytest.approx(p, abs=1e-6)
    assert diff["p_adjusted"] == pytest.approx(p, abs=1e-6)  # the only test of the report
    assert diff["noteworthy"] is False  # p = 0.057 > 0.05, although the difference is 30 points
    assert diff["verdict"] is None and diff["explained_by"] is None


def test_small_expected_counts_use_fisher(write_csv: WriteCsv) -> None:
    # 10 women (5 granted) and 40 men (35 granted): smallest expected count 10 · 10 / 50 = 2 < 5
    rows = [["Kön", "Insats beviljad"]]
    rows += [["K", "Ja" if i < 5 else "Nej"] for i in range(10)]
    rows += [["M", "Ja" if i < 35 else "Nej"] for i in range(40)]
    diff = _entry(run_analysis(write_csv(rows), out=None).findings["differences"], id="insats_beviljad")
    assert diff["test"] == "fisher"
    from scipy.stats import fisher_exact

    assert diff["p_value"] == pytest.approx(fisher_exact([[5, 5], [35, 5]]).pvalue, abs=1e-6)
    assert diff["estimate"] == pytest.approx(0.5 - 35 / 40)


def test_numeric_outcome_mean_median_and_mann_whitney(write_csv: WriteCsv) -> None:
    from scipy.stats import mannwhitneyu

    # at least 2·min_cell of each sex: smaller groups publish no numeric statistics (rule 1 of analysis)
    girls = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 9.0, 11.0]
    boys = [2.0, 3.0, 3.0, 4.0, 6.0, 7.0, 9.0, 10.0, 12.0, 13.0, 14.0]
    rows = [["Kön", "Timmar per vecka"]]
    rows += [["K", str(v).replace(".", ",")] for v in girls] + [["M", str(v).replace(".", ",")] for v in boys]
    findings = run_analysis(write_csv(rows), out=None).findings
    g = _entry(findings["descriptives"], outcome="timmar_per_vecka", breakdown={}, sex="female")
    assert g["value"] == pytest.approx(sum(girls) / len(girls), abs=1e-4)
    assert g["median"] == pytest.approx(4.5)
    diff = _entry(findings["differences"], id="timmar_per_vecka")
    assert diff["test"] == "mann-whitney"
    p = mannwhitneyu(girls, boys, method="asymptotic", use_continuity=True).pvalue
    assert diff["p_value"] == pytest.approx(p, abs=1e-6)


def test_small_groups_are_hidden_with_every_number_computed_from_them(write_csv: WriteCsv) -> None:
    # district Norr has 3 girls: primary suppression; Söder must then be hidden too (girls' total is public)
    rows = [["Kön", "Stadsdel", "Insats beviljad"]]
    rows += [["K", "Norr", "Ja"]] * 3 + [["K", "Söder", "Ja"]] * 6 + [["K", "Väster", "Nej"]] * 7
    rows += [["K", "Väster", "Ja"]] * 5
    rows += [["M", "Norr", "Nej"]] * 8 + [["M", "Söder", "Ja"]] * 9 + [["M", "Väster", "Nej"]] * 10
    findings = run_analysis(write_csv(rows), out=None).findings
    norr = _entry(findings["descriptives"], breakdown={"residence": "Norr"}, sex="female")
    assert norr == {**norr, "n": None, "value": None, "ci": None, "suppressed": True}
    girls = [d for d in findings["descriptives"] if d["sex"] == "female" and d["breakdown"]]
    assert sum(d["n"] is None for d in girls) >= 2  # a single hidden cell would follow from the total
    diff = _entry(findings["differences"], id="insats_beviljad/residence=Norr")
    assert diff["suppressed"] and diff["estimate"] is None and diff["p_value"] is None
    assert diff["reason"].startswith("suppressed")
    assert recoverable_cells(findings) == []


def _random_extract(seed: int, rows: int) -> list[list[str]]:
    rng = random.Random(seed)
    out = [["Kön", "Ålder", "Födelseland", "Stadsdel", "Beslutsdatum", "Insats beviljad", "Timmar per vecka"]]
    for _ in range(rows):
        granted = rng.random() < 0.5
        out.append(
            [
                rng.choice(["Flicka", "Pojke", "Pojke", "Flicka", "Annat", "-"]),
                str(rng.randint(0, 17)),
                rng.choice(["Sverige", "Sverige", "Somalia", "Finland", "Polen", "Uppgift saknas"]),
                rng.choice(["Norr", "Söder", "Centrum"]),
                f"2025-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}",
                "Ja" if granted else "Nej",
                f"{rng.randint(1, 20)},5" if granted and rng.random() < 0.9 else "",
            ]
        )
    return out


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), rows=st.integers(12, 120))
def test_attacker_recovers_nothing_from_random_extracts(write_csv: WriteCsv, seed: int, rows: int) -> None:
    findings = run_analysis(write_csv(_random_extract(seed, rows)), out=None).findings
    assert recoverable_cells(findings) == []
    for d in findings["descriptives"]:
        if d["n"] is None:
            assert d["value"] is None and d["ci"] is None and d["suppressed"]
        if d["n"] is not None and 0 < d["n"] < 5:
            pytest.fail(f"published count below the threshold: {d}")


@pytest.mark.slow
def test_forty_children_nothing_identifiable_and_reasons_given(write_csv: WriteCsv) -> None:
    run = run_analysis(write_csv(_random_extract(7, 40)), out=None)
    findings = run.findings
    assert recoverable_cells(findings) == []
    assert all(d["n"] is None or d["n"] == 0 or d["n"] >= 5 for d in findings["descriptives"])
    for d in findings["differences"]:
        assert d["p_value"] is not None or d["reason"], d


@pytest.mark.slow
def test_analyse_example_end_to_end_and_byte_identical(example_run: ExampleRun, tmp_path: Path) -> None:
    first, second = example_run.out, tmp_path / "b"
    assert example_run.exit_code == 0, example_run.output
    assert "Anmärkningsvärda skillnader" in example_run.output and "flickor" in example_run.output
    result = runner.invoke(
        app, ["analyse", str(EXAMPLE), "--out", str(second), *EVERY_FORMAT], env=EXAMPLE_ENV
    )
    assert result.exit_code == 0, result.output
    names = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    charts = [n for n in names if n.startswith("diagram/")]
    # 3 outcomes × 7 single breakdowns: age, birth region, residence, period, municipality, and the two
    # accessibility columns whose accommodation can be lacking
    assert len(charts) == 21
    assert sorted(set(names) - set(charts)) == sorted(
        [
            "findings.json",
            "manifest.json",
            "tables.xlsx",
            "beskrivning.csv",
            "skillnader.csv",
            "datakvalitet.csv",
            "tillganglighet.csv",
            "rapport.html",
            "rapport.md",
            "rapport.docx",
        ]
    )
    # Byte-identical re-runs, the Word file and the charts included
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    findings = json.loads((first / "findings.json").read_text(encoding="utf-8"))
    assert findings["schema_version"] == 1
    assert set(findings) >= {"tool", "input", "settings", "descriptives", "differences"}
    # 4 rows were excluded (2 + 2): too few to publish, so neither the reasons nor rows read are shown
    assert findings["input"]["rows_used"] == 5996 and findings["input"]["rows"] is None
    assert findings["input"]["rows_excluded"] == {"age out of range": None, "date in the future": None}
    import hashlib

    assert findings["input"]["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["created"] == "2026-01-01T00:00:00+00:00"
    diff = findings["differences"][0]
    assert set(diff) >= {
        "id",
        "outcome",
        "breakdown",
        "groups",
        "estimate",
        "ci",
        "p_value",
        "p_adjusted",
        "noteworthy",
        "suppressed",
        "verdict",
        "explained_by",
        "criteria",
    }
    assert recoverable_cells(findings) == []
    assert any(d["noteworthy"] for d in findings["differences"])
    # 13-17-year-old girls are granted more often in the generated data (a planted effect)
    teen = _entry(findings["differences"], id="insats_beviljad/age_band=13-17")
    assert teen["estimate"] > 0.05 and teen["noteworthy"]


def test_formulas_in_category_names_are_neutralised(write_csv: WriteCsv, tmp_path: Path) -> None:
    rows = [["Kön", "Stadsdel", "Insats beviljad"]]
    for district in ['=HYPERLINK("http://x")', "@SUM(1)"]:
        rows += [["K", district, "Ja"]] * 6 + [["K", district, "Nej"]] * 6
        rows += [["M", district, "Ja"]] * 6 + [["M", district, "Nej"]] * 6
    out = tmp_path / "rapport"
    run_analysis(write_csv(rows), out=out, formats=("json", "xlsx", "csv"))
    text = (out / "beskrivning.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text
    assert ";=HYPERLINK" not in text
    import zipfile

    sheet = zipfile.ZipFile(out / "tables.xlsx").read("xl/sharedStrings.xml").decode()
    assert (
        "'=HYPERLINK" in sheet
        and "<f>" not in zipfile.ZipFile(out / "tables.xlsx").read("xl/worksheets/sheet1.xml").decode()
    )


@pytest.mark.slow
def test_period_filter_and_errors(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv(_random_extract(3, 60))
    run = run_analysis(path, out=None, period="2025K1")
    assert set(run.prepared.frame["period"].unique().to_list()) == {"2025K1"}
    result = runner.invoke(app, ["analyse", str(path), "--period", "2019K1", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "Perioden 2019K1 (januari–mars 2019) har inga rader." in result.output
    result = runner.invoke(app, ["analyse", str(path), "--min-cell", "2", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2


def test_an_unrelated_folder_is_never_overwritten(write_csv: WriteCsv, tmp_path: Path) -> None:
    out = tmp_path / "mina-dokument"
    out.mkdir()
    (out / "viktigt.docx").write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["analyse", str(write_csv(_random_extract(1, 30))), "--out", str(out)])
    assert result.exit_code == 2 and "skrivs inte över" in result.output
    assert [p.name for p in out.iterdir()] == ["viktigt.docx"]


@pytest.mark.slow
def test_tables_hide_exactly_what_findings_hide(tmp_path: Path) -> None:
    import csv
    import io

    out = tmp_path / "rapport"
    findings = run_analysis(write_random(tmp_path, 9, 80), out=out, formats=("json", "xlsx", "csv")).findings

    def read(name: str) -> list[dict[str, str]]:
        text = (out / name).read_text(encoding="utf-8-sig")
        return list(csv.DictReader(io.StringIO(text), delimiter=";"))

    described = read("beskrivning.csv")
    assert len(described) == len(findings["descriptives"])
    for row, d in zip(described, findings["descriptives"], strict=True):
        assert (row["antal"] == "..") == (d["n"] is None)
        assert (row["värde"] == "..") == (d["value"] is None and d["suppressed"])
    differences = read("skillnader.csv")
    for row, d in zip(differences, findings["differences"], strict=True):
        assert (row["skillnad_kvinnor_minus_män"] == "..") == d["suppressed"]
    quality = read("datakvalitet.csv")
    for row, q in zip(quality, findings["data_quality"], strict=True):
        assert (row["saknas"] == "..") == (q["missing"] is None)


def write_random(folder: Path, seed: int, rows: int) -> Path:
    path = folder / "uttag.csv"
    path.write_text("\n".join(";".join(r) for r in _random_extract(seed, rows)) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rows", "used", "excluded", "expected"),
    [
        (100, 80, {"a": 12, "b": 8}, {"rows": 100, "rows_used": 80, "rows_excluded": {"a": 12, "b": 8}}),
        # one small reason would follow from rows − rows_used − the other: both hidden
        (100, 85, {"a": 12, "b": 3}, {"rows": 100, "rows_used": 85, "rows_excluded": {"a": None, "b": None}}),
        (
            100,
            80,
            {"a": 3, "b": 2, "c": 15},
            {"rows": 100, "rows_used": 80, "rows_excluded": {"a": None, "b": None, "c": 15}},
        ),
        # a small excluded total would follow from rows − rows_used: rows read hidden
        (100, 97, {"a": 3}, {"rows": None, "rows_used": 97, "rows_excluded": {"a": None}}),
        (50, 50, {}, {"rows": 50, "rows_used": 50, "rows_excluded": {}}),
    ],
)
def test_row_counts_in_findings_follow_the_disclosure_rule(
    rows: int, used: int, excluded: dict[str, int], expected: dict
) -> None:
    from oppnaogon.app.analyse import _protected_row_counts

    assert _protected_row_counts(rows, used, excluded, 5) == expected


def test_an_extract_smaller_than_the_threshold_is_refused(write_csv: WriteCsv) -> None:
    path = write_csv([["Kön", "Insats beviljad"], ["K", "Ja"], ["M", "Nej"], ["K", "Nej"]])
    result = runner.invoke(app, ["analyse", str(path), "--out", str(path.parent / "r")])
    assert result.exit_code == 2 and "färre än röjandegränsen" in result.output


def test_a_column_recorded_only_for_granted_cases_is_not_a_data_quality_flag(write_csv: WriteCsv) -> None:
    # girls granted 40 of 60, boys 20 of 60; hours only where granted: hours are missing for 20 girls
    # and 40 boys, a clear difference in missingness that only mirrors the decision
    rows = [["Kön", "Ålder", "Insats beviljad", "Timmar per vecka", "Födelseland"]]
    for sex, granted in (("K", 40), ("M", 20)):
        for i in range(60):
            yes = i < granted
            born = "Sverige" if sex == "K" or i % 2 else ""
            rows.append([sex, "15", "Ja" if yes else "Nej", str(2 + i % 5) if yes else "", born])
    findings = run_analysis(write_csv(rows), out=None).findings
    flags = {m["column"]: m for m in findings["missingness_flags"]}
    hours = flags["Timmar per vecka"]
    assert hours["difference"] == pytest.approx(20 / 60 - 40 / 60, abs=1e-4)
    assert hours["explained_by_outcome"] == "insats_beviljad" and hours["flag"] is False
    # a column missing for half the boys and none of the girls, whatever the decision: a real flag
    other = flags["Födelseland"]
    assert other["flag"] is True and other["explained_by_outcome"] is None


def test_a_few_people_of_unknown_sex_do_not_hide_the_womens_or_mens_figures(write_csv: WriteCsv) -> None:
    rows = [["Kön", "Ålder", "Stadsdel", "Insats beviljad"]]
    for i in range(60):
        rows.append(["K", str(5 + i % 10), ["Norr", "Söder"][i % 2], "Ja" if i % 3 else "Nej"])
        rows.append(["M", str(5 + i % 10), ["Norr", "Söder"][i % 2], "Ja" if i % 2 else "Nej"])
    rows += [["-", "8", "Norr", "Ja"], ["-", "9", "Söder", "Nej"], ["-", "12", "Norr", "Ja"]]
    findings = run_analysis(write_csv(rows), out=None).findings
    whole = {d["sex"]: d for d in findings["descriptives"] if not d["breakdown"]}
    assert whole["female"]["n"] == 60 and whole["male"]["n"] == 60
    assert whole["female"]["value"] == pytest.approx(40 / 60, abs=1e-4)
    assert whole["unknown"]["n"] is None  # 3 people: hidden
    difference = next(d for d in findings["differences"] if not d["breakdown"])
    assert difference["estimate"] == pytest.approx(40 / 60 - 30 / 60, abs=1e-4)
    assert recoverable_cells(findings) == []


# --- many units in one pass -------------------------------------------------------------------------------


def _prepared(data: Path, config: Path | None = None) -> tuple[object, object]:
    from oppnaogon.prepare.inputs import load_input
    from oppnaogon.prepare.normalise import prepare

    table, cfg = load_input(data, config)
    return prepare(table, cfg), cfg


def _alone(prepared: object, column: str, value: str) -> object:
    import dataclasses

    import polars as pl

    frame = prepared.frame.filter(pl.col(column).cast(pl.String) == value)  # type: ignore[attr-defined]
    return dataclasses.replace(prepared, frame=frame)


@pytest.mark.slow
@pytest.mark.parametrize("whole_group_only", [False, True])
def test_units_in_one_pass_are_analysed_as_if_alone(whole_group_only: bool) -> None:
    """Every municipality of the example, analysed together, gets exactly what `analyse` of its rows
    alone gives: its own breakdowns, tests, BH family, verdicts and disclosure control."""
    from oppnaogon.analysis.differences import analyse, analyse_units
    from oppnaogon.app.analyse import criteria_area_for
    from oppnaogon.model.settings import AnalysisSettings

    prepared, cfg = _prepared(EXAMPLE, EXAMPLE.parent / "oppnaogon.toml")
    area = criteria_area_for(cfg.area)  # type: ignore[attr-defined]
    settings = AnalysisSettings()
    together = analyse_units(prepared, "municipality", settings, area, whole_group_only=whole_group_only)
    assert sorted(together) == ["1780", "1784", "1785"]
    for unit, findings in together.items():
        alone = analyse(
            _alone(prepared, "municipality", unit), settings, area, whole_group_only=whole_group_only
        )
        assert findings == alone
        assert findings.rows_used == alone.rows_used > 0
    assert analyse_units(prepared, None, settings, area)[None] == analyse(prepared, settings, area)


@pytest.mark.slow
def test_units_with_accommodation_and_a_dimension_that_does_not_vary(tmp_path: Path) -> None:
    """A participation world (accommodation findings, participation criteria) split into units, one of
    which has a single age band: that unit has no age breakdown, the others keep theirs."""
    import dataclasses

    import polars as pl

    from oppnaogon.analysis.differences import analyse, analyse_units
    from oppnaogon.app.analyse import criteria_area_for
    from oppnaogon.model.settings import AnalysisSettings
    from oppnaogon.testing.worlds import generate_world, write_world

    world = generate_world("participation_interpreter_not_used", 3000, 7)
    data, config = write_world(world, tmp_path / "world")
    prepared, cfg = _prepared(data, config)
    frame = prepared.frame  # type: ignore[attr-defined]
    first_band = frame.get_column("age_band").drop_nulls().cast(pl.String).sort().first()
    part = (
        pl.when(pl.col("age_band").cast(pl.String) == first_band)
        .then(pl.lit("one-band"))
        .otherwise(pl.when(pl.int_range(pl.len()) % 2 == 0).then(pl.lit("even")).otherwise(pl.lit("odd")))
    )
    prepared = dataclasses.replace(prepared, frame=frame.with_columns(part.alias("part")))
    area = criteria_area_for(cfg.area)  # type: ignore[attr-defined]
    settings = AnalysisSettings()
    together = analyse_units(prepared, "part", settings, area)
    assert sorted(together) == ["even", "odd", "one-band"]
    assert ("age_band",) not in together["one-band"].breakdowns
    assert ("age_band",) in together["even"].breakdowns
    assert together["even"].accommodation  # the interpreter column, per unit
    for unit, findings in together.items():
        assert findings == analyse(_alone(prepared, "part", unit), settings, area)


@pytest.mark.slow
def test_sums_of_numeric_values_are_the_same_in_every_run_and_for_a_unit_alone() -> None:
    """Means and differences of a numeric outcome whose values do not add up exactly in floating point:
    the same number in every run, and for each unit the same as analysing its rows alone (a group-by
    sums in no fixed order; the last digit of a published mean once changed from run to run)."""
    import dataclasses

    import numpy as np
    import polars as pl

    from oppnaogon.analysis.differences import analyse, analyse_units
    from oppnaogon.model.settings import AnalysisSettings

    prepared, _ = _prepared(EXAMPLE, EXAMPLE.parent / "oppnaogon.toml")
    frame = prepared.frame  # type: ignore[attr-defined]
    # large values: the order of a sum shows in the fourth decimal of a mean
    hours = 1e12 + np.random.default_rng(1).integers(0, 400, frame.height) / 10 + 0.01
    column = "o:timmar_per_vecka"
    frame = frame.with_columns(pl.when(pl.col(column).is_not_null()).then(pl.Series(hours)).alias(column))
    frame = frame.filter(pl.col("residence").is_not_null())
    prepared = dataclasses.replace(prepared, frame=frame)
    settings = AnalysisSettings()

    def numbers(findings: Any) -> list[object]:
        hours = [d for d in findings.differences if d["outcome"] == "timmar_per_vecka"]
        means = [d for d in findings.descriptives if d["outcome"] == "timmar_per_vecka"]
        return [(d["id"], d["estimate"], d["ci"]) for d in hours] + [
            (d["breakdown"], d["sex"], d["value"], d["sd"]) for d in means
        ]

    runs = [numbers(analyse(prepared, settings)) for _ in range(6)]
    assert all(run == runs[0] for run in runs)
    together = analyse_units(prepared, "residence", settings)
    for unit, findings in together.items():
        assert numbers(findings) == numbers(analyse(_alone(prepared, "residence", unit), settings))


@pytest.mark.slow
def test_a_numeric_outcome_with_no_values_at_all_is_reported_empty(tmp_path: Path) -> None:
    """Every value of the hours column missing: the analysis runs, and the hours have no mean anywhere
    (their sums come from value counts, and there are none)."""
    import shutil

    import polars as pl

    data = tmp_path / "uttag.csv"
    pl.read_csv(EXAMPLE, separator=";", infer_schema=False).with_columns(
        pl.lit("-").alias("Timmar per vecka")
    ).write_csv(data, separator=";")
    shutil.copy(EXAMPLE.parent / "oppnaogon.toml", tmp_path / "oppnaogon.toml")
    findings = run_analysis(data, out=None).findings
    hours = [d for d in findings["descriptives"] if d["outcome"] == "timmar_per_vecka"]
    assert hours and all(d["value"] is None and d["n"] in (0, None) for d in hours)
    assert all(d["estimate"] is None for d in findings["differences"] if d["outcome"] == "timmar_per_vecka")


@pytest.mark.slow
@given(st.lists(st.sampled_from(["a", "b", "c", None]), max_size=12), st.booleans())
@settings(max_examples=120, deadline=None)
def test_a_dimension_varies_exactly_when_it_has_more_than_one_value(
    values: list[str | None], categorical: bool
) -> None:
    """`_varies` (smallest and largest code, and missing beside present) is `n_unique() > 1`, missing
    counted as a value, for text and categorical columns and no rows at all."""
    import polars as pl

    from oppnaogon.analysis.differences import _varies

    column = pl.Series("d", values, dtype=pl.String)
    if categorical:
        column = column.cast(pl.Categorical)
    frame = column.to_frame()
    assert frame.select(_varies("d")).item() == (column.n_unique() > 1)


@pytest.mark.slow
def test_a_frame_of_several_chunks_is_analysed_as_one_of_one_chunk() -> None:
    """Large files are read in several chunks. Polars 2.1 fails on a literal filter over such a frame of
    50,000 rows or more once a column is added to it (the accommodation breakdowns are): "filter
    predicate length of 2". Found on the 1M-row benchmark file: analyse crashed."""
    import dataclasses

    import polars as pl

    from oppnaogon.analysis.differences import analyse
    from oppnaogon.io.loading import read_table
    from oppnaogon.model.config import load_config
    from oppnaogon.model.criteria import load_area
    from oppnaogon.prepare.normalise import prepare

    prepared = prepare(read_table(EXAMPLE), load_config(EXAMPLE.parent / "oppnaogon.toml"))
    chunked = pl.concat([prepared.frame] * 10, rechunk=False)
    assert chunked.n_chunks() > 1 and chunked.height > 50_000
    area = load_area("barn_och_unga")
    one = analyse(dataclasses.replace(prepared, frame=chunked.rechunk()), area=area)
    several = analyse(dataclasses.replace(prepared, frame=chunked), area=area)
    assert several.differences == one.differences and several.accommodation == one.accommodation
