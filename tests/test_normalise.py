from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oppnaogon.errors import ConfigError, DataError
from oppnaogon.io.loading import LINE, read_table
from oppnaogon.model.config import Config, OutcomeSpec, parse_config
from oppnaogon.prepare.normalise import Prepared, band_labels, prepare

TODAY = date(2026, 11, 23)
WriteCsv = Callable[..., Path]


def _with_sex(rows: list[list[str]]) -> list[list[str]]:
    """The rows with a sex column added: an extract without one is refused."""
    return [[*row, "Kön" if i == 0 else "K"] for i, row in enumerate(rows)]


def _prepare(path: Path, config: Config | None = None) -> Prepared:
    return prepare(read_table(path), config, today=TODAY)


@pytest.mark.parametrize(
    ("female", "male"),
    [
        ("K", "M"),
        ("Kvinna", "Man"),
        ("Flicka", "Pojke"),
        ("kvinnor", "män"),
        ("F", "M"),
        ("Female", "Male"),
        ("FLICKA", "pojke"),
        ("Tjej", "Kille"),
    ],
)
def test_sex_code_families(write_csv: WriteCsv, female: str, male: str) -> None:
    rows = [
        ["Kön", "Ålder"],
        [female, "1"],
        [male, "2"],
        [male, "3"],
        ["Annat", "4"],
        ["-", "5"],
        ["Okänt", "6"],
    ]
    path = write_csv(rows)
    assert _prepare(path).frame["sex"].to_list() == ["female", "male", "male", "other", "unknown", "unknown"]


def test_numeric_sex_codes_need_an_explicit_mapping(write_csv: WriteCsv) -> None:
    path = write_csv([["Kön"], ["1"], *[["2"]] * 5])
    with pytest.raises(DataError) as caught:
        _prepare(path)
    message = str(caught.value)
    # '1' is a code, but of one row: only counted (issue 14)
    assert "2 olika värden: '2' (5 rader); 1 av dem visas inte" in message
    assert "gissar aldrig" in message and "[values.sex]" in message
    config = parse_config({"values": {"sex": {"female": ["2"], "male": ["1"]}}})
    assert _prepare(path, config).frame["sex"].to_list() == ["male", *["female"] * 5]


def test_unknown_sex_code_is_named_with_its_count(write_csv: WriteCsv) -> None:
    path = write_csv([["Kön"], ["K"], *[["Q"]] * 5])
    with pytest.raises(DataError, match=r"'Kön' \(kön\).*'Q' \(5 rader\)"):
        _prepare(path)
    # held by fewer rows than the limit: counted, not named
    with pytest.raises(DataError, match=r"'Kön' \(kön\).*: 1 värde, det visas inte") as caught:
        prepare(read_table(path), today=TODAY, min_cell=6)
    assert "Q" not in str(caught.value)


def test_band_labels() -> None:
    assert band_labels((0, 7, 13, 18)) == ("0-6", "7-12", "13-17", "18+")


def test_age_bands_and_implausible_ages_excluded_with_lines(write_csv: WriteCsv) -> None:
    rows = [
        ["Kön", "Ålder"],
        ["K", "0"],
        ["M", "6"],
        ["K", "7"],
        ["M", "17,0"],
        ["K", "18"],
        ["M", "130"],
        ["K", "-1"],
        ["M", "tolv"],
        ["K", ""],
    ]
    prepared = _prepare(write_csv(rows), parse_config({"age_bands": [0, 7, 13, 18]}))
    assert prepared.frame["age"].to_list() == [0, 6, 7, 17, 18, None]
    assert prepared.frame["age_band"].cast(pl.String).to_list() == [
        "0-6",
        "0-6",
        "7-12",
        "13-17",
        "18+",
        None,
    ]
    assert prepared.exclusions == {"age not a number": 1, "age out of range": 2}
    assert prepared.exclusion_lines == {"age not a number": (9,), "age out of range": (7, 8)}
    assert (prepared.rows_read, prepared.rows_usable) == (9, 6)


def test_ages_below_the_first_band_have_no_band(write_csv: WriteCsv) -> None:
    prepared = _prepare(
        write_csv(_with_sex([["Ålder"], ["64"], ["65"], ["90"]])), parse_config({"age_bands": [65, 80]})
    )
    assert prepared.frame["age_band"].cast(pl.String).to_list() == [None, "65-79", "80+"]


def test_age_from_birth_date_at_decision_date(write_csv: WriteCsv) -> None:
    rows = [
        ["Födelsedatum", "Beslutsdatum"],
        ["2010-06-15", "2026-06-14"],
        ["2010-06-15", "2026-06-15"],
        ["2012", "2026-01-10"],
    ]
    prepared = _prepare(write_csv(_with_sex(rows)))
    assert prepared.frame["age"].to_list() == [15, 16, 14]


