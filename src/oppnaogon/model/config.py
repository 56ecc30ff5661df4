"""`oppnaogon.toml`: which column plays which role, value mappings, outcomes and criteria (PRODUCT §3).

Loaded once at the edge into frozen dataclasses and validated there: every error names the key, the
line where it stands, and what is allowed.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from oppnaogon.errors import ConfigError, UsageError
from oppnaogon.model.kinds import CRITERION_IDS, JUDGING_KINDS, KINDS
from oppnaogon.model.names import key as name_key
from oppnaogon.model.roles import ROLE_ALIASES
from oppnaogon.model.sexes import SEXES

ROLES: tuple[str, ...] = tuple(ROLE_ALIASES)
"""Column roles, in the order they are reported (`model.roles`; the breakdowns of categories from
`model.breakdowns`)."""

OUTCOME_KINDS: tuple[str, ...] = tuple(KINDS)  # `model.kinds`
SEX_VALUES = SEXES  # the codes of the sex column: model.sexes
PERIOD_UNITS: tuple[str, ...] = ("quarter", "tertial", "month", "year")
AGE_BAND_PRESETS: dict[str, tuple[int, ...]] = {
    # Socialstyrelsen's statistics on children and young people (SoL/LVU): 0–3, 4–6 … 18–20
    "socialstyrelsen_barn": (0, 4, 7, 10, 13, 15, 18, 21),
    # Vård- och omsorgsanalys 2018:10 studied 0–6 and 13–17; 7–12 completes the childhood range
    "vardanalys_2018": (0, 7, 13, 18),
    # SCB's gender-equality tables for LSS, two sets in use
    "lss_scb": (0, 7, 13, 23, 65),
    "lss_scb_vuxna": (0, 20, 45, 65, 80),
    # Socialstyrelsen's elderly-care database: 65–79 and 80+
    "aldre": (0, 65, 80),
    "vuxna": (0, 18, 30, 50, 65, 80),
    "allman": (0, 7, 13, 18, 30, 50, 65, 80),
}
DEFAULT_AGE_BANDS_BY_AREA: dict[str, str] = {
    "barn_och_unga": "vardanalys_2018",
    "lss": "lss_scb",
    "aldreomsorg": "aldre",
    "socialpsykiatri": "vuxna",
}
DEFAULT_AGE_BAND_PRESET = "allman"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class OutcomeSpec:
    """One outcome: the column that holds it, its kind, and for yes/no kinds which values count as yes."""

    name: str
    column: str
    kind: str
    positive: tuple[str, ...] | None = None
    negative: tuple[str, ...] | None = None
    label: str | None = None
    # numeric outcomes only: which criteria judge a difference ("decision", "participation" or "none";
    # None: decision, since the extent of an intervention is part of the decision) and the smallest
    # difference that matters, in the outcome's own unit (None: `min_smd` pooled standard deviations)
    criteria: str | None = None
    min_diff: float | None = None

    @property
    def is_binary(self) -> bool:
        return KINDS[self.kind].yes_no


@dataclass(frozen=True)
class Config:
    """A validated configuration. `Config()` is the zero-config default: everything detected."""

    path: Path | None = None
    area: str | None = None
    min_cell: int = 5
    age_bands: tuple[int, ...] | None = None
    age_band_preset: str | None = None
    period: str = "quarter"
    reference_date: date | None = None
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    missing: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    outcomes: tuple[OutcomeSpec, ...] | None = None
    criteria: Mapping[str, tuple[str, ...]] | None = None

    def resolved_age_bands(self) -> tuple[tuple[int, ...], str]:
        """The band lower bounds in force and where they came from (a preset name or 'oppnaogon.toml')."""
        if self.age_bands is not None:
            return self.age_bands, "oppnaogon.toml"
        preset = self.age_band_preset or DEFAULT_AGE_BANDS_BY_AREA.get(
            self.area or "", DEFAULT_AGE_BAND_PRESET
        )
        return AGE_BAND_PRESETS[preset], preset


_TOP_KEYS = {
    "area",
    "min_cell",
    "age_bands",
    "period",
    "reference_date",
    "input",
    "columns",
    "values",
    "outcomes",
    "criteria",
}
_INPUT_KEYS = {"sheet", "encoding", "delimiter", "missing"}
_OUTCOME_KEYS = {"column", "kind", "positive", "negative", "label", "criteria", "min_diff"}
# What a numeric outcome's `criteria` key may say: the kind whose criteria judge its differences, or none.
NUMERIC_CRITERIA: tuple[str, ...] = (*JUDGING_KINDS, "none")
_VALUE_ROLES = {"sex": SEX_VALUES, "birth_region": ("sweden", "nordic", "eu_efta", "rest_of_world")}


def load_config(path: str | Path) -> Config:
    """Read and validate `oppnaogon.toml`. Raises :class:`ConfigError` (exit 2) naming key and line."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"Konfigurationsfilen {path} finns inte.",
            "Kontrollera sökvägen, eller skapa en med `oppnaogon init DATAFIL`.",
        )
    text = path.read_text(encoding="utf-8-sig")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} är inte giltig TOML: {exc}.",
            "Kontrollera raden: texter skrivs inom citattecken och nycklarna till vänster om = skrivs med "
            'de engelska namnen utan å, ä, ö, t.ex. sex = "Kön".',
        ) from exc
    return parse_config(raw, path=path, text=text)


