"""Terminal output (Rich). Formats results that were computed elsewhere; computes nothing itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from oppnaogon.model.breakdowns import CATEGORY_BREAKDOWNS
from oppnaogon.model.sexes import sex_word
from oppnaogon.model.wording import THIN_SHARE
from oppnaogon.prepare.normalise import EXCLUSION_LABELS_SV
from oppnaogon.present.report import numbers

if TYPE_CHECKING:
    from oppnaogon.app.analyse import AnalysisRun
    from oppnaogon.app.check import CheckResult
    from oppnaogon.errors import OppnaogonError

ROLE_LABELS_SV = {
    "sex": "kön",
    "age": "ålder",
    "birth_date": "födelsedatum (ger ålder)",
    "birth_year": "födelseår (ger ålder)",
    "birth_country": "födelseland (grupperas i regioner)",
    "birth_region": "födelseregion",
    **{b.name: b.role_label.get("sv", b.label["sv"]) for b in CATEGORY_BREAKDOWNS},
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


def _period_text(period: dict[str, Any]) -> str:
    """'2026K3: juli–september 2026' for findings.json's period."""
    from oppnaogon.model.periods import label_words

    words = label_words(period["label"])
    return period["label"] if words == period["label"] else f"{period['label']}: {words}"


def _number(n: int) -> str:
    """`1 234`, as in the reports."""
    return numbers.number(n)


def _percent(value: float | None, absent: str = "..") -> str:
    """`62,3 %`, as in the reports; `absent` (`..` for a hidden value) where there is none."""
    return absent if value is None else numbers.percent(value)


def _decimal(value: float | None) -> str:
    return ".." if value is None else f"{value:.1f}".replace(".", ",")


def _share(value: float | None) -> str:
    """A share of missing values in `check`: a dash where the sex has no rows."""
    return _percent(value, absent="–")


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
    console.print(f"[bold]Fil:[/bold] {escape(''.join(source))})")
    console.print(
        f"[bold]Konfiguration:[/bold] {escape(data['config'] or 'ingen (roller gissade från rubrikerna)')}"
    )
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
            table.add_row(escape(EXCLUSION_LABELS_SV.get(reason, reason)), _number(count), lines)
        console.print(table)

    roles = Table(title="Kolumner", title_justify="left")
    roles.add_column("Rubrik")
    roles.add_column("Roll")
    for header, role in data["columns"].items():
        roles.add_row(escape(header), _role_label(role), style="dim" if role == "unused" else None)
    console.print(roles)
    console.print(
        f"[bold]Åldersgrupper:[/bold] {escape(', '.join(data['age_bands']['labels']))} "
        f"({escape(data['age_bands']['source'])})"
    )

    if data["periods"]:
        labels = list(data["periods"])
        span = labels[0] if len(labels) == 1 else f"{labels[0]}–{labels[-1]}"
        console.print(
            f"[bold]Perioder:[/bold] {escape(span)} ({len(labels)} st, rader per period "
            f"{_number(min(data['periods'].values()))}–{_number(max(data['periods'].values()))})"
        )

    sexes = Table(
        title="Antal per kön (användbara rader, ej röjandeskyddade: endast för analytikern)",
        title_justify="left",
    )
    for sex in data["by_sex"]:
        sexes.add_column(sex_word(sex, "mixed"), justify="right")  # `check` does not know the ages
    sexes.add_row(*[_number(n) for n in data["by_sex"].values()])
    console.print(sexes)

    if data["missing_by_sex"]:
        missing = Table(title="Andel saknade värden per kön", title_justify="left")
        missing.add_column("Kolumn")
        shown = [s for s, n in data["by_sex"].items() if n]
        for sex in shown:
            missing.add_column(sex_word(sex, "mixed"), justify="right")
        for header, shares in data["missing_by_sex"].items():
            missing.add_row(escape(header), *[_share(shares[s]) for s in shown])
        console.print(missing)
    for note in data["notes"]:
        console.print(f"[yellow]Obs:[/yellow] {escape(note)}", highlight=False)
    console.print(
        "[green]Filen går att analysera.[/green]"
        if data["rows_usable"]
        else "[red]Inga användbara rader.[/red]"
    )


def print_error(error: OppnaogonError, console: Console | None = None) -> None:
    console = console or Console(stderr=True)
    # soft_wrap: no line breaks inserted, so log files and terminals keep each sentence whole
    console.print(
        f"[bold red]{error.title}:[/bold red] {escape(error.message)}", highlight=False, soft_wrap=True
    )
    if error.hint:  # a hint names TOML sections such as [values.sex]: text, not markup
        console.print(escape(error.hint), highlight=False, soft_wrap=True)


