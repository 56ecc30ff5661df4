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
