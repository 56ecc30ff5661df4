"""The Vård- och omsorgsanalys criteria, kept as data in `criteria/<area>.toml` (PRODUCT §5).

This module loads and validates those files. A malformed file gives a :class:`CriteriaError` that names
the file and the entry.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources.abc import Traversable

from oppnaogon.config import CRITERION_IDS
from oppnaogon.errors import OppnaogonError
from oppnaogon.resources import shipped
from oppnaogon.roles import header_key

APPLIES_TO = ("decision", "participation")


class CriteriaError(OppnaogonError):
    """A criteria file is malformed. A packaging or editing mistake, not a user's data problem."""

    title = "Fel i kriterietabell"


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


@dataclass(frozen=True)
class CriteriaArea:
    area: str
    name_sv: str
    name_en: str
    instrument: str
    sources: tuple[str, ...]
    criteria: tuple[Criterion, ...]

    def by_id(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)


def available_areas() -> list[str]:
    return sorted(
        p.name.removesuffix(".toml") for p in shipped("criteria").iterdir() if p.name.endswith(".toml")
    )


@cache
def load_area(area: str) -> CriteriaArea:
    folder = shipped("criteria")
    entry = folder / f"{area}.toml"
    if not entry.is_file():
        raise CriteriaError(
            f"Det finns ingen kriterietabell för området {area!r}.",
            f"Tillgängliga områden: {', '.join(available_areas())}.",
        )
    return parse_area(entry)


def parse_area(entry: Traversable) -> CriteriaArea:
    name = entry.name
    try:
        raw = tomllib.loads(entry.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CriteriaError(f"Kriteriefilen {name} är inte giltig TOML: {exc}.") from exc
    criteria = []
    for index, item in enumerate(raw.get("criterion", []), start=1):
        where = f"{name}, kriterium {index} ({item.get('id', 'utan id')})"
        try:
            criterion = Criterion(
                id=item["id"],
                applies_to=item["applies_to"],
                name_sv=item["name_sv"],
                name_en=item["name_en"],
                information_needed_sv=tuple(item["information_needed_sv"]),
                information_needed_en=tuple(item["information_needed_en"]),
                header_aliases=tuple(item.get("header_aliases", [])),
                variables=tuple(
                    CriterionVariable(
                        v["question_sv"], v["question_en"], tuple(v["values"]), v.get("ordered", False)
                    )
                    for v in item.get("variables", [])
                ),
                not_explaining_values=tuple(item.get("not_explaining_values", [])),
            )
        except KeyError as exc:
            raise CriteriaError(f"{where}: fältet {exc.args[0]!r} saknas.") from exc
        if criterion.id not in CRITERION_IDS:
            raise CriteriaError(f"{where}: okänt id {criterion.id!r}; tillåtna: {', '.join(CRITERION_IDS)}.")
        if criterion.applies_to not in APPLIES_TO:
            raise CriteriaError(f"{where}: applies_to ska vara decision eller participation.")
        criteria.append(criterion)
    try:
        return CriteriaArea(
            area=raw["area"],
            name_sv=raw["name_sv"],
            name_en=raw["name_en"],
            instrument=raw.get("instrument", ""),
            sources=tuple(raw.get("sources", [])),
            criteria=tuple(criteria),
        )
    except KeyError as exc:
        raise CriteriaError(f"{name}: fältet {exc.args[0]!r} saknas.") from exc


def criteria_aliases(area: str | None) -> dict[str, str]:
    """Header key → criterion id, from one area's table or (no area given) from all areas."""
    areas = [area] if area else available_areas()
    table: dict[str, str] = {}
    for name in areas:
        for criterion in load_area(name).criteria:
            for alias in criterion.header_aliases:
                table.setdefault(header_key(alias), criterion.id)
    return table
