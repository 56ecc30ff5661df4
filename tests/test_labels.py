"""Labels from the data (issue 14, point 6): free text, identifiers and rare values of a breakdown column
are pooled into 'övriga' and never published; messages, the log, `check` and `init` name only codes
held by several rows."""

from __future__ import annotations

import html
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oppnaogon.cli import app
from oppnaogon.model.wording import group_text
from oppnaogon.prepare.normalise import looks_like_category, looks_like_code, shown_codes

runner = CliRunner()
WriteCsv = Callable[..., Path]

MOGADISHU = "Mogadishu, kom med morbror Ahmed"
STORGATAN = "Bor hos mormor på Storgatan 5"
RARE_DISTRICT = "Söderbacken"  # code-like, but only 2 persons
ZUBROWKA = "Republiken Zubrowka"  # a birth country outside the country table
FREE_MUNICIPALITY = "Bor i Mölndal hos pappa"
FREE_SEX = "Ja, efter samtal med Anna Berg"
SECRETS = (
    MOGADISHU,
    STORGATAN,
    RARE_DISTRICT,
    ZUBROWKA,
    FREE_MUNICIPALITY,
    FREE_SEX,
    "Mogadishu",
    "Storgatan",
)


def _labels_extract() -> list[list[str]]:
    """131 rows: 60 in Centrum and 60 in Norr (30 girls, 30 boys each, half granted), and 11 whose
    residence is pooled: 8 free-text Mogadishu (5 girls, 3 boys), 1 boy at Storgatan, 2 boys in the
    rare district. Two rows have a birth country outside the table, one a free-text municipality."""
    rows = [["Kön", "Ålder", "Födelseland", "Stadsdel", "Kommun", "Insats beviljad"]]
    for district in ("Centrum", "Norr"):
        for sex in ("K", "M"):
            rows += [[sex, "10", "Sverige", district, "0180", "Ja"]] * 15
            rows += [[sex, "10", "Sverige", district, "0180", "Nej"]] * 15
    rows += [["K", "12", "Somalia", MOGADISHU, "0180", "Ja"]] * 3 + [
        ["K", "12", "Somalia", MOGADISHU, "0180", "Nej"]
    ] * 2
    rows += [["M", "12", "Somalia", MOGADISHU, "0180", "Nej"]] * 3
    rows += [["M", "9", ZUBROWKA, STORGATAN, FREE_MUNICIPALITY, "Ja"]]
    rows += [
        ["M", "9", ZUBROWKA, RARE_DISTRICT, "0180", "Ja"],
        ["M", "9", "Sverige", RARE_DISTRICT, "0180", "Nej"],
    ]
    return rows


def _assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {where}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Östra landsbygden", True),
        ("Centrum", True),
        ("0180", True),
        ("13-17", True),
        ("Rum 0712241231", False),  # 6+ digits
        ("Rum 071224-1231", False),  # ... with the separators removed
        ("Rum 07.12.24 12", False),
        ("Rum 07 12 24", False),
        ("Rum 07/12/24", False),
        ("Rum 071–224", False),  # an en dash
        ("Rum 12345", True),  # five digits: a house number, a postcode prefix
        (MOGADISHU, False),  # a comma followed by words
        (STORGATAN, False),  # more than 4 words
        ("Nordvästra Storstadsområdets förorter, del", False),
        ("a" * 40, True),
        ("a" * 41, False),  # more than 40 characters
        ("anna@example.se", False),
        ("Vet ej!", True),  # ! not followed by a word
        ("  ", False),
    ],
)
def test_looks_like_category(value: str, expected: bool) -> None:
    assert looks_like_category(value) is expected


def test_looks_like_code_is_short() -> None:
    assert looks_like_code("Ickebinär") and looks_like_code("Nej tack")
    assert not looks_like_code("Annat kön enligt") and not looks_like_code("x" * 31)


