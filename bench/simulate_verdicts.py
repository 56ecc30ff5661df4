"""Simulation study: when the tool shows a verdict, how often is it wrong? Every published verdict scored.

Each world is a seeded study world of `oppnaogon.testing.worlds` (`generate_study_world`, scenarios in
`STUDY_SCENARIOS`): a decision or participation outcome whose crude difference between girls and boys is
partly, fully or not at all explained by a criterion, with a *known remaining difference at equal
criteria for every person* (`StudyWorld.remaining`). The world is written as an export CSV with its
`oppnaogon.toml` and analysed in this process with `run_analysis(data, config, out=None,
formats=("json",))`, exactly as `oppnaogon analyse --format json` would (nothing rendered, nothing
written). Then every difference of findings.json that carries a verdict (the whole group, every age band,
birth region, residence and crossing, masked ones included, and any other kind of group the report may
publish) is scored against the truth of its own group:

* the group's persons are the rows of the analysed frame (`AnalysisRun.prepared`) whose breakdown values
  are those of the entry (and, for a difference *within* a criterion value, whose criterion value is
  that one); the **true remaining difference** of the group is the mean of `remaining` over them (girls
  and boys alike): the average over the group's persons of P(y | female, x) − P(y | male, x) at their
  own criteria x and other variables (see `StudyWorld`). A group defined by a criterion value uses
  `remaining_fine` (the difference at that very value);
* a shown `motivated` is **wrong** when the true remaining |difference| ≥ `min_diff` (5 points);
* a shown `unmotivated` is **wrong** when the truth is fully explained: |remaining| < `TOLERANCE`
  (0.5 points; in the study worlds it is exactly 0 there, or at least 2.5 points);
* `partly_explained`, `inconclusive` and `not_assessable` are scored descriptively (how often the truth
  behind them is fully explained, small, or at least `min_diff`).

A verdict of a difference the script cannot place (an unknown kind of group, or an outcome without a
planted truth, such as a numeric one) is counted as *unscored* and named in the report.

The worlds are analysed in `--jobs` spawned worker processes with POLARS_MAX_THREADS=1; `--jobs 1` runs
them in this process. Each world's seed is the first 63 bits of SHA-256 of `"SEED:SCENARIO:ROWS:i"`, so
a run is deterministic for a given `--seed` whatever `--jobs` is.

    python bench/simulate_verdicts.py                 # the default study, writes docs/verdict-simulation.md
    python bench/simulate_verdicts.py --quick --output /tmp/sim.md     # a 1–2 minute smoke run
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _common import BENCH, load_text, machine_lines, write_report

OUTPUT = BENCH.parent / "docs" / "verdict-simulation.md"
DEFAULT_SEED = 2026
DEFAULT_WORLDS: dict[int, int] = {100: 400, 300: 200, 1000: 100, 3000: 100, 10000: 25, 20000: 15}
"""Worlds per scenario and size of the default study: more at the smallest sizes, where few verdicts are
given and their error rates need many worlds, fewer at the largest, which cost most."""
QUICK_WORLDS: dict[int, int] = {300: 3, 3000: 3}
TOLERANCE = 0.005
"""|true remaining difference| below this counts as fully explained (for scoring `unmotivated`)."""
TARGET_SHOWN = 0.05
"""The issue's targets: a shown motivated / unmotivated wrong in at most 5 %."""
TARGET_REPORTS = 0.10
"""Fully explained worlds of `TARGET_SIZE` rows: a report with a false unmotivated in at most 10 %."""
TARGET_SIZE = 3000
STUDY_AREA = "barn_och_unga"  # the criteria table of every study world (`oppnaogon.testing.worlds`)
SHOWN = ("motivated", "unmotivated", "partly_explained", "inconclusive", "not_assessable")
RESTRICTION_KEYS = ("within", "stratum", "where", "subgroup", "restriction")
"""Keys of a findings.json difference that may restrict its group to a criterion value (point 2 of
issue 15); the breakdown dimensions are read from `breakdown`."""


@dataclass(frozen=True)
class Task:
    scenario: str
    size: int
    index: int
    seed: int


@dataclass(frozen=True)
class Scored:
    """One published verdict beside the truth of its group."""

    group: str  # the entry's breakdown (and restriction) as JSON, "{}" for the whole group
    whole_group: bool
    persons: int  # persons of the group in the analysed frame
    verdict: str
    masked: bool
    truth: float  # true remaining difference of the group (female − male)
    largest: float  # the largest |remaining difference| of any person of the group (at their criteria)
    wrong: bool | None  # None: the verdict is scored descriptively


