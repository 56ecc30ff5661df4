"""findings.json as typed, immutable values: `Findings.from_dict` reads one, `Findings.to_dict` writes it.

Each part of the document is a frozen dataclass whose fields are the JSON keys in the order
`oppnaogon analyse` writes them, so that findings.json written from `Findings.from_dict(d).to_dict()` is
the text `d` was read from, byte for byte. The lists of the JSON are tuples here and a group
(`breakdown`) is a tuple of (dimension, value) pairs, so that a value cannot be changed after it is read. `docs/findings.schema.json`
is the same format as a JSON Schema, with what each key means; `docs/findings.md` gives the overview.

A key that only some documents have is of one of two kinds:

* a key that is never null when present (the top level's `period`, a numeric outcome's `criteria`, …) is
  None when absent;
* a key that may be null when present (a difference's `smd` and `explained_part`) is `ABSENT` when absent.

Some keys come and go together; they are one field of their own type, written out flat: a numeric
outcome's `sd`, `median`, `median_ci` (`NumericSummary`), a criterion's figures compared alone
(`CriterionComparison`) or why it was not (`CriterionNotCompared`), and an earlier period's `rows`,
`descriptives` and `differences` (`PeriodFigures`).

`from_dict` refuses (`FindingsFileError`, in Swedish) a document that is not findings.json in this format:
a missing or unknown key, a value of the wrong type, or a code outside its closed set. The message names
the file and the key (`differences[3].verdict`), never a value: a file given by mistake may hold anything.

This module imports only the standard library and `oppnaogon.errors` (it is the model that the other
parts of the tool read and write).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar, cast, get_args

from oppnaogon.errors import UsageError

__all__ = [
    "ABSENT",
    "SCHEMA_VERSION",
    "Absent",
    "Accommodation",
    "AccommodationBySex",
    "AdjustedMean",
    "AdjustedShare",
    "Breakdown",
    "Change",
    "CriteriaTable",
    "CriterionComparison",
    "CriterionNotCompared",
    "CriterionResult",
    "DataQuality",
    "Descriptive",
    "Difference",
    "Disclosure",
    "ExplainedPart",
    "Findings",
    "FindingsFileError",
    "Followup",
    "FollowupCounts",
    "FollowupMethod",
    "FollowupPrevious",
    "Input",
    "MissingnessFlag",
    "NumericSummary",
    "Outcome",
    "PeriodDifference",
    "PeriodFigures",
    "PeriodInfo",
    "PeriodPoint",
    "PooledLabel",
    "Population",
    "Settings",
    "Tool",
    "WholeGroupHidden",
    "Worksheet",
]

SCHEMA_VERSION: Final = 1
"""The version of findings.json this module reads and writes."""

# The closed sets of codes (docs/findings.schema.json has the same ones).
Verdict = Literal["motivated", "partly_explained", "unmotivated", "inconclusive", "not_assessable"]
OutcomeKind = Literal["decision", "participation", "proportion", "numeric"]
Sex = Literal["female", "male", "other", "unknown"]
ComparedSex = Literal["female", "male"]
Figures = Literal["exact", "rounded", "withheld"]
Test = Literal["fisher", "chi2", "none", "mann-whitney"]
MissingnessTest = Literal["fisher", "chi2", "none"]
AgeGroup = Literal["children", "adults", "mixed"]
NumericCriteria = Literal["decision", "participation", "none"]
PeriodUnit = Literal["quarter", "tertial", "month", "year"]
PeriodRole = Literal["previous", "year_earlier", "current"]
Trend = Literal["grew", "shrank", "reversed", "stayed", "not_comparable"]

VERDICTS: Final[tuple[Verdict, ...]] = get_args(Verdict)
OUTCOME_KINDS: Final[tuple[OutcomeKind, ...]] = get_args(OutcomeKind)
SEXES: Final[tuple[Sex, ...]] = get_args(Sex)
COMPARED_SEXES: Final[tuple[ComparedSex, ...]] = get_args(ComparedSex)
FIGURES: Final[tuple[Figures, ...]] = get_args(Figures)
TESTS: Final[tuple[Test, ...]] = get_args(Test)
MISSINGNESS_TESTS: Final[tuple[MissingnessTest, ...]] = get_args(MissingnessTest)
AGE_GROUPS: Final[tuple[AgeGroup, ...]] = get_args(AgeGroup)
NUMERIC_CRITERIA: Final[tuple[NumericCriteria, ...]] = get_args(NumericCriteria)
PERIOD_UNITS: Final[tuple[PeriodUnit, ...]] = get_args(PeriodUnit)
PERIOD_ROLES: Final[tuple[PeriodRole, ...]] = get_args(PeriodRole)
TRENDS: Final[tuple[Trend, ...]] = get_args(Trend)

Interval = tuple[float, float]
"""An interval [lower, upper] (both published)."""
Limits = tuple[float | None, float | None]
"""An interval of adjusted figures, whose limits are null when the figures are withheld."""
Breakdown = tuple[tuple[str, str | None], ...]
"""A group: (dimension, value) pairs in the JSON's order, value None where not recorded; () is the whole
group."""

JSON = dict[str, Any]


class Absent(enum.Enum):
    """The value of a key that may be null when present and is not present."""

    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = Absent.ABSENT


class FindingsFileError(UsageError):
    """A document given as findings.json that is not one in this format (exit code 2)."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(
            f"{source} är ingen findings.json från oppnaogon (schema_version {SCHEMA_VERSION}): {problem}.",
            "Ange findings.json från en tidigare körning av oppnaogon analyse, oförändrad.",
        )


# --- reading -------------------------------------------------------------------------------------------

_C = TypeVar("_C", bound=str | None)
_S = TypeVar("_S", bound=str)
_T = TypeVar("_T")
_MISSING: Final = object()