def test_age_from_birth_year_needs_a_reference(write_csv: WriteCsv) -> None:
    path = write_csv([["Födelseår", "Kön"], ["2010", "K"]])
    with pytest.raises(ConfigError, match='reference_date = "2026-06-30"'):
        _prepare(path)
    config = parse_config({"reference_date": "2026-06-30"})
    assert _prepare(path, config).frame["age"].to_list() == [16]


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("quarter", ["2025K1", "2025K2", "2025K3", "2025K4"]),
        ("tertial", ["2025T1", "2025T2", "2025T2", "2025T3"]),
        ("month", ["2025M03", "2025M05", "2025M08", "2025M12"]),
        ("year", ["2025"] * 4),
    ],
)
def test_periods(write_csv: WriteCsv, unit: str, expected: list[str]) -> None:
    # ISO, ISO with a time, YYYYMMDD, and an Excel day number (45999 = 2025-12-08; 45658 = 2025-01-01)
    rows = [["Beslutsdatum"], ["2025-03-31"], ["2025-05-01 10:15:00"], ["20250831"], ["45999"]]
    prepared = _prepare(write_csv(_with_sex(rows)), parse_config({"period": unit}))
    assert prepared.frame["period"].to_list() == expected
    assert prepared.frame["date"].to_list()[-1] == date(2025, 12, 8)


def test_future_and_unreadable_dates_are_excluded(write_csv: WriteCsv) -> None:
    rows = [["Datum"], ["2026-01-01"], ["2031-01-01"], ["31 feb"], ["2026-02-01"], ["2026-03-01"]]
    prepared = _prepare(write_csv(_with_sex(rows)))
    assert prepared.exclusions == {"date in the future": 1, "date not understood": 1}
    assert prepared.exclusion_lines == {"date in the future": (3,), "date not understood": (4,)}


def test_a_column_of_non_dates_is_refused_as_the_wrong_column(write_csv: WriteCsv) -> None:
    path = write_csv(_with_sex([["Beslutsdatum"], ["ja"], ["nej"], ["2026-01-01"]]))
    with pytest.raises(DataError, match=r"2 av 3 värden kan inte läsas som datum \(t.ex. rad 2, 3\)"):
        _prepare(path)


def test_birth_country_to_scb_regions(write_csv: WriteCsv) -> None:
    countries = ["Sverige", "norge", "Polen", "Somalia", "Utrikes född", "Atlantis", "Uppgift saknas"]
    rows = [["Kön", "Födelseland"], *[["K", country] for country in countries]]
    prepared = _prepare(write_csv(rows))
    assert prepared.frame["birth_region"].to_list() == [
        "sweden",
        "nordic",
        "eu_efta",
        "rest_of_world",
        "abroad",
        None,
        None,
    ]
    # never named: a single row's value (issue 14)
    assert any("1 rader" in note and "1 värde, det visas inte" in note for note in prepared.notes)
    assert not any("Atlantis" in note for note in prepared.notes)


def test_already_grouped_birth_region_is_kept(write_csv: WriteCsv) -> None:
    rows = [["Födelseregion"], ["Född i Sverige"], *[["Europa utom EU"]] * 5, ["Mars, kom 2019"], ["Asien"]]
    prepared = _prepare(write_csv(_with_sex(rows)))
    # an unknown grouped value is kept when 5 persons share it and it looks like a category; free text
    # and rare values are pooled (issue 14)
    assert prepared.frame["birth_region"].to_list() == ["sweden", *["Europa utom EU"] * 5, "övriga", "övriga"]


def test_kommunkod_keeps_four_characters(write_csv: WriteCsv) -> None:
    rows = [["Kommunkod"], ["180"], ["0180"], ["1384"], ["9999"], ["Karlstad"], ["Karlstads kontor"]]
    prepared = prepare(read_table(write_csv(_with_sex(rows))), today=TODAY, pool_municipalities=False)
    # neither a known code nor a known name: a missing municipality (issue 14)
    assert prepared.frame["municipality"].to_list() == ["0180", "0180", "1384", None, "Karlstad", None]
    assert prepared.notes == (
        "'Kommunkod': 2 rader har en kommun som varken är en känd kommunkod (SCB) eller ett kommunnamn och "
        "räknas som saknad kommun, 2 olika värden, de visas inte (fritext, långa värden eller färre än 5 rader).",
    )
    # in `analyse` a municipality of fewer than 5 persons is pooled like any other label
    assert _prepare(write_csv(_with_sex(rows))).frame["municipality"].to_list() == ["övriga"] * 3 + [
        None,
        "övriga",
        None,
    ]


