"""`oppnaogon batch`: many municipalities (units) in one run, each with its own report, and an overview.

One file with a municipality column is read and normalised once, and all its units are analysed in one
set of Polars passes over the rows, the municipality being one more grouping key (`analyse_units`; so
are the earlier periods of `--period`); several files (or a folder) are one unit each. Every unit gets
what `analyse` of its rows alone would give, with its own tests and disclosure control, written
atomically into its own folder, named by a safe slug of its kommunkod and name: a unit called
`../../x` cannot write outside `--out`.
Reports are rendered in parallel (`--jobs`). A unit that fails (too few rows, no outcome …) is
recorded with its reason and the others are still written; the exit code is then 5.

The overview compares each unit's whole-group difference with the region's in a funnel chart, so that
a small unit's noisy figure is not over-read. The region is the rows of the published units only: a unit
that failed (too few rows, an analysis or writing error) and rows without a municipality are left out of
it, so that region minus the published units tells nothing about them. A regional figure is shown only
where every unit shows its own, so the region and the other units never give away a unit's hidden cell
(see overview.py). A failed unit's row count is published (batch.json, the terminal, the log) only when
it is at least `min_cell`; otherwise it is said as "färre än N".
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
from typing import TYPE_CHECKING, Any

from oppnaogon.app.settings import RunSettings
from oppnaogon.errors import ExitCode, OppnaogonError, UsageError
from oppnaogon.model.reasons import reason_text
from oppnaogon.model.units import UnitResult
from oppnaogon.present.outputs import BATCH_FORMATS

if TYPE_CHECKING:
    import polars as pl

PARTIAL_EXIT = int(ExitCode.PARTIAL)
DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet")
SUMMARY_FILE = "batch.json"
OVERVIEW_FOLDER = "oversikt"


@dataclass(frozen=True)
class BatchRun:
    units: tuple[UnitResult, ...]
    overview: dict[str, Any]
    out: Path
    notes: tuple[str, ...] = ()

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
    settings: RunSettings | None = None,
    formats: tuple[str, ...] | None = None,
    period: str | None = None,
    min_cell: int | None = None,
    lang: str | None = None,
    templates: str | Path | None = None,
    jobs: int = 1,
) -> BatchRun:
    """Analyse every unit of `inputs` and write one folder per unit plus `oversikt/` and `batch.json`
    into `out`, atomically (a crash leaves the previous batch in place). `settings` are checked as
    `analyse`'s are (the same `RunSettings`); without them, they are built from the keywords (`formats`
    defaults to html and json here); give one or the other."""
    from oppnaogon.io.files import output_lock

    options = (formats, period, min_cell, lang, templates)
    if settings is not None and any(option is not None for option in options):
        raise TypeError("run_batch: give either settings or the options they are built from, not both")
    if by.strip().lower() in ("kommun", "kommunkod"):
        by = "municipality"
    if by != "municipality":
        raise UsageError(f"--by {by} känns inte igen.", "Dela upp per kommun: --by municipality (kommun).")
    if settings is None:  # the same check as analyse's, before anything is read or written
        settings = RunSettings.from_options(
            formats=BATCH_FORMATS if formats is None else formats,
            period=period,
            min_cell=min_cell,
            lang=lang,
            templates=templates,
        )
    if jobs < 1:
        raise UsageError("--jobs måste vara minst 1.", "Ange antalet rapporter som får skrivas samtidigt.")
    from oppnaogon.io.privacy import guard_paths

    guard_paths(list(inputs), out)  # before any message names them
    files = data_files(inputs)
    guard_paths(files)  # the files found in a folder: their names become units' names
    out = Path(out)
    from oppnaogon.app.analyse import _check_output_folder

    for file in files:  # the same checks as analyse: never over a foreign folder or the data itself
        _check_output_folder(out, file)
    from oppnaogon.present.overview import build_overview

    loaded = _guarded_inputs(files, config, settings)
    with output_lock(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            with _UnitWriter(staging, settings, jobs) as writer:
                units, parts, notes = _analyse_units(files, config, settings, writer.submit, loaded)
            # after every unit's folder is written: a unit whose writing failed is no part of the region
            overview = build_overview(units, _region(parts))
            _finish(staging, out, units, overview, settings.lang)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BatchRun(units=tuple(units), overview=overview, out=out, notes=tuple(notes))


def _guarded_inputs(
    files: list[Path], config: str | Path | None, settings: RunSettings
) -> dict[Path, tuple[Any, Any]]:
    """Read and guard every file before the output lock is taken and a folder is made: a refused extract
    (exit 4) leaves the output path as it was. One file (a region with a municipality column, the usual
    batch) is kept for the analysis; of several, each is read again when its turn comes, so that memory
    stays that of one file (reading small files twice costs little beside analysing them). A period off
    a file's period grid is refused here too (rule R4)."""
    from oppnaogon.prepare.inputs import find_config, load_input

    kept: dict[Path, tuple[Any, Any]] = {}
    for file in files:
        loaded = load_input(file, find_config(file, Path(config) if config else None))
        settings.check_period_grid(loaded[1])
        if len(files) == 1:
            kept[file] = loaded
        del loaded
    return kept