def _type_name(value: object) -> str:
    """What a JSON value is, in Swedish (never the value itself: the file may hold anything)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "ett sanningsvärde"
    if isinstance(value, int | float):
        return "ett tal"
    if isinstance(value, str):
        return "en text"
    if isinstance(value, list | tuple):
        return "en lista"
    if isinstance(value, Mapping):
        return "ett objekt"
    return "ett okänt värde"


class _Reader:
    """One JSON object of the document, read key by key; `done` refuses the keys that nothing read."""

    __slots__ = ("_data", "_path", "_read", "_source")

    def __init__(self, data: object, path: str, source: str) -> None:
        self._source, self._path = source, path
        if not isinstance(data, Mapping):
            raise self._error(f"{self._where()} ska vara ett objekt men är {_type_name(data)}")
        self._data: Mapping[str, Any] = data
        self._read: set[str] = set()

    def _where(self, key: str | None = None) -> str:
        if key is None:
            return f"'{self._path}'" if self._path else "filen"
        return f"'{self._path}.{key}'" if self._path else f"'{key}'"

    def _error(self, problem: str) -> FindingsFileError:
        return FindingsFileError(self._source, problem)

    def _key_path(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def has(self, key: str) -> bool:
        return key in self._data

    def _value(self, key: str) -> Any:
        value = self._data.get(key, _MISSING)
        if value is _MISSING:
            raise self._error(f"nyckeln {self._where(key)} saknas")
        self._read.add(key)
        return value

    def _wrong(self, key: str, value: object, expected: str) -> FindingsFileError:
        return self._error(f"{self._where(key)} ska vara {expected} men är {_type_name(value)}")

    def done(self) -> None:
        unknown = [k for k in self._data if k not in self._read]
        if unknown:
            raise self._error(f"nyckeln {self._where(str(unknown[0]))} är okänd")

    # scalars
    def text(self, key: str) -> str:
        value = self._value(key)
        if not isinstance(value, str):
            raise self._wrong(key, value, "en text")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self._value(key)
        if value is not None and not isinstance(value, str):
            raise self._wrong(key, value, "en text eller null")
        return value

    def flag(self, key: str) -> bool:
        value = self._value(key)
        if not isinstance(value, bool):
            raise self._wrong(key, value, "true eller false")
        return value

    def optional_flag(self, key: str) -> bool | None:
        value = self._value(key)
        if value is not None and not isinstance(value, bool):
            raise self._wrong(key, value, "true, false eller null")
        return value

    def integer(self, key: str) -> int:
        value = self._value(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._wrong(key, value, "ett heltal")
        return value

    def optional_integer(self, key: str) -> int | None:
        value = self._value(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._wrong(key, value, "ett heltal eller null")
        return value

    def number(self, key: str) -> float:
        # kept as read (an int stays an int), so that the JSON is written back unchanged
        value = self._value(key)
        if not _is_number(value):
            raise self._wrong(key, value, "ett tal")
        return cast("float", value)  # a finite int or float, as checked (an int stays one)

    def optional_number(self, key: str) -> float | None:
        value = self._value(key)
        if value is not None and not _is_number(value):
            raise self._wrong(key, value, "ett tal eller null")
        return cast("float | None", value)  # None or a finite int or float, as checked

    def choice(self, key: str, allowed: Sequence[_C]) -> _C:
        value = self._value(key)
        for option in allowed:  # the option itself is returned: typed as the closed set is
            if value == option and (value is None) == (option is None):
                return option
        shown = ", ".join("null" if a is None else str(a) for a in allowed)
        raise self._error(f"{self._where(key)} har ett värde utanför de tillåtna ({shown})")

    def choices(self, key: str, allowed: Sequence[_S], exactly: Sequence[_S] | None = None) -> tuple[_S, ...]:
        """A list of codes of a closed set (`exactly`: the only list allowed)."""
        items = self._list(key) or []
        chosen = []
        for i, item in enumerate(items):
            match = next((option for option in allowed if option == item and isinstance(item, str)), None)
            if match is None:
                shown = ", ".join(allowed)
                raise self._error(f"'{self._key_path(key)}[{i}]' har ett värde utanför de tillåtna ({shown})")
            chosen.append(match)
        if exactly is not None and tuple(chosen) != tuple(exactly):
            raise self._error(f"{self._where(key)} ska vara [{', '.join(exactly)}]")
        return tuple(chosen)

    def peek(self, key: str) -> object:
        """The value at `key` (None when absent), not yet counted as read."""
        return self._data.get(key)

    # lists and objects
    def _list(self, key: str, nullable: bool = False) -> list[Any] | None:
        value = self._value(key)
        if value is None and nullable:
            return None
        if not isinstance(value, list):
            raise self._wrong(key, value, "en lista eller null" if nullable else "en lista")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        items = self._list(key) or []
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise self._error(f"'{self._key_path(key)}[{i}]' ska vara en text men är {_type_name(item)}")
        return tuple(items)

    def optional_texts(self, key: str) -> tuple[str, ...] | None:
        if self._data.get(key) is None and key in self._data:
            self._read.add(key)
            return None
        return self.texts(key)

    def text_lists(self, key: str) -> tuple[tuple[str, ...], ...]:
        """A list of lists of texts (`breakdowns`)."""
        items = self._list(key) or []
        result = []
        for i, item in enumerate(items):
            where = f"{self._key_path(key)}[{i}]"
            if not isinstance(item, list) or not all(isinstance(x, str) for x in item):
                raise self._error(f"'{where}' ska vara en lista av texter men är {_type_name(item)}")
            result.append(tuple(item))
        return tuple(result)

    def interval(self, key: str) -> Interval:
        value = self._value(key)
        if not (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
            raise self._wrong(key, value, "en lista av två tal")
        return value[0], value[1]

    def optional_interval(self, key: str) -> Interval | None:
        if key in self._data and self._data[key] is None:
            self._read.add(key)
            return None
        try:
            return self.interval(key)
        except FindingsFileError:
            raise self._wrong(key, self._data.get(key), "en lista av två tal eller null") from None

    def limits(self, key: str) -> Limits:
        value = self._value(key)
        if not (
            isinstance(value, list) and len(value) == 2 and all(v is None or _is_number(v) for v in value)
        ):
            raise self._wrong(key, value, "en lista av två tal (eller null)")
        return value[0], value[1]

    def breakdown(self, key: str) -> Breakdown:
        value = self._value(key)
        if not isinstance(value, Mapping):
            raise self._wrong(key, value, "ett objekt")
        for dimension, group in value.items():
            if group is not None and not isinstance(group, str):
                raise self._error(
                    f"'{self._key_path(key)}.{dimension}' ska vara en text eller null men är "
                    f"{_type_name(group)}"
                )
        return tuple(value.items())

    def counts(self, key: str) -> tuple[tuple[str, int | None], ...]:
        """An object of counts (`rows_excluded`): key → a whole number or null."""
        reader = self.child(key)
        pairs = tuple((name, reader.optional_integer(name)) for name in list(reader._data))
        reader.done()
        return pairs

    def child(self, key: str) -> _Reader:
        return _Reader(self._value(key), self._key_path(key), self._source)

    def parse(self, key: str, read: Callable[[_Reader], _T]) -> _T:
        """The object at `key`, read by `read` (a `from_reader`); every key of it must be read."""
        reader = self.child(key)
        result = read(reader)
        reader.done()
        return result

    def optional_parse(self, key: str, read: Callable[[_Reader], _T]) -> _T | None:
        if key in self._data and self._data[key] is None:
            self._read.add(key)
            return None
        return self.parse(key, read)

    def parse_all(self, key: str, read: Callable[[_Reader], _T], nullable: bool = False) -> tuple[_T, ...]:
        items = self._list(key, nullable=nullable)
        result = []
        for i, item in enumerate(items or []):
            reader = _Reader(item, f"{self._key_path(key)}[{i}]", self._source)
            result.append(read(reader))
            reader.done()
        return tuple(result)

    def optional_parse_all(self, key: str, read: Callable[[_Reader], _T]) -> tuple[_T, ...] | None:
        if key in self._data and self._data[key] is None:
            self._read.add(key)
            return None
        return self.parse_all(key, read)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _limits(pair: Limits | Interval | None) -> list[float | None] | None:
    return None if pair is None else [pair[0], pair[1]]


# --- the parts -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tool:
    """`tool`: the tool that wrote the file."""

    name: str
    version: str

    @classmethod
    def from_reader(cls, r: _Reader) -> Tool:
        return cls(name=r.text("name"), version=r.text("version"))

    def to_dict(self) -> JSON:
        return {"name": self.name, "version": self.version}


@dataclass(frozen=True, slots=True)
class Input:
    """`input`: the extract; counts under the disclosure rule of every table (None: hidden)."""

    file: str
    sha256: str
    rows: int | None
    rows_used: int | None
    rows_excluded: tuple[tuple[str, int | None], ...]

    @classmethod
    def from_reader(cls, r: _Reader) -> Input:
        return cls(
            file=r.text("file"),
            sha256=r.text("sha256"),
            rows=r.optional_integer("rows"),
            rows_used=r.optional_integer("rows_used"),
            rows_excluded=r.counts("rows_excluded"),
        )

    def to_dict(self) -> JSON:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "rows": self.rows,
            "rows_used": self.rows_used,
            "rows_excluded": dict(self.rows_excluded),
        }


@dataclass(frozen=True, slots=True)
class Settings:
    """`settings`: the settings of the run."""

    min_cell: int
    area: str | None
    period: str | None
    alpha: float
    min_diff: float
    min_smd: float
    confidence: float
    age_bands: tuple[str, ...]
    multiple_testing: str = "benjamini-hochberg"

    @classmethod
    def from_reader(cls, r: _Reader) -> Settings:
        return cls(
            min_cell=r.integer("min_cell"),
            area=r.optional_text("area"),
            period=r.optional_text("period"),
            alpha=r.number("alpha"),
            min_diff=r.number("min_diff"),
            min_smd=r.number("min_smd"),
            confidence=r.number("confidence"),
            age_bands=r.texts("age_bands"),
            multiple_testing=r.choice("multiple_testing", ("benjamini-hochberg",)),
        )

    def to_dict(self) -> JSON:
        return {
            "min_cell": self.min_cell,
            "area": self.area,
            "period": self.period,
            "alpha": self.alpha,
            "min_diff": self.min_diff,
            "min_smd": self.min_smd,
            "confidence": self.confidence,
            "age_bands": list(self.age_bands),
            "multiple_testing": self.multiple_testing,
        }


@dataclass(frozen=True, slots=True)
class Population:
    """`population`: who the rows are about (children, adults or mixed)."""

    age_group: AgeGroup

    @classmethod
    def from_reader(cls, r: _Reader) -> Population:
        return cls(age_group=r.choice("age_group", AGE_GROUPS))

    def to_dict(self) -> JSON:
        return {"age_group": self.age_group}


@dataclass(frozen=True, slots=True)
class Outcome:
    """`outcomes[]`; `criteria` (whose criteria judge it) only for a numeric outcome, else None."""

    name: str
    kind: OutcomeKind
    column: str
    label: str
    criteria: NumericCriteria | None = None

    @classmethod
    def from_reader(cls, r: _Reader) -> Outcome:
        return cls(
            name=r.text("name"),
            kind=r.choice("kind", OUTCOME_KINDS),
            column=r.text("column"),
            label=r.text("label"),
            criteria=r.choice("criteria", NUMERIC_CRITERIA) if r.has("criteria") else None,
        )

    def to_dict(self) -> JSON:
        out: JSON = {"name": self.name, "kind": self.kind, "column": self.column, "label": self.label}
        if self.criteria is not None:
            out["criteria"] = self.criteria
        return out


@dataclass(frozen=True, slots=True)
class NumericSummary:
    """A numeric outcome's `sd`, `median` and `median_ci` of a `Descriptive` (None: hidden)."""

    sd: float | None
    median: float | None
    median_ci: Interval | None