def test_shown_codes_names_only_codes_held_by_enough_rows() -> None:
    counts = {"3": 12, FREE_SEX: 7, "9": 1, "Z": 5}
    assert shown_codes(["3", FREE_SEX, "9", "Z"], counts, 5) == (
        "4 olika värden: '3' (12 rader), 'Z' (5 rader); 2 av dem visas inte "
        "(fritext, långa värden eller färre än 5 rader)"
    )
    assert (
        shown_codes([FREE_SEX], counts, 5)
        == "1 värde, det visas inte (fritext, långa värden eller färre än 5 rader)"
    )
    assert shown_codes(["9", FREE_SEX], counts, 2) == (
        "2 olika värden, de visas inte (fritext, långa värden eller färre än 2 rader)"
    )


def test_the_pooled_group_reads_other_in_english() -> None:
    assert group_text({"residence": "övriga"}) == "övriga"
    assert group_text({"residence": "övriga"}, "en") == "other"


def _all_output_text(out: Path) -> str:
    """Every file and folder name under `out` and the text of every file (a workbook's every part)."""
    texts = []
    for path in sorted(out.rglob("*")):
        texts.append(str(path.relative_to(out)))
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as workbook:
                texts.extend(html.unescape(workbook.read(name).decode()) for name in workbook.namelist())
        elif path.is_file() and path.suffix in {".json", ".csv", ".html", ".md", ".svg", ".txt"}:
            texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


@pytest.mark.slow
def test_free_text_and_rare_labels_are_pooled_everywhere(write_csv: WriteCsv, tmp_path: Path) -> None:
    data = write_csv(_labels_extract())
    out, log = tmp_path / "rapport", tmp_path / "oppnaogon.log"
    result = runner.invoke(
        app,
        [
            "analyse",
            str(data),
            "--out",
            str(out),
            "--format",
            "json,csv,xlsx,html,md",
            "--log-file",
            str(log),
        ],
    )
    assert result.exit_code == 0, result.output
    _assert_no_secret(result.output, "the terminal")
    _assert_no_secret(log.read_text(encoding="utf-8"), "the log")
    _assert_no_secret(_all_output_text(out), "the outputs")

    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    residences = {
        (d["breakdown"]["residence"], d["sex"]): d["n"]
        for d in findings["descriptives"]
        if list(d["breakdown"]) == ["residence"] and d["sex"] in ("female", "male")
    }
    assert residences == {
        ("Centrum", "female"): 30,
        ("Centrum", "male"): 30,
        ("Norr", "female"): 30,
        ("Norr", "male"): 30,
        ("övriga", "female"): 5,
        ("övriga", "male"): 6,
    }
    note = (
        "'Stadsdel': 3 värden (fritext, ser ut som identitetsuppgifter eller delas av färre än 5 personer) "
        "redovisas som gruppen 'övriga', som har minst 5 personer."
    )
    assert findings["pooled_labels"] == [
        {"column": "Stadsdel", "dimension": "residence", "values": 3, "at_least_min_cell": True, "note": note}
    ]
    assert note in " ".join(result.output.split())
    # the free-text municipality is a missing municipality, not a label
    municipalities = {d["breakdown"].get("municipality") for d in findings["descriptives"]}
    assert municipalities <= {"0180", None}

    for command in (["check", str(data)], ["check", str(data), "--json"]):
        checked = runner.invoke(app, command)
        assert checked.exit_code == 0, checked.output
        _assert_no_secret(checked.output, " ".join(command))
    notes = json.loads(runner.invoke(app, ["check", str(data), "--json"]).output)["notes"]
    assert notes == [
        "'Födelseland': 2 rader har födelseland som inte känns igen och räknas som okänd region, 1 värde, det "
        "visas inte (fritext, långa värden eller färre än 5 rader). Ange dem i oppnaogon.toml under "
        "[values.birth_region] (sweden, nordic, eu_efta, rest_of_world).",
        "'Kommun': 1 rader har en kommun som varken är en känd kommunkod (SCB) eller ett kommunnamn och räknas "
        "som saknad kommun, 1 värde, det visas inte (fritext, långa värden eller färre än 5 rader).",
        "'Stadsdel': 3 värden på 11 rader (fritext, ser ut som identitetsuppgifter eller delas av färre än 5 "
        "personer) redovisas inte var för sig utan som gruppen 'övriga'.",
    ]


