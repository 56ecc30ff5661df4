"""The outcome kinds and criterion ids (`oppnaogon.model.kinds`): one entry each, read by the
configuration, the verdict rules and the words of every output."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from oppnaogon.analysis.verdicts import criteria_kind
from oppnaogon.app.analyse import run_analysis
from oppnaogon.model import criteria as criteria_module
from oppnaogon.model.config import NUMERIC_CRITERIA, OUTCOME_KINDS, OutcomeSpec
from oppnaogon.model.criteria import available_areas, load_area
from oppnaogon.model.kinds import ATTITUDE_CRITERIA, CRITERIA, CRITERION_IDS, JUDGING_KINDS, KINDS
from oppnaogon.model.wording import CRITERION, KIND
from oppnaogon.testing.worlds import generate_world, write_world


def test_the_configuration_and_the_words_follow_the_entries() -> None:
    assert OUTCOME_KINDS == ("decision", "participation", "proportion", "numeric")
    assert JUDGING_KINDS == ("decision", "participation")
    assert NUMERIC_CRITERIA == ("decision", "participation", "none")
    assert {"consent", "wish_to_participate", "guardian_attitude"} == ATTITUDE_CRITERIA
    assert KIND["sv"]["numeric"] == "tal" and KIND["en"]["proportion"] == "share"
    assert CRITERION["sv"]["met_otherwise"] == "behov som tillgodoses på annat sätt"
    assert set(KIND["en"]) == set(KINDS) and set(CRITERION["sv"]) == set(CRITERION_IDS)
    assert [OutcomeSpec("x", "X", kind).is_binary for kind in OUTCOME_KINDS] == [True, True, True, False]


@pytest.mark.parametrize(
    ("kind", "criteria", "judged_by"),
    [
        ("decision", None, "decision"),
        ("participation", None, "participation"),
        ("proportion", None, None),
        ("numeric", None, "decision"),  # the extent of an intervention is part of the decision
        ("numeric", "participation", "participation"),
        ("numeric", "none", None),
    ],
)
def test_whose_criteria_judge_an_outcome(kind: str, criteria: str | None, judged_by: str | None) -> None:
    assert criteria_kind(OutcomeSpec("x", "X", kind, criteria=criteria)) == judged_by


def test_every_criteria_file_agrees_with_the_entries() -> None:
    for area in available_areas():
        for criterion in load_area(area).criteria:
            assert criterion.applies_to == CRITERIA[criterion.id].applies_to


def test_the_verdicts_use_the_criteria_the_areas_table_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kind's criteria are those of the area's criteria table that apply to it (`applies_to`): without
    consent in the table, a difference that consent explains is no longer called motivated by it."""
    world = generate_world("explained_by_consent", 3000, 20260)
    data, config = write_world(world, tmp_path / "consent")

    def verdict() -> dict:
        findings = run_analysis(data, config, out=None).findings
        return next(d for d in findings["differences"] if d["id"] == world.truth.outcome)

    full = verdict()
    assert full["verdict"] == "motivated" and "consent" in full["explained_by"], full
    area = load_area("barn_och_unga")
    without_consent = dataclasses.replace(area, criteria=tuple(c for c in area.criteria if c.id != "consent"))
    monkeypatch.setattr(criteria_module, "load_area", lambda name: without_consent)
    reduced = verdict()
    assert "consent" not in (reduced["explained_by"] or [])
    assert "consent" not in (reduced["criteria"] or {})
    assert reduced["verdict"] != "motivated"
