"""The breakdown registry (`oppnaogon.model.breakdowns`): one entry is a breakdown, end to end.

`education` (utbildningsnivå) was added as one `category` entry; these tests show that the entry alone
makes it recognised by `init` and `check`, broken down in findings.json with its groups named, shown in
the report, protected by the disclosure control like every breakdown, and its rare values pooled.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oppnaogon.app.analyse import run_analysis
from oppnaogon.cli import app
from oppnaogon.model.breakdowns import BREAKDOWNS, BY_NAME, CROSSED_WITH_AGE, Breakdown
from oppnaogon.model.config import ROLES
from oppnaogon.model.roles import ROLE_ALIASES, detect_roles
from oppnaogon.model.wording import breakdown_text, group_text

from .attacker import recoverable_cells

WriteCsv = Callable[..., Path]
runner = CliRunner()


def _education_extract() -> list[list[str]]:
    """40 girls and 40 boys over three levels; 'Forskarutbildning' is held by 2 persons only."""
    rows = [["Kön", "Ålder", "Utbildningsnivå", "Insats beviljad"]]
    levels = [("Grundskola", 14, 12), ("Gymnasium", 14, 14), ("Eftergymnasial", 11, 13)]
    for level, girls, boys in levels:
        rows += [["K", "34", level, "Ja" if i % 2 else "Nej"] for i in range(girls)]
        rows += [["M", "34", level, "Ja" if i % 3 == 0 else "Nej"] for i in range(boys)]
    rows += [["K", "40", "Forskarutbildning", "Ja"], ["M", "41", "Forskarutbildning", "Nej"]]
    return rows


def test_every_entry_is_complete_and_the_order_is_the_reports() -> None:
    assert [b.name for b in BREAKDOWNS] == [
        "age_band",
        "birth_region",
        "residence",
        "period",
        "municipality",
        "education",
    ]
    assert CROSSED_WITH_AGE == (("age_band", "birth_region"), ("age_band", "residence"))
    # a breakdown of categories is its own role, recognised by its aliases and allowed under [columns]
    assert ROLE_ALIASES["education"] == BY_NAME["education"].aliases
    assert "education" in ROLES and ROLES.index("residence") < ROLES.index("municipality")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (lambda: Breakdown("x", ("x",), "colour", {"sv": "x", "en": "x"}), "unknown form 'colour'"),
        (lambda: Breakdown("x", ("x",), "category", {"sv": "x"}, aliases=("x",)), "Swedish and English"),
        (
            lambda: Breakdown("x", ("x",), "category", {"sv": "x", "en": "x"}),
            "its own role, with header aliases",
        ),
    ],
)
def test_an_incomplete_entry_is_refused_when_the_registry_is_read(
    entry: Callable[[], Breakdown], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        entry()


def test_the_column_is_recognised_by_its_header() -> None:
    for header in ("Utbildningsnivå", "Högsta utbildning", "utbildning", "Education level"):
        assert detect_roles(["Kön", header])["education"].header == header


def test_education_is_a_breakdown_with_its_groups_named_and_rare_values_pooled(write_csv: WriteCsv) -> None:
    findings = run_analysis(write_csv(_education_extract()), out=None).findings
    assert ["education"] in findings["breakdowns"]
    groups = {
        d["breakdown"]["education"]
        for d in findings["descriptives"]
        if list(d["breakdown"]) == ["education"] and d["sex"] == "female"
    }
    # the two persons of 'Forskarutbildning' are pooled as "övriga" over the whole file (fewer than 5)
    assert groups == {"Grundskola", "Gymnasium", "Eftergymnasial", "övriga"}
    assert "Forskarutbildning" not in json.dumps(findings, ensure_ascii=False)
    girls = next(
        d
        for d in findings["descriptives"]
        if d["breakdown"] == {"education": "Grundskola"} and d["sex"] == "female"
    )
    assert (girls["n"], girls["value"]) == (14, 0.5)
    assert "insats_beviljad/education=Grundskola" in {d["id"] for d in findings["differences"]}
    # the one boy of the pooled group is hidden, and with him a complement: nothing can be recovered
    assert any(d["suppressed"] for d in findings["descriptives"] if d["breakdown"] == {"education": "övriga"})
    assert recoverable_cells(findings) == []
    assert breakdown_text({"education": "Grundskola"}) == "utbildningsnivå"
    assert breakdown_text({"education": "Grundskola"}, "en") == "education"
    assert group_text({"education": None}) == "okänd utbildningsnivå"


def test_check_init_and_the_report_name_the_breakdown(write_csv: WriteCsv, tmp_path: Path) -> None:
    data = write_csv(_education_extract())
    checked = runner.invoke(app, ["check", str(data)])
    assert checked.exit_code == 0, checked.output
    assert "utbildningsnivå" in checked.output
    config = tmp_path / "oppnaogon.toml"
    made = runner.invoke(app, ["init", str(data), "--output", str(config)])
    assert made.exit_code == 0, made.output
    assert 'education = "Utbildningsnivå"' in config.read_text(encoding="utf-8")
    out = tmp_path / "rapport"
    analysed = runner.invoke(
        app, ["analyse", str(data), "-c", str(config), "--out", str(out), "--format", "md"]
    )
    assert analysed.exit_code == 0, analysed.output
    report = (out / "rapport.md").read_text(encoding="utf-8")
    assert "Grundskola" in report and "utbildningsnivå" in report.lower()
