"""Tests for the planted-truth worlds: the data-generating process makes the documented truth true."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from oppnaogon.cli import app
from oppnaogon.model.config import load_config
from oppnaogon.testing.synthetic import ALLOWED_VALUES
from oppnaogon.testing.worlds import (
    SCENARIOS,
    STUDY_SCENARIOS,
    VERDICTS,
    StudyWorld,
    World,
    generate_study_world,
    generate_world,
    write_world,
)

runner = CliRunner()
LARGE = 20_000
TOLERANCE = 0.03  # ± 3 percentage points: about 4 standard errors at 20 000 rows
DECISION_CRITERIA = ["Risknivå", "Behov av stöd", "Bör tillgodoses av annan verksamhet", "Samtycke"]
PARTICIPATION_CRITERIA = ["Vill delta", "Vårdnadshavare hindrat", "Tolk använd"]
NOT_MET = "Nej men skulle ha behövts"


@pytest.fixture(scope="module")
def large() -> dict[str, World]:
    return {name: generate_world(name, LARGE, seed=2025) for name in SCENARIOS}


def _crude(world: World) -> float:
    shares = world.frame.group_by("Kön").agg((pl.col(world.truth.column) == "Ja").mean().alias("share"))
    by_sex = dict(shares.iter_rows())
    return by_sex["Flicka"] - by_sex["Pojke"]


def _adjusted(frame: pl.DataFrame, outcome: str, strata: list[str]) -> float:
    """Mantel-Haenszel risk difference (female − male) over the strata of `strata` (rows with nulls dropped)."""
    cells = (
        frame.drop_nulls(strata)
        .group_by([*strata, "Kön"])
        .agg(pl.len().alias("n"), (pl.col(outcome) == "Ja").sum().alias("x"))
    )
    girls = cells.filter(pl.col("Kön") == "Flicka").drop("Kön")
    boys = cells.filter(pl.col("Kön") == "Pojke").drop("Kön")
    both = girls.join(boys, on=strata, suffix="_m")
    weight = pl.col("n") * pl.col("n_m") / (pl.col("n") + pl.col("n_m"))
    rd = pl.col("x") / pl.col("n") - pl.col("x_m") / pl.col("n_m")
    return float(both.select((weight * rd).sum() / weight.sum()).item())


# --- determinism and shape -----------------------------------------------------------------------


def test_same_seed_gives_identical_world() -> None:
    for name in SCENARIOS:
        a = generate_world(name, 500, seed=5)
        b = generate_world(name, 500, seed=5)
        assert a.frame.equals(b.frame), name
        assert a.config_toml == b.config_toml
        assert a.truth == b.truth


def test_different_seed_gives_different_frame() -> None:
    a = generate_world("explained_by_need", 2_000, seed=5)
    b = generate_world("explained_by_need", 2_000, seed=6)
    assert not a.frame.equals(b.frame)


def test_zero_rows() -> None:
    world = generate_world("unmotivated", 0, seed=1)
    assert world.frame.height == 0
    assert "Insats beviljad" in world.frame.columns


@pytest.mark.parametrize("name", SCENARIOS)
def test_frame_looks_like_an_export(large: dict[str, World], name: str) -> None:
    frame = large[name].frame
    truth = large[name].truth
    assert frame.height == LARGE
    assert all(dtype == pl.String for dtype in frame.schema.values())
    assert frame.columns[:3] == ["Kön", "Ålder", "Beslutsdatum"]
    assert frame.columns[-1] == truth.column
    assert set(frame["Kön"].unique()) == {"Flicka", "Pojke"}
    assert set(frame["Ålder"].unique()) == {str(a) for a in range(18)}
    dates = frame["Beslutsdatum"].str.to_date("%Y-%m-%d")
    assert dates.dt.year().unique().to_list() == [2025]
    assert dates.dt.weekday().max() <= 5  # Monday 1 … Friday 5
    assert "2025-12-25" not in frame["Beslutsdatum"]
    for column in frame.columns:
        if column in ALLOWED_VALUES:
            values = set(frame[column].drop_nulls().unique())
            assert values <= ALLOWED_VALUES[column], (column, values - ALLOWED_VALUES[column])
    never_missing = frame.select("Kön", "Ålder", "Beslutsdatum", truth.column)
    assert never_missing.null_count().sum_horizontal().item() == 0


def test_criteria_columns_have_missing_values_at_the_given_rate(large: dict[str, World]) -> None:
    for name, criteria in (
        ("explained_by_need", DECISION_CRITERIA),
        ("participation_explained_by_wish", PARTICIPATION_CRITERIA),
    ):
        frame = large[name].frame
        for column in criteria:
            assert 0.015 <= frame[column].null_count() / frame.height <= 0.025, (name, column)
    clean = generate_world("explained_by_need", 2_000, seed=3, missing_rate=0.0).frame
    assert clean.null_count().sum_horizontal().item() == 0


def test_truth_is_well_formed(large: dict[str, World]) -> None:
    for name, world in large.items():
        truth = world.truth
        assert truth.scenario == name
        assert truth.verdict is None or truth.verdict in VERDICTS
        assert (truth.verdict == "motivated") == bool(truth.explained_by)
        assert truth.expected_shares["female"] - truth.expected_shares["male"] == pytest.approx(
            truth.crude_difference
        )
        assert set(truth.stratify_on) <= set(world.frame.columns)
    assert large["no_difference"].truth.verdict is None
    assert large["no_criteria_columns"].truth.verdict == "not_assessable"
    assert large["small"].truth.large_sample_only
    assert not large["explained_by_need"].truth.large_sample_only


# --- the planted structure holds -----------------------------------------------------------------

EXPECTED = {
    # scenario: (crude, conditional within `stratify_on`, verdict, explained_by)
    "explained_by_need": (0.12, 0.0, "motivated", ("need",)),
    "explained_by_met_otherwise": (0.12, 0.0, "motivated", ("met_otherwise",)),
    "explained_by_consent": (0.12, 0.0, "motivated", ("consent",)),
    "unmotivated": (0.12, 0.12, "unmotivated", ()),
    "no_difference": (0.0, 0.0, None, ()),
    "no_criteria_columns": (0.12, None, "not_assessable", ()),
    "small": (0.12, 0.0, "motivated", ("need",)),
    "participation_interpreter_not_used": (0.12, 0.1277, "unmotivated", ()),
    "participation_explained_by_wish": (0.12, 0.0, "motivated", ("wish_to_participate",)),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_documented_truth(large: dict[str, World], name: str) -> None:
    crude, conditional, verdict, explained_by = EXPECTED[name]
    truth = large[name].truth
    assert truth.crude_difference == pytest.approx(crude, abs=1e-9)
    if conditional is None:
        assert truth.conditional_difference is None
    else:
        assert truth.conditional_difference == pytest.approx(conditional, abs=5e-5)
    assert (truth.verdict, truth.explained_by) == (verdict, explained_by)


@pytest.mark.parametrize("name", SCENARIOS)
def test_crude_difference_in_the_data(large: dict[str, World], name: str) -> None:
    assert _crude(large[name]) == pytest.approx(large[name].truth.crude_difference, abs=TOLERANCE)


@pytest.mark.parametrize(
    "name", [n for n in SCENARIOS if n not in {"no_criteria_columns", "participation_interpreter_not_used"}]
)
def test_difference_within_strata_of_the_explaining_variable(large: dict[str, World], name: str) -> None:
    world = large[name]
    truth = world.truth
    adjusted = _adjusted(world.frame, truth.column, list(truth.stratify_on))
    assert adjusted == pytest.approx(truth.conditional_difference, abs=TOLERANCE)


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("explained_by_need", ["Samtycke"]),
        ("explained_by_need", ["Bör tillgodoses av annan verksamhet"]),
        ("explained_by_met_otherwise", ["Risknivå", "Behov av stöd"]),
        ("explained_by_consent", ["Risknivå"]),
        ("participation_explained_by_wish", ["Tolk använd"]),
        ("participation_explained_by_wish", ["Vårdnadshavare hindrat"]),
    ],
)
def test_other_criteria_do_not_explain(large: dict[str, World], name: str, other: list[str]) -> None:
    world = large[name]
    assert _adjusted(world.frame, world.truth.column, other) == pytest.approx(0.12, abs=TOLERANCE)


def test_explained_worlds_are_explained_by_all_criteria_together(large: dict[str, World]) -> None:
    for name in ("explained_by_need", "explained_by_met_otherwise", "explained_by_consent"):
        world = large[name]
        assert _adjusted(world.frame, "Insats beviljad", DECISION_CRITERIA) == pytest.approx(
            0.0, abs=TOLERANCE
        )


def test_unmotivated_difference_remains_after_every_criterion(large: dict[str, World]) -> None:
    world = large["unmotivated"]
    for strata in (["Risknivå", "Behov av stöd"], ["Bör tillgodoses av annan verksamhet"], ["Samtycke"]):
        assert _adjusted(world.frame, "Insats beviljad", strata) == pytest.approx(0.12, abs=TOLERANCE)
    # Criteria are distributed alike for girls and boys.
    frame = world.frame.drop_nulls("Risknivå")
    high = frame.group_by("Kön").agg(pl.col("Risknivå").is_in(["Förhöjd risk", "Hög risk"]).mean())
    shares = dict(high.iter_rows())
    assert shares["Flicka"] == pytest.approx(shares["Pojke"], abs=TOLERANCE)


def test_need_world_plants_a_need_difference(large: dict[str, World]) -> None:
    frame = large["explained_by_need"].frame.drop_nulls("Risknivå")
    high = dict(
        frame.group_by("Kön").agg(pl.col("Risknivå").is_in(["Förhöjd risk", "Hög risk"]).mean()).iter_rows()
    )
    assert high["Flicka"] == pytest.approx(0.70, abs=TOLERANCE)
    assert high["Pojke"] == pytest.approx(0.30, abs=TOLERANCE)


def test_interpreter_not_used_is_a_statistical_but_not_an_accepted_explanation(
    large: dict[str, World],
) -> None:
    world = large["participation_interpreter_not_used"]
    frame, truth = world.frame, world.truth
    # The trap: within the three Tolk values the difference vanishes ...
    assert _adjusted(frame, "Barnet delaktigt", ["Tolk använd"]) == pytest.approx(0.0, abs=TOLERANCE)
    # ... but among children for whom no interpreter was used it does not,
    without = frame.filter(pl.col("Tolk använd") != "Ja")
    by_sex = dict(without.group_by("Kön").agg((pl.col("Barnet delaktigt") == "Ja").mean()).iter_rows())
    assert by_sex["Flicka"] - by_sex["Pojke"] == pytest.approx(truth.conditional_difference, abs=TOLERANCE)
    # ... and with an interpreter girls and boys take part alike.
    used = frame.filter(pl.col("Tolk använd") == "Ja")
    by_sex = dict(used.group_by("Kön").agg((pl.col("Barnet delaktigt") == "Ja").mean()).iter_rows())
    assert by_sex["Flicka"] - by_sex["Pojke"] == pytest.approx(0.0, abs=0.06)  # ~1 200 rows
    assert truth.verdict == "unmotivated" and truth.explained_by == ()
    assert truth.stratify_on == ("Tolk använd",)


def test_unmet_interpreter_need_is_exposed_per_sex(large: dict[str, World]) -> None:
    for name in ("participation_interpreter_not_used", "participation_explained_by_wish"):
        world = large[name]
        counts = dict(world.frame.filter(pl.col("Tolk använd") == NOT_MET).group_by("Kön").len().iter_rows())
        assert world.truth.unmet_accommodation == {"female": counts["Flicka"], "male": counts["Pojke"]}
    unmet = large["participation_interpreter_not_used"].truth.unmet_accommodation
    assert unmet is not None and unmet["male"] > 5 * unmet["female"] > 0
    assert large["explained_by_need"].truth.unmet_accommodation is None


def test_no_criteria_columns_world_has_none() -> None:
    world = generate_world("no_criteria_columns", 500, seed=1)
    assert world.frame.columns == ["Kön", "Ålder", "Beslutsdatum", "Insats beviljad"]
    assert "[criteria]" not in world.config_toml
    assert world.truth.stratify_on == ()


# --- parameters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "effect"),
    [
        ("explained_by_need", 0.05),
        ("explained_by_need", -0.08),
        ("explained_by_consent", 0.2),
        ("unmotivated", -0.1),
        ("participation_interpreter_not_used", 0.3),
        ("participation_explained_by_wish", 0.06),
    ],
)
def test_effect_sets_the_crude_difference(name: str, effect: float) -> None:
    world = generate_world(name, LARGE, seed=9, effect=effect)
    assert world.truth.crude_difference == pytest.approx(effect)
    assert _crude(world) == pytest.approx(effect, abs=TOLERANCE)


def test_no_difference_ignores_effect() -> None:
    assert generate_world("no_difference", 10, seed=1, effect=0.2).truth.crude_difference == 0.0


@pytest.mark.parametrize(
    ("name", "effect"),
    [
        ("explained_by_need", 0.3),
        ("explained_by_met_otherwise", -0.2),
        ("explained_by_consent", -0.05),
        ("unmotivated", 0.25),
        ("participation_interpreter_not_used", -0.05),
    ],
)
def test_effect_out_of_range_is_refused(name: str, effect: float) -> None:
    with pytest.raises(ValueError, match="effect must be between"):
        generate_world(name, 10, seed=1, effect=effect)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scenario": "explained_by_nothing", "n_rows": 10},
        {"scenario": "unmotivated", "n_rows": -1},
        {"scenario": "unmotivated", "n_rows": 10, "missing_rate": 0.9},
        {"scenario": "unmotivated", "n_rows": 10, "effect": float("nan")},
    ],
)
def test_invalid_arguments_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        generate_world(seed=1, **kwargs)  # type: ignore[arg-type]


def test_small_world() -> None:
    world = generate_world("small", 60, seed=4)
    assert world.frame.height == 60
    assert world.truth.verdict == "motivated" and world.truth.large_sample_only


# --- config and files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCENARIOS)
def test_config_parses_and_names_existing_columns(tmp_path: Path, name: str) -> None:
    world = generate_world(name, 300, seed=8)
    data, config_path = write_world(world, tmp_path / "world")
    assert (data.name, config_path.name) == ("data.csv", "oppnaogon.toml")
    config = load_config(config_path)
    columns = set(world.frame.columns)
    assert set(config.columns.values()) <= columns
    assert config.values["sex"] == {"female": ("Flicka",), "male": ("Pojke",)}
    assert config.outcomes is not None and len(config.outcomes) == 1
    (outcome,) = config.outcomes
    assert (outcome.name, outcome.column, outcome.kind) == (
        world.truth.outcome,
        world.truth.column,
        world.truth.kind,
    )
    if name == "no_criteria_columns":
        assert config.criteria is None
    else:
        assert config.criteria is not None
        assert {h for hs in config.criteria.values() for h in hs} <= columns
        assert set(world.truth.explained_by) <= set(config.criteria)


def test_written_csv_is_a_swedish_export(tmp_path: Path) -> None:
    world = generate_world("explained_by_consent", 200, seed=2)
    data, _ = write_world(world, tmp_path)
    raw = data.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\r\n", 1)[0].decode("utf-8")
    assert header.split(";") == world.frame.columns
    back = pl.read_csv(data, separator=";", infer_schema=False)
    assert back.equals(world.frame)


@pytest.mark.parametrize("name", SCENARIOS)
def test_check_passes_on_a_written_world(tmp_path: Path, name: str) -> None:
    world = generate_world(name, 800, seed=11)
    data, config_path = write_world(world, tmp_path)
    result = runner.invoke(app, ["check", str(data), "--config", str(config_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == report["rows_usable"] == 800
    counts = dict(world.frame["Kön"].value_counts().iter_rows())
    assert report["by_sex"] == {"female": counts["Flicka"], "male": counts["Pojke"], "other": 0, "unknown": 0}
    assert [o["name"] for o in report["outcomes"]] == [world.truth.outcome]
    if name == "no_criteria_columns":
        assert report["criteria"] == {}
    else:
        assert set(world.truth.explained_by) <= set(report["criteria"])
        assert set(world.truth.stratify_on) <= {h for hs in report["criteria"].values() for h in hs}


# --- study worlds (bench/simulate_verdicts.py): a known remaining difference for every person ----------


@pytest.fixture(scope="module")
def study() -> dict[str, StudyWorld]:
    return {name: generate_study_world(name, LARGE, seed=2025) for name in STUDY_SCENARIOS}


def _within(frame: pl.DataFrame, outcome: str, rows: pl.Expr) -> float:
    """Female − male share of the outcome among `rows`."""
    shares = frame.filter(rows).group_by("Kön").agg((pl.col(outcome) == "Ja").mean().alias("s"))
    by_sex = dict(shares.iter_rows())
    return by_sex["Flicka"] - by_sex["Pojke"]


def test_study_world_is_deterministic_and_shaped_like_an_export() -> None:
    for name in STUDY_SCENARIOS:
        a = generate_study_world(name, 400, seed=9)
        b = generate_study_world(name, 400, seed=9)
        assert a.frame.equals(b.frame), name
        assert np.array_equal(a.remaining, b.remaining) and a.config_toml == b.config_toml
        assert a.frame.height == 400 and a.remaining.shape == (400,) and a.remaining_fine.shape == (400,)
        assert {"Födelseland", "Stadsdel"} <= set(a.frame.columns)
        assert all(dtype == pl.String for dtype in a.frame.schema.values())
    assert generate_study_world("partly_need_0", 0, seed=1).frame.height == 0
    with pytest.raises(ValueError, match="unknown study scenario 'nope'"):
        generate_study_world("nope", 10, seed=1)


@pytest.mark.parametrize(
    ("name", "remaining"),
    [("partly_need_0", 0.0), ("partly_need_2.5", 0.025), ("partly_need_5", 0.05), ("partly_need_10", 0.10)],
)
def test_partly_explained_world_leaves_the_planted_difference_at_equal_need(
    study: dict[str, StudyWorld], name: str, remaining: float
) -> None:
    world = study[name]
    assert np.all(world.remaining == remaining) and world.fully_explained == (remaining == 0.0)
    adjusted = _adjusted(world.frame, world.column, ["Risknivå", "Behov av stöd"])
    assert adjusted == pytest.approx(remaining, abs=TOLERANCE)
    # and need explains the planted 12 points on top of it
    assert _within(world.frame, world.column, pl.lit(True)) == pytest.approx(0.12 + remaining, abs=TOLERANCE)


def test_effect_modification_and_opposite_differences_sit_where_planted(study: dict[str, StudyWorld]) -> None:
    high = pl.col("Risknivå").is_in(["Förhöjd risk", "Hög risk"])
    world = study["modified_high_risk"]
    assert _adjusted(world.frame.filter(high), world.column, ["Risknivå", "Behov av stöd"]) == pytest.approx(
        0.12, abs=TOLERANCE
    )
    assert _adjusted(world.frame.filter(~high), world.column, ["Risknivå", "Behov av stöd"]) == pytest.approx(
        0.0, abs=TOLERANCE
    )
    assert set(np.unique(world.remaining)) == {0.0, 0.12}
    district = study["modified_district"]
    assert set(np.unique(district.remaining[district.frame["Stadsdel"].to_numpy() == "Söder"])) == {0.10}
    assert set(np.unique(district.remaining[district.frame["Stadsdel"].to_numpy() != "Söder"])) == {0.0}
    opposite = study["opposite_by_risk"]
    low = pl.col("Risknivå").is_in(["Inte känt", "Låg risk"]).fill_null(False)
    assert set(np.unique(opposite.remaining[opposite.frame.select(low).to_series().to_numpy()])) == {0.10}
    assert opposite.remaining.mean() == pytest.approx(0.0, abs=0.01)  # the average hides ±10 points


def test_missing_criteria_are_written_as_uppgift_saknas(study: dict[str, StudyWorld]) -> None:
    everything = study["missing_all"].frame
    for header in DECISION_CRITERIA:
        assert everything[header].drop_nulls().unique().to_list() == ["Uppgift saknas"], header
    need = study["missing_need"].frame
    share = (need["Risknivå"] == "Uppgift saknas").mean()
    assert share == pytest.approx(0.85, abs=0.01)
    assert (need["Samtycke"] == "Uppgift saknas").sum() == 0
    assert study["missing_need"].fully_explained and study["missing_all"].fully_explained


def test_unmet_interpreter_need_remains_at_equal_criteria_as_the_tool_uses_them(
    study: dict[str, StudyWorld],
) -> None:
    world = study["participation_unmet_need"]
    tolk = world.frame["Tolk använd"].to_numpy()
    not_given = (tolk != "Ja") & (tolk != None)  # noqa: E711 - element-wise
    # at the person's own value nothing differs; among all without an interpreter the sexes differ
    assert np.all(world.remaining_fine == 0.0)
    assert np.all(world.remaining[tolk == "Ja"] == 0.0)
    pooled = world.remaining[not_given]
    # the module docstring's +0.1277 among children without an interpreter, scaled by wish and guardians
    assert pooled.mean() == pytest.approx(0.1277, abs=0.005)
    # without an interpreter boys lack one in 0.2435 / 0.94 of the cases, girls in 0.02 / 0.94, and
    # lacking one takes the chance to a quarter: 0.75 · 0.2235 / 0.94 times wish · guardians
    per_rest = 0.75 * 0.2235 / 0.94
    expected = [per_rest * wish * guardians for wish in (0.15, 0.9) for guardians in (0.35, 1.0)]
    assert sorted(np.unique(pooled.round(9))) == pytest.approx(sorted(expected), rel=0.001)
    observed = _within(world.frame, world.column, pl.col("Tolk använd") != "Ja")
    assert observed == pytest.approx(pooled.mean(), abs=TOLERANCE)


def test_lacking_interpreter_world_plants_the_difference_among_those_lacking(
    study: dict[str, StudyWorld],
) -> None:
    world = study["participation_lacking_interpreter"]
    lacking = pl.col("Tolk använd") == NOT_MET
    assert _within(world.frame, world.column, lacking) == pytest.approx(-0.25, abs=0.05)
    assert _within(world.frame, world.column, pl.col("Tolk använd") == "Nej behövdes ej") == pytest.approx(
        0.0, abs=TOLERANCE
    )
    fine = world.remaining_fine[world.frame.select(lacking.fill_null(False)).to_series().to_numpy()]
    assert set(np.unique(fine)) == {-0.25}
    # pooled with "Nej behövdes ej" (the stratum the tool compares in): 9/94 of −25 points
    pooled = world.remaining[world.frame.select(lacking.fill_null(False)).to_series().to_numpy()]
    assert pooled[0] == pytest.approx(-0.25 * 0.09 / 0.94)


@pytest.mark.parametrize("name", ["partly_need_5", "participation_unmet_need", "missing_all"])
def test_study_world_config_parses_and_check_passes(tmp_path: Path, name: str) -> None:
    world = generate_study_world(name, 300, seed=4)
    data, config_path = write_world(world, tmp_path)
    config = load_config(config_path)
    assert config.columns["birth_country"] == "Födelseland" and config.columns["residence"] == "Stadsdel"
    result = runner.invoke(app, ["check", str(data), "--config", str(config_path), "--json"])
    assert result.exit_code == 0, result.output