class _UnitWriter:
    """Writes each unit's folder as soon as the unit is analysed (in worker processes with --jobs > 1),
    then keeps only the unit's whole-group figures for the overview: memory stays that of one unit,
    not of every unit's findings at once."""

    def __init__(self, staging: Path, settings: RunSettings, jobs: int):
        self.staging = staging
        self.formats, self.lang, self.templates = settings.formats, settings.lang, settings.templates
        self.pool: Any = None
        if jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=jobs)
        self.pending: list[tuple[UnitResult, Any]] = []

    def submit(self, unit: UnitResult) -> None:
        folder = self.staging / unit.slug
        # a unit's folder must stay inside the batch folder, whatever its name
        assert folder.resolve().parent == self.staging.resolve()
        assert unit.document is not None and unit.manifest is not None  # a unit that was analysed
        task = (folder, unit.document, unit.manifest, self.formats, self.lang, self.templates)
        outcome = self.pool.submit(_write_unit, task) if self.pool else _write_unit(task)
        self.pending.append((unit, outcome))
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
        "confidence": document["settings"].get("confidence"),  # the level of its intervals, for their SE
    }


@dataclass(frozen=True)
class _RegionPart:
    """One file's share of the region: its prepared rows, the column that splits them into units (None:
    the file is one unit) and its units by that column's value."""

    prepared: Any
    cfg: Any
    settings: Any
    by: str | None
    units: dict[str | None, UnitResult]


def _analyse_units(
    files: list[Path],
    config: str | Path | None,
    run: RunSettings,
    on_unit: Callable[[UnitResult], None],
    loaded: dict[Path, tuple[Any, Any]] | None = None,
) -> tuple[list[UnitResult], list[_RegionPart], list[str]]:
    """Read and prepare each file once; split a file with several municipalities into its units in one
    pass; analyse every unit. Returns the units, each file's rows for the region (`_region`, once every
    unit's fate is known) and notes on how the run went that are no unit's failure."""
    import polars as pl

    from oppnaogon.app.analyse import file_sha256, select_period
    from oppnaogon.model.geography import kommuner
    from oppnaogon.prepare.inputs import find_config, load_input
    from oppnaogon.prepare.normalise import prepare

    used: set[str] = set()
    units: list[UnitResult] = []
    notes: list[str] = []
    parts: list[_RegionPart] = []
    for file in files:
        config_path = find_config(file, Path(config) if config else None)
        # read (and guarded) already by `_guarded_inputs`, or read again here
        table, cfg = loaded.pop(file) if loaded and file in loaded else load_input(file, config_path)
        # each municipality is a unit of its own (refused below when too small), never pooled
        settings = run.thresholds(cfg)
        whole = prepare(table, cfg, min_cell=settings.min_cell, pool_municipalities=False)
        del table  # the raw rows: normalised now, and only memory from here on
        prepared, selected = select_period(whole, run.period, cfg.period)
        frame = prepared.frame
        split = "municipality" in frame.columns and (len(files) == 1 or frame["municipality"].n_unique() > 1)
        if split:
            if frame["municipality"].null_count():
                name = f"{file.name}: kommun saknas"
                unit = UnitResult(
                    name,
                    None,
                    safe_slug("kommun-saknas", used),
                    frame["municipality"].null_count(),
                    settings.min_cell,
                )
                unit.status, unit.reason = "failed", reason_text("rows_without_municipality", "sv")
                units.append(unit)
            counts = frame.filter(pl.col("municipality").is_not_null()).group_by(
                pl.col("municipality").cast(pl.String)
            )
            pieces = sorted(counts.len().iter_rows())
        else:
            single = None
            if "municipality" in frame.columns and frame["municipality"].n_unique() == 1:
                only = frame["municipality"].drop_nulls().first()  # None: the column is empty
                single = str(only) if only is not None else None
            pieces = [(single, frame.height)]
        file_units: dict[str | None, UnitResult] = {}
        for value, rows in pieces:
            code, name = _identity(value, kommuner()) if value else (None, file.stem)
            slug = safe_slug(f"{code}-{name}" if code else name, used)
            unit = UnitResult(name=name, code=code, slug=slug, rows=rows, min_cell=settings.min_cell)
            units.append(unit)
            file_units[value if split else None] = unit
        context = _FileContext(
            file, config_path, cfg, settings, prepared, whole, selected, file_sha256(file), notes
        )
        by = "municipality" if split else None
        _file_documents(context, file_units, by, on_unit)
        parts.append(_RegionPart(prepared, cfg, settings, by, file_units))
    return units, parts, notes