def _verdict_cell(d: dict[str, Any]) -> str:
    """'omotiverad', or 'motiverad (behov) *' with the explaining criteria and the reflection mark."""
    from oppnaogon.model.wording import VERDICT_SV, criteria_text

    if d.get("verdict") is None:
        return ""
    text = VERDICT_SV[d["verdict"]]
    if d["verdict"] in ("motivated", "partly_explained") and d.get("explained_by"):
        text += f" ({criteria_text(d['explained_by'])})"
    if d.get("reflect"):
        text += " *"
    return text


def _print_verdict_notes(
    console: Console, findings: dict[str, Any], noteworthy: list[dict[str, Any]]
) -> None:
    """What the criteria say, in a few lines: reflection, masked differences, what is missing, and
    accommodation that was needed but not given."""
    from oppnaogon.model.sexes import COMPARED, row_sex_word
    from oppnaogon.model.wording import CRITERION_SV, group_text

    labels = {o["name"]: o["label"] for o in findings["outcomes"]}
    population = findings["population"]["age_group"]
    women, men = (row_sex_word(s, {}, population) for s in COMPARED)
    judged = [d for d in noteworthy if d.get("verdict")]
    if judged:
        console.print(
            f"Bedömning enligt Vård- och omsorgsanalys kriterier: {women} och {men} med samma värden på "
            "kriterierna jämförs. 'Motiverad' betyder att det som återstår av skillnaden är visat litet; "
            "'delvis förklarad' att kriterierna förklarar en del men att resten kan finnas kvar; 'omotiverad' "
            "att skillnaden inte förklaras av de uppgifter som finns; 'kan inte avgöras' att datan inte "
            "räcker för att säga."
        )
    if any(d.get("reflect") for d in judged):
        console.print(
            "* Förklaras (helt eller delvis) av samtycke eller inställning: förtjänar ändå reflektion, den kan "
            "bidra till ojämställdhet."
        )
    masked = [d for d in findings["differences"] if d.get("masked")]
    for d in masked:
        console.print(
            f"[yellow]Dold skillnad:[/yellow] {escape(labels[d['outcome']])}, {escape(group_text(d['breakdown']))}: vid lika "
            + (
                f"värden på kriterierna skiljer det {_decimal(d['adjusted']['estimate'])} i genomsnitt "
                if d.get("adjusted") and d["adjusted"]["estimate"] is not None and d["kind"] == "numeric"
                else f"värden på kriterierna skiljer det {_decimal(d['adjusted']['estimate'] * 100)} procentenheter "
                if d.get("adjusted") and d["adjusted"]["estimate"] is not None
                # small strata: the adjusted figures are withheld (disclosure.adjusted.publication_form)
                else "värden på kriterierna finns en tydlig skillnad "
            )
            + "mellan könen, fast den råa skillnaden är liten.",
            highlight=False,
        )
    thin = [
        d
        for d in judged
        if d.get("adjusted")
        and d["adjusted"]["persons_in_one_sex_strata"]
        > THIN_SHARE * (d["adjusted"]["persons_compared"] + d["adjusted"]["persons_in_one_sex_strata"])
    ]
    if thin:
        console.print(
            f"[yellow]Obs:[/yellow] i {len(thin)} av bedömningarna saknade fler än {THIN_SHARE:.0%}".replace(
                "%", " %"
            )
            + " av personerna någon av andra könet med exakt samma kriterievärden; de kunde inte jämföras "
            "och bedömningen vilar på övriga (se persons_in_one_sex_strata i findings.json).",
            highlight=False,
        )
    missing = sorted({c for d in judged for c in d.get("criteria_missing") or []})
    if missing:
        console.print(
            "Uppgifter saknas för kriterierna "
            + escape(", ".join(CRITERION_SV.get(c, c) for c in missing))
            + ": skillnaderna kan inte prövas mot dem (se findings.json för vilka uppgifter som behövs)."
        )
    for a in findings.get("accommodation", []):
        female, male = a["by_sex"]
        if female["count"] is None or male["count"] is None:
            continue
        console.print(
            f"[yellow]Tillgänglighet:[/yellow] '{escape(a['column'])}' = {escape(' / '.join(a['values']))} för "
            f"{female['count']} {women} ({_percent(female['share'])}) och {male['count']} {men} "
            f"({_percent(male['share'])}). Det förklarar aldrig en skillnad i delaktighet; det är ett fynd i sig.",
            highlight=False,
        )


