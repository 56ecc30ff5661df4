"""Adjusted statistics against a reader who rebuilds the stratum table (issue 14, point 8).

The attacker knows what findings.json publishes of one difference: the group's persons and granted by
sex (descriptives) and the adjusted figures at their published precision, and that the criterion has
two levels. It enumerates every integer table of two strata (girls granted/not, boys granted/not per
stratum) with those crude counts, computes the figures of each with the tool's own Mantel–Haenszel
code and keeps the tables that publish the same. A cell whose true value is in 1..min_cell − 1 is
*pinned* when the kept tables leave it less than min_cell wide or only values in 1..min_cell − 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from oppnaogon.analysis import verdicts
from oppnaogon.cli import app
from oppnaogon.disclosure.adjusted import published_count, published_known_share, published_part
from oppnaogon.model.comparison import Adjusted
from oppnaogon.stats.stratified import mantel_haenszel

MIN_CELL = 5
# (sex, risk level, granted, not granted): the 122-row case of the issue, with a low-risk cell of 4
CASE_122 = [("Flicka", "Hög risk", 26, 6), ("Pojke", "Hög risk", 14, 6), ("Flicka", "Låg risk", 4, 16)]
CASE_122 += [("Pojke", "Låg risk", 6, 44)]
CELLS = ("girls_yes_high", "girls_no_high", "boys_yes_high", "boys_no_high")


def extract(cells: list[tuple[str, str, int, int]], missing: tuple[int, int] = (0, 0)) -> list[str]:
    """Rows of an extract: per (sex, level) so many granted and not; `missing` girls granted and boys
    not granted without a risk level."""
    rows = ["Kön;Risknivå;Insats beviljad"]
    for sex, level, yes, no in cells:
        rows += [f"{sex};{level};Ja"] * yes + [f"{sex};{level};Nej"] * no
    rows += ["Flicka;;Ja"] * missing[0] + ["Pojke;;Nej"] * missing[1]
    return rows


def published(tmp_path: Path, rows: list[str]) -> dict[str, Any]:
    data = tmp_path / "uttag.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "ut"
    result = CliRunner().invoke(app, ["analyse", str(data), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def crude(findings: dict[str, Any]) -> tuple[int, int, int, int]:
    """Girls granted, girls, boys granted, boys: as the descriptives publish them."""
    by_sex = {d["sex"]: d for d in findings["descriptives"] if not d["breakdown"]}
    f, m = by_sex["female"], by_sex["male"]
    return round(f["value"] * f["n"]), f["n"], round(m["value"] * m["n"]), m["n"]


def candidates(x1: int, n1: int, x0: int, n0: int) -> np.ndarray:
    """Every table of two strata with these crude counts, as rows (girls yes, girls no, boys yes, boys
    no) of the first stratum; the second is the rest."""
    grid = np.meshgrid(
        np.arange(x1 + 1), np.arange(n1 - x1 + 1), np.arange(x0 + 1), np.arange(n0 - x0 + 1), indexing="ij"
    )
    return np.stack([g.ravel() for g in grid], axis=1)


KIND = {"odds_ratio": "odds_ratio", "odds_ratio_ci": "odds_ratio", "p_value": "p", "heterogeneity_p": "p"}


def matches(value: np.ndarray, shown: float | None, name: str, form: str) -> np.ndarray:
    """Whether each candidate's figure `name` is published as `shown` in the publication `form`."""
    if shown is None:
        return np.ones(value.shape, dtype=bool)
    digits = verdicts.FIGURE_DIGITS[form][KIND.get(name, "difference")]
    with np.errstate(invalid="ignore"):
        return np.abs(value - shown) <= 0.5 * 10.0**-digits + 1e-9


