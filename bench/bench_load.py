"""Benchmark: how long `oppnaogon check` takes, and how much memory it needs, on a large extract.

Generates a seeded synthetic extract (`generate_barn_och_unga`), writes it once as the export CSV and as
Parquet into `bench/out/`, then for each format:

* runs the whole `oppnaogon check FILE --json` command as a separate process several times and records
  wall time and the peak resident memory of that one child (`os.wait4` in a small launcher process);
* runs the phases of `check` in this process (`read_table`, `privacy.guard`, `prepare`) and then the
  whole `run_check`, timing each with `time.perf_counter`.

Results are printed as Markdown and written to `bench/out/results_load.md`.

    python bench/bench_load.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from oppnaogon.check import find_config, run_check
from oppnaogon.config import Config, load_config
from oppnaogon.loading import LoadOptions, read_table
from oppnaogon.normalise import prepare
from oppnaogon.privacy import guard
from oppnaogon.synthetic import generate_barn_och_unga, write_export_csv

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
PHASES = ("read_table", "guard", "prepare", "run_check")


@dataclass
class Result:
    fmt: str
    path: Path
    walls: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PHASES})
    rows: int | None = None
    rows_usable: int | None = None


# --- data -----------------------------------------------------------------------------------------


def ensure_files(rows: int, seed: int, regenerate: bool) -> dict[str, Path]:
    """The CSV and Parquet files for (rows, seed), generated only when missing or different."""
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"barn_och_unga_n{rows}_s{seed}"
    files = {"csv": OUT / f"{stem}.csv", "parquet": OUT / f"{stem}.parquet"}
    meta_path = OUT / f"{stem}.json"
    if not regenerate and meta_path.is_file() and all(p.is_file() for p in files.values()):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        sizes = {fmt: p.stat().st_size for fmt, p in files.items()}
        if meta.get("rows") == rows and meta.get("seed") == seed and meta.get("sizes") == sizes:
            print(f"Reusing {files['csv'].name} and {files['parquet'].name}", file=sys.stderr)
            return files
    print(f"Generating {rows:,} rows (seed {seed}) …", file=sys.stderr)
    start = time.perf_counter()
    frame = generate_barn_och_unga(rows, seed=seed)
    write_export_csv(frame, files["csv"])
    tmp = files["parquet"].with_name(f".{files['parquet'].name}.{os.getpid()}.tmp")
    frame.write_parquet(tmp)
    tmp.replace(files["parquet"])
    sizes = {fmt: p.stat().st_size for fmt, p in files.items()}
    meta_path.write_text(json.dumps({"rows": rows, "seed": seed, "sizes": sizes}), encoding="utf-8")
    print(f"  done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return files


# --- the whole command, as a separate process -------------------------------------------------------


def check_command() -> list[str]:
    script = Path(sys.executable).with_name("oppnaogon")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "oppnaogon"]


STARTUP = [sys.executable, "-c", "import oppnaogon.cli, oppnaogon.check, polars"]
"""Baseline: what every `oppnaogon check` pays before touching the data (interpreter, typer, polars)."""


# A tiny launcher starts the measured command and reports that one child's wall time and peak RSS.
# It exists because on Linux a child's ru_maxrss also counts the peak RSS of the process that spawned it
# (the address space it was forked/vforked from is accounted at exec): measured straight from this
# script, which holds the generated frame and the in-process runs, it would report this script's peak.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump({"wall": wall, "maxrss": usage.ru_maxrss, "exit": os.waitstatus_to_exitcode(status)}, out)
"""


