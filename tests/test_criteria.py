"""The criteria tables in `criteria/`: what every shipped area holds, how malformed files are refused,
and the `oppnaogon criteria list|show` commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import oppnaogon.model.criteria as criteria_module
from oppnaogon.cli import app
from oppnaogon.errors import ExitCode
from oppnaogon.model.criteria import (
    CRITERION_KIND,
    CriteriaError,
    UnknownAreaError,
    available_areas,
    criteria_aliases,
    find_area,
    load_area,
    parse_area,
)
from oppnaogon.model.kinds import CRITERION_IDS
from oppnaogon.model.roles import ROLE_ALIASES, header_key

from .conftest import ROOT

runner = CliRunner()
AREAS = ["aldreomsorg", "barn_och_unga", "lss", "socialpsykiatri"]
ADULT_AREAS = ["aldreomsorg", "lss", "socialpsykiatri"]
NOT_NEEDED = "Nej men skulle ha behövts"


def _flat(text: str) -> str:
    """Output with every run of whitespace as one space, so that wrapped lines compare as one."""
    return " ".join(text.split())


# --- the shipped tables -------------------------------------------------------------------------------


def test_every_shipped_area_loads() -> None:
    assert available_areas() == AREAS
    for name in AREAS:
        area = load_area(name)
        assert area.area == name
        assert area.name_sv and area.name_en
        assert any("Analysstöd" in source for source in area.sources)


@pytest.mark.parametrize("name", AREAS)
def test_each_area_has_the_six_criteria_with_the_right_outcome_kind(name: str) -> None:
    area = load_area(name)
    assert [c.id for c in area.criteria] == list(CRITERION_IDS)
    for criterion in area.criteria:
        assert criterion.applies_to == CRITERION_KIND[criterion.id]
        assert criterion.information_needed_sv
        assert len(criterion.information_needed_sv) == len(criterion.information_needed_en)
        assert criterion.variables, criterion.id
    assert [c.id for c in area.applying_to("decision")] == ["need", "met_otherwise", "consent"]
    assert [c.id for c in area.applying_to("participation")] == [
        "wish_to_participate",
        "guardian_attitude",
        "accessibility",
    ]


@pytest.mark.parametrize("name", AREAS)
def test_accessibility_keeps_the_value_that_never_explains(name: str) -> None:
    accessibility = load_area(name).by_id("accessibility")
    assert accessibility is not None
    assert accessibility.not_explaining_values == (NOT_NEEDED,)
    assert all(NOT_NEEDED in v.values for v in accessibility.variables)


@pytest.mark.parametrize("name", ADULT_AREAS)
def test_adult_areas_use_ibic_and_cite_the_2022_report(name: str) -> None:
    area = load_area(name)
    assert area.instrument == "IBIC"
    assert any("2022:6" in source and "Ljuset på skillnader" in source for source in area.sources)
    assert area.area_note_sv and area.area_note_en
    need = area.by_id("need")
    assert need is not None
    # SKR's own line for adults replaces BBIC's risk assessment
    assert "Vilken bedömning av begränsning och behov som gjorts enligt IBIC eller motsvarande" in (
        need.information_needed_sv
    )
    assert not any("BBIC" in line for line in need.information_needed_sv)
    assert not any("risk" in value.lower() for v in need.variables for value in v.values)
    texts = [q for c in area.criteria for v in c.variables for q in (v.question_sv, *v.values)]
    assert not any("LVU" in text for text in texts)  # LVU is child welfare's law


@pytest.mark.parametrize("name", ["aldreomsorg", "socialpsykiatri"])
def test_adult_only_areas_do_not_ask_about_children(name: str) -> None:
    area = load_area(name)
    questions = [v.question_sv for c in area.criteria for v in c.variables]
    assert not any("barn" in q.lower() for q in questions), questions
    assert not any("vårdnadshavare" in q.lower() for q in questions), questions


def test_the_child_welfare_table_is_unchanged_in_substance() -> None:
    area = load_area("barn_och_unga")
    assert area.instrument == "BBIC"
    need = area.by_id("need")
    assert need is not None
    risk = next(v for v in need.variables if v.ordered)
    assert risk.values == ("Inte känt", "Låg risk", "Förhöjd risk", "Hög risk")


@pytest.mark.parametrize("name", AREAS)
def test_aliases_belong_to_one_criterion_per_file(name: str) -> None:
    owner: dict[str, str] = {}
    for criterion in load_area(name).criteria:
        for alias in criterion.header_aliases:
            assert owner.setdefault(header_key(alias), criterion.id) == criterion.id, alias


def test_an_alias_means_the_same_criterion_in_every_file() -> None:
    """Without `area`, aliases of all files are merged: they must not disagree."""
    meaning: dict[str, tuple[str, str]] = {}
    for name in AREAS:
        for criterion in load_area(name).criteria:
            for alias in criterion.header_aliases:
                first = meaning.setdefault(header_key(alias), (criterion.id, name))
                assert first[0] == criterion.id, (alias, first, name)
    assert criteria_aliases(None)["godmanhindrat"] == "guardian_attitude"
    # a column that only says someone has a trustee is no attitude: not an alias
    assert "godman" not in criteria_aliases(None)
    assert criteria_aliases("lss")["livsomraden"] == "need"


def test_no_alias_shadows_a_column_role() -> None:
    roles = {alias for aliases in ROLE_ALIASES.values() for alias in aliases}
    for name in AREAS:
        for criterion in load_area(name).criteria:
            assert not {header_key(a) for a in criterion.header_aliases} & roles


def test_adult_aliases_are_recognised() -> None:
    aliases = criteria_aliases("aldreomsorg")
    for header, criterion in [
        ("Behovsbedömning", "need"),
        ("Bedömd funktionsnedsättning", "need"),
        ("Livsområde", "need"),
        ("God man hindrat", "guardian_attitude"),
        ("Tolk", "accessibility"),
        ("Kommunikationsstöd", "accessibility"),
        ("Samtycke", "consent"),
        ("Anhörig", "met_otherwise"),
        ("Tillfrågad", "wish_to_participate"),
    ]:
        assert aliases[header_key(header)] == criterion, header


def test_areas_are_found_regardless_of_case_spaces_and_diacritics() -> None:
    assert find_area("lss") == "lss"
    assert find_area("Äldreomsorg") == "aldreomsorg"
    assert find_area("barn och unga") == "barn_och_unga"
    with pytest.raises(UnknownAreaError) as caught:
        find_area("lls")
    assert caught.value.exit_code == ExitCode.USAGE
    assert "Menade du 'lss'?" in str(caught.value)
    with pytest.raises(UnknownAreaError):
        load_area("../barn_och_unga")


# --- malformed files ----------------------------------------------------------------------------------

_VALID = """
area = "prov"
name_sv = "Prov"
name_en = "Test"
instrument = "IBIC"
sources = ["SKR"]