@dataclass(frozen=True, slots=True)
class Descriptive:
    """`descriptives[]` (and the whole-group ones of `comparison[]`, `trend[]`): one sex in one group."""

    outcome: str
    kind: OutcomeKind
    breakdown: Breakdown
    sex: Sex
    n: int | None
    value: float | None
    ci: Interval | None
    suppressed: bool
    numeric: NumericSummary | None = None

    @classmethod
    def from_reader(cls, r: _Reader) -> Descriptive:
        return cls(
            outcome=r.text("outcome"),
            kind=r.choice("kind", OUTCOME_KINDS),
            breakdown=r.breakdown("breakdown"),
            sex=r.choice("sex", SEXES),
            n=r.optional_integer("n"),
            value=r.optional_number("value"),
            ci=r.optional_interval("ci"),
            suppressed=r.flag("suppressed"),
            numeric=NumericSummary(
                sd=r.optional_number("sd"),
                median=r.optional_number("median"),
                median_ci=r.optional_interval("median_ci"),
            )
            if r.has("sd") or r.has("median") or r.has("median_ci")
            else None,
        )

    def to_dict(self) -> JSON:
        out: JSON = {
            "outcome": self.outcome,
            "kind": self.kind,
            "breakdown": dict(self.breakdown),
            "sex": self.sex,
            "n": self.n,
            "value": self.value,
            "ci": _limits(self.ci),
            "suppressed": self.suppressed,
        }
        if self.numeric is not None:
            out["sd"] = self.numeric.sd
            out["median"] = self.numeric.median
            out["median_ci"] = _limits(self.numeric.median_ci)
        return out


