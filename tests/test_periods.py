"""Reporting periods: every written form, the dates they cover, their neighbours, and the filter."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from oppnaogon.app.analyse import history_periods, run_analysis
from oppnaogon.cli import app
from oppnaogon.errors import UsageError
from oppnaogon.model.periods import LATEST, Period, latest_period, parse_period, period_words

runner = CliRunner()
WriteCsv = Callable[..., Path]


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026K3", "2026K3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q3", "2026K3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026Q3", "2026K3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026 kv3", "2026K3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026 kvartal 1", "2026K1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026T1", "2026T1", date(2026, 1, 1), date(2026, 4, 30)),
        ("2026T2", "2026T2", date(2026, 1, 1), date(2026, 8, 31)),  # cumulative: the delårsrapport
        ("2026 tertial 3", "2026T3", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026M05", "2026M05", date(2026, 5, 1), date(2026, 5, 31)),
        ("2024M02", "2024M02", date(2024, 2, 1), date(2024, 2, 29)),  # a leap year
        ("2026-05", "2026M05", date(2026, 5, 1), date(2026, 5, 31)),
        ("2026", "2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2025K4..2026K3", "2025K4..2026K3", date(2025, 10, 1), date(2026, 9, 30)),
        (" 2025m11..2026m01 ", "2025M11..2026M01", date(2025, 11, 1), date(2026, 1, 31)),
    ],
)
def test_period_forms(text: str, label: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert isinstance(period, Period)
    assert (period.label, period.start, period.end) == (label, start, end)


def test_latest_and_its_resolution() -> None:
    assert parse_period("latest") == LATEST and parse_period("Senaste") == LATEST
    assert latest_period(date(2025, 11, 3), "quarter").label == "2025K4"
    assert latest_period(date(2025, 5, 3), "tertial").label == "2025T2"
    assert latest_period(date(2025, 5, 3), "month").label == "2025M05"
    assert latest_period(date(2025, 5, 3), "year").label == "2025"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026K5", "det finns inget kvartal 5"),
        ("2026T4", "det finns inget tertial 4"),
        ("2026M13", "det finns ingen månad 13"),
        ("26K3", "känns inte igen"),
        ("hösten 2026", "känns inte igen"),
        ("2026K3..2025K1", "slutar före den börjar"),
        ("2026K1..2026M05", "olika slag eller tertial"),
        ("2026T1..2026T2", "olika slag eller tertial"),
    ],
)
def test_bad_periods_say_what_is_wrong_and_what_to_write(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_period(text)
    assert message in caught.value.message
    assert "2026" in (caught.value.hint or "")


def test_neighbours_and_pooling() -> None:
    k3 = parse_period("2026K3")
    t1 = parse_period("2026T1")
    pooled = parse_period("2025K4..2026K3")
    assert isinstance(k3, Period) and isinstance(t1, Period) and isinstance(pooled, Period)
    assert (k3.previous().label, k3.year_earlier().label, k3.pooled(4).label) == (
        "2026K2",
        "2025K3",
        "2025K4..2026K3",
    )
    assert parse_period("2026K1").previous().label == "2025K4"  # type: ignore[union-attr]
    assert (t1.previous().label, t1.year_earlier().label) == ("2025T3", "2025T1")
    assert t1.pooled(4).label == "2025M05..2026M04"  # tertials are cumulative: pool twelve months instead
    assert (pooled.length, pooled.previous().label, pooled.year_earlier().label) == (
        4,
        "2024K4..2025K3",
        "2024K4..2025K3",
    )
    assert period_words(k3) == "juli–september 2026"
    assert period_words(pooled) == "oktober 2025–september 2026"
    assert period_words(k3, "en") == "July–September 2026"


@given(year=st.integers(1950, 2150), number=st.integers(1, 4), steps=st.integers(-40, 40))
def test_shifting_quarters_moves_dates_by_whole_quarters(year: int, number: int, steps: int) -> None:
    period = Period("quarter", year, number)
    moved = period.shifted(steps)
    months = (moved.start.year - period.start.year) * 12 + moved.start.month - period.start.month
    assert months == 3 * steps
    assert moved.shifted(-steps) == period
    assert (moved.end - moved.start).days in (89, 90, 91)


_COUNTS = {"quarter": 4, "tertial": 3, "month": 12, "year": 1}


@st.composite
def _periods(draw: st.DrawFn) -> Period:
    kind = draw(st.sampled_from(sorted(_COUNTS)))
    year, number = draw(st.integers(1990, 2100)), draw(st.integers(1, _COUNTS[kind]))
    if kind == "tertial" or not draw(st.booleans()):
        return Period(kind, year, number)
    last = Period(kind, year, number).shifted(draw(st.integers(0, 14)))
    return Period(kind, year, number, last.year, last.number)


@given(_periods())
def test_earlier_periods_shown_never_overlap(selected: Period) -> None:
    """No two periods of a report overlap (nor overlap the analysed one): their figures could otherwise
    be subtracted to reveal the small group in between. All lie before the analysed period, oldest first,
    and the previous period and the one a year earlier are named whenever they are disjoint."""
    shown = history_periods(selected)
    spans = [(selected.start, selected.end), *((p.start, p.end) for p, _ in shown)]
    for i, (start, end) in enumerate(spans):
        for other_start, other_end in spans[i + 1 :]:
            assert end < other_start or other_end < start
    assert all(p.end < selected.start for p, _ in shown)
    assert [p.start for p, _ in shown] == sorted(p.start for p, _ in shown)
    roles = {role: p for p, role in shown}
    previous, year_earlier = selected.previous(), selected.year_earlier()
    if selected.kind == "tertial":
        assert roles["year_earlier"] == year_earlier and "previous" not in roles  # never nested
        return
    assert roles["previous"] == previous
    clear_of_previous = year_earlier.end < previous.start or previous.end < year_earlier.start
    if year_earlier != previous and year_earlier.end < selected.start and clear_of_previous:
        assert roles["year_earlier"] == year_earlier


def _dated_extract() -> list[list[str]]:
    """Twelve girls and twelve boys in each month of 2025 (all granted for girls in Jan–Apr)."""
    rows = [["Kön", "Ålder", "Beslutsdatum", "Insats beviljad"]]
    for month in range(1, 13):
        for i in range(12):
            rows.append(["K", "15", f"2025-{month:02d}-{i + 1:02d}", "Ja" if month <= 4 or i % 2 else "Nej"])
            rows.append(["M", "15", f"2025-{month:02d}-{i + 1:02d}", "Ja" if i % 2 else "Nej"])
    return rows


def _grid(data: Path, unit: str) -> Path:
    """A config beside `data` whose period grid is `unit` (columns found from the headers): tertials and
    months are refused on the default grid of quarters (rule R4)."""
    config = data.parent / "oppnaogon.toml"
    config.write_text(f'period = "{unit}"\n', encoding="utf-8")
    return config


@pytest.mark.parametrize(
    ("period", "rows", "label", "grid"),
    [
        ("2025K2", 3 * 24, "2025K2", "quarter"),
        ("2025 kv2", 3 * 24, "2025K2", "quarter"),
        ("2025T2", 8 * 24, "2025T2", "tertial"),
        ("2025M05", 24, "2025M05", "month"),
        ("2025", 12 * 24, "2025", "quarter"),
        ("2025K2..2025K3", 6 * 24, "2025K2..2025K3", "quarter"),
        ("latest", 3 * 24, "2025K4", "quarter"),
        ("2025K2", 3 * 24, "2025K2", "month"),
    ],
)
def test_the_filter_keeps_exactly_the_rows_of_the_period(
    write_csv: WriteCsv, period: str, rows: int, label: str, grid: str
) -> None:
    data = write_csv(_dated_extract())
    run = run_analysis(data, out=None, period=period, config=_grid(data, grid))
    assert run.findings["input"]["rows_used"] == rows
    assert run.findings["period"]["label"] == label
    assert run.findings["settings"]["period"] == label


@pytest.mark.slow
def test_findings_name_the_neighbours_and_advise_pooling_when_small(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    path = write_csv(_dated_extract())
    config = _grid(path, "month")
    month = run_analysis(path, out=None, period="2025M05", config=config).findings["period"]
    assert month["start"] == "2025-05-01" and month["end"] == "2025-05-31"
    assert (month["previous"], month["year_earlier"]) == ("2025M04", "2024M05")
    year = run_analysis(path, out=None, period="2025", config=config).findings["period"]
    assert year["small"] is False and year["pooled_suggestion"] is None
    # 6 + 6 rows in a month of a smaller extract: the whole-group comparison cannot be tested
    small = [
        r
        for r in _dated_extract()
        if r[2].endswith(("-01", "-02", "-03", "-04", "-05", "-06")) or r[0] == "Kön"
    ]
    result = runner.invoke(
        app,
        [
            "analyse",
            str(write_csv(small, name="liten.csv")),
            "--period",
            "2025M05",
            "--config",
            str(config),
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 0, result.output
    findings = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    assert findings["period"]["small"] and findings["period"]["pooled_suggestion"] == "2024M06..2025M05"
    assert "--period 2024M06..2025M05" in " ".join(result.output.split())
    html = (tmp_path / "r" / "rapport.html").read_text(encoding="utf-8")
    assert "Perioden maj 2025 (2025M05) är liten" in html and "juni 2024–maj 2025" in html


def test_period_needs_a_date_column(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv([["Kön", "Insats beviljad"], *[["K", "Ja"]] * 6, *[["M", "Nej"]] * 6])
    result = runner.invoke(app, ["analyse", str(path), "--period", "2025K1", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "--period kräver en datumkolumn" in result.output
    result = runner.invoke(app, ["analyse", str(path), "--period", "2025K9", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "det finns inget kvartal 9" in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_the_period_beside_the_previous_one_and_a_year_earlier(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv(_dated_extract())
    findings = run_analysis(path, out=None, period="2025K3").findings
    comparison = {c["role"]: c for c in findings["comparison"]}
    assert (comparison["previous"]["label"], comparison["previous"]["rows"]) == ("2025K2", 3 * 24)
    assert comparison["year_earlier"] == {
        "role": "year_earlier",
        "label": "2024K3",
        "start": "2024-07-01",
        "end": "2024-09-30",
        "available": False,  # the extract starts in 2025
    }
    # whole-group figures only, each period with its own disclosure control
    previous = comparison["previous"]
    assert {d["sex"] for d in previous["descriptives"]} >= {"female", "male"}
    assert all(not d["breakdown"] for d in previous["descriptives"])
    assert all(d["n"] is None or d["n"] == 0 or d["n"] >= 5 for d in previous["descriptives"])
    # a year's previous period is the year before: listed once
    assert [c["label"] for c in run_analysis(path, out=None, period="2025").findings["comparison"]] == [
        "2024"
    ]
    result = runner.invoke(
        app, ["analyse", str(path), "--period", "2025K3", "--out", str(tmp_path / "r"), "--format", "md"]
    )
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "r" / "rapport.md").read_text(encoding="utf-8")
    assert "### Jämfört med tidigare perioder" in markdown
    # 18 of 36 for both sexes: Wilson 34.5–65.5 %
    assert (
        "| Nu: juli–september 2025 (2025K3) | 50,0\u00a0% (34,5 till 65,5) | 50,0\u00a0% (34,5 till 65,5) "
        "| 0,0 (−22,0 till 22,0) |" in markdown
    )
    assert "| Föregående period: april–juni 2025 (2025K2) |" in markdown
    assert (
        "| januari–mars 2025 (2025K1) | 100,0\u00a0% (90,4 till 100,0) | 50,0\u00a0% (34,5 till 65,5) |"
        in markdown
    )
    assert "| Ett år tidigare: juli–september 2024 (2024K3) | – | – | – |" in markdown
    assert "![Diagram: Insats beviljad över tid, flickor och pojkar i 4 perioder" in markdown


def test_the_trend_per_sex_over_earlier_periods(write_csv: WriteCsv) -> None:
    path = write_csv(_dated_extract())
    trend = run_analysis(path, out=None, period="2025K3").findings["trend"]
    # oldest first; quarters of 2024 before the extract's first date are left out, except the one a
    # year earlier, which is listed (empty) as in the comparison
    assert [(t["label"], t["role"], t["available"]) for t in trend] == [
        ("2024K3", "year_earlier", False),
        ("2025K1", None, True),
        ("2025K2", "previous", True),
        ("2025K3", "current", True),
    ]
    first = {d["sex"]: d for d in trend[1]["descriptives"]}
    assert (first["female"]["n"], first["female"]["value"]) == (36, 1.0)
    assert (first["male"]["n"], first["male"]["value"]) == (36, 0.5)
    assert first["female"]["ci"] == pytest.approx([0.9036, 1.0], abs=1e-4)
    assert trend[1]["differences"][0]["estimate"] == pytest.approx(0.5)
    # the analysed period's own figures, as published in its tables
    run = run_analysis(path, out=None, period="2025K3").findings
    assert trend[-1]["descriptives"] == [d for d in run["descriptives"] if not d["breakdown"]]


def test_a_cumulative_tertial_is_compared_with_the_same_tertial_of_earlier_years(
    write_csv: WriteCsv,
) -> None:
    """2025T2 (January–August) holds 2025T1 (January–April): publishing both would let a reader subtract
    one from the other, so the tertial is compared with 2024T2, never with the tertial inside it."""
    rows = _dated_extract()
    rows += [[sex, age, date.replace("2025-", "2024-"), value] for sex, age, date, value in rows[1:]]
    data = write_csv(rows)
    findings = run_analysis(data, out=None, period="2025T2", config=_grid(data, "tertial")).findings
    assert [(c["role"], c["label"]) for c in findings["comparison"]] == [("year_earlier", "2024T2")]
    assert [(t["label"], t["role"]) for t in findings["trend"]] == [
        ("2024T2", "year_earlier"),
        ("2025T2", "current"),
    ]
    assert findings["trend"][0]["rows"] == 8 * 24


def _two_quarters_with_two_persons_of_other_sex() -> list[list[str]]:
    """2025K1: 40 girls, 40 boys and 2 persons of other sex; 2025K2: 40 girls and 40 boys."""
    rows = [["Kön", "Ålder", "Beslutsdatum", "Insats beviljad"]]
    for day in ("2025-02-10", "2025-05-12"):
        rows += [["K", "14", day, "Ja" if i % 2 else "Nej"] for i in range(40)]
        rows += [["M", "14", day, "Ja" if i % 3 else "Nej"] for i in range(40)]
    return [*rows, ["X", "14", "2025-02-11", "Ja"], ["X", "15", "2025-02-12", "Nej"]]


def test_no_period_report_counts_the_few_of_other_sex_that_another_period_hides(write_csv: WriteCsv) -> None:
    """2025K1's report hides its rows (two persons of other sex: its rows less its 40 + 40 would count
    them). 2025K2's report must not give them back: neither in its trend (2025K1's rows) nor as the
    file's rows read (162, less its own 80 and 2025K1's 40 + 40)."""
    path = write_csv(_two_quarters_with_two_persons_of_other_sex())
    first = run_analysis(path, out=None, period="2025K1").findings
    assert first["input"]["rows_used"] is None and first["input"]["rows"] is None
    second = run_analysis(path, out=None, period="2025K2").findings
    earlier = next(t for t in second["trend"] if t["label"] == "2025K1")
    shown = {d["sex"]: d["n"] for d in earlier["descriptives"] if d["outcome"] == "insats_beviljad"}
    assert (shown["female"], shown["male"], shown["other"]) == (40, 40, None)
    assert earlier["rows"] is None
    assert next(c for c in second["comparison"] if c["label"] == "2025K1")["rows"] is None
    assert second["input"]["rows_used"] == 80 and second["input"]["rows"] is None
    # without a period the file is the report: its own disclosure control decides (hidden here too)
    assert run_analysis(path, out=None).findings["input"]["rows"] is None
