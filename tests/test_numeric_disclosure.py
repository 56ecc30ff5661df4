"""Numeric outcomes (hours per week) reveal no person's value: an enumeration attacker and the rules.

The attacker knows what findings.json publishes of a group (n, mean, SD, median, median interval), that
the values lie on a grid (whole hours or halves) between 0 and 40, and how the tool computes each figure.
From the mean and n it has the exact sum, from the SD the exact sum of squares, from the median and the
interval's bounds the order statistics at known ranks. It then counts every multiset of n grid values
consistent with all of that (`consistent_multisets`, an exact dynamic programme checked against brute
force). The property: no published group is pinned to a single multiset, and no published median or
interval bound is the group's smallest or largest value unless at least min_cell persons hold that value.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from oppnaogon.app.analyse import run_analysis
from oppnaogon.cli import app
from oppnaogon.model.reasons import published
from oppnaogon.stats.compare import median_interval_ranks

WriteCsv = Callable[..., Path]
MIN_CELL = 5
TOP_HOURS = 40
HOURS = "timmar_per_vecka"


# --- the attacker --------------------------------------------------------------------------------------


def consistent_multisets(
    n: int,
    total: int,
    squares: int,
    top: int,
    fixed: Sequence[tuple[int, int]] = (),
    middle_pair: tuple[int, int] | None = None,
    cap: int = 10**6,
) -> int:
    """How many multisets of n integers in 0..top have this sum and sum of squares, the order statistics
    x_(rank) = value of `fixed` (1-based ranks) and, with `middle_pair` = (r, s), x_(r) + x_(r+1) = s (the
    median of an even n). Counted by a dynamic programme over the values in increasing order; the state
    is (persons placed, their sum, their sum of squares, the value the next person must have)."""
    states: dict[tuple[int, int, int, int], int] = {(0, 0, 0, -1): 1}
    for v in range(top + 1):
        following: dict[tuple[int, int, int, int], int] = defaultdict(int)
        for (placed, s, q, need), ways in states.items():
            if need >= 0 and v > need:
                continue
            for t in range(n - placed + 1):  # t persons hold the value v
                c2, s2, q2 = placed + t, s + t * v, q + t * v * v
                if s2 > total or q2 > squares:
                    break
                if need >= 0 and v < need and t > 0:
                    break
                if need == v and t == 0:
                    continue
                after = need if v < need else -1
                if middle_pair is not None and t > 0 and placed < middle_pair[0] <= c2:
                    rank, pair_sum = middle_pair
                    if c2 > rank:  # x_(r) and x_(r+1) are both v
                        if 2 * v != pair_sum:
                            continue
                    else:  # x_(r) = v is the last of them: the next person holds pair_sum − v
                        after = pair_sum - v
                        if not v < after <= top:
                            continue
                if any((v < w and c2 >= r) or (v == w and not placed < r <= c2) for r, w in fixed):
                    continue
                rest, rest_sum, rest_squares = n - c2, total - s2, squares - q2
                if rest == 0:
                    if rest_sum or rest_squares:
                        continue
                else:  # the rest hold values in v+1..top
                    low = v + 1
                    if (
                        not rest * low <= rest_sum <= rest * top
                        or rest_squares * rest < rest_sum * rest_sum
                        or rest_squares > rest_sum * top
                        or rest_squares < rest_sum * low
                    ):
                        continue
                key = (c2, s2, q2, after)
                following[key] = min(cap, following[key] + ways)
        states = following
        if not states:
            return 0
    return min(cap, sum(w for (c, s, q, _), w in states.items() if (c, s, q) == (n, total, squares)))


def another_multiset(
    grid: Sequence[int], top: int, fixed: Sequence[tuple[int, int]], middle_pair: tuple[int, int] | None
) -> list[int] | None:
    """A second multiset the attacker cannot tell from `grid` (values in 0..top), or None if no exchange
    of three values finds one: three persons' values a <= b <= c replaced by three others with the same
    sum and sum of squares ({0, 3, 3} and {1, 1, 4}, say), checked against the published order statistics.
    Found in microseconds for spread-out groups, where the exact count (`consistent_multisets`) would
    take minutes; a None leaves the question to that count."""
    ordered = sorted(grid)
    distinct = sorted(set(ordered))
    held = Counter(ordered)

    def same_publication(candidate: list[int]) -> bool:
        candidate.sort()
        if any(candidate[r - 1] != w for r, w in fixed):
            return False
        return (
            middle_pair is None or candidate[middle_pair[0] - 1] + candidate[middle_pair[0]] == middle_pair[1]
        )

    for triple in itertools.combinations_with_replacement(distinct, 3):
        if any(held[v] < triple.count(v) for v in set(triple)):
            continue
        total, squares = sum(triple), sum(v * v for v in triple)
        for a in range(total // 3 + 1):
            # b + c = total − a, b² + c² = squares − a²: c − b = √(2(squares − a²) − (total − a)²)
            rest, rest_squares = total - a, squares - a * a
            gap_squared = 2 * rest_squares - rest * rest
            if gap_squared < 0:
                continue
            gap = round(gap_squared**0.5)
            if gap * gap != gap_squared or (rest - gap) % 2:
                continue
            b, c = (rest - gap) // 2, (rest + gap) // 2
            if b < a or c > top or (a, b, c) == triple:
                continue
            candidate = list(ordered)
            for v in triple:
                candidate.remove(v)
            candidate += [a, b, c]
            if same_publication(candidate):
                return candidate
    return None


def attack(entry: dict[str, Any], step: float) -> tuple[int, int, int, list[tuple[int, int]], Any]:
    """What a published descriptive gives the attacker, on the grid of `step`: n, the sum and the sum of
    squares in grid units, the fixed order statistics and the middle pair of an even n."""
    n = entry["n"]
    total = round(entry["value"] * n / step)
    # the exact mean is total·step/n; the SD's 4 decimals then give the sum of squares to far below a unit
    mean = total * step / n
    squares = round(((n - 1) * entry["sd"] ** 2 + n * mean * mean) / step**2)
    fixed: list[tuple[int, int]] = []
    middle_pair = None
    if entry["median"] is not None:
        if n % 2:
            fixed.append(((n + 1) // 2, round(entry["median"] / step)))
        else:
            middle_pair = (n // 2, round(2 * entry["median"] / step))
    if entry["median_ci"] is not None:
        j, k = (int(r) for r in median_interval_ranks(n))
        fixed += [(j, round(entry["median_ci"][0] / step)), (k, round(entry["median_ci"][1] / step))]
    return n, total, squares, fixed, middle_pair


def test_an_exchange_of_three_values_keeps_what_is_published() -> None:
    assert another_multiset([0, 3, 3, 8, 9], 10, [], None) == [1, 1, 4, 8, 9]  # {0, 3, 3} -> {1, 1, 4}
    # with the median x_(3) = 3 published, that exchange would move it; none of three values keeps it
    assert another_multiset([0, 3, 3, 8, 9], 10, [(3, 3)], None) is None
    assert another_multiset([2, 2, 2, 2], 10, [], None) is None  # all equal: nothing to exchange


def test_the_attackers_count_is_exact() -> None:
    """The dynamic programme against brute force over every multiset of small cases."""
    rnd = random.Random(5)
    for _ in range(250):
        n, top = rnd.randint(1, 6), rnd.randint(1, 7)
        xs = sorted(rnd.randint(0, top) for _ in range(n))
        fixed = [(r, xs[r - 1]) for r in rnd.sample(range(1, n + 1), rnd.randint(0, min(2, n)))]
        pair = None
        if n >= 2 and rnd.random() < 0.5:
            r = rnd.randint(1, n - 1)
            pair = (r, xs[r - 1] + xs[r])
        brute = sum(
            1
            for m in itertools.combinations_with_replacement(range(top + 1), n)
            if sum(m) == sum(xs)
            and sum(x * x for x in m) == sum(x * x for x in xs)
            and all(m[r - 1] == w for r, w in fixed)
            and (pair is None or m[pair[0] - 1] + m[pair[0]] == pair[1])
        )
        total, squares = sum(xs), sum(x * x for x in xs)
        assert consistent_multisets(n, total, squares, top, fixed, pair) == brute


# --- extracts --------------------------------------------------------------------------------------------


def _text(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _rows(girls: Sequence[float], boys: Sequence[float]) -> list[list[str]]:
    rows = [["Kön", "Timmar per vecka"]]
    return rows + [["Flicka", _text(v)] for v in girls] + [["Pojke", _text(v)] for v in boys]


def _whole(findings: dict[str, Any], sex: str) -> dict[str, Any]:
    (entry,) = [
        d
        for d in findings["descriptives"]
        if d["outcome"] == HOURS and not d["breakdown"] and d["sex"] == sex
    ]
    return entry


def _difference(findings: dict[str, Any]) -> dict[str, Any]:
    (entry,) = [d for d in findings["differences"] if d["id"] == HOURS]
    return entry


# the hours declared as a numeric outcome: a column of zeros alone would not be recognised as one
CONFIG = """
[columns]
sex = "Kön"