def test_outcomes_and_criteria_are_detected_from_headers_and_values(write_csv: WriteCsv) -> None:
    rows = [
        [
            "Kön",
            "Insats beviljad",
            "Barnet delaktigt",
            "Uppföljning gjord",
            "Timmar per vecka",
            "Ärendenr",
            "Risknivå",
            "Samtycke",
        ]
    ]
    rows += [
        ["K", "Ja", "Nej", "J", "2,5", "1001", "Hög risk", "Ja"],
        ["M", "Nej", "Ja", "N", "", "1002", "-", "Nej"],
        ["M", "ja", "ja", "j", "10", "1003", "Låg risk", "Ja"],
    ]
    prepared = _prepare(write_csv(rows))
    assert prepared.outcomes == (
        OutcomeSpec("insats_beviljad", "Insats beviljad", "decision", label="Insats beviljad"),
        OutcomeSpec("barnet_delaktigt", "Barnet delaktigt", "participation", label="Barnet delaktigt"),
        OutcomeSpec("uppfoljning_gjord", "Uppföljning gjord", "proportion", label="Uppföljning gjord"),
        OutcomeSpec("timmar_per_vecka", "Timmar per vecka", "numeric", label="Timmar per vecka"),
    )
    assert prepared.criteria == {"need": ("Risknivå",), "consent": ("Samtycke",)}
    assert prepared.column_roles["Ärendenr"] == "unused"  # unique integers look like an identifier
    frame = prepared.frame
    assert frame["o:insats_beviljad"].to_list() == [True, False, True]
    assert frame["o:timmar_per_vecka"].to_list() == [2.5, None, 10.0]
    assert frame["c:need:Risknivå"].to_list() == ["Hög risk", None, "Låg risk"]
    assert frame["missing:Risknivå"].to_list() == [False, True, False]


def test_configured_outcome_with_unexpected_values(write_csv: WriteCsv) -> None:
    path = write_csv(_with_sex([["Beslut"], ["Beviljad"], *[["Delvis"]] * 5, ["Avslag"]]))
    config = parse_config({"outcomes": {"beslut": {"column": "Beslut", "kind": "decision"}}})
    with pytest.raises(DataError, match=r"'Delvis' \(5 rader\)") as caught:
        _prepare(path, config)
    assert "[outcomes.beslut]" in str(caught.value)
    config = parse_config(
        {"outcomes": {"beslut": {"column": "Beslut", "kind": "decision", "positive": ["Beviljad", "Delvis"]}}}
    )
    assert _prepare(path, config).frame["o:beslut"].to_list() == [True, *[True] * 5, False]


def test_config_naming_a_missing_column_suggests_the_right_one(write_csv: WriteCsv) -> None:
    path = write_csv([["Kön", "Ålder"], ["K", "3"]])
    with pytest.raises(ConfigError) as caught:
        _prepare(path, parse_config({"columns": {"sex": "Kon"}}))
    message = str(caught.value)
    assert "`columns.sex` anger kolumnen 'Kon'" in message and "Menade du 'Kön'?" in message


def test_line_numbers_survive_normalisation(write_csv: WriteCsv) -> None:
    prepared = _prepare(write_csv([["Kön", "Ålder"], ["K", "3"], ["M", "200"], ["K", "5"]]))
    assert prepared.frame[LINE].to_list() == [2, 4]


def test_a_free_text_column_mapped_as_sex_is_not_printed_wholesale(write_csv: WriteCsv) -> None:
    rows = [["Anteckning"]] + [[f"Samtal nummer {i} om situationen hemma och i skolan"] for i in range(40)]
    config = parse_config({"columns": {"sex": "Anteckning"}})
    with pytest.raises(DataError) as caught:
        _prepare(write_csv(rows), config)
    message = str(caught.value)
    # free text is never printed, not even shortened (issue 14): only counted
    assert "Samtal" not in message and "40 olika värden, de visas inte" in message


# --- mapping categorical columns by their codes ---------------------------------------------------------


