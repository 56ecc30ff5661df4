"""Criteria verdicts: the rules on hand-made comparisons, planted truth over several seeds, the roll-up
checked against a direct computation, and small data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from oppnaogon.analysis import verdicts
from oppnaogon.analysis.verdicts import VERDICTS, Adjusted, decide, explains
from oppnaogon.app.analyse import run_analysis
from oppnaogon.cli import app
from oppnaogon.disclosure import adjusted as adjusted_figures
from oppnaogon.engine import rollup
from oppnaogon.model.reasons import VERDICT_REASONS, published
from oppnaogon.model.settings import AnalysisSettings
from oppnaogon.stats.stratified import mantel_haenszel
from oppnaogon.testing.worlds import World, generate_world, write_world

from .conftest import ExampleRun

SETTINGS = AnalysisSettings()
SEEDS = (11, 12, 13)


def adjusted(
    estimate: float, low: float, high: float, p: float, known: float = 1.0, unmatched: int = 0
) -> Adjusted:
    return Adjusted(
        estimate=estimate,
        ci=(low, high),
        p_value=p,
        odds_ratio=float("nan"),
        or_ci=(float("nan"), float("nan")),
        heterogeneity_p=float("nan"),
        female_share=float("nan"),
        standardised_male_share=float("nan"),
        strata=4,
        persons_one_sex_only=unmatched,
        n_used=1000,
        known_share=known,
    )


# --- the rules ------------------------------------------------------------------------------------------


def test_explained_means_the_remainder_is_shown_smaller_than_min_diff() -> None:
    """An equivalence test: the whole 95 % interval (the one the report shows) inside ±5 points."""
    crude = 0.12
    assert explains(adjusted(0.01, -0.02, 0.04, 0.5), crude, SETTINGS)
    assert explains(adjusted(0.03, 0.015, 0.045, 0.01), crude, SETTINGS)  # clear, but shown under 5 points
    assert not explains(adjusted(0.03, 0.01, 0.05, 0.01), crude, SETTINGS)  # reaches 5 points
    assert not explains(adjusted(-0.02, -0.051, 0.01, 0.2), crude, SETTINGS)
    # low power never explains: a small estimate with a wide interval
    assert not explains(adjusted(0.02, -0.10, 0.14, 0.70), crude, SETTINGS)
    # the 122-row extract of the issue: +9.5 points (-6.0 to 25.0) at equal need was called motivated
    assert not explains(adjusted(0.095, -0.06, 0.25, 0.23), 0.291, SETTINGS)
    assert not explains(adjusted(0.0, -0.05, 0.05, 0.9, known=0.0), crude, SETTINGS)
    # too many persons without anyone of the other sex to be compared with
    assert not explains(adjusted(0.01, -0.02, 0.04, 0.5, unmatched=300), crude, SETTINGS)


NEED_ALONE = adjusted(0.015, -0.015, 0.045, 0.3)  # explains on its own
NEED_MOVES = adjusted(0.04, 0.00, 0.08, 0.05)  # changes the difference, does not explain it
CONSENT_MOVES = adjusted(0.06, 0.02, 0.10, 0.01)
EXPLAINED = adjusted(0.01, -0.02, 0.04, 0.5)


@pytest.mark.parametrize(
    ("crude", "noteworthy", "combined", "singles", "p_adjusted", "without", "has_criteria", "expected"),
    [
        (0.12, True, None, {}, None, None, False, ("not_assessable", [])),
        (0.02, False, None, {}, None, None, False, (None, [])),
        (0.12, True, None, {}, None, None, True, ("inconclusive", [])),
        (0.12, True, adjusted(0.10, 0.05, 0.15, 0.001), {}, 0.001, None, True, ("unmotivated", [])),
        # the same adjusted test, lost among the report's other adjusted tests (Benjamini–Hochberg)
        (0.12, True, adjusted(0.10, 0.05, 0.15, 0.001), {}, 0.2, None, True, ("inconclusive", [])),
        (0.12, True, adjusted(-0.09, -0.14, -0.04, 0.001), {}, 0.001, None, True, ("unmotivated", [])),
        (
            0.12,
            True,
            EXPLAINED,
            {"need": NEED_ALONE, "consent": adjusted(0.11, 0.06, 0.16, 0.001)},
            0.9,
            None,
            True,
            ("motivated", ["need"]),
        ),
        # none alone: listed are those without which it is not explained (here both)
        (
            0.12,
            True,
            EXPLAINED,
            {"need": NEED_MOVES, "consent": CONSENT_MOVES},
            0.9,
            {"need": CONSENT_MOVES, "consent": NEED_MOVES},
            True,
            ("motivated", ["need", "consent"]),
        ),
        # three criteria: without met_otherwise the other two still explain it, so it is not listed
        (
            0.12,
            True,
            EXPLAINED,
            {"need": NEED_MOVES, "consent": CONSENT_MOVES, "met_otherwise": adjusted(0.1, 0.05, 0.15, 0.01)},
            0.9,
            {"need": CONSENT_MOVES, "consent": NEED_MOVES, "met_otherwise": EXPLAINED},
            True,
            ("motivated", ["need", "consent"]),
        ),
        # consent alone changes nothing (its interval holds the crude difference): leaving it out tips a
        # borderline interval, but it is not credited
        (
            0.12,
            True,
            EXPLAINED,
            {"need": NEED_MOVES, "consent": adjusted(0.115, 0.08, 0.15, 0.001)},
            0.9,
            {"need": adjusted(0.115, 0.08, 0.15, 0.001), "consent": NEED_MOVES},
            True,
            ("motivated", ["need"]),
        ),
        (  # 300 of 1300 persons not compared
            0.12,
            True,
            adjusted(0.01, -0.02, 0.04, 0.7, unmatched=300),
            {"need": NEED_ALONE},
            0.9,
            None,
            True,
            ("inconclusive", []),
        ),
        # the 122-row extract: +29.1 points, +9.5 (-6.0 to 25.0) at equal need: partly explained by need
        (
            0.291,
            True,
            adjusted(0.095, -0.06, 0.25, 0.23),
            {"need": adjusted(0.095, -0.06, 0.25, 0.23)},
            0.23,
            None,
            True,
            ("partly_explained", ["need"]),
        ),
        (0.12, True, adjusted(0.03, 0.00, 0.06, 0.04), {}, 0.04, None, True, ("partly_explained", [])),
        (0.12, True, adjusted(0.03, 0.015, 0.045, 0.01), {}, 0.01, None, True, ("motivated", [])),
        (
            0.12,
            True,
            adjusted(0.03, -0.08, 0.14, 0.5),
            {},
            0.5,
            None,
            True,
            ("inconclusive", []),
        ),  # low power
        (0.02, False, adjusted(0.01, -0.04, 0.06, 0.7), {}, 0.7, None, True, (None, [])),
    ],
)
def test_decide(
    crude: float,
    noteworthy: bool,
    combined: Adjusted | None,
    singles: dict[str, Adjusted],
    p_adjusted: float | None,
    without: dict[str, Adjusted] | None,
    has_criteria: bool,
    expected: tuple[str | None, list[str]],
) -> None:
    verdict, explained_by, reason = decide(
        crude, noteworthy, combined, singles, SETTINGS, p_adjusted, has_criteria=has_criteria, without=without
    )
    assert (verdict, explained_by) == expected
    assert (reason is None) == (verdict is None)
    assert reason is None or reason in VERDICT_REASONS  # a code of the catalogue, not a sentence


def test_a_masked_difference_is_unmotivated_only_when_its_adjusted_test_survives_bh() -> None:
    hidden = adjusted(-0.09, -0.13, -0.05, 0.0001)
    assert decide(0.01, False, hidden, {}, SETTINGS, 0.001)[0] == "unmotivated"
    assert decide(0.01, False, hidden, {}, SETTINGS, 0.2)[0] is None
    assert decide(0.01, False, hidden, {}, SETTINGS)[0] is None


def test_a_difference_the_crude_test_just_missed_is_not_called_masked() -> None:
    """Adjusting changed little (9 -> 10 points): not revealed by comparing like with like."""
    similar = adjusted(0.10, 0.06, 0.14, 0.0001)
    assert decide(0.09, False, similar, {}, SETTINGS, p_adjusted=0.001)[0] is None
    revealed = adjusted(0.12, 0.08, 0.16, 0.0001)  # 9 -> 12 points: at least min_diff / 2 more
    assert decide(0.09, False, revealed, {}, SETTINGS, p_adjusted=0.001)[0] == "unmotivated"


# --- planted truth ----------------------------------------------------------------------------------------


def run_world(tmp_path: Path, scenario: str, n_rows: int, seed: int) -> tuple[dict, object]:
    world = generate_world(scenario, n_rows, seed)
    folder = tmp_path / f"{scenario}-{n_rows}-{seed}"
    data, config = write_world(world, folder)
    run = run_analysis(data, config, out=None)
    entry = next(d for d in run.findings["differences"] if d["id"] == world.truth.outcome)
    return entry, run


MOTIVATED = {
    "explained_by_need": "need",
    "explained_by_met_otherwise": "met_otherwise",
    "explained_by_consent": "consent",
    "participation_explained_by_wish": "wish_to_participate",
}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(MOTIVATED))
def test_planted_motivated_differences(tmp_path: Path, scenario: str) -> None:
    """Explained differences are called motivated, by the right criterion, in most worlds, and never
    unmotivated (the 5 % of worlds where the adjusted test is significant by chance end as inconclusive,
    because the remainder is small)."""
    verdicts = []
    for seed in SEEDS:
        entry, _ = run_world(tmp_path, scenario, 3000, seed)
        assert entry["noteworthy"]
        assert entry["verdict"] != "unmotivated", entry
        verdicts.append(entry["verdict"])
        if entry["verdict"] == "motivated":
            assert MOTIVATED[scenario] in entry["explained_by"]
            assert entry["reflect"] == (MOTIVATED[scenario] in {"consent", "wish_to_participate"})
    assert verdicts.count("motivated") >= 2, verdicts


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["unmotivated", "participation_interpreter_not_used"])
def test_planted_unmotivated_differences(
    tmp_path: Path, scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the remaining difference is checked on the full figures; published, those of a world with small
    # strata are rounded or withheld (`disclosure.adjusted.publication_form`, tests/test_adjusted_disclosure.py)
    monkeypatch.setattr(verdicts, "publication_form", lambda adj: "exact")
    for seed in SEEDS:
        entry, _ = run_world(tmp_path, scenario, 3000, seed)
        assert entry["verdict"] == "unmotivated", entry
        assert entry["explained_by"] == [] and not entry["reflect"]
        assert entry["adjusted"]["estimate"] >= SETTINGS.min_diff
        assert entry["criteria_missing"] == []


def test_an_interpreter_that_was_needed_but_not_used_is_a_finding_and_explains_nothing(
    tmp_path: Path,
) -> None:
    entry, run = run_world(tmp_path, "participation_interpreter_not_used", 3000, SEEDS[0])
    accessibility = next(c for c in entry["criteria"] if c["id"] == "accessibility")
    assert accessibility["available"] and not accessibility["explains"]
    [finding] = [a for a in run.findings["accommodation"] if a["column"] == "Tolk använd"]
    female, male = finding["by_sex"]
    assert finding["values"] == ["Nej men skulle ha behövts"]
    assert male["count"] > 5 * female["count"] > 0
    assert finding["difference"] < 0 and finding["p_value"] < 0.001


def test_without_criteria_columns_the_difference_is_not_assessable_and_says_what_is_needed(
    tmp_path: Path,
) -> None:
    entry, _ = run_world(tmp_path, "no_criteria_columns", 3000, SEEDS[0])
    assert entry["verdict"] == "not_assessable"
    assert entry["criteria_missing"] == ["need", "met_otherwise", "consent"]
    need = entry["criteria"][0]
    assert need["id"] == "need" and not need["available"]
    assert any("BBIC" in line for line in need["information_needed"])
    assert entry["adjusted"] is None


@pytest.mark.slow
def test_no_difference_gets_no_verdict(tmp_path: Path) -> None:
    for seed in SEEDS:
        entry, _ = run_world(tmp_path, "no_difference", 3000, seed)
        assert not entry["noteworthy"] and entry["verdict"] is None


def test_adjusted_estimates_of_a_breakdown_group_equal_a_direct_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The roll-up from one stratified table to every breakdown group, checked against filtering the
    rows of one group and calling mantel_haenszel on its own strata. The figures are compared at full
    precision (as published for a table without small counts): this group's table has small counts,
    so its figures are published rounded or not at all (`disclosure.adjusted.publication_form`)."""
    monkeypatch.setattr(verdicts, "publication_form", lambda adj: "exact")
    _, run = run_world(tmp_path, "explained_by_need", 3000, SEEDS[0])
    frame = run.prepared.frame
    need = [c for c in frame.columns if c.startswith("c:need:")]
    group = frame.filter((pl.col("age_band") == "13-17") & pl.col("sex").is_in(["female", "male"]))
    group = group.filter(pl.col("o:insats_beviljad").is_not_null())
    strata = (
        group.with_columns(pl.col(c).cast(pl.String).fill_null("?") for c in need)
        .group_by(need)
        .agg(
            x1=pl.col("o:insats_beviljad").filter(pl.col("sex") == "female").sum(),
            n1=(pl.col("sex") == "female").sum(),
            x0=pl.col("o:insats_beviljad").filter(pl.col("sex") == "male").sum(),
            n0=(pl.col("sex") == "male").sum(),
        )
    )
    direct = mantel_haenszel(
        np.zeros(strata.height, dtype=int), *(strata[c].to_numpy() for c in ("x1", "n1", "x0", "n0")), 1
    )
    entry = next(d for d in run.findings["differences"] if d["id"] == "insats_beviljad/age_band=13-17")
    published = next(c for c in entry["criteria"] if c["id"] == "need")
    assert published["adjusted_estimate"] == pytest.approx(direct.risk_difference[0], abs=5e-5)
    assert published["ci"][0] == pytest.approx(direct.rd_ci_low[0], abs=5e-5)
    assert published["p_value"] == pytest.approx(direct.cmh_p_value[0], rel=1e-4, abs=1e-6)


