"""Reporting periods as municipalities write them: `2026K3`, `2026-Q3`, `2026 kv3`, `2026T2`, `2026M05`,
`2026`, ranges such as `2025K4..2026K3` (pooled periods), and `latest`.

A period is a span of dates, first and last day included. Tertials are cumulative from 1 January, as
municipalities report them (T1 = January–April, T2 = January–August, the delårsrapport, T3 = the year;
domain.md §6). Quarters and months are SCB's `2026K3` and `2026M05`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from oppnaogon.errors import UsageError

KINDS = ("year", "quarter", "tertial", "month")
LATEST = "latest"

_YEAR = r"(?P<year>\d{4})"
_SEP = r"\s*[-_ ]?\s*"
_PATTERNS = (
    ("quarter", re.compile(rf"^{_YEAR}{_SEP}(?:K|KV|Q|KVARTAL){_SEP}(?P<n>\d+)$")),
    ("tertial", re.compile(rf"^{_YEAR}{_SEP}(?:T|TERTIAL){_SEP}(?P<n>\d+)$")),
    ("month", re.compile(rf"^{_YEAR}{_SEP}M?{_SEP}(?P<n>\d{{1,2}})$")),
    ("year", re.compile(rf"^{_YEAR}$")),
)
_COUNT = {"quarter": 4, "tertial": 3, "month": 12, "year": 1}
_NAME_SV = {"quarter": "inget kvartal", "tertial": "inget tertial", "month": "ingen månad"}
_PLURAL_SV = {"quarter": "kvartal", "tertial": "tertial", "month": "månader"}
ACCEPTED = "2026K3, 2026-Q3, 2026 kv3 (kvartal), 2026T2 (tertial), 2026M05 (månad), 2026 (år), 2025K4..2026K3 (sammanslagna perioder) eller latest"


@dataclass(frozen=True)
class Period:
    """A reporting period: `kind`, year and number (quarter 1–4, tertial 1–3, month 1–12; 1 for a year),
    or a pooled range of periods of one kind from `first` to `last`."""

    kind: str
    year: int
    number: int
    last_year: int | None = None
    last_number: int | None = None

    @property
    def is_range(self) -> bool:
        return self.last_year is not None

    @property
    def start(self) -> date:
        if self.kind == "tertial":
            return date(self.year, 1, 1)  # cumulative from January
        return date(self.year, _first_month(self.kind, self.number), 1)

    @property
    def end(self) -> date:
        year, number = (self.last_year, self.last_number) if self.is_range else (self.year, self.number)
        assert year is not None and number is not None
        month = _last_month(self.kind, number)
        return date(year, month, calendar.monthrange(year, month)[1])

    @property
    def label(self) -> str:
        first = _label(self.kind, self.year, self.number)
        if self.is_range:
            assert self.last_year is not None and self.last_number is not None
            return f"{first}..{_label(self.kind, self.last_year, self.last_number)}"
        return first

    @property
    def length(self) -> int:
        """Number of periods of its kind the period spans (1 unless pooled)."""
        if not self.is_range:
            return 1
        assert self.last_year is not None and self.last_number is not None
        return (
            _index(self.kind, self.last_year, self.last_number)
            - _index(self.kind, self.year, self.number)
            + 1
        )

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods of its kind later (earlier when negative), same length."""
        year, number = _from_index(self.kind, _index(self.kind, self.year, self.number) + steps)
        if not self.is_range:
            return Period(self.kind, year, number)
        assert self.last_year is not None and self.last_number is not None
        last = _from_index(self.kind, _index(self.kind, self.last_year, self.last_number) + steps)
        return Period(self.kind, year, number, *last)

    def previous(self) -> Period:
        """The period before, of the same length: 2026K2 for 2026K3, 2025K4..2026K3 → 2024K4..2025K3."""
        return self.shifted(-self.length)

    def year_earlier(self) -> Period:
        """The same period a year earlier."""
        return self.shifted(-_COUNT[self.kind])

    def pooled(self, periods: int) -> Period:
        """The last `periods` periods of this kind, ending with this one (for a period too small alone).
        Tertials are cumulative and cannot be pooled: for them, the twelve months up to the tertial's end."""
        if self.kind == "tertial":
            end = self.end
            return Period("month", end.year - 1 + (end.month == 12), end.month % 12 + 1, end.year, end.month)
        first = self.shifted(-(periods - 1)) if not self.is_range else self.shifted(-(periods - self.length))
        return Period(self.kind, first.year, first.number, *_last(self))


def _last(period: Period) -> tuple[int, int]:
    if period.is_range:
        assert period.last_year is not None and period.last_number is not None
        return period.last_year, period.last_number
    return period.year, period.number


def _label(kind: str, year: int, number: int) -> str:
    if kind == "quarter":
        return f"{year}K{number}"
    if kind == "tertial":
        return f"{year}T{number}"
    if kind == "month":
        return f"{year}M{number:02d}"
    return str(year)


def _first_month(kind: str, number: int) -> int:
    return {"quarter": 3 * (number - 1) + 1, "month": number}.get(kind, 1)


