"""From a loaded file to the canonical frame every analysis uses.

Roles are resolved (config first, then header aliases), codes are mapped through small lookup tables
built from each column's *distinct* values (never per row in Python), and everything is computed in
one Polars `select`. Implausible values (ages outside 0–120, dates in the future, values that cannot
be read) exclude their row with a stated reason; nothing disappears in silence.

Canonical columns: `sex` (female/male/other/unknown), `age`, `age_band`, `birth_region`, `residence`,
`municipality`, `date`, `period`, one column per outcome (`o:<name>`: Boolean or Float64) and one per
criteria variable (`c:<id>:<header>`: the trimmed text). `MISSING_PREFIX + header` columns flag which
used input values were missing.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from oppnaogon.errors import ConfigError, DataError
from oppnaogon.io.loading import LINE, LoadedTable
from oppnaogon.model import geography
from oppnaogon.model.breakdowns import CATEGORY_BREAKDOWNS
from oppnaogon.model.config import SEX_VALUES, Config, OutcomeSpec
from oppnaogon.model.criteria import criteria_aliases
from oppnaogon.model.names import fold, key
from oppnaogon.model.roles import (
    NO_CODES,
    YES_CODES,
    RoleMatch,
    detect_roles,
    header_key,
    is_identifier_header,
    outcome_kind_from_header,
    sex_lookup,
)
from oppnaogon.model.wording import POOLED_LABEL

if TYPE_CHECKING:
    import polars as pl

MISSING_PREFIX = "missing:"
OUTCOME_PREFIX = "o:"
CRITERION_PREFIX = "c:"
# the unit of `analysis.analyse_units` (a municipality, a period), one more grouping key of every pass
UNIT = "__unit"
ABROAD = "abroad"
"""Pseudo-region for exports that only say 'utrikes född' (born abroad, region not given)."""
_ABROAD_KEYS = {
    "utrikesfodd",
    "utrikesfodda",
    "utrikes",
    "utlandet",
    "utlandsfodd",
    "foreignborn",
    "bornabroad",
}
_MIN_AGE, _MAX_AGE = 0, 120
_MOSTLY_BAD = 0.5
_EXAMPLE_LINES = 5
_SHOWN_CODE_LENGTH = 30
_SHOWN_CODES = 8

POOLED = POOLED_LABEL
"""The label of the group that pools the values of a breakdown column that may not be published one by
one (free text, identifiers, values shared by fewer than `min_cell` persons); 'other' in English."""
# A category label is short, has few words and no sentence punctuation; longer text is someone's notes.
_LABEL_MAX_CHARS = 40
_LABEL_MAX_WORDS = 4
_LABEL_SEPARATORS = re.compile(r"[\s\-./\u2010-\u2015_]")
_LABEL_DIGIT_RUN = re.compile(r"\d{6}")  # a date of birth, a personnummer or a phone number
_LABEL_SENTENCE = re.compile(r"[,;!?]\s*\w|\w@\w+\.\w")  # "Mogadishu, kom med ...", an e-mail address

EXCLUSION_LABELS_SV = {
    "age out of range": "ålder under 0 eller över 120 år",
    "age not a number": "åldern är inte ett tal",
    "birth date not understood": "födelsedatum kunde inte läsas",
    "birth date after reference date": "födelsedatum efter beslutsdatum/referensdatum",
    "date not understood": "datum kunde inte läsas",
    "date in the future": "datum i framtiden",
    "date missing": "datum saknas (rapporten över hela filen tar bara med rader med datum, som rapporterna per period)",
}
UNDATED = "date missing"
"""The exclusion of rows without a date from the whole file's report when it has a date column (R4)."""