# --- small data, from the command line --------------------------------------------------------------------


@pytest.mark.slow
def test_forty_children_run_with_verdicts_that_never_overclaim(tmp_path: Path) -> None:
    world = generate_world("explained_by_need", 40, 5)
    data, config = write_world(world, tmp_path / "in")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyse", str(data), "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    for d in findings["differences"]:
        assert d["verdict"] in (None, *VERDICTS)
        assert d["verdict"] not in ("motivated", "unmotivated"), d
        if d["suppressed"]:
            assert d["adjusted"] is None and d["criteria"] is None
    quality_hidden = {(q["column"], q["sex"]) for q in findings["data_quality"] if q["suppressed"]}
    for a in findings["accommodation"]:
        for s in a["by_sex"]:
            assert s["count"] is None or 5 <= s["count"] <= s["n"] - 5
            # answered = rows − missing, so it is hidden wherever the data-quality table hides a count
            if (a["column"], s["sex"]) in quality_hidden:
                assert s["n"] is None and s["share"] is None


@pytest.mark.slow
def test_the_terminal_summary_shows_verdicts_reflection_and_accommodation(tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "250"})
    world = generate_world("participation_interpreter_not_used", 3000, SEEDS[0])
    data, config = write_world(world, tmp_path / "interpreter")
    result = runner.invoke(app, ["analyse", str(data), "--config", str(config), "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "Bedömning" in result.output and "omotiverad" in result.output
    assert "Tillgänglighet: 'Tolk använd' = Nej men skulle ha behövts" in result.output
    world = generate_world("explained_by_consent", 3000, SEEDS[0])
    data, config = write_world(world, tmp_path / "consent")
    result = runner.invoke(app, ["analyse", str(data), "--config", str(config), "--out", str(tmp_path / "b")])
    assert "motiverad (samtycke/inställning) *" in result.output
    assert "förtjänar ändå reflektion" in result.output


@pytest.mark.slow
def test_the_summary_warns_when_the_comparison_over_all_criteria_leaves_many_out(
    example_run: ExampleRun,
) -> None:
    """The example's 12 criteria columns make fine strata: in some groups over 30 % of the persons have
    nobody of the other sex with the same values, and the summary says so."""
    result = example_run
    assert result.exit_code == 0, result.output
    assert "saknade fler än 30 % av personerna någon av andra könet" in result.output
    findings = result.findings()
    thin = [
        d
        for d in findings["differences"]
        if d["verdict"]
        and d["adjusted"]
        and d["adjusted"]["persons_in_one_sex_strata"]
        > 0.3 * (d["adjusted"]["persons_compared"] + d["adjusted"]["persons_in_one_sex_strata"])
    ]
    assert f"i {len(thin)} av bedömningarna" in result.output


def _coded_rows(
    max_columns: int, *extra: st.SearchStrategy[int]
) -> st.SearchStrategy[tuple[list[int], list[tuple[int, ...]]]]:
    """Widths (bits, up to 40) of up to `max_columns` code columns, and rows of codes that fit them,
    each followed by a value of every `extra` strategy."""
    return st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=max_columns).flatmap(
        lambda widths: st.tuples(
            st.just(widths),
            st.lists(
                st.tuples(*[st.integers(min_value=0, max_value=(1 << w) - 1) for w in widths], *extra),
                min_size=1,
                max_size=30,
            ),
        )
    )


@pytest.mark.slow
@given(_coded_rows(8))
@settings(max_examples=150, deadline=None)
def test_packed_stratum_codes_group_exactly_as_the_codes(
    case: tuple[list[int], list[tuple[int, ...]]],
) -> None:
    """Codes packed into 63-bit words: equal words exactly when the codes are equal, and every code is
    found again at its place in its word."""
    from oppnaogon.analysis.verdicts import pack

    widths, rows = case
    frame = pl.DataFrame(rows, schema={f"c{i}": pl.UInt64 for i in range(len(widths))}, orient="row")
    words, layout = pack([(pl.col(f"c{i}"), w) for i, w in enumerate(widths)], "__w")
    if not words:  # codes of no bits are all 0: one stratum, nothing to group by
        assert set(frame.iter_rows()) == {(0,) * len(widths)}
        return
    packed = frame.select(words)
    assert len(set(packed.iter_rows())) == len(set(frame.iter_rows()))
    for i, (place, width) in enumerate(zip(layout, widths, strict=True)):
        if place is None:
            assert width == 0 and frame[f"c{i}"].max() == 0
            continue
        word, shift = place
        found = packed.select((pl.col(f"__w{word}") // (1 << shift)) % (1 << width)).to_series()
        assert found.to_list() == frame[f"c{i}"].to_list()


@pytest.mark.slow
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", None]),
            st.sampled_from(["x", "y", "z"]),
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=0, max_value=5),
        ),
        min_size=1,
        max_size=40,
    )
)
@settings(max_examples=80, deadline=None)
def test_breakdowns_rolled_up_from_each_other_sum_as_from_the_rows(
    rows: list[tuple[str | None, str, int, int]],
) -> None:
    """Each breakdown's sums per stratum, taken from the smallest table already summed, are exactly
    those summed straight from the rows (missing groups included)."""
    from oppnaogon.analysis.verdicts import roll_ups, summed

    frame = pl.DataFrame(rows, schema=["d1", "d2", "s", "v"], orient="row")
    breakdowns = [(), ("d1",), ("d2",), ("d1", "d2")]
    threshold = rollup.ROLL_UP_FROM_ROWS
    rollup.ROLL_UP_FROM_ROWS = 0  # every table rolled up from the smallest (tables this small are not)
    try:
        rolled = roll_ups(frame, ("d1", "d2"), breakdowns, ["s"], ["v"])
    finally:
        rollup.ROLL_UP_FROM_ROWS = threshold
    for b in breakdowns:
        direct = summed(frame.lazy(), b, ["s"], ["v"]).collect()
        got = rolled[b].collect()
        keys = [*b, "s"]
        assert got.sort(keys, nulls_last=True).equals(direct.sort(keys, nulls_last=True)), b


