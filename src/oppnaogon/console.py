"""Terminal output (Rich). Formats results that were computed elsewhere; computes nothing itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from oppnaogon.normalise import EXCLUSION_LABELS_SV

if TYPE_CHECKING:
    from oppnaogon.check import CheckResult
    from oppnaogon.errors import OppnaogonError

SEX_LABELS_SV = {
    "female": "kvinnor/flickor",
    "male": "män/pojkar",
    "other": "annat kön",
    "unknown": "okänt kön",
}
ROLE_LABELS_SV = {
    "sex": "kön",
    "age": "ålder",
    "birth_date": "födelsedatum (ger ålder)",
    "birth_year": "födelseår (ger ålder)",
    "birth_country": "födelseland (grupperas i regioner)",
    "birth_region": "födelseregion",
    "residence": "bostadsort/stadsdel",
    "municipality": "kommun",
    "date": "datum (ger period)",
    "unused": "används inte",
}


def _role_label(role: str) -> str:
    if role.startswith("outcome:"):
        return f"utfall ({role.split(':', 1)[1]})"
    if role.startswith("criterion:"):
        return f"kriterium: {role.split(':', 1)[1]}"
    return ROLE_LABELS_SV.get(role, role)


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}\u00a0%".replace(".", ",")


def print_check(result: CheckResult, console: Console | None = None) -> None:
    console = console or Console()
    data = result.to_dict()
    p = result.prepared
    source = [f"{data['file']} ({data['format']}"]
    if data["encoding"]:
        delimiter = {";": "semikolon", ",": "komma", "\t": "tabb"}.get(
            data["delimiter"] or "", data["delimiter"]
        )
        source.append(f", {data['encoding']}, avgränsare {delimiter}")
    console.print(f"[bold]Fil:[/bold] {''.join(source)})")
    console.print(f"[bold]Konfiguration:[/bold] {data['config'] or 'ingen (roller gissade från rubrikerna)'}")
    console.print(
        f"[bold]Rader:[/bold] {_number(data['rows'])} lästa, {_number(data['rows_usable'])} användbara"
        + (
            f", {_number(data['blank_rows_skipped'])} tomma rader hoppades över"
            if data["blank_rows_skipped"]
            else ""
        )
    )
    if p.exclusions:
        table = Table(title="Uteslutna rader", title_justify="left")
        table.add_column("Skäl")
        table.add_column("Antal", justify="right")
        table.add_column("Första raderna i filen")
        for reason, count in p.exclusions.items():
            lines = ", ".join(str(v) for v in p.exclusion_lines.get(reason, ()))
            table.add_row(EXCLUSION_LABELS_SV.get(reason, reason), _number(count), lines)
        console.print(table)

    roles = Table(title="Kolumner", title_justify="left")
    roles.add_column("Rubrik")
    roles.add_column("Roll")
    for header, role in data["columns"].items():
        roles.add_row(header, _role_label(role), style="dim" if role == "unused" else None)
    console.print(roles)
    console.print(
        f"[bold]Åldersgrupper:[/bold] {', '.join(data['age_bands']['labels'])} ({data['age_bands']['source']})"
    )

    if data["periods"]:
        labels = list(data["periods"])
        span = labels[0] if len(labels) == 1 else f"{labels[0]}–{labels[-1]}"
        console.print(
            f"[bold]Perioder:[/bold] {span} ({len(labels)} st, rader per period "
            f"{_number(min(data['periods'].values()))}–{_number(max(data['periods'].values()))})"
        )

    sexes = Table(
        title="Antal per kön (användbara rader, ej röjandeskyddade: endast för analytikern)",
        title_justify="left",
    )
    for sex in data["by_sex"]:
        sexes.add_column(SEX_LABELS_SV[sex], justify="right")
    sexes.add_row(*[_number(n) for n in data["by_sex"].values()])
    console.print(sexes)

    if data["missing_by_sex"]:
        missing = Table(title="Andel saknade värden per kön", title_justify="left")
        missing.add_column("Kolumn")
        shown = [s for s, n in data["by_sex"].items() if n]
        for sex in shown:
            missing.add_column(SEX_LABELS_SV[sex], justify="right")
        for header, shares in data["missing_by_sex"].items():
            missing.add_row(header, *[_share(shares[s]) for s in shown])
        console.print(missing)
    for note in data["notes"]:
        console.print(f"[yellow]Obs:[/yellow] {note}", markup=True, highlight=False)
    console.print(
        "[green]Filen går att analysera.[/green]"
        if data["rows_usable"]
        else "[red]Inga användbara rader.[/red]"
    )


def print_error(error: OppnaogonError, console: Console | None = None) -> None:
    console = console or Console(stderr=True)
    # soft_wrap: no line breaks inserted, so log files and terminals keep each sentence whole
    console.print(f"[bold red]{error.title}:[/bold red] {error.message}", highlight=False, soft_wrap=True)
    if error.hint:
        console.print(error.hint, highlight=False, soft_wrap=True)