@dataclass(frozen=True, slots=True)
class CriterionComparison:
    """A criterion compared alone: the figures of a `CriterionResult` (None: withheld)."""

    adjusted_estimate: float | None
    ci: Limits
    p_value: float | None
    explains: bool
    known_share: float
    figures: Figures


@dataclass(frozen=True, slots=True)
class CriterionNotCompared:
    """A criterion recorded but not comparable alone: why (`reason`) and for how many (`known_share`)."""

    reason: str
    known_share: float


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """`differences[].criteria[]`: one criterion of the outcome's kind; at most one of `comparison` and
    `not_compared`; `information_needed` (None: absent) when it has no or too little data."""

    id: str
    name: str
    available: bool
    columns: tuple[str, ...]
    comparison: CriterionComparison | None = None
    not_compared: CriterionNotCompared | None = None
    information_needed: tuple[str, ...] | None = None

    @classmethod
    def from_reader(cls, r: _Reader) -> CriterionResult:
        comparison = not_compared = None
        if r.has("reason"):
            not_compared = CriterionNotCompared(reason=r.text("reason"), known_share=r.number("known_share"))
        elif r.has("adjusted_estimate"):
            comparison = CriterionComparison(
                adjusted_estimate=r.optional_number("adjusted_estimate"),
                ci=r.limits("ci"),
                p_value=r.optional_number("p_value"),
                explains=r.flag("explains"),
                known_share=r.number("known_share"),
                figures=r.choice("figures", FIGURES),
            )
        return cls(
            id=r.text("id"),
            name=r.text("name"),
            available=r.flag("available"),
            columns=r.texts("columns"),
            comparison=comparison,
            not_compared=not_compared,
            information_needed=r.texts("information_needed") if r.has("information_needed") else None,
        )

    def to_dict(self) -> JSON:
        out: JSON = {
            "id": self.id,
            "name": self.name,
            "available": self.available,
            "columns": list(self.columns),
        }
        if self.not_compared is not None:
            out["reason"] = self.not_compared.reason
            out["known_share"] = self.not_compared.known_share
        elif self.comparison is not None:
            c = self.comparison
            out |= {
                "adjusted_estimate": c.adjusted_estimate,
                "ci": _limits(c.ci),
                "p_value": c.p_value,
                "explains": c.explains,
                "known_share": c.known_share,
                "figures": c.figures,
            }
        if self.information_needed is not None:
            out["information_needed"] = list(self.information_needed)
        return out


@dataclass(frozen=True, slots=True)
class AdjustedShare:
    """`differences[].adjusted` of a share outcome: all available criteria together (None: withheld)."""

    criteria: tuple[str, ...]
    figures: Figures
    estimate: float | None
    ci: Limits
    p_value: float | None
    p_adjusted: float | None
    odds_ratio: float | None
    odds_ratio_ci: Limits
    heterogeneity_p: float | None
    heterogeneous: bool | None
    female_share: float | None
    male_share_standardised: float | None
    persons_compared: int
    persons_in_one_sex_strata: int
    known_share: float

    @classmethod
    def from_reader(cls, r: _Reader) -> AdjustedShare:
        return cls(
            criteria=r.texts("criteria"),
            figures=r.choice("figures", FIGURES),
            estimate=r.optional_number("estimate"),
            ci=r.limits("ci"),
            p_value=r.optional_number("p_value"),
            p_adjusted=r.optional_number("p_adjusted"),
            odds_ratio=r.optional_number("odds_ratio"),
            odds_ratio_ci=r.limits("odds_ratio_ci"),
            heterogeneity_p=r.optional_number("heterogeneity_p"),
            heterogeneous=r.optional_flag("heterogeneous"),
            female_share=r.optional_number("female_share"),
            male_share_standardised=r.optional_number("male_share_standardised"),
            persons_compared=r.integer("persons_compared"),
            persons_in_one_sex_strata=r.integer("persons_in_one_sex_strata"),
            known_share=r.number("known_share"),
        )

    def to_dict(self) -> JSON:
        return {
            "criteria": list(self.criteria),
            "figures": self.figures,
            "estimate": self.estimate,
            "ci": _limits(self.ci),
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "odds_ratio": self.odds_ratio,
            "odds_ratio_ci": _limits(self.odds_ratio_ci),
            "heterogeneity_p": self.heterogeneity_p,
            "heterogeneous": self.heterogeneous,
            "female_share": self.female_share,
            "male_share_standardised": self.male_share_standardised,
            "persons_compared": self.persons_compared,
            "persons_in_one_sex_strata": self.persons_in_one_sex_strata,
            "known_share": self.known_share,
        }


@dataclass(frozen=True, slots=True)
class AdjustedMean:
    """`differences[].adjusted` of a numeric outcome (`scale: "mean_difference"`; `heterogeneous` is
    always null)."""

    criteria: tuple[str, ...]
    figures: Figures
    estimate: float | None
    ci: Limits
    p_value: float | None
    p_adjusted: float | None
    min_diff: float
    persons_compared: int
    persons_in_one_sex_strata: int
    known_share: float

    @classmethod
    def from_reader(cls, r: _Reader) -> AdjustedMean:
        r.choice("scale", ("mean_difference",))
        r.choice("heterogeneous", (None,))  # not tested for numeric outcomes
        return cls(
            criteria=r.texts("criteria"),
            figures=r.choice("figures", FIGURES),
            estimate=r.optional_number("estimate"),
            ci=r.limits("ci"),
            p_value=r.optional_number("p_value"),
            p_adjusted=r.optional_number("p_adjusted"),
            min_diff=r.number("min_diff"),
            persons_compared=r.integer("persons_compared"),
            persons_in_one_sex_strata=r.integer("persons_in_one_sex_strata"),
            known_share=r.number("known_share"),
        )

    def to_dict(self) -> JSON:
        return {
            "criteria": list(self.criteria),
            "figures": self.figures,
            "scale": "mean_difference",
            "estimate": self.estimate,
            "ci": _limits(self.ci),
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "min_diff": self.min_diff,
            "heterogeneous": None,
            "persons_compared": self.persons_compared,
            "persons_in_one_sex_strata": self.persons_in_one_sex_strata,
            "known_share": self.known_share,
        }