@pytest.mark.parametrize("blank", ["missing", "answered"])
def test_a_not_explaining_column_counts_as_recorded_only_where_it_was_answered(
    tmp_path: Path, blank: str
) -> None:
    """An interpreter column enters the strata as two levels (given or not), so an answer "not needed"
    and a missing value share a stratum; whether the criterion was recorded still tells them apart:
    with three rows in four unanswered it is listed as missing, answered "not needed" it is not."""
    world = generate_world("participation_interpreter_not_used", 3000, SEEDS[0])
    data, config = write_world(world, tmp_path / "world")
    frame = pl.read_csv(data, separator=";", infer_schema=False)
    column = pl.col("Tolk använd")
    unanswered = (pl.int_range(pl.len()) % 4 != 0) & (column != "Ja")
    value = pl.lit(None, dtype=pl.String) if blank == "missing" else pl.lit("Nej behövdes ej")
    frame.with_columns(pl.when(unanswered).then(value).otherwise(column).alias("Tolk använd")).write_csv(
        data, separator=";"
    )
    run = run_analysis(data, config, out=None)
    entry = next(d for d in run.findings["differences"] if d["id"] == world.truth.outcome)
    assert ("accessibility" in entry["criteria_missing"]) == (blank == "missing")


@pytest.mark.slow
@given(_coded_rows(5, st.integers(min_value=0, max_value=9)))
@settings(max_examples=120, deadline=None)
def test_sums_grouped_on_packed_codes_are_the_sums_grouped_on_the_codes(
    case: tuple[list[int], list[tuple[int, ...]]],
) -> None:
    """Code columns packed into words for the group-by (any widths: none, some of 0 bits, more than one
    word) give the same groups, codes and sums as grouping on the columns themselves."""
    from oppnaogon.analysis.verdicts import summed

    widths, rows = case
    names = [f"c{i}" for i in range(len(widths))]
    frame = pl.DataFrame(rows, schema={**dict.fromkeys(names, pl.UInt64), "v": pl.Int64}, orient="row")
    breakdown, keys = names[:1], names[1:]
    packed = summed(frame.lazy(), breakdown, keys, ["v"], dict(zip(names, widths, strict=True))).collect()
    plain = summed(frame.lazy(), breakdown, keys, ["v"]).collect()
    assert packed.columns == plain.columns
    assert packed.sort(names).equals(plain.sort(names))


