"""Swedish words for the sexes: flickor/pojkar under 18, kvinnor/män from 18 (S003, S000)."""

from __future__ import annotations

import re

ADULT_AGE = 18
_BAND = re.compile(r"^(\d+)(?:-(\d+)|\+)$")

WORDS_SV = {
    "children": {"female": "flickor", "male": "pojkar"},
    "adults": {"female": "kvinnor", "male": "män"},
    "mixed": {"female": "kvinnor/flickor", "male": "män/pojkar"},
}
OTHER_SV = {"other": "annat kön", "unknown": "okänt kön"}


def age_group_of_band(label: str | None) -> str:
    """'children', 'adults' or 'mixed' for an age band label such as '13-17', '18-29' or '80+'."""
    match = _BAND.match(label or "")
    if not match:
        return "mixed"
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else 200
    if high < ADULT_AGE:
        return "children"
    if low >= ADULT_AGE:
        return "adults"
    return "mixed"


def age_group_of_population(min_age: int | None, max_age: int | None) -> str:
    if max_age is not None and max_age < ADULT_AGE:
        return "children"
    if min_age is not None and min_age >= ADULT_AGE:
        return "adults"
    return "mixed"


def sex_word(sex: str, age_group: str) -> str:
    """The Swedish word for a sex in a group: `sex_word('female', 'children')` → 'flickor'."""
    return WORDS_SV[age_group].get(sex) or OTHER_SV[sex]


DIMENSION_SV = {
    "age_band": "ålder",
    "birth_region": "födelseregion",
    "residence": "stadsdel/bostadsort",
    "period": "period",
    "municipality": "kommun",
}
KIND_SV = {"decision": "beslut", "participation": "delaktighet", "proportion": "andel", "numeric": "tal"}
VERDICT_SV = {
    "motivated": "motiverad",
    "unmotivated": "omotiverad",
    "inconclusive": "kan inte avgöras",
    "not_assessable": "kan inte bedömas",
}
CRITERION_SV = {
    "need": "behov",
    "met_otherwise": "tillgodoses på annat sätt",
    "consent": "samtycke/inställning",
    "wish_to_participate": "önskan att delta",
    "guardian_attitude": "vårdnadshavares inställning",
    "accessibility": "tillgänglighet (tolk, kommunikationsstöd)",
}
VERDICT_REASON_SV = {
    "explained when like is compared with like": "förklaras när lika jämförs med lika",
    "explained by the criteria together, by none of them alone": (
        "förklaras av kriterierna tillsammans, inte av något ensamt"
    ),
    "remains after adjusting for the criteria available": "kvarstår vid lika värden på de kriterier som finns",
    "reversed after adjustment": "vänder riktning vid lika värden på kriterierna",
    "masked: not noteworthy in the crude figures, but clear and large when like is compared with like": (
        "dold: inte anmärkningsvärd i de råa siffrorna, men tydlig och stor när lika jämförs med lika"
    ),
    "explained only by all criteria together, by none of them alone": (
        "förklaras bara av alla kriterier tillsammans, och inget kriterium flyttar skillnaden ensamt"
    ),
    "a difference smaller than the practical threshold remains": "en mindre skillnad (under gränsen) kvarstår",
    "too little data to tell whether the criteria explain the difference": (
        "för lite data för att avgöra om kriterierna förklarar skillnaden"
    ),
    "too few women and men with the same criteria values to compare": (
        "för få kvinnor och män med samma kriterievärden att jämföra"
    ),
    "no criteria data for this outcome kind": "uppgifter om kriterierna saknas",
    "explained only by all criteria together, on too few comparable persons": (
        "förklaras bara av alla kriterier tillsammans, och då finns för få jämförbara personer"
    ),
}


def criteria_text(ids: list[str] | None) -> str:
    """'behov, samtycke/inställning' for a list of criterion ids."""
    return ", ".join(CRITERION_SV.get(i, i) for i in ids or [])


def breakdown_text(breakdown: dict[str, object]) -> str:
    """'ålder × födelseregion' for a breakdown; 'alla' for the whole population."""
    return " × ".join(DIMENSION_SV.get(d, d) for d in breakdown) or "alla"


def group_text(breakdown: dict[str, object]) -> str:
    """A group in words: '13-17 år, födda i Sverige'; 'alla' for the whole population."""
    from oppnaogon.geography import REGIONS, kommuner, region_label

    if not breakdown:
        return "alla"
    parts = []
    for dimension, value in breakdown.items():
        if value is None:
            parts.append(f"okänd {DIMENSION_SV.get(dimension, dimension)}")
        elif dimension == "birth_region" and value in REGIONS:
            parts.append(f"födda i {region_label(str(value)).replace('Övriga världen', 'övriga världen')}")
        elif dimension == "birth_region" and value == "abroad":
            parts.append("utrikes födda")
        elif dimension == "age_band":
            parts.append(f"{value} år")
        elif dimension == "municipality" and str(value) in kommuner():
            parts.append(f"{kommuner()[str(value)]} ({value})")
        else:
            parts.append(str(value))
    return ", ".join(parts)


def row_sex_word(sex: str, breakdown: dict[str, object], population: str) -> str:
    """The sex word for a table row: by its age band if it has one, else by the whole population."""
    group = age_group_of_band(str(breakdown["age_band"])) if breakdown.get("age_band") else population
    return sex_word(sex, group)