def _last_month(kind: str, number: int) -> int:
    return {"quarter": 3 * number, "tertial": 4 * number, "month": number}.get(kind, 12)


def _index(kind: str, year: int, number: int) -> int:
    return year * _COUNT[kind] + number - 1


def _from_index(kind: str, index: int) -> tuple[int, int]:
    year, rest = divmod(index, _COUNT[kind])
    return year, rest + 1


def parse_period(text: str) -> Period | str:
    """A Period, or the string `latest` (resolved against the data by `latest_period`)."""
    wanted = text.strip()
    if wanted.lower() in (LATEST, "senaste"):
        return LATEST
    if ".." in wanted:
        first_text, _, last_text = wanted.partition("..")
        first, last = _single(first_text, text), _single(last_text, text)
        if first.kind != last.kind or first.kind == "tertial":
            raise UsageError(
                f"Perioden {text!r} slår ihop perioder av olika slag eller tertial.",
                "Slå ihop kvartal, månader eller år av samma slag, t.ex. 2025K4..2026K3 (tertial är redan "
                "kumulativa från januari).",
            )
        if _index(last.kind, last.year, last.number) < _index(first.kind, first.year, first.number):
            raise UsageError(
                f"Perioden {text!r} slutar före den börjar.",
                f"Skriv den tidigaste först: {last.label}..{first.label}.",
            )
        return Period(first.kind, first.year, first.number, last.year, last.number)
    return _single(wanted, text)


def _single(text: str, whole: str) -> Period:
    compact = text.strip().upper()
    for kind, pattern in _PATTERNS:
        match = pattern.match(compact)
        if not match:
            continue
        year = int(match.group("year"))
        number = int(match.group("n")) if kind != "year" else 1
        if not 1 <= number <= _COUNT[kind]:
            raise UsageError(
                f"Perioden {whole!r}: det finns {_NAME_SV[kind]} {number}.",
                f"Ett år har {_COUNT[kind]} {_PLURAL_SV[kind]}: 1–{_COUNT[kind]}, t.ex. "
                f"{_label(kind, year, _COUNT[kind])}.",
            )
        if not 1900 <= year <= 2200:
            raise UsageError(
                f"Perioden {whole!r} har året {year}.", "Ange året med fyra siffror, t.ex. 2026K3."
            )
        return Period(kind, year, number)
    raise UsageError(f"Perioden {whole!r} känns inte igen.", f"Skriv t.ex. {ACCEPTED}.")


# The period grid (`period` in oppnaogon.toml) in words, for the refusal of a period off the grid.
GRID_PLURAL_SV = _PLURAL_SV | {"year": "år"}
GRID_EXAMPLES_SV = {
    "quarter": "t.ex. 2026K3, 2025K4..2026K3 eller 2026",
    "tertial": "t.ex. 2026T1, 2026T2 eller 2026",
    "month": "t.ex. 2026M05, 2026K3 eller 2026",
    "year": "t.ex. 2026, eller latest för det senaste året",
}
_GRID_MONTHS = {"quarter": 3, "tertial": 4, "month": 1, "year": 12}


def on_grid(period: Period, unit: str) -> bool:
    """Whether `period` is made of whole periods of the grid `unit` (rule R4): a year, a run of quarters
    and a cumulative tertial on their own grids; a tertial ending in April is not on a grid of quarters,
    nor a quarter on a grid of tertials or a month on either."""
    step = _GRID_MONTHS[unit]
    return (period.start.month - 1) % step == 0 and period.end.month % step == 0


def latest_period(last_date: date, kind: str) -> Period:
    """The period of `kind` (the config's unit) that holds the last date in the data."""
    if kind == "year":
        return Period("year", last_date.year, 1)
    month = last_date.month
    number = {"quarter": (month - 1) // 3 + 1, "tertial": (month - 1) // 4 + 1, "month": month}[kind]
    return Period(kind, last_date.year, number)


def label_words(label: str, lang: str = "sv") -> str:
    """`juli–september 2026` for the label `2026K3` (a label as findings.json writes it); `2026` for a year."""
    period = parse_period(label)
    if isinstance(period, str):
        return label
    return period_words(period, lang)


def period_words(period: Period, lang: str = "sv") -> str:
    """`juli–september 2026` for 2026K3; `januari–augusti 2026` for 2026T2; ranges from first to last day."""
    start, end = period.start, period.end
    if start.month == 1 and end.month == 12 and start.year == end.year:
        return str(start.year)
    if start.year == end.year and start.month == end.month:
        return f"{MONTHS[lang][start.month - 1]} {start.year}"
    if start.year == end.year:
        return f"{MONTHS[lang][start.month - 1]}\u2013{MONTHS[lang][end.month - 1]} {start.year}"
    return f"{MONTHS[lang][start.month - 1]} {start.year}\u2013{MONTHS[lang][end.month - 1]} {end.year}"


# The month names of the calendar in each report language (dates in reports use them too).
MONTHS = {
    "sv": [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