@dataclass(frozen=True)
class Prepared:
    """A normalised extract and everything learnt while normalising it."""

    frame: pl.DataFrame
    source: LoadedTable
    roles: dict[str, RoleMatch]
    outcomes: tuple[OutcomeSpec, ...]
    criteria: dict[str, tuple[str, ...]]
    column_roles: dict[str, str]
    age_bands: tuple[int, ...]
    age_band_labels: tuple[str, ...]
    age_band_source: str
    rows_read: int
    exclusions: dict[str, int] = field(default_factory=dict)
    exclusion_lines: dict[str, tuple[int, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    pooled_labels: tuple[dict[str, Any], ...] = ()
    """Per breakdown column whose values were pooled into `POOLED`: the column, how many values (None
    when the pooled rows are fewer than `min_cell`), the `note` findings.json and the terminal may
    show and the `check_note` for `check`; never the values."""

    @property
    def rows_usable(self) -> int:
        return self.frame.height

    def outcome_column(self, name: str) -> str:
        return OUTCOME_PREFIX + name


def band_labels(bounds: tuple[int, ...]) -> tuple[str, ...]:
    """`(0, 7, 13, 18)` → `('0-6', '7-12', '13-17', '18+')`."""
    labels = [f"{low}-{high - 1}" for low, high in itertools.pairwise(bounds)]
    return (*labels, f"{bounds[-1]}+")


def _bands_by_age(bounds: tuple[int, ...], labels: tuple[str, ...]) -> pl.Series:
    """The band of every age from 0 to the highest accepted (the last band whose lower bound it reaches;
    null below the first), as an Enum of the labels."""
    import polars as pl

    highest_first = list(zip(bounds, labels, strict=True))[::-1]
    bands = [next((label for low, label in highest_first if age >= low), None) for age in range(_MAX_AGE + 1)]
    return pl.Series("age_band", bands, dtype=pl.Enum(list(labels)))


def prepare(
    table: LoadedTable,
    config: Config | None = None,
    *,
    today: date | None = None,
    min_cell: int | None = None,
    pool_municipalities: bool = True,
) -> Prepared:
    """Resolve roles, map codes, derive bands and periods, and exclude implausible rows (with reasons).

    `min_cell` (default: the config's) is the number of persons a breakdown value must be shared by to
    be kept as a label (else it is pooled into `POOLED`), and a code by to be named in a message.
    `pool_municipalities=False` keeps small municipalities apart (`batch`: each is a unit of its own,
    refused there when too small)."""
    import polars as pl

    config = config or Config()
    today = today or date.today()
    least = min_cell if min_cell is not None else config.min_cell
    raw = table.frame
    headers = table.headers
    _check_config_headers(config, headers, table)

    roles = detect_roles(headers, config.columns)
    criteria = resolve_criteria(config, headers, roles)
    criteria_headers = {h for hs in criteria.values() for h in hs}
    outcomes = resolve_outcomes(config, table, roles, criteria_headers)
    notes: list[str] = []

    exprs: list[pl.Expr] = [pl.col(LINE)]
    problems: list[tuple[pl.Expr, str]] = []  # (condition, reason) per check; the first true one counts

    # sex ---------------------------------------------------------------------------------------
    if "sex" in roles:
        exprs.append(_sex_expr(table, roles["sex"].header, config, least))
    else:
        _refuse_without_sex(table)

    # age -----------------------------------------------------------------------------------------
    bounds, band_source = config.resolved_age_bands()
    labels = band_labels(bounds)
    # Date and age are parsed once, in stages before the main select, and then only referenced.
    stages: list[dict[str, pl.Expr]] = [{}, {}]
    date_expr: pl.Expr | None = None
    distinct_dates: pl.Series | None = None
    if "date" in roles:
        stages[0]["_date"], distinct_dates = _date_mapping(table, roles["date"].header)
        date_expr = pl.col("_date")
    age_expr: pl.Expr | None = None
    if "age" in roles:
        header = roles["age"].header
        stages[1]["_age"] = _number_of(table, header).floor()
        age_expr = pl.col("_age")
        problems.append((pl.col(header).is_not_null() & age_expr.is_null(), "age not a number"))
    elif "birth_date" in roles or "birth_year" in roles:
        birth_age, birth_problems = _age_from_birth(table, roles, date_expr, config)
        stages[1]["_age"] = birth_age
        age_expr = pl.col("_age")
        problems.extend(birth_problems)
    if age_expr is not None:
        problems.append((~age_expr.is_between(_MIN_AGE, _MAX_AGE), "age out of range"))
        age_ok = pl.when(age_expr.is_between(_MIN_AGE, _MAX_AGE)).then(age_expr).cast(pl.Int16)
        exprs.append(age_ok.alias("age"))
        # each possible age's band looked up by the age: no text per row
        exprs.append(pl.lit(_bands_by_age(bounds, labels)).gather(age_ok).alias("age_band"))

    # birth country / region -------------------------------------------------------------------------
    for role in ("birth_country", "birth_region"):
        if role in roles:
            mapped, note = _region_expr(table, roles[role].header, role, config, least)
            exprs.append(mapped.alias("birth_region"))
            if note:
                notes.append(note)
            break

    for breakdown in CATEGORY_BREAKDOWNS:  # residence, education …: the column's own values
        if breakdown.name in roles:
            exprs.append(_categorical(raw, roles[breakdown.name].header).alias(breakdown.name))
    if "municipality" in roles:
        mapped, note = _municipality_expr(table, roles["municipality"].header, least)
        exprs.append(mapped.alias("municipality"))
        if note:
            notes.append(note)

    # date and period --------------------------------------------------------------------------------
    if date_expr is not None and distinct_dates is not None:  # set together, from the date column
        header = roles["date"].header
        problems.append((pl.col(header).is_not_null() & date_expr.is_null(), "date not understood"))
        problems.append((date_expr > pl.lit(today), "date in the future"))
        exprs.append(date_expr.alias("date"))
        # labelled per distinct date, not per row
        period_labels = (
            distinct_dates.to_frame("d").select(period_expr(pl.col("d"), config.period)).to_series()
        )
        exprs.append(_period_of(date_expr, distinct_dates, period_labels).alias("period"))

    # outcomes and criteria -----------------------------------------------------------------------------
    for spec in outcomes:
        expr, note = _outcome_expr(table, spec, least)
        exprs.append(expr.alias(OUTCOME_PREFIX + spec.name))
        if note:
            notes.append(note)
    for criterion_id, crit_headers in criteria.items():
        for header in crit_headers:
            exprs.append(_categorical(raw, header).alias(f"{CRITERION_PREFIX}{criterion_id}:{header}"))

    used = [r.header for r in roles.values()] + [s.column for s in outcomes] + sorted(criteria_headers)
    exprs.extend(pl.col(h).is_null().alias(MISSING_PREFIX + h) for h in dict.fromkeys(used))
    # whether a row is excluded, as a plain yes/no for the kept rows; the reason (the first check that
    # fails) only for the excluded ones, so no text is made for the millions kept
    excluded_row = pl.any_horizontal([c.fill_null(False) for c, _ in problems]) if problems else pl.lit(False)
    reason = (
        pl.coalesce([pl.when(c).then(pl.lit(r)) for c, r in problems])
        if problems
        else pl.lit(None, dtype=pl.String)
    )
    staged = raw.lazy()
    for stage in stages:
        if stage:
            staged = staged.with_columns(**stage)
    # The excluded rows first (few, small), then the kept rows in one select: filtering the whole
    # normalised frame afterwards would copy it (850 MB at 10M rows), and more with its columns in
    # differently many chunks.
    excluded = staged.filter(excluded_row).select(LINE, reason.alias("_excluded")).collect()
    _refuse_mostly_bad(excluded, roles, table)
    counts = excluded.group_by("_excluded").agg(pl.len(), pl.col(LINE).sort().head(_EXAMPLE_LINES))
    exclusions = {row["_excluded"]: int(row["len"]) for row in counts.iter_rows(named=True)}
    exclusion_lines = {row["_excluded"]: tuple(row[LINE]) for row in counts.iter_rows(named=True)}
    frame = staged.filter(~excluded_row).select(exprs).collect()
    # labels counted over every usable row of the file (not per period or unit): every run of the same
    # file pools the same values, so runs cannot be differenced to reveal them
    pooled: list[dict[str, Any]] = []
    always_kept: dict[str, frozenset[str]] = {b.name: frozenset() for b in CATEGORY_BREAKDOWNS}
    if "birth_region" in roles and "birth_country" not in roles:  # countries give only the regions
        always_kept["birth_region"] = frozenset({*geography.REGIONS, ABROAD})  # the tool's own categories
    if pool_municipalities:
        always_kept["municipality"] = frozenset()
    for dimension, kept in always_kept.items():
        if dimension not in frame.columns:
            continue
        header = roles[dimension].header
        # every value the column can hold: the file's own, and the kommunkoder they were written as
        candidates = _distinct(table, header)
        if dimension == "municipality":
            candidates += [c for c in map(geography.normalise_kommunkod, candidates) if c]
        frame, entry = _pool_labels(frame, dimension, header, least, kept, candidates)
        if entry:
            pooled.append(entry)
            notes.append(entry["check_note"])

    column_roles = _column_roles(headers, roles, outcomes, criteria)
    return Prepared(
        frame=frame,
        source=table.without_rows(),
        roles=roles,
        outcomes=outcomes,
        criteria=criteria,
        column_roles=column_roles,
        age_bands=bounds,
        age_band_labels=labels,
        age_band_source=band_source,
        rows_read=raw.height,
        exclusions=dict(sorted(exclusions.items())),
        exclusion_lines=dict(sorted(exclusion_lines.items())),
        notes=tuple(notes),
        pooled_labels=tuple(pooled),
    )


# --- roles ---------------------------------------------------------------------------------------------


def _check_config_headers(config: Config, headers: list[str], table: LoadedTable) -> None:
    """Every header the config names must exist in the file."""
    wanted: list[tuple[str, str]] = [(f"columns.{role}", h) for role, h in config.columns.items()]
    wanted += [(f"outcomes.{o.name}.column", o.column) for o in config.outcomes or ()]
    wanted += [(f"criteria.{cid}", h) for cid, hs in (config.criteria or {}).items() for h in hs]
    by_key = {header_key(h): h for h in headers}
    for dotted, header in wanted:
        if header in headers:
            continue
        same = by_key.get(header_key(header))
        close = [same] if same else difflib.get_close_matches(header, headers, n=2)
        hint = f"Menade du {' eller '.join(repr(c) for c in close)}? " if close else ""
        raise ConfigError(
            f"{config.path or 'Konfigurationen'}: `{dotted}` anger kolumnen '{header}', "
            f"men den finns inte i {table.path.name}.",
            f"{hint}Kolumnerna i filen är: {', '.join(repr(h) for h in headers)}.",
        )


def resolve_criteria(
    config: Config, headers: list[str], roles: dict[str, RoleMatch]
) -> dict[str, tuple[str, ...]]:
    if config.criteria is not None:
        return {cid: tuple(hs) for cid, hs in config.criteria.items() if hs}
    aliases = criteria_aliases(config.area)
    taken = {r.header for r in roles.values()}
    found: dict[str, list[str]] = {}
    for header in headers:
        criterion = aliases.get(header_key(header))
        if criterion and header not in taken:
            found.setdefault(criterion, []).append(header)
    return {cid: tuple(hs) for cid, hs in found.items()}


def resolve_outcomes(
    config: Config,
    table: LoadedTable,
    roles: dict[str, RoleMatch],
    criteria_headers: set[str],
) -> tuple[OutcomeSpec, ...]:
    """Outcomes from the config, or guessed: yes/no columns and numeric columns not used otherwise."""
    import polars as pl

    if config.outcomes is not None:
        return config.outcomes
    taken = {r.header for r in roles.values()} | criteria_headers
    candidates = [h for h in table.headers if h not in taken and not is_identifier_header(h)]
    if not candidates:
        return ()
    present = table.frame.select(pl.col(candidates).count()).row(0, named=True)
    yes_no = set(YES_CODES) | set(NO_CODES)
    outcomes: list[OutcomeSpec] = []
    names: set[str] = set()
    for header in candidates:
        n = present[header]
        if n == 0:
            continue
        values = table.distinct(header)
        unique = values.len()
        kind: str | None = None
        if unique <= 12:
            codes = {key(str(v)) for v in values.to_list()}
            if codes <= yes_no and codes & set(YES_CODES) and codes & set(NO_CODES):
                kind = outcome_kind_from_header(header)
        if kind is None:
            numbers = number_series(values)
            integers = numbers.null_count() == 0 and bool((numbers == numbers.floor()).all())
            looks_like_id = integers and unique > 0.9 * n
            # two whole numbers (0/1, 1/2) are codes, not amounts
            if numbers.null_count() == 0 and not looks_like_id and (unique > 2 or not integers):
                kind = "numeric"
        if kind is None:
            continue
        name = _unique_name(fold(header).replace(" ", "_") or "utfall", names)
        outcomes.append(OutcomeSpec(name=name, column=header, kind=kind, label=header))
    return tuple(outcomes)


def _unique_name(base: str, taken: set[str]) -> str:
    if base[0].isdigit():
        base = f"u_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _column_roles(
    headers: list[str],
    roles: dict[str, RoleMatch],
    outcomes: Iterable[OutcomeSpec],
    criteria: dict[str, tuple[str, ...]],
) -> dict[str, str]:
    result = dict.fromkeys(headers, "unused")
    for role, match in roles.items():
        result[match.header] = role
    for spec in outcomes:
        result[spec.column] = f"outcome:{spec.kind}"
    for criterion_id, crit_headers in criteria.items():
        for header in crit_headers:
            result[header] = f"criterion:{criterion_id}"
    return result


# --- values --------------------------------------------------------------------------------------------


def _distinct(table: LoadedTable, header: str) -> list[str]:
    import polars as pl

    return table.distinct(header).cast(pl.String).sort().to_list()


def _categorical(raw: pl.DataFrame, header: str) -> pl.Expr:
    """A column as categorical: as it is when it already is or is an Enum (Parquet text: categories of
    its own, which moving into the shared ones would cost a lookup per row), else cast."""
    import polars as pl

    if isinstance(raw.schema[header], pl.Categorical | pl.Enum):
        return pl.col(header)
    return pl.col(header).cast(pl.Categorical)


def _recode(table: LoadedTable, header: str, old: Sequence[Any], new: Sequence[Any], dtype: Any) -> pl.Expr:
    """The column `header` with each value in `old` (text) replaced by the `new` at the same place, as
    `dtype`; other values and nulls become null (`replace_strict` with default None).

    A categorical column (Parquet) is mapped by its codes: a lookup table indexed by the code, so no
    text is touched per row (several times faster than replacing the categories, and a categorical
    result costs no text either)."""
    import polars as pl

    column_type = table.frame.schema[header]
    if not isinstance(column_type, pl.Categorical | pl.Enum):
        return pl.col(header).replace_strict(list(old), list(new), default=None, return_dtype=dtype)
    # the codes of the old values in the column's own categories (cast to its very type)
    codes = pl.Series(list(old), dtype=pl.String).cast(column_type).to_physical().to_list()
    if isinstance(column_type, pl.Enum):  # no code beyond its categories: no pass over the rows
        highest = column_type.categories.len() - 1
    else:
        highest = table.frame.select(pl.col(header).to_physical().max()).item()
    size = max([*codes, -1 if highest is None else int(highest)]) + 1
    slots: list[Any] = [None] * size
    for code, value in zip(codes, new, strict=True):
        slots[code] = value
    lookup = pl.Series("lookup", slots, dtype=dtype)
    return pl.lit(lookup).gather(pl.col(header).to_physical()).alias(header)


def _period_of(dates: pl.Expr, distinct: pl.Series, labels: pl.Series) -> pl.Expr:
    """The period label (categorical) of each date, from the labels of the distinct dates: looked up by
    the day number in a table spanning the dates (no text per row), or replaced when they span more
    than a few centuries."""
    import polars as pl

    days = distinct.cast(pl.Int32).to_list()
    if not days or max(days) - min(days) > 100_000:
        return dates.replace_strict(distinct, labels, default=None, return_dtype=pl.String).cast(
            pl.Categorical
        )
    first = min(days)
    slots: list[str | None] = [None] * (max(days) - first + 1)
    for day, label in zip(days, labels.to_list(), strict=True):
        slots[day - first] = label
    lookup = pl.Series("lookup", slots, dtype=pl.Categorical)
    return pl.lit(lookup).gather(dates.cast(pl.Int32) - first)


def looks_like_category(value: str) -> bool:
    """Whether a data value may be a published label: not empty, at most 40 characters and 4 words, no
    sentence punctuation (a comma, semicolon, ! or ? followed by a word), no e-mail address, and no run
    of 6 or more digits once spaces, hyphens, dashes, dots, slashes and underscores are removed (a
    personnummer or a date of birth written with separators).

    >>> looks_like_category("Östra landsbygden"), looks_like_category("Mogadishu, kom med morbror Ahmed")
    (True, False)
    >>> looks_like_category("Hemlös se 071224 1231"), looks_like_category("Bor hos mormor på Storgatan 5")
    (False, False)
    """
    text = value.strip()
    return (
        bool(text)
        and len(text) <= _LABEL_MAX_CHARS
        and len(text.split()) <= _LABEL_MAX_WORDS
        and _LABEL_SENTENCE.search(text) is None
        and _LABEL_DIGIT_RUN.search(_LABEL_SEPARATORS.sub("", text)) is None
    )


def looks_like_code(value: str) -> bool:
    """Whether a value may be named in a message (so that it can be mapped): a category of at most 30
    characters and 2 words ('K', '3', 'Ickebinär', 'Nej tack'), not text someone wrote."""
    return looks_like_category(value) and len(value.strip()) <= _SHOWN_CODE_LENGTH and len(value.split()) <= 2


def shown_codes(codes: Iterable[str], counts: dict[str, int], least: int) -> str:
    """Unrecognised values in words for a message: how many, and by name (most frequent first, with
    their row counts) only those that look like codes and are held by at least `least` rows; never free
    text or a rare value, which could name or single out a person.

    >>> shown_codes(["3", "Ja, efter samtal", "9"], {"3": 12, "Ja, efter samtal": 7, "9": 1}, 5)
    "3 olika värden: '3' (12 rader); 2 av dem visas inte (fritext, långa värden eller färre än 5 rader)"
    """
    codes = list(codes)
    shown = sorted(
        (c for c in codes if looks_like_code(c) and counts.get(c, 0) >= least), key=lambda c: (-counts[c], c)
    )
    hidden = len(codes) - len(shown)
    text = f"{len(codes)} olika värden" if len(codes) != 1 else "1 värde"
    if shown:
        named = ", ".join(f"'{c}' ({counts[c]} rader)" for c in shown[:_SHOWN_CODES])
        more = f" och {len(shown) - _SHOWN_CODES} till" if len(shown) > _SHOWN_CODES else ""
        text += f": {named}{more}"
    if hidden:
        whom = "dem" if shown else ("det" if hidden == 1 else "de")
        text += (
            ("; " if shown else ", ")
            + (f"{hidden} av {whom}" if shown else whom)
            + (f" visas inte (fritext, långa värden eller färre än {least} rader)")
        )
    return text


def _pool_labels(
    frame: pl.DataFrame, column: str, header: str, least: int, kept: frozenset[str], candidates: list[str]
) -> tuple[pl.DataFrame, dict[str, Any] | None]:
    """Pool the values of a breakdown column that may not be labels (not category-like, or held by
    fewer than `least` rows) into `POOLED`; values in `kept` are the tool's own categories and stay.
    `candidates`: every value the (categorical) column may hold, or more; the rows are counted by their
    category codes (a bincount: a group-by on the text took 1.5 s at 10M rows).

    Returns the frame and, if anything was pooled, what may be said of it: the number of values and rows
    for `check` (the analyst's own view); for published outputs the number of values only when the
    pooled rows reach `least`, and the rows never exactly (an exact total beside suppressed tables would
    be a margin that uncovers them)."""
    import numpy as np
    import polars as pl

    physical = frame.get_column(column).to_physical()
    top = physical.max()
    if top is None:
        return frame, None
    assert isinstance(top, int)  # the physical codes of a categorical column
    if physical.null_count():
        physical = physical.fill_null(top + 1)
    per_code = np.bincount(physical.to_numpy(), minlength=top + 2)
    possible = [v for v in dict.fromkeys(candidates) if v not in kept and v != POOLED]
    codes = pl.Series(possible, dtype=pl.String).cast(frame.schema[column], strict=False).to_physical()
    pooled = {}
    for value, code in zip(possible, codes.to_list(), strict=True):
        n = int(per_code[code]) if code is not None and code <= top else 0
        if n and (n < least or not looks_like_category(value)):
            pooled[value] = n
    if not pooled:
        return frame, None
    rows = sum(pooled.values())
    # the column is rebuilt only when something is pooled (rare in a clean extract)
    dtype = frame.schema[column]
    is_pooled = pl.col(column).is_in(pl.Series(list(pooled), dtype=pl.String).cast(dtype).implode())
    if isinstance(dtype, pl.Categorical):  # its own categories (a Parquet file's): the label joins them
        replaced = pl.when(is_pooled).then(pl.lit(POOLED, dtype=dtype)).otherwise(pl.col(column))
    else:  # an Enum cannot hold the label
        replaced = pl.when(is_pooled).then(pl.lit(POOLED)).otherwise(pl.col(column).cast(pl.String))
        replaced = replaced.cast(pl.Categorical)
    frame = frame.with_columns(replaced.alias(column))
    values = len(pooled)
    plural = "värden" if values != 1 else "värde"
    what = "fritext, ser ut som identitetsuppgifter eller delas av färre än"
    check_note = (
        f"'{header}': {values} {plural} på {rows} rader ({what} {least} personer) redovisas inte var för sig "
        f"utan som gruppen '{POOLED}'."
    )
    if rows >= least:
        published = (
            f"'{header}': {values} {plural} ({what} {least} personer) redovisas som gruppen '{POOLED}', "
            f"som har minst {least} personer."
        )
    else:
        published = (
            f"'{header}': några värden ({what} {least} personer) redovisas som gruppen '{POOLED}', som har "
            f"färre än {least} personer och därför döljs."
        )
    entry = {
        "column": header,
        "dimension": column,
        "values": values if rows >= least else None,
        "at_least_min_cell": rows >= least,
        "note": published,
        "check_note": check_note,
    }
    return frame, entry


def _value_counts(raw: pl.DataFrame, header: str, values: list[str]) -> dict[str, int]:
    import polars as pl

    col = pl.col(header).cast(pl.String)
    counted = raw.select(col).filter(col.is_in(values)).group_by(header).len()
    return {row[0]: int(row[1]) for row in counted.iter_rows()}


def _sex_expr(table: LoadedTable, header: str, config: Config, least: int) -> pl.Expr:
    import polars as pl

    lookup = sex_lookup(config.values.get("sex"))
    raw = table.frame
    distinct = _distinct(table, header)
    mapping = {v: lookup.get(key(v)) for v in distinct}
    unknown = [v for v, sex in mapping.items() if sex is None]
    if unknown:
        counts = _value_counts(raw, header, unknown)
        numeric = all(v.strip().isdigit() for v in unknown)
        if numeric:
            hint = (
                "oppnaogon gissar aldrig vad sifferkoder betyder (SCB kodar 1 = man och 2 = kvinna, men andra "
                'system gör tvärtom). Ange kodningen i oppnaogon.toml, t.ex.:\n  [values.sex]\n  female = ["2"]\n'
                '  male = ["1"]'
            )
        else:
            hint = (
                "Kända koder är t.ex. K/M, Kvinna/Man, Flicka/Pojke, F/M, Annat och Okänt. Ange fler koder i "
                'oppnaogon.toml under [values.sex], t.ex. female = ["Tjej"], other = ["Ickebinär"].'
            )
        raise DataError(
            f"Kolumnen '{header}' (kön) i {table.path.name} har koder som inte känns igen: "
            f"{shown_codes(unknown, counts, least)}.",
            hint,
        )
    return (
        _recode(table, header, list(mapping), list(mapping.values()), pl.Enum(list(SEX_VALUES)))
        .fill_null("unknown")
        .alias("sex")
    )


def _is_text(dtype: pl.DataType) -> bool:
    """Text as read: String from CSV and Excel, Categorical or Enum from Parquet (see `loading`)."""
    import polars as pl

    return dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)


