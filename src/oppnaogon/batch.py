"""`oppnaogon batch`: many municipalities (units) in one run, each with its own report, and an overview.

One file with a municipality column is read and normalised once and split into its units in one pass
(`partition_by`); several files (or a folder) are one unit each. Every unit is analysed like `analyse`
would analyse it alone, with its own disclosure control, and written atomically into its own folder,
named by a safe slug of its kommunkod and name: a unit called `../../x` cannot write outside `--out`.
Reports are rendered in parallel (`--jobs`). A unit that fails (too few rows, no outcome …) is
recorded with its reason and the others are still written; the exit code is then 5.

The overview compares each unit's whole-group difference with the region's in a funnel chart, so that
a small unit's noisy figure is not over-read. A regional figure is shown only where every unit shows
its own, so the region and the other units never give away a unit's hidden cell (see overview.py).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oppnaogon.errors import ExitCode, OppnaogonError, UsageError

PARTIAL_EXIT = int(ExitCode.PARTIAL)
DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet")
SUMMARY_FILE = "batch.json"
OVERVIEW_FOLDER = "oversikt"


@dataclass
class UnitResult:
    name: str
    code: str | None
    slug: str
    rows: int
    status: str = "ok"
    reason: str | None = None
    document: dict[str, Any] | None = None
    manifest: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": self.code,
            "folder": self.slug,
            "rows": self.rows,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class BatchRun:
    units: tuple[UnitResult, ...]
    overview: dict[str, Any]
    out: Path

    @property
    def failed(self) -> list[UnitResult]:
        return [u for u in self.units if u.status != "ok"]


def safe_slug(text: str, used: set[str]) -> str:
    """A folder name from a unit's name or code: lower-case ASCII letters, digits and dashes only (so
    never `..`, a slash or a drive), at most 60 characters, unique among `used`."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60].strip("-") or "enhet"
    candidate, number = slug, 2
    while candidate in used:
        candidate = f"{slug}-{number}"
        number += 1
    used.add(candidate)
    return candidate


def data_files(inputs: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in DATA_SUFFIXES and p.is_file())
            if not found:
                raise UsageError(
                    f"Mappen {path} har inga datafiler.", f"Filer som läses: {', '.join(DATA_SUFFIXES)}."
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path} finns inte.", "Kontrollera sökvägen.")
    return files


def run_batch(
    inputs: Sequence[str | Path],
    *,
    out: str | Path,
    by: str = "municipality",
    config: str | Path | None = None,
    formats: tuple[str, ...] = ("html", "json"),
    period: str | None = None,
    min_cell: int | None = None,
    lang: str = "sv",
    templates: str | Path | None = None,
    jobs: int = 1,
) -> BatchRun:
    """Analyse every unit of `inputs` and write one folder per unit plus `oversikt/` and `batch.json`
    into `out`, atomically (a crash leaves the previous batch in place)."""
    from oppnaogon.files import output_lock
    from oppnaogon.outputs import ALL_FORMATS

    if by.strip().lower() in ("kommun", "kommunkod"):
        by = "municipality"
    if by != "municipality":
        raise UsageError(f"--by {by} känns inte igen.", "Dela upp per kommun: --by municipality (kommun).")
    unknown = [f for f in formats if f not in ALL_FORMATS]
    if unknown:
        raise UsageError(
            f"Formatet {', '.join(unknown)} finns inte.", f"Välj bland: {', '.join(ALL_FORMATS)}."
        )
    if jobs < 1:
        raise UsageError("--jobs måste vara minst 1.", "Ange antalet rapporter som får skrivas samtidigt.")
    files = data_files(inputs)
    out = Path(out)
    from oppnaogon.run import _check_output_folder

    for file in files:  # the same checks as analyse: never over a foreign folder or the data itself
        _check_output_folder(out, file)
    from oppnaogon.overview import build_overview

    with output_lock(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            with _UnitWriter(staging, formats, lang, Path(templates) if templates else None, jobs) as writer:
                units, region = _analyse_units(files, config, period, min_cell, writer.submit)
            overview = build_overview(units, region)
            _finish(staging, out, units, overview, lang)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BatchRun(units=tuple(units), overview=overview, out=out)


class _UnitWriter:
    """Writes each unit's folder as soon as the unit is analysed (in worker processes with --jobs > 1),
    then keeps only the unit's whole-group figures for the overview: memory stays that of one unit,
    not of every unit's findings at once."""

    def __init__(self, staging: Path, formats: tuple[str, ...], lang: str, templates: Path | None, jobs: int):
        self.staging, self.formats, self.lang, self.templates = staging, formats, lang, templates
        self.pool: Any = None
        if jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=jobs)
        self.pending: list[tuple[UnitResult, Any]] = []

    def submit(self, unit: UnitResult) -> None:
        folder = self.staging / unit.slug
        # a unit's folder must stay inside the batch folder, whatever its name
        assert folder.resolve().parent == self.staging.resolve()
        task = (folder, unit.document, unit.manifest, self.formats, self.lang, self.templates)
        outcome = self.pool.submit(_write_unit, task) if self.pool else _write_unit(task)
        self.pending.append((unit, outcome))
        assert unit.document is not None
        unit.document = _slim(unit.document)
        unit.manifest = None

    def __enter__(self) -> _UnitWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            for unit, outcome in self.pending:
                error = outcome.result() if self.pool else outcome
                if error:
                    unit.status, unit.reason = "failed", error
        finally:
            if self.pool:
                self.pool.shutdown(cancel_futures=True)