def _region(parts: list[_RegionPart]) -> dict[str, Any] | None:
    """The region for the overview: the rows of the published units, analysed together (None when no
    unit is published).

    Only published units: the rows of a failed unit (too few rows, an analysis or writing error) and the
    rows without a municipality are left out, so that every regional figure is a sum of published
    units' figures and region minus units is exactly nothing. The alternative, keeping those rows as a
    hidden remainder of the region's disclosure control, would have to hide every regional cell the
    remainder could be subtracted from (with a fully published set of units: all of them) and still
    leave an interval around a remainder of one to four persons; leaving them out costs the region only
    rows that no report describes anyway, and the overview says that they are left out."""
    import polars as pl

    from oppnaogon.analysis.differences import analyse
    from oppnaogon.app.analyse import criteria_area_for

    frames = []
    for part in parts:
        published = [value for value, unit in part.units.items() if unit.status == "ok"]
        frame = part.prepared.frame
        if not published:
            continue
        if part.by is not None:
            column = frame.get_column(part.by)
            if len(published) < len(part.units) or column.null_count():
                frame = frame.filter(pl.col(part.by).cast(pl.String).is_in(published))
        frames.append(frame)
    if not frames:
        return None
    first = next(p for p in parts if any(u.status == "ok" for u in p.units.values()))
    frame = _region_frame(frames) if len(frames) > 1 else frames[0]
    findings = analyse(
        dataclasses.replace(first.prepared, frame=frame), first.settings, criteria_area_for(first.cfg.area)
    )
    return {"descriptives": findings.descriptives, "differences": findings.differences, "rows": frame.height}