[values.sex]
female = ["Flicka"]
male = ["Pojke"]

[outcomes.timmar_per_vecka]
column = "Timmar per vecka"
kind = "numeric"
"""


def _analysed(write_csv: WriteCsv, girls: Sequence[float], boys: Sequence[float]) -> dict[str, Any]:
    data = write_csv(_rows(girls, boys))
    (data.parent / "oppnaogon.toml").write_text(CONFIG, encoding="utf-8")
    return run_analysis(data, out=None).findings


def _assert_reveals_no_value(entry: dict[str, Any], values: Sequence[float], step: float) -> None:
    if entry["value"] is None:
        return
    held = Counter(values)
    smallest, largest = min(values), max(values)
    if entry["median"] is not None:
        assert entry["median"] not in (smallest, largest)
    for bound in entry["median_ci"] or []:
        if bound in (smallest, largest):
            assert held[bound] >= MIN_CELL
    n, total, squares, fixed, pair = attack(entry, step)
    grid = [round(v / step) for v in values]
    # the attacker reads the sums exactly: its count is about the truth, not about a rounding
    assert (n, total, squares) == (len(values), sum(grid), sum(x * x for x in grid))
    top = round(TOP_HOURS / step)
    if another_multiset(grid, top, fixed, pair) is None:
        count = consistent_multisets(n, total, squares, top, fixed, pair, cap=2)
        assert count == 2, f"{sorted(values)} is the only multiset consistent with {entry}"


def _group(step: float) -> st.SearchStrategy[list[float]]:
    top = round(TOP_HOURS / step)
    anywhere = st.integers(0, top)
    # most generated groups cluster, as real hours do: around a base, a few steps wide
    clustered = st.tuples(st.integers(0, top), st.integers(1, 8)).flatmap(
        lambda bw: st.integers(bw[0], min(top, bw[0] + bw[1]))
    )
    return st.lists(st.one_of(anywhere, clustered), min_size=MIN_CELL, max_size=22).map(
        lambda xs: [x * step for x in xs]
    )


@pytest.mark.slow
@pytest.mark.parametrize("step", [1.0, 0.5])
def test_no_published_numeric_group_is_pinned_or_shows_an_extreme(write_csv: WriteCsv, step: float) -> None:
    @given(_group(step), _group(step))
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def check(girls: list[float], boys: list[float]) -> None:
        findings = _analysed(write_csv, girls, boys)
        for sex, values in (("female", girls), ("male", boys)):
            _assert_reveals_no_value(_whole(findings, sex), values, step)
        difference = _difference(findings)
        if difference["p_value"] is not None:  # a test only of two published groups
            assert _whole(findings, "female")["value"] is not None
            assert _whole(findings, "male")["value"] is not None

    check()


@pytest.mark.slow
def test_example_like_hours_of_every_size_are_not_pinned(write_csv: WriteCsv) -> None:
    """Groups of 5–25 drawn from the hours of the shipped example (halves, skewed, a few at 40)."""
    rnd = random.Random(14)
    pool = [0.5] * 16 + [1.0] * 33 + [1.5] * 39 + [2.0] * 34 + [3.0] * 25 + [4.5] * 17 + [6.0] * 9
    pool += [8.5] * 5 + [12.0] * 3 + [17.5, 25.0, 40.0]
    for n in (5, 8, 10, 13, 21):
        girls = [rnd.choice(pool) for _ in range(n)]
        boys = [rnd.choice(pool) for _ in range(n + 1)]
        findings = _analysed(write_csv, girls, boys)
        for sex, values in (("female", girls), ("male", boys)):
            _assert_reveals_no_value(_whole(findings, sex), values, 0.5)


# --- each rule, with exact expectations --------------------------------------------------------------------

SPREAD_OUT = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 9.0, 11.0]  # n = 10: every rule passes


def test_a_group_of_fewer_than_twice_min_cell_publishes_no_mean_sd_or_median(write_csv: WriteCsv) -> None:
    """Rule 1: 9 girls (at least min_cell, below 2·min_cell) are hidden whole; 10 are published."""
    findings = _analysed(write_csv, SPREAD_OUT[:9], SPREAD_OUT)
    girls, boys = _whole(findings, "female"), _whole(findings, "male")
    assert girls == {
        **girls,
        "n": 9,
        "value": None,
        "ci": None,
        "sd": None,
        "median": None,
        "suppressed": True,
    }
    assert boys["value"] == pytest.approx(5.1) and boys["sd"] == pytest.approx(3.3483, abs=1e-4)
    assert boys["median"] == 4.5 and boys["median_ci"] is None and not boys["suppressed"]
    difference = _difference(findings)
    assert difference["suppressed"] and difference["estimate"] is None and difference["p_value"] is None
    assert difference["ci"] is None and difference.get("smd") is None
    assert difference["reason"] == published("hidden_small_group")


def test_one_dominant_value_hides_the_group(write_csv: WriteCsv) -> None:
    """Rule 2: one girl with 40 hours among 2-hour ones: 40² is more than 90 % of the sum of squares left
    after the second largest, so the SD (and mean, median) would let the others estimate her hours."""
    dominated = [40.0] + [2.0, 3.0] * 5 + [2.0]  # n = 12; Σx² − 40² − 3² = 60 < 0.1·40² = 160
    findings = _analysed(write_csv, dominated, SPREAD_OUT)
    girls = _whole(findings, "female")
    assert girls == {**girls, "n": 12, "value": None, "sd": None, "median": None, "suppressed": True}
    difference = _difference(findings)
    assert difference["suppressed"] and difference["reason"] == published("hidden_values_revealable")
    # the same girls with 12 hours at the top are not dominated (Σx² − 12² − 3² = 60 >= 14.4)
    findings = _analysed(write_csv, [12.0, *dominated[1:]], SPREAD_OUT)
    assert _whole(findings, "female")["value"] == 3.25
    assert _difference(findings)["p_value"] is not None


@pytest.mark.parametrize(
    "girls",
    [
        [3.0] * 12,  # every value the same: the mean is each girl's hours
        [0.0] * 12,  # every value 0 (no grid step at all)
        [3.0] * 6 + [3.5] * 6,  # two neighbouring values: mean and SD give both counts
        [2.0] * 5 + [3.0] * 5 + [4.0] * 2,  # SD 0.78, below two steps (of 1 hour)
    ],
)
def test_values_with_almost_no_spread_hide_the_group(write_csv: WriteCsv, girls: list[float]) -> None:
    """Rule 3: an SD below two steps of the values' grid pins the values down."""
    findings = _analysed(write_csv, girls, SPREAD_OUT)
    assert _whole(findings, "female") == {**_whole(findings, "female"), "value": None, "sd": None}
    assert _whole(findings, "female")["suppressed"] is True
    assert _difference(findings)["reason"] == published("hidden_values_revealable")