@dataclass(frozen=True)
class WorldResult:
    scenario: str
    size: int
    index: int
    seed: int
    fully_explained: bool
    whole_truth: float  # mean remaining over every person of the world
    scored: tuple[Scored, ...]
    unscored: tuple[str, ...]  # why a verdict could not be scored, one per verdict
    error: str = ""

    def wrong(self, verdict: str) -> int:
        return sum(s.verdict == verdict and bool(s.wrong) for s in self.scored)


def world_seed(base: int, scenario: str, size: int, index: int) -> int:
    """A stable 63-bit seed per (base seed, scenario, size, world)."""
    digest = hashlib.sha256(f"{base}:{scenario}:{size}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


# --- scoring ---------------------------------------------------------------------------------------------


def is_wrong(verdict: str, truth: float, min_diff: float, tolerance: float = TOLERANCE) -> bool | None:
    """A shown `motivated` is wrong when |truth| ≥ min_diff; a shown `unmotivated` when |truth| <
    tolerance (fully explained); other verdicts are not right or wrong (None)."""
    if verdict == "motivated":
        return abs(truth) >= min_diff - 1e-12
    if verdict == "unmotivated":
        return abs(truth) < tolerance
    return None


def _restriction(entry: Mapping[str, Any]) -> tuple[dict[str, list[Any]] | None, str | None]:
    """The criterion values an entry's group is restricted to, as {column or criterion: values}, or
    (None, why) when it has a restriction this script cannot read."""
    found: dict[str, list[Any]] = {}
    for key in RESTRICTION_KEYS:
        value = entry.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, Mapping):
                return None, f"unreadable `{key}`"
            if "value" in item or "values" in item:
                column = item.get("column") or item.get("criterion")
                values = item.get("values", [item.get("value")])
                if column is None:
                    return None, f"`{key}` without a column"
                found[str(column)] = list(values) if isinstance(values, list) else [values]
            else:
                for column, values in item.items():
                    found[str(column)] = list(values) if isinstance(values, list) else [values]
    return found, None


def _criterion_column(frame_columns: Sequence[str], name: str) -> str | None:
    """The analysed frame's column for a criterion id, a header or a frame column name."""
    if name in frame_columns:
        return name
    hits = [c for c in frame_columns if c.startswith("c:") and (c.split(":", 2)[2] == name)]
    hits = hits or [c for c in frame_columns if c.startswith(f"c:{name}:")]
    return hits[0] if len(hits) == 1 else None


def group_mask(entry: Mapping[str, Any], frame: Any) -> tuple[Any, bool, str | None]:
    """The rows of `frame` (the analysed polars frame) in the entry's group, whether a criterion value
    restricts it, and why it cannot be placed (None when it can)."""
    import numpy as np
    import polars as pl

    from oppnaogon.model.wording import (  # breakdowns by a lacking accommodation, by a criterion's levels
        ACCOMMODATION_PREFIX,
        LEVEL_PREFIX,
        POOLED_LABEL,
    )

    mask = np.ones(frame.height, dtype=bool)
    restricted = False
    for dimension, value in (entry.get("breakdown") or {}).items():
        if dimension.startswith(ACCOMMODATION_PREFIX) and value is not None:
            # the group whose accommodation was lacking (or not): a criterion value, so `remaining_fine`
            criterion_id, header = dimension.removeprefix(ACCOMMODATION_PREFIX).split(":", 1)
            column_name = f"c:{criterion_id}:{header}"
            if column_name not in frame.columns:
                return None, False, f"breakdown dimension {dimension!r}: no such criterion column"
            lacking = _lacking_values(criterion_id)
            column = frame.get_column(column_name).cast(pl.String)
            hit = column.is_in(lacking).fill_null(False).to_numpy()
            mask &= hit if value == "lacking" else (~hit & column.is_not_null().to_numpy())
            restricted = True
            continue
        if dimension.startswith(LEVEL_PREFIX):
            # one level of a criteria column (where the difference varies): a criterion value too
            column_name = "c:" + dimension.removeprefix(LEVEL_PREFIX)
            if column_name not in frame.columns:
                return None, False, f"breakdown dimension {dimension!r}: no such criterion column"
            if value == POOLED_LABEL:
                return None, False, f"breakdown dimension {dimension!r}: the pooled levels"
            column = frame.get_column(column_name).cast(pl.String)
            mask &= (
                column.is_null() if value is None else (column == str(value)).fill_null(False)
            ).to_numpy()
            restricted = True
            continue
        if dimension not in frame.columns:
            return None, False, f"breakdown dimension {dimension!r} not in the analysed frame"
        column = frame.get_column(dimension).cast(pl.String)
        mask &= (column.is_null() if value is None else (column == str(value)).fill_null(False)).to_numpy()
    restriction, why = _restriction(entry)
    if restriction is None:
        return None, False, why
    for name, values in restriction.items():
        column_name = _criterion_column(frame.columns, name)
        if column_name is None:
            return None, False, f"restriction to {name!r}: no such criterion column"
        column = frame.get_column(column_name).cast(pl.String)
        texts = [str(v) for v in values if v is not None]
        hit = column.is_in(texts).fill_null(False)
        if any(v is None for v in values):
            hit = hit | column.is_null()
        mask &= hit.to_numpy()
    return mask, bool(restriction) or restricted, None


