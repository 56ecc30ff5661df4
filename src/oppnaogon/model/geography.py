"""Birth country → SCB birth region, and Swedish municipality (kommun) codes.

The tables live in ``oppnaogon/data``:

* ``countries.csv``: one row per country (ISO 3166-1, plus Kosovo and historical states seen in Swedish
  registers) with its SCB integration-statistics region;
* ``regions.csv``: the four region codes, their labels, and names used in exports that are already grouped;
* ``kommuner.csv``: the 290 municipalities with their 4-character kommunkod and län.

All look-ups are keyed with :func:`oppnaogon.model.names.key`, so "Österrike", "osterrike" and " ÖSTERRIKE "
match the same row. Callers look up whole cell values only; short keys such as "no" or "se" (ISO codes)
are therefore safe.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib.resources import files

from oppnaogon.model.names import key

REGIONS: tuple[str, ...] = ("sweden", "nordic", "eu_efta", "rest_of_world")
"""SCB integration-statistics birth regions, in SCB's order."""

_KOMMUNKOD = re.compile(r"(\d{3,4})(?:\.0+)?")


def _read(name: str) -> list[dict[str, str]]:
    """Read ``oppnaogon/data/<name>`` as a list of dicts (one per row)."""
    resource = files("oppnaogon") / "data" / name
    # opened as bytes and decoded here: the text mode of a Traversable takes no `newline` in its type
    with resource.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _aliases(cell: str) -> list[str]:
    """Split a ``|``-separated alias cell, dropping empty parts."""
    return [part for part in cell.split("|") if part.strip()]


@cache
def country_regions() -> dict[str, str]:
    """Map the key of every ISO code, Swedish and English name and alias of a country to its region code.

    >>> country_regions()["sverige"], country_regions()["osterrike"], country_regions()["usa"]
    ('sweden', 'eu_efta', 'rest_of_world')
    """
    mapping: dict[str, str] = {}
    for row in _read("countries.csv"):
        names = [row["iso2"], row["iso3"], row["name_sv"], row["name_en"], *_aliases(row["aliases"])]
        for name in names:
            k = key(name)
            if k:
                mapping[k] = row["region"]
    return mapping


@cache
def _region_rows() -> dict[str, dict[str, str]]:
    """The rows of ``regions.csv`` by region code."""
    return {row["region"]: row for row in _read("regions.csv")}


@cache
def grouped_regions() -> dict[str, str]:
    """Map the key of every region code, label and alias (values already grouped in an export) to its code.

    Coarse two-way groupings such as "Utrikes född" span several regions and are deliberately absent.

    >>> grouped_regions()["foddisverige"]
    'sweden'
    """
    mapping: dict[str, str] = {}
    for code, row in _region_rows().items():
        for name in [code, row["label_sv"], row["label_en"], *_aliases(row["aliases"])]:
            k = key(name)
            if k:
                mapping[k] = code
    return mapping


def region_label(code: str, lang: str = "sv") -> str:
    """The label of a region code in Swedish (``lang="sv"``) or English (``lang="en"``).

    >>> region_label("nordic"), region_label("nordic", "en")
    ('Norden utom Sverige', 'Nordic countries except Sweden')
    """
    if lang not in ("sv", "en"):
        raise ValueError(f"Unknown language {lang!r}; use 'sv' or 'en'.")
    try:
        row = _region_rows()[code]
    except KeyError:
        raise ValueError(f"Unknown region code {code!r}; expected one of {', '.join(REGIONS)}.") from None
    return row[f"label_{lang}"]


@cache
def _kommun_rows() -> tuple[dict[str, str], ...]:
    """The rows of ``kommuner.csv``."""
    return tuple(_read("kommuner.csv"))


@cache
def kommuner() -> dict[str, str]:
    """Map each 4-character kommunkod (leading zeros kept) to the municipality's name.

    >>> kommuner()["0180"]
    'Stockholm'
    """
    return {row["kommunkod"]: row["kommun"] for row in _kommun_rows()}


@cache
def kommun_lan() -> dict[str, tuple[str, str]]:
    """Map each kommunkod to its county as ``(lan_kod, lan)``, e.g. ``("01", "Stockholms län")``."""
    return {row["kommunkod"]: (row["lan_kod"], row["lan"]) for row in _kommun_rows()}


def normalise_kommunkod(value: str) -> str | None:
    """Return the 4-character kommunkod for ``value``, or ``None`` if it is not 3–4 digits.

    Handles codes that lost their leading zero or became floats in a spreadsheet. Whether the code
    exists is not checked here; look it up in :func:`kommuner`.

    >>> normalise_kommunkod(" 180.0 "), normalise_kommunkod("0180"), normalise_kommunkod("18")
    ('0180', '0180', None)
    """
    match = _KOMMUNKOD.fullmatch(value.strip())
    if match is None:
        return None
    return match.group(1).zfill(4)
