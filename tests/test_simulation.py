"""Tests for the verdict simulation study (bench/simulate_verdicts.py): its scoring of every published
verdict against the truth of the verdict's own group, and the harness on a few tiny worlds."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import simulate_verdicts as sim

NOT_MET = "Nej men skulle ha behövts"


def test_a_motivated_is_wrong_from_min_diff_and_an_unmotivated_below_the_tolerance() -> None:
    assert sim.is_wrong("motivated", 0.05, 0.05) is True
    assert sim.is_wrong("motivated", -0.08, 0.05) is True
    assert sim.is_wrong("motivated", 0.0499, 0.05) is False
    assert sim.is_wrong("unmotivated", 0.0, 0.05) is True
    assert sim.is_wrong("unmotivated", -0.0049, 0.05) is True
    assert sim.is_wrong("unmotivated", 0.005, 0.05) is False
    assert sim.is_wrong("unmotivated", 0.10, 0.05) is False
    for verdict in ("partly_explained", "inconclusive", "not_assessable"):
        assert sim.is_wrong(verdict, 0.10, 0.05) is None


def _frame() -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """Eight persons: two age bands, a birth region with a missing value, an accessibility column."""
    frame = pl.DataFrame(
        {
            "sex": ["female", "male"] * 4,
            "age_band": ["0-6"] * 4 + ["13-17"] * 4,
            "birth_region": ["sweden", "sweden", None, None, "sweden", "nordic", "sweden", "nordic"],
            "c:accessibility:Tolk använd": ["Ja", "Ja", NOT_MET, NOT_MET, "Nej behövdes ej"] * 1
            + ["Nej behövdes ej"] * 3,
        }
    )
    remaining = np.array([0.0, 0.0, 0.02, 0.02, 0.06, 0.06, 0.10, 0.10])
    fine = np.array([0.0, 0.0, -0.30, -0.30, 0.06, 0.06, 0.10, 0.10])
    return frame, remaining, fine


def _entry(verdict: str | None, breakdown: dict, **extra: object) -> dict:
    return {
        "outcome": "barnet_delaktigt",
        "kind": "participation",
        "breakdown": breakdown,
        "verdict": verdict,
    } | extra


def test_every_published_verdict_is_scored_against_the_truth_of_its_own_group() -> None:
    frame, remaining, fine = _frame()
    findings = {
        "settings": {"min_diff": 0.05},
        "differences": [
            _entry("motivated", {}),  # whole group: mean 0.045 < 0.05, right
            _entry("motivated", {"age_band": "13-17"}),  # 0.08: wrong
            _entry("unmotivated", {"age_band": "0-6"}),  # 0.01: not fully explained, right
            _entry("unmotivated", {"birth_region": None}, masked=True),  # rows 2, 3: 0.02, right
            _entry("unmotivated", {"age_band": "0-6", "birth_region": "sweden"}),  # rows 0, 1: 0, wrong
            _entry("partly_explained", {"birth_region": "nordic"}),  # rows 5, 7: 0.08
            _entry(None, {"age_band": "0-6"}),  # no verdict: not scored at all
            # a difference within the group lacking accommodation: the truth at that very value
            _entry("unmotivated", {}, within={"criterion": "accessibility", "value": NOT_MET}),
            _entry("inconclusive", {"municipality": "0180"}),  # a dimension the frame lacks
            {"outcome": "timmar", "kind": "numeric", "breakdown": {}, "verdict": "inconclusive"},
        ],
    }
    scored, unscored = sim.score_findings(findings, frame, remaining, fine, "barnet_delaktigt")
    summary = [(s.group, s.persons, s.verdict, round(s.truth, 6), s.wrong, s.whole_group) for s in scored]
    assert [round(s.largest, 6) for s in scored] == [0.1, 0.1, 0.02, 0.02, 0.0, 0.1, 0.3]
    assert summary == [
        ("{}", 8, "motivated", 0.045, False, True),
        ('{"age_band": "13-17"}', 4, "motivated", 0.08, True, False),
        ('{"age_band": "0-6"}', 4, "unmotivated", 0.01, False, False),
        ('{"birth_region": null}', 2, "unmotivated", 0.02, False, False),
        ('{"age_band": "0-6", "birth_region": "sweden"}', 2, "unmotivated", 0.0, True, False),
        ('{"birth_region": "nordic"}', 2, "partly_explained", 0.08, None, False),
        (
            '{"breakdown": {}, "within": {"criterion": "accessibility", "value": "Nej men skulle ha behövts"}}',
            2,
            "unmotivated",
            -0.30,
            False,
            False,
        ),
    ]
    assert scored[3].masked and not scored[0].masked
    assert unscored == [
        "breakdown dimension 'municipality' not in the analysed frame",
        "numeric outcome 'timmar': no planted truth",
    ]


def test_min_diff_is_read_from_the_findings() -> None:
    frame, remaining, fine = _frame()
    findings = {"settings": {"min_diff": 0.10}, "differences": [_entry("motivated", {"age_band": "13-17"})]}
    scored, _ = sim.score_findings(findings, frame, remaining, fine, "barnet_delaktigt")
    assert [s.wrong for s in scored] == [False]  # 8 points remain, below a threshold of 10


def test_an_unreadable_restriction_is_unscored_not_guessed() -> None:
    frame, remaining, fine = _frame()
    findings = {
        "differences": [
            _entry("unmotivated", {}, within="lacking"),
            _entry("unmotivated", {}, within={"Okänd kolumn": "x"}),
            _entry("unmotivated", {}, within={"Tolk använd": [NOT_MET, "Nej behövdes ej"]}),
        ]
    }
    scored, unscored = sim.score_findings(findings, frame, remaining, fine, "barnet_delaktigt")
    assert unscored == ["unreadable `within`", "restriction to 'Okänd kolumn': no such criterion column"]
    assert [(s.persons, round(s.truth, 6)) for s in scored] == [(6, round((-0.6 + 0.32) / 6, 6))]


def test_seeds_are_sha256_of_the_world_name() -> None:
    assert sim.world_seed(2026, "partly_need_5", 300, 0) == sim.world_seed(2026, "partly_need_5", 300, 0)
    assert sim.world_seed(2026, "partly_need_5", 300, 0) != sim.world_seed(2026, "partly_need_5", 300, 1)
    expected = int.from_bytes(hashlib.sha256(b"1:a:2:3").digest()[:8], "big") >> 1
    assert sim.world_seed(1, "a", 2, 3) == expected == 2945403841191272698


def test_wilson_interval() -> None:
    low, high = sim.wilson(1, 20)
    assert (round(low, 4), round(high, 4)) == (0.0089, 0.2361)
    assert sim.rate(0, 0) == "– (none shown)"
    assert sim.verdict_target(0, 100, 0.05) == "met"
    assert sim.verdict_target(30, 100, 0.05) == "**not met**"
    assert sim.verdict_target(4, 100, 0.05) == "met (point)"


@pytest.fixture(scope="module")
def tiny() -> list[sim.WorldResult]:
    tasks = [
        sim.Task("missing_all", 400, 0, sim.world_seed(7, "missing_all", 400, 0)),
        sim.Task("partly_need_10", 3000, 0, sim.world_seed(7, "partly_need_10", 3000, 0)),
        sim.Task("participation_unmet_need", 1000, 0, sim.world_seed(7, "participation_unmet_need", 1000, 0)),
    ]
    return sim.run_all(tasks, jobs=1)


@pytest.mark.slow
def test_harness_scores_tiny_worlds(tiny: list[sim.WorldResult]) -> None:
    missing, partly, unmet = tiny
    assert not any(r.error for r in tiny) and not any(r.unscored for r in tiny)
    # every criteria value "Uppgift saknas": every verdict not assessable, none right or wrong
    assert missing.fully_explained and missing.scored
    assert {s.verdict for s in missing.scored} == {"not_assessable"}
    assert all(s.wrong is None and s.truth == 0.0 for s in missing.scored)
    # 10 points remain for everyone: the truth of every group is 10 points, and no motivated is shown
    assert partly.scored and all(s.truth == pytest.approx(0.10) for s in partly.scored)
    assert "motivated" not in {s.verdict for s in partly.scored}
    whole = next(s for s in partly.scored if s.whole_group)
    assert (whole.persons, whole.verdict, whole.wrong) == (3000, "unmotivated", False)
    # the unmet interpreter need is no explanation: what remains is about 12 points on average
    unmet_whole = next(s for s in unmet.scored if s.whole_group)
    assert unmet_whole.truth == pytest.approx(0.1277, abs=0.02)


@pytest.mark.slow
def test_results_do_not_depend_on_jobs(tiny: list[sim.WorldResult]) -> None:
    tasks = [sim.Task(r.scenario, r.size, r.index, r.seed) for r in tiny[:2]]
    assert sim.run_all(tasks, jobs=2) == tiny[:2]


def test_report_has_the_headline_tables(tiny: list[sim.WorldResult]) -> None:
    args = argparse.Namespace(quick=True, seed=7, jobs=1, code="test")
    worlds = {400: 1, 1000: 1, 3000: 1}
    text = sim.render(
        tiny, args, ["missing_all", "partly_need_10", "participation_unmet_need"], worlds, 1.0, "0"
    )
    assert "## 1. When the tool says `motivated` or `unmotivated`, how often is it wrong?" in text
    assert "| `unmotivated` | 3,000 | " in text
    assert "## 2. How often does a report contain a wrong verdict?" in text
    assert "| fully explained | 400 | 1 | 0/1 = 0.0 %" in text
    assert "- A wrong `motivated` did not occur." in text