def _lacking_values(criterion_id: str) -> list[str]:
    """The values of a criterion that mean accommodation needed but not given (its criteria table)."""
    from oppnaogon.model.criteria import load_area

    area = load_area(STUDY_AREA)
    criterion = area.by_id(criterion_id)
    return list(criterion.not_explaining_values) if criterion is not None else []


def score_findings(
    findings: Mapping[str, Any],
    frame: Any,
    remaining: Any,
    remaining_fine: Any,
    outcome: str,
    *,
    tolerance: float = TOLERANCE,
) -> tuple[list[Scored], list[str]]:
    """Every difference of `findings` with a verdict, scored against the truth of its group.

    `frame` is the analysed frame (its rows in the order of the world's rows), `remaining` and
    `remaining_fine` the world's per-row truths (`StudyWorld`), `outcome` the outcome with a planted
    truth. Returns the scored verdicts and, per verdict that could not be scored, why."""
    import numpy as np

    min_diff = float(findings.get("settings", {}).get("min_diff", 0.05))
    remaining = np.asarray(remaining, dtype=np.float64)
    remaining_fine = np.asarray(remaining_fine, dtype=np.float64)
    scored: list[Scored] = []
    unscored: list[str] = []
    for entry in findings["differences"]:
        verdict = entry.get("verdict")
        if verdict is None:
            continue
        if entry.get("outcome") != outcome:
            unscored.append(f"{entry.get('kind', '?')} outcome {entry.get('outcome')!r}: no planted truth")
            continue
        mask, restricted, why = group_mask(entry, frame)
        if why is not None:
            unscored.append(why)
            continue
        persons = int(mask.sum())
        if persons == 0:
            unscored.append("a group without persons in the analysed frame")
            continue
        values = (remaining_fine if restricted else remaining)[mask]
        truth = float(values.mean())
        group = {"breakdown": entry.get("breakdown") or {}}
        group |= {k: entry[k] for k in RESTRICTION_KEYS if entry.get(k) is not None}
        scored.append(
            Scored(
                group=json.dumps(
                    group if len(group) > 1 else group["breakdown"], ensure_ascii=False, sort_keys=True
                ),
                whole_group=not entry.get("breakdown") and not restricted,
                persons=persons,
                verdict=str(verdict),
                masked=bool(entry.get("masked")),
                truth=truth,
                largest=float(np.abs(values).max()),
                wrong=is_wrong(str(verdict), truth, min_diff, tolerance),
            )
        )
    return scored, unscored


def simulate(task: Task) -> WorldResult:
    """Generate one world, analyse it in this process and score every published verdict."""
    import numpy as np
    import polars as pl

    from oppnaogon.app.analyse import run_analysis
    from oppnaogon.testing.worlds import generate_study_world, write_world

    world = generate_study_world(task.scenario, task.size, task.seed)
    common = {
        "scenario": task.scenario,
        "size": task.size,
        "index": task.index,
        "seed": task.seed,
        "fully_explained": world.fully_explained,
        "whole_truth": float(world.remaining.mean()) if task.size else 0.0,
    }
    try:
        with tempfile.TemporaryDirectory(prefix="oppnaogon-sim-") as tmp:
            data, config = write_world(world, tmp)
            run = run_analysis(data, config, out=None, formats=("json",))
    except Exception as error:  # a world the tool refuses is a result too
        return WorldResult(**common, scored=(), unscored=(), error=f"{type(error).__name__}: {error}")
    frame = run.prepared.frame
    # the analysed rows are the world's rows, in order (nothing in a study world is excluded): checked
    sex = np.where(world.frame.get_column("Kön").to_numpy() == "Flicka", "female", "male")
    if frame.height != world.frame.height or not np.array_equal(
        frame.get_column("sex").cast(pl.String).to_numpy(), sex
    ):
        return WorldResult(
            **common, scored=(), unscored=(), error="analysed rows differ from the world's rows"
        )
    scored, unscored = score_findings(
        run.findings, frame, world.remaining, world.remaining_fine, world.outcome
    )
    return WorldResult(**common, scored=tuple(scored), unscored=tuple(unscored))