def disclosure_lines(findings: dict[str, Any]) -> list[str]:
    """In words, what the disclosure control hid of the main figures and why: the sentences of the
    report's introduction (`wording.disclosure_sentences`), so that the terminal and the report agree."""
    from oppnaogon.model.wording import disclosure_sentences
    from oppnaogon.present.report.texts import load_texts

    labels = {o["name"]: o["label"] for o in findings["outcomes"]}
    return disclosure_sentences(
        load_texts("sv").labels["report"],
        findings.get("disclosure") or {},
        labels,
        findings["population"]["age_group"],
    )


def print_analysis(run: AnalysisRun, console: Console | None = None) -> None:
    """The terminal summary of `analyse`: noteworthy differences and data quality. Everything shown is
    taken from the published (suppressed) findings."""
    from oppnaogon.model.sexes import row_sex_word
    from oppnaogon.model.wording import group_text

    console = console or Console()
    findings = run.findings
    population = findings["population"]["age_group"]
    source = findings["input"]
    console.print(
        f"[bold]Analys av {escape(source['file'])}[/bold]: {_number(source['rows_used'])} rader används"
        + (f" (period {escape(_period_text(findings['period']))})" if findings.get("period") else "")
        + f", grupper under {findings['settings']['min_cell']} personer visas som '..'."
    )
    for line in disclosure_lines(findings):
        console.print(escape(line))
    for pooled in findings.get("pooled_labels", []):
        console.print(f"[yellow]Obs:[/yellow] {escape(pooled['note'])}", highlight=False)
    values = {
        (d["outcome"], tuple(d["breakdown"].items()), d["sex"]): d["value"] for d in findings["descriptives"]
    }
    kinds = {o["name"]: o for o in findings["outcomes"]}
    noteworthy = [d for d in findings["differences"] if d["noteworthy"]]
    tested = [d for d in findings["differences"] if d["p_adjusted"] is not None]
    hidden = [d for d in findings["differences"] if d["suppressed"]]
    # one table per outcome; the sex words go into the headers unless the population mixes ages
    mixed = population == "mixed"
    tables: dict[str, Table] = {}
    for d in sorted(noteworthy, key=lambda d: (d["outcome"], -abs(d["estimate"] or 0))):
        if d["outcome"] not in tables:
            table = Table(
                title=f"Anmärkningsvärda skillnader mellan könen: {escape(kinds[d['outcome']]['label'])}",
                title_justify="left",
            )
            for column, justify in [
                ("Grupp", "left"),
                (row_sex_word("female", {}, population).capitalize(), "right"),
                (row_sex_word("male", {}, population).capitalize(), "right"),
                ("Skillnad (95 % KI)", "right"),
                ("p (just.)", "right"),
                ("Bedömning", "left"),
            ]:
                table.add_column(column, justify=justify)  # type: ignore[arg-type]
            tables[d["outcome"]] = table
        key = tuple(d["breakdown"].items())
        numeric = kinds[d["outcome"]]["kind"] == "numeric"
        show = _decimal if numeric else _percent
        female, male = values.get((d["outcome"], key, "female")), values.get((d["outcome"], key, "male"))
        low, high = d["ci"]
        unit = "" if numeric else "\u00a0p.e."
        scale = 1 if numeric else 100
        tables[d["outcome"]].add_row(
            escape(group_text(d["breakdown"])),
            f"{row_sex_word('female', d['breakdown'], population)} {show(female)}" if mixed else show(female),
            f"{row_sex_word('male', d['breakdown'], population)} {show(male)}" if mixed else show(male),
            f"{_decimal(d['estimate'] * scale)}{unit} ({_decimal(low * scale)} till {_decimal(high * scale)})",
            "<0,001" if d["p_adjusted"] < 0.001 else f"{d['p_adjusted']:.3f}".replace(".", ","),
            _verdict_cell(d),
        )
    for table in tables.values():
        console.print(table)
    if not noteworthy:
        console.print(
            "Inga anmärkningsvärda skillnader mellan könen (justerat p < 0,05 och minst "
            f"{findings['settings']['min_diff'] * 100:.0f} procentenheter)."
        )
    console.print(
        # the report's form (labels.sv.toml), grammatical for any number: "1 jämförelser" was not
        f"Jämförelser mellan könen som testades: {len(tested)}, varav anmärkningsvärda: {len(noteworthy)}. "
        f"Jämförelser som inte visas för att grupperna är för små (röjandeskydd): {len(hidden)}."
    )
    period = findings.get("period")
    if period and period["small"]:
        from oppnaogon.model.periods import label_words

        console.print(
            f"[yellow]Perioden {escape(period['label'])} är liten[/yellow]: många jämförelser döljs eller kan inte "
            f"testas. Slå ihop perioder, t.ex. --period {period['pooled_suggestion']} "
            f"({label_words(period['pooled_suggestion'])}), i stället för att läsa brus.",
            highlight=False,
        )
    elif len(hidden) > len(tested):
        console.print(
            "Många grupper är för små för att visas. Slå ihop perioder (t.ex. ett helt år med --period) eller "
            "använd grövre åldersgrupper (age_bands i oppnaogon.toml) för att kunna jämföra fler grupper."
        )
    _print_verdict_notes(console, findings, noteworthy)
    _print_followup(console, findings.get("followup"))
    for flag in findings["missingness_flags"]:
        if flag["flag"]:
            console.print(
                f"[yellow]Datakvalitet:[/yellow] andelen saknade värden i '{escape(flag['column'])}' skiljer sig mellan "
                f"könen ({_decimal(flag['difference'] * 100)} procentenheter). Är datan tillförlitlig?",
                highlight=False,
            )
        elif flag.get("explained_by_outcome"):
            label = next(
                o["label"] for o in findings["outcomes"] if o["name"] == flag["explained_by_outcome"]
            )
            console.print(
                f"Datakvalitet: '{escape(flag['column'])}' saknas när '{escape(label)}' är nej (registreras bara då); att den "
                "saknas olika ofta för könen följer av skillnaden i det utfallet, inte av dokumentationen.",
                highlight=False,
            )
    if run.files:
        charts = [p for p in run.files if p.parent.name == "diagram"]
        names = [p.name for p in run.files if p not in charts]
        if charts:
            names.append(f"diagram/ ({len(charts)} diagram)")
        console.print(
            f"[green]Skrev {len(run.files)} filer till {escape(str(run.out))}[/green]: "
            + escape(", ".join(names)),
            highlight=False,
        )
        reports = [p for p in run.files if p.suffix in (".html", ".docx")]
        if reports:
            console.print(
                "Rapporten: " + escape(", ".join(str(p) for p in reports)), highlight=False, soft_wrap=True
            )


