"""The sexes and their words: one table for every stage (S003, S000).

The sex column is normalised to four codes (`SEXES`); the analysis compares the first two (`COMPARED`,
female − male). Their words depend on the age group, which the age band of a table row or the whole
population's ages decide: flickor/pojkar under 18 (`ADULT_AGE`), kvinnor/män from 18, both where a group
spans 18 ("mixed"). Swedish (`lang="sv"`, the default) is the terminal's and the tables' language; the
reports also speak English. A new word for the sexes goes in `SEX_WORDS` (and `DEFINITE` for Swedish).
"""

from __future__ import annotations

import re

SEXES: tuple[str, ...] = ("female", "male", "other", "unknown")
"""Every value of the normalised sex column, in the order tables list them."""
COMPARED: tuple[str, ...] = ("female", "male")
"""The sexes every difference compares (female − male)."""
MINOR: tuple[str, ...] = ("other", "unknown")
"""The sexes reported when their groups are large enough, never compared."""

ADULT_AGE = 18
AGE_GROUPS: tuple[str, ...] = ("children", "adults", "mixed")
_BAND = re.compile(r"^(\d+)(?:-(\d+)|\+)$")

SEX_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "sv": {
        "children": {"female": "flickor", "male": "pojkar", "other": "annat kön", "unknown": "okänt kön"},
        "adults": {"female": "kvinnor", "male": "män", "other": "annat kön", "unknown": "okänt kön"},
        "mixed": {
            "female": "kvinnor/flickor",
            "male": "män/pojkar",
            "other": "annat kön",
            "unknown": "okänt kön",
        },
    },
    "en": {
        "children": {"female": "girls", "male": "boys", "other": "other sex", "unknown": "unknown sex"},
        "adults": {"female": "women", "male": "men", "other": "other sex", "unknown": "unknown sex"},
        "mixed": {
            "female": "women/girls",
            "male": "men/boys",
            "other": "other sex",
            "unknown": "unknown sex",
        },
    },
}
"""The word for a sex, per language and age group (`AGE_GROUPS`)."""

DEFINITE: dict[str, dict[str, str]] = {
    "sv": {
        "flickor": "flickorna",
        "pojkar": "pojkarna",
        "kvinnor": "kvinnorna",
        "män": "männen",
        "kvinnor/flickor": "kvinnorna/flickorna",
        "män/pojkar": "männen/pojkarna",
    },
    "en": {},
}
"""The definite form of a compared sex's word ('flickorna'); English puts 'the' before the word."""


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


def sex_word(sex: str, age_group: str, lang: str = "sv") -> str:
    """The word for a sex in a group: `sex_word('female', 'children')` → 'flickor'."""
    return SEX_WORDS[lang][age_group][sex]


def row_sex_word(sex: str, breakdown: dict[str, object], population: str, lang: str = "sv") -> str:
    """The sex word for a table row: by its age band if it has one, else by the whole population."""
    group = age_group_of_band(str(breakdown["age_band"])) if breakdown.get("age_band") else population
    return sex_word(sex, group, lang)


def definite(word: str, lang: str = "sv") -> str:
    """'flickorna' for 'flickor', 'the girls' for 'girls'."""
    return DEFINITE[lang].get(word, "the " + word if lang == "en" else word)
