"""Benchmark: `oppnaogon batch` over many municipalities against one `oppnaogon analyse` per municipality.

    python bench/bench_batch.py                    # 290 municipalities × about 5,000 rows
    python bench/bench_batch.py --units 50 --separate 50

Generates (once, into bench/out/) a seeded synthetic region: `--units` municipalities (the first
`--units` kommunkoder of SCB's list) and `--rows-per-unit` rows on average (sizes vary, the first is the
largest), as Parquet, plus one Parquet file per municipality. Then, as separate processes measured by the
launcher of `_common.py` (wall time and peak RSS):

1. `oppnaogon batch REGION.parquet --by municipality --format json --jobs N`: one read, one split, every
   unit analysed in one process, plus the region and the overview;
2. `oppnaogon analyse UNIT.parquet --format json` for `--separate` of the municipalities (all of them
   by default), one process each, as a script looping over municipalities would; when fewer than all
   are run, the total is extrapolated from their mean and the table says so.

Reports (HTML, Word) are left out of both (`--format json`): their cost is the same per unit either
way and would hide the difference the batch makes.

A part of the region can be timed instead (`--first N`: its first N municipalities, the largest;
`--every N`: every N-th municipality by size, from the smallest, as in the municipalities of a county
with many small ones), written once as its own Parquet file beside the region; `--separate 0` skips
the separate runs and `--repeat` times the batch more than once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import OUT, machine_lines, oppnaogon_command, run_subprocess, write_report

GENERATOR = """
import sys
from pathlib import Path
import polars as pl
from oppnaogon.model.geography import kommuner
from oppnaogon.testing.synthetic import generate_barn_och_unga
units, rows, seed, target = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
codes = sorted(kommuner())[:units]
frame = generate_barn_och_unga(units * rows, seed=seed, municipalities=codes)
target.mkdir(parents=True, exist_ok=True)
frame.write_parquet(target / "region.parquet")
for (code,), part in frame.partition_by("Kommun", as_dict=True).items():
    part.write_parquet(target / f"kommun-{code}.parquet")
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=290)
    parser.add_argument("--rows-per-unit", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--separate", type=int, default=None, help="how many separate analyse runs (default: all)"
    )
    subset = parser.add_mutually_exclusive_group()
    subset.add_argument("--first", type=int, default=None, help="only the first N municipalities")
    subset.add_argument(
        "--every", type=int, default=None, help="only every N-th municipality by size, smallest first"
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed batch runs (after one warm-up)")
    parser.add_argument("--output", type=Path, default=OUT / "results_batch.md")
    args = parser.parse_args()

    folder = OUT / f"region_u{args.units}_r{args.rows_per_unit}_s{args.seed}"
    if not (folder / "region.parquet").exists():
        print(f"Generating {args.units} municipalities × {args.rows_per_unit:,} rows …", file=sys.stderr)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                GENERATOR,
                str(args.units),
                str(args.rows_per_unit),
                str(args.seed),
                str(folder),
            ],
            check=True,
        )
        print(f"  done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    region = folder / "region.parquet"
    unit_files = sorted(folder.glob("kommun-*.parquet"))
    if args.first is not None or args.every is not None:
        region, unit_files = _subset(folder, unit_files, args.first, args.every)

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        out = Path(tmp) / "batch"
        command = [
            *oppnaogon_command(),
            "batch",
            str(region),
            "--out",
            str(out),
            "--format",
            "json",
            "--jobs",
            str(args.jobs),
            "--quiet",
        ]
        run_subprocess(command, OUT)  # warm-up: bytecode cache, page cache
        batches = [run_subprocess(command, OUT) for _ in range(args.repeat)]
        batch = min(batches, key=lambda run: run.wall)
        summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    ok = sum(1 for u in summary["units"] if u["status"] == "ok")
    rows = sum(u["rows"] for u in summary["units"])

    chosen = unit_files if args.separate is None else unit_files[: args.separate]
    walls, rss = [], []
    for path in chosen:
        with tempfile.TemporaryDirectory(prefix="bench-unit-") as tmp:
            run = run_subprocess(
                [
                    *oppnaogon_command(),
                    "analyse",
                    str(path),
                    "--out",
                    str(Path(tmp) / "r"),
                    "--format",
                    "json",
                    "--quiet",
                ],
                OUT,
            )
        walls.append(run.wall)
        rss.append(run.rss_mib)
    extrapolated = 0 < len(chosen) < len(unit_files)
    separate_total = statistics.mean(walls) * len(unit_files) if extrapolated else sum(walls)

    repeats = f", {args.repeat} timed runs (the fastest shown)" if args.repeat > 1 else ""
    lines = [
        f"# `oppnaogon batch` against separate `analyse` runs (seed {args.seed})",
        "",
        *machine_lines(),
        "",
        f"Region: {len(unit_files)} municipalities{_subset_text(args)}, {rows:,} rows in all (about "
        f"{args.rows_per_unit:,} per municipality in the whole region); `--format json`; the batch with "
        f"`--jobs {args.jobs}`{repeats}.",
        "",
    ]
    if args.repeat > 1:
        lines += ["Batch runs (s): " + ", ".join(f"{run.wall:.2f}" for run in batches) + ".", ""]
    lines += [
        "| Run | Units analysed | Wall (s) | Peak RSS (MiB) |",
        "|---|---:|---:|---:|",
        f"| `batch` (one process: read once, split, every unit, region and overview) | {ok} | {batch.wall:.1f} | {batch.rss_mib:.0f} |",
    ]
    if chosen:
        lines += [
            f"| {len(unit_files)} × `analyse` (one process per municipality{', extrapolated from ' + str(len(chosen)) if extrapolated else ''}) | {len(unit_files)} | {separate_total:.1f} | {max(rss):.0f} (largest single run) |",
            "",
            f"Separate runs: mean {statistics.mean(walls):.2f} s per municipality over {len(chosen)} runs. "
            f"The batch took {batch.wall / separate_total:.0%} of their total time.",
        ]
    report = "\n".join(lines) + "\n"
    print(report)
    write_report(report, args.output)


def _subset(
    folder: Path, unit_files: list[Path], first: int | None, every: int | None
) -> tuple[Path, list[Path]]:
    """The municipalities chosen by `--first` or `--every`, and a Parquet file of them all (written once)."""
    import polars as pl

    if first is not None:
        chosen, name = unit_files[:first], f"subset-first{first}.parquet"
    else:
        assert every is not None
        by_size = sorted(
            unit_files, key=lambda path: (pl.scan_parquet(path).select(pl.len()).collect().item(), path.name)
        )
        chosen, name = sorted(by_size[::every]), f"subset-every{every}.parquet"
    target = folder / name
    if not target.exists():
        pl.concat([pl.read_parquet(path) for path in chosen]).write_parquet(target)
    return target, chosen


def _subset_text(args: argparse.Namespace) -> str:
    if args.first is not None:
        return f" (the first {args.first} of {args.units})"
    if args.every is not None:
        return f" (every {args.every}th of {args.units} by size, from the smallest)"
    return ""


if __name__ == "__main__":
    main()
