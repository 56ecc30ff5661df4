"""Benchmark: how long `oppnaogon analyse` takes, and how much memory it needs, from a Parquet extract.

For each row count, generates a seeded synthetic extract (`generate_barn_och_unga`: 3 outcomes, all
breakdowns) once as Parquet into `bench/out/` (in a separate process; see `_common.py`), then:

* runs the whole `oppnaogon analyse FILE.parquet --out DIR --format json` command as a separate process
  several times, in a working folder without `oppnaogon.toml` (the zero-config path), and records wall
  time and the peak resident memory of that one child (`os.wait4` in a small launcher process);
* runs `run_analysis` in this process and times its phases (`read_table`, `privacy.guard`, `prepare`,
  `analysis.analyse`, building the findings document, writing findings.json) inside the real call, the
  whole call, a plain `run_analysis(out=None)` and printing the summary, with `time.perf_counter`.

Results are printed as Markdown, with the targets of the issue beside them, and written to
`bench/out/results_analyse.md`.

    python bench/bench_analyse.py                       # 100,000 and 1,000,000 rows
    python bench/bench_analyse.py --rows 10000000 --repeat 3
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    OUT,
    ProcessRun,
    bytecode_text,
    ensure_data,
    imports_command,
    load_text,
    machine_lines,
    median,
    oppnaogon_command,
    others_text,
    require_zero_config,
    run_subprocess,
    seconds,
    timed_calls,
    write_report,
)

PHASE_FUNCTIONS = {
    "read_table": ["oppnaogon.io.loading:read_table"],
    "guard": ["oppnaogon.io.privacy:guard"],
    "prepare": ["oppnaogon.prepare.normalise:prepare"],
    "analyse": ["oppnaogon.analysis.differences:analyse"],
    "document": ["oppnaogon.app.analyse:file_sha256", "oppnaogon.app.analyse:findings_document"],
    "write": ["oppnaogon.present.outputs:write_outputs"],
}
"""The phases of `analyse`, timed inside `run_analysis` (see `_common.timed_calls`)."""
PHASES = (*PHASE_FUNCTIONS, "rest", "total", "run_analysis", "print")
STARTUP = imports_command("oppnaogon.cli", "oppnaogon.app.analyse", "polars")
"""Baseline: what every `oppnaogon analyse` pays before touching the data (interpreter, typer, polars)."""

GB_MIB = 1e9 / 2**20
TARGETS: dict[int, tuple[float, float | None]] = {1_000_000: (1.5, None), 10_000_000: (5.0, 1.5 * GB_MIB)}
"""Rows → (wall seconds, peak RSS MiB or None): whole process from Parquet, as stated in the issue."""


@dataclass
class Result:
    rows: int
    path: Path
    walls: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    others: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PHASES})
    phase_errors: set[str] = field(default_factory=set)
    rows_used: int | None = None
    outcomes: int | None = None
    breakdowns: int | None = None
    differences: int | None = None


# --- the whole command, as a separate process -------------------------------------------------------


def run_process(r: Result, bytecode_cache: bool, *, record: bool = True) -> None:
    """One run of `oppnaogon analyse`, with its output checked: all rows read, no config used."""
    with tempfile.TemporaryDirectory(prefix="bench-analyse-") as tmp:
        out = Path(tmp) / "rapport"
        command = [*oppnaogon_command(), "analyse", str(r.path), "--out", str(out), "--format", "json"]
        run = run_subprocess(command, OUT, bytecode_cache=bytecode_cache)
        findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    if findings["input"]["rows"] != r.rows:
        raise SystemExit(f"analyse read {findings['input']['rows']} rows, expected {r.rows}")
    if manifest["config"]["file"] is not None:
        raise SystemExit(f"analyse used {manifest['config']['file']}; the zero-config path is to be timed")
    if not record:
        return
    r.walls.append(run.wall)
    r.rss_mib.append(run.rss_mib)
    r.cpus.append(run.cpu)
    if run.others is not None:
        r.others.append(run.others)
    r.rows_used = findings["input"]["rows_used"]
    r.outcomes, r.breakdowns = len(findings["outcomes"]), len(findings["breakdowns"])
    r.differences = len(findings["differences"])


# --- the phases, in this process --------------------------------------------------------------------


def run_phases(path: Path) -> tuple[dict[str, float], list[str]]:
    """Seconds in each phase of one `run_analysis` call writing findings.json, in the whole call
    (`total`), in a second call with `out=None` (`run_analysis`) and in printing the summary; and any
    phases that could not be timed. The phases are timed inside the real call (`_common.timed_calls`),
    so they keep working while the library's functions change their arguments."""
    from oppnaogon.app.analyse import run_analysis

    errors: list[str] = []
    times: dict[str, float] = {}
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-analyse-") as tmp,
            timed_calls(PHASE_FUNCTIONS) as (phases, missing),
        ):
            start = time.perf_counter()
            run_analysis(path, out=Path(tmp) / "rapport", formats=("json",))
            times["total"] = time.perf_counter() - start
        times.update(phases)
        errors += missing
        if all(p in phases for p in PHASE_FUNCTIONS):
            times["rest"] = times["total"] - sum(phases.values())
    except Exception as error:
        errors.append(f"run_analysis(out=…, formats=('json',)): {type(error).__name__}: {error}")
    # The whole library call without writing, as asked of every refactoring to keep working.
    start = time.perf_counter()
    run = run_analysis(path, out=None)
    times["run_analysis"] = time.perf_counter() - start
    try:
        from rich.console import Console

        from oppnaogon.cli.console import print_analysis

        start = time.perf_counter()
        print_analysis(run, Console(file=io.StringIO(), width=80))
        times["print"] = time.perf_counter() - start
    except Exception as error:
        errors.append(f"print: {type(error).__name__}: {error}")
    return times, errors


