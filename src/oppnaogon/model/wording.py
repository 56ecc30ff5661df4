"""Words for breakdowns, groups, outcome kinds, criteria and verdicts, in Swedish and English.

Swedish (`lang="sv"`, the default) is used by the terminal and the tables; the reports also speak English.
The words for the sexes are `model.sexes`, the reasons' texts `model.reasons`.
"""

from __future__ import annotations

from typing import Any

from oppnaogon.model.breakdowns import BREAKDOWNS
from oppnaogon.model.kinds import CRITERIA, KINDS
from oppnaogon.model.sexes import row_sex_word

LANGUAGES = ("sv", "en")
# A verdict whose comparison over all criteria left out more than this share of the persons (strata with
# one sex only) is flagged in the terminal summary and in the report.
THIN_SHARE = 0.3


# the breakdowns', outcome kinds' and criteria's names, from their entries (`model.breakdowns`, `model.kinds`)
DIMENSION = {lang: {b.name: b.label[lang] for b in BREAKDOWNS} for lang in LANGUAGES}
DIMENSION_SV = DIMENSION["sv"]
KIND = {lang: {k.name: k.label[lang] for k in KINDS.values()} for lang in LANGUAGES}
KIND_SV = KIND["sv"]
CRITERION = {lang: {c.id: c.label[lang] for c in CRITERIA.values()} for lang in LANGUAGES}
CRITERION_SV = CRITERION["sv"]
VERDICT_SV = {
    "motivated": "motiverad",
    "partly_explained": "delvis förklarad",
    "unmotivated": "omotiverad",
    "inconclusive": "kan inte avgöras",
    "not_assessable": "kan inte bedömas",
}
VERDICT = {
    "sv": VERDICT_SV,
    "en": {
        "motivated": "motivated",
        "partly_explained": "partly explained",
        "unmotivated": "unmotivated",
        "inconclusive": "cannot be decided",
        "not_assessable": "cannot be assessed",
    },
}
_ALL = {"sv": "alla", "en": "everyone"}
POOLED_LABEL = "övriga"
"""The label `normalise` gives the pooled group of a breakdown column (free text, rare values)."""
POOLED_TEXT = {"sv": "övriga", "en": "other"}


def criteria_text(ids: list[str] | None, lang: str = "sv") -> str:
    """'behov, samtycke/inställning' for a list of criterion ids."""
    return ", ".join(CRITERION[lang].get(i, i) for i in ids or [])


ACCOMMODATION_PREFIX = "accommodation:"
"""A breakdown by an accessibility column whose accommodation can be lacking (`verdicts.accommodation_dimensions`)."""
_ACCOMMODATION_GROUPS = {
    "sv": {"lacking": "behövdes men gavs inte", "not_lacking": "gavs eller behövdes inte"},
    "en": {"lacking": "needed but not given", "not_lacking": "given or not needed"},
}


LEVEL_PREFIX = "level:"
"""A breakdown by the levels of a criteria column whose strata differ (`verdicts.level_dimensions`)."""


def dimension_text(dimension: str, lang: str = "sv") -> str:
    """A dimension in words: 'födelseregion'; an accommodation or level breakdown by its column's header."""
    if dimension.startswith((ACCOMMODATION_PREFIX, LEVEL_PREFIX)):
        return f"'{dimension.split(':', 2)[2]}'"
    return DIMENSION[lang].get(dimension, dimension)


def breakdown_text(breakdown: dict[str, object], lang: str = "sv") -> str:
    """'ålder × födelseregion' for a breakdown; 'alla' for the whole population."""
    return " × ".join(dimension_text(d, lang) for d in breakdown) or _ALL[lang]


def group_text(breakdown: dict[str, object], lang: str = "sv") -> str:
    """A group in words: '13-17 år, födda i Sverige'; 'alla' for the whole population."""
    from oppnaogon.model.geography import REGIONS, kommuner, region_label

    if not breakdown:
        return _ALL[lang]
    english = lang == "en"
    parts = []
    for dimension, value in breakdown.items():
        if dimension.startswith(ACCOMMODATION_PREFIX):
            header = dimension.split(":", 2)[2]
            missing = {"sv": "uppgift saknas", "en": "not recorded"}[lang]
            parts.append(f"'{header}': {_ACCOMMODATION_GROUPS[lang].get(str(value), missing)}")
        elif dimension.startswith(LEVEL_PREFIX):
            header = dimension.split(":", 2)[2]
            if value is None:
                shown = {"sv": "uppgift saknas", "en": "not recorded"}[lang]
            else:
                shown = POOLED_TEXT[lang] if value == POOLED_LABEL else str(value)
            parts.append(f"'{header}': {shown}")
        elif value is None:
            name = DIMENSION[lang].get(dimension, dimension)
            parts.append(f"{name} unknown" if english else f"okänd {name}")
        elif dimension == "birth_region" and value in REGIONS:
            label = region_label(str(value), lang)
            parts.append(
                f"born in {label.replace('Rest of the world', 'the rest of the world')}"
                if english
                else f"födda i {label.replace('Övriga världen', 'övriga världen')}"
            )
        elif dimension == "birth_region" and value == "abroad":
            parts.append("born abroad" if english else "utrikes födda")
        elif value == POOLED_LABEL:  # values pooled by `normalise` (free text, rare values)
            parts.append(POOLED_TEXT[lang])
        elif dimension == "age_band":
            parts.append(f"aged {value}" if english else f"{value} år")
        elif dimension == "municipality" and str(value) in kommuner():
            parts.append(f"{kommuner()[str(value)]} ({value})")
        else:
            parts.append(str(value))
    return ", ".join(parts)


def disclosure_sentences(
    texts: dict[str, Any],
    disclosure: dict[str, Any],
    labels: dict[str, str],
    population: str,
    lang: str = "sv",
) -> list[str]:
    """In words, what the disclosure control hid of the main figures and why (rules R2 and R4), from the
    `[report]` texts of labels.<lang>.toml: the same sentences in the terminal and the report."""
    sentences = [texts["rows_hidden"]] if disclosure.get("rows_used_hidden") else []
    for item in disclosure.get("whole_group_hidden", []):
        key = "whole_group_period_hidden" if item.get("because") == "period" else "whole_group_hidden"
        sex = row_sex_word(item["sex"], {}, population, lang)
        sentences.append(texts[key].format(outcome=labels.get(item["outcome"], item["outcome"]), sex=sex))
    if disclosure.get("period_hidden"):
        unit = texts["grid_plural"].get(disclosure.get("grid") or "quarter", "")
        sentences.append(
            texts["period_hidden"].format(
                count=disclosure["period_hidden"], periods=disclosure["periods"], unit=unit
            )
        )
    return sentences