def _number_expr(raw: pl.DataFrame, header: str) -> pl.Expr:
    """A column as Float64: decimal comma, spaces and non-breaking spaces as thousands separators."""
    import polars as pl

    dtype = raw.schema[header]
    if dtype.is_numeric():
        return pl.col(header).cast(pl.Float64)
    return (
        pl.col(header)
        .cast(pl.String)
        .str.replace_all(r"[\s\u00a0\u202f]", "")
        .str.replace(",", ".", literal=True)
        .cast(pl.Float64, strict=False)
    )


def number_series(series: pl.Series) -> pl.Series:

    frame = series.to_frame("v")
    return frame.select(_number_expr(frame, "v")).to_series()


_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%d.%m.%Y", "%d/%m/%Y")
_EXCEL_EPOCH = date(1899, 12, 30)


def _date_expr(table: LoadedTable, header: str) -> pl.Expr:
    """Dates as written in exports: ISO (also with a time), YYYYMMDD, d.m.Y, d/m/Y, or Excel day numbers.

    Parsed once per distinct value (an extract has a few hundred dates, not a million) and mapped back.
    """
    return _date_mapping(table, header)[0]


def _date_mapping(table: LoadedTable, header: str) -> tuple[pl.Expr, pl.Series]:
    """The date expression and the distinct dates it can produce (for labels derived from dates)."""
    import polars as pl

    dtype = table.frame.schema[header]
    if dtype == pl.Date:
        return pl.col(header), table.distinct(header)
    if isinstance(dtype, pl.Datetime):
        return pl.col(header).dt.date(), table.distinct(header).dt.date().unique()
    distinct = table.distinct(header).cast(pl.String)
    parsed = distinct.to_frame("v").select(_parse_dates(pl.col("v"))).to_series()
    expr = _recode(table, header, distinct.to_list(), parsed.to_list(), pl.Date)
    return expr, parsed.drop_nulls().unique()