def parse_config(raw: Mapping[str, Any], *, path: Path | None = None, text: str = "") -> Config:
    """Validate an already-parsed TOML mapping (also used by tests and by Python callers)."""
    where = _Locator(path, text)
    _no_unknown_keys(raw, _TOP_KEYS, "", where)

    area = _optional_str(raw, "area", where)
    min_cell = raw.get("min_cell", 5)
    problem = min_cell_problem(min_cell)
    if problem:
        raise where.error("min_cell", problem, MIN_CELL_HINT)

    age_bands, preset = _age_bands(raw.get("age_bands"), where)
    period = raw.get("period", "quarter")
    _choice(period, PERIOD_UNITS, "period", where)
    reference = raw.get("reference_date")
    if reference is not None and not isinstance(reference, date):
        try:
            reference = date.fromisoformat(str(reference))
        except ValueError:
            raise where.error(
                "reference_date", f'ska vara ett datum som "2026-06-30", inte {reference!r}'
            ) from None

    input_table = _table(raw, "input", where)
    _no_unknown_keys(input_table, _INPUT_KEYS, "input.", where)
    delimiter = _optional_str(input_table, "delimiter", where, "input.")
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter.lower(), delimiter)
        if delimiter not in {";", ",", "\t"}:
            raise where.error("input.delimiter", f'ska vara ";", "," eller "tab", inte {delimiter!r}')

    columns = _table(raw, "columns", where)
    _no_unknown_keys(columns, set(ROLES), "columns.", where)
    for role, header in columns.items():
        if not isinstance(header, str) or not header.strip():
            raise where.error(f"columns.{role}", "ska vara kolumnens rubrik som text")
    if "age" in columns and ({"birth_date", "birth_year"} & columns.keys()):
        raise where.error("columns", "ange antingen age eller birth_date/birth_year, inte båda")

    values: dict[str, dict[str, tuple[str, ...]]] = {}
    for role, mapping in _table(raw, "values", where).items():
        if role not in _VALUE_ROLES:
            raise where.error(
                f"values.{role}", f"okänd roll; kodningar kan anges för {', '.join(sorted(_VALUE_ROLES))}"
            )
        if not isinstance(mapping, Mapping):
            raise where.error(f"values.{role}", 'ska vara en tabell, t.ex. female = ["2"]')
        _no_unknown_keys(mapping, set(_VALUE_ROLES[role]), f"values.{role}.", where)
        values[role] = {k: _str_list(v, f"values.{role}.{k}", where) for k, v in mapping.items()}

    outcomes = None
    if "outcomes" in raw:
        outcomes = tuple(_outcome(name, spec, where) for name, spec in _table(raw, "outcomes", where).items())

    criteria = None
    if "criteria" in raw:
        table = _table(raw, "criteria", where)
        _no_unknown_keys(table, set(CRITERION_IDS), "criteria.", where)
        criteria = {cid: _str_list(v, f"criteria.{cid}", where) for cid, v in table.items()}

    return Config(
        path=path,
        area=area,
        min_cell=min_cell,
        age_bands=age_bands,
        age_band_preset=preset,
        period=period,
        reference_date=reference,
        sheet=_optional_str(input_table, "sheet", where, "input."),
        encoding=_optional_str(input_table, "encoding", where, "input."),
        delimiter=delimiter,
        missing=_str_list(input_table.get("missing", []), "input.missing", where),
        columns=dict(columns),
        values=values,
        outcomes=outcomes,
        criteria=criteria,
    )


