"""Which column plays which role: header aliases (Swedish and English) and value code tables.

Headers and codes are compared with :func:`oppnaogon.model.names.key`, so case, spaces, punctuation and
diacritics do not matter (`Kön`, `kon`, `KÖN`, `Kön (K/M)` all mean sex).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from oppnaogon.model.breakdowns import CATEGORY_BREAKDOWNS
from oppnaogon.model.names import key

# Most specific first: when two headers match one role, the earlier alias wins.
_EARLIER_ALIASES: dict[str, tuple[str, ...]] = {
    "sex": ("kon", "juridisktkon", "konstillhorighet", "sex", "gender", "legalsex", "kategorikon"),
    "age": (
        "alder",
        "alderar",
        "aldervidbeslut",
        "aldervidaktualisering",
        "aldervidansokan",
        "aldervidutredning",
        "age",
        "ageyears",
        "ageatdecision",
    ),
    "birth_date": ("fodelsedatum", "fodd", "birthdate", "dateofbirth", "dob"),
    "birth_year": ("fodelsear", "fodelsearc", "birthyear", "yearofbirth"),
    "birth_country": ("fodelseland", "fodelselandnamn", "birthcountry", "countryofbirth"),
    "birth_region": (
        "fodelseregion",
        "fodelsevarldsdel",
        "fodelselandgrupp",
        "fodelselandsgrupp",
        "inrikesutrikesfodd",
        "inrikesellerutrikesfodd",
        "foddisverige",
        "bakgrund",
        "birthregion",
        "regionofbirth",
    ),
}
# the roles after the breakdowns of categories (`model.breakdowns`: residence, education …)
_LATER_ALIASES: dict[str, tuple[str, ...]] = {
    "municipality": ("kommun", "kommunkod", "kommunnamn", "kommunnr", "kommunnummer", "municipality"),
    "date": (
        "beslutsdatum",
        "datumforbeslut",
        "aktualiseringsdatum",
        "utredningsdatum",
        "inledningsdatum",
        "ansokningsdatum",
        "startdatum",
        "datum",
        "decisiondate",
        "date",
    ),
}

ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    **_EARLIER_ALIASES,
    **{b.name: b.aliases for b in CATEGORY_BREAKDOWNS},
    **_LATER_ALIASES,
}
"""Every column role (but outcomes and criteria) with its header aliases, in the order they are reported."""

DECISION_WORDS = ("beviljad", "beviljat", "beviljats", "beviljas", "beslut", "bifall", "granted", "decision")
PARTICIPATION_WORDS = (
    "delaktig",
    "delaktighet",
    "deltagit",
    "deltog",
    "delta",
    "medverkat",
    "participat",
    "tookpart",
    "involved",
)

SEX_CODES: dict[str, tuple[str, ...]] = {
    "female": (
        "k",
        "kvinna",
        "kvinnor",
        "kvinnlig",
        "f",
        "female",
        "woman",
        "women",
        "w",
        "flicka",
        "flickor",
        "girl",
        "girls",
        "tjej",
        "tjejer",
    ),
    "male": ("m", "man", "manlig", "male", "men", "pojke", "pojkar", "boy", "boys", "kille", "killar"),
    "other": (
        "annat",
        "annan",
        "other",
        "x",
        "ickebinar",
        "nonbinary",
        "annankonsidentitet",
        "diverse",
        "ovrigt",
    ),
    "unknown": ("okant", "okand", "unknown", "vetej", "ejangivet", "uppgiftsaknas", "u"),
}
"""Recognised sex codes, keyed with :func:`names.key` (so `män` is `man`). Numeric codes are never here:
1/2 mean man/kvinna in SCB's coding but the opposite elsewhere, so they need an explicit mapping."""

YES_CODES = ("ja", "j", "yes", "y", "sant", "true", "1", "beviljad", "beviljat", "bifall", "bifallen")
NO_CODES = ("nej", "n", "no", "falskt", "false", "0", "avslag", "avslagen", "avslaget", "ejbeviljad")