def _number_of(table: LoadedTable, header: str) -> pl.Expr:
    """Like `_number_expr`, but parsed per distinct value when the column repeats its values (ages,
    hours): the text clean-up then runs hundreds of times instead of once per row."""
    import polars as pl

    if not _is_text(table.frame.schema[header]):
        return _number_expr(table.frame, header)
    distinct = table.distinct(header)
    if distinct.len() > max(1000, table.frame.height // 10):
        return _number_expr(table.frame, header)
    parsed = number_series(distinct)
    return _recode(table, header, distinct.cast(pl.String).to_list(), parsed.to_list(), pl.Float64)


def _parse_dates(text: pl.Expr) -> pl.Expr:
    import polars as pl

    text = text.str.strip_chars()
    iso_prefix = text.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[ T].*)?$")
    serial = text.str.extract(r"^(\d{5})(?:\.0+)?$").cast(pl.Int32, strict=False)
    parsed = [iso_prefix.str.to_date("%Y-%m-%d", strict=False)]
    parsed += [text.str.to_date(fmt, strict=False) for fmt in _DATE_FORMATS[1:]]
    parsed.append(
        pl.when(serial.is_between(20000, 80000)).then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial))
    )
    return pl.coalesce(parsed)


def _age_from_birth(
    table: LoadedTable, roles: dict[str, RoleMatch], date_expr: pl.Expr | None, config: Config
) -> tuple[pl.Expr, list[tuple[pl.Expr, str]]]:
    """Age at the row's date (or `reference_date`) from a birth date or birth year, and the checks of
    its rows: (condition, reason)."""
    import polars as pl

    if date_expr is not None:
        reference = date_expr if config.reference_date is None else pl.lit(config.reference_date)
    elif config.reference_date is not None:
        reference = pl.lit(config.reference_date)
    else:
        source = roles.get("birth_date", roles.get("birth_year"))
        raise ConfigError(
            f"Åldern måste räknas fram ur '{source.header if source else 'födelsedatum'}', men filen har inget "
            "datum att räkna från.",
            'Ange ett referensdatum i oppnaogon.toml, t.ex. reference_date = "2026-06-30", eller en datumkolumn '
            'under [columns] date = "Beslutsdatum".',
        )
    problems: list[tuple[pl.Expr, str]] = []
    if "birth_date" in roles:
        header = roles["birth_date"].header
        born = _date_expr(table, header)
        year_only = _number_of(table, header)
        # A "birth date" column that holds only years (e.g. 2012) is read as a birth year.
        born_year = pl.when(born.is_null() & year_only.is_between(1880, 2100)).then(year_only)
        exact = (reference.dt.year() - born.dt.year()) - (
            (reference.dt.month() * 100 + reference.dt.day()) < (born.dt.month() * 100 + born.dt.day())
        ).cast(pl.Int32)
        age = pl.coalesce(exact.cast(pl.Float64), reference.dt.year().cast(pl.Float64) - born_year)
        problems.append(
            (pl.col(header).is_not_null() & born.is_null() & born_year.is_null(), "birth date not understood")
        )
        problems.append((born > reference, "birth date after reference date"))
        return age, problems
    header = roles["birth_year"].header
    year = _number_of(table, header)
    problems.append((pl.col(header).is_not_null() & year.is_null(), "age not a number"))
    return reference.dt.year().cast(pl.Float64) - year, problems