# Granted and refused per sex and risk level. High risk: girls 90 %, boys 70 %; low: girls 10 %, boys
# 30 %: most girls are high risk, so the crude difference is +36 points, the adjusted average 0, and at
# each level the sexes differ by 20 points in opposite directions.
OPPOSITE_BY_RISK = {
    ("Flicka", "Hög"): (720, 80),
    ("Pojke", "Hög"): (140, 60),
    ("Flicka", "Låg"): (20, 180),
    ("Pojke", "Låg"): (240, 560),
}
# +40 points at high risk, +2 at low: a difference that remains, larger at one level.
LARGER_AT_HIGH_RISK = {
    ("Flicka", "Hög"): (360, 40),
    ("Pojke", "Hög"): (200, 200),
    ("Flicka", "Låg"): (120, 280),
    ("Pojke", "Låg"): (112, 288),
}


def _risk_extract(
    folder: Path, strata: dict[tuple[str, str], tuple[int, int]], risk_column: str, others: bool = True
) -> Path:
    """An extract of girls and boys per risk level: `strata[(sex, risk)]` = (granted, refused). With
    `others`, the other decision criteria are recorded too, the same for everyone (no need met otherwise,
    consent given), so that a difference that remains can be called unmotivated."""
    extra = ",Bör tillgodoses av annan verksamhet,Samtycke" if others else ""
    same = ",Nej,Ja" if others else ""
    lines = [f"Kön,Ålder,{risk_column},Insats beviljad{extra}"]
    for (sex, risk), (granted, refused) in strata.items():
        lines += [f"{sex},{10 + i % 7},{risk},Ja{same}" for i in range(granted)]
        lines += [f"{sex},{10 + i % 7},{risk},Nej{same}" for i in range(refused)]
    criteria = (
        'met_otherwise = ["Bör tillgodoses av annan verksamhet"]\nconsent = ["Samtycke"]\n' if others else ""
    )
    (folder / "oppnaogon.toml").write_text(
        'area = "barn_och_unga"\n[columns]\nsex = "Kön"\nage = "Ålder"\n'
        '[values.sex]\nfemale = ["Flicka"]\nmale = ["Pojke"]\n'
        '[outcomes.insats_beviljad]\ncolumn = "Insats beviljad"\nkind = "decision"\npositive = ["Ja"]\n'
        f'[criteria]\nneed = ["{risk_column}"]\n{criteria}',
        encoding="utf-8",
    )
    data = folder / "uttag.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