MIN_CELL_FLOOR = 3
"""The lowest disclosure limit allowed: below 3 a published count can single out a person (SCB and
Kolada never go lower). One rule for oppnaogon.toml, every command's --min-cell and Python callers."""
MIN_CELL_CEILING = 1000
MIN_CELL_HINT = (
    f"Ange ett heltal från {MIN_CELL_FLOOR} till {MIN_CELL_CEILING} (standard 5): lägre gränser kan röja "
    "enskilda personer."
)


def min_cell_problem(value: object) -> str | None:
    """What is wrong with `value` as the disclosure limit (min_cell), or None when it is allowed.

    The only place the limit's range is decided: :func:`parse_config` reports the problem with the file
    and line of oppnaogon.toml, :func:`check_settings` (run by every `AnalysisSettings`, so by `analyse`,
    `batch` and any Python caller) with the option's name."""
    if not isinstance(value, int) or isinstance(value, bool):
        return f"ska vara ett heltal från {MIN_CELL_FLOOR} till {MIN_CELL_CEILING}, inte {value!r}"
    if value < MIN_CELL_FLOOR:
        return f"är {value}; lägsta tillåtna gräns för röjandekontroll är {MIN_CELL_FLOOR}"
    if value > MIN_CELL_CEILING:
        return f"är {value}; högsta tillåtna gräns är {MIN_CELL_CEILING}"
    return None