def _slim(document: dict[str, Any]) -> dict[str, Any]:
    """What the overview needs of a unit: its outcomes and whole-group figures."""
    return {
        "outcomes": document["outcomes"],
        "descriptives": [d for d in document["descriptives"] if not d["breakdown"]],
        "differences": [d for d in document["differences"] if not d["breakdown"]],
    }


def _analyse_units(
    files: list[Path],
    config: str | Path | None,
    period: str | None,
    min_cell: int | None,
    on_unit: Callable[[UnitResult], None],
) -> tuple[list[UnitResult], dict[str, Any] | None]:
    """Read and prepare each file once; split a file with several municipalities into its units in one
    pass; analyse every unit, and the region (all rows) for the overview."""
    import polars as pl

    from oppnaogon.analysis import AnalysisSettings, analyse
    from oppnaogon.check import find_config, load_input
    from oppnaogon.geography import kommuner
    from oppnaogon.normalise import prepare
    from oppnaogon.run import _select_period, criteria_area_for, file_sha256

    used: set[str] = set()
    units: list[UnitResult] = []
    parts: list[tuple[UnitResult, Any, Any, Path, Any, tuple[Any, Any], str]] = []
    region_frames = []
    region_base = None
    for file in files:
        config_path = find_config(file, Path(config) if config else None)
        table, cfg = load_input(file, config_path)
        whole = prepare(table, cfg)
        prepared, selected = _select_period(whole, period, cfg.period)
        sha = file_sha256(file)  # once per file, however many units it holds
        frame = prepared.frame
        # each unit's report sets its period beside its own earlier periods: the unit's rows of the
        # whole file, split in the same one pass
        history: dict[str | None, pl.DataFrame] = {}
        if selected is not None:
            if "municipality" in whole.frame.columns:
                history = {
                    str(key[0]): part
                    for key, part in whole.frame.filter(pl.col("municipality").is_not_null())
                    .partition_by("municipality", as_dict=True)
                    .items()
                }
            history[None] = whole.frame
        split = "municipality" in frame.columns and (len(files) == 1 or frame["municipality"].n_unique() > 1)
        if split:
            if frame["municipality"].null_count():
                name = f"{file.name}: kommun saknas"
                unit = UnitResult(
                    name, None, safe_slug("kommun-saknas", used), frame["municipality"].null_count()
                )
                unit.status, unit.reason = "failed", "raderna saknar kommun"
                units.append(unit)
            groups = frame.filter(pl.col("municipality").is_not_null()).partition_by(
                "municipality", as_dict=True, maintain_order=True
            )
            pieces = sorted(((str(key[0]), part) for key, part in groups.items()), key=lambda kv: kv[0])
        else:
            single = None
            if "municipality" in frame.columns and frame["municipality"].n_unique() == 1:
                single = str(frame["municipality"].drop_nulls().first())
            pieces = [(single, frame)]
        for value, part in pieces:
            code, name = _identity(value, kommuner()) if value else (None, file.stem)
            slug = safe_slug(f"{code}-{name}" if code else name, used)
            unit = UnitResult(name=name, code=code, slug=slug, rows=part.height)
            units.append(unit)
            unit_prepared = dataclasses.replace(
                prepared, frame=part, rows_read=part.height, exclusions={}, exclusion_lines={}
            )
            unit_whole = None
            if selected is not None:
                rows = history[value] if split else history[None]
                unit_whole = dataclasses.replace(unit_prepared, frame=rows)
            parts.append((unit, unit_prepared, cfg, file, config_path, (selected, unit_whole), sha))
        region_frames.append(frame)
        region_base = region_base or (prepared, cfg)
    for unit, unit_prepared, cfg, file, config_path, period_and_history, sha in parts:
        settings = AnalysisSettings(min_cell=min_cell if min_cell is not None else cfg.min_cell)
        try:
            unit.document, unit.manifest = _unit_document(
                unit_prepared, cfg, settings, file, config_path, period_and_history, sha
            )
        except OppnaogonError as error:
            unit.status, unit.reason = "failed", f"{error.message} {error.hint or ''}".strip()
            continue
        on_unit(unit)
    region = None
    ok = [u for u in units if u.status == "ok"]
    if ok and region_base is not None:
        prepared, cfg = region_base
        frame = (
            pl.concat(region_frames, how="vertical_relaxed") if len(region_frames) > 1 else region_frames[0]
        )
        settings = AnalysisSettings(min_cell=min_cell if min_cell is not None else cfg.min_cell)
        findings = analyse(dataclasses.replace(prepared, frame=frame), settings, criteria_area_for(cfg.area))
        region = {
            "descriptives": findings.descriptives,
            "differences": findings.differences,
            "rows": frame.height,
        }
    return units, region