def _adjusted(r: _Reader) -> AdjustedShare | AdjustedMean:
    return AdjustedMean.from_reader(r) if r.has("scale") else AdjustedShare.from_reader(r)


@dataclass(frozen=True, slots=True)
class ExplainedPart:
    """`differences[].explained_part` of a partly explained difference."""

    estimate: float
    ci: Interval
    remaining: float
    remaining_ci: Interval

    @classmethod
    def from_reader(cls, r: _Reader) -> ExplainedPart:
        return cls(
            estimate=r.number("estimate"),
            ci=r.interval("ci"),
            remaining=r.number("remaining"),
            remaining_ci=r.interval("remaining_ci"),
        )

    def to_dict(self) -> JSON:
        return {
            "estimate": self.estimate,
            "ci": _limits(self.ci),
            "remaining": self.remaining,
            "remaining_ci": _limits(self.remaining_ci),
        }


@dataclass(frozen=True, slots=True)
class Difference:
    """`differences[]`: female − male for one outcome in one group, its test and its verdict. `smd` (a
    tested numeric outcome's) and `explained_part` (a partly explained difference's) are `ABSENT` when the
    JSON has no such key."""

    id: str
    outcome: str
    kind: OutcomeKind
    breakdown: Breakdown
    groups: tuple[ComparedSex, ...]
    estimate: float | None
    ci: Interval | None
    test: Test | None
    p_value: float | None
    p_adjusted: float | None
    noteworthy: bool
    suppressed: bool
    reason: str | None
    verdict: Verdict | None
    explained_by: tuple[str, ...] | None
    verdict_reason: str | None
    reflect: bool
    masked: bool
    criteria: tuple[CriterionResult, ...] | None
    criteria_missing: tuple[str, ...]
    heterogeneous_in: tuple[str, ...]
    level_differences: tuple[str, ...]
    adjusted: AdjustedShare | AdjustedMean | None
    smd: float | Absent | None = ABSENT
    explained_part: ExplainedPart | Absent | None = ABSENT

    @classmethod
    def from_reader(cls, r: _Reader) -> Difference:
        return cls(
            id=r.text("id"),
            outcome=r.text("outcome"),
            kind=r.choice("kind", OUTCOME_KINDS),
            breakdown=r.breakdown("breakdown"),
            groups=r.choices("groups", COMPARED_SEXES, exactly=COMPARED_SEXES),
            estimate=r.optional_number("estimate"),
            ci=r.optional_interval("ci"),
            test=r.choice("test", (*TESTS, None)),
            p_value=r.optional_number("p_value"),
            p_adjusted=r.optional_number("p_adjusted"),
            noteworthy=r.flag("noteworthy"),
            suppressed=r.flag("suppressed"),
            reason=r.optional_text("reason"),
            verdict=r.choice("verdict", (*VERDICTS, None)),
            explained_by=r.optional_texts("explained_by"),
            verdict_reason=r.optional_text("verdict_reason"),
            reflect=r.flag("reflect"),
            masked=r.flag("masked"),
            criteria=r.optional_parse_all("criteria", CriterionResult.from_reader),
            criteria_missing=r.texts("criteria_missing"),
            heterogeneous_in=r.texts("heterogeneous_in"),
            level_differences=r.texts("level_differences"),
            adjusted=r.optional_parse("adjusted", _adjusted),
            smd=r.optional_number("smd") if r.has("smd") else ABSENT,
            explained_part=r.optional_parse("explained_part", ExplainedPart.from_reader)
            if r.has("explained_part")
            else ABSENT,
        )

    def to_dict(self) -> JSON:
        out: JSON = {
            "id": self.id,
            "outcome": self.outcome,
            "kind": self.kind,
            "breakdown": dict(self.breakdown),
            "groups": list(self.groups),
            "estimate": self.estimate,
            "ci": _limits(self.ci),
            "test": self.test,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "noteworthy": self.noteworthy,
            "suppressed": self.suppressed,
            "reason": self.reason,
            "verdict": self.verdict,
            "explained_by": None if self.explained_by is None else list(self.explained_by),
            "verdict_reason": self.verdict_reason,
            "reflect": self.reflect,
            "masked": self.masked,
            "criteria": None if self.criteria is None else [c.to_dict() for c in self.criteria],
            "criteria_missing": list(self.criteria_missing),
            "heterogeneous_in": list(self.heterogeneous_in),
            "level_differences": list(self.level_differences),
            "adjusted": None if self.adjusted is None else self.adjusted.to_dict(),
        }
        if not isinstance(self.smd, Absent):
            out["smd"] = self.smd
        if not isinstance(self.explained_part, Absent):
            out["explained_part"] = None if self.explained_part is None else self.explained_part.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class DataQuality:
    """`data_quality[]`: missing values of one column for one sex (None: hidden)."""

    column: str
    sex: Sex
    rows: int | None
    missing: int | None
    share: float | None
    suppressed: bool

    @classmethod
    def from_reader(cls, r: _Reader) -> DataQuality:
        return cls(
            column=r.text("column"),
            sex=r.choice("sex", SEXES),
            rows=r.optional_integer("rows"),
            missing=r.optional_integer("missing"),
            share=r.optional_number("share"),
            suppressed=r.flag("suppressed"),
        )

    def to_dict(self) -> JSON:
        return {
            "column": self.column,
            "sex": self.sex,
            "rows": self.rows,
            "missing": self.missing,
            "share": self.share,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True, slots=True)
