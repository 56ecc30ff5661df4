from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from oppnaogon.errors import ConfigError
from oppnaogon.model.config import AGE_BAND_PRESETS, Config, OutcomeSpec, load_config

from .conftest import EXAMPLE_CONFIG


def _load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "oppnaogon.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    assert caught.value.exit_code == 2
    return str(caught.value)


def test_product_example_config_is_valid(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        """
area = "barn_och_unga"
min_cell = 5
age_bands = [0, 7, 13, 18]
reference_date = 2026-06-30

[columns]
sex = "Kön"
age = "Ålder"

[values.sex]
female = ["2", "K"]
male = ["1", "M"]

[outcomes.insats_beviljad]
column = "Insats beviljad"
kind = "decision"
positive = ["Ja"]

[outcomes.omfattning]
column = "Timmar per vecka"
kind = "numeric"

[criteria]
need = ["Risknivå", "Behov bedömt"]
consent = "Samtycke"
""",
    )
    assert config.area == "barn_och_unga"
    assert config.resolved_age_bands() == ((0, 7, 13, 18), "oppnaogon.toml")
    assert config.reference_date == date(2026, 6, 30)
    assert config.columns == {"sex": "Kön", "age": "Ålder"}
    assert config.values["sex"] == {"female": ("2", "K"), "male": ("1", "M")}
    assert config.outcomes == (
        OutcomeSpec("insats_beviljad", "Insats beviljad", "decision", positive=("Ja",)),
        OutcomeSpec("omfattning", "Timmar per vecka", "numeric"),
    )
    assert config.criteria == {"need": ("Risknivå", "Behov bedömt"), "consent": ("Samtycke",)}


def test_shipped_example_config_is_valid() -> None:
    config = load_config(EXAMPLE_CONFIG)
    assert config.area == "barn_och_unga"
    assert [o.kind for o in config.outcomes or ()] == ["decision", "participation", "numeric"]


def test_age_band_presets_and_defaults(tmp_path: Path) -> None:
    assert _load(tmp_path, 'age_bands = "aldre"').resolved_age_bands() == ((0, 65, 80), "aldre")
    assert Config(area="barn_och_unga").resolved_age_bands() == (
        AGE_BAND_PRESETS["vardanalys_2018"],
        "vardanalys_2018",
    )
    assert Config().resolved_age_bands()[1] == "allman"


def test_unknown_key_names_key_line_and_suggestion(tmp_path: Path) -> None:
    message = _error(tmp_path, 'area = "barn_och_unga"\nmin_cel = 5\n')
    assert "rad 2" in message and "`min_cel`" in message and "Menade du `min_cell`?" in message


def test_unknown_key_in_a_table(tmp_path: Path) -> None:
    message = _error(tmp_path, '[columns]\nsex = "Kön"\nalder = "Ålder"\n')
    assert "rad 3" in message and "`columns.alder`" in message and "Menade du `columns.age`?" in message


def test_bad_outcome_kind(tmp_path: Path) -> None:
    message = _error(tmp_path, '[outcomes.beviljad]\ncolumn = "Insats"\nkind = "yes/no"\n')
    assert "`outcomes.beviljad.kind`" in message and "rad 3" in message
    assert "decision, participation, proportion, numeric" in message
    assert "Menade du" not in message
    assert "Menade du 'participation'?" in _error(
        tmp_path, '[outcomes.b]\ncolumn = "x"\nkind = "participaton"\n'
    )


def test_outcome_without_column(tmp_path: Path) -> None:
    assert "`outcomes.beviljad.column` saknas" in _error(tmp_path, '[outcomes.beviljad]\nkind = "decision"\n')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("min_cell = 0", "`min_cell` är 0; lägsta tillåtna gräns för röjandekontroll är 3."),
        ("min_cell = 2", "`min_cell` är 2; lägsta tillåtna gräns för röjandekontroll är 3."),
        ("min_cell = 1001", "`min_cell` är 1001; högsta tillåtna gräns är 1000."),
        ('min_cell = "5"', "`min_cell` ska vara ett heltal från 3 till 1000, inte '5'."),
        ("age_bands = [0, 13, 7]", "stigande heltal"),
        ('age_bands = "barn"', "ingen känd förinställning"),
        ('period = "week"', "quarter, tertial, month, year"),
        ('reference_date = "igår"', '"2026-06-30"'),
        ('[input]\ndelimiter = "|"', '";", "," eller "tab"'),
        ('[values.sex]\nkvinna = ["K"]', "`values.sex.kvinna`"),
        ('[values.age]\nx = ["1"]', "`values.age` okänd roll"),
        ('[criteria]\nbehov = ["Risk"]', "Menade du"),
        ('[columns]\nage = "Ålder"\nbirth_date = "Född"', "antingen age eller birth_date"),
        ('[outcomes."Insats beviljad"]\ncolumn = "x"\nkind = "decision"', "små bokstäver"),
    ],
)
def test_invalid_values_are_explained(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in _error(tmp_path, text)


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    message = _error(tmp_path, "[columns]\nsex = Kön\n")
    assert "inte giltig TOML" in message and "line 2" in message


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="finns inte"):
        load_config(tmp_path / "saknas.toml")


