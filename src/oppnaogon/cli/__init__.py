"""The command line: each command parses its arguments, calls one library function and prints.

Heavy modules (polars, scipy, jinja2, rich tables) are imported inside the commands so that
`oppnaogon --help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from oppnaogon import __version__
from oppnaogon.cli.runlog import RunLog
from oppnaogon.errors import ExitCode, OppnaogonError
from oppnaogon.model.wording import LANGUAGES
from oppnaogon.present.outputs import BATCH_FORMATS, DEFAULT_FORMATS, format_help

app = typer.Typer(
    name="oppnaogon",
    help="Med öppna ögon: jämställdhetsanalys av individbaserad systematisk uppföljning (ISU) i socialtjänsten.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DataArgument = Annotated[
    Path, typer.Argument(help="Datafilen: .csv/.txt, .xlsx eller .parquet.", show_default=False)
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Konfigurationsfil (oppnaogon.toml). Annars används oppnaogon.toml bredvid datafilen eller i "
        "arbetsmappen, om en sådan finns.",
        show_default=False,
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Visa fullständig felinformation vid fel.")]
PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period", help="En period: 2026K3, 2026-Q3, 2026T2, 2026M05, 2026, 2025K4..2026K3 eller latest."
    ),
]
MinCellOption = Annotated[
    int | None, typer.Option("--min-cell", help="Röjandegräns: minsta gruppstorlek som visas (standard 5).")
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Ingen sammanfattning, bara fel (för cron och skript).")
]
LogFileOption = Annotated[
    Path | None,
    typer.Option(
        "--log-file", help="Lägg till loggrader i filen: vad som gjordes, hur det gick, fel. Aldrig data."
    ),
]


@contextmanager
def _user_errors(debug: bool, log: RunLog | None = None) -> Iterator[None]:
    """Expected errors → one clear paragraph on stderr and their exit code; bugs → exit 1, or a traceback.
    With a run log, the error is also logged (with its exit code)."""
    try:
        yield
    except OppnaogonError as error:
        if log is not None:
            log.error(f"exit {int(error.exit_code)}: {error.title}: {error.message} {error.hint or ''}")
        if debug:
            raise
        from oppnaogon.cli.console import print_error

        print_error(error)
        raise typer.Exit(int(error.exit_code)) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        if log is not None:
            log.error(f"exit {int(ExitCode.INTERNAL)}: internt fel {type(error).__name__}")
        if debug:
            raise
        print(
            f"Internt fel i oppnaogon {__version__}: {type(error).__name__}. Det är ett fel i verktyget, inte i "
            "dina data. Kör samma kommando med --debug och skicka utskriften (den innehåller inga data) "
            "till förvaltaren av verktyget.",
            file=sys.stderr,
        )
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _format_list(text: str) -> tuple[str, ...]:
    """`--format html, JSON,` as ("html", "json"): the run checks the names."""
    return tuple(f.strip().lower() for f in text.split(",") if f.strip())


def _version(value: bool) -> None:
    if value:
        print(f"oppnaogon {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Visa versionen och avsluta.")
    ] = False,
) -> None:
    """Med öppna ögon: jämställdhetsanalys av ISU-uttag."""


@app.command()
def check(
    data: DataArgument,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")] = False,
    debug: DebugOption = False,
) -> None:
    """Läs och kontrollera en datafil utan att skriva något: kolumnernas roller, uteslutna rader,
    antal per kön och saknade värden per kön.

    Exempel: oppnaogon check uttag.csv
    """
    with _user_errors(debug):
        from oppnaogon.app.check import run_check

        result = run_check(data, config)
        if as_json:
            import json

            print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            from oppnaogon.cli.console import print_check

            print_check(result)


@app.command()
def init(
    data: DataArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="Var konfigurationen skrivs.")] = Path(
        "oppnaogon.toml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Skriv över en befintlig fil.")] = False,
    debug: DebugOption = False,
) -> None:
    """Gissa kolumnernas roller och skriv en kommenterad oppnaogon.toml att redigera.

    Exempel: oppnaogon init uttag.xlsx
    """
    with _user_errors(debug):
        from oppnaogon.app.init import write_proposal

        written = write_proposal(data, output, force=force)
        print(
            f"Skrev {written}. Läs igenom och rätta den, och kör sedan: oppnaogon check {data} --config {written}"
        )


# analyse's and batch's --lang is checked by their RunSettings (in Swedish, as every setting is), so it
# is text here; the choices are shown as an Enum's would be
LANGUAGE_CHOICES = f"<{'|'.join(LANGUAGES)}>"


class Language(StrEnum):
    sv = "sv"
    en = "en"


@app.command()
def analyse(
    data: DataArgument,
    config: ConfigOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Mapp för resultatet.")] = Path(
        "oppnaogon-rapport"
    ),
    formats: Annotated[
        str, typer.Option("--format", help=f"Format, kommaseparerade. {format_help()}")
    ] = ",".join(DEFAULT_FORMATS),
    period: PeriodOption = None,
    min_cell: MinCellOption = None,
    min_diff: Annotated[
        float | None,
        typer.Option(
            "--min-diff", help="Minsta skillnad i procentenheter för att vara anmärkningsvärd (standard 5)."
        ),
    ] = None,
    lang: Annotated[
        str,
        typer.Option(
            "--lang", metavar=LANGUAGE_CHOICES, help="Rapportens språk: sv (svenska) eller en (engelska)."
        ),
    ] = "sv",
    templates: Annotated[
        Path | None,
        typer.Option(
            "--templates",
            help="Mapp med egna mallar (report.html.j2, report.md.j2, texts/labels.sv.toml …) som ersätter de medföljande.",
        ),
    ] = None,
    compare_with: Annotated[
        Path | None,
        typer.Option(
            "--compare-with",
            help="findings.json från en tidigare körning (eller dess mapp): har skillnaderna ökat, minskat eller är de oförändrade?",
        ),
    ] = None,
    quiet: QuietOption = False,
    log_file: LogFileOption = None,
    debug: DebugOption = False,
) -> None:
    """Steg 1 "Vad ser vi?": andelar och medelvärden per kön, för hela gruppen och per ålder,
    födelseregion, bostadsort och period, med skillnader, konfidensintervall och test. Små grupper döljs.

    Exempel: oppnaogon analyse uttag.csv --out rapport
    """
    log = RunLog(log_file, "analyse")
    with _user_errors(debug, log):
        import time

        from oppnaogon.app.analyse import run_analysis
        from oppnaogon.app.settings import RunSettings
        from oppnaogon.cli.console import print_analysis
        from oppnaogon.io.privacy import guard_paths

        guard_paths([data], out)  # a name holding a personnummer is never logged
        chosen = _format_list(formats)
        started = time.perf_counter()
        log.info(f"{data} -> {out} (format {','.join(chosen)}, period {period or '-'}, språk {lang})")
        settings = RunSettings.from_options(
            formats=chosen,
            period=period,
            min_cell=min_cell,
            min_diff_pp=min_diff,
            lang=lang,
            templates=templates,
        )
        result = run_analysis(data, config, out=out, settings=settings, compare_with=compare_with)
        noteworthy = sum(1 for d in result.findings["differences"] if d["noteworthy"])
        log.info(
            f"klar på {time.perf_counter() - started:.1f} s: "
            f"{result.findings['input']['rows_used'] or '..'} rader, "
            f"{noteworthy} anmärkningsvärda skillnader, {len(result.files)} filer i {out}"
        )
        if not quiet:
            print_analysis(result)


@app.command()
def batch(
    data: Annotated[
        list[Path],
        typer.Argument(
            help="En fil med en kommunkolumn, eller flera filer eller en mapp (en enhet per fil).",
            show_default=False,
        ),
    ],
    by: Annotated[
        str, typer.Option("--by", help="Dela upp per: municipality eller kommun.")
    ] = "municipality",
    config: ConfigOption = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Mapp för resultatet: en mapp per enhet och oversikt/.")
    ] = Path("oppnaogon-batch"),
    formats: Annotated[
        str, typer.Option("--format", help=f"Format per enhet, kommaseparerade. {format_help()}")
    ] = ",".join(BATCH_FORMATS),
    period: PeriodOption = None,
    min_cell: MinCellOption = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Antal rapporter som skrivs samtidigt.")] = 1,
    lang: Annotated[
        str, typer.Option("--lang", metavar=LANGUAGE_CHOICES, help="Rapporternas språk: sv eller en.")
    ] = "sv",
    quiet: QuietOption = False,
    log_file: LogFileOption = None,
    debug: DebugOption = False,
) -> None:
    """Många kommuner i en körning: en rapport per kommun och en översikt som jämför kommunerna med
    regionen i ett trattdiagram. Kommuner som inte kan analyseras redovisas; de andra skrivs ändå
    (slutkod 5).

    Exempel: oppnaogon batch region.csv --by municipality --out rapporter --jobs 2
    """
    log = RunLog(log_file, "batch")
    with _user_errors(debug, log):
        from oppnaogon.app.batch import PARTIAL_EXIT, run_batch
        from oppnaogon.app.settings import RunSettings
        from oppnaogon.io.privacy import guard_paths

        guard_paths(data, out)  # a name holding a personnummer is never logged
        chosen = _format_list(formats)
        log.info(f"{len(data)} indata -> {out} (per {by}, format {','.join(chosen)}, period {period or '-'})")
        settings = RunSettings.from_options(formats=chosen, period=period, min_cell=min_cell, lang=lang)
        result = run_batch(data, out=out, by=by, config=config, settings=settings, jobs=jobs)
        failed = result.failed
        log.info(
            f"klar: {len(result.units) - len(failed)} enheter skrivna, {len(failed)} misslyckades, i {out}"
        )
        for note in result.notes:
            log.info(note)
        for unit in failed:
            log.error(f"enheten {unit.name} ({unit.slug}): {unit.reason}")
        if not quiet:
            from oppnaogon.cli.console import print_batch

            print_batch(result)
        if failed:
            for unit in failed if quiet else []:
                print(f"{unit.name}: {unit.reason}", file=sys.stderr)
            raise typer.Exit(PARTIAL_EXIT)


criteria_app = typer.Typer(
    name="criteria",
    help="Visa kriterierna för omotiverade skillnader (Vård- och omsorgsanalys, som SKR presenterar dem).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(criteria_app)


@criteria_app.command("list")
def criteria_list(debug: DebugOption = False) -> None:
    """Lista verksamhetsområdena som har en kriterietabell: namn, instrument (BBIC, IBIC) och antal
    kriterier för beslut och för delaktighet.

    Exempel: oppnaogon criteria list
    """
    with _user_errors(debug):
        from oppnaogon.present.criteria_view import print_area_list

        print_area_list()


@criteria_app.command("show")
def criteria_show(
    area: Annotated[
        str, typer.Argument(help="Området, t.ex. barn_och_unga (se criteria list).", show_default=False)
    ],
    lang: Annotated[
        Language, typer.Option("--lang", help="Språk: sv (svenska) eller en (engelska).")
    ] = Language.sv,
    debug: DebugOption = False,
) -> None:
    """Visa ett områdes kriterier som SKR:s tabell 1 (beslut om insats) och tabell 2 (delaktighet):
    kriteriet, uppgifter som behövs och exempel på variabler med deras värden.

    Exempel: oppnaogon criteria show lss --lang en
    """
    with _user_errors(debug):
        from oppnaogon.present.criteria_view import show_area

        show_area(area, lang.value)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `oppnaogon` script; returns the exit code."""
    try:
        app(args=argv, prog_name="oppnaogon", standalone_mode=True)
    except SystemExit as exit_:
        return int(exit_.code or 0) if isinstance(exit_.code, int | None) else 1
    return 0