class MissingnessFlag:
    """`missingness_flags[]`: whether missingness of a column differs between women and men."""

    column: str
    difference: float
    p_value: float | None
    test: MissingnessTest
    p_adjusted: float | None
    explained_by_outcome: str | None
    flag: bool

    @classmethod
    def from_reader(cls, r: _Reader) -> MissingnessFlag:
        return cls(
            column=r.text("column"),
            difference=r.number("difference"),
            p_value=r.optional_number("p_value"),
            test=r.choice("test", MISSINGNESS_TESTS),
            p_adjusted=r.optional_number("p_adjusted"),
            explained_by_outcome=r.optional_text("explained_by_outcome"),
            flag=r.flag("flag"),
        )

    def to_dict(self) -> JSON:
        return {
            "column": self.column,
            "difference": self.difference,
            "p_value": self.p_value,
            "test": self.test,
            "p_adjusted": self.p_adjusted,
            "explained_by_outcome": self.explained_by_outcome,
            "flag": self.flag,
        }


@dataclass(frozen=True, slots=True)
class CriteriaTable:
    """`criteria`: the criteria table used, and whether its area was assumed."""

    area: str | None
    area_assumed: bool

    @classmethod
    def from_reader(cls, r: _Reader) -> CriteriaTable:
        return cls(area=r.optional_text("area"), area_assumed=r.flag("area_assumed"))

    def to_dict(self) -> JSON:
        return {"area": self.area, "area_assumed": self.area_assumed}


@dataclass(frozen=True, slots=True)
class AccommodationBySex:
    """`accommodation[].by_sex[]` (None: hidden)."""

    sex: ComparedSex
    n: int | None
    count: int | None
    share: float | None
    suppressed: bool

    @classmethod
    def from_reader(cls, r: _Reader) -> AccommodationBySex:
        return cls(
            sex=r.choice("sex", COMPARED_SEXES),
            n=r.optional_integer("n"),
            count=r.optional_integer("count"),
            share=r.optional_number("share"),
            suppressed=r.flag("suppressed"),
        )

    def to_dict(self) -> JSON:
        return {
            "sex": self.sex,
            "n": self.n,
            "count": self.count,
            "share": self.share,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True, slots=True)
class Accommodation:
    """`accommodation[]`: per accessibility column, those who needed accommodation that was not given."""

    criterion: str
    column: str
    values: tuple[str, ...]
    by_sex: tuple[AccommodationBySex, ...]
    difference: float | None
    p_value: float | None

    @classmethod
    def from_reader(cls, r: _Reader) -> Accommodation:
        return cls(
            criterion=r.text("criterion"),
            column=r.text("column"),
            values=r.texts("values"),
            by_sex=r.parse_all("by_sex", AccommodationBySex.from_reader),
            difference=r.optional_number("difference"),
            p_value=r.optional_number("p_value"),
        )

    def to_dict(self) -> JSON:
        return {
            "criterion": self.criterion,
            "column": self.column,
            "values": list(self.values),
            "by_sex": [s.to_dict() for s in self.by_sex],
            "difference": self.difference,
            "p_value": self.p_value,
        }


@dataclass(frozen=True, slots=True)
class WholeGroupHidden:
    """`disclosure.whole_group_hidden[]`; `because` is "period" (rule R4) or None (absent)."""

    outcome: str
    sex: ComparedSex
    because: Literal["period"] | None = None

    @classmethod
    def from_reader(cls, r: _Reader) -> WholeGroupHidden:
        return cls(
            outcome=r.text("outcome"),
            sex=r.choice("sex", COMPARED_SEXES),
            because=r.choice("because", ("period",)) if r.has("because") else None,
        )

    def to_dict(self) -> JSON:
        out: JSON = {"outcome": self.outcome, "sex": self.sex}
        if self.because is not None:
            out["because"] = self.because
        return out


@dataclass(frozen=True, slots=True)
class Disclosure:
    """`disclosure`: what the disclosure control hid of the main figures."""

    hidden_cells: int
    rows_used_hidden: bool
    whole_group_hidden: tuple[WholeGroupHidden, ...]
    grid: PeriodUnit | None
    periods: int
    period_hidden: int

    @classmethod
    def from_reader(cls, r: _Reader) -> Disclosure:
        return cls(
            hidden_cells=r.integer("hidden_cells"),
            rows_used_hidden=r.flag("rows_used_hidden"),
            whole_group_hidden=r.parse_all("whole_group_hidden", WholeGroupHidden.from_reader),
            grid=r.choice("grid", (*PERIOD_UNITS, None)),
            periods=r.integer("periods"),
            period_hidden=r.integer("period_hidden"),
        )

    def to_dict(self) -> JSON:
        return {
            "hidden_cells": self.hidden_cells,
            "rows_used_hidden": self.rows_used_hidden,
            "whole_group_hidden": [w.to_dict() for w in self.whole_group_hidden],
            "grid": self.grid,
            "periods": self.periods,
            "period_hidden": self.period_hidden,
        }