def period_expr(date_expr: pl.Expr, unit: str) -> pl.Expr:
    """Period label of a date: `2026K3` (quarter), `2026T2` (tertial), `2026M05` (month) or `2026`."""
    import polars as pl

    year = date_expr.dt.year().cast(pl.String)
    month = date_expr.dt.month()
    if unit == "quarter":
        return year + pl.lit("K") + ((month - 1) // 3 + 1).cast(pl.String)
    if unit == "tertial":
        return year + pl.lit("T") + ((month - 1) // 4 + 1).cast(pl.String)
    if unit == "month":
        return year + pl.lit("M") + month.cast(pl.String).str.zfill(2)
    return year


def _region_expr(
    table: LoadedTable, header: str, role: str, config: Config, least: int
) -> tuple[pl.Expr, str | None]:
    """Birth country → SCB region (or an already grouped value → region). Unrecognised values are noted."""
    import polars as pl

    raw = table.frame

    countries = geography.country_regions()
    grouped = geography.grouped_regions()
    configured = {
        key(code): region for region, codes in config.values.get("birth_region", {}).items() for code in codes
    }
    mapping: dict[str, str | None] = {}
    unrecognised: list[str] = []
    for value in _distinct(table, header):
        k = key(value)
        region = configured.get(k) or grouped.get(k) or (ABROAD if k in _ABROAD_KEYS else None)
        if region is None and role == "birth_country":
            region = countries.get(k)
        if region is None:
            if role == "birth_region":
                region = value  # an already grouped value we do not know: kept as the export has it
            else:
                unrecognised.append(value)
        mapping[value] = region
    note = None
    if unrecognised:
        counts = _value_counts(raw, header, unrecognised)
        total = sum(counts.values())
        note = (
            f"'{header}': {total} rader har födelseland som inte känns igen och räknas som okänd region, "
            f"{shown_codes(unrecognised, counts, least)}. Ange dem i oppnaogon.toml "
            "under [values.birth_region] (sweden, nordic, eu_efta, rest_of_world)."
        )
    return _recode(table, header, list(mapping), list(mapping.values()), pl.Categorical), note


def _municipality_expr(table: LoadedTable, header: str, least: int) -> tuple[pl.Expr, str | None]:
    """Kommunkod as a 4-character string (Excel drops the leading zero: 180 → 0180); known names kept.

    A value that is neither a known kommunkod nor a known name (free text, a code SCB does not have)
    counts as a missing municipality: it is never a label, a unit of `batch` or part of a file name."""
    import polars as pl

    known = geography.kommuner()
    names = {name.casefold() for name in known.values()}
    mapping: dict[str, str | None] = {}
    unknown: list[str] = []
    for value in _distinct(table, header):
        code = geography.normalise_kommunkod(value)
        if code in known:
            mapping[value] = code
        elif value.strip().casefold() in names:
            mapping[value] = value
        else:
            mapping[value] = None
            unknown.append(value)
    note = None
    if unknown:
        counts = _value_counts(table.frame, header, unknown)
        note = (
            f"'{header}': {sum(counts.values())} rader har en kommun som varken är en känd kommunkod (SCB) eller "
            f"ett kommunnamn och räknas som saknad kommun, {shown_codes(unknown, counts, least)}."
        )
    return _recode(table, header, list(mapping), list(mapping.values()), pl.Categorical), note


def _outcome_expr(table: LoadedTable, spec: OutcomeSpec, least: int) -> tuple[pl.Expr, str | None]:
    import polars as pl

    raw = table.frame

    header = spec.column
    if spec.kind == "numeric":
        number = _number_of(table, header)
        unreadable = table.distinct(header).filter(number_series(table.distinct(header)).is_null())
        bad = raw.select(pl.col(header).is_in(unreadable.implode()).sum()).item() if unreadable.len() else 0
        note = (
            f"'{header}': {bad} värden är inte tal och räknas som saknade för utfallet {spec.name}."
            if bad
            else None
        )
        return number, note
    positive = {key(v) for v in spec.positive} if spec.positive else set(YES_CODES)
    negative = {key(v) for v in spec.negative} if spec.negative else set(NO_CODES) - positive
    mapping: dict[str, bool] = {}
    unknown: list[str] = []
    for value in _distinct(table, header):
        k = key(value)
        if k in positive:
            mapping[value] = True
        elif k in negative:
            mapping[value] = False
        else:
            unknown.append(value)
    if unknown:
        counts = _value_counts(raw, header, unknown)
        raise DataError(
            f"Utfallet {spec.name} (kolumnen '{header}' i {table.path.name}) har värden som varken är ja eller nej: "
            f"{shown_codes(unknown, counts, least)}.",
            f"Ange i oppnaogon.toml under [outcomes.{spec.name}] vilka värden som är ja och nej, t.ex. "
            'positive = ["Ja", "Delvis"] och negative = ["Nej"], eller lägg till saknade-markörer under '
            "[input] missing.",
        )
    return _recode(table, header, list(mapping), list(mapping.values()), pl.Boolean), None


_SEX_WORDS = ("kon", "sex", "gender")


def _refuse_without_sex(table: LoadedTable) -> None:
    """Without a column for sex there is nothing to compare: every row would be of unknown sex and every
    comparison empty, so say so instead of writing an empty report. Headers that look like one are named
    (headers, not values: they are already shown by `check`)."""
    likely = [h for h in table.headers if set(re.findall(r"[a-z]+", fold(h))) & set(_SEX_WORDS)]
    example = likely[0] if likely else "Kön"
    named = f" Rubriker som kan vara kön: {', '.join(repr(h) for h in likely[:5])}." if likely else ""
    raise DataError(
        f"Ingen kolumn för kön hittades i {table.path.name}: oppnaogon känner igen rubriker som Kön, "
        f"Juridiskt kön och Sex, och utan kön finns inget att jämföra.{named}",
        f'Ange kolumnen i oppnaogon.toml under [columns], t.ex. sex = "{example}" (skapa filen med '
        "`oppnaogon init` om den saknas).",
    )


def _refuse_mostly_bad(excluded: pl.DataFrame, roles: dict[str, RoleMatch], table: LoadedTable) -> None:
    """If most values of a role column cannot be read, the column is the wrong one: say so plainly.
    `excluded`: the line and reason of every excluded row."""
    import polars as pl

    checks = {
        "age": ("age not a number", "ålder", "heltal, t.ex. 14"),
        "date": ("date not understood", "datum", "datum som 2026-03-31"),
        "birth_date": ("birth date not understood", "födelsedatum", "datum som 2012-03-31"),
    }
    for role, (reason, word, example) in checks.items():
        if role not in roles:
            continue
        header = roles[role].header
        present = table.frame.height - table.frame.get_column(header).null_count()
        bad = excluded.filter(pl.col("_excluded") == reason)
        if present and bad.height > _MOSTLY_BAD * present:
            lines = ", ".join(str(v) for v in bad.get_column(LINE).head(_EXAMPLE_LINES).to_list())
            raise DataError(
                f"Kolumnen '{header}' i {table.path.name} används som {word}, men {bad.height} av {present} värden "
                f"kan inte läsas som {word} (t.ex. {table.where()} {lines}).",
                f"Kontrollera att det är rätt kolumn och att värdena är {example}. Ange annars rätt kolumn under "
                f"[columns] {role} i oppnaogon.toml.",
            )
