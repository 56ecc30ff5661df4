"""Differencing across the reports a municipality makes of one extract (issue 14 point 4, rule R4 of
docs/privacy.md): each quarter, the year, a rolling four quarters, `latest` and the whole file. A report
over several quarters publishes a cell only where every quarter's own report does, so together they
tell no more than the quarters' reports, each protected on its own."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from oppnaogon.analysis import differences as analysis
from oppnaogon.app.analyse import run_analysis
from oppnaogon.cli import app

from .attacker import multi_run_recoverable

WriteCsv = Callable[..., Path]
QUARTERS = ["2024K1", "2024K2", "2024K3", "2024K4", "2025K1"]
# the report over several quarters → the quarters it covers
LONGER = {
    "2024": QUARTERS[:4],
    "2024K2..2025K1": QUARTERS[1:],
    "2024K1..2024K3": QUARTERS[:3],
    "whole file": QUARTERS,
}


def _extract(seed: int = 7) -> list[list[str]]:
    """About 130 rows per quarter, in every quarter girls and boys of every age band in three districts;
    a few persons of other or unknown sex in some quarters and a rare district, "Hamnen", of one to four
    persons in three quarters: small groups that each quarter hides and the year would show."""
    rng = random.Random(seed)
    rows = [["Kön", "Ålder", "Stadsdel", "Beslutsdatum", "Insats beviljad"]]
    for q, label in enumerate(QUARTERS):
        year, number = int(label[:4]), int(label[-1])
        month = 3 * (number - 1) + 1

        def day(year: int = year, month: int = month) -> str:
            return f"{year}-{month + rng.randrange(3):02d}-{1 + rng.randrange(28):02d}"

        for i in range(128):
            sex = "K" if i % 2 else "M"
            granted = rng.random() < (0.6 if sex == "K" else 0.45)
            rows.append(
                [
                    sex,
                    str(rng.randrange(0, 21)),
                    ["Norr", "Söder", "Centrum"][i % 3],
                    day(),
                    "Ja" if granted else "Nej",
                ]
            )
        for _ in range((q * 2) % 5):  # 0, 2, 4, 1, 3 persons in Hamnen
            rows.append(
                [rng.choice("KM"), str(rng.randrange(0, 21)), "Hamnen", day(), rng.choice(["Ja", "Nej"])]
            )
        for _ in range(q % 3):  # 0, 1, 2, 0, 1 persons of other sex
            rows.append(["Annat", str(rng.randrange(0, 21)), "Norr", day(), "Ja"])
        if q in (1, 4):
            rows.append(["", str(rng.randrange(0, 21)), "Söder", day(), "Nej"])
    return rows


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], list[str]]]:
    path = tmp_path_factory.mktemp("differencing") / "uttag.csv"
    path.write_text("\n".join(";".join(r) for r in _extract()) + "\n", encoding="utf-8")
    result = {q: (run_analysis(path, period=q, out=None).findings, [q]) for q in QUARTERS}
    for name, quarters in LONGER.items():
        period = None if name == "whole file" else name
        result[name] = (run_analysis(path, period=period, out=None).findings, quarters)
    result["latest"] = (run_analysis(path, period="latest", out=None).findings, ["2025K1"])
    return result


def _counts(findings: dict[str, Any]) -> dict[tuple[Any, ...], int | None]:
    return {(d["outcome"], d["sex"], tuple(d["breakdown"].items())): d["n"] for d in findings["descriptives"]}


@pytest.mark.slow
def test_no_hidden_cell_follows_from_all_the_runs_together(runs: dict[str, Any]) -> None:
    assert multi_run_recoverable(runs) == []


@pytest.mark.slow
def test_a_longer_report_shows_a_count_only_as_the_sum_of_its_quarters_shown_counts(
    runs: dict[str, Any],
) -> None:
    """The property behind R4, checked cell by cell: whatever the year (or any run of quarters) shows, every
    one of its quarters shows too (a group a quarter does not have counts as a shown 0)."""
    for name, quarters in LONGER.items():
        longer = _counts(runs[name][0])
        parts = [_counts(runs[q][0]) for q in quarters]
        shown = 0
        for key, n in longer.items():
            if n is None:
                continue
            if any(k == "period" for k, _ in key[2]):
                continue  # a quarter's group of the period breakdown: that quarter's whole group
            values = [part.get(key, 0) for part in parts]
            assert None not in values, (name, key)
            assert sum(values) == n, (name, key)
            shown += 1
        # the women's and men's whole-group figures stay
        assert all(longer[("insats_beviljad", sex, ())] for sex in ("female", "male")), name
        assert shown > 4
    # the quarters' groups of the period breakdown are the quarters' whole-group figures
    whole = runs["whole file"][0]
    for d in whole["descriptives"]:
        if list(d["breakdown"]) == ["period"] and d["n"] is not None:
            own = _counts(runs[d["breakdown"]["period"]][0])
            assert own[(d["outcome"], d["sex"], ())] == d["n"]


@pytest.mark.slow
def test_the_trend_shows_an_earlier_quarter_as_its_own_report_does(runs: dict[str, Any]) -> None:
    latest = runs["latest"][0]
    earlier = [t for t in latest["trend"] if t["role"] != "current" and t["available"]]
    assert [t["label"] for t in earlier] == QUARTERS[:-1]
    for entry in earlier:
        own = runs[entry["label"]][0]
        assert entry["descriptives"] == [d for d in own["descriptives"] if not d["breakdown"]]


@pytest.mark.slow
def test_the_report_says_how_many_cells_its_quarters_cost(runs: dict[str, Any]) -> None:
    disclosure = runs["2024"][0]["disclosure"]
    assert disclosure["periods"] == 4 and disclosure["period_hidden"] > 0
    assert runs["2024K1"][0]["disclosure"] == runs["2024K1"][0]["disclosure"] | {
        "periods": 1,
        "period_hidden": 0,
    }


@pytest.mark.slow
def test_without_the_rule_the_year_and_its_quarters_give_hidden_cells_away(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis, "_period_protection", lambda *args: ({}, {}))
    path = write_csv(_extract())
    runs = {q: (run_analysis(path, period=q, out=None).findings, [q]) for q in QUARTERS[:4]}
    runs["2024"] = (run_analysis(path, period="2024", out=None).findings, QUARTERS[:4])
    assert multi_run_recoverable(runs)


@pytest.mark.slow
def test_rows_without_a_date_are_left_out_of_the_whole_file(write_csv: WriteCsv) -> None:
    """The quarters' reports never hold them: the whole file minus its quarters would be those rows."""
    rows = _extract()
    rows += [["K", "10", "Norr", "", "Ja"], ["M", "11", "Söder", "", "Nej"]]
    findings = run_analysis(write_csv(rows), out=None).findings
    dated = run_analysis(write_csv(_extract(), name="dated.csv"), out=None).findings
    assert findings["descriptives"] == dated["descriptives"]
    assert findings["input"]["rows_excluded"]["date missing"] is None  # 2 rows: fewer than min_cell


def test_a_period_off_the_grid_is_refused(write_csv: WriteCsv) -> None:
    """A tertial (January–April) beside quarter reports would show April's small groups."""
    path = write_csv(_extract())
    before = sorted(path.parent.iterdir())
    for command in ("analyse", "batch"):
        out = path.parent / "rapport"
        result = CliRunner().invoke(app, [command, str(path), "--period", "2024T1", "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "består inte av hela kvartal" in result.output and "2024T1" in result.output
        assert sorted(path.parent.iterdir()) == before  # no folder and no lock file


@pytest.mark.slow
def test_the_terminal_and_the_report_say_what_the_quarters_cost(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv(_extract())
    out = tmp_path / "rapport"
    result = CliRunner().invoke(app, ["analyse", str(path), "--period", "2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    assert "visas inte, fast rapporten själv hade kunnat visa dem" in words
    assert "något av de 4 kvartal" in words
    html = (out / "rapport.html").read_text(encoding="utf-8")
    assert "något av de 4 kvartal som den spänner över" in html
