"""Shared helpers of the benchmarks in `bench/`: cached test data, measured child processes, the machine.

* `ensure_data` generates a seeded synthetic extract (`generate_barn_och_unga`) in a separate process and
  writes the requested formats once into `bench/out/`, named by rows and seed; later runs reuse them.
* `run_subprocess` runs one command as a child of a tiny launcher and returns its wall time, peak RSS
  and standard output.
* `timed_calls` times the phases of a library call (`read_table`, `privacy.guard`, `prepare`, …) in this
  process, inside the real call, by wrapping the functions it calls.

Nothing from oppnaogon is imported at the top, so that a refactoring of the library breaks at most the
phase timing, not the whole benchmark.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
CONFIG_NAME = "oppnaogon.toml"
SUFFIXES = {"csv": "csv", "parquet": "parquet"}


# --- data -----------------------------------------------------------------------------------------

# Run in its own process: generating 10,000,000 rows needs about 5 GB, which should neither stay in the
# benchmark's address space nor count towards the peak RSS of its in-process phases.
GENERATOR = """
import os, sys
from pathlib import Path
from oppnaogon.testing.synthetic import generate_barn_och_unga, write_export_csv
frame = generate_barn_och_unga(int(sys.argv[1]), seed=int(sys.argv[2]))
for fmt, target in zip(sys.argv[3::2], sys.argv[4::2]):
    if fmt == "csv":
        write_export_csv(frame, target)  # atomic itself
    else:
        tmp = Path(target).with_name(f".{Path(target).name}.{os.getpid()}.tmp")
        frame.write_parquet(tmp)
        tmp.replace(target)
"""


def data_stem(rows: int, seed: int) -> str:
    return f"barn_och_unga_n{rows}_s{seed}"


def ensure_data(rows: int, seed: int, formats: list[str], regenerate: bool = False) -> dict[str, Path]:
    """The data files for (rows, seed) in `formats`, generated only when missing or different.

    A `.json` beside them records rows, seed and each file's size; a file whose size differs (a half
    written or foreign file) is written again.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    stem = data_stem(rows, seed)
    paths = {fmt: OUT / f"{stem}.{SUFFIXES[fmt]}" for fmt in formats}
    meta_path = OUT / f"{stem}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    sizes: dict[str, int] = (
        meta.get("sizes", {}) if (meta.get("rows"), meta.get("seed")) == (rows, seed) else {}
    )
    valid = {
        fmt: size
        for fmt, size in sizes.items()
        if fmt in SUFFIXES
        and (OUT / f"{stem}.{SUFFIXES[fmt]}").is_file()
        and (OUT / f"{stem}.{SUFFIXES[fmt]}").stat().st_size == size
    }
    missing = [fmt for fmt in formats if regenerate or fmt not in valid]
    if not missing:
        print(f"Reusing {', '.join(p.name for p in paths.values())}", file=sys.stderr)
        return paths
    print(f"Generating {rows:,} rows (seed {seed}) as {', '.join(missing)} …", file=sys.stderr)
    start = time.perf_counter()
    targets = [item for fmt in missing for item in (fmt, str(paths[fmt]))]
    subprocess.run([sys.executable, "-c", GENERATOR, str(rows), str(seed), *targets], check=True)
    valid.update({fmt: paths[fmt].stat().st_size for fmt in missing})
    meta_path.write_text(json.dumps({"rows": rows, "seed": seed, "sizes": valid}), encoding="utf-8")
    print(f"  done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return paths


def require_zero_config(workdir: Path, *data: Path) -> None:
    """Stop if an `oppnaogon.toml` would be picked up: the benchmarks time the zero-config path."""
    for folder in {workdir, *(p.parent for p in data)}:
        if (folder / CONFIG_NAME).exists():
            raise SystemExit(f"{folder / CONFIG_NAME} exists; remove it so the zero-config path is timed.")


# --- a whole command, as a separate process ----------------------------------------------------------


def oppnaogon_command() -> list[str]:
    script = Path(sys.executable).with_name("oppnaogon")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "oppnaogon"]


def imports_command(*modules: str) -> list[str]:
    """Baseline: what every command pays before touching the data (interpreter and imports)."""
    return [sys.executable, "-c", f"import {', '.join(modules)}"]


# A tiny launcher starts the measured command and reports that one child's wall time and peak RSS.
# It exists because on Linux a child's ru_maxrss also counts the peak RSS of the process that spawned it
# (the address space it was forked/vforked from is accounted at exec): measured straight from a
# benchmark, which holds data and in-process runs, it would report the benchmark's peak.
# It also reads the machine's busy CPU time from /proc/stat around the run: minus the child's own CPU
# time, that is what other processes used meanwhile (the cores are shared with other work).
LAUNCHER = """
import json, os, subprocess, sys, time
def busy():
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return None
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait
before = busy()
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
after = busy()
cpu = usage.ru_utime + usage.ru_stime
others = None if before is None else max(0.0, after - before - cpu) / wall
with open(sys.argv[1], "w") as out:
    json.dump({"wall": wall, "maxrss": usage.ru_maxrss, "cpu": cpu, "others": others,
               "exit": os.waitstatus_to_exitcode(status)}, out)
"""


