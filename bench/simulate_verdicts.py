"""Simulation study: how often the criteria verdicts are right, in seeded planted-truth worlds.

For every scenario of `oppnaogon.worlds` (except `small`, a size variant of `explained_by_need`), every
size in `--sizes` and `--worlds` seeds per scenario and size, generates a world
(`generate_world(scenario, n_rows, seed, effect=...)`), writes it into its own temporary folder
(`write_world`: data.csv and oppnaogon.toml) and analyses it with `run_analysis(data, config, out=None)`,
exactly as `oppnaogon analyse` would. For the whole-population difference of the scenario's outcome (the
entry of `findings["differences"]` whose `id` is the outcome name) it records whether the difference was
noteworthy, the verdict, `explained_by` and the reason, and compares them with the planted truth
(`World.truth`).

The report, written to `docs/verdict-simulation.md`, gives per scenario and size the share of worlds
with each verdict and the share where the verdict is the true one, and the key error rates with 95 %
Wilson intervals: truly motivated differences called unmotivated, truly unmotivated differences called
motivated, and verdicts given where there is no difference at all; then how the verdicts were reached
(persons the all-criteria comparison could not use, `motivated` by the criteria together only, reasons of
`inconclusive`) and a plain-language reading, generated from the numbers so that a rerun stays truthful.

The worlds are analysed in `--jobs` spawned worker processes with one polars thread each (unless
POLARS_MAX_THREADS is set); `--jobs 1` runs them in this process.

Each world's seed is derived from `--seed`, the scenario name, the size and the world's number (not from
the effect), so a run is deterministic for a given seed whatever `--jobs` is, and the worlds at two
effect sizes differ only in the effect (common random numbers).

    python bench/simulate_verdicts.py                          # 200 worlds per scenario and size
    python bench/simulate_verdicts.py --effect 0.12 0.08       # one section per effect size
    python bench/simulate_verdicts.py --sizes 500 --worlds 20 --output /tmp/sim.md   # a quick look
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from _common import BENCH, load_text, machine_lines, write_report

OUTPUT = BENCH.parent / "docs" / "verdict-simulation.md"
DEFAULT_SIZES = (200, 500, 1000, 3000)
DEFAULT_WORLDS = 200
DEFAULT_SEED = 2026
ALPHA = 0.05
"""The analysis' significance level (`AnalysisSettings.alpha`), the yardstick of the error rates."""
SKIPPED = frozenset({"small"})
"""`small` is the `explained_by_need` process at 40–80 rows: the smallest size here covers it."""
OUTCOMES = ("motivated", "unmotivated", "inconclusive", "not_assessable", "none")
"""The verdict columns; `none`: no verdict (the difference was not noteworthy and not masked)."""

MODELS: dict[str, str] = {
    "explained_by_need": "girls have higher risk levels (`Risknivå`, and so `Behov av stöd`); within "
    "every risk level the grant probability is the same for both sexes. Truth: motivated by `need`.",
    "explained_by_met_otherwise": "boys are more often judged to need another service (`Bör "
    "tillgodoses av annan verksamhet` = Ja), which cuts the grant probability to a tenth; within each "
    "value no difference. Truth: motivated by `met_otherwise`.",
    "explained_by_consent": "boys' guardians more often decline (`Samtycke saknas, ej skäl för LVU`), "
    "girls keep the base; within each `Samtycke` value no difference. Truth: motivated by `consent`.",
    "unmotivated": "all criteria distributed alike for both sexes; girls get `effect` added to their "
    "grant probability in every cell. Truth: unmotivated.",
    "no_difference": "the base model for both sexes, `effect` ignored: no difference at all. Truth: "
    "no verdict.",
    "no_criteria_columns": "the `explained_by_need` process, but the frame and config have no criteria "
    "columns. Truth: not_assessable.",
    "participation_interpreter_not_used": "boys more often needed an interpreter who was not used "
    "(`Tolk använd` = Nej men skulle ha behövts); statistically that column explains everything, but an "
    "accommodation not given must not explain. Truth: unmotivated.",
    "participation_explained_by_wish": "boys more often do not want to take part (`Vill delta` = Nej); "
    "within each value no difference. Truth: motivated by `wish_to_participate`.",
}
"""One line per data-generating model, from the module docstring of `oppnaogon.worlds`."""