@pytest.mark.slow
@given(
    values=st.lists(
        st.one_of(st.none(), st.sampled_from(["Ja", "Nej", " x ", "Okänt", "2024-01-05", "7"])), max_size=40
    ),
    mapped=st.lists(st.booleans(), min_size=6, max_size=6),
    kind=st.sampled_from(["bool", "float", "text", "enum"]),
)
@settings(max_examples=120, deadline=None)
def test_recode_by_codes_equals_replacing_the_text(
    values: list[str | None], mapped: list[bool], kind: str
) -> None:
    """A categorical column mapped through a lookup by its codes gives exactly what `replace_strict` on
    its text gives, for values in and out of the mapping, nulls, and each result type."""
    from oppnaogon.io.loading import LoadedTable
    from oppnaogon.prepare.normalise import _recode

    universe = ["Ja", "Nej", " x ", "Okänt", "2024-01-05", "7"]
    old = [v for v, keep in zip(universe, mapped, strict=True) if keep]  # the rest are not mapped
    new, dtype = {
        "bool": ([i % 2 == 0 for i in range(len(old))], pl.Boolean),
        "float": ([float(i) / 3 for i in range(len(old))], pl.Float64),
        "text": ([f"g{i % 2}" if i % 3 else None for i in range(len(old))], pl.Categorical),
        "enum": (["female" if i % 2 else "male" for i in range(len(old))], pl.Enum(["female", "male"])),
    }[kind]
    text = pl.DataFrame({"c": pl.Series(values, dtype=pl.String)})
    expected = text.select(pl.col("c").replace_strict(old, new, default=None, return_dtype=dtype)).to_series()
    for frame in (text, text.with_columns(pl.col("c").cast(pl.Categorical))):
        table = LoadedTable(frame=frame, path=Path("x.parquet"), file_format="parquet")
        got = frame.select(_recode(table, "c", old, new, dtype)).to_series()
        assert got.cast(pl.String).to_list() == expected.cast(pl.String).to_list()


@pytest.mark.parametrize("far", [False, True])
def test_period_by_day_number_equals_replacing_the_dates(far: bool) -> None:
    """Periods looked up by day number (or, for dates centuries apart, replaced) as the distinct
    dates' labels say; a missing date has no period."""
    from oppnaogon.prepare.normalise import _period_of

    days = [date(2024, 1, 5), date(2024, 4, 1), date(2025, 12, 31)] + ([date(1, 1, 1)] if far else [])
    distinct = pl.Series("d", days, dtype=pl.Date)
    labels = pl.Series("p", ["2024K1", "2024K2", "2025K4"] + (["0001K1"] if far else []))
    frame = pl.DataFrame({"d": [days[1], None, days[0], days[2], days[1]] + ([days[3]] if far else [])})
    got = frame.select(_period_of(pl.col("d"), distinct, labels).alias("p")).to_series()
    assert got.dtype == pl.Categorical
    assert got.cast(pl.String).to_list() == ["2024K2", None, "2024K1", "2025K4", "2024K2"] + (
        ["0001K1"] if far else []
    )


@pytest.mark.slow
@given(
    st.lists(st.integers(min_value=0, max_value=119), min_size=1, max_size=8, unique=True).map(sorted),
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=120)), max_size=30),
)
@settings(max_examples=100, deadline=None)
def test_age_bands_looked_up_by_age_are_the_bands_by_their_bounds(
    bounds: list[int], ages: list[int | None]
) -> None:
    """The band of each age from a table of every age: the last band whose lower bound it reaches, null
    below the first band and for a missing age (as the bands were once found by comparing bounds)."""
    from oppnaogon.prepare.normalise import _bands_by_age, band_labels

    labels = band_labels(tuple(bounds))
    frame = pl.DataFrame({"age": pl.Series(ages, dtype=pl.Int16)})
    got = frame.select(pl.lit(_bands_by_age(tuple(bounds), labels)).gather(pl.col("age"))).to_series()
    # the reference: each bound compared in turn, a later band overriding an earlier one
    band = pl.lit(None, dtype=pl.String)
    for low, label in zip(bounds, labels, strict=True):
        band = pl.when(pl.col("age") >= low).then(pl.lit(label)).otherwise(band)
    assert got.cast(pl.String).to_list() == frame.select(band).to_series().to_list()


@pytest.mark.parametrize("header", ["Klientens kön", "Barnets kön (K/M)", "Den unges kön", "Client's sex"])
def test_a_header_naming_the_client_is_recognised(write_csv: WriteCsv, header: str) -> None:
    path = write_csv([[header, "Barnets ålder"], ["K", "4"], ["M", "9"]])
    prepared = _prepare(path)
    assert prepared.frame["sex"].to_list() == ["female", "male"]
    assert prepared.frame["age"].to_list() == [4, 9]


def test_without_a_sex_column_nothing_is_compared_and_the_analysis_is_refused(write_csv: WriteCsv) -> None:
    # another person's sex is not the client's: named as a candidate, never taken
    path = write_csv([["Förälderns kön", "Ålder"], ["K", "4"], ["M", "9"]])
    with pytest.raises(DataError) as caught:
        _prepare(path)
    assert "Ingen kolumn för kön hittades" in caught.value.message
    assert "'Förälderns kön'" in caught.value.message
    assert caught.value.hint is not None and 'sex = "Förälderns kön"' in caught.value.hint
    config = parse_config({"columns": {"sex": "Förälderns kön"}})
    assert _prepare(path, config).frame["sex"].to_list() == ["female", "male"]