def attack(findings: dict[str, Any]) -> dict[str, set[int]]:
    """The values each cell of the first stratum (and the second's) takes over the consistent tables."""
    x1, n1, x0, n0 = crude(findings)
    table = candidates(x1, n1, x0, n0)
    high = table
    low = np.array([x1, n1 - x1, x0, n0 - x0]) - table
    k = len(table)
    group = np.repeat(np.arange(k), 2)
    cells = np.stack([high, low], axis=1).reshape(-1, 4)
    a, b, c, d = cells.T
    r = mantel_haenszel(group, a, a + b, c, c + d, k)
    adjusted = findings["differences"][0]["adjusted"] or {}
    form = adjusted.get("figures", "exact")
    figures = {
        "estimate": r.risk_difference,
        "odds_ratio": r.odds_ratio,
        "female_share": r.female_share,
        "male_share_standardised": r.standardised_male_share,
        "p_value": r.cmh_p_value,
        "heterogeneity_p": r.breslow_day_p_value,
    }
    keep = np.ones(k, dtype=bool)
    for name, values in figures.items():
        keep &= matches(values, adjusted.get(name), name, form)
    for name, (low_value, high_value) in (
        ("ci", (r.rd_ci_low, r.rd_ci_high)),
        ("odds_ratio_ci", (r.or_ci_low, r.or_ci_high)),
    ):
        shown = adjusted.get(name) or [None, None]
        keep &= matches(low_value, shown[0], name, form) & matches(high_value, shown[1], name, form)
    if adjusted.get("persons_in_one_sex_strata") is not None:
        alone = np.array([published_count(int(v), MIN_CELL) for v in r.persons_one_sex_only])
        keep &= alone == adjusted["persons_in_one_sex_strata"]
    # the figures do not say which stratum is which; the reader knows (high risk: granted more often)
    first, second = high[keep], low[keep]
    swap = (first[:, 0] * (second[:, 0] + second[:, 1]) < second[:, 0] * (first[:, 0] + first[:, 1]))[:, None]
    kept = np.concatenate([np.where(swap, second, first), np.where(swap, first, second)], axis=1)
    names = [*CELLS, *(c.replace("high", "low") for c in CELLS)]
    return {name: set(kept[:, i].tolist()) for i, name in enumerate(names)}


def pinned(values: dict[str, set[int]], truth: dict[str, int]) -> list[str]:
    """The small cells (1..min_cell − 1) the consistent tables pin down."""
    return [
        name
        for name, true in truth.items()
        if 0 < true < MIN_CELL
        and (max(values[name]) - min(values[name]) + 1 < MIN_CELL or values[name] <= set(range(1, MIN_CELL)))
    ]


TRUTH_122 = dict(
    zip([*CELLS, *(c.replace("high", "low") for c in CELLS)], [26, 6, 14, 6, 4, 16, 6, 44], strict=True)
)


@pytest.mark.slow
def test_the_122_row_table_is_not_rebuilt_from_its_adjusted_figures(tmp_path: Path) -> None:
    findings = published(tmp_path, extract(CASE_122))
    difference = findings["differences"][0]
    assert difference["verdict"] == "partly_explained"  # decided on the unrounded figures
    assert difference["criteria"][0]["figures"] == "withheld"
    assert difference["criteria"][0]["adjusted_estimate"] is None
    values = attack(findings)
    assert pinned(values, TRUTH_122) == []
    assert values["girls_yes_low"] == set(range(31))  # any number of the 30 granted girls, 0 to 30


@pytest.mark.slow
def test_the_exact_figures_of_the_122_rows_rebuild_the_whole_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without the rule (figures always exact, as before) the attacker finds the one table, the hidden
    4 included: the leak the rule closes."""
    monkeypatch.setattr(verdicts, "publication_form", lambda adj: "exact")
    findings = published(tmp_path, extract(CASE_122))
    values = attack(findings)
    assert {name: sorted(v) for name, v in values.items()} == {name: [v] for name, v in TRUTH_122.items()}
    assert pinned(values, TRUTH_122) == ["girls_yes_low"]


@pytest.mark.slow
def test_rounding_alone_does_not_protect_two_strata(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Figures rounded to 2 decimals (the "rounded" form) still pin the 4: why a table of few strata
    gets no figures at all."""
    monkeypatch.setattr(verdicts, "publication_form", lambda adj: "rounded")
    values = attack(published(tmp_path, extract(CASE_122)))
    assert pinned(values, TRUTH_122) == ["girls_yes_low"]