@dataclass(frozen=True)
class Task:
    scenario: str
    size: int
    index: int
    seed: int
    effect: float


@dataclass(frozen=True)
class Record:
    """What the analysis said about one world's whole-population difference, beside the truth."""

    scenario: str
    size: int
    index: int
    seed: int
    effect: float
    truth_verdict: str  # "none" for no verdict
    truth_explained_by: str  # criterion ids joined by "+"
    found: bool
    estimate: float | None
    p_adjusted: float | None
    noteworthy: bool
    masked: bool
    verdict: str  # one of OUTCOMES, or "error"
    explained_by: str
    reason: str
    one_sex_share: float | None  # share of persons left out of the all-criteria comparison
    singles_clear: int  # single criteria after whose adjustment a clear difference (p < alpha) remains
    singles: int  # single criteria compared
    error: str

    @property
    def correct(self) -> bool:
        if self.verdict != self.truth_verdict:
            return False
        wanted = set(filter(None, self.truth_explained_by.split("+")))
        return wanted <= set(filter(None, self.explained_by.split("+")))


def world_seed(base: int, scenario: str, size: int, index: int) -> int:
    """A stable 63-bit seed per (base seed, scenario, size, world); independent of the effect."""
    digest = hashlib.sha256(f"{base}:{scenario}:{size}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _without_difference(common: dict, verdict: str, error: str) -> Record:
    """The record of a world whose analysis gave no difference to judge (refused, or none found)."""
    return Record(
        **common,
        found=False,
        estimate=None,
        p_adjusted=None,
        noteworthy=False,
        masked=False,
        verdict=verdict,
        explained_by="",
        reason="",
        one_sex_share=None,
        singles_clear=0,
        singles=0,
        error=error,
    )


def simulate(task: Task) -> Record:
    """Generate one world, write it into a temporary folder, analyse it, and compare with the truth."""
    from oppnaogon.run import run_analysis
    from oppnaogon.worlds import generate_world, write_world

    world = generate_world(task.scenario, task.size, task.seed, effect=task.effect)
    truth = world.truth
    common = {
        "scenario": task.scenario,
        "size": task.size,
        "index": task.index,
        "seed": task.seed,
        "effect": task.effect,
        "truth_verdict": truth.verdict or "none",
        "truth_explained_by": "+".join(truth.explained_by),
    }
    try:
        with tempfile.TemporaryDirectory(prefix="oppnaogon-sim-") as tmp:
            data, config = write_world(world, tmp)
            findings = run_analysis(data, config, out=None).findings
    except Exception as error:  # a world the tool refuses is a result too, reported as "error"
        return _without_difference(common, "error", f"{type(error).__name__}: {error}")
    entry = next((e for e in findings["differences"] if e["id"] == truth.outcome), None)
    if entry is None:
        return _without_difference(common, "none", "no whole-population difference in findings.json")
    adjusted = entry.get("adjusted") or {}
    compared, left_out = adjusted.get("persons_compared"), adjusted.get("persons_in_one_sex_strata")
    one_sex_share = (
        left_out / (compared + left_out) if compared is not None and left_out is not None else None
    )
    singles = [c for c in entry.get("criteria") or [] if c.get("p_value") is not None]
    return Record(
        **common,
        found=True,
        estimate=entry["estimate"],
        p_adjusted=entry["p_adjusted"],
        noteworthy=bool(entry["noteworthy"]),
        masked=bool(entry.get("masked")),
        verdict=entry["verdict"] or "none",
        explained_by="+".join(entry["explained_by"] or []),
        reason=entry["verdict_reason"] or entry["reason"] or "",
        one_sex_share=one_sex_share,
        singles_clear=sum(c["p_value"] < ALPHA for c in singles),
        singles=len(singles),
        error="",
    )


def tasks_for(
    scenarios: Sequence[str], sizes: Sequence[int], worlds: int, seed: int, effects: Sequence[float]
) -> list[Task]:
    return [
        Task(scenario, size, index, world_seed(seed, scenario, size, index), effect)
        for effect in effects
        for scenario in scenarios
        for size in sizes
        for index in range(worlds)
    ]


def run_all(tasks: list[Task], jobs: int) -> list[Record]:
    """All tasks, in task order, in `jobs` worker processes (spawned: no forked polars thread pools)."""
    records: list[Record] = []
    step = max(1, len(tasks) // 20)
    start = time.perf_counter()

    def progress(done: int) -> None:
        if done % step == 0 or done == len(tasks):
            elapsed = time.perf_counter() - start
            print(f"{done}/{len(tasks)} worlds, {elapsed:.0f} s", file=sys.stderr)

    if jobs <= 1:
        for task in tasks:
            records.append(simulate(task))
            progress(len(records))
        return records
    # One polars thread per worker: the workers already keep the cores busy.
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        for record in pool.imap(simulate, tasks, chunksize=8):
            records.append(record)
            progress(len(records))
    return records


# --- statistics of the records ---------------------------------------------------------------------


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion k / n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def pct(k: int, n: int) -> str:
    return "–" if n == 0 else f"{100 * k / n:.1f}"


def rate(k: int, n: int) -> str:
    """`k/n = p % (low–high)`, the interval a 95 % Wilson interval."""
    if n == 0:
        return "– (0 worlds)"
    low, high = wilson(k, n)
    return f"{k}/{n} = {100 * k / n:.1f} % ({100 * low:.1f}–{100 * high:.1f})"


def group(records: Iterable[Record], scenario: str, size: int) -> list[Record]:
    return [r for r in records if r.scenario == scenario and r.size == size]


def truth_text(record: Record) -> str:
    if record.truth_verdict == "motivated":
        return f"motivated ({record.truth_explained_by})"
    return record.truth_verdict


def verdict_table(records: list[Record], scenarios: Sequence[str], sizes: Sequence[int]) -> list[str]:
    lines = [
        "| Scenario | Rows | Truth | Noteworthy | motivated | unmotivated | inconclusive | not_assessable "
        "| none | Correct |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in scenarios:
        for size in sizes:
            rs = group(records, scenario, size)
            n = len(rs)
            counts = {o: sum(r.verdict == o for r in rs) for o in OUTCOMES}
            masked = sum(r.masked for r in rs)
            unmotivated = pct(counts["unmotivated"], n)
            if masked:
                unmotivated += f" ({pct(masked, n)} masked)"
            cells = [
                f"`{scenario}`",
                str(size),
                truth_text(rs[0]),
                pct(sum(r.noteworthy for r in rs), n),
                pct(counts["motivated"], n),
                unmotivated,
                pct(counts["inconclusive"], n),
                pct(counts["not_assessable"], n),
                pct(counts["none"], n),
                f"**{pct(sum(r.correct for r in rs), n)}**",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def error_tables(
    records: list[Record], scenarios: Sequence[str], sizes: Sequence[int]
) -> tuple[list[str], dict[str, dict[int, tuple[int, int, int]]]]:
    """The error-rate tables, and per error and size (errors, noteworthy, worlds) pooled over the
    scenarios of that truth (for the interpretation)."""
    motivated = [s for s in scenarios if group(records, s, sizes[0])[0].truth_verdict == "motivated"]
    unmotivated = [s for s in scenarios if group(records, s, sizes[0])[0].truth_verdict == "unmotivated"]
    nothing = [s for s in scenarios if group(records, s, sizes[0])[0].truth_verdict == "none"]
    pooled: dict[str, dict[int, tuple[int, int, int]]] = {"a": {}, "b": {}, "c": {}}
    lines: list[str] = []

    def row(label: str, size: int, errors: int, errors_noteworthy: int, noteworthy: int, n: int) -> str:
        return f"| {label} | {size} | {noteworthy}/{n} | {rate(errors_noteworthy, noteworthy)} | {rate(errors, n)} |"

    def directional(key: str, title: str, chosen: list[str], wrong: str) -> None:
        lines.extend(
            [
                title,
                "",
                f"| Scenario | Rows | Noteworthy | `{wrong}` among noteworthy | `{wrong}` among all worlds |",
                "|---|---:|---:|---:|---:|",
            ]
        )
        for size in sizes:
            total = [0, 0, 0, 0]  # errors, errors among noteworthy, noteworthy, worlds
            for scenario in chosen:
                rs = group(records, scenario, size)
                counts = [
                    sum(r.verdict == wrong for r in rs),
                    sum(r.verdict == wrong and r.noteworthy for r in rs),
                    sum(r.noteworthy for r in rs),
                    len(rs),
                ]
                total = [t + c for t, c in zip(total, counts, strict=True)]
                lines.append(row(f"`{scenario}`", size, *counts))
            if len(chosen) > 1:
                lines.append(row("**all of them**", size, *total))
            pooled[key][size] = (total[0], total[2], total[3])
        lines.append("")

    directional(
        "a",
        "**(a) Truly motivated differences called `unmotivated`** (should stay near or below "
        f"alpha = {ALPHA:.2f}). Masked verdicts count among all worlds only.",
        motivated,
        "unmotivated",
    )
    directional(
        "b",
        "**(b) Truly unmotivated differences called `motivated`** (the serious error the other way).",
        unmotivated,
        "motivated",
    )
    lines.extend(
        [
            "**(c) No difference at all (`no_difference`): how often a difference is called noteworthy, "
            "and how often any verdict is given** (noteworthy or masked).",
            "",
            "| Scenario | Rows | Noteworthy (false) | Any verdict | Of which `unmotivated` |",
            "|---|---:|---:|---:|---:|",
        ]
    )
    for scenario in nothing:
        for size in sizes:
            rs = group(records, scenario, size)
            noteworthy = sum(r.noteworthy for r in rs)
            given = sum(r.verdict != "none" for r in rs)
            lines.append(
                f"| `{scenario}` | {size} | {rate(noteworthy, len(rs))} | {rate(given, len(rs))} "
                f"| {sum(r.verdict == 'unmotivated' for r in rs)} |"
            )
            pooled["c"][size] = (given, noteworthy, len(rs))
    lines.append("")
    return lines, pooled


TOGETHER = "explained by the criteria together, by none of them alone"
"""`verdicts.decide`'s reason when only the combined comparison explains a difference."""


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def how_table(records: list[Record], scenarios: Sequence[str], sizes: Sequence[int]) -> list[str]:
    """How the verdicts were reached: persons the all-criteria comparison could not use, `motivated` by
    the criteria together only, and why `inconclusive` was inconclusive."""
    reasons = sorted({r.reason for r in records if r.verdict == "inconclusive"})
    lines = [
        "| Scenario | Rows | Persons in one-sex strata | `motivated` by all together only | "
        + " | ".join(f"`inconclusive`: {reason}" for reason in reasons)
        + " |",
        "|---|---:|---:|---:|" + "---:|" * len(reasons),
    ]
    for scenario in scenarios:
        for size in sizes:
            rs = group(records, scenario, size)
            shares = [r.one_sex_share for r in rs if r.one_sex_share is not None]
            share = mean(shares)
            cells = [
                f"`{scenario}`",
                str(size),
                "–" if share is None else f"{100 * share:.1f}",
                pct(sum(r.verdict == "motivated" and r.reason == TOGETHER for r in rs), len(rs)),
                *[
                    pct(sum(r.verdict == "inconclusive" and r.reason == x for r in rs), len(rs))
                    for x in reasons
                ],
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def interpretation(
    records: list[Record],
    scenarios: Sequence[str],
    sizes: Sequence[int],
    pooled: dict[str, dict[int, tuple[int, int, int]]],
) -> list[str]:
    """A plain-language reading of the tables, built from the numbers (so a rerun stays truthful)."""
    smallest, largest = sizes[0], sizes[-1]
    with_difference = [r for r in records if r.size == smallest and r.truth_verdict != "none"]
    quiet = sum(r.verdict in ("none", "inconclusive") for r in with_difference)
    true_motivated = [r for r in records if r.size == smallest and r.truth_verdict == "motivated"]
    true_unmotivated = [r for r in records if r.size == smallest and r.truth_verdict == "unmotivated"]
    wrong_motivated = sum(r.verdict == "motivated" for r in true_unmotivated)
    small = (
        f"*Small extracts.* At {smallest} rows the tool "
        + ("mostly stays silent or undecided" if 2 * quiet > len(with_difference) else "often decides")
        + ": "
        f"{pct(quiet, len(with_difference))} % of the worlds that do hold a difference get no verdict "
        "(the difference is not noteworthy) or `inconclusive`. "
        + ("That is the designed behaviour" if 2 * quiet > len(with_difference) else "By design")
        + ": a "
        "difference must first be clear (noteworthy after the Benjamini–Hochberg adjustment, and at "
        "least 5 percentage points), and `motivated` needs data that can tell the adjusted difference "
        "from the crude one, so low power leads to *no verdict* or *inconclusive* rather than to "
        "`motivated`. "
    )
    if true_motivated:
        given = [r for r in true_motivated if r.verdict == "motivated"]
        small += (
            f"`motivated` was given at {smallest} rows in {pct(len(given), len(true_motivated))} % of the "
            "truly motivated worlds (those whose sample happened to be clear enough"
            + (
                f"; in {pct(sum(r.reason == TOGETHER for r in given), len(given))} % of these no criterion "
                "explained alone, so `explained_by` names them all"
                if given
                else ""
            )
            + ")"
        )
    if true_unmotivated:
        small += (
            f" and in {wrong_motivated} of the {len(true_unmotivated)} truly unmotivated ones"
            if wrong_motivated
            else f" and in none of the {len(true_unmotivated)} truly unmotivated ones"
        )
    small += "."

    by_size = []
    for size in sizes:
        rs = [r for r in records if r.size == size]
        by_size.append(f"{pct(sum(r.correct for r in rs), len(rs))} % at {size}")
    weak = [
        (s, sum(r.correct for r in group(records, s, largest)), len(group(records, s, largest)))
        for s in scenarios
    ]
    weak = [(s, k, n) for s, k, n in weak if k < 0.9 * n]
    growing = (
        "*Growing extracts.* The share of correct verdicts over all scenarios is "
        + ", ".join(by_size)
        + " rows. "
        + (
            f"At {largest} rows every scenario is right in at least 90 % of the worlds."
            if not weak
            else f"At {largest} rows still below 90 % correct: "
            + ", ".join(f"`{s}` ({pct(k, n)} %)" for s, k, n in weak)
            + " (see the tables for where the rest went)."
        )
    )

    def pooled_text(key: str) -> str:
        errors = sum(v[0] for v in pooled[key].values())
        n = sum(v[2] for v in pooled[key].values())
        return rate(errors, n)

    motivated = [r for r in records if r.truth_verdict == "motivated"]
    a_errors, a_worlds = sum(v[0] for v in pooled["a"].values()), sum(v[2] for v in pooled["a"].values())
    a_rate = a_errors / a_worlds if a_worlds else 0.0
    a_text = (
        f"*Motivated called unmotivated (a).* Over all sizes {pooled_text('a')} of the truly motivated "
        f"worlds were called `unmotivated`, {'at or below' if a_rate <= ALPHA else 'above'} alpha = "
        f"{ALPHA:.2f}. "
    )
    conditional = []
    for size in sizes:
        rs = [r for r in motivated if r.size == size and r.noteworthy]
        conditional.append((sum(r.verdict == "unmotivated" for r in rs), len(rs), size))
    above = [(k, n, size) for k, n, size in conditional if n and k / n > ALPHA]
    if above:
        a_text += (
            "Among the worlds whose difference was noteworthy the rate is higher at "
            + ", ".join(f"{size} rows ({rate(k, n)})" for k, n, size in above)
            + ": in a small extract a difference passes the crude test mostly when chance made it larger "
            "than it is, and that chance excess of girls over boys is still there when like is compared "
            "with like. Alpha bounds the unconditional rate, not the rate among the differences that "
            "happened to be noteworthy. "
        )
    large = [r for r in motivated if r.size == largest]
    small_remainder = sum(
        r.verdict == "inconclusive" and r.reason.startswith("a difference smaller") for r in large
    )
    a_text += f"At {largest} rows {pct(sum(r.verdict == 'unmotivated' for r in large), len(large))} % were called `unmotivated`"
    if small_remainder:
        a_text += (
            f" and {pct(small_remainder, len(large))} % ended as `inconclusive` because a clear but small "
            "remainder (under the practical threshold of 5 points) was left: with many rows a chance "
            "remainder is often clear but rarely large"
        )
    a_text += "."

    wrong = [r for r in records if r.truth_verdict == "unmotivated" and r.verdict == "motivated"]
    b_text = f"*Unmotivated called motivated (b).* {pooled_text('b')} of the truly unmotivated worlds were called `motivated`."
    if wrong:
        from oppnaogon import verdicts

        limit = getattr(verdicts, "MAX_UNMATCHED_SHARE", None)
        together = [r for r in wrong if r.reason == TOGETHER]
        shares = [r.one_sex_share for r in wrong if r.one_sex_share is not None]
        where = ", ".join(
            f"{sum(r.size == size for r in wrong)} at {size} rows"
            for size in sizes
            if any(r.size == size for r in wrong)
        )
        b_text += (
            f" By size: {where}. {len(together)} of these {len(wrong)} were `motivated` by the criteria "
            "*together* while no criterion alone explained the difference"
            + (
                f", with on average {100 * mean(shares):.0f} % of the persons in strata with one sex only "
                "(left out of the comparison over all criteria"
                + (
                    f"; the rules allow at most {100 * limit:.0f} % on this route"
                    if limit is not None
                    else ""
                )
                + ")"
                if shares
                else ""
            )
            + "."
        )
        all_clear = sum(r.singles > 0 and r.singles_clear == r.singles for r in wrong)
        if all_clear:
            b_text += (
                f" In {all_clear} of the {len(wrong)} every criterion alone still left a clear difference "
                f"(p < {ALPHA:.2f}), yet `explained_by` names them all."
            )
        if together:
            b_text += (
                " There the combined comparison is thin and noisy: its estimate can fall far below the "
                "crude difference by chance, and the rule compares it with the crude *estimate* as if that "
                "were exact. This is the weakest point of the rules in small extracts"
            )
        b_text += f" (first such world: `{wrong[0].scenario}`, {wrong[0].size} rows, seed {wrong[0].seed})."
    else:
        b_text += " The serious error did not occur."

    nothing = [r for r in records if r.truth_verdict == "none"]
    c_text = (
        f"*No difference (c).* In the worlds without any difference {pooled_text('c')} got a verdict at "
        f"all ({sum(r.masked for r in nothing)} of them as a *masked* difference, found only when like "
        "was compared with like)."
    )
    unmotivated_verdicts = [
        r for r in records if r.truth_verdict == "unmotivated" and r.verdict == "unmotivated"
    ]
    masked = [r for r in unmotivated_verdicts if r.masked]
    if masked:
        c_text += (
            f" In the truly unmotivated worlds, {len(masked)} of the {len(unmotivated_verdicts)} `unmotivated` "
            "verdicts came by that masked route although the criteria hid nothing there (the crude "
            f"difference was on average {100 * mean([r.estimate or 0.0 for r in masked]):.1f} points, just "
            "not clear enough among all tests): the route also rescues real differences that the crude "
            'test missed, and its reason text ("appears only when like is compared with like") then '
            "overstates what happened."
        )
    present = {r.truth_verdict for r in records}
    parts = [("motivated", a_text), ("unmotivated", b_text), ("none", c_text)]
    errors = "\n\n".join(text for truth, text in parts if truth in present) + (
        "\n\nThe intervals are 95 % Wilson intervals over the simulated worlds (simulation error, not the "
        "tool's own intervals)."
    )
    return [small, "", growing, "", errors]


# --- the report ------------------------------------------------------------------------------------


def render(
    records: list[Record],
    args: argparse.Namespace,
    scenarios: Sequence[str],
    wall: float,
    load_before: str,
) -> str:
    from oppnaogon.worlds import DEFAULT_EFFECT

    sizes = sorted(dict.fromkeys(args.sizes))
    effects = list(dict.fromkeys(args.effect))
    command = "python bench/simulate_verdicts.py" + "".join(
        [
            f" --sizes {' '.join(map(str, sizes))}" if tuple(sizes) != DEFAULT_SIZES else "",
            f" --worlds {args.worlds}" if args.worlds != DEFAULT_WORLDS else "",
            f" --seed {args.seed}" if args.seed != DEFAULT_SEED else "",
            f" --effect {' '.join(map(str, effects))}" if effects != [DEFAULT_EFFECT] else "",
        ]
    )
    errors = [r for r in records if r.verdict == "error" or r.error]
    lines = [
        "# Simulation study of the criteria verdicts",
        "",
        "<!-- Written by bench/simulate_verdicts.py; rerun it rather than editing the tables by hand. -->",
        "",
        "**What was simulated.** Synthetic extracts with a *planted truth* (`oppnaogon.worlds`): in each "
        "scenario the difference between girls and boys in one outcome is, by construction, explained by "
        "one criterion (`motivated`), not explained by any (`unmotivated`), absent, or not assessable. "
        f"For each scenario and size, {args.worlds} worlds with different seeds were generated, written "
        "as an export CSV with its `oppnaogon.toml`, and analysed with `run_analysis` exactly as "
        "`oppnaogon analyse` does. For the whole-population difference of the scenario's outcome we "
        "recorded whether it was noteworthy, the verdict and `explained_by`, and compared them with the "
        "truth.",
        "",
        "**Vad som simulerades.** Syntetiska uttag med en *inplanterad sanning* (`oppnaogon.worlds`): i "
        "varje scenario är skillnaden mellan flickor och pojkar i ett utfall, genom hur data skapas, "
        "förklarad av ett kriterium (`motivated`, motiverad), inte förklarad av något (`unmotivated`, "
        "omotiverad), obefintlig eller inte möjlig att bedöma. För varje scenario och storlek skapades "
        f"{args.worlds} världar med olika frön, skrevs som export-CSV med sin `oppnaogon.toml` och "
        "analyserades med `run_analysis` precis som `oppnaogon analyse` gör. För skillnaden i hela "
        "gruppen noterades om den var anmärkningsvärd, bedömningen och `explained_by`, och jämfördes med "
        "sanningen.",
        "",
        "## Data-generating models",
        "",
        "Decision scenarios (outcome `Insats beviljad`; criteria `need`, `met_otherwise`, `consent`; base "
        "grant share 0.336) and participation scenarios (outcome `Barnet delaktigt`; criteria "
        "`wish_to_participate`, `guardian_attitude`, `accessibility`; base share 0.705). Girls are 48 %. "
        "`effect` is the planted crude female − male difference; 2 % of every criteria column is missing "
        "completely at random. Full detail: the module docstring of `oppnaogon.worlds`.",
        "",
        *[f"- `{s}`: {MODELS.get(s, '(see oppnaogon.worlds)')}" for s in scenarios],
        "",
        "`small` (the `explained_by_need` process at 40–80 rows) is left out: it is a size variant.",
        "",
        "## How to rerun",
        "",
        "```sh",
        ". .venv/bin/activate",
        command,
        "```",
        "",
        f"- Sizes: {', '.join(map(str, sizes))} rows; {args.worlds} worlds per scenario, size and effect "
        f"({len(records)} analyses in all); effect {', '.join(f'{e:g}' for e in effects)} (the worlds' "
        f"default is {DEFAULT_EFFECT:g})",
        f"- Seeds: world `i` of a scenario and size uses the first 63 bits of SHA-256 of "
        f'`"{args.seed}:SCENARIO:ROWS:i"` (base seed {args.seed}), the same for every effect; the '
        "results do not depend on `--jobs`",
        f"- Code: {args.code} (the verdict rules are those of `oppnaogon.verdicts` in that version)",
        f"- Run time: {wall / 60:.1f} min wall ({wall / max(len(records), 1) * args.jobs:.3f} s per "
        f"analysis and worker) with {args.jobs} worker process(es), POLARS_MAX_THREADS="
        f"{os.environ.get('POLARS_MAX_THREADS', '(default)')} in the workers",
        *machine_lines()[:2],
        f"- Load average (1 / 5 / 15 min) before the run: {load_before}; after: {load_text()}",
        "- Settings: the analysis defaults (alpha 0.05 after Benjamini–Hochberg over all differences of "
        "the run, practical threshold `min_diff` 5 percentage points, `min_cell` 5)",
        "",
        "Percentages are shares of the worlds of that scenario and size. *Noteworthy*: the crude "
        "difference was noteworthy. *none*: no verdict, because the difference was not noteworthy (and "
        "not masked). *Correct*: the verdict is the planted one (for `motivated` `explained_by` must also "
        "contain the true criterion; for `no_difference` the correct answer is no verdict).",
        "",
    ]
    if errors:
        lines += [
            f"**{len(errors)} analyses failed or found no whole-population difference**; first: "
            f"`{errors[0].scenario}`, {errors[0].size} rows, seed {errors[0].seed}: {errors[0].error}",
            "",
        ]
    for effect in effects:
        rs = [r for r in records if r.effect == effect]
        lines += [f"## Effect {effect:g} (planted crude difference {100 * effect:g} percentage points)", ""]
        lines += ["### 1. Verdicts per scenario and size", ""]
        lines += [*verdict_table(rs, scenarios, sizes), ""]
        lines += ["### 2. Key error rates", ""]
        error_lines, pooled = error_tables(rs, scenarios, sizes)
        lines += error_lines
        lines += [
            "### 3. How the verdicts were reached",
            "",
            "*Persons in one-sex strata*: the mean share of the persons whom the comparison over all "
            "criteria together could not use, because nobody of the other sex had the same criteria "
            "values. *`motivated` by all together only*: no criterion explained the difference on its own, "
            "the combined comparison did, so `explained_by` lists every criterion. Then the share of the "
            "worlds with each reason for `inconclusive`. All as % of the worlds.",
            "",
            *how_table(rs, scenarios, sizes),
            "",
        ]
        lines += ["### 4. What this means", "", *interpretation(rs, scenarios, sizes, pooled), ""]
    return "\n".join(lines)


def write_records(records: list[Record], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(asdict(records[0])))
        writer.writeheader()
        writer.writerows(asdict(r) for r in records)
    print(f"Records written to {path}", file=sys.stderr)


def code_version() -> str:
    """The library version and the git commit of the checkout, noting uncommitted changes in `src/`
    (read once, before the workers start: they import the library as it is then)."""
    import subprocess

    from oppnaogon import __version__

    root = BENCH.parent

    def git(*command: str) -> str | None:
        try:
            done = subprocess.run(["git", *command], cwd=root, capture_output=True, text=True, check=True)
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
    from oppnaogon.worlds import DEFAULT_EFFECT, SCENARIOS

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(DEFAULT_SIZES),
        help="rows per world (default 200 500 1000 3000)",
    )
    parser.add_argument(
        "--worlds", type=int, default=DEFAULT_WORLDS, help="worlds per scenario and size (default 200)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="base seed (default 2026)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--effect",
        type=float,
        nargs="+",
        default=[DEFAULT_EFFECT],
        help=f"planted crude difference(s), one report section each (default {DEFAULT_EFFECT})",
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        default=[s for s in SCENARIOS if s not in SKIPPED],
        choices=SCENARIOS,
        help="scenarios to simulate (default: all but small)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="Markdown report")
    parser.add_argument("--records", type=Path, help="also write one CSV row per world here")
    args = parser.parse_args(argv)
    if min(args.sizes) < 1 or args.worlds < 1 or args.jobs < 1:
        parser.error("--sizes, --worlds and --jobs must be at least 1")

    scenarios = list(dict.fromkeys(args.scenarios))
    sizes = sorted(dict.fromkeys(args.sizes))
    tasks = tasks_for(scenarios, sizes, args.worlds, args.seed, list(dict.fromkeys(args.effect)))
    print(f"{len(tasks)} worlds to analyse with {args.jobs} worker(s)", file=sys.stderr)
    load_before = load_text()
    args.code = code_version()
    start = time.perf_counter()
    records = run_all(tasks, args.jobs)
    wall = time.perf_counter() - start
    if args.records:
        write_records(records, args.records)
    write_report(render(records, args, scenarios, wall, load_before), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