@pytest.mark.slow
def test_the_122_row_extract_of_the_issue_is_partly_explained_never_motivated(tmp_path: Path) -> None:
    """Girls +29.1 points; at equal risk still +9.5 (-6.0 to 25.0): need explains part, not all. The old
    rule called it motivated by need, as it did in 60 % of such worlds with 10 points remaining."""
    strata = {
        ("Flicka", "Hög"): (26, 6),
        ("Pojke", "Hög"): (14, 6),
        ("Flicka", "Låg"): (4, 16),
        ("Pojke", "Låg"): (6, 44),
    }
    data = _risk_extract(tmp_path, strata, "Risknivå")
    result = CliRunner(env={"COLUMNS": "250"}).invoke(
        app,
        ["analyse", str(data), "--config", str(tmp_path / "oppnaogon.toml"), "--out", str(tmp_path / "r")],
    )
    assert result.exit_code == 0, result.output
    findings = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    whole = next(d for d in findings["differences"] if not d["breakdown"])
    assert whole["estimate"] == pytest.approx(0.2912, abs=1e-4) and whole["noteworthy"]
    assert whole["verdict"] == "partly_explained" and whole["explained_by"] == ["need"]
    assert "delvis förklarad" in result.output
    assert not [d for d in findings["differences"] if d["verdict"] == "motivated"]
    html = (tmp_path / "r" / "rapport.html").read_text(encoding="utf-8")
    assert "Bedömning: delvis förklarad" in html


def test_criteria_that_are_all_uppgift_saknas_are_not_assessable_with_the_information_needed(
    tmp_path: Path,
) -> None:
    """The columns exist but hold no data: not 'too few with the same values' (inconclusive), but
    not assessable, listing what is needed."""
    strata = {
        ("Flicka", "Uppgift saknas"): (60, 20),
        ("Pojke", "Uppgift saknas"): (30, 50),
    }
    data = _risk_extract(tmp_path, strata, "Risknivå", others=False)
    findings = run_analysis(data, tmp_path / "oppnaogon.toml", out=None).findings
    judged = [d for d in findings["differences"] if d["noteworthy"]]
    assert judged and all(d["verdict"] == "not_assessable" for d in judged)
    whole = next(d for d in judged if not d["breakdown"])
    assert whole["criteria_missing"] == ["need", "met_otherwise", "consent"]
    need = whole["criteria"][0]
    assert need["id"] == "need" and any("BBIC" in line for line in need["information_needed"])


