"""The Vård- och omsorgsanalys criteria, kept as data in `criteria/<area>.toml` (PRODUCT §5).

This module loads and validates those files. A malformed file gives a :class:`CriteriaError` that names
the file and the entry: a missing or unknown key (with a "Menade du …?" suggestion), a value of the wrong
type, a criterion given twice, a header alias claimed by two criteria, or a `not_explaining_values`
entry that is none of the criterion's values.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources.abc import Traversable
from typing import Any

from oppnaogon.errors import ConfigError, OppnaogonError
from oppnaogon.io.resources import shipped
from oppnaogon.model.config import did_you_mean
from oppnaogon.model.kinds import CRITERIA, CRITERION_IDS, JUDGING_KINDS
from oppnaogon.model.names import key
from oppnaogon.model.roles import header_key

APPLIES_TO = JUDGING_KINDS
CRITERION_KIND: dict[str, str] = {c.id: c.applies_to for c in CRITERIA.values()}
"""Which outcome kind each criterion explains (SKR's table 1: decisions; table 2: participation)."""

_AREA_KEYS = (
    "area",
    "name_sv",
    "name_en",
    "instrument",
    "sources",
    "area_note_sv",
    "area_note_en",
    "criterion",
)
_CRITERION_KEYS = (
    "id",
    "applies_to",
    "name_sv",
    "name_en",
    "information_needed_sv",
    "information_needed_en",
    "header_aliases",
    "variables",
    "not_explaining_values",
    "note_sv",
    "note_en",
)
_VARIABLE_KEYS = ("question_sv", "question_en", "values", "ordered")
_TYPE_NAMES = {str: "text", list: "en lista", bool: "sant/falskt", int: "ett heltal", float: "ett decimaltal"}


class CriteriaError(OppnaogonError):
    """A criteria file is malformed. A packaging or editing mistake, not a user's data problem."""

    title = "Fel i kriterietabell"


class UnknownAreaError(ConfigError):
    """An area (on the command line or as `area` in oppnaogon.toml) that has no criteria table. Exit 2."""

    title = "Okänt verksamhetsområde"


@dataclass(frozen=True)
class CriterionVariable:
    question_sv: str
    question_en: str
    values: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Criterion:
    id: str
    applies_to: str
    name_sv: str
    name_en: str
    information_needed_sv: tuple[str, ...]
    information_needed_en: tuple[str, ...]
    header_aliases: tuple[str, ...]
    variables: tuple[CriterionVariable, ...]
    not_explaining_values: tuple[str, ...] = ()
    note_sv: str = ""
    """How SKR's wording reads for this area, where it differs from child and youth care (optional)."""
    note_en: str = ""


@dataclass(frozen=True)
class CriteriaArea:
    area: str
    name_sv: str
    name_en: str
    instrument: str
    sources: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    area_note_sv: str = ""
    """How the area and its documentation instrument differ from SKR's child-welfare examples (optional)."""
    area_note_en: str = ""

    def by_id(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def applying_to(self, kind: str) -> tuple[Criterion, ...]:
        """The criteria for `decision` (SKR's table 1) or `participation` (table 2), in file order."""
        return tuple(c for c in self.criteria if c.applies_to == kind)


def available_areas() -> list[str]:
    return sorted(
        p.name.removesuffix(".toml") for p in shipped("criteria").iterdir() if p.name.endswith(".toml")
    )


def find_area(name: str) -> str:
    """The id of the area the user meant: exact, or equal but for case, spaces and diacritics
    (`Äldreomsorg`, `barn och unga`). Otherwise :class:`UnknownAreaError` with a suggestion."""
    areas = available_areas()
    if name in areas:
        return name
    by_key = {key(area): area for area in areas}
    if key(name) in by_key:
        return by_key[key(name)]
    raise _unknown_area(name, areas)


def _unknown_area(name: str, areas: list[str]) -> UnknownAreaError:
    by_key = {key(area): area for area in areas}
    close = did_you_mean(key(name), by_key)
    suggestion = f"Menade du {by_key[close]!r}? " if close else ""
    listed = ", ".join(f"{area} ({load_area(area).name_sv})" for area in areas)
    return UnknownAreaError(
        f"Det finns ingen kriterietabell för området {name!r}.",
        f"{suggestion}Tillgängliga områden: {listed}.",
    )


@cache
def load_area(area: str) -> CriteriaArea:
    areas = available_areas()
    if area not in areas:
        raise _unknown_area(area, areas)
    return parse_area(shipped("criteria") / f"{area}.toml")


def parse_area(entry: Traversable) -> CriteriaArea:
    """Read and validate one criteria file (a packaged resource or any `pathlib.Path`)."""
    name = entry.name
    try:
        raw = tomllib.loads(entry.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CriteriaError(f"Kriteriefilen {name} är inte giltig TOML: {exc}.") from exc
    _known_keys(raw, _AREA_KEYS, name)
    area = _text(raw, "area", name)
    if name.endswith(".toml") and area != name.removesuffix(".toml"):
        raise CriteriaError(
            f"{name}: area = {area!r} ska vara samma som filens namn utan .toml ({name.removesuffix('.toml')!r})."
        )
    items = raw.get("criterion", [])
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise CriteriaError(f"{name}: `criterion` ska vara en lista av tabeller, skrivna som [[criterion]].")

    criteria: list[Criterion] = []
    first_place: dict[str, int] = {}
    alias_owner: dict[str, tuple[str, int, str]] = {}
    for index, item in enumerate(items, start=1):
        label = item.get("id") if isinstance(item.get("id"), str) else "utan id"
        where = f"{name}, kriterium {index} ({label})"
        criterion = _criterion(item, where)
        if criterion.id in first_place:
            raise CriteriaError(
                f"{where}: kriteriet {criterion.id!r} finns redan som kriterium {first_place[criterion.id]}.",
                "Varje kriterium får stå en gång per fil; slå ihop dem.",
            )
        first_place[criterion.id] = index
        for alias in criterion.header_aliases:
            owner = alias_owner.get(header_key(alias))
            if owner and owner[0] != criterion.id:
                raise CriteriaError(
                    f"{where}: rubriken {alias!r} i header_aliases används redan av kriterium {owner[1]} "
                    f"({owner[0]}) som {owner[2]!r}.",
                    "En rubrik får bara höra till ett kriterium i samma fil; ta bort den ena.",
                )
            alias_owner.setdefault(header_key(alias), (criterion.id, index, alias))
        criteria.append(criterion)

    area_note_sv, area_note_en = _note_pair(raw, "area_note", name)
    return CriteriaArea(
        area=area,
        name_sv=_text(raw, "name_sv", name),
        name_en=_text(raw, "name_en", name),
        instrument=_text(raw, "instrument", name, required=False),
        sources=_texts(raw, "sources", name, required=False),
        criteria=tuple(criteria),
        area_note_sv=area_note_sv,
        area_note_en=area_note_en,
    )


def _criterion(item: Mapping[str, Any], where: str) -> Criterion:
    _known_keys(item, _CRITERION_KEYS, where)
    criterion_id = _text(item, "id", where)
    if criterion_id not in CRITERION_IDS:
        close = did_you_mean(criterion_id, CRITERION_IDS)
        raise CriteriaError(
            f"{where}: okänt id {criterion_id!r}; tillåtna: {', '.join(CRITERION_IDS)}.",
            f"Menade du {close!r}?" if close else None,
        )
    applies_to = _text(item, "applies_to", where)
    if applies_to not in APPLIES_TO:
        raise CriteriaError(
            f"{where}: applies_to ska vara decision eller participation, inte {applies_to!r}."
        )
    if applies_to != CRITERION_KIND[criterion_id]:
        raise CriteriaError(
            f"{where}: {criterion_id} förklarar skillnader i {CRITERION_KIND[criterion_id]}, "
            f"så applies_to ska vara {CRITERION_KIND[criterion_id]!r}, inte {applies_to!r}."
        )
    raw_variables = item.get("variables", [])
    if not isinstance(raw_variables, list) or not all(isinstance(v, Mapping) for v in raw_variables):
        raise CriteriaError(
            f"{where}: `variables` ska vara en lista av tabeller, skrivna som [[criterion.variables]]."
        )
    variables = tuple(
        _variable(v, f"{where}, variabel {number}") for number, v in enumerate(raw_variables, start=1)
    )
    not_explaining = _texts(item, "not_explaining_values", where, required=False)
    known_values = [value for variable in variables for value in variable.values]
    for value in not_explaining:
        if value not in known_values:
            close = did_you_mean(value, set(known_values))
            raise CriteriaError(
                f"{where}: not_explaining_values anger {value!r}, men inget av kriteriets variabler har det "
                "värdet.",
                f"Menade du {close!r}?" if close else "Värdet ska stå i values för någon av variablerna.",
            )
    note_sv, note_en = _note_pair(item, "note", where)
    return Criterion(
        id=criterion_id,
        applies_to=applies_to,
        name_sv=_text(item, "name_sv", where),
        name_en=_text(item, "name_en", where),
        information_needed_sv=_texts(item, "information_needed_sv", where),
        information_needed_en=_texts(item, "information_needed_en", where),
        header_aliases=_texts(item, "header_aliases", where, required=False),
        variables=variables,
        not_explaining_values=not_explaining,
        note_sv=note_sv,
        note_en=note_en,
    )


def _variable(item: Mapping[str, Any], where: str) -> CriterionVariable:
    _known_keys(item, _VARIABLE_KEYS, where)
    values = _texts(item, "values", where)
    if not values:
        raise CriteriaError(f"{where}: `values` är tom; ange variabelns möjliga värden.")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise CriteriaError(f"{where}: värdet {repeated[0]!r} står flera gånger i values.")
    ordered = item.get("ordered", False)
    if not isinstance(ordered, bool):
        raise CriteriaError(f"{where}: `ordered` ska vara true eller false, inte {_type_name(ordered)}.")
    return CriterionVariable(
        question_sv=_text(item, "question_sv", where),
        question_en=_text(item, "question_en", where),
        values=values,
        ordered=ordered,
    )


def _known_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for name in table:
        if name not in allowed:
            close = did_you_mean(name, allowed)
            suggestion = f"Menade du {close!r}? " if close else ""
            raise CriteriaError(
                f"{where}: okänd nyckel {name!r}.", f"{suggestion}Tillåtna nycklar här: {', '.join(allowed)}."
            )


def _type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), "en tabell" if isinstance(value, Mapping) else type(value).__name__)


def _text(table: Mapping[str, Any], name: str, where: str, *, required: bool = True) -> str:
    if name not in table:
        if required:
            raise CriteriaError(f"{where}: fältet {name!r} saknas.")
        return ""
    value = table[name]
    if not isinstance(value, str):
        raise CriteriaError(
            f"{where}: fältet {name!r} ska vara text inom citattecken, inte {_type_name(value)}."
        )
    if required and not value.strip():
        raise CriteriaError(f"{where}: fältet {name!r} är tomt.")
    return value


def _texts(table: Mapping[str, Any], name: str, where: str, *, required: bool = True) -> tuple[str, ...]:
    if name not in table:
        if required:
            raise CriteriaError(f"{where}: fältet {name!r} saknas.")
        return ()
    value = table[name]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        found = _type_name(value) if not isinstance(value, list) else "en lista med annat än texter"
        raise CriteriaError(
            f'{where}: fältet {name!r} ska vara en lista med texter, t.ex. ["Ja", "Nej"], inte {found}.'
        )
    return tuple(value)


def _note_pair(table: Mapping[str, Any], stem: str, where: str) -> tuple[str, str]:
    """`<stem>_sv` and `<stem>_en`: optional, but given together so that both languages show the note."""
    sv = _text(table, f"{stem}_sv", where, required=False)
    en = _text(table, f"{stem}_en", where, required=False)
    if bool(sv.strip()) != bool(en.strip()):
        missing = f"{stem}_en" if sv.strip() else f"{stem}_sv"
        raise CriteriaError(f"{where}: {stem}_sv och {stem}_en anges tillsammans; {missing!r} saknas.")
    return sv, en


def criteria_aliases(area: str | None) -> dict[str, str]:
    """Header key → criterion id, from one area's table or (no area given) from all areas."""
    areas = [area] if area else available_areas()
    table: dict[str, str] = {}
    for name in areas:
        for criterion in load_area(name).criteria:
            for alias in criterion.header_aliases:
                table.setdefault(header_key(alias), criterion.id)
    return table