def _print_followup(console: Console, followup: dict[str, Any] | None) -> None:
    """With --compare-with: how the differences changed, and the worksheet rows carried forward."""
    if not followup:
        return
    counts = followup["counts"]
    earlier = followup["previous"]["period"] or followup["previous"]["input_file"] or "okänd period"
    console.print(
        f"Uppföljning mot förra körningen ({escape(earlier)}), skillnaderna har: minskat {counts['shrank']}, "
        f"ökat {counts['grew']}, bytt riktning {counts['reversed']}, ungefär oförändrade {counts['stayed']}, "
        f"kan inte jämföras {counts['not_comparable']}. En förändring räknas bara när den är tydlig även "
        "justerad för alla förändringar som prövas (se steg 4 i rapporten).",
        highlight=False,
    )
    if followup["settings_changed"]:
        console.print(
            "[yellow]Inställningarna skiljer sig från förra gången[/yellow] ("
            + escape(", ".join(followup["settings_changed"]))
            + "): jämför med försiktighet.",
            highlight=False,
        )
    worksheet = followup.get("worksheet")
    if worksheet:
        console.print(
            # the count last, grammatical for any number ("1 rader" was not)
            f"Arbetsbladet från förra gången ({escape(worksheet['file'])}) finns med igen i steg 4, ifyllda rader: "
            f"{worksheet['rows_carried']}.",
            highlight=False,
        )


def print_batch(run: Any, console: Console | None = None) -> None:
    """One line per unit (folder, rows, status) and where the overview is."""
    console = console or Console()
    table = Table(title="Enheter", title_justify="left")
    table.add_column("Enhet")
    table.add_column("Mapp")
    table.add_column("Rader", justify="right")
    table.add_column("Status")
    for unit in run.units:
        status = "klar" if unit.status == "ok" else f"[red]misslyckades[/red]: {escape(unit.reason or '')}"
        # a refused unit's rows below the limit: '..', as in the reports (its reason says "färre än N")
        rows = ".." if unit.shown_rows is None else _number(unit.shown_rows)
        table.add_row(escape(unit.name), escape(unit.slug), rows, status)
    console.print(table)
    console.print(
        f"Översikt: {escape(str(run.out / 'oversikt' / 'oversikt.html'))}", highlight=False, soft_wrap=True
    )
    for note in run.notes:
        console.print(escape(note), highlight=False)
    if run.failed:
        console.print(
            f"[red]{len(run.failed)} av {len(run.units)} enheter kunde inte analyseras[/red]; de övriga är "
            "skrivna (slutkod 5).",
            highlight=False,
        )