def test_a_limit_below_3_in_the_config_names_the_line_and_what_to_do(tmp_path: Path) -> None:
    message = _error(tmp_path, 'area = "barn_och_unga"\nmin_cell = 2\n')
    assert message == (
        f"{tmp_path / 'oppnaogon.toml'}, rad 2: `min_cell` är 2; lägsta tillåtna gräns för röjandekontroll "
        "är 3.\nAnge ett heltal från 3 till 1000 (standard 5): lägre gränser kan röja enskilda personer."
    )


MIN_CELL_HINT = "Ange ett heltal från 3 till 1000 (standard 5): lägre gränser kan röja enskilda personer."


@pytest.mark.parametrize(
    ("settings", "message", "hint"),
    [
        (
            {"min_cell": 2},
            "Röjandegränsen --min-cell (min_cell) är 2; lägsta tillåtna gräns för röjandekontroll är 3.",
            MIN_CELL_HINT,
        ),
        (
            {"min_cell": -5},
            "Röjandegränsen --min-cell (min_cell) är -5; lägsta tillåtna gräns för röjandekontroll är 3.",
            MIN_CELL_HINT,
        ),
        (
            {"min_cell": 5000},
            "Röjandegränsen --min-cell (min_cell) är 5000; högsta tillåtna gräns är 1000.",
            MIN_CELL_HINT,
        ),
        (
            {"min_cell": 5.0},
            "Röjandegränsen --min-cell (min_cell) ska vara ett heltal från 3 till 1000, inte 5.0.",
            MIN_CELL_HINT,
        ),
        (
            {"min_cell": True},
            "Röjandegränsen --min-cell (min_cell) ska vara ett heltal från 3 till 1000, inte True.",
            MIN_CELL_HINT,
        ),
        (
            {"min_diff": -0.05},
            "Minsta anmärkningsvärda skillnad --min-diff (min_diff) är -5 procentenheter; den ska vara från 0 "
            "till 100 procentenheter.",
            "Ange skillnaden i procentenheter, t.ex. --min-diff 5 (standard).",
        ),
        (
            {"min_diff": float("nan")},
            "Minsta anmärkningsvärda skillnad --min-diff (min_diff) är nan procentenheter; den ska vara från 0 "
            "till 100 procentenheter.",
            "Ange skillnaden i procentenheter, t.ex. --min-diff 5 (standard).",
        ),
        (
            {"min_smd": -0.2},
            "Minsta standardiserade skillnad min_smd är -0.2; den ska vara ett tal från 0 och uppåt.",
            "Ange t.ex. min_smd=0.2 (standard).",
        ),
        (
            {"alpha": 0},
            "alpha är 0; den ska vara ett tal mellan 0 och 1.",
            "Ange t.ex. alpha=0.05 (standard).",
        ),
        (
            {"confidence": 1.0},
            "confidence är 1.0; den ska vara ett tal mellan 0 och 1.",
            "Ange t.ex. confidence=0.95 (standard).",
        ),
    ],
)
def test_analysis_settings_out_of_range_are_refused_wherever_they_are_built(
    settings: dict[str, object], message: str, hint: str
) -> None:
    """`AnalysisSettings` checks itself: no command and no Python caller can analyse with a limit below
    3 (batch once built its settings without the check)."""
    from oppnaogon.errors import UsageError
    from oppnaogon.model.settings import AnalysisSettings

    with pytest.raises(UsageError) as refused:
        AnalysisSettings(**settings)  # type: ignore[arg-type]
    assert (refused.value.message, refused.value.hint, refused.value.exit_code) == (message, hint, 2)


def test_the_edges_of_the_allowed_settings_are_allowed() -> None:
    from oppnaogon.model.settings import AnalysisSettings

    for settings in ({"min_cell": 3}, {"min_cell": 1000}, {"min_diff": 0.0}, {"min_diff": 1}, {"min_smd": 0}):
        assert AnalysisSettings(**settings)  # type: ignore[arg-type]


def test_analyse_refuses_a_bad_min_diff_before_anything_is_written(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from oppnaogon.cli import app

    from .conftest import EXAMPLE

    out = tmp_path / "ut" / "rapport"
    result = CliRunner().invoke(app, ["analyse", str(EXAMPLE), "--min-diff", "150", "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == (
        "Fel i kommandot: Minsta anmärkningsvärda skillnad --min-diff (min_diff) är 150 procentenheter; den "
        "ska vara från 0 till 100 procentenheter.\nAnge skillnaden i procentenheter, t.ex. --min-diff 5 "
        "(standard).\n"
    )
    assert list(tmp_path.iterdir()) == []
