"""Numbers as a Swedish (or English) reader expects them: `62,3 %`, `1 234`, `−7,5`, `<0,001`.

These are the only formatting functions of the reports; the templates use them as filters. A value that
was hidden by the disclosure control (`None` with `suppressed`) is shown as `..`; a value that does not
exist (a share of no one) as an en dash.
"""

from __future__ import annotations

from datetime import datetime

from oppnaogon.model.periods import MONTHS

HIDDEN = ".."
ABSENT = "–"
MINUS = "\u2212"  # a real minus sign: a hyphen is easily missed in print
NBSP = "\u00a0"  # keeps "62,3 %" and "1 234" on one line


def _decimal_text(value: float, digits: int, lang: str, plus: bool = False) -> str:
    """The number with `digits` decimals; a sign only when the rounded number is not zero."""
    text = f"{abs(value):,.{digits}f}"
    if lang == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
    if round(value, digits) == 0:
        return text
    if value < 0:
        return MINUS + text
    return "+" + text if plus else text


def number(value: float | None, lang: str = "sv", digits: int = 0, hidden: bool = True) -> str:
    """`1 234` (sv) or `1,234` (en); `digits` decimals."""
    if value is None:
        return HIDDEN if hidden else ABSENT
    return _decimal_text(float(value), digits, lang)


def percent(share: float | None, lang: str = "sv", digits: int = 1, hidden: bool = True) -> str:
    """A share 0–1 as `62,3 %` (sv) or `62.3%` (en)."""
    if share is None:
        return HIDDEN if hidden else ABSENT
    text = _decimal_text(share * 100, digits, lang)
    return f"{text}{NBSP}%" if lang == "sv" else f"{text}%"


def points(difference: float | None, lang: str = "sv", digits: int = 1, hidden: bool = True) -> str:
    """A difference of shares in percentage points, signed: `+7,5` or `−3,0` (the unit goes in the header)."""
    if difference is None:
        return HIDDEN if hidden else ABSENT
    return _decimal_text(difference * 100, digits, lang, plus=True)


def signed(value: float | None, lang: str = "sv", digits: int = 1, hidden: bool = True) -> str:
    """A difference of means, signed: `+0,7`."""
    if value is None:
        return HIDDEN if hidden else ABSENT
    return _decimal_text(float(value), digits, lang, plus=True)


def p_value(p: float | None, lang: str = "sv", hidden: bool = True) -> str:
    """`0,038`, `<0,001`; two significant digits above 0.1 are enough for anyone's decision."""
    if p is None:
        return HIDDEN if hidden else ABSENT
    if p < 0.001:
        return "<" + _decimal_text(0.001, 3, lang)
    return _decimal_text(p, 3 if p < 0.1 else 2, lang)


def interval(
    low: float | None, high: float | None, lang: str = "sv", scale: float = 100, digits: int = 1
) -> str:
    """`3,8 till 11,3` (sv) or `3.8 to 11.3` (en); shares and differences are scaled to per cent."""
    if low is None or high is None:
        return HIDDEN
    word = "till" if lang == "sv" else "to"
    return f"{_decimal_text(low * scale, digits, lang)} {word} {_decimal_text(high * scale, digits, lang)}"


def date(moment: datetime, lang: str = "sv") -> str:
    """`23 november 2026` (sv) or `23 November 2026` (en)."""
    return f"{moment.day} {MONTHS[lang][moment.month - 1]} {moment.year}"