@pytest.mark.slow
def test_a_difference_explained_only_on_average_is_not_motivated(tmp_path: Path) -> None:
    """High risk: girls 90 % granted, boys 70 %; low risk: girls 10 %, boys 30 %. Most girls are high risk,
    so the crude difference is +36 points and the adjusted average is 0 (within ±5, CI about ±4): under
    the interval rule alone that is motivated by need, though at each level of need the sexes differ by
    20 points, in opposite directions. Breslow–Day sees it; the verdict is inconclusive, and says why."""
    data = _risk_extract(tmp_path, OPPOSITE_BY_RISK, "Risknivå")
    findings = run_analysis(data, tmp_path / "oppnaogon.toml", out=None).findings
    whole = next(d for d in findings["differences"] if not d["breakdown"])
    assert whole["estimate"] == pytest.approx(0.36, abs=1e-9) and whole["noteworthy"]
    adjusted = whole["adjusted"]
    assert abs(adjusted["estimate"]) < 0.005 and adjusted["ci"][0] > -0.05 and adjusted["ci"][1] < 0.05
    assert adjusted["heterogeneous"] and adjusted["heterogeneity_p"] < 0.001
    assert whole["verdict"] == "inconclusive" and whole["verdict_reason"] == published(
        "explained_on_average_only"
    )
    # without the rule the same extract is called motivated by need
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verdicts, "_differs_between_strata", lambda *_: False)
        again = run_analysis(data, tmp_path / "oppnaogon.toml", out=None).findings
    assert next(d for d in again["differences"] if not d["breakdown"])["verdict"] == "motivated"
    run_analysis(data, tmp_path / "oppnaogon.toml", out=tmp_path / "r")
    html = (tmp_path / "r" / "rapport.html").read_text(encoding="utf-8")
    assert "förklaras i genomsnitt, men skillnaden är inte densamma på alla nivåer" in html


@pytest.mark.slow
def test_an_unmotivated_difference_that_differs_between_strata_is_called_an_average(tmp_path: Path) -> None:
    """+40 points at high risk, +2 at low: unmotivated, and the report says the adjusted figure is an
    average that does not hold at every level."""
    data = _risk_extract(tmp_path, LARGER_AT_HIGH_RISK, "Risknivå")
    findings = run_analysis(data, tmp_path / "oppnaogon.toml", out=tmp_path / "r").findings
    whole = next(d for d in findings["differences"] if not d["breakdown"])
    assert whole["verdict"] == "unmotivated" and whole["adjusted"]["heterogeneous"]
    html = (tmp_path / "r" / "rapport.html").read_text(encoding="utf-8")
    assert (
        "Det justerade talet är ett genomsnitt: skillnaden mellan flickor och pojkar är inte densamma" in html
    )


@pytest.mark.slow
def test_strata_that_differ_are_seen_by_one_criterion_alone_when_all_together_are_too_sparse(
    tmp_path: Path,
) -> None:
    """The extract above, with need met otherwise for 3 girls: the table of all criteria together now
    has counts below min_cell, where Breslow–Day is not used, but need alone still has four large strata,
    where it is valid and sees the opposite differences; the average is not called motivated."""
    data = _risk_extract(tmp_path, OPPOSITE_BY_RISK, "Risknivå")
    lines = data.read_text(encoding="utf-8").splitlines()
    # three high-risk girls granted whose need is to be met by another service
    lines[1:4] = [line.replace(",Nej,Ja", ",Ja,Ja") for line in lines[1:4]]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    findings = run_analysis(data, tmp_path / "oppnaogon.toml", out=None).findings
    whole = next(d for d in findings["differences"] if not d["breakdown"])
    assert whole["adjusted"]["figures"] != "exact"  # the combined table is sparse
    assert whole["verdict"] == "inconclusive" and whole["verdict_reason"] == published(
        "explained_on_average_only"
    )
    assert whole["heterogeneous_in"] == ["Risknivå"]  # named: where to look
    # with the combined test alone (the rule before), the average was called motivated
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            verdicts,
            "_heterogeneous_in",
            lambda combined, levels, crude, settings: (
                [] if verdicts._differs_between_strata(combined, settings) else None
            ),
        )
        again = run_analysis(data, tmp_path / "oppnaogon.toml", out=None).findings
    assert next(d for d in again["differences"] if not d["breakdown"])["verdict"] == "motivated"


def test_a_difference_that_remains_is_not_unmotivated_while_a_criterion_is_unrecorded(tmp_path: Path) -> None:
    """+40 points at high risk, +2 at low, as above, but only need recorded: whether the need was met in
    another way, or consent lacking, could explain what remains, so the verdict cannot be unmotivated."""
    data = _risk_extract(tmp_path, LARGER_AT_HIGH_RISK, "Risknivå", others=False)
    findings = run_analysis(data, tmp_path / "oppnaogon.toml", out=None).findings
    whole = next(d for d in findings["differences"] if not d["breakdown"])
    assert whole["verdict"] == "inconclusive"
    assert whole["verdict_reason"] == published("remains_criterion_unrecorded")
    assert whole["criteria_missing"] == ["met_otherwise", "consent"]
    assert not any(d["verdict"] == "unmotivated" for d in findings["differences"])


def _lacking_interpreter_world(n_rows: int, seed: int) -> World:
    """Participation differs only among the children who needed an interpreter and did not get one
    (girls 16 %, boys 46 % took part); elsewhere 70 % of both. The interpreter was lacking as often for
    girls as for boys (12 %), so the criteria explain nothing."""
    world = generate_world("participation_interpreter_not_used", n_rows, seed)
    rng = np.random.default_rng([seed, 15])  # not the world's own stream, which drew the sexes
    girl = (world.frame["Kön"] == "Flicka").to_numpy()
    lacking = rng.random(n_rows) < 0.12
    interpreter = np.where(
        lacking, "Nej men skulle ha behövts", np.where(rng.random(n_rows) < 0.1, "Ja", "Nej behövdes ej")
    )
    share = np.where(lacking, np.where(girl, 0.16, 0.46), 0.70)
    took_part = np.where(rng.random(n_rows) < share, "Ja", "Nej")
    frame = world.frame.with_columns(
        pl.Series("Tolk använd", interpreter), pl.Series("Barnet delaktigt", took_part)
    )
    return World(frame=frame, config_toml=world.config_toml, truth=world.truth)