IDENTIFIER_HEADERS = frozenset(
    {
        "personnummer",
        "personnr",
        "pnr",
        "persnr",
        "personid",
        "personidentitet",
        "samordningsnummer",
        "samordningsnr",
        "reservnummer",
        "ssn",
        "personalnumber",
        "personalidentitynumber",
        "namn",
        "fornamn",
        "efternamn",
        "tilltalsnamn",
        "fulltnamn",
        "klientnamn",
        "brukarnamn",
        "name",
        "firstname",
        "lastname",
        "surname",
        "fullname",
        "adress",
        "gatuadress",
        "postadress",
        "bostadsadress",
        "hemadress",
        "address",
        "streetaddress",
        "telefon",
        "telefonnummer",
        "mobil",
        "mobilnummer",
        "phone",
        "phonenumber",
        "epost",
        "epostadress",
        "email",
    }
)
"""Headers that by themselves show a column identifies people (PRODUCT §9)."""

_PARENTHESIS = re.compile(r"\([^)]*\)")


# Whose value a header names, when it says so first: "Klientens kön", "Barnets ålder", "Client's sex".
# Only the person the row is about: "Förälderns kön" or "Handläggarens kön" must not become the sex.
SUBJECT_WORDS = frozenset(
    key(word)
    for word in (
        "klientens",
        "klients",
        "barnets",
        "brukarens",
        "personens",
        "individens",
        "sökandens",
        "sökandes",
        "patientens",
        "ungdomens",
        "den unges",
        "client's",
        "child's",
        "person's",
        "user's",
    )
)


def header_key(header: str) -> str:
    """Key of a header with any parenthesised note and a leading possessive naming the client removed:
    `Kön (K/M)` → `kon`, `Klientens kön` → `kon`."""
    words = _PARENTHESIS.sub(" ", header).split()
    for size in (1, 2):  # "den unges" is two words
        if len(words) > size and key(" ".join(words[:size])) in SUBJECT_WORDS:
            return key(" ".join(words[size:])) or key(header)
    return key(" ".join(words)) or key(header)


@dataclass(frozen=True)
class RoleMatch:
    """The header chosen for a role, and other headers that would also have matched."""

    role: str
    header: str
    alternatives: tuple[str, ...] = ()


def detect_roles(headers: Iterable[str], fixed: Mapping[str, str] | None = None) -> dict[str, RoleMatch]:
    """Guess the role of each header from its name. `fixed` (role → header, from the config) wins.

    >>> sorted(detect_roles(["KÖN", "Ålder (år)", "Beslutsdatum", "Insats"]))
    ['age', 'date', 'sex']
    """
    headers = list(headers)
    fixed = dict(fixed or {})
    taken = set(fixed.values())
    keys = {h: header_key(h) for h in headers}
    result = {role: RoleMatch(role, header) for role, header in fixed.items()}
    for role, aliases in ROLE_ALIASES.items():
        if role in result:
            continue
        if role in {"birth_date", "birth_year"} and "age" in fixed:
            continue
        candidates = [(aliases.index(keys[h]), h) for h in headers if h not in taken and keys[h] in aliases]
        if not candidates:
            continue
        candidates.sort(key=lambda item: item[0])
        chosen = candidates[0][1]
        result[role] = RoleMatch(role, chosen, tuple(h for _, h in candidates[1:]))
        taken.add(chosen)
    # An age column makes birth date/year unnecessary; keep only the most direct source.
    if "age" in result:
        result.pop("birth_date", None)
        result.pop("birth_year", None)
    elif "birth_date" in result:
        result.pop("birth_year", None)
    return result


def outcome_kind_from_header(header: str) -> str:
    """decision / participation / proportion, judged from a yes/no column's header."""
    folded = header_key(header)
    if any(word in folded for word in PARTICIPATION_WORDS):
        return "participation"
    if any(word in folded for word in DECISION_WORDS):
        return "decision"
    return "proportion"


def is_identifier_header(header: str) -> bool:
    return header_key(header) in IDENTIFIER_HEADERS or key(header) in IDENTIFIER_HEADERS


def sex_lookup(extra: Mapping[str, Iterable[str]] | None = None) -> dict[str, str]:
    """Code key → canonical sex. Codes from the config are added (and override the built-in table)."""
    table = {code: sex for sex, codes in SEX_CODES.items() for code in codes}
    for sex, codes in (extra or {}).items():
        for code in codes:
            table[key(code)] = sex
    return table
