"""The reason catalogue (`model.reasons`): every code has both texts, every text a code that a rule
produces, and the Swedish outputs never show a reason in English."""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import pytest

from oppnaogon.model import reasons
from oppnaogon.model.reasons import CATALOGUE, KINDS, code_of, published, reason_text, shown_reason

from .conftest import ExampleRun

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "oppnaogon"
CATALOGUE_MODULE = PACKAGE / "model" / "reasons.py"


def _string_constants_outside_catalogue() -> set[str]:
    """Every string literal of the package's modules but the catalogue's own."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path == CATALOGUE_MODULE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def test_every_code_has_a_swedish_and_an_english_text() -> None:
    for code, text in CATALOGUE.items():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)+", code), code
        assert text.sv.strip() and text.en.strip(), code
        # a Swedish text that is the English one is a missing translation
        assert text.sv != text.en, code


def test_a_code_belongs_to_one_kind_and_a_published_text_to_one_code() -> None:
    codes = [code for table in KINDS.values() for code in table]
    assert len(codes) == len(set(codes)) == len(CATALOGUE)
    # findings.json gives the English text: reading it back must find one code
    english = [text.en for text in CATALOGUE.values()]
    assert len(english) == len(set(english))
    for code in CATALOGUE:
        assert code_of(published(code)) == code


def test_no_text_is_orphaned_every_code_is_produced_by_a_rule() -> None:
    literals = _string_constants_outside_catalogue()
    orphaned = sorted(code for code in CATALOGUE if code not in literals)
    assert orphaned == []


def test_no_rule_writes_a_reason_sentence_of_its_own() -> None:
    """The sentences live in the catalogue only: a rule that wrote one would bypass its Swedish text."""
    literals = _string_constants_outside_catalogue()
    written = sorted(text.en for text in CATALOGUE.values() if text.en in literals)
    written += sorted(text.sv for text in CATALOGUE.values() if text.sv in literals)
    assert written == []


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_the_swedish_words_of_a_published_reason_are_swedish(code: str) -> None:
    assert shown_reason(published(code), "sv") == CATALOGUE[code].sv != CATALOGUE[code].en
    assert shown_reason(published(code), "en") == CATALOGUE[code].en
    assert reason_text(code) == CATALOGUE[code].sv


def test_a_reason_of_no_code_is_shown_as_written_and_none_as_nothing() -> None:
    assert shown_reason(None) == shown_reason("") == ""
    assert shown_reason("a reason of another version", "sv") == "a reason of another version"


def test_the_published_texts_are_todays_sentences() -> None:
    """findings.json is published: its reasons keep their words (a change here is a change of the JSON)."""
    assert published("explained_like_with_like") == "explained when like is compared with like"
    assert published("hidden_values_revealable") == "suppressed: individual values could be revealed"
    assert published("hidden_small_group") == "suppressed: too few people in a group"
    assert reasons.VERDICT_REASONS["explained_on_average_only"].en == (
        "explained on average, but the difference is not the same at every level of the criteria"
    )


def test_the_swedish_outputs_of_the_example_give_every_reason_in_swedish(example_run: ExampleRun) -> None:
    findings = example_run.findings()
    given = {d["verdict_reason"] for d in findings["differences"] if d["verdict_reason"]}
    given |= {d["reason"] for d in findings["differences"] if d["reason"]}
    codes = {code_of(sentence) for sentence in given}
    assert None not in codes  # every reason findings.json gives is a code's
    assert len(codes) >= 3  # the example gives verdict reasons and reasons for hidden differences
    table = (example_run.out / "skillnader.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(table), delimiter=";"))
    shown = {row[column] for row in rows for column in ("skäl", "bedömningens_skäl") if row.get(column)}
    report = (example_run.out / "rapport.md").read_text(encoding="utf-8")
    for code in codes:
        assert code is not None
        assert CATALOGUE[code].en not in shown and CATALOGUE[code].en not in report, code
    assert shown <= {text.sv for text in CATALOGUE.values()}
    assert shown & {text.sv for text in reasons.DIFFERENCE_REASONS.values()}
    assert shown & {text.sv for text in reasons.VERDICT_REASONS.values()}