@pytest.mark.parametrize(
    "cells",
    [
        [
            ("Flicka", "Hög risk", 12, 3),
            ("Pojke", "Hög risk", 9, 9),
            ("Flicka", "Låg risk", 2, 14),
            ("Pojke", "Låg risk", 7, 20),
        ],
        [
            ("Flicka", "Hög risk", 20, 1),
            ("Pojke", "Hög risk", 11, 8),
            ("Flicka", "Låg risk", 6, 9),
            ("Pojke", "Låg risk", 3, 30),
        ],
        [
            ("Flicka", "Hög risk", 15, 10),
            ("Pojke", "Hög risk", 4, 12),
            ("Flicka", "Låg risk", 9, 9),
            ("Pojke", "Låg risk", 10, 11),
        ],
    ],
)
@pytest.mark.slow
def test_small_tables_of_other_shapes_are_not_rebuilt(
    tmp_path: Path, cells: list[tuple[str, str, int, int]]
) -> None:
    truth = dict(
        zip(
            [*CELLS, *(c.replace("high", "low") for c in CELLS)],
            [v for s in cells for v in s[2:]],
            strict=True,
        )
    )
    assert pinned(attack(published(tmp_path, extract(cells))), truth) == []


def adjusted(persons: int, alone: int, known_share: float = 1.0) -> Adjusted:
    return Adjusted(
        0.1, (0.0, 0.2), 0.1, 1.5, (1.0, 2.0), 0.5, 0.5, 0.4, 2, alone, persons - alone, known_share
    )


def test_counts_of_persons_are_published_in_steps_of_twice_min_cell() -> None:
    assert [published_count(v, 5) for v in range(27)] == [0] * 5 + [10] * 10 + [20] * 10 + [30] * 2
    assert [published_count(v, 3) for v in (0, 2, 3, 8, 9)] == [0, 0, 6, 6, 12]


def revealing(counts: set[int]) -> bool:
    """A published value that stands for these counts gives away a small one: it reaches below
    min_cell and is narrower than min_cell, or stands only for 1..min_cell − 1."""
    reaches_small = min(counts) < MIN_CELL
    return reaches_small and (max(counts) - min(counts) + 1 < MIN_CELL or counts <= set(range(1, MIN_CELL)))


def test_no_published_count_of_persons_alone_or_compared_pins_a_small_count() -> None:
    for persons in range(2 * MIN_CELL, 80):  # a difference is published only for min_cell of each sex
        shown: dict[tuple[int, int], set[int]] = {}
        for alone in range(persons + 1):
            entry = verdicts._adjusted_entry(adjusted(persons, alone), ["need"], 0.05, MIN_CELL)
            assert entry["persons_compared"] + entry["persons_in_one_sex_strata"] == persons
            shown.setdefault((entry["persons_in_one_sex_strata"], entry["persons_compared"]), set()).add(
                alone
            )
        for alones in shown.values():
            assert not revealing(alones), (persons, sorted(alones))
            assert not revealing({persons - a for a in alones}), (persons, sorted(alones))


def test_known_share_never_gives_a_missing_or_recorded_count_of_one_to_four() -> None:
    for persons in (10, 12, 37, 122, 1001):
        shown: dict[float, set[int]] = {}
        for known in range(1, persons + 1):  # published only for a criterion recorded for someone
            value = published_known_share(adjusted(persons, 0, known / persons), MIN_CELL)
            shown.setdefault(value, set()).add(known)
        for value, knowns in shown.items():
            assert not revealing(knowns), (persons, value, sorted(knowns))
            assert not revealing({persons - k for k in knowns}), (persons, value, sorted(knowns))