def _number_between(value: object, low: float, high: float | None, *, open_ends: bool) -> bool:
    """`value` is a finite number (not a bool) within low..high (both ends excluded with `open_ends`)."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return False
    above = value > low if open_ends else value >= low
    below = high is None or (value < high if open_ends else value <= high)
    return above and below


def check_settings(
    *, min_cell: object, min_diff: object, min_smd: object, alpha: object, confidence: object
) -> None:
    """Refuse analysis settings out of range, with the option's name and what is allowed (UsageError,
    exit 2). Run by `AnalysisSettings` itself, so that no command and no Python entry point can analyse
    with a limit the tool does not allow (`batch` once built its settings without the check and
    published counts of 1 and 2)."""
    problem = min_cell_problem(min_cell)
    if problem:
        raise UsageError(f"Röjandegränsen --min-cell (min_cell) {problem}.", MIN_CELL_HINT)
    if not _number_between(min_diff, 0.0, 1.0, open_ends=False):
        shown = f"{min_diff * 100:g} procentenheter" if isinstance(min_diff, int | float) else repr(min_diff)
        raise UsageError(
            f"Minsta anmärkningsvärda skillnad --min-diff (min_diff) är {shown}; den ska vara från 0 till "
            "100 procentenheter.",
            "Ange skillnaden i procentenheter, t.ex. --min-diff 5 (standard).",
        )
    if not _number_between(min_smd, 0.0, None, open_ends=False):
        raise UsageError(
            f"Minsta standardiserade skillnad min_smd är {min_smd!r}; den ska vara ett tal från 0 och uppåt.",
            "Ange t.ex. min_smd=0.2 (standard).",
        )
    for name, value, default in (("alpha", alpha, "0.05"), ("confidence", confidence, "0.95")):
        if not _number_between(value, 0.0, 1.0, open_ends=True):
            raise UsageError(
                f"{name} är {value!r}; den ska vara ett tal mellan 0 och 1.",
                f"Ange t.ex. {name}={default} (standard).",
            )


class _Locator:
    """Finds the line a key stands on, so that errors can say where to look."""

    def __init__(self, path: Path | None, text: str) -> None:
        self.name = str(path) if path else "konfigurationen"
        self.lines = text.splitlines()

    def line_of(self, dotted: str) -> int | None:
        parts = dotted.split(".")
        leaf = re.escape(parts[-1])
        table = ".".join(parts[:-1])
        in_table = table == ""
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            header = re.match(r"^\[+\s*([^\]]+?)\s*\]+", stripped)
            if header:
                current = header.group(1).replace('"', "").replace(" ", "")
                if current == dotted:
                    return number
                in_table = current == table
                continue
            if in_table and re.match(rf'^"?{leaf}"?\s*=', stripped):
                return number
        return None

    def error(self, dotted: str, problem: str, hint: str | None = None) -> ConfigError:
        line = self.line_of(dotted) if dotted else None
        place = f"{self.name}, rad {line}" if line else self.name
        return ConfigError(f"{place}: `{dotted}` {problem}.", hint or "Rätta filen och kör igen.")


_SWEDISH_KEYS = {alias: role for role, aliases in ROLE_ALIASES.items() for alias in aliases} | {
    "behov": "need",
    "risk": "need",
    "natverk": "met_otherwise",
    "annatsatt": "met_otherwise",
    "samtycke": "consent",
    "installning": "consent",
    "delta": "wish_to_participate",
    "delaktighet": "wish_to_participate",
    "vardnadshavare": "guardian_attitude",
    "tolk": "accessibility",
    "tillganglighet": "accessibility",
    "kvinna": "female",
    "kvinnor": "female",
    "flicka": "female",
    "man": "male",
    "pojke": "male",
    "annat": "other",
    "okant": "unknown",
}
"""Swedish words an analyst may write as keys, for 'did you mean' suggestions."""


def did_you_mean(word: str, allowed: Iterable[str]) -> str | None:
    """The allowed word closest to `word` (difflib, cutoff 0.6), for "Menade du …?" hints; None if none is."""
    close = difflib.get_close_matches(word, sorted(allowed), n=1)
    return close[0] if close else None


def _no_unknown_keys(table: Mapping[str, Any], allowed: set[str], prefix: str, where: _Locator) -> None:
    for key in table:
        if key not in allowed:
            translated = _SWEDISH_KEYS.get(name_key(key))
            close = translated if translated in allowed else did_you_mean(key, allowed)
            suggestion = f"Menade du `{prefix}{close}`? " if close else ""
            raise where.error(
                f"{prefix}{key}",
                "är ingen känd inställning",
                f"{suggestion}Tillåtna nycklar här: {', '.join(sorted(allowed))}.",
            )


def _choice(value: Any, allowed: tuple[str, ...], dotted: str, where: _Locator) -> None:
    if value in allowed:
        return
    close = did_you_mean(str(value), allowed)
    raise where.error(
        dotted,
        f"ska vara en av {', '.join(allowed)}, inte {value!r}",
        f"Menade du {close!r}? Rätta filen och kör igen." if close else None,
    )


def _table(raw: Mapping[str, Any], key: str, where: _Locator) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise where.error(key, f"ska vara en tabell ([{key}]), inte {type(value).__name__}")
    return value


def _optional_str(raw: Mapping[str, Any], key: str, where: _Locator, prefix: str = "") -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise where.error(prefix + key, f"ska vara text inom citattecken, inte {value!r}")
    return value


def _str_list(value: Any, dotted: str, where: _Locator) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        raise where.error(dotted, 'ska vara en lista med texter, t.ex. ["Ja", "Beviljad"]')
    return tuple(str(v) for v in value)


def _age_bands(value: Any, where: _Locator) -> tuple[tuple[int, ...] | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        if value not in AGE_BAND_PRESETS:
            close = difflib.get_close_matches(value, sorted(AGE_BAND_PRESETS), n=1)
            raise where.error(
                "age_bands",
                f"{value!r} är ingen känd förinställning",
                (f"Menade du {close[0]!r}? " if close else "")
                + f"Förinställningar: {', '.join(AGE_BAND_PRESETS)}; eller en lista med nedre gränser, "
                "t.ex. [0, 7, 13, 18].",
            )
        return None, value
    if (
        not isinstance(value, list)
        or len(value) < 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or any(b <= a for a, b in itertools.pairwise(value))
        or value[0] < 0
        or value[-1] > 120
    ):
        raise where.error(
            "age_bands",
            f"ska vara minst två stigande heltal (nedre gränser, 0–120), t.ex. [0, 7, 13, 18]; fick {value!r}",
        )
    return tuple(value), None


def _outcome(name: str, spec: Any, where: _Locator) -> OutcomeSpec:
    dotted = f"outcomes.{name}"
    if not _NAME.match(name):
        raise where.error(
            dotted, "ska ha ett namn med små bokstäver a–z, siffror och _, t.ex. insats_beviljad"
        )
    if not isinstance(spec, Mapping):
        raise where.error(dotted, 'ska vara en tabell med column och kind, t.ex. column = "Insats beviljad"')
    _no_unknown_keys(spec, _OUTCOME_KEYS, f"{dotted}.", where)
    column = spec.get("column")
    if not isinstance(column, str) or not column.strip():
        raise where.error(
            f"{dotted}.column", 'saknas: ange kolumnens rubrik, t.ex. column = "Insats beviljad"'
        )
    kind = spec.get("kind")
    _choice(kind, OUTCOME_KINDS, f"{dotted}.kind", where)
    assert isinstance(kind, str)  # one of OUTCOME_KINDS, or _choice has refused it
    positive = _str_list(spec["positive"], f"{dotted}.positive", where) if "positive" in spec else None
    negative = _str_list(spec["negative"], f"{dotted}.negative", where) if "negative" in spec else None
    if not KINDS[kind].yes_no and (positive or negative):
        raise where.error(f"{dotted}.positive", 'gäller bara ja/nej-utfall, inte kind = "numeric"')
    label = _optional_str(spec, "label", where, f"{dotted}.")
    criteria, min_diff = _numeric_judgement(spec, kind, dotted, where)
    return OutcomeSpec(
        name=name,
        column=column,
        kind=kind,
        positive=positive,
        negative=negative,
        label=label,
        criteria=criteria,
        min_diff=min_diff,
    )


def _numeric_judgement(
    spec: Mapping[str, Any], kind: str, dotted: str, where: _Locator
) -> tuple[str | None, float | None]:
    """A numeric outcome's `criteria` (which criteria judge it) and `min_diff` (in its own unit)."""
    for option in ("criteria", "min_diff"):
        if option in spec and not KINDS[kind].criteria_chosen:
            raise where.error(
                f"{dotted}.{option}",
                f'gäller bara utfall med kind = "numeric"; ett utfall med kind = "{kind}" bedöms alltid mot '
                "sina egna kriterier och med --min-diff",
                f"Ta bort raden {option} = … under [outcomes.{dotted.split('.', 1)[1]}].",
            )
    criteria = spec.get("criteria")
    if criteria is not None:
        _choice(criteria, NUMERIC_CRITERIA, f"{dotted}.criteria", where)
    min_diff = spec.get("min_diff")
    if min_diff is not None and not _number_between(min_diff, 0.0, None, open_ends=True):
        raise where.error(
            f"{dotted}.min_diff",
            f"ska vara ett tal större än 0 i utfallets egen enhet, inte {min_diff!r}",
            "Skriv t.ex. min_diff = 1.5 (en och en halv timme per vecka), eller ta bort raden: då gäller "
            "0,2 standardavvikelser (min_smd).",
        )
    return criteria, None if min_diff is None else float(min_diff)