def _region_frame(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The prepared rows of several files as one frame. A text column has categories of its own in each
    file (or is an Enum of its values, from a large Parquet file): moved into the shared categories to
    stack them. Enums that are the same in every file (sex, age band) stay as they are."""
    import polars as pl

    def text(dtype: pl.DataType | None) -> bool:
        return isinstance(dtype, pl.Categorical | pl.Enum)

    schemas = [f.schema for f in frames]  # built anew on every access: once per frame
    types: dict[str, set[pl.DataType]] = {}
    for schema in schemas:
        for c, t in schema.items():
            types.setdefault(c, set()).add(t)
    shared = {c for c, ts in types.items() if len(ts) > 1 and any(text(t) for t in ts)}
    return pl.concat(
        [
            f.with_columns(
                pl.col(c).cast(pl.Categorical)
                for c, t in schema.items()
                if c in shared or isinstance(t, pl.Categorical)
            )
            for f, schema in zip(frames, schemas, strict=True)
        ],
        how="vertical_relaxed",
    )


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


@dataclass(frozen=True)
class _FileContext:
    """One input file of a batch, read, normalised and cut to the period (`prepared`; `whole`: every
    period, for the comparison and the trend)."""

    file: Path
    config_path: Path | None
    cfg: Any
    settings: Any
    prepared: Any
    whole: Any
    selected: Any
    sha: str
    notes: list[str]  # the batch's notes, added to


def _file_documents(
    context: _FileContext,
    file_units: dict[str | None, UnitResult],
    by: str | None,
    on_unit: Callable[[UnitResult], None],
) -> None:
    """findings.json and the manifest of every unit of one file (the value of column `by`; None: the
    whole file is one unit), as `analyse` would write them for the unit alone, then `on_unit` for each.

    All units are analysed together (`analyse_units`: one set of passes over the rows, not one analysis
    per unit). Should that fail, each unit is analysed alone, so that only the unit at fault fails."""
    import polars as pl

    prepared, settings = context.prepared, context.settings
    usable: dict[str | None, UnitResult] = {}
    for value, unit in file_units.items():
        if not prepared.outcomes:
            unit.status, unit.reason = "failed", _reason(_NO_OUTCOMES)
        elif unit.rows < settings.min_cell:
            unit.status, unit.reason = "failed", _reason(_too_few(settings.min_cell))
        else:
            usable[value] = unit
    if not usable:
        return
    frame = prepared.frame
    if by is not None:
        frame = frame.filter(pl.col(by).cast(pl.String).is_in(list(usable)))
    try:
        documents = _joint_documents(context, frame, usable, by)
    except OppnaogonError as error:
        if len(usable) == 1:
            for unit in usable.values():
                unit.status, unit.reason = "failed", _reason(error)
        else:  # each unit alone: only the one at fault fails
            context.notes.append(
                f"{context.file.name}: enheterna kunde inte analyseras tillsammans ({_reason(error)}); "
                "de analyserades var för sig."
            )
            for value, unit in usable.items():
                _file_documents(context, {value: unit}, by, on_unit)
        return
    for value, unit in usable.items():
        unit.document, unit.manifest = documents[value], _manifest(context, documents[value])
        on_unit(unit)


def _joint_documents(
    context: _FileContext, frame: Any, usable: dict[str | None, UnitResult], by: str | None
) -> dict[str | None, dict[str, Any]]:
    """findings.json of every unit in `usable` (its rows of `frame`), analysed together."""
    import dataclasses

    from oppnaogon.analysis.differences import analyse_units
    from oppnaogon.app.analyse import criteria_area_for, population_age_groups

    settings = context.settings
    area = criteria_area_for(context.cfg.area)
    findings = analyse_units(dataclasses.replace(context.prepared, frame=frame), by, settings, area)
    age_groups = population_age_groups(frame, by)
    documents = {
        value: _unit_document(context, findings[value], unit.rows, age_groups[value])
        for value, unit in usable.items()
    }
    if context.selected is not None:
        from oppnaogon.app.analyse import period_histories

        histories = period_histories(context.whole, context.selected, documents, settings, by)
        for value, document in documents.items():
            document["comparison"], document["trend"] = histories[value]
    return documents


_NO_OUTCOMES = UsageError("Inga utfall att analysera.", "Ange utfall i oppnaogon.toml under [outcomes.NAMN].")


def _too_few(min_cell: int) -> UsageError:
    """A unit below the limit: how many rows it has would tell how many persons, so only that they are
    fewer than the limit is said."""
    return UsageError(
        f"Enheten har färre än {min_cell} användbara rader (röjandegränsen): inget kan redovisas.",
        "Slå ihop enheter eller perioder.",
    )


def _reason(error: OppnaogonError) -> str:
    return f"{error.message} {error.hint or ''}".strip()


def _unit_document(context: _FileContext, findings: Any, rows: int, age_group: str) -> dict[str, Any]:
    """findings.json of one unit (its rows of the file: `rows`), as `analyse` would write it."""
    import dataclasses

    from oppnaogon.app.analyse import findings_document, period_document

    # the unit's own counts: it was read alone, with nothing excluded
    prepared = dataclasses.replace(
        context.prepared,
        frame=context.prepared.frame.head(0),
        rows_read=rows,
        exclusions={},
        exclusion_lines={},
    )
    label = context.selected.label if context.selected is not None else None
    document = findings_document(
        context.file,
        prepared,
        findings,
        context.settings,
        context.cfg.area,
        label,
        sha=context.sha,
        age_group=age_group,
        grid=context.cfg.period,
    )
    if context.selected is not None:
        document["period"] = period_document(context.selected, document)
    return document


def _manifest(context: _FileContext, document: dict[str, Any]) -> dict[str, Any]:
    from oppnaogon import __version__
    from oppnaogon.app.analyse import file_sha256
    from oppnaogon.present.outputs import run_time

    return {
        "tool": {"name": "oppnaogon", "version": __version__},
        "created": run_time().isoformat(),
        "input": {"file": context.file.name, "sha256": document["input"]["sha256"]},
        "config": {
            "file": context.config_path.name if context.config_path else None,
            "sha256": file_sha256(context.config_path) if context.config_path else None,
        },
        "settings": document["settings"],
    }


def _write_unit(
    args: tuple[Path, dict[str, Any], dict[str, Any], tuple[str, ...], str, Path | None],
) -> str | None:
    """Write one unit's folder (in a worker process when --jobs > 1); returns an error text or None."""
    from oppnaogon.present.outputs import typed, write_outputs

    folder, document, manifest, formats, lang, templates = args
    try:
        # findings.json is its typed model's (model.findings), as analyse writes it
        write_outputs(folder, typed(document), manifest, formats, lang=lang, templates=templates)
    except OppnaogonError as error:
        return _reason(error)
    return None


def _finish(staging: Path, out: Path, units: list[UnitResult], overview: dict[str, Any], lang: str) -> None:
    """The overview, batch.json and the manifest into the staging folder, then the folder into place."""
    from oppnaogon.io.files import replace_folder
    from oppnaogon.present.outputs import run_time, to_json
    from oppnaogon.present.overview import write_overview

    write_overview(staging / OVERVIEW_FOLDER, overview, lang)
    summary = {
        "tool": {"name": "oppnaogon"},
        "created": run_time().isoformat(),
        "units": [u.summary() for u in units],
        "failed": sum(1 for u in units if u.status != "ok"),
    }
    (staging / SUMMARY_FILE).write_text(to_json(summary), encoding="utf-8")
    # the marker replace_folder looks for: this folder holds an oppnaogon run and may be replaced
    manifest = {"tool": {"name": "oppnaogon"}, "created": summary["created"], "files": [SUMMARY_FILE]}
    (staging / "manifest.json").write_text(to_json(manifest), encoding="utf-8")
    replace_folder(staging, out)