def tasks_for(scenarios: Sequence[str], worlds: Mapping[int, int], seed: int) -> list[Task]:
    return [
        Task(scenario, size, index, world_seed(seed, scenario, size, index))
        for scenario in scenarios
        for size, count in worlds.items()
        for index in range(count)
    ]


def run_all(tasks: list[Task], jobs: int) -> list[WorldResult]:
    """All tasks, in task order, in `jobs` spawned worker processes with one polars thread each."""
    results: list[WorldResult] = []
    step = max(1, len(tasks) // 20)
    start = time.perf_counter()

    def progress() -> None:
        if len(results) % step == 0 or len(results) == len(tasks):
            print(f"{len(results)}/{len(tasks)} worlds, {time.perf_counter() - start:.0f} s", file=sys.stderr)

    if jobs <= 1:
        for task in tasks:
            results.append(simulate(task))
            progress()
        return results
    before = os.environ.get("POLARS_MAX_THREADS")
    os.environ["POLARS_MAX_THREADS"] = "1"  # inherited by the spawned workers before they import polars
    try:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            for result in pool.imap(simulate, tasks, chunksize=4):
                results.append(result)
                progress()
    finally:
        if before is None:
            os.environ.pop("POLARS_MAX_THREADS", None)
        else:
            os.environ["POLARS_MAX_THREADS"] = before
    return results


# --- statistics of the results -----------------------------------------------------------------------


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion k / n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(k: int, n: int) -> str:
    """`k/n = p % (low–high)`, the interval a 95 % Wilson interval."""
    if n == 0:
        return "– (none shown)"
    low, high = wilson(k, n)
    return f"{k}/{n} = {100 * k / n:.1f} % ({100 * low:.1f}–{100 * high:.1f})"


def verdict_target(k: int, n: int, target: float) -> str:
    """Met / not met / open for a rate against a target: met when the whole Wilson interval lies at or
    below it, not met when the whole interval lies above, else undecided by this many worlds."""
    if n == 0:
        return "–"
    low, high = wilson(k, n)
    if high <= target:
        return "met"
    if low > target:
        return "**not met**"
    return "met (point)" if k / n <= target else "**above (point)**"


def shown(results: Iterable[WorldResult], verdict: str, **where: Any) -> list[Scored]:
    out = []
    for r in results:
        for s in r.scored:
            if s.verdict != verdict:
                continue
            if "whole_group" in where and s.whole_group != where["whole_group"]:
                continue
            out.append(s)
    return out


def truth_class(truth: float, min_diff: float) -> str:
    if abs(truth) < TOLERANCE:
        return "explained"
    return "large" if abs(truth) >= min_diff - 1e-12 else "small"


# --- the report ---------------------------------------------------------------------------------------


def headline_shown(results: list[WorldResult], sizes: Sequence[int]) -> list[str]:
    lines = [
        "| Verdict shown | Rows | Shown (whole group / subgroups) | Wrong: all | Wrong: whole group | "
        "Wrong: subgroups | Target ≤ 5 % |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for verdict in ("motivated", "unmotivated"):
        for size in [*sizes, None]:
            rs = [r for r in results if size is None or r.size == size]
            every = shown(rs, verdict)
            whole = [s for s in every if s.whole_group]
            sub = [s for s in every if not s.whole_group]

            def wrong(items: list[Scored]) -> int:
                return sum(bool(s.wrong) for s in items)

            lines.append(
                f"| `{verdict}` | {'all sizes' if size is None else f'{size:,}'} | {len(every)} ({len(whole)} / "
                f"{len(sub)}) | {rate(wrong(every), len(every))} | {rate(wrong(whole), len(whole))} | "
                f"{rate(wrong(sub), len(sub))} | {verdict_target(wrong(every), len(every), TARGET_SHOWN)} |"
            )
    return lines


GROUP_BANDS = (0, 100, 300, 1000, 3000, 10000)


def headline_by_group_size(results: list[WorldResult]) -> list[str]:
    """The same rates by the number of persons in the published group (not in the extract)."""
    lines = [
        "| Verdict shown | Persons in the group | Shown | Wrong | Target ≤ 5 % |",
        "|---|---:|---:|---:|---|",
    ]
    for verdict in ("motivated", "unmotivated"):
        every = shown(results, verdict)
        for low, high in zip(GROUP_BANDS, [*GROUP_BANDS[1:], None], strict=True):
            items = [s for s in every if s.persons >= low and (high is None or s.persons < high)]
            k = sum(bool(s.wrong) for s in items)
            band = f"{low:,}–{high - 1:,}" if high is not None else f"{low:,} or more"
            lines.append(
                f"| `{verdict}` | {band} | {len(items)} | {rate(k, len(items))} | "
                f"{verdict_target(k, len(items), TARGET_SHOWN)} |"
            )
    return lines


def headline_reports(results: list[WorldResult], sizes: Sequence[int]) -> list[str]:
    lines = [
        "| Worlds | Rows | Reports | ≥ 1 wrong `unmotivated` | ≥ 1 wrong `motivated` | ≥ 1 wrong of either |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    from oppnaogon.testing.worlds import STUDY_SCENARIOS

    explained = [r for r in results if r.fully_explained]
    for label, chosen in (
        ("fully explained", explained),
        (
            "fully explained, criteria recorded",
            [r for r in explained if not STUDY_SCENARIOS[r.scenario].missing],
        ),
        ("all", results),
    ):
        for size in sizes:
            rs = [r for r in chosen if r.size == size and not r.error]
            u = sum(r.wrong("unmotivated") > 0 for r in rs)
            m = sum(r.wrong("motivated") > 0 for r in rs)
            either = sum(r.wrong("unmotivated") + r.wrong("motivated") > 0 for r in rs)
            mark = ""
            if label.startswith("fully explained") and size == TARGET_SIZE:
                mark = f" (target ≤ 10 %: {verdict_target(u, len(rs), TARGET_REPORTS)})"
            lines.append(
                f"| {label} | {size:,} | {len(rs)} | {rate(u, len(rs))}{mark} | {rate(m, len(rs))} | "
                f"{rate(either, len(rs))} |"
            )
    return lines


def descriptive(results: list[WorldResult], sizes: Sequence[int], min_diff: float) -> list[str]:
    lines = [
        "| Verdict shown | Rows | Shown | Truth fully explained | Truth 0.5 to 5 points | Truth ≥ 5 points |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for verdict in SHOWN:
        for size in sizes:
            items = shown([r for r in results if r.size == size], verdict)
            if not items:
                continue
            classes = [truth_class(s.truth, min_diff) for s in items]
            cells = [rate(classes.count(c), len(items)) for c in ("explained", "small", "large")]
            lines.append(f"| `{verdict}` | {size:,} | {len(items)} | " + " | ".join(cells) + " |")
    return lines


def on_average_only(results: list[WorldResult], sizes: Sequence[int], min_diff: float) -> list[str]:
    """Shown `motivated` verdicts (right on average) in groups where, for some persons, at least
    `min_diff` remains at their criteria: the difference sits in part of the group or goes both ways."""
    lines = [
        "| Rows | `motivated` shown, not wrong | of which ≥ 5 points remain for some persons of the group |",
        "|---:|---:|---:|",
    ]
    for size in sizes:
        items = [s for s in shown([r for r in results if r.size == size], "motivated") if not s.wrong]
        k = sum(s.largest >= min_diff - 1e-12 for s in items)
        lines.append(f"| {size:,} | {len(items)} | {rate(k, len(items))} |")
    return lines


def per_scenario(results: list[WorldResult], scenarios: Sequence[str], sizes: Sequence[int]) -> list[str]:
    lines = [
        "| Scenario | Rows | Worlds | Whole group: verdicts | All published verdicts: motivated (wrong) | "
        "unmotivated (wrong) | partly explained | inconclusive | not assessable |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for scenario in scenarios:
        for size in sizes:
            rs = [r for r in results if r.scenario == scenario and r.size == size]
            if not rs:
                continue
            whole: dict[str, int] = {}
            for r in rs:
                v = next((s.verdict for s in r.scored if s.whole_group), "none")
                whole[v] = whole.get(v, 0) + 1
            whole_text = ", ".join(f"{v} {k}" for v, k in sorted(whole.items(), key=lambda x: -x[1]))
            counts = {v: shown(rs, v) for v in SHOWN}
            cells = [
                f"{len(counts['motivated'])} ({sum(bool(s.wrong) for s in counts['motivated'])})",
                f"{len(counts['unmotivated'])} ({sum(bool(s.wrong) for s in counts['unmotivated'])})",
                *[str(len(counts[v])) for v in SHOWN[2:]],
            ]
            lines.append(
                f"| `{scenario}` | {size:,} | {len(rs)} | {whole_text} | " + " | ".join(cells) + " |"
            )
    return lines


def failures(results: list[WorldResult], sizes: Sequence[int]) -> list[str]:
    """Where the targets are missed, and which scenarios, sizes and kinds of group the wrong verdicts
    come from: generated from the numbers, so that a rerun stays truthful."""
    lines: list[str] = []
    for verdict in ("motivated", "unmotivated"):
        missed = []
        for size in sizes:
            items = shown([r for r in results if r.size == size], verdict)
            k = sum(bool(s.wrong) for s in items)
            if items and k / len(items) > TARGET_SHOWN:
                missed.append(f"{size:,} rows ({rate(k, len(items))})")
        wrong = [(r, s) for r in results for s in r.scored if s.verdict == verdict and s.wrong]
        if not wrong:
            lines.append(f"- A wrong `{verdict}` did not occur.")
            continue
        by: dict[tuple[str, int], int] = {}
        for r, _ in wrong:
            by[(r.scenario, r.size)] = by.get((r.scenario, r.size), 0) + 1
        top = sorted(by.items(), key=lambda x: -x[1])[:6]
        whole = sum(s.whole_group for _, s in wrong)
        masked = sum(s.masked for _, s in wrong)
        small = sorted(s.persons for _, s in wrong)
        first_r, first_s = wrong[0]
        text = (
            f"- Wrong `{verdict}`: {len(wrong)} in all, {whole} of them for the whole group and "
            f"{len(wrong) - whole} for subgroups ({masked} masked); persons in the group: median "
            f"{small[len(small) // 2]:,}, smallest {small[0]:,}. Most from: "
            + ", ".join(f"`{s}` at {n:,} rows ({k})" for (s, n), k in top)
            + f". Target ≤ 5 % missed (point estimate) at: {', '.join(missed) if missed else 'no size'}. "
            f"First case: `{first_r.scenario}`, {first_r.size:,} rows, seed {first_r.seed}, group "
            f"`{first_s.group}`, true remaining {100 * first_s.truth:+.2f} points."
        )
        lines.append(text)
    average_only = [
        (r, s)
        for r in results
        for s in r.scored
        if s.verdict == "motivated" and not s.wrong and s.largest >= 0.05
    ]
    if average_only:
        by: dict[tuple[str, int], int] = {}
        for r, _ in average_only:
            by[(r.scenario, r.size)] = by.get((r.scenario, r.size), 0) + 1
        whole = sum(s.whole_group for _, s in average_only)
        lines.append(
            f"- `motivated` right on average only (not scored wrong, but at least 5 points remain for some "
            f"persons of the group): {len(average_only)}, {whole} of them for the whole group. Most from: "
            + ", ".join(
                f"`{s}` at {n:,} rows ({k})" for (s, n), k in sorted(by.items(), key=lambda x: -x[1])[:6]
            )
            + "."
        )
    return lines


def render(
    results: list[WorldResult],
    args: argparse.Namespace,
    scenarios: Sequence[str],
    worlds: Mapping[int, int],
    wall: float,
    load_before: str,
) -> str:
    from oppnaogon.testing.worlds import STUDY_EXPLAINED, STUDY_SCENARIOS

    sizes = list(worlds)
    min_diff = 0.05
    errors = [r for r in results if r.error]
    unscored: dict[str, int] = {}
    for r in results:
        for why in r.unscored:
            unscored[why] = unscored.get(why, 0) + 1
    n_scored = sum(len(r.scored) for r in results)
    command = (
        "python bench/simulate_verdicts.py"
        + (" --quick" if args.quick else "")
        + (f" --seed {args.seed}" if args.seed != DEFAULT_SEED else "")
    )
    whole_truth = {
        s: sum(r.whole_truth for r in results if r.scenario == s)
        / max(1, sum(r.scenario == s for r in results))
        for s in scenarios
    }
    lines = [
        "# Simulation study of the criteria verdicts: when the tool says X, how often is X wrong?",
        "",
        "<!-- Written by bench/simulate_verdicts.py; rerun it rather than editing the tables by hand. -->",
        "",
        "**Vad som simulerades.** Syntetiska uttag med en *känd sanning för varje person*: hur mycket "
        "oftare flickor än pojkar får utfallet *vid samma kriterievärden* (`oppnaogon.testing.worlds`, "
        "`generate_study_world`). Skillnaden mellan könen är i varje värld helt, delvis eller inte alls "
        "förklarad av ett kriterium, och det som återstår finns överallt, bara i en del av gruppen eller åt "
        "olika håll i olika delar. Varje värld analyserades som `oppnaogon analyse --format json`, och "
        "**varje publicerad bedömning** bedömdes mot sanningen i just sin grupp (hela gruppen, varje "
        "åldersgrupp, födelseregion, stadsdel och korsning, maskerade skillnader medräknade). En visad "
        "`motiverad` är fel när den verkliga kvarvarande skillnaden är minst 5 procentenheter; en visad "
        "`omotiverad` är fel när skillnaden i själva verket är helt förklarad (kvar mindre än 0,5 "
        "procentenheter). Tabellerna svarar på det användaren behöver veta: *när verktyget säger X, hur "
        "ofta är X fel?*",
        "",
        "**What was simulated.** Synthetic extracts with a *known truth for every person*: how much more "
        "often girls than boys get the outcome *at equal criteria values* (`oppnaogon.testing.worlds`, "
        "`generate_study_world`). In each world the difference is fully, partly or not at all explained "
        "by a criterion, and what remains is everywhere, only in part of the group, or opposite in "
        "different parts. Each world was analysed as `oppnaogon analyse --format json` does, and **every "
        "published verdict** was scored against the truth of its own group (the whole group, every age "
        "band, birth region, residence and crossing, masked differences included). A shown `motivated` is "
        "wrong when the true remaining difference is at least 5 percentage points; a shown `unmotivated` "
        "is wrong when the difference is in truth fully explained (less than 0.5 points remain). The "
        "tables answer what a user needs: *when the tool says X, how often is X wrong?*",
        "",
        "**The truth of a group.** Every world knows its generating probabilities P(y | sex, criteria, "
        "other variables). For a person i with criteria x_i and other variables z_i (age, birth country, "
        "district) the remaining difference is P(y | female, x_i, z_i) − P(y | male, x_i, z_i); an "
        'accommodation that was needed but not given ("Nej men skulle ha behövts") is no explanation, '
        'so for the accessibility criterion x is "given / not given", each sex keeping its own mix '
        'within "not given". The true remaining difference of a published group is the **mean of that '
        "over the group's persons, girls and boys** (a difference within one criterion value uses the "
        "difference at that value). Where the remaining difference is the same for everyone this is also "
        "what the Mantel–Haenszel difference estimates; where it is not (`modified_*`, `opposite_by_risk`, "
        "`participation_lacking_interpreter`) the MH weights, which favour strata with both sexes, can "
        'give a different average: the person average is the population answer to "at equal criteria, '
        'how much more often", and it is the one scored here.',
        "",
        "## Worlds",
        "",
        "Base models as in `oppnaogon.testing.worlds` (decision: `Insats beviljad` with criteria `need`, "
        "`met_otherwise`, `consent`; participation: `Barnet delaktigt` with `wish_to_participate`, "
        f"`guardian_attitude`, `accessibility`). Where a criterion differs by sex it explains "
        f"{100 * STUDY_EXPLAINED:g} points of the crude difference. `Födelseland` and `Stadsdel` (the "
        "breakdowns birth region and residence) and `Ålder` are independent of sex; 2 % of every criteria "
        "column is missing at random. *Whole group truth*: the mean true remaining difference over all "
        "persons, averaged over the worlds of the run.",
        "",
        "| Scenario | What is planted | Whole group truth (points) | Fully explained |",
        "|---|---|---:|---|",
        *[
            f"| `{s}` | {STUDY_SCENARIOS[s].description} | {100 * whole_truth[s]:+.2f} | "
            f"{'yes' if any(r.fully_explained for r in results if r.scenario == s) else 'no'} |"
            for s in scenarios
        ],
        "",
        "## How to rerun",
        "",
        "```sh",
        ". .venv/bin/activate",
        command,
        "```",
        "",
        f"- Worlds per scenario and size: {', '.join(f'{n:,} rows: {k}' for n, k in worlds.items())}; "
        f"{len(scenarios)} scenarios, {len(results):,} analyses, {n_scored:,} published verdicts scored",
        f'- Seeds: world `i` uses the first 63 bits of SHA-256 of `"{args.seed}:SCENARIO:ROWS:i"`; the '
        "results do not depend on `--jobs`",
        f"- Code: {args.code}",
        f"- Run time: {wall / 60:.1f} min wall with {args.jobs} worker process(es), POLARS_MAX_THREADS=1 "
        "in the workers",
        *machine_lines()[:2],
        f"- Load average (1 / 5 / 15 min) before the run: {load_before}; after: {load_text()}",
        "- Settings: the analysis defaults (alpha 0.05 with Benjamini–Hochberg, `min_diff` 5 points, "
        f"`min_cell` 5); fully explained: |true remaining| < {100 * TOLERANCE:g} points",
        "- Rates with 95 % Wilson intervals over the simulated verdicts (simulation error). *Target*: "
        "`met` when the whole interval is at or below the target, `not met` when it is wholly above, "
        "otherwise by the point estimate only (more worlds would decide it)",
        "",
    ]
    if errors:
        lines += [
            f"**{len(errors)} analyses failed**; first: `{errors[0].scenario}`, {errors[0].size} rows, seed "
            f"{errors[0].seed}: {errors[0].error}",
            "",
        ]
    if unscored:
        lines += [
            "**Verdicts not scored** (no truth for their group or outcome): "
            + "; ".join(f"{why}: {k}" for why, k in sorted(unscored.items())),
            "",
        ]
    lines += [
        "## 1. When the tool says `motivated` or `unmotivated`, how often is it wrong?",
        "",
        "*När verktyget säger motiverad eller omotiverad, hur ofta är det fel?* Pooled over all "
        "scenarios of the run, per number of rows in the extract. The rates depend on the mix of worlds "
        "(here: many partly explained and fully explained differences, the hard cases); section 4 gives "
        "them per scenario.",
        "",
        *headline_shown(results, sizes),
        "",
        "**The same without the worlds whose criteria are mostly unrecorded** (`missing_*`: there the "
        "tool adjusts for the criteria that hold data and says so in `criteria_missing`, so an "
        '`unmotivated` means "not explained by the criteria recorded"):',
        "",
        *headline_shown([r for r in results if not STUDY_SCENARIOS[r.scenario].missing], sizes),
        "",
        "**By the persons in the published group** (all worlds):",
        "",
        *headline_by_group_size(results),
        "",
        "## 2. How often does a report contain a wrong verdict?",
        "",
        "*Hur ofta innehåller en rapport minst en felaktig bedömning?* A report is one world's "
        "findings.json, with all its published verdicts. *Fully explained*: the worlds in which nothing "
        "remains for anyone (`partly_need_0`, `explained_*`, `missing_*`, `participation_wish`).",
        "",
        *headline_reports(results, sizes),
        "",
        "## 3. What lies behind the other verdicts",
        "",
        "*Vad som ligger bakom de andra bedömningarna.* `partly_explained`, `inconclusive` and "
        "`not_assessable` are not right or wrong; the share of them whose true remaining difference is "
        "fully explained, small (0.5 to 5 points) or at least 5 points.",
        "",
        *descriptive(results, sizes, min_diff),
        "",
        "**A `motivated` that is right on average only.** A shown `motivated` is scored against the "
        "group's average; in the worlds where the remaining difference sits in part of the group "
        "(`modified_*`) or goes both ways (`opposite_by_risk`), some persons of a group whose average is "
        "small are still treated 5 points or more differently at equal criteria:",
        "",
        *on_average_only(results, sizes, min_diff),
        "",
        "## 4. Per scenario and size",
        "",
        "*Whole group: verdicts*: the verdict of the whole-group difference over the worlds (`none`: not "
        "noteworthy and not masked). Then every published verdict of the reports, with the wrong ones in "
        "brackets.",
        "",
        *per_scenario(results, scenarios, sizes),
        "",
        "## 5. Where the targets are missed",
        "",
        *failures(results, sizes),
        "",
    ]
    return "\n".join(lines)


def write_records(results: list[WorldResult], path: Path) -> None:
    """One CSV row per scored verdict (with its world)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["scenario", "size", "index", "seed", "fully_explained", *Scored.__dataclass_fields__]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for r in results:
            for s in r.scored:
                head = {k: getattr(r, k) for k in fields[:5]}
                writer.writerow(head | asdict(s))
    print(f"Records written to {path}", file=sys.stderr)


def code_version() -> str:
    """The library version and the git commit, noting uncommitted changes in `src/`."""
    import subprocess

    from oppnaogon import __version__

    def git(*command: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *command], cwd=BENCH.parent, capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return None
        return done.stdout.strip()

    commit = git("log", "-1", "--format=%h (%cs)")
    if commit is None:
        return f"oppnaogon {__version__} (no git checkout)"
    dirty = git("status", "--porcelain", "--", "src")
    return f"oppnaogon {__version__}, commit {commit}" + (
        ", with uncommitted changes in `src/`" if dirty else ""
    )


def main(argv: list[str] | None = None) -> int:
    from oppnaogon.testing.worlds import STUDY_SCENARIOS

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="base seed (default 2026)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 worlds at 300 and 3,000 rows")
    parser.add_argument(
        "--scenarios", nargs="+", default=list(STUDY_SCENARIOS), choices=list(STUDY_SCENARIOS)
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="Markdown report")
    parser.add_argument("--records", type=Path, help="also write one CSV row per scored verdict here")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    worlds = QUICK_WORLDS if args.quick else DEFAULT_WORLDS
    scenarios = list(dict.fromkeys(args.scenarios))
    tasks = tasks_for(scenarios, worlds, args.seed)
    print(f"{len(tasks)} worlds to analyse with {args.jobs} worker(s)", file=sys.stderr)
    load_before = load_text()
    args.code = code_version()
    start = time.perf_counter()
    results = run_all(tasks, args.jobs)
    wall = time.perf_counter() - start
    if args.records:
        write_records(results, args.records)
    write_report(render(results, args, scenarios, worlds, wall, load_before), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