def test_spread_of_two_steps_is_published(write_csv: WriteCsv) -> None:
    girls = [2.0] * 4 + [4.0] * 4 + [6.0] * 4  # step 2 hours, SD 1.71 < 4: hidden
    assert _whole(_analysed(write_csv, girls, SPREAD_OUT), "female")["value"] is None
    girls = [1.0] * 4 + [3.0] * 4 + [6.0] * 4  # step 1 hour, SD 2.15 >= 2: published
    entry = _whole(_analysed(write_csv, girls, SPREAD_OUT), "female")
    assert (entry["value"], entry["sd"]) == (3.3333, 2.1462)


@pytest.mark.slow
def test_a_group_whose_median_is_its_smallest_or_largest_value_is_hidden(write_csv: WriteCsv) -> None:
    """Rule 4: seven girls of twelve have half an hour, the smallest value: the median 0.5 would say so,
    and n, mean and SD would leave five girls' sums. The group is hidden whole (withholding the median
    alone would say the same); with six at the bottom the median is 1.25 and everything is published."""
    girls = [0.5] * 7 + [2.0, 4.0, 6.0, 8.0, 10.0]
    findings = _analysed(write_csv, girls, SPREAD_OUT)
    entry = _whole(findings, "female")
    assert entry == {**entry, "n": 12, "value": None, "sd": None, "median": None, "suppressed": True}
    assert _difference(findings)["reason"] == published("hidden_values_revealable")
    entry = _whole(_analysed(write_csv, [0.5] * 6 + [2.0, 3.0, 4.0, 6.0, 8.0, 10.0], SPREAD_OUT), "female")
    assert (entry["value"], entry["sd"], entry["median"]) == (3.0, 3.3371, 1.25)
    # and at the top: the median of [1, 2, 3, 4, 5] + 7 × 9 would be 9, the largest value
    entry = _whole(_analysed(write_csv, [1.0, 2.0, 3.0, 4.0, 5.0] + [9.0] * 7, SPREAD_OUT), "female")
    assert entry["value"] is None and entry["suppressed"]