@dataclass(frozen=True)
class ProcessRun:
    wall: float
    """Seconds from start to exit."""
    rss_mib: float
    """Peak resident memory of the child, MiB."""
    cpu: float
    """CPU seconds (user + system) of the child."""
    others: float | None
    """Cores busy with other processes during the run, on average (Linux only)."""
    stdout: str


PYCACHE = OUT / "pycache"


def child_env(bytecode_cache: bool) -> dict[str, str]:
    """The environment of a measured command.

    With `bytecode_cache`, Python may write and read compiled bytecode in `bench/out/pycache`
    (`PYTHONPYCACHEPREFIX`), as an installed package would have: without it, a venv installed without
    `.pyc` files under `PYTHONDONTWRITEBYTECODE=1` (as in the dev container) compiles every imported
    module from source in every process, about a second for polars, scipy, rich and typer. Run one
    untimed warm-up before timing, so that the cache is filled.
    """
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def bytecode_text(bytecode_cache: bool) -> str:
    if bytecode_cache:
        return (
            f"- Bytecode: cached in `{PYCACHE.relative_to(BENCH.parent)}`, filled by an untimed warm-up run"
        )
    return (
        "- Bytecode: no cache written (`--no-bytecode-cache`); with "
        f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')} and no `.pyc` in "
        "the venv every module is compiled from source in every process"
    )


def run_subprocess(command: list[str], workdir: Path, *, bytecode_cache: bool = True) -> ProcessRun:
    """Run `command` in `workdir` as the only child of the launcher; stop the benchmark if it fails."""
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
            env=child_env(bytecode_cache),
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
        text = stdout.read().decode("utf-8", "replace")
    rss_mib = usage["maxrss"] / 1024  # Linux: KiB (macOS reports bytes)
    if sys.platform == "darwin":
        rss_mib /= 1024
    return ProcessRun(usage["wall"], rss_mib, usage["cpu"], usage["others"], text)


# --- phases, in this process --------------------------------------------------------------------------


@contextmanager
def timed_calls(phases: dict[str, list[str]]) -> Iterator[tuple[dict[str, float], list[str]]]:
    """Time the library's own calls of some functions, wherever in the library they are called from.

    `phases` maps a phase to functions, as `"module:function"`. Inside the `with` block, every oppnaogon
    module attribute bound to one of those functions is replaced by a timing wrapper, so that a
    library call (say `run_analysis`) runs exactly as it would, and the seconds spent in each phase
    are added to the yielded dict (exclusive: time in a nested timed call counts for the inner phase
    only). A function that cannot be found is reported in the yielded list of errors and left out; its
    phase then shows no time. The functions are only looked up by name, so changes of their arguments
    do not matter.
    """
    times: dict[str, float] = {}
    errors: list[str] = []
    nested: list[float] = []  # per active timed call: seconds spent in timed calls inside it

    def timer(phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            nested.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                inner = nested.pop()
                times[phase] = times.get(phase, 0.0) + elapsed - inner
                if nested:
                    nested[-1] += elapsed

        return timed

    patches: list[tuple[ModuleType, str, Any]] = []
    for phase, specs in phases.items():
        for spec in specs:
            module_name, _, name = spec.partition(":")
            try:
                original = getattr(importlib.import_module(module_name), name)
            except (ImportError, AttributeError) as error:
                errors.append(f"{phase}: `{spec}` not found ({type(error).__name__}: {error})")
                continue
            wrapper = timer(phase, original)
            for module in list(sys.modules.values()):
                if not getattr(module, "__name__", "").startswith("oppnaogon"):
                    continue
                for attr, value in list(vars(module).items()):
                    if value is original:
                        patches.append((module, attr, original))
                        setattr(module, attr, wrapper)
    try:
        yield times, errors
    finally:
        for module, attr, original in reversed(patches):
            setattr(module, attr, original)


# --- report -----------------------------------------------------------------------------------------


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def others_text(others: list[float]) -> str:
    return f"{max(others):.2f}" if others else "–"


def load_text() -> str:
    """The load average over 1, 5 and 15 minutes, e.g. `1.52 / 1.10 / 0.90`."""
    if not hasattr(os, "getloadavg"):
        return "n/a"
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def machine_lines() -> list[str]:
    import polars as pl

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
        f"- Load average (1 / 5 / 15 min) as the report was written: {load_text()} "
        "(other work may share the cores; compare minimum wall times)",
    ]


def write_report(report: str, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report, encoding="utf-8")
    print(report)
    print(f"Written to {output}", file=sys.stderr)
