"""Tests for the synthetic extract generator and the export writer."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from oppnaogon.testing.synthetic import (
    ALLOWED_VALUES,
    COLUMNS,
    SAMTYCKE_VALUES,
    generate_barn_och_unga,
    write_export_csv,
)

EXPECTED_HEADERS = [
    "Kommun",
    "Kön",
    "Ålder",
    "Födelseland",
    "Stadsdel",
    "Beslutsdatum",
    "Risknivå",
    "Utsatthet",
    "Behov av stöd",
    "Tillgodoses av nätverk",
    "Bör tillgodoses av annan verksamhet",
    "Önskar stöd",
    "Samtycke",
    "Tillfrågad om delaktighet",
    "Vill delta",
    "Vårdnadshavare hindrat",
    "Tolk använd",
    "Kommunikationsstöd funktionsnedsättning",
    "Insats beviljad",
    "Barnet delaktigt",
    "Timmar per vecka",
]


@pytest.fixture(scope="module")
def small() -> pl.DataFrame:
    return generate_barn_och_unga(5_000, seed=11)


@pytest.fixture(scope="module")
def large() -> pl.DataFrame:
    return generate_barn_och_unga(50_000, seed=2026)


def _share(frame: pl.DataFrame, column: str, value: str) -> float:
    return float((frame[column] == value).mean())


def test_same_seed_gives_identical_frame() -> None:
    a = generate_barn_och_unga(3_000, seed=5)
    b = generate_barn_och_unga(3_000, seed=5)
    assert a.equals(b)


def test_different_seed_gives_different_frame() -> None:
    a = generate_barn_och_unga(3_000, seed=5)
    b = generate_barn_och_unga(3_000, seed=6)
    assert not a.equals(b)


def test_zero_rows() -> None:
    frame = generate_barn_och_unga(0)
    assert frame.height == 0
    assert frame.columns == EXPECTED_HEADERS


def test_exact_headers(small: pl.DataFrame) -> None:
    assert small.columns == EXPECTED_HEADERS
    assert list(COLUMNS) == EXPECTED_HEADERS
    assert small.height == 5_000


def test_string_columns(small: pl.DataFrame) -> None:
    for name in EXPECTED_HEADERS[:-1]:
        assert small.schema[name] == pl.String, name
    assert small.schema["Timmar per vecka"] == pl.Float64


@pytest.mark.parametrize("column", sorted(ALLOWED_VALUES))
def test_categorical_values_within_allowed_sets(small: pl.DataFrame, column: str) -> None:
    values = set(small[column].drop_nulls().unique().to_list())
    assert values <= ALLOWED_VALUES[column], values - ALLOWED_VALUES[column]


def test_allowed_sets_match_the_criteria_tables() -> None:
    assert ALLOWED_VALUES["Risknivå"] == {"Inte känt", "Låg risk", "Förhöjd risk", "Hög risk", "-"}
    assert ALLOWED_VALUES["Kön"] == {"Flicka", "Pojke", "Annat"}
    assert ALLOWED_VALUES["Önskar stöd"] == {"Ja", "Nej", "Vet ej"}
    assert ALLOWED_VALUES["Tolk använd"] == {"Ja", "Nej men skulle ha behövts", "Nej behövdes ej"}
    assert ALLOWED_VALUES["Kommunikationsstöd funktionsnedsättning"] == ALLOWED_VALUES["Tolk använd"]
    assert len(SAMTYCKE_VALUES) == 7
    assert ALLOWED_VALUES["Samtycke"] == set(SAMTYCKE_VALUES)
    for column in (
        "Behov av stöd",
        "Tillgodoses av nätverk",
        "Bör tillgodoses av annan verksamhet",
        "Tillfrågad om delaktighet",
        "Vill delta",
        "Vårdnadshavare hindrat",
        "Insats beviljad",
        "Barnet delaktigt",
    ):
        assert ALLOWED_VALUES[column] == {"Ja", "Nej"}, column


def test_kommun_and_dates_look_like_an_export(large: pl.DataFrame) -> None:
    assert set(large["Kommun"].unique().to_list()) == {"1780", "1784", "1785"}
    counts = large["Kommun"].value_counts()
    assert counts["count"].n_unique() == 3  # unequal sizes
    assert large["Beslutsdatum"].str.contains(r"^\d{4}-\d{2}-\d{2}$").all()
    years = large["Beslutsdatum"].str.slice(0, 4)
    assert set(years.unique().to_list()) == {"2024", "2025", "2031"}
    assert 0 < (years == "2031").sum() < 0.002 * large.height
    # Every district belongs to exactly one kommun's list of 3–5.
    per_kommun = large.group_by("Kommun").agg(pl.col("Stadsdel").n_unique())
    assert per_kommun["Stadsdel"].is_between(3, 5).all()


def test_custom_municipalities_keep_leading_zeros() -> None:
    frame = generate_barn_och_unga(2_000, seed=1, municipalities=("0180", "0114"), start_year=2024)
    assert set(frame["Kommun"].unique().to_list()) == {"0180", "0114"}
    assert frame["Beslutsdatum"].str.slice(0, 4).is_in(["2024", "2025", "2031"]).all()


@pytest.mark.parametrize("bad", [("180",), ("1780", "1780"), (), ("17a0",)])
def test_invalid_municipalities_rejected(bad: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        generate_barn_och_unga(10, municipalities=bad)


def test_realistic_shares(large: pl.DataFrame) -> None:
    assert 0.55 <= _share(large, "Insats beviljad", "Ja") <= 0.65
    assert 0.70 <= _share(large, "Födelseland", "Sverige") <= 0.85
    assert 0.02 <= _share(large, "Födelseland", "Uppgift saknas") <= 0.04
    assert 0.002 <= large["Kön"].null_count() / large.height <= 0.01
    assert 0.04 <= _share(large, "Risknivå", "-") <= 0.08
    assert large["Insats beviljad"].null_count() == 0
    # Implausible ages are rare but present.
    implausible = large["Ålder"].is_in(["130", "-1"]).sum()
    assert 0 < implausible < 0.002 * large.height


def test_risk_missing_more_often_for_boys(large: pl.DataFrame) -> None:
    girls = large.filter(pl.col("Kön") == "Flicka")
    boys = large.filter(pl.col("Kön") == "Pojke")
    assert _share(boys, "Risknivå", "-") > _share(girls, "Risknivå", "-") + 0.015


def test_own_consent_only_from_15(large: pl.DataFrame) -> None:
    own = large.filter(pl.col("Samtycke") == "Samtycke finns från barn över 15 år")
    ages = own["Ålder"].filter(~own["Ålder"].is_in(["130", "-1"])).cast(pl.Int32)
    assert ages.min() >= 15


def test_hours_null_exactly_when_not_granted(large: pl.DataFrame) -> None:
    granted = large["Insats beviljad"] == "Ja"
    hours = large["Timmar per vecka"]
    assert (hours.is_null() == ~granted).all()
    present = hours.drop_nulls()
    assert present.min() >= 0.5
    assert present.max() <= 40


def test_planted_unexplained_teen_sex_difference(large: pl.DataFrame) -> None:
    teens = large.filter(pl.col("Ålder").is_in([str(a) for a in range(13, 18)]))
    girls = _share(teens.filter(pl.col("Kön") == "Flicka"), "Insats beviljad", "Ja")
    boys = _share(teens.filter(pl.col("Kön") == "Pojke"), "Insats beviljad", "Ja")
    assert girls - boys >= 0.05


def test_planted_need_effect(large: pl.DataFrame) -> None:
    high = _share(large.filter(pl.col("Risknivå") == "Hög risk"), "Insats beviljad", "Ja")
    low = _share(large.filter(pl.col("Risknivå") == "Låg risk"), "Insats beviljad", "Ja")
    assert high > low + 0.2


def test_planted_interpreter_effect_on_participation(large: pl.DataFrame) -> None:
    missing = large.filter(pl.col("Tolk använd") == "Nej men skulle ha behövts")
    not_needed = large.filter(pl.col("Tolk använd") == "Nej behövdes ej")
    assert missing.height > 100
    assert _share(missing, "Barnet delaktigt", "Ja") < _share(not_needed, "Barnet delaktigt", "Ja") - 0.1


def test_interpreter_need_mainly_abroad(large: pl.DataFrame) -> None:
    needed = large["Tolk använd"].is_in(["Ja", "Nej men skulle ha behövts"])
    sverige = large["Födelseland"] == "Sverige"
    assert needed.filter(sverige).mean() < 0.05
    assert needed.filter(~sverige & large["Födelseland"].is_not_null()).mean() > 0.2


def test_write_export_csv_format(tmp_path: Path, small: pl.DataFrame) -> None:
    target = tmp_path / "export.csv"
    write_export_csv(small, target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw[3:].decode("utf-8")
    header = text.split("\r\n", 1)[0]
    assert header == ";".join(EXPECTED_HEADERS)
    assert text.endswith("\r\n")
    assert text.count("\r\n") == small.height + 1
    assert "\n" not in text.replace("\r\n", "")
    # Decimal comma in Timmar per vecka, and no decimal point anywhere in that column.
    hours = [line.rsplit(";", 1)[1] for line in text.split("\r\n")[1:-1]]
    assert any("," in h for h in hours)
    assert not any("." in h for h in hours)
    # Missing values are empty fields; values with a comma need no quotes with ';' as separator.
    assert '"' not in text
    assert ";;" in text
    # Nothing left behind from the atomic write.
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]


def test_write_export_csv_round_trip(tmp_path: Path, small: pl.DataFrame) -> None:
    target = tmp_path / "export.csv"
    write_export_csv(small, target)
    back = pl.read_csv(
        target,
        separator=";",
        decimal_comma=True,
        infer_schema=False,
        schema_overrides={"Timmar per vecka": pl.Float64},
    )
    assert back.equals(small)


def test_write_export_csv_quotes_only_where_needed(tmp_path: Path) -> None:
    frame = pl.DataFrame({"A": ["x;y", "plain", None], "B": [1.5, None, 2.0]})
    target = tmp_path / "q.csv"
    write_export_csv(frame, target)
    assert target.read_bytes() == b'\xef\xbb\xbfA;B\r\n"x;y";1,5\r\nplain;\r\n;2,0\r\n'


def test_write_export_csv_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    write_export_csv(pl.DataFrame({"A": ["ny"]}), str(target))
    assert target.read_bytes() == b"\xef\xbb\xbfA\r\nny\r\n"
