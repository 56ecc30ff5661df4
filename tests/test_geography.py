"""Tests for the country → SCB region table and the municipality code table."""

from __future__ import annotations

import csv
from collections import Counter
from importlib.resources import files

import pytest

from oppnaogon.model import geography
from oppnaogon.model.names import key

DATA = files("oppnaogon") / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open("r", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- kommuner ---------------------------------------------------------------------------------------


def test_kommuner_counts() -> None:
    rows = _rows("kommuner.csv")
    assert len(rows) == 290
    assert len(geography.kommuner()) == 290
    per_lan = Counter(row["lan_kod"] for row in rows)
    assert len(per_lan) == 21
    assert len({row["lan"] for row in rows}) == 21
    assert per_lan == {
        "01": 26, "03": 8, "04": 9, "05": 13, "06": 13, "07": 8, "08": 12, "09": 1, "10": 5, "12": 33,
        "13": 6, "14": 49, "17": 16, "18": 12, "19": 10, "20": 15, "21": 10, "22": 7, "23": 8, "24": 15,
        "25": 14,
    }  # fmt: skip


def test_kommun_codes_are_four_digits_in_their_lan() -> None:
    for row in _rows("kommuner.csv"):
        assert len(row["kommunkod"]) == 4 and row["kommunkod"].isdigit()
        assert row["kommunkod"][:2] == row["lan_kod"]
        assert row["lan"].endswith(" län")


@pytest.mark.parametrize(
    ("code", "name"),
    [("0180", "Stockholm"), ("1384", "Kungsbacka"), ("1380", "Halmstad"), ("0114", "Upplands Väsby"),
     ("1480", "Göteborg"), ("1280", "Malmö"), ("0980", "Gotland"), ("2584", "Kiruna")],
)  # fmt: skip
def test_kommun_names(code: str, name: str) -> None:
    assert geography.kommuner()[code] == name


def test_kommun_lan() -> None:
    assert geography.kommun_lan()["0180"] == ("01", "Stockholms län")
    assert geography.kommun_lan()["1384"] == ("13", "Hallands län")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0180", "0180"), ("180", "0180"), ("180.0", "0180"), (" 0180 ", "0180"), ("1384", "1384"),
     ("1384.00", "1384"), ("18", None), ("01800", None), ("", None), ("abc", None), ("01 80", None),
     ("180.5", None), ("-180", None)],
)  # fmt: skip
def test_normalise_kommunkod(value: str, expected: str | None) -> None:
    assert geography.normalise_kommunkod(value) == expected


# --- countries --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "region"),
    [
        *[(v, "sweden") for v in ["Sverige", "SE", "SWE", "Sweden", "sverige", " SVERIGE "]],
        *[(v, "nordic") for v in ["Norge", "Finland", "Danmark", "Island", "Åland", "Färöarna", "Grönland"]],
        *[(v, "eu_efta") for v in ["Polen", "Tyskland", "DE", "Schweiz", "Liechtenstein", "Österrike",
                                   "osterrike", "Nederländerna", "Holland", "Tjeckien", "Östtyskland",
                                   "DDR"]],
        *[(v, "rest_of_world") for v in ["Storbritannien", "England", "UK", "Somalia", "Syrien", "Irak",
                                         "USA", "Förenta staterna", "Kosovo", "Jugoslavien", "Eritrea",
                                         "Afghanistan", "Etiopien", "Iran", "Ryssland", "Turkiet",
                                         "Türkiye", "Vitryssland", "Belarus", "Bosnien", "Kongo-Kinshasa",
                                         "Sovjetunionen", "Tjeckoslovakien", "Palestina", "Burma"]],
    ],
)  # fmt: skip
def test_country_regions(value: str, region: str) -> None:
    assert geography.country_regions()[key(value)] == region


def test_countries_have_valid_regions_and_codes() -> None:
    rows = _rows("countries.csv")
    assert list(rows[0]) == ["iso2", "iso3", "name_sv", "name_en", "region", "aliases"]
    assert len(rows) >= 250
    assert {row["region"] for row in rows} == set(geography.REGIONS)
    assert [row["iso2"] for row in rows if row["region"] == "sweden"] == ["SE"]
    for row in rows:
        assert row["name_sv"] and row["name_en"]
        assert row["iso2"] == "" or (len(row["iso2"]) == 2 and row["iso2"].isupper())
        assert row["iso3"] == "" or (len(row["iso3"]) == 3 and row["iso3"].isupper())
    iso2 = [row["iso2"] for row in rows if row["iso2"]]
    assert len(iso2) == len(set(iso2))


def test_eu_efta_membership() -> None:
    """Sovereign EU27 + EFTA states, split into Sweden, the Nordic countries and the rest."""
    by_iso = {row["iso2"]: row["region"] for row in _rows("countries.csv") if row["iso2"]}
    eu27 = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
            "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}  # fmt: skip
    efta = {"IS", "LI", "NO", "CH"}
    assert len(eu27) == 27
    for iso in sorted(eu27 | efta):
        expected = "sweden" if iso == "SE" else "nordic" if iso in {"DK", "FI", "IS", "NO"} else "eu_efta"
        assert by_iso[iso] == expected, iso
    assert by_iso["GB"] == "rest_of_world"


def test_no_key_shared_between_rows() -> None:
    owner: dict[str, str] = {}
    for row in _rows("countries.csv"):
        names = [row["iso2"], row["iso3"], row["name_sv"], row["name_en"], *row["aliases"].split("|")]
        for k in {key(name) for name in names if key(name)}:
            assert k not in owner, f"{k!r} in both {owner[k]!r} and {row['name_sv']!r}"
            owner[k] = row["name_sv"]


# --- regions ----------------------------------------------------------------------------------------


def test_grouped_regions() -> None:
    grouped = geography.grouped_regions()
    assert grouped[key("Född i Sverige")] == "sweden"
    assert grouped[key("Norden exkl. Sverige")] == "nordic"
    assert grouped[key("EU/EFTA")] == "eu_efta"
    assert grouped[key("Övriga världen")] == "rest_of_world"
    for code in geography.REGIONS:
        assert grouped[key(code)] == code
    for coarse in ["Utrikes född", "Utrikes födda", "Utlandet"]:
        assert key(coarse) not in grouped


def test_regions_table_matches_codes() -> None:
    assert tuple(row["region"] for row in _rows("regions.csv")) == geography.REGIONS


def test_region_label() -> None:
    assert geography.region_label("sweden") == "Sverige"
    assert geography.region_label("rest_of_world") == "Övriga världen"
    assert geography.region_label("eu_efta", "en") == "EU/EFTA except Nordic countries"
    with pytest.raises(ValueError):
        geography.region_label("europe")
    with pytest.raises(ValueError):
        geography.region_label("sweden", "de")