@pytest.mark.slow
def test_a_difference_only_among_those_lacking_an_interpreter_is_found_located_and_unmotivated(
    tmp_path: Path,
) -> None:
    data, config = write_world(_lacking_interpreter_world(3000, 7), tmp_path / "in")
    runner = CliRunner(env={"COLUMNS": "250"})
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyse", str(data), "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    by_id = {d["id"]: d for d in findings["differences"]}
    located = by_id["barnet_delaktigt/accommodation:accessibility:Tolk använd=lacking"]
    assert located["breakdown"] == {"accommodation:accessibility:Tolk använd": "lacking"}
    assert located["noteworthy"] and located["verdict"] == "unmotivated", located
    assert located["estimate"] < -0.2
    # the adjusted figures of a group with small strata may be published rounded or withheld
    assert located["adjusted"]["estimate"] is None or located["adjusted"]["estimate"] < -0.2
    # the rest of the group is shown in step 1, not tested a second time
    assert not any(i.endswith("=not_lacking") or "Tolk använd=unknown" in i for i in by_id)
    # the summary names the place, in the terminal and the report
    assert "'Tolk använd': behövdes men gavs inte" in result.output
    html = (out / "rapport.html").read_text(encoding="utf-8")
    assert (
        "&#39;Tolk använd&#39;: behövdes men gavs inte" in html
        or "'Tolk använd': behövdes men gavs inte" in html
    )
    # the accessibility finding counts the same persons as the breakdown's published cells
    [finding] = findings["accommodation"]
    cells = {
        (d["sex"], d["breakdown"]["accommodation:accessibility:Tolk använd"]): d["n"]
        for d in findings["descriptives"]
        if d["outcome"] == "barnet_delaktigt"
        and list(d["breakdown"]) == ["accommodation:accessibility:Tolk använd"]
    }
    for per_sex in finding["by_sex"]:
        assert per_sex["count"] == cells[(per_sex["sex"], "lacking")]
        assert per_sex["n"] == cells[(per_sex["sex"], "lacking")] + cells[(per_sex["sex"], "not_lacking")]


def test_a_rounded_p_value_is_never_published_as_zero() -> None:
    # one decimal: 0.03 would read 0.0, which says p = 0; published as the bound "below 0.05"
    assert adjusted_figures.published_figure(0.03, "rounded", "p") == adjusted_figures.ROUNDED_P_BELOW == 0.05
    assert adjusted_figures.published_figure(1e-12, "rounded", "p") == 0.05
    assert adjusted_figures.published_figure(0.07, "rounded", "p") == 0.1
    assert adjusted_figures.published_figure(0.5, "rounded", "p") == 0.5
    assert adjusted_figures.published_figure(1e-12, "exact", "p") == 1e-12
    assert adjusted_figures.published_figure(0.03, "withheld", "p") is None


@pytest.mark.slow
def test_a_criterion_of_several_columns_is_tested_for_differing_strata_column_by_column(
    tmp_path: Path,
) -> None:
    """The on-average extract with need in two columns, the second one spread over ten values that
    have nothing to do with the outcome: need's strata are then small (Breslow–Day not used), but the
    risk level alone has four large strata and shows the opposite differences; the report says where."""
    data = _risk_extract(tmp_path, OPPOSITE_BY_RISK, "Risknivå")
    lines = data.read_text(encoding="utf-8").splitlines()
    lines = [f"{line},{'Utsatthet' if i == 0 else f'Nivå {i % 10}'}" for i, line in enumerate(lines)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "oppnaogon.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('need = ["Risknivå"]', 'need = ["Risknivå", "Utsatthet"]'),
        encoding="utf-8",
    )
    findings = run_analysis(data, config, out=tmp_path / "r").findings
    whole = next(d for d in findings["differences"] if not d["breakdown"])
    assert whole["verdict"] == "inconclusive" and whole["verdict_reason"] == published(
        "explained_on_average_only"
    )
    assert whole["heterogeneous_in"] == ["Risknivå"]
    html = (tmp_path / "r" / "rapport.html").read_text(encoding="utf-8")
    assert "Skillnaden mellan könen är olika på olika nivåer av &#39;Risknivå&#39;" in html


def _level_entries(findings: dict[str, Any], column: str = "Risknivå") -> dict[str, dict[str, Any]]:
    """The differences of the breakdown by the levels of a criteria column, by level."""
    return {
        d["breakdown"][dim]: d
        for d in findings["differences"]
        for dim in d["breakdown"]
        if dim.startswith(verdicts.LEVEL_PREFIX) and dim.endswith(":" + column)
    }


@pytest.mark.slow
def test_a_difference_that_varies_between_levels_is_located_at_each_level(tmp_path: Path) -> None:
    """+20 points at high risk, −20 at low, 0 on average: the whole group is not called motivated, and
    each level of the risk column becomes a group of its own, compared, judged and named in the report
    (point 2: "within each level of a criterion when the stratified differences differ clearly")."""
    data = _risk_extract(tmp_path, OPPOSITE_BY_RISK, "Risknivå")
    findings = run_analysis(data, tmp_path / "oppnaogon.toml", out=tmp_path / "r").findings
    whole = next(d for d in findings["differences"] if not d["breakdown"])
    levels = _level_entries(findings)
    assert set(levels) == {"Hög", "Låg"}
    assert levels["Hög"]["estimate"] == pytest.approx(0.2, abs=1e-9)
    assert levels["Låg"]["estimate"] == pytest.approx(-0.2, abs=1e-9)
    # within a level, need is equal: what remains is not explained by it, and the rest is recorded
    assert all(d["noteworthy"] and d["verdict"] == "unmotivated" for d in levels.values())
    assert whole["level_differences"] == [levels["Hög"]["id"], levels["Låg"]["id"]]
    assert ["level:need:Risknivå"] in [list(b) for b in findings["breakdowns"]]
    html = (tmp_path / "r" / "rapport.html").read_text(encoding="utf-8")
    assert (
        "Så här ser det ut på varje nivå: &#39;Risknivå&#39;: Hög: 20,0 procentenheter högre andel för "
        "flickor (omotiverad); &#39;Risknivå&#39;: Låg: 20,0 procentenheter högre andel för pojkar" in html
    )


