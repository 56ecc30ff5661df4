"""Disclosure control against a determined reader (issue 14, rules R2, R3 and R9 of docs/privacy.md):
small groups hidden whole, the bounds attack (linear programming with non-negativity, integer counts, the
"unknown" group and the relation between outcomes), and no 0 % / 100 % in small groups. Each rule has a
hand-made extract whose every count is written down here."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from oppnaogon.app.analyse import run_analysis
from oppnaogon.cli import app

from .attacker import narrow_cells, recoverable_cells
from .conftest import ExampleRun

WriteCsv = Callable[..., Path]
EXAMPLE_COLUMNS = {
    "age_band": "Ålder",
    "birth_region": "Födelseland",
    "residence": "Stadsdel",
    "period": "Beslutsdatum",
    "municipality": "Kommun",
}


def _cells(findings: dict[str, Any], **where: object) -> list[dict[str, Any]]:
    return [d for d in findings["descriptives"] if all(d.get(k) == v for k, v in where.items())]


def _district_rows(extra: list[list[str]]) -> list[list[str]]:
    """40 girls and 40 boys in two districts (each group well above the threshold), plus `extra`."""
    rows = [["Kön", "Ålder", "Stadsdel", "Insats beviljad"]]
    for i in range(40):
        rows.append(["K", str(8 + i % 8), ["Norr", "Söder"][i % 2], "Ja" if i % 3 else "Nej"])
        rows.append(["M", str(8 + i % 8), ["Norr", "Söder"][i % 2], "Ja" if i % 2 else "Nej"])
    return rows + extra


@pytest.mark.slow
def test_a_small_sex_is_one_hidden_column_zeros_included(write_csv: WriteCsv) -> None:
    """Two persons of other sex, both in Norr and both granted: before, the zeros of Söder and of the
    refused were published beside the hidden cells, which showed where they were and what they got."""
    rows = _district_rows([["Annat", "8", "Norr", "Ja"], ["Annat", "9", "Norr", "Ja"]])
    findings = run_analysis(write_csv(rows), out=None).findings
    other = _cells(findings, sex="other")
    assert other and all(d["n"] is None and d["value"] is None for d in other)
    quality = [q for q in findings["data_quality"] if q["sex"] == "other"]
    assert quality and all(q["rows"] is None and q["missing"] is None for q in quality)
    # the women's and men's figures of the whole group stay
    whole = {d["sex"]: d for d in _cells(findings, breakdown={})}
    assert whole["female"]["n"] == 40 and whole["male"]["n"] == 40
    # the total less the women's and men's rows would count the two: the total is hidden, in words
    assert findings["input"]["rows_used"] is None and findings["input"]["rows"] is None
    assert findings["disclosure"]["rows_used_hidden"] is True
    assert recoverable_cells(findings) == []
    assert narrow_cells(findings, 5, {"residence": "Stadsdel", "age_band": "Ålder"}) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "rows_hidden", "pooled"),
    [
        ("sv", "Det totala antalet ärenden visas inte (..)", "Stadsdel: några värden som är fritext"),
        ("en", "The total number of cases is not shown (..)", "Stadsdel: some values that are free text"),
    ],
)
def test_the_report_says_in_words_what_is_hidden(
    write_csv: WriteCsv, tmp_path: Path, lang: str, rows_hidden: str, pooled: str
) -> None:
    """Two persons of other sex hide the total (terminal and findings.json said so; the report showed only
    '..'), and a free-text residence of one person is pooled into a hidden 'övriga': both in words under
    the report's introduction, in HTML and in Markdown (and so in Word), never with the text itself."""
    rows = _district_rows(
        [
            ["Annat", "8", "Norr", "Ja"],
            ["Annat", "9", "Norr", "Ja"],
            ["K", "10", "Hemlös, hos moster Anna", "Ja"],
        ]
    )
    out = tmp_path / "rapport"
    run_analysis(write_csv(rows), out=out, formats=("json", "html", "md"), lang=lang)
    if lang == "sv":  # the terminal says it too, in the report's words
        printed = " ".join(
            CliRunner()
            .invoke(app, ["analyse", str(write_csv(rows)), "--out", str(tmp_path / "t")])
            .output.split()
        )
        assert rows_hidden in printed and "Stadsdel" in printed and "moster" not in printed
    stem = "rapport" if lang == "sv" else "report"
    for name in (f"{stem}.html", f"{stem}.md"):
        text = (out / name).read_text(encoding="utf-8")
        assert rows_hidden in text and pooled in text, name
        assert "Anna" not in text and "moster" not in text