def _identity(value: str, known: dict[str, str]) -> tuple[str | None, str]:
    """(kommunkod, name) of a unit's municipality value: a known code, a known name (any case), or
    neither (the value itself as the name, no code)."""
    if value in known:
        return value, known[value]
    folded = value.strip().casefold()
    for code, name in known.items():
        if name.casefold() == folded:
            return code, name
    return None, value


def _unit_document(
    prepared: Any,
    cfg: Any,
    settings: Any,
    file: Path,
    config_path: Path | None,
    period_and_history: tuple[Any, Any],
    sha: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """findings.json and the manifest of one unit, as `analyse` would write them for the unit alone
    (`period_and_history`: the selected period, if any, and the unit's rows of every period)."""
    from oppnaogon import __version__
    from oppnaogon.analysis import analyse
    from oppnaogon.outputs import run_time
    from oppnaogon.run import criteria_area_for, file_sha256, findings_document

    if not prepared.outcomes:
        raise UsageError("Inga utfall att analysera.", "Ange utfall i oppnaogon.toml under [outcomes.NAMN].")
    if prepared.rows_usable < settings.min_cell:
        raise UsageError(
            f"Enheten har bara {prepared.rows_usable} användbara rader, färre än röjandegränsen {settings.min_cell}.",
            "Slå ihop enheter eller perioder.",
        )
    findings = analyse(prepared, settings, criteria_area_for(cfg.area))
    period, history = period_and_history
    label = period.label if period is not None else None
    document = findings_document(file, prepared, findings, settings, cfg.area, label, sha=sha)
    if period is not None:
        from oppnaogon.run import period_document, period_history

        document["period"] = period_document(period, document)
        document["comparison"], document["trend"] = period_history(history, period, document, settings)
    manifest = {
        "tool": {"name": "oppnaogon", "version": __version__},
        "created": run_time().isoformat(),
        "input": {"file": file.name, "sha256": document["input"]["sha256"]},
        "config": {
            "file": config_path.name if config_path else None,
            "sha256": file_sha256(config_path) if config_path else None,
        },
        "settings": document["settings"],
    }
    return document, manifest


def _write_unit(
    args: tuple[Path, dict[str, Any], dict[str, Any], tuple[str, ...], str, Path | None],
) -> str | None:
    """Write one unit's folder (in a worker process when --jobs > 1); returns an error text or None."""
    from oppnaogon.outputs import write_outputs

    folder, document, manifest, formats, lang, templates = args
    try:
        write_outputs(folder, document, manifest, formats, lang=lang, templates=templates)
    except OppnaogonError as error:
        return f"{error.message} {error.hint or ''}".strip()
    return None


def _finish(staging: Path, out: Path, units: list[UnitResult], overview: dict[str, Any], lang: str) -> None:
    """The overview, batch.json and the manifest into the staging folder, then the folder into place."""
    from oppnaogon.outputs import _replace_folder, run_time, to_json
    from oppnaogon.overview import write_overview

    write_overview(staging / OVERVIEW_FOLDER, overview, lang)
    summary = {
        "tool": {"name": "oppnaogon"},
        "created": run_time().isoformat(),
        "units": [u.summary() for u in units],
        "failed": sum(1 for u in units if u.status != "ok"),
    }
    (staging / SUMMARY_FILE).write_text(to_json(summary), encoding="utf-8")
    # the marker _replace_folder looks for: this folder holds an oppnaogon run and may be replaced
    manifest = {"tool": {"name": "oppnaogon"}, "created": summary["created"], "files": [SUMMARY_FILE]}
    (staging / "manifest.json").write_text(to_json(manifest), encoding="utf-8")
    _replace_folder(staging, out)