def test_the_median_interval_needs_min_cell_persons_outside_each_bound(write_csv: WriteCsv) -> None:
    """Rule 5: the interval of 20 is x_(5)..x_(16), with 4 persons below: hidden; of 21 it is x_(6)..x_(16),
    with 5 below and 5 above: published."""
    twenty = [float(v) for v in range(1, 21)]
    entry = _whole(_analysed(write_csv, twenty, SPREAD_OUT), "female")
    assert (entry["median"], entry["median_ci"]) == (10.5, None)
    entry = _whole(_analysed(write_csv, [*twenty, 21.0], SPREAD_OUT), "female")
    assert (entry["median"], entry["median_ci"]) == (11.0, [6.0, 16.0])


@pytest.mark.slow
def test_the_batch_finding_is_closed_small_groups_show_no_extremes(write_csv: WriteCsv) -> None:
    """The audit's finding: for 6–10 persons the interval was [minimum, maximum]."""
    for n in range(6, 11):
        values = [float(v) for v in range(1, n + 1)]
        entry = _whole(_analysed(write_csv, values, SPREAD_OUT), "female")
        assert entry["median_ci"] is None
        assert entry["median"] is None or entry["median"] not in (1.0, float(n))


# --- through the CLI: what the files and the terminal show ---------------------------------------------------


