"""Follow-up against an earlier findings.json: matching, the change with its interval, and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from oppnaogon.cli import app
from oppnaogon.followup import compare
from tests.conftest import EXAMPLE

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
    markdown = (tmp_path / "b" / "rapport.md").read_text(encoding="utf-8")
    assert "### Uppföljning: har skillnaderna förändrats sedan förra analysen?" in markdown
    assert "Sedan förra analysen (2024): minskat" in markdown


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "finns inte"),
        ("{not json", "inte en läsbar findings.json"),
        ('{"a": 1}', "ingen findings.json från oppnaogon"),
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