def test_a_small_pooled_group_is_noted_without_its_size(write_csv: WriteCsv, tmp_path: Path) -> None:
    rows = [r for r in _labels_extract() if r[3] != MOGADISHU]  # 3 pooled rows left: fewer than 5
    out = tmp_path / "rapport"
    result = runner.invoke(app, ["analyse", str(write_csv(rows)), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert findings["pooled_labels"] == [
        {
            "column": "Stadsdel",
            "dimension": "residence",
            "values": None,
            "at_least_min_cell": False,
            "note": "'Stadsdel': några värden (fritext, ser ut som identitetsuppgifter eller delas av färre än 5 "
            "personer) redovisas som gruppen 'övriga', som har färre än 5 personer och därför döljs.",
        }
    ]
    pooled = {
        d["sex"]: d["n"] for d in findings["descriptives"] if d["breakdown"].get("residence") == "övriga"
    }
    assert pooled["male"] is None  # the 3 boys: a small group, hidden by the disclosure control


def test_labels_are_pooled_over_the_whole_file_not_per_period(write_csv: WriteCsv, tmp_path: Path) -> None:
    """A district with 3 rows in each of two years is kept in both years' runs (6 in the file), so a
    year run cannot be set against the whole-file run to tell which rows were pooled."""
    rows = [["Kön", "Stadsdel", "Beslutsdatum", "Insats beviljad"]]
    for year in ("2024", "2025"):
        for sex in ("K", "M"):
            rows += [[sex, "Centrum", f"{year}-03-01", "Ja"]] * 10 + [
                [sex, "Centrum", f"{year}-03-01", "Nej"]
            ] * 10
        rows += [["K", "Hamnen", f"{year}-05-01", "Ja"], ["M", "Hamnen", f"{year}-05-01", "Nej"]]
        rows += [["K", "Hamnen", f"{year}-06-01", "Nej"]]
    data = write_csv(rows)
    out = tmp_path / "rapport"
    result = runner.invoke(
        app, ["analyse", str(data), "--out", str(out), "--format", "json", "--period", "2024"]
    )
    assert result.exit_code == 0, result.output
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert "pooled_labels" not in findings
    assert {
        d["breakdown"]["residence"] for d in findings["descriptives"] if "residence" in d["breakdown"]
    } == {
        "Centrum",
        "Hamnen",
    }


@pytest.mark.slow
def test_free_text_in_the_sex_column_is_never_shown(write_csv: WriteCsv, tmp_path: Path) -> None:
    rows = [["Kön", "Insats beviljad"]] + [["K", "Ja"], ["M", "Nej"]] * 20
    rows += [[FREE_SEX, "Ja"]] * 6 + [["Z", "Nej"]] * 5 + [["Q", "Nej"]]
    data = write_csv(rows)
    log = tmp_path / "oppnaogon.log"
    result = runner.invoke(
        app, ["analyse", str(data), "--out", str(tmp_path / "rapport"), "--log-file", str(log)]
    )
    assert result.exit_code != 0
    message = " ".join(result.output.split())
    assert (
        "har koder som inte känns igen: 3 olika värden: 'Z' (5 rader); 2 av dem visas inte (fritext, långa "
        "värden eller färre än 5 rader)." in message
    )
    _assert_no_secret(result.output, "the error")
    assert "'Q'" not in message  # a code, but held by one row
    _assert_no_secret(log.read_text(encoding="utf-8"), "the log")
    for command in (["check", str(data)], ["check", str(data), "--json"]):
        checked = runner.invoke(app, command)
        _assert_no_secret(checked.output, " ".join(command))
        assert "'Z' (5 rader)" in " ".join(checked.output.split())

    config = tmp_path / "oppnaogon.toml"
    assert runner.invoke(app, ["init", str(data), "--output", str(config)]).exit_code == 0
    written = config.read_text(encoding="utf-8")
    _assert_no_secret(written, "the config init wrote")
    assert '#   ["Z"]' in written and '"Q"' not in written
    assert "# OBS: 2 olika värden i könskolumnen känns inte igen och visas inte här" in written


def test_free_text_in_an_outcome_column_is_never_shown(write_csv: WriteCsv, tmp_path: Path) -> None:
    rows = [["Kön", "Insats beviljad"]] + [["K", "Ja"], ["M", "Nej"]] * 20 + [["K", FREE_SEX]] * 7
    data = write_csv(rows)
    (tmp_path / "oppnaogon.toml").write_text(
        '[outcomes.beviljad]\ncolumn = "Insats beviljad"\nkind = "decision"\n', encoding="utf-8"
    )
    log = tmp_path / "oppnaogon.log"
    result = runner.invoke(
        app, ["analyse", str(data), "--out", str(tmp_path / "rapport"), "--log-file", str(log)]
    )
    assert result.exit_code != 0
    assert (
        "har värden som varken är ja eller nej: 1 värde, det visas inte (fritext, långa värden eller färre "
        "än 5 rader)." in " ".join(result.output.split())
    )
    _assert_no_secret(result.output, "the error")
    _assert_no_secret(log.read_text(encoding="utf-8"), "the log")
    checked = runner.invoke(app, ["check", str(data), "--json"])
    _assert_no_secret(checked.output, "check --json")


@pytest.mark.slow
def test_a_free_text_municipality_is_no_unit_of_a_batch(write_csv: WriteCsv, tmp_path: Path) -> None:
    rows = [["Kön", "Kommun", "Insats beviljad"]]
    for code in ("0180", "1480"):
        rows += [["K", code, "Ja"], ["K", code, "Nej"], ["M", code, "Ja"], ["M", code, "Nej"]] * 6
    rows += [["K", FREE_MUNICIPALITY, "Ja"]] * 6
    rows += [["K", "2480", "Ja"], ["M", "2480", "Nej"], ["M", "2480", "Ja"]]  # small: a unit, never pooled
    out = tmp_path / "batch"
    result = runner.invoke(app, ["batch", str(write_csv(rows)), "--out", str(out)])
    _assert_no_secret(result.output, "the batch terminal")
    _assert_no_secret(_all_output_text(out), "the batch outputs")
    units = json.loads((out / "batch.json").read_text(encoding="utf-8"))["units"]
    assert "övriga" not in json.dumps(units, ensure_ascii=False)
    assert sorted((u["code"] or "", u["status"]) for u in units) == [
        ("", "failed"),
        ("0180", "ok"),
        ("1480", "ok"),
        ("2480", "failed"),
    ]


@pytest.mark.parametrize("text_type", ["categorical", "enum", "string"])
def test_parquet_text_columns_are_pooled_alike(tmp_path: Path, text_type: str) -> None:
    """Parquet text is read as categories of the file's own (see `loading`): pooled by their codes."""
    import polars as pl

    from oppnaogon.io.loading import read_table
    from oppnaogon.prepare.normalise import prepare

    districts = ["Centrum"] * 10 + [MOGADISHU] * 6 + [RARE_DISTRICT] * 2
    types = {"categorical": pl.Categorical, "enum": pl.Enum(sorted(set(districts))), "string": pl.String}
    path = tmp_path / "uttag.parquet"
    frame = pl.DataFrame({"Kön": ["K", "M"] * 9, "Stadsdel": districts})
    frame.with_columns(pl.col("Stadsdel").cast(types[text_type])).write_parquet(path)
    prepared = prepare(read_table(path))
    counted = prepared.frame.group_by(pl.col("residence").cast(pl.String)).len().sort("residence")
    assert counted.rows() == [("Centrum", 10), ("övriga", 8)]
    assert prepared.pooled_labels[0]["values"] == 2
