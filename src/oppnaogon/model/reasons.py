"""Reason codes and their texts: every reason the analysis gives, in one catalogue.

The rules (`analysis.verdicts`, `analysis.differences`, `disclosure.numeric`, `app.batch`) decide on a
*code* (`explained_like_with_like`, `hidden_values_revealable`); the words are looked up here by code,
in Swedish and in English. findings.json publishes the English text (`published`), as it always has, so
a reader of an earlier findings.json or of the schema sees the same sentences; the terminal, the tables
and the reports find the code of a published sentence again (`code_of`) and show the text of their
language. Rewording a reason is then one edit here, in both languages, and can no longer make the
Swedish output fall back to English (tests/test_reasons.py fails on a code without both texts or on a
text no rule produces).

A new reason: add its code and both texts to the table of its kind below, and produce the code in the
rule. Swedish texts speak of "kvinnor och män"; a report on children replaces that with its own words
(`present.report.context`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReasonText:
    """The words of one reason code: Swedish and English."""

    sv: str
    en: str

    def text(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.en


VERDICT_REASONS: dict[str, ReasonText] = {
    # motivated
    "explained_like_with_like": ReasonText(
        "förklaras när lika jämförs med lika", "explained when like is compared with like"
    ),
    "explained_by_criteria_together": ReasonText(
        "förklaras av kriterierna tillsammans, inte av något ensamt",
        "explained by the criteria together, by none of them alone",
    ),
    # partly explained
    "explained_in_part": ReasonText(
        "kriterierna förklarar en del av skillnaden, och en del kan finnas kvar",
        "the criteria explain part of the difference, and some of it may remain",
    ),
    # unmotivated
    "remains_after_adjustment": ReasonText(
        "kvarstår vid lika värden på de kriterier som finns",
        "remains after adjusting for the criteria available",
    ),
    "reversed_after_adjustment": ReasonText(
        "vänder riktning vid lika värden på kriterierna", "reversed after adjustment"
    ),
    "masked_revealed_like_with_like": ReasonText(
        "dold: inte anmärkningsvärd i de råa siffrorna, men tydlig och stor när lika jämförs med lika",
        "masked: not noteworthy in the crude figures, but clear and large when like is compared with like",
    ),
    # inconclusive
    "remains_below_threshold": ReasonText(
        "en mindre skillnad (under gränsen) kvarstår",
        "a difference smaller than the practical threshold remains",
    ),
    "explained_on_average_only": ReasonText(
        "förklaras i genomsnitt, men skillnaden är inte densamma på alla nivåer av kriterierna: den kan gå "
        "åt ena hållet på vissa nivåer och åt andra på andra",
        "explained on average, but the difference is not the same at every level of the criteria",
    ),
    "remains_criterion_unrecorded": ReasonText(
        "en skillnad kvarstår vid lika värden på de kriterier som finns, men ett kriterium som kan förklara "
        "den saknas för minst hälften av gruppen",
        "a difference remains at equal values of the criteria recorded, but a criterion that could explain it "
        "is not recorded for half of the group",
    ),
    "too_little_data": ReasonText(
        "för lite data för att avgöra om kriterierna förklarar skillnaden",
        "too little data to tell whether the criteria explain the difference",
    ),
    "too_few_with_same_criteria": ReasonText(
        "för få kvinnor och män med samma kriterievärden att jämföra",
        "too few women and men with the same criteria values to compare",
    ),
    "too_few_compared_like_with_like": ReasonText(
        "för få personer hade någon av andra könet med samma kriterievärden att jämföras med",
        "too few persons could be compared like with like",
    ),
    "remains_not_clear_among_comparisons": ReasonText(
        "en skillnad kan finnas kvar, men den är inte tydlig när hänsyn tas till rapportens alla jämförelser",
        "a difference remains, but it is not clear among all the report's comparisons",
    ),
    # not assessable
    "no_criterion_recorded": ReasonText(
        "inget av kriterierna är registrerat för minst hälften av gruppen",
        "no criterion of this kind is recorded for at least half of the group",
    ),
}
"""The `verdict_reason` of a difference (`analysis.verdicts.decide`)."""

DIFFERENCE_REASONS: dict[str, ReasonText] = {
    "hidden_small_group": ReasonText(
        "dold: för få personer i en grupp", "suppressed: too few people in a group"
    ),
    "hidden_values_revealable": ReasonText(
        "dold: enskildas värden skulle kunna röjas", "suppressed: individual values could be revealed"
    ),
    "untested_sex_too_few": ReasonText(
        "ej testad: för få personer av ett kön", "not tested: a sex has too few people"
    ),
    "untested_outcome_constant": ReasonText(
        "ej testad: alla (eller ingen) har utfallet", "not tested: everyone (or no one) has the outcome"
    ),
    "untested_values_equal": ReasonText("ej testad: alla värden är lika", "not tested: all values are equal"),
}
"""The `reason` of a difference: why it is hidden or not tested (`analysis.differences`)."""

CRITERION_REASONS: dict[str, ReasonText] = {
    "criterion_too_few_with_same_values": ReasonText(
        "för få kvinnor och män med samma värden att jämföra",
        "too few women and men with the same values to compare",
    ),
}
"""The `reason` of one criterion's comparison in a difference's `criteria` (`analysis.verdicts`)."""

UNIT_REASONS: dict[str, ReasonText] = {
    "rows_without_municipality": ReasonText(
        "Raderna saknar kommun och ingår varken i någon enhet eller i regionen i översikten. "
        "Ange kommun på raderna i uttaget om de ska ingå.",
        "The rows lack a municipality and are part neither of any unit nor of the region in the overview. "
        "Give the rows a municipality in the extract if they are to be included.",
    ),
}
"""The `reason` of a batch unit that is no unit's failure to analyse (`app.batch`; batch.json and the
terminal give it in Swedish, like the errors that are the other units' reasons)."""

KINDS: dict[str, dict[str, ReasonText]] = {
    "verdict": VERDICT_REASONS,
    "difference": DIFFERENCE_REASONS,
    "criterion": CRITERION_REASONS,
    "unit": UNIT_REASONS,
}
CATALOGUE: dict[str, ReasonText] = {code: text for table in KINDS.values() for code, text in table.items()}
"""Every reason code with its texts; a code belongs to one kind only (tests/test_reasons.py)."""

_BY_PUBLISHED = {text.en: code for code, text in CATALOGUE.items()}


def reason_text(code: str, lang: str = "sv") -> str:
    """The words of a reason code in `lang` (sv or en)."""
    return CATALOGUE[code].text(lang)


def published(code: str) -> str:
    """The text findings.json gives for a reason code: its English sentence."""
    return CATALOGUE[code].en


def code_of(sentence: str) -> str | None:
    """The code of a reason as findings.json gives it (`published`); None for a sentence of no code."""
    return _BY_PUBLISHED.get(sentence)


def shown_reason(sentence: str | None, lang: str = "sv") -> str:
    """A reason read from findings.json in the words of `lang`; '' for none. A sentence of no code (only
    a findings.json from another version could hold one) is shown as it is."""
    if not sentence:
        return ""
    code = code_of(sentence)
    return reason_text(code, lang) if code is not None else sentence
