"""One vocabulary for the sexes (`model.sexes`): every word is in its table, and no other module keeps
words of its own for them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from oppnaogon.model.config import SEX_VALUES
from oppnaogon.model.sexes import (
    AGE_GROUPS,
    COMPARED,
    DEFINITE,
    MINOR,
    SEX_WORDS,
    SEXES,
    age_group_of_band,
    age_group_of_population,
    definite,
    row_sex_word,
    sex_word,
)
from oppnaogon.model.wording import LANGUAGES
from oppnaogon.stats import compare

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "oppnaogon"


def test_every_sex_has_a_word_in_every_language_and_age_group() -> None:
    assert set(SEX_WORDS) == set(LANGUAGES)
    for lang in LANGUAGES:
        assert set(SEX_WORDS[lang]) == set(AGE_GROUPS)
        for group in AGE_GROUPS:
            assert tuple(SEX_WORDS[lang][group]) == SEXES
    # every compared sex's Swedish word has its definite form
    assert {SEX_WORDS["sv"][g][s] for g in AGE_GROUPS for s in COMPARED} == set(DEFINITE["sv"])


def test_the_codes_are_the_ones_of_the_sex_column_and_of_the_statistics() -> None:
    assert SEX_VALUES == SEXES == COMPARED + MINOR
    assert compare.SEXES == COMPARED


@pytest.mark.parametrize(
    ("sex", "group", "lang", "word"),
    [
        ("female", "children", "sv", "flickor"),
        ("male", "children", "sv", "pojkar"),
        ("female", "adults", "sv", "kvinnor"),
        ("male", "adults", "sv", "män"),
        ("female", "mixed", "sv", "kvinnor/flickor"),
        ("male", "mixed", "en", "men/boys"),
        ("other", "children", "sv", "annat kön"),
        ("unknown", "adults", "en", "unknown sex"),
    ],
)
def test_sex_word(sex: str, group: str, lang: str, word: str) -> None:
    assert sex_word(sex, group, lang) == word


def test_the_age_band_of_a_row_decides_its_words_else_the_population() -> None:
    assert age_group_of_band("13-17") == "children"
    assert age_group_of_band("18-29") == "adults"
    assert age_group_of_band("80+") == "adults"
    assert age_group_of_band("15-24") == "mixed"
    assert age_group_of_population(0, 17) == "children"
    assert age_group_of_population(18, None) == "adults"
    assert age_group_of_population(None, None) == "mixed"
    assert row_sex_word("female", {"age_band": "0-6"}, "mixed") == "flickor"
    assert row_sex_word("male", {}, "adults", "en") == "men"
    assert definite("pojkar") == "pojkarna"
    assert definite("girls", "en") == "the girls"


def test_no_module_keeps_words_for_the_sexes_of_its_own() -> None:
    """The words the outputs show come from `model.sexes`: no presenter, command or rule writes its own
    (the sex codes an extract may hold, `kvinnor` among them, are reading, in roles and config)."""
    words = {word for lang in SEX_WORDS.values() for group in lang.values() for word in group.values()}
    words |= set(DEFINITE["sv"].values())
    words |= {word.capitalize() for word in words}
    found = []
    for package in ("present", "cli", "app", "analysis", "disclosure"):
        for path in sorted((PACKAGE / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            # a dict key such as "women" names a placeholder of the texts, not a word shown
            keys = {id(k) for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys}
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and node.value in words
                    and id(node) not in keys
                ):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}")
    assert found == []
