"""`oppnaogon criteria list` and `criteria show`: the criteria tables printed for the terminal (Rich).

`show` follows the layout of SKR's Analysstöd, appendix tables 1 (decisions on interventions) and 2
(participation): for each criterion its name, the information needed and example variables with their
values. Texts come from the criteria files; only the headings are written here.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from oppnaogon.model.criteria import (
    CriteriaArea,
    Criterion,
    CriterionVariable,
    available_areas,
    find_area,
    load_area,
)

LANGUAGES = ("sv", "en")

_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "instrument": "Instrument",
        "decision_title": "Tabell 1: Kriterier, uppgifter som behövs och exempel på variabler för att analysera "
        "skillnad i beslut om insats",
        "decision_lead": "Skillnader i beslut om insatser är omotiverade om de inte förklaras av:",
        "participation_title": "Tabell 2: Kriterier, uppgifter som behövs och exempel på variabler för att "
        "analysera skillnad i delaktighet",
        "participation_lead": "Skillnader i delaktighet är omotiverade om de inte förklaras av:",
        "needed": "Uppgifter som behövs:",
        "variables": "Exempel på variabler:",
        "ordered": "(ordnade värden)",
        "not_explaining": "(förklarar aldrig en skillnad)",
        "note": "Obs:",
        "sources": "Källor:",
        "values_note": "",
        "config_hint": "Id:t inom hakparentes, t.ex. [need], är nyckeln i oppnaogon.toml: under [criteria] anger "
        'need = ["Kolumnens rubrik"] vilka kolumner som håller kriteriet.',
        "verdicts": "Så bedömer oppnaogon en skillnad: kvinnor och män (flickor och pojkar) med samma värden på "
        "kriterierna jämförs. Motiverad: det som återstår av skillnaden är visat mindre än gränsen (standard 5 "
        "procentenheter; hela osäkerhetsintervallet, 95 %, ligger inom ±gränsen). Delvis förklarad: kriterierna "
        "förklarar tydligt en del, men resten kan varken visas vara litet eller visas finnas kvar. Omotiverad: "
        "en tydlig skillnad på minst gränsen finns kvar, även med hänsyn till rapportens alla jämförelser, och "
        "alla kriterier är registrerade för minst hälften av gruppen. Kan inte avgöras: för lite data, för få "
        "personer (under 80 %) har någon av andra könet med samma värden att jämföras med, ett kriterium "
        "saknas, eller skillnaden förklaras bara i genomsnitt och går åt olika håll på olika nivåer (då jämförs "
        "varje nivå för sig, och rapporten visar var skillnaden finns). Kan inte bedömas: inget kriterium är "
        "registrerat för minst hälften av "
        "gruppen. Läs mer i docs/criteria.md.",
    },
    "en": {
        "instrument": "Instrument",
        "decision_title": "Table 1: Criteria, information needed and example variables for analysing differences "
        "in decisions on interventions",
        "decision_lead": "Differences in decisions on interventions are unmotivated unless explained by:",
        "participation_title": "Table 2: Criteria, information needed and example variables for analysing "
        "differences in participation",
        "participation_lead": "Differences in participation are unmotivated unless explained by:",
        "needed": "Information needed:",
        "variables": "Example variables:",
        "ordered": "(ordered values)",
        "not_explaining": "(never explains a difference)",
        "note": "Note:",
        "sources": "Sources:",
        "values_note": "Values are shown in Swedish, as they are recorded in the data.",
        "config_hint": "The id in brackets, e.g. [need], is the key in oppnaogon.toml: under [criteria], "
        'need = ["Column header"] names the columns that hold the criterion.',
        "verdicts": "How oppnaogon judges a difference: women and men (girls and boys) with the same values on "
        "the criteria are compared. Motivated: what remains of the difference is shown to be smaller than the "
        "threshold (5 percentage points by default; the whole 95 % uncertainty interval lies within ±the threshold). "
        "Partly explained: the criteria clearly explain a part, but the rest can be neither shown small nor "
        "shown to remain. Unmotivated: a clear difference of at least the threshold remains, also taking all "
        "the report's comparisons into account, and every criterion is recorded for at least half of the "
        "group. Cannot be decided: too little data, too few people (under 80 %) have someone of the other sex "
        "with the same values to be compared with, a criterion is missing, or the difference is explained only "
        "on average and goes different ways at different levels (each level is then compared on its own, and "
        "the report shows where the difference lies). Cannot be assessed: "
        "no criterion is recorded for at least half of the group. More in docs/criteria.md.",
    },
}


def print_area_list(console: Console | None = None) -> None:
    """One row per shipped area: id, Swedish name, instrument, number of decision/participation criteria."""
    console = console or Console()
    table = Table(
        title="Kriterietabeller för omotiverade skillnader: antal kriterier för beslut om insats och för "
        "delaktighet",
        title_justify="left",
    )
    table.add_column("Område", no_wrap=True)
    table.add_column("Namn")
    table.add_column("Instrument", no_wrap=True)
    table.add_column("Beslut", justify="right")
    table.add_column("Delaktighet", justify="right")
    for name in available_areas():
        area = load_area(name)
        table.add_row(
            area.area,
            area.name_sv,
            area.instrument or "–",
            str(len(area.applying_to("decision"))),
            str(len(area.applying_to("participation"))),
        )
    console.print(table)
    console.print("Visa en tabell med: oppnaogon criteria show OMRÅDE", highlight=False)


def show_area(name: str, lang: str = "sv", console: Console | None = None) -> None:
    """Print the criteria of the area `name` (see :func:`oppnaogon.model.criteria.find_area`) in `lang`."""
    print_area(load_area(find_area(name)), lang, console)


def print_area(area: CriteriaArea, lang: str = "sv", console: Console | None = None) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, not {lang!r}")
    console = console or Console()
    labels = _LABELS[lang]
    _block(console, Text(f"{_field(area, 'name', lang)} ({area.area})", style="bold"))
    if area.instrument:
        _block(console, Text(f"{labels['instrument']}: {area.instrument}"))
    if _field(area, "area_note", lang):
        console.print()
        _block(console, Text(_field(area, "area_note", lang), style="italic"))
    if labels["values_note"]:
        _block(console, Text(labels["values_note"], style="dim"))
    for kind in ("decision", "participation"):
        criteria = area.applying_to(kind)
        if not criteria:
            continue
        console.print()
        _block(console, Text(labels[f"{kind}_title"], style="bold underline"))
        _block(console, Text(labels[f"{kind}_lead"]))
        for number, criterion in enumerate(criteria, start=1):
            console.print()
            _print_criterion(console, number, criterion, lang)
    if area.sources:
        console.print()
        _block(console, Text(labels["sources"], style="bold"))
        for source in area.sources:
            _block(console, Text(source), marker="–")
    console.print()
    _block(console, Text(labels["verdicts"]))
    _block(console, Text(labels["config_hint"], style="dim"))


def _print_criterion(console: Console, number: int, criterion: Criterion, lang: str) -> None:
    labels = _LABELS[lang]
    title = Text(_field(criterion, "name", lang), style="bold")
    title.append(f"  [{criterion.id}]", style="dim")
    _block(console, title, marker=f"{number}.", marker_style="bold")
    _block(console, Text(labels["needed"], style="italic"), indent=3)
    for line in getattr(criterion, f"information_needed_{lang}"):
        _block(console, Text(line), indent=3, marker="–")
    if criterion.variables:
        _block(console, Text(labels["variables"], style="italic"), indent=3)
        for variable in criterion.variables:
            _block(console, Text(_field(variable, "question", lang)), indent=3, marker="–")
            _print_values(console, variable, criterion, lang, indent=5)
    if _field(criterion, "note", lang):
        _block(
            console,
            Text(_field(criterion, "note", lang)),
            indent=3,
            marker=labels["note"],
            marker_style="yellow",
        )


def _block(
    console: Console, body: Text, *, indent: int = 0, marker: str = "", marker_style: str = ""
) -> None:
    """Print `body` wrapped to the console's width, `indent` spaces in, after `marker` on the first line;
    wrapped lines are aligned after the marker and no line ends in spaces."""
    lead = indent + (len(marker) + 1 if marker else 0)
    lines = body.wrap(console, max(console.width - lead, 20))
    for index, line in enumerate(lines):
        line.rstrip()
        prefix = Text(" " * indent)
        if marker and index == 0:
            prefix.append(marker, style=marker_style)
            prefix.append(" ")
        elif marker:
            prefix.append(" " * (len(marker) + 1))
        console.print(prefix + line, soft_wrap=True)


def _print_values(
    console: Console, variable: CriterionVariable, criterion: Criterion, lang: str, indent: int
) -> None:
    """The values in the file's order: on one line (joined by → when ordered, by / otherwise) when they
    fit, else one per line (numbered when ordered). A value that never explains a difference is marked."""
    labels = _LABELS[lang]

    def value_text(value: str) -> Text:
        text = Text(value, style="cyan")
        if value in criterion.not_explaining_values:
            text.append(f" {labels['not_explaining']}", style="yellow")
        return text

    line = Text()
    for index, value in enumerate(variable.values):
        if index:
            line.append(" → " if variable.ordered else " / ", style="dim")
        line.append_text(value_text(value))
    if variable.ordered:
        line.append(f"  {labels['ordered']}", style="dim")
    if line.cell_len <= console.width - indent:
        _block(console, line, indent=indent)
        return
    for number, value in enumerate(variable.values, start=1):
        _block(console, value_text(value), indent=indent, marker=f"{number}." if variable.ordered else "·")


def _field(item: object, stem: str, lang: str) -> str:
    return getattr(item, f"{stem}_{lang}")