def run_subprocess(command: list[str], workdir: Path) -> tuple[float, float, dict]:
    """(wall seconds, peak RSS MiB, parsed JSON output or {}) of one child process."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        tempfile.TemporaryFile("w+b") as stdout,
        tempfile.TemporaryFile("w+b") as stderr,
    ):
        report = Path(tmp) / "usage.json"
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *command],
            stdout=stdout,
            stderr=stderr,
            cwd=workdir,
            check=False,
        )
        usage = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {"exit": -1}
        stdout.seek(0)
        stderr.seek(0)
        if usage["exit"] != 0:
            raise SystemExit(
                f"{' '.join(command)} failed (exit {usage['exit']}):\n"
                + stderr.read().decode("utf-8", "replace")
            )
        text = stdout.read().decode("utf-8")
        result = json.loads(text) if text.strip() else {}
    rss_mib = usage["maxrss"] / 1024  # Linux: KiB (macOS reports bytes)
    if sys.platform == "darwin":
        rss_mib /= 1024
    return usage["wall"], rss_mib, result


# --- the phases, in this process --------------------------------------------------------------------


def run_phases(path: Path) -> dict[str, float]:
    """Seconds spent in each phase of `check`, mirroring `load_input` and `run_check`."""
    times: dict[str, float] = {}
    config_path = find_config(path, None)
    config = load_config(config_path) if config_path else Config()
    options = LoadOptions(
        sheet=config.sheet,
        encoding=config.encoding,
        delimiter=config.delimiter,
        missing_markers=LoadOptions().missing_markers + config.missing,
    )
    t0 = time.perf_counter()
    table = read_table(path, options)
    t1 = time.perf_counter()
    guard(table.frame, str(path))
    t2 = time.perf_counter()
    prepare(table, config)
    t3 = time.perf_counter()
    times["read_table"], times["guard"], times["prepare"] = t1 - t0, t2 - t1, t3 - t2
    # The whole of `run_check` (the three phases again, plus config look-up and the by-sex summary).
    start = time.perf_counter()
    run_check(path)
    times["run_check"] = time.perf_counter() - start
    return times


# --- report -----------------------------------------------------------------------------------------


def machine_lines() -> list[str]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return [
        f"- Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, polars {pl.__version__}, POLARS_MAX_THREADS="
        f"{os.environ.get('POLARS_MAX_THREADS', '(default)')}",
    ]


def render(
    results: list[Result], startup: list[tuple[float, float]], rows: int, seed: int, repeat: int
) -> str:
    lines = [f"# `oppnaogon check` on {rows:,} rows (seed {seed})", "", *machine_lines(), ""]
    lines += [
        f"Whole command `oppnaogon check FILE --json`, separate process, {repeat} runs:",
        "",
        "| Format | File (MiB) | Rows usable | Wall min (s) | Wall median (s) | Peak RSS max (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        size = r.path.stat().st_size / 2**20
        lines.append(
            f"| {r.fmt} | {size:.1f} | {r.rows_usable:,} | {min(r.walls):.2f} | "
            f"{statistics.median(r.walls):.2f} | {max(r.rss_mib):.0f} |"
        )
    walls = [w for w, _ in startup]
    lines.append(
        f"| (imports only) | – | – | {min(walls):.2f} | {statistics.median(walls):.2f} | "
        f"{max(m for _, m in startup):.0f} |"
    )
    lines += [
        "",
        f"Phases in-process (median of {repeat} runs, seconds). `run_check` is the whole library call, timed "
        "separately; `rest` = run_check − the three phases (config look-up, the by-sex summary).",
        "",
        "| Format | read_table | guard | prepare | run_check | rest |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        m = {p: statistics.median(r.phases[p]) for p in PHASES}
        rest = max(0.0, m["run_check"] - m["read_table"] - m["guard"] - m["prepare"])
        lines.append(
            f"| {r.fmt} | {m['read_table']:.2f} | {m['guard']:.2f} | {m['prepare']:.2f} | "
            f"{m['run_check']:.2f} | {rest:.2f} |"
        )
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
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

    files = ensure_files(args.rows, args.seed, args.regenerate)
    startup = [run_subprocess(STARTUP, OUT)[:2] for _ in range(args.repeat)]
    results = [Result(fmt, files[fmt]) for fmt in args.formats]
    for r in results:
        for i in range(args.repeat):
            wall, rss, payload = run_subprocess([*check_command(), "check", str(r.path), "--json"], OUT)
            r.walls.append(wall)
            r.rss_mib.append(rss)
            r.rows, r.rows_usable = payload["rows"], payload["rows_usable"]
            print(f"{r.fmt} process run {i + 1}: {wall:.2f} s, {rss:.0f} MiB", file=sys.stderr)
        if r.rows != args.rows:
            raise SystemExit(f"{r.fmt}: check read {r.rows} rows, expected {args.rows}")
        for i in range(args.repeat):
            for phase, seconds in run_phases(r.path).items():
                r.phases[phase].append(seconds)
            print(f"{r.fmt} phases run {i + 1} done", file=sys.stderr)
    if len({r.rows_usable for r in results}) > 1:
        print(
            "WARNING: formats disagree on usable rows: "
            + ", ".join(f"{r.fmt}={r.rows_usable}" for r in results)
        )

    report = render(results, startup, args.rows, args.seed, args.repeat)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(report)
    print(f"Written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