@pytest.mark.slow
def test_a_small_breakdown_group_is_hidden_whole(write_csv: WriteCsv) -> None:
    """Östra holds 3 girls of 8 and 2 boys of 15 (5 persons: its name is published, see test_labels).
    Among the 7-12-year-olds of Östra there are 3 girls and no boy: the boys' 0 is hidden too (it told
    that all of them are girls), and so are the zeros of other and unknown sex."""
    rows = _district_rows([["K", "8", "Östra", "Ja"]] * 3 + [["M", "15", "Östra", "Nej"]] * 2)
    findings = run_analysis(write_csv(rows), out=None).findings
    ostra = _cells(findings, breakdown={"age_band": "7-12", "residence": "Östra"})
    assert {d["sex"] for d in ostra} >= {"female", "male", "other", "unknown"}
    assert all(d["n"] is None for d in ostra)
    # and the reader cannot work them out, nor narrow them to a few
    assert recoverable_cells(findings) == []
    assert narrow_cells(findings, 5, {"residence": "Stadsdel", "age_band": "Ålder"}) == []


def test_everyone_or_no_one_of_a_small_group_is_not_published(write_csv: WriteCsv) -> None:
    """All 8 boys of Östra were refused: 0 % of a group under 10 is hidden (attribute disclosure); the
    boys' whole-group share (20 of 48) is shown."""
    extra = (
        [["M", "8", "Östra", "Nej"]] * 8 + [["K", "8", "Östra", "Ja"]] * 6 + [["K", "8", "Östra", "Nej"]] * 6
    )
    findings = run_analysis(write_csv(_district_rows(extra)), out=None).findings
    (boys,) = _cells(findings, breakdown={"residence": "Östra"}, sex="male")
    assert boys["n"] == 8 and boys["value"] is None and boys["suppressed"]
    (girls,) = _cells(findings, breakdown={"residence": "Östra"}, sex="female")
    assert girls["n"] == 12
    whole = {d["sex"]: d for d in _cells(findings, breakdown={})}
    assert whole["male"]["value"] == pytest.approx(20 / 48, abs=1e-4)
    assert recoverable_cells(findings) == []


@pytest.mark.slow
def test_the_bounds_attack_finds_nothing_in_the_example(example_run: ExampleRun) -> None:
    """Before: 16 hidden non-zero cells of the example were pinned exactly (zeros under a published zero
    total, the unknown group of a breakdown, rows = n + missing) and 95 narrowed to 4 values or fewer."""
    findings = example_run.findings()
    assert recoverable_cells(findings) == []
    assert narrow_cells(findings, findings["settings"]["min_cell"], EXAMPLE_COLUMNS) == []


def _extract(seed: int, rows: int) -> list[list[str]]:
    """Random small extracts with a few people of other or unknown sex and empty residences."""
    rng = random.Random(seed)
    out = [["Kön", "Ålder", "Stadsdel", "Insats beviljad", "Timmar per vecka"]]
    for _ in range(rows):
        granted = rng.random() < 0.5
        out.append(
            [
                rng.choice(["Flicka"] * 8 + ["Pojke"] * 8 + ["Annat", "-"]),
                str(rng.randint(0, 17)),
                rng.choice(["Norr", "Söder", "Centrum", "Centrum", ""]),
                "Ja" if granted else "Nej",
                f"{rng.randint(1, 20)}" if granted and rng.random() < 0.9 else "",
            ]
        )
    return out


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), rows=st.integers(15, 150))
def test_the_bounds_attack_finds_nothing_in_random_extracts(
    write_csv: WriteCsv, seed: int, rows: int
) -> None:
    findings = run_analysis(write_csv(_extract(seed, rows)), out=None).findings
    assert recoverable_cells(findings) == []
    assert narrow_cells(findings, 5, {"residence": "Stadsdel", "age_band": "Ålder"}) == []
    for d in findings["descriptives"]:
        assert d["n"] is None or d["n"] == 0 or d["n"] >= 5, d
        if d["kind"] != "numeric" and d["value"] in (0.0, 1.0):
            assert d["n"] >= 10, d