# --- report -----------------------------------------------------------------------------------------


def verdict(r: Result) -> tuple[str, str]:
    """(target, whether it is met): `yes` (median wall), `min only` (only the fastest run), or `no: …`."""
    if r.rows not in TARGETS:
        return "–", "–"
    wall_target, rss_target = TARGETS[r.rows]
    text = f"< {wall_target:g} s" + (f", < 1.5 GB ({rss_target:.0f} MiB)" if rss_target else "")
    missed = []
    if min(r.walls) >= wall_target:
        missed.append("wall")
    if rss_target is not None and max(r.rss_mib) >= rss_target:
        missed.append("RSS")
    if missed:
        return text, "no: " + ", ".join(missed)
    return text, "yes" if statistics.median(r.walls) < wall_target else "min only"


def render(
    results: list[Result],
    startup: list[ProcessRun],
    args: argparse.Namespace,
    load_before: str,
) -> str:
    seed, repeat = args.seed, args.repeat
    lines = [f"# `oppnaogon analyse` from Parquet (seed {seed})", "", *machine_lines()]
    lines.append(bytecode_text(args.bytecode_cache))
    lines += [f"- Load average before the first run: {load_before}", ""]
    lines += [
        f"Whole command `oppnaogon analyse FILE.parquet --out DIR --format json`, separate process, no "
        f"`oppnaogon.toml` (zero-config), {repeat} runs. Targets from the issue: 1,000,000 rows under 1.5 s; "
        "10,000,000 rows under 5 s and 1.5 GB peak RSS. `Met`: `yes` if the median wall time (and the "
        "largest peak RSS) is within the target, `min only` if only the fastest run is. `CPU` = the "
        "process's user + system seconds (median; above the wall time means it ran on several cores); "
        "`Others` = cores busy with other processes during the runs, largest average over a run (from "
        "/proc/stat; near 0 means the measurement had the machine to itself).",
        "",
        "| Rows | Parquet (MiB) | Rows used | Outcomes × breakdowns (differences) | Wall min (s) | "
        "Wall median (s) | Peak RSS max (MiB) | CPU (s) | Others (cores) | Target | Met |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        size = r.path.stat().st_size / 2**20
        target, met = verdict(r)
        lines.append(
            f"| {r.rows:,} | {size:.1f} | {r.rows_used:,} | {r.outcomes} × {r.breakdowns} ({r.differences}) | "
            f"{min(r.walls):.2f} | {statistics.median(r.walls):.2f} | {max(r.rss_mib):.0f} | "
            f"{statistics.median(r.cpus):.2f} | {others_text(r.others)} | {target} | {met} |"
        )
    walls = [run.wall for run in startup]
    lines.append(
        f"| (imports only) | – | – | – | {min(walls):.2f} | {statistics.median(walls):.2f} | "
        f"{max(run.rss_mib for run in startup):.0f} | {statistics.median(run.cpu for run in startup):.2f} | "
        f"{others_text([run.others for run in startup if run.others is not None])} | – | – |"
    )
    lines += [
        "",
        f"Phases in-process, seconds, median of {repeat} runs after an untimed warm-up (imports done, file "
        "in the page cache). The phases are timed inside one `run_analysis(…, out=DIR, formats=('json',))` "
        "call, whose whole time is `total`: `document` = the file's SHA-256 and building findings.json, "
        "`write` = writing findings.json and the manifest, `rest` = total − the phases in the same run "
        "(config look-up, settings; each column is a median of its own, so they need not add up). "
        "`run_analysis` is a second, plain call with `out=None`; `print` is the terminal summary. `other` = "
        "process median − imports median − total − print: what the separate process pays beyond the warm "
        "library calls (imports inside the commands such as scipy, first-call costs, freeing memory at "
        "exit).",
        "",
        "| Rows | read_table | guard | prepare | analyse | document | write | rest | total "
        "| run_analysis (out=None) | print | other |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    imports = statistics.median(walls)
    for r in results:
        m = {p: median(r.phases[p]) for p in PHASES}
        other = None
        if m["total"] is not None and m["print"] is not None:
            other = statistics.median(r.walls) - imports - m["total"] - m["print"]
        cells = [*(seconds(m[p]) for p in PHASES), seconds(other)]
        lines.append(f"| {r.rows:,} | {' | '.join(cells)} |")
    errors = sorted({e for r in results for e in r.phase_errors})
    if errors:
        lines += ["", "Phases that could not be timed (the library changed; `run_analysis` still was):", ""]
        lines += [f"- {e}" for e in errors]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=[100_000, 1_000_000],
        help="row counts of the extracts (default 100000 1000000)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (default 2026)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per measurement (default 3)")
    parser.add_argument("--regenerate", action="store_true", help="write the data files even if present")
    parser.add_argument(
        "--output", type=Path, default=OUT / "results_analyse.md", help="Markdown results file"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        dest="bytecode_cache",
        action="store_false",
        help="let the measured processes compile from source as the environment says (see _common.py)",
    )
    args = parser.parse_args(argv)
    if min(args.rows) < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

    # All data first, so that generating (up to ~5 GB and 15 s for 10M rows) does not overlap any timing.
    results = [
        Result(rows, ensure_data(rows, args.seed, ["parquet"], args.regenerate)["parquet"])
        for rows in dict.fromkeys(args.rows)
    ]
    require_zero_config(OUT, *(r.path for r in results))
    # Untimed warm-ups on the smallest extract: one process run (fills the bytecode cache and the page
    # cache) and one in-process run, so that the phases are timed warm (lazy imports done); the cold costs
    # show in the process runs, as `other`.
    smallest = min(results, key=lambda r: r.rows)
    run_subprocess(STARTUP, OUT, bytecode_cache=args.bytecode_cache)
    run_process(smallest, args.bytecode_cache, record=False)
    run_phases(smallest.path)
    load_before = load_text()
    startup = [run_subprocess(STARTUP, OUT, bytecode_cache=args.bytecode_cache) for _ in range(args.repeat)]
    for r in results:
        for i in range(args.repeat):
            run_process(r, args.bytecode_cache)
            print(
                f"{r.rows:,} rows, process run {i + 1}: {r.walls[-1]:.2f} s, {r.rss_mib[-1]:.0f} MiB, "
                f"CPU {r.cpus[-1]:.2f} s, others {others_text(r.others[-1:])} cores",
                file=sys.stderr,
            )
        for i in range(args.repeat):
            times, errors = run_phases(r.path)
            for phase, value in times.items():
                r.phases[phase].append(value)
            r.phase_errors.update(errors)
            for error in errors:
                print(f"WARNING: {error}", file=sys.stderr)
            print(f"{r.rows:,} rows, phases run {i + 1} done", file=sys.stderr)

    write_report(render(results, startup, args, load_before), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