def test_no_level_breakdown_where_the_difference_is_the_same_at_every_level(tmp_path: Path) -> None:
    """Girls mostly high risk, and at each level granted as often as boys: motivated by need, one
    difference at every level; no breakdown by the risk levels is added (nor its tests to the family)."""
    same = {
        ("Flicka", "Hög"): (720, 80),
        ("Pojke", "Hög"): (180, 20),
        ("Flicka", "Låg"): (20, 180),
        ("Pojke", "Låg"): (80, 720),
    }
    data = _risk_extract(tmp_path, same, "Risknivå")
    findings = run_analysis(data, tmp_path / "oppnaogon.toml", out=None).findings
    whole = next(d for d in findings["differences"] if not d["breakdown"])
    assert whole["verdict"] == "motivated" and whole["level_differences"] == []
    assert not _level_entries(findings)


@pytest.mark.slow
def test_a_rare_level_is_pooled_and_never_named(tmp_path: Path) -> None:
    """Three girls at a level 'Medel' that no one else has, their decision not recorded (so the risk
    column's own table, where Breslow–Day is asked, has no small counts): the level's name is not
    published (it would tell that three girls are assessed so); they join the pooled group 'övriga',
    whose figures the disclosure control hides like any small group's. (Two more decisions are missing at
    high risk, so that the five missing ones may be counted in the whole group.)"""
    data = _risk_extract(tmp_path, OPPOSITE_BY_RISK, "Risknivå")
    with data.open("a", encoding="utf-8") as rows:
        rows.write("Flicka,12,Medel,,Nej,Ja\n" * 3)
        rows.write("Flicka,12,Hög,,Nej,Ja\n" * 2)  # five decisions missing: a count that may be published
    findings = run_analysis(data, tmp_path / "oppnaogon.toml", out=tmp_path / "r").findings
    dimension = "level:need:Risknivå"
    groups = {d["breakdown"][dimension] for d in findings["descriptives"] if dimension in d["breakdown"]}
    assert groups == {"Hög", "Låg", "övriga"}
    assert set(_level_entries(findings)) == {"Hög", "Låg", "övriga"}
    pooled = _level_entries(findings)["övriga"]
    assert pooled["estimate"] is None and not pooled["noteworthy"]
    for name in ("findings.json", "rapport.html"):
        assert "Medel" not in (tmp_path / "r" / name).read_text(encoding="utf-8")


@pytest.mark.slow
def test_each_unit_of_a_batch_gets_the_level_breakdown_only_where_its_own_difference_varies(
    tmp_path: Path,
) -> None:
    """Two municipalities in one batch: in the first the difference goes opposite ways at the two risk
    levels, in the second it is the same at both. Only the first report is broken down by risk level."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    _risk_extract(first, OPPOSITE_BY_RISK, "Risknivå")
    same = {key: (value[0], value[1]) for key, value in OPPOSITE_BY_RISK.items()}
    same[("Pojke", "Hög")], same[("Pojke", "Låg")] = (180, 20), (80, 720)
    _risk_extract(second, same, "Risknivå")
    folder = tmp_path / "kommuner"
    folder.mkdir()
    (first / "uttag.csv").rename(folder / "Ankeby.csv")
    (second / "uttag.csv").rename(folder / "Bjurfors.csv")
    out = tmp_path / "ut"
    result = CliRunner().invoke(
        app,
        [
            "batch",
            str(folder),
            "--config",
            str(first / "oppnaogon.toml"),
            "--out",
            str(out),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    reports = {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/findings.json")}
    assert set(_level_entries(reports["ankeby"])) == {"Hög", "Låg"}
    assert not _level_entries(reports["bjurfors"])


def test_a_remaining_difference_that_goes_both_ways_is_located_at_each_level(tmp_path: Path) -> None:
    """+25 points at high risk, −25 at low, about −8 on average at equal risk: unmotivated, and need does
    not explain it, yet the other criteria are the same for everyone, so the risk column's strata are
    the combined comparison's and its levels are where the difference varies: they are shown. (Before,
    only a column that explains the difference was asked, and the report said 'look where it lies'
    without showing where.)"""
    strata = {
        ("Flicka", "Hög"): (340, 60),
        ("Pojke", "Hög"): (60, 40),
        ("Flicka", "Låg"): (30, 170),
        ("Pojke", "Låg"): (280, 420),
    }
    data = _risk_extract(tmp_path, strata, "Risknivå")
    findings = run_analysis(data, tmp_path / "oppnaogon.toml", out=None).findings
    whole = next(d for d in findings["differences"] if not d["breakdown"])
    assert whole["verdict"] == "unmotivated" and whole["adjusted"]["estimate"] < -0.05
    assert whole["heterogeneous_in"] == ["Risknivå"]
    levels = _level_entries(findings)
    assert levels["Hög"]["estimate"] == pytest.approx(0.25, abs=1e-9)
    assert levels["Låg"]["estimate"] == pytest.approx(-0.25, abs=1e-9)
    assert whole["level_differences"] == [levels["Hög"]["id"], levels["Låg"]["id"]]