def test_the_tables_show_hidden_numeric_figures_as_dots_with_the_reason(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    girls = [0.5] * 6 + [2.0, 3.0, 4.0, 6.0, 8.0, 10.0]  # published
    boys = [40.0] + [2.0, 3.0] * 5 + [2.0]  # dominated: hidden whole
    data = write_csv(
        [["Kön", "Stadsdel", "Timmar per vecka"]]
        + [["Flicka", "Norr", _text(v)] for v in girls]
        + [["Pojke", "Norr", _text(v)] for v in boys]
    )
    out = tmp_path / "ut"
    result = CliRunner().invoke(app, ["analyse", str(data), "--out", str(out), "--format", "json,csv"])
    assert result.exit_code == 0, result.output
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert _whole(findings, "female")["median"] == 1.25
    assert _whole(findings, "male")["value"] is None
    descriptives = {
        (r["kön"]): r
        for r in csv.DictReader(
            io.StringIO((out / "beskrivning.csv").read_text(encoding="utf-8-sig")), delimiter=";"
        )
        if r["indelning"] == "alla" and r["utfall"] == "Timmar per vecka"
    }
    assert descriptives, (out / "beskrivning.csv").read_text(encoding="utf-8-sig")[:500]
    girls_row = next(r for k, r in descriptives.items() if k.lower().startswith(("flick", "kvinn")))
    boys_row = next(r for k, r in descriptives.items() if k.lower().startswith(("poj", "män")))
    assert (girls_row["antal"], girls_row["värde"], girls_row["median"]) == ("12", "3", "1,25")
    assert (boys_row["antal"], boys_row["värde"], boys_row["median"]) == ("12", "..", "..")
    differences = list(
        csv.DictReader(io.StringIO((out / "skillnader.csv").read_text(encoding="utf-8-sig")), delimiter=";")
    )
    whole = next(r for r in differences if r["id"] == HOURS)
    assert (whole["skillnad_kvinnor_minus_män"], whole["p"]) == ("..", "..")
    assert whole["skäl"] == "dold: enskildas värden skulle kunna röjas"