[[criterion]]
id = "need"
applies_to = "decision"
name_sv = "Skillnader i brukarens behov"
name_en = "Differences in the client's needs"
information_needed_sv = ["Behovsbedömning"]
information_needed_en = ["Needs assessment"]
header_aliases = ["behov", "bedömt behov"]

  [[criterion.variables]]
  question_sv = "Behov?"
  question_en = "Need?"
  values = ["Ja", "Nej"]

[[criterion]]
id = "accessibility"
applies_to = "participation"
name_sv = "Tillgänglighet"
name_en = "Accessibility"
information_needed_sv = ["Anpassningar"]
information_needed_en = ["Accommodations"]
header_aliases = ["tolk"]
not_explaining_values = ["Nej men skulle ha behövts"]

  [[criterion.variables]]
  question_sv = "Har tolk använts?"
  question_en = "Was an interpreter used?"
  values = ["Ja", "Nej men skulle ha behövts", "Nej behövdes ej"]
"""

WriteArea = Callable[..., Path]


@pytest.fixture
def write_area(tmp_path: Path) -> WriteArea:
    """Write the valid test table with `replace` pairs applied (each must match once) and return it."""

    def write(*replace: tuple[str, str], text: str | None = None, name: str = "prov.toml") -> Path:
        content = _VALID if text is None else text
        for old, new in replace:
            assert content.count(old) == 1, old
            content = content.replace(old, new)
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        return path

    return write


def _error(path: Path) -> str:
    with pytest.raises(CriteriaError) as caught:
        parse_area(path)
    return str(caught.value)


def test_a_valid_file_parses_with_empty_notes_by_default(write_area: WriteArea) -> None:
    area = parse_area(write_area())
    assert [c.id for c in area.criteria] == ["need", "accessibility"]
    assert area.area_note_sv == "" and area.criteria[0].note_sv == ""
    assert area.criteria[1].not_explaining_values == (NOT_NEEDED,)


def test_notes_are_read(write_area: WriteArea) -> None:
    path = write_area(
        (
            'instrument = "IBIC"\n',
            'instrument = "IBIC"\narea_note_sv = "Om IBIC"\narea_note_en = "On IBIC"\n',
        ),
        ('header_aliases = ["tolk"]\n', 'header_aliases = ["tolk"]\nnote_sv = "Obs"\nnote_en = "Note"\n'),
    )
    area = parse_area(path)
    assert (area.area_note_sv, area.area_note_en) == ("Om IBIC", "On IBIC")
    assert (area.criteria[1].note_sv, area.criteria[1].note_en) == ("Obs", "Note")


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        # a string where a list is expected
        (
            ('header_aliases = ["tolk"]', 'header_aliases = "tolk"'),
            ["kriterium 2 (accessibility)", "header_aliases", "lista"],
        ),
        (('values = ["Ja", "Nej"]', 'values = "Ja"'), ["kriterium 1 (need), variabel 1", "values", "lista"]),
        (('sources = ["SKR"]', "sources = [1]"), ["sources", "lista med annat än texter"]),
        # a list or number where text is expected
        (('name_sv = "Prov"', 'name_sv = ["Prov"]'), ["name_sv", "text"]),
        (('id = "need"', "id = 3"), ["kriterium 1 (utan id)", "'id'", "heltal"]),
    ],
)
def test_wrong_types_are_named(write_area: WriteArea, replace: tuple[str, str], expected: list[str]) -> None:
    message = _error(write_area(replace))
    assert message.startswith("prov.toml")
    for text in expected:
        assert text in message, (text, message)


def test_ordered_must_be_true_or_false(write_area: WriteArea) -> None:
    message = _error(write_area(('values = ["Ja", "Nej"]', 'values = ["Ja", "Nej"]\n  ordered = "ja"')))
    assert (
        "kriterium 1 (need), variabel 1" in message and "ordered" in message and "true eller false" in message
    )


def test_a_criterion_given_twice_is_refused(write_area: WriteArea) -> None:
    message = _error(
        write_area(
            ('id = "accessibility"\napplies_to = "participation"', 'id = "need"\napplies_to = "decision"'),
            ('header_aliases = ["tolk"]', 'header_aliases = ["tolk"]'),
        )
    )
    assert "prov.toml, kriterium 2 (need)" in message
    assert "finns redan som kriterium 1" in message


def test_an_alias_used_by_two_criteria_is_refused(write_area: WriteArea) -> None:
    message = _error(write_area(('header_aliases = ["tolk"]', 'header_aliases = ["tolk", "Bedömt behov"]')))
    assert "prov.toml, kriterium 2 (accessibility)" in message
    assert "'Bedömt behov'" in message and "kriterium 1 (need)" in message


def test_an_alias_repeated_within_one_criterion_is_allowed(write_area: WriteArea) -> None:
    area = parse_area(write_area(('header_aliases = ["tolk"]', 'header_aliases = ["tolk", "Tolk"]')))
    assert area.criteria[1].header_aliases == ("tolk", "Tolk")


def test_not_explaining_values_must_be_a_value(write_area: WriteArea) -> None:
    message = _error(
        write_area(
            (
                'not_explaining_values = ["Nej men skulle ha behövts"]',
                'not_explaining_values = ["Nej men skulle ha behövt"]',
            )
        )
    )
    assert "kriterium 2 (accessibility)" in message and "not_explaining_values" in message
    assert "Menade du 'Nej men skulle ha behövts'?" in message


@pytest.mark.parametrize(
    ("replace", "where", "suggestion"),
    [
        (
            ('header_aliases = ["tolk"]', 'header_alias = ["tolk"]'),
            "kriterium 2 (accessibility)",
            "header_aliases",
        ),
        (('values = ["Ja", "Nej"]', 'value = ["Ja", "Nej"]'), "kriterium 1 (need), variabel 1", "values"),
        (('instrument = "IBIC"', 'instrumnet = "IBIC"'), "prov.toml", "instrument"),
        (
            ('applies_to = "decision"', 'applies_to = "decision"\nnote_sw = "x"'),
            "kriterium 1 (need)",
            "note_sv",
        ),
    ],
)
def test_unknown_keys_get_a_suggestion(
    write_area: WriteArea, replace: tuple[str, str], where: str, suggestion: str
) -> None:
    message = _error(write_area(replace))
    assert where in message and "okänd nyckel" in message
    assert f"Menade du {suggestion!r}?" in message


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (('id = "need"', 'id = "needs"'), ["okänt id 'needs'", "Menade du 'need'?"]),
        (
            ('applies_to = "decision"', 'applies_to = "participation"'),
            ["need", "applies_to ska vara 'decision'"],
        ),
        (('applies_to = "decision"', 'applies_to = "beslut"'), ["decision eller participation"]),
        (('values = ["Ja", "Nej"]', "values = []"), ["variabel 1", "values` är tom"]),
        (('values = ["Ja", "Nej"]', 'values = ["Ja", "Ja"]'), ["'Ja' står flera gånger"]),
        (('name_en = "Test"\n', ""), ["prov.toml: fältet 'name_en' saknas"]),
        (
            ('information_needed_en = ["Needs assessment"]\n', ""),
            ["kriterium 1 (need)", "'information_needed_en' saknas"],
        ),
        (('header_aliases = ["tolk"]', 'header_aliases = ["tolk"]\nnote_sv = "Obs"'), ["'note_en' saknas"]),
        (('area = "prov"', 'area = "annat"'), ["'annat'", "filens namn"]),
    ],
)
def test_other_mistakes_are_named(
    write_area: WriteArea, replace: tuple[str, str], expected: list[str]
) -> None:
    message = _error(write_area(replace))
    for text in expected:
        assert text in message, (text, message)


def test_invalid_toml_names_the_file(write_area: WriteArea) -> None:
    message = _error(write_area(text='area = "prov"\nname_sv = \n'))
    assert "prov.toml" in message and "inte giltig TOML" in message


def test_criterion_must_be_an_array_of_tables(write_area: WriteArea) -> None:
    message = _error(write_area(text='area = "prov"\nname_sv = "P"\nname_en = "P"\ncriterion = "need"\n'))
    assert "[[criterion]]" in message


# --- the commands -------------------------------------------------------------------------------------


def test_criteria_list_shows_every_area() -> None:
    result = runner.invoke(app, ["criteria", "list"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    for text in [*AREAS, "Äldreomsorg", "Social barn- och ungdomsvård", "IBIC", "BBIC", "beslut om insats"]:
        assert text in result.output, text


def test_criteria_show_prints_tables_1_and_2_in_swedish() -> None:
    result = runner.invoke(app, ["criteria", "show", "barn_och_unga"])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    table_1 = text.index(
        "Tabell 1: Kriterier, uppgifter som behövs och exempel på variabler för att analysera skillnad i "
        "beslut om insats"
    )
    table_2 = text.index(
        "Tabell 2: Kriterier, uppgifter som behövs och exempel på variabler för att analysera skillnad i "
        "delaktighet"
    )
    need = text.index("Skillnader i brukarens behov")
    interpreter = text.index("Har tolk använts i samtal med brukaren/barnet/vårdnadshavare?")
    assert table_1 < need < table_2 < interpreter
    assert "Skillnader i beslut om insatser är omotiverade om de inte förklaras av:" in text
    assert "Uppgifter som behövs:" in text and "Exempel på variabler:" in text
    assert "Inte känt → Låg risk → Förhöjd risk → Hög risk" in text
    assert "Nej men skulle ha behövts (förklarar aldrig en skillnad)" in text
    assert "Ja (förklarar aldrig" not in text
    assert "[need]" in text and "[accessibility]" in text
    assert all(line == line.rstrip() for line in result.output.splitlines())


def test_criteria_show_in_english() -> None:
    result = runner.invoke(app, ["criteria", "show", "barn_och_unga", "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert text.index("Table 1:") < text.index("Differences in the client's needs") < text.index("Table 2:")
    assert "Information needed:" in text and "(never explains a difference)" in text
    assert "Uppgifter som behövs" not in text and "Skillnader i brukarens behov" not in text


@pytest.mark.parametrize("name", ADULT_AREAS)
def test_criteria_show_adult_areas(name: str) -> None:
    result = runner.invoke(app, ["criteria", "show", name])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "Instrument: IBIC" in text
    assert "enligt IBIC eller motsvarande" in text
    assert "Hemliv" in text and "Obs:" in text


def test_criteria_show_accepts_a_name_with_diacritics() -> None:
    result = runner.invoke(app, ["criteria", "show", "Äldreomsorg"])
    assert result.exit_code == 0, result.output
    assert "Äldreomsorg (aldreomsorg)" in result.output


def test_an_unknown_area_is_a_usage_error_with_the_areas_and_a_suggestion() -> None:
    result = runner.invoke(app, ["criteria", "show", "aldreomsorgen"])
    assert result.exit_code == 2
    text = _flat(result.output)
    assert "Okänt verksamhetsområde" in text
    assert "Det finns ingen kriterietabell för området 'aldreomsorgen'." in text
    assert "Menade du 'aldreomsorg'?" in text
    for name in AREAS:
        assert name in text


def test_an_unknown_language_is_a_usage_error() -> None:
    result = runner.invoke(app, ["criteria", "show", "lss", "--lang", "fr"])
    assert result.exit_code == 2


@pytest.fixture
def broken_criteria(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A criteria folder whose only file has a typo, in place of the shipped one."""
    folder = tmp_path / "criteria"
    folder.mkdir()
    text = (ROOT / "criteria" / "lss.toml").read_text(encoding="utf-8")
    (folder / "lss.toml").write_text(
        text.replace("\nheader_aliases = [", "\nheader_alias = [", 1), encoding="utf-8"
    )
    monkeypatch.setattr(criteria_module, "shipped", lambda name: folder)
    load_area.cache_clear()
    yield folder
    load_area.cache_clear()


def test_a_malformed_shipped_file_is_reported_not_a_traceback(broken_criteria: Path) -> None:
    result = runner.invoke(app, ["criteria", "show", "lss"])
    assert result.exit_code == 1
    text = _flat(result.output)
    assert "Fel i kriterietabell" in text
    assert "lss.toml, kriterium 1 (need): okänd nyckel 'header_alias'" in text
    assert "Menade du 'header_aliases'?" in text