@dataclass(frozen=True, slots=True)
class PooledLabel:
    """`pooled_labels[]`: values of a column published together as 'övriga' (`values` None: hidden)."""

    column: str
    dimension: str
    values: int | None
    at_least_min_cell: bool
    note: str

    @classmethod
    def from_reader(cls, r: _Reader) -> PooledLabel:
        return cls(
            column=r.text("column"),
            dimension=r.text("dimension"),
            values=r.optional_integer("values"),
            at_least_min_cell=r.flag("at_least_min_cell"),
            note=r.text("note"),
        )

    def to_dict(self) -> JSON:
        return {
            "column": self.column,
            "dimension": self.dimension,
            "values": self.values,
            "at_least_min_cell": self.at_least_min_cell,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    """`period` (with --period): the period analysed, its neighbours and advice when it is small."""

    label: str
    kind: PeriodUnit
    start: str
    end: str
    previous: str
    year_earlier: str
    small: bool
    pooled_suggestion: str | None

    @classmethod
    def from_reader(cls, r: _Reader) -> PeriodInfo:
        return cls(
            label=r.text("label"),
            kind=r.choice("kind", PERIOD_UNITS),
            start=r.text("start"),
            end=r.text("end"),
            previous=r.text("previous"),
            year_earlier=r.text("year_earlier"),
            small=r.flag("small"),
            pooled_suggestion=r.optional_text("pooled_suggestion"),
        )

    def to_dict(self) -> JSON:
        return {
            "label": self.label,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "previous": self.previous,
            "year_earlier": self.year_earlier,
            "small": self.small,
            "pooled_suggestion": self.pooled_suggestion,
        }


@dataclass(frozen=True, slots=True)
class PeriodDifference:
    """A whole-group difference of a period of `comparison[]` or `trend[]`."""

    outcome: str
    estimate: float | None
    ci: Interval | None
    p_value: float | None
    suppressed: bool

    @classmethod
    def from_reader(cls, r: _Reader) -> PeriodDifference:
        return cls(
            outcome=r.text("outcome"),
            estimate=r.optional_number("estimate"),
            ci=r.optional_interval("ci"),
            p_value=r.optional_number("p_value"),
            suppressed=r.flag("suppressed"),
        )

    def to_dict(self) -> JSON:
        return {
            "outcome": self.outcome,
            "estimate": self.estimate,
            "ci": _limits(self.ci),
            "p_value": self.p_value,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """The figures of an available period: its rows and its whole-group descriptives and differences."""

    rows: int | None
    descriptives: tuple[Descriptive, ...]
    differences: tuple[PeriodDifference, ...]


@dataclass(frozen=True, slots=True)
class PeriodPoint:
    """`comparison[]` and `trend[]`: one period, analysed alone; `figures` only when `available`."""

    role: PeriodRole | None
    label: str
    start: str
    end: str
    available: bool
    figures: PeriodFigures | None = None

    @classmethod
    def from_reader(cls, r: _Reader) -> PeriodPoint:
        available = r.flag("available")
        return cls(
            role=r.choice("role", (*PERIOD_ROLES, None)),
            label=r.text("label"),
            start=r.text("start"),
            end=r.text("end"),
            available=available,
            # an available period has its figures; an unavailable one has none (they are not read: `done`
            # then refuses them as unknown keys)
            figures=PeriodFigures(
                rows=r.optional_integer("rows"),
                descriptives=r.parse_all("descriptives", Descriptive.from_reader),
                differences=r.parse_all("differences", PeriodDifference.from_reader),
            )
            if available
            else None,
        )

    def to_dict(self) -> JSON:
        out: JSON = {
            "role": self.role,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "available": self.available,
        }
        if self.figures is not None:
            out["rows"] = self.figures.rows
            out["descriptives"] = [d.to_dict() for d in self.figures.descriptives]
            out["differences"] = [d.to_dict() for d in self.figures.differences]
        return out


@dataclass(frozen=True, slots=True)
class FollowupPrevious:
    """`followup.previous`: the earlier run."""

    file: str
    input_file: str | None
    period: str | None

    @classmethod
    def from_reader(cls, r: _Reader) -> FollowupPrevious:
        return cls(
            file=r.text("file"), input_file=r.optional_text("input_file"), period=r.optional_text("period")
        )

    def to_dict(self) -> JSON:
        return {"file": self.file, "input_file": self.input_file, "period": self.period}


@dataclass(frozen=True, slots=True)
class FollowupMethod:
    """`followup.method`: how the changes are estimated and adjusted."""

    interval: str
    adjustment: str
    alpha: float
    family_size: int

    @classmethod
    def from_reader(cls, r: _Reader) -> FollowupMethod:
        return cls(
            interval=r.choice("interval", ("mover",)),
            adjustment=r.choice("adjustment", ("benjamini_hochberg",)),
            alpha=r.number("alpha"),
            family_size=r.integer("family_size"),
        )

    def to_dict(self) -> JSON:
        return {
            "interval": self.interval,
            "adjustment": self.adjustment,
            "alpha": self.alpha,
            "family_size": self.family_size,
        }


@dataclass(frozen=True, slots=True)
class Change:
    """`followup.changes[]`: how one difference changed since the earlier run."""

    id: str
    outcome: str
    kind: OutcomeKind
    breakdown: Breakdown
    previous_estimate: float | None
    estimate: float | None
    previous_verdict: Verdict | None
    verdict: Verdict | None
    change: float | None
    ci: Interval | None
    p_value: float | None
    p_adjusted: float | None
    trend: Trend

    @classmethod
    def from_reader(cls, r: _Reader) -> Change:
        return cls(
            id=r.text("id"),
            outcome=r.text("outcome"),
            kind=r.choice("kind", OUTCOME_KINDS),
            breakdown=r.breakdown("breakdown"),
            previous_estimate=r.optional_number("previous_estimate"),
            estimate=r.optional_number("estimate"),
            previous_verdict=r.choice("previous_verdict", (*VERDICTS, None)),
            verdict=r.choice("verdict", (*VERDICTS, None)),
            change=r.optional_number("change"),
            ci=r.optional_interval("ci"),
            p_value=r.optional_number("p_value"),
            p_adjusted=r.optional_number("p_adjusted"),
            trend=r.choice("trend", TRENDS),
        )

    def to_dict(self) -> JSON:
        return {
            "id": self.id,
            "outcome": self.outcome,
            "kind": self.kind,
            "breakdown": dict(self.breakdown),
            "previous_estimate": self.previous_estimate,
            "estimate": self.estimate,
            "previous_verdict": self.previous_verdict,
            "verdict": self.verdict,
            "change": self.change,
            "ci": _limits(self.ci),
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "trend": self.trend,
        }


@dataclass(frozen=True, slots=True)
class FollowupCounts:
    """`followup.counts`: changes per trend."""

    grew: int
    shrank: int
    reversed: int
    stayed: int
    not_comparable: int

    @classmethod
    def from_reader(cls, r: _Reader) -> FollowupCounts:
        return cls(
            grew=r.integer("grew"),
            shrank=r.integer("shrank"),
            reversed=r.integer("reversed"),
            stayed=r.integer("stayed"),
            not_comparable=r.integer("not_comparable"),
        )

    def to_dict(self) -> JSON:
        return {
            "grew": self.grew,
            "shrank": self.shrank,
            "reversed": self.reversed,
            "stayed": self.stayed,
            "not_comparable": self.not_comparable,
        }


@dataclass(frozen=True, slots=True)
class Worksheet:
    """`followup.worksheet`: the earlier Word report's worksheet, carried into the reports."""

    file: str
    rows_carried: int

    @classmethod
    def from_reader(cls, r: _Reader) -> Worksheet:
        return cls(file=r.text("file"), rows_carried=r.integer("rows_carried"))

    def to_dict(self) -> JSON:
        return {"file": self.file, "rows_carried": self.rows_carried}


ComparedSetting = Literal["age_bands", "area", "confidence", "min_cell", "min_diff"]
SETTINGS_COMPARED: Final[tuple[ComparedSetting, ...]] = get_args(ComparedSetting)
"""The settings a follow-up compares (`followup.settings_changed` lists those that differ)."""


@dataclass(frozen=True, slots=True)
class Followup:
    """`followup` (with --compare-with): the changes since an earlier run."""

    previous: FollowupPrevious
    settings_changed: tuple[ComparedSetting, ...]
    method: FollowupMethod
    changes: tuple[Change, ...]
    counts: FollowupCounts
    worksheet: Worksheet | None

    @classmethod
    def from_reader(cls, r: _Reader) -> Followup:
        return cls(
            previous=r.parse("previous", FollowupPrevious.from_reader),
            settings_changed=r.choices("settings_changed", SETTINGS_COMPARED),
            method=r.parse("method", FollowupMethod.from_reader),
            changes=r.parse_all("changes", Change.from_reader),
            counts=r.parse("counts", FollowupCounts.from_reader),
            worksheet=r.optional_parse("worksheet", Worksheet.from_reader),
        )

    def to_dict(self) -> JSON:
        return {
            "previous": self.previous.to_dict(),
            "settings_changed": list(self.settings_changed),
            "method": self.method.to_dict(),
            "changes": [c.to_dict() for c in self.changes],
            "counts": self.counts.to_dict(),
            "worksheet": None if self.worksheet is None else self.worksheet.to_dict(),
        }


PERIOD_KEYS: Final = ("period", "comparison", "trend")
"""The keys a run with --period adds, all three together."""


@dataclass(frozen=True, slots=True)
class Findings:
    """findings.json (PRODUCT §7). The optional parts are None when absent: `pooled_labels` (only when
    values were pooled), `period`, `comparison` and `trend` (with --period, all three), `followup` (with
    --compare-with)."""

    schema_version: int
    tool: Tool
    input: Input
    settings: Settings
    population: Population
    outcomes: tuple[Outcome, ...]
    breakdowns: tuple[tuple[str, ...], ...]
    descriptives: tuple[Descriptive, ...]
    differences: tuple[Difference, ...]
    data_quality: tuple[DataQuality, ...]
    missingness_flags: tuple[MissingnessFlag, ...]
    criteria: CriteriaTable
    accommodation: tuple[Accommodation, ...]
    disclosure: Disclosure
    pooled_labels: tuple[PooledLabel, ...] | None = None
    period: PeriodInfo | None = None
    comparison: tuple[PeriodPoint, ...] | None = None
    trend: tuple[PeriodPoint, ...] | None = None
    followup: Followup | None = None

    @classmethod
    def from_dict(cls, data: object, source: str = "findings.json") -> Findings:
        """The findings of an earlier run's findings.json, parsed (`data`; `source` names the file in an
        error). Refuses (`FindingsFileError`) a document that is not findings.json in this format."""
        r = _Reader(data, "", source)
        version = r.peek("schema_version")
        if version != SCHEMA_VERSION or isinstance(version, bool):
            what = (
                f"schema_version {version}"
                if isinstance(version, int)
                else "en schema_version som inte är ett heltal"
                if r.has("schema_version")
                else "ingen schema_version"
            )
            raise FindingsFileError(source, f"den har {what}; den här versionen läser {SCHEMA_VERSION}")
        present = [k for k in PERIOD_KEYS if r.has(k)]
        if present and len(present) != len(PERIOD_KEYS):
            missing = next(k for k in PERIOD_KEYS if not r.has(k))
            raise FindingsFileError(source, f"den har '{present[0]}' men nyckeln '{missing}' saknas")
        result = cls(
            schema_version=r.integer("schema_version"),
            tool=r.parse("tool", Tool.from_reader),
            input=r.parse("input", Input.from_reader),
            settings=r.parse("settings", Settings.from_reader),
            population=r.parse("population", Population.from_reader),
            outcomes=r.parse_all("outcomes", Outcome.from_reader),
            breakdowns=r.text_lists("breakdowns"),
            descriptives=r.parse_all("descriptives", Descriptive.from_reader),
            differences=r.parse_all("differences", Difference.from_reader),
            data_quality=r.parse_all("data_quality", DataQuality.from_reader),
            missingness_flags=r.parse_all("missingness_flags", MissingnessFlag.from_reader),
            criteria=r.parse("criteria", CriteriaTable.from_reader),
            accommodation=r.parse_all("accommodation", Accommodation.from_reader),
            disclosure=r.parse("disclosure", Disclosure.from_reader),
            pooled_labels=r.parse_all("pooled_labels", PooledLabel.from_reader)
            if r.has("pooled_labels")
            else None,
            period=r.parse("period", PeriodInfo.from_reader) if r.has("period") else None,
            comparison=r.parse_all("comparison", PeriodPoint.from_reader) if r.has("comparison") else None,
            trend=r.parse_all("trend", PeriodPoint.from_reader) if r.has("trend") else None,
            followup=r.parse("followup", Followup.from_reader) if r.has("followup") else None,
        )
        r.done()
        return result

    def to_dict(self) -> JSON:
        """findings.json as `oppnaogon analyse` writes it: the same keys in the same order."""
        out: JSON = {
            "schema_version": self.schema_version,
            "tool": self.tool.to_dict(),
            "input": self.input.to_dict(),
            "settings": self.settings.to_dict(),
            "population": self.population.to_dict(),
            "outcomes": [o.to_dict() for o in self.outcomes],
            "breakdowns": [list(b) for b in self.breakdowns],
            "descriptives": [d.to_dict() for d in self.descriptives],
            "differences": [d.to_dict() for d in self.differences],
            "data_quality": [q.to_dict() for q in self.data_quality],
            "missingness_flags": [f.to_dict() for f in self.missingness_flags],
            "criteria": self.criteria.to_dict(),
            "accommodation": [a.to_dict() for a in self.accommodation],
            "disclosure": self.disclosure.to_dict(),
        }
        if self.pooled_labels is not None:
            out["pooled_labels"] = [p.to_dict() for p in self.pooled_labels]
        if self.period is not None:
            out["period"] = self.period.to_dict()
        if self.comparison is not None:
            out["comparison"] = [c.to_dict() for c in self.comparison]
        if self.trend is not None:
            out["trend"] = [t.to_dict() for t in self.trend]
        if self.followup is not None:
            out["followup"] = self.followup.to_dict()
        return out
