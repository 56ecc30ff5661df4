"""Benchmark: how long `oppnaogon check` takes, and how much memory it needs, on a large extract.

Generates a seeded synthetic extract (`generate_barn_och_unga`, in a separate process), writes it once as
the export CSV and as Parquet into `bench/out/` (see `_common.py`), then for each format:

* runs the whole `oppnaogon check FILE --json` command as a separate process several times and records
  wall time and the peak resident memory of that one child (`os.wait4` in a small launcher process);
* runs `run_check` in this process and times it and its phases (`read_table`, `privacy.guard`,
  `prepare`) with `time.perf_counter`.

Results are printed as Markdown and written to `bench/out/results_load.md`.

    python bench/bench_load.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    OUT,
    ProcessRun,
    bytecode_text,
    ensure_data,
    imports_command,
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

PHASES = ("read_table", "guard", "prepare", "run_check", "rest")
PHASE_FUNCTIONS = {
    "read_table": ["oppnaogon.io.loading:read_table"],
    "guard": ["oppnaogon.io.privacy:guard"],
    "prepare": ["oppnaogon.prepare.normalise:prepare"],
}
"""The phases of `check`, timed inside `run_check` (see `_common.timed_calls`)."""
STARTUP = imports_command("oppnaogon.cli", "oppnaogon.app.check", "polars")
"""Baseline: what every `oppnaogon check` pays before touching the data (interpreter, typer, polars)."""


@dataclass
class Result:
    fmt: str
    path: Path
    walls: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    others: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PHASES})
    rows: int | None = None
    rows_usable: int | None = None


def check_command(path: Path) -> list[str]:
    return [*oppnaogon_command(), "check", str(path), "--json"]


def run_phases(path: Path) -> tuple[dict[str, float], list[str]]:
    """Seconds spent in each phase of one `run_check` call, and in the whole call."""
    from oppnaogon.app.check import run_check

    with timed_calls(PHASE_FUNCTIONS) as (times, errors):
        start = time.perf_counter()
        run_check(path)
        total = time.perf_counter() - start
    if all(p in times for p in PHASE_FUNCTIONS):
        times["rest"] = total - sum(times.values())
    return {**times, "run_check": total}, errors


# --- report -----------------------------------------------------------------------------------------


def render(
    results: list[Result],
    startup: list[ProcessRun],
    rows: int,
    seed: int,
    repeat: int,
    bytecode_cache: bool,
) -> str:
    lines = [f"# `oppnaogon check` on {rows:,} rows (seed {seed})", "", *machine_lines()]
    lines += [bytecode_text(bytecode_cache), ""]
    lines += [
        f"Whole command `oppnaogon check FILE --json`, separate process, {repeat} runs "
        "(`Others` = cores busy with other processes during a run, the largest average; from /proc/stat):",
        "",
        "| Format | File (MiB) | Rows usable | Wall min (s) | Wall median (s) | Peak RSS max (MiB) "
        "| Others (cores) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        size = r.path.stat().st_size / 2**20
        lines.append(
            f"| {r.fmt} | {size:.1f} | {r.rows_usable:,} | {min(r.walls):.2f} | "
            f"{statistics.median(r.walls):.2f} | {max(r.rss_mib):.0f} | {others_text(r.others)} |"
        )
    walls = [run.wall for run in startup]
    lines.append(
        f"| (imports only) | – | – | {min(walls):.2f} | {statistics.median(walls):.2f} | "
        f"{max(run.rss_mib for run in startup):.0f} | "
        f"{others_text([run.others for run in startup if run.others is not None])} |"
    )
    lines += [
        "",
        f"Phases in-process (median of {repeat} runs after an untimed warm-up, seconds), timed inside "
        "`run_check`, the whole library call; `rest` = run_check − the three phases in the same run (config "
        "look-up, the by-sex summary).",
        "",
        "| Format | read_table | guard | prepare | run_check | rest |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r.fmt} | {' | '.join(seconds(median(r.phases[p])) for p in PHASES)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the extract (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (default 2026)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per measurement (default 3)")
    parser.add_argument("--formats", nargs="+", choices=("csv", "parquet"), default=["csv", "parquet"])
    parser.add_argument("--regenerate", action="store_true", help="write the data files even if present")
    parser.add_argument("--output", type=Path, default=OUT / "results_load.md", help="Markdown results file")
    parser.add_argument(
        "--no-bytecode-cache",
        dest="bytecode_cache",
        action="store_false",
        help="let the measured processes compile from source as the environment says (see _common.py)",
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

    files = ensure_data(args.rows, args.seed, args.formats, args.regenerate)
    require_zero_config(OUT, *files.values())
    results = [Result(fmt, files[fmt]) for fmt in args.formats]
    # Untimed warm-up: fills the bytecode cache and the page cache.
    run_subprocess(check_command(results[0].path), OUT, bytecode_cache=args.bytecode_cache)
    startup = [run_subprocess(STARTUP, OUT, bytecode_cache=args.bytecode_cache) for _ in range(args.repeat)]
    for r in results:
        for i in range(args.repeat):
            run = run_subprocess(check_command(r.path), OUT, bytecode_cache=args.bytecode_cache)
            wall, rss, payload = run.wall, run.rss_mib, json.loads(run.stdout)
            r.walls.append(wall)
            r.rss_mib.append(rss)
            if run.others is not None:
                r.others.append(run.others)
            r.rows, r.rows_usable = payload["rows"], payload["rows_usable"]
            print(f"{r.fmt} process run {i + 1}: {wall:.2f} s, {rss:.0f} MiB", file=sys.stderr)
        if r.rows != args.rows:
            raise SystemExit(f"{r.fmt}: check read {r.rows} rows, expected {args.rows}")
        run_phases(r.path)  # untimed warm-up: lazy imports
        for i in range(args.repeat):
            times, errors = run_phases(r.path)
            for phase, value in times.items():
                r.phases[phase].append(value)
            for error in errors:
                print(f"WARNING: {error}", file=sys.stderr)
            print(f"{r.fmt} phases run {i + 1} done", file=sys.stderr)
    if len({r.rows_usable for r in results}) > 1:
        print(
            "WARNING: formats disagree on usable rows: "
            + ", ".join(f"{r.fmt}={r.rows_usable}" for r in results)
        )

    report = render(results, startup, args.rows, args.seed, args.repeat, args.bytecode_cache)
    write_report(report, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