@pytest.mark.slow
def test_three_persons_without_a_risk_level_are_not_published(tmp_path: Path) -> None:
    findings = published(tmp_path, extract(CASE_122, missing=(2, 1)))
    criterion = findings["differences"][0]["criteria"][0]
    # 3 of 125 without a value: 0.976 exactly, published as if none were missing
    assert criterion["known_share"] == 1.0
    assert published_known_share(adjusted(125, 0, 122 / 125), MIN_CELL) == 1.0
    assert published_known_share(adjusted(125, 0, 120 / 125), MIN_CELL) == 0.92


def test_persons_alone_and_compared_say_no_more_than_the_rounded_count() -> None:
    entry = verdicts._adjusted_entry(adjusted(127, 3), ["need"], 0.05, MIN_CELL)
    assert (entry["persons_in_one_sex_strata"], entry["persons_compared"]) == (0, 127)
    entry = verdicts._adjusted_entry(adjusted(127, 7), ["need"], 0.05, MIN_CELL)
    assert (entry["persons_in_one_sex_strata"], entry["persons_compared"]) == (10, 117)


def published_figures(findings: dict[str, Any]) -> dict[str, Any]:
    return findings["differences"][0]["adjusted"] or {}


def consistent(tables: np.ndarray, shown: dict[str, Any]) -> np.ndarray:
    """Which of these tables (k × strata × 4 cells) publish the same adjusted figures as `shown`."""
    k, strata, _ = tables.shape
    a, b, c, d = tables.reshape(-1, 4).T
    r = mantel_haenszel(np.repeat(np.arange(k), strata), a, a + b, c, c + d, k)
    keep = np.ones(k, dtype=bool)
    for name, values in (
        ("estimate", r.risk_difference),
        ("odds_ratio", r.odds_ratio),
        ("female_share", r.female_share),
        ("male_share_standardised", r.standardised_male_share),
        ("p_value", r.cmh_p_value),
        ("heterogeneity_p", r.breslow_day_p_value),
    ):
        keep &= matches(values, shown[name], name, shown["figures"])
    for name, (low, high) in (
        ("ci", (r.rd_ci_low, r.rd_ci_high)),
        ("odds_ratio_ci", (r.or_ci_low, r.or_ci_high)),
    ):
        form = shown["figures"]
        keep &= matches(low, shown[name][0], name, form) & matches(high, shown[name][1], name, form)
    persons = r.n_used + r.persons_one_sex_only
    alone = [
        published_part(int(p), int(n), MIN_CELL) for p, n in zip(r.persons_one_sex_only, persons, strict=True)
    ]
    return keep & (np.array(alone) == shown["persons_in_one_sex_strata"])


def moved(table: np.ndarray, moves: list[tuple[int, int, int]]) -> np.ndarray:
    """`table` with each move applied to a copy: one person of cell type t from stratum i to j."""
    result = np.repeat(table[None], len(moves), axis=0)
    for m, (t, i, j) in enumerate(moves):
        result[m, i, t] -= 1
        result[m, j, t] += 1
    return result


def witnesses(
    truth: np.ndarray, shown: dict[str, Any], cell: int, target: int, steps: int, seed: int
) -> set[int]:
    """Values of one cell over tables found to publish the same figures as the truth: a walk from the
    true table, each step moving one person of the cell's sex and outcome into or out of its stratum
    (towards `target`), alone or together with one other move of anyone (the crude counts stay), and
    every table on the way checked against the published figures. What it finds are witnesses: a
    reader cannot tell them from the truth, so a cell seen at every value 0..min_cell is not pinned
    (the walk proves that much; it cannot prove a cell pinned)."""
    rng = np.random.default_rng(seed)
    strata = len(truth)
    stratum, kind = divmod(cell, 4)
    anyone = [(t, i, j) for t in range(4) for i in range(strata) for j in range(strata) if i != j]
    table = truth.copy()
    seen = {int(table[stratum, kind])}
    for _ in range(steps):
        current = int(table[stratum, kind])
        if current == target:
            break
        others = [j for j in range(strata) if j != stratum]
        own = (
            [(kind, stratum, j) for j in others] if target < current else [(kind, j, stratum) for j in others]
        )
        singles = moved(table, own)
        pairs = np.concatenate([moved(single, anyone) for single in singles])
        for proposals in (singles, pairs):
            proposals = proposals[(proposals >= 0).all(axis=(1, 2))]
            proposals = proposals[consistent(proposals, shown)]
            if len(proposals):
                table = proposals[rng.integers(len(proposals))]
                break
        else:
            break  # no consistent step towards the target
        seen.add(int(table[stratum, kind]))
    return seen


def many_strata(seed: int, strata: int = 20) -> np.ndarray:
    """A table of `strata` risk levels with some small cells: per stratum girls and boys granted/not."""
    rng = np.random.default_rng(seed)
    table = rng.integers(5, 30, size=(strata, 4))
    small = rng.choice(strata * 4, size=4, replace=False)
    table.ravel()[small] = rng.integers(1, MIN_CELL, size=4)
    return table


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])  # seeds 1-10 all hold (measured, 140 s)
def test_rounded_figures_of_twenty_strata_leave_every_small_cell_open(tmp_path: Path, seed: int) -> None:
    truth = many_strata(seed)
    cells = [
        (sex, f"Nivå {s + 1:02d}", int(truth[s, 2 * k]), int(truth[s, 2 * k + 1]))
        for s in range(len(truth))
        for k, sex in enumerate(("Flicka", "Pojke"))
    ]
    shown = published_figures(published(tmp_path, extract(cells)))
    assert shown["figures"] == "rounded"
    small = [cell for cell, v in enumerate(truth.ravel()) if 0 < v < MIN_CELL]
    assert len(small) == 4
    for cell in small:
        seen = set().union(*(witnesses(truth, shown, cell, target, 60, seed) for target in (0, MIN_CELL)))
        # the reader cannot tell a small count from one of min_cell or more (nor, mostly, from none)
        assert not revealing(seen) and max(seen) >= MIN_CELL, (cell, sorted(seen))


@pytest.mark.slow
def test_withheld_figures_read_well_in_the_report_the_table_and_the_terminal(tmp_path: Path) -> None:
    """An unmotivated difference whose table has a cell of 2 (girls of high risk not granted): the
    verdict is given, the adjusted difference is said not to be shown and why, the CSV hides it."""
    cells = [("Flicka", "Hög risk", 30, 2), ("Pojke", "Hög risk", 15, 15), ("Flicka", "Låg risk", 20, 10)]
    cells += [("Pojke", "Låg risk", 5, 35)]
    # the other decision criteria recorded, alike for everyone: with one unrecorded, no unmotivated
    rows = [
        f"{row};{'Bör tillgodoses av annan verksamhet;Samtycke' if i == 0 else 'Nej;Ja'}"
        for i, row in enumerate(extract(cells))
    ]
    data = tmp_path / "uttag.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "ut"
    result = CliRunner().invoke(app, ["analyse", str(data), "--out", str(out), "--format", "json,md,csv"])
    assert result.exit_code == 0, result.output
    assert "omotiverad" in result.output
    adjusted = json.loads((out / "findings.json").read_text(encoding="utf-8"))["differences"][0]["adjusted"]
    assert adjusted["figures"] == "withheld"
    assert [adjusted[k] for k in ("estimate", "p_value", "odds_ratio", "female_share", "heterogeneous")] == [
        None
    ] * 5
    assert (adjusted["persons_compared"], adjusted["persons_in_one_sex_strata"], adjusted["known_share"]) == (
        132,
        0,
        1.0,
    )
    report = (out / "rapport.md").read_text(encoding="utf-8")
    assert (
        "Bedömning: omotiverad. Skillnaden finns kvar när kvinnor/flickor och män/pojkar med samma värden på "
        "kriterierna – behov, behov som tillgodoses på annat sätt och samtycke/inställning – jämförs. Den "
        "justerade skillnaden visas inte: några grupper med samma "
        "kriterievärden är så små att siffrorna skulle avslöja hur många de är."
    ) in report
    row = (out / "skillnader.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(";")
    assert row[15:19] == ["..", "..", "..", ".."]
