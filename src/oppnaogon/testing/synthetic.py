"""Seeded, vectorised generator of realistic synthetic extracts for child and youth care (barn och unga).

The frames produced here look like what a Swedish case-management system would export for
individbaserad systematisk uppföljning (ISU): Swedish headers, Swedish values, kommunkoder with
leading zeros, a literal ``"-"`` or ``"Uppgift saknas"`` where the system writes one, and empty
fields where nothing was registered.  The criteria columns follow the variables suggested by
Vård- och omsorgsanalys and SKR (tables 1 and 2 of the analysis support): need, need met
otherwise, consent, and the conditions for the child's participation.

Everything is drawn with one :func:`numpy.random.default_rng` stream in a fixed order, so the
same seed always gives the same frame.  No per-row Python loops are used: categorical columns are
drawn as small integer codes and turned into strings by gathering from a tiny table of labels,
which in polars shares the label bytes instead of copying them for every row.

The planted structure, so that an analysis has something to find:

* **Explained differences.**  Girls are more often exposed to violence (``Utsatthet``), which
  raises the risk level and hence the chance of an intervention; boys are more often judged to
  be better helped by another service (``Bör tillgodoses av annan verksamhet``), which lowers it;
  boys are slightly less often willing to take part (``Vill delta``).
* **Unexplained differences.**  Among 13–17-year-olds girls are granted an intervention more
  often than boys under equal conditions, and boys take part in the investigation conversation
  slightly less often than girls under equal conditions.
* **Missingness that differs by sex.**  ``Risknivå`` is missing (``"-"``) more often for boys.
* **Implausible rows.**  About 0.05 % of ages are ``"130"`` or ``"-1"`` and about 0.05 % of
  decision dates fall in a future year (2031 by default).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

__all__ = [
    "ALLOWED_VALUES",
    "COLUMNS",
    "generate_barn_och_unga",
    "write_export_csv",
]

# --------------------------------------------------------------------------------------------
# Column names and value sets (exactly as in the export)
# --------------------------------------------------------------------------------------------

KOMMUN = "Kommun"
KON = "Kön"
ALDER = "Ålder"
FODELSELAND = "Födelseland"
STADSDEL = "Stadsdel"
BESLUTSDATUM = "Beslutsdatum"
RISKNIVA = "Risknivå"
UTSATTHET = "Utsatthet"
BEHOV = "Behov av stöd"
NATVERK = "Tillgodoses av nätverk"
ANNAN_VERKSAMHET = "Bör tillgodoses av annan verksamhet"
ONSKAR = "Önskar stöd"
SAMTYCKE = "Samtycke"
TILLFRAGAD = "Tillfrågad om delaktighet"
VILL_DELTA = "Vill delta"
HINDRAT = "Vårdnadshavare hindrat"
TOLK = "Tolk använd"
KOMMUNIKATIONSSTOD = "Kommunikationsstöd funktionsnedsättning"
INSATS = "Insats beviljad"
DELAKTIG = "Barnet delaktigt"
TIMMAR = "Timmar per vecka"

COLUMNS: tuple[str, ...] = (
    KOMMUN,
    KON,
    ALDER,
    FODELSELAND,
    STADSDEL,
    BESLUTSDATUM,
    RISKNIVA,
    UTSATTHET,
    BEHOV,
    NATVERK,
    ANNAN_VERKSAMHET,
    ONSKAR,
    SAMTYCKE,
    TILLFRAGAD,
    VILL_DELTA,
    HINDRAT,
    TOLK,
    KOMMUNIKATIONSSTOD,
    INSATS,
    DELAKTIG,
    TIMMAR,
)
"""Headers of the generated frame, in order."""

JA_NEJ: tuple[str, ...] = ("Ja", "Nej")
KON_VALUES: tuple[str, ...] = ("Flicka", "Pojke", "Annat")
RISK_VALUES: tuple[str, ...] = ("Inte känt", "Låg risk", "Förhöjd risk", "Hög risk")
RISK_MISSING = "-"
UTSATTHET_VALUES: tuple[str, ...] = (
    "Bristande omsorg",
    "Våld mot barn",
    "Upplevt våld",
    "Missbruk",
    "Annat",
)
ONSKAR_VALUES: tuple[str, ...] = ("Ja", "Nej", "Vet ej")
# Spelled exactly as in table 1 of the analysis support (note "vårdnadshavarna" in the second).
SAMTYCKE_VALUES: tuple[str, ...] = (
    "Samtycke finns från barn över 15 år",
    "Samtycke finns från samtliga vårdnadshavarna",
    "Samtycke saknas från en vårdnadshavare",
    "Samtycke saknas, ej skäl för LVU",
    "Samtycke saknas, behov av uppföljning inom 4 månader",
    "Samtycke saknas, skäl för LVU",
    "Samtycke ej tillförlitligt, skäl för LVU",
)
STOD_VALUES: tuple[str, ...] = ("Ja", "Nej men skulle ha behövts", "Nej behövdes ej")
UPPGIFT_SAKNAS = "Uppgift saknas"

# Country of birth: (name, relative weight among the foreign-born, interpreter-need group).
# Group 1 = languages close to Swedish or commonly spoken by Swedish staff (low need),
# group 2 = other languages (high need).
_LANDER: tuple[tuple[str, float, int], ...] = (
    ("Somalia", 1.6, 2),
    ("Syrien", 2.4, 2),
    ("Irak", 1.5, 2),
    ("Afghanistan", 1.5, 2),
    ("Eritrea", 1.0, 2),
    ("Finland", 0.9, 1),
    ("Norge", 0.6, 1),
    ("Polen", 0.9, 2),
    ("Tyskland", 0.6, 1),
    ("Rumänien", 0.6, 2),
    ("Iran", 0.8, 2),
    ("Etiopien", 0.5, 2),
    ("Storbritannien", 0.4, 1),
    ("Ukraina", 1.1, 2),
    ("Danmark", 0.4, 1),
    ("Turkiet", 0.5, 2),
    ("Thailand", 0.3, 2),
    ("Bosnien och Hercegovina", 0.3, 2),
    ("Marocko", 0.3, 2),
    ("Sudan", 0.3, 2),
    ("Kina", 0.2, 2),
    ("Indien", 0.2, 2),
    ("Vietnam", 0.2, 2),
    ("Chile", 0.1, 2),
)
_SVERIGE_SHARE = 0.78
_SAKNAS_SHARE = 0.03

FODELSELAND_VALUES: tuple[str, ...] = ("Sverige", *(name for name, _, _ in _LANDER), UPPGIFT_SAKNAS)

# District names; every municipality gets "Centrum" plus 2–4 of the rest.
_STADSDELAR: tuple[str, ...] = (
    "Norr",
    "Söder",
    "Väster",
    "Öster",
    "Östra landsbygden",
    "Västra landsbygden",
    "Hamnen",
    "Bruket",
    "Sjöstaden",
    "Kyrkbyn",
    "Skogsbacken",
    "Älvdalen",
)

ALLOWED_VALUES: dict[str, frozenset[str]] = {
    KON: frozenset(KON_VALUES),
    ALDER: frozenset({*(str(a) for a in range(18)), "130", "-1"}),
    FODELSELAND: frozenset(FODELSELAND_VALUES),
    STADSDEL: frozenset({"Centrum", *_STADSDELAR}),
    RISKNIVA: frozenset({*RISK_VALUES, RISK_MISSING}),
    UTSATTHET: frozenset(UTSATTHET_VALUES),
    BEHOV: frozenset(JA_NEJ),
    NATVERK: frozenset(JA_NEJ),
    ANNAN_VERKSAMHET: frozenset(JA_NEJ),
    ONSKAR: frozenset(ONSKAR_VALUES),
    SAMTYCKE: frozenset(SAMTYCKE_VALUES),
    TILLFRAGAD: frozenset(JA_NEJ),
    VILL_DELTA: frozenset(JA_NEJ),
    HINDRAT: frozenset(JA_NEJ),
    TOLK: frozenset(STOD_VALUES),
    KOMMUNIKATIONSSTOD: frozenset(STOD_VALUES),
    INSATS: frozenset(JA_NEJ),
    DELAKTIG: frozenset(JA_NEJ),
}
"""Non-null values each categorical column may take (``Kommun`` and ``Beslutsdatum`` excluded)."""

# Share of rows with a null in each criteria column (missing completely at random).
_NULL_RATES: dict[str, float] = {
    UTSATTHET: 0.020,
    BEHOV: 0.015,
    NATVERK: 0.030,
    ANNAN_VERKSAMHET: 0.030,
    ONSKAR: 0.040,
    SAMTYCKE: 0.020,
    TILLFRAGAD: 0.025,
    VILL_DELTA: 0.035,
    HINDRAT: 0.030,
    TOLK: 0.020,
    KOMMUNIKATIONSSTOD: 0.030,
}
# Share of "-" in Risknivå by modelled sex (girl, boy, other/unknown): boys more often missing.
_RISK_MISSING_BY_SEX = np.array([0.045, 0.075, 0.060])
_IMPLAUSIBLE_AGE_SHARE = 0.0005
_FUTURE_DATE_SHARE = 0.0005
_FUTURE_YEAR = 2031


# --------------------------------------------------------------------------------------------
# Drawing helpers (all vectorised)
# --------------------------------------------------------------------------------------------


def _draw(rng: np.random.Generator, n: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Draw ``n`` category codes (uint32) with the given relative weights."""
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    cum /= cum[-1]
    cum[-1] = 1.0
    return np.searchsorted(cum, rng.random(n), side="right").astype(np.uint32)


def _draw_by_group(rng: np.random.Generator, group: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Draw one category code per row from the row of ``table`` selected by ``group``.

    ``table`` has shape (groups, categories) with non-negative relative weights per row.  The
    rows' cumulative distributions are laid end to end on ``[0, groups)`` (group ``g`` occupies
    ``[g, g + 1)``), so a single :func:`numpy.searchsorted` of ``group + u`` does the whole job.
    """
    table = np.asarray(table, dtype=np.float64)
    n_groups, n_cats = table.shape
    cum = np.cumsum(table, axis=1)
    cum /= cum[:, -1:]
    cum[:, -1] = 1.0
    flat = (np.arange(n_groups, dtype=np.float64)[:, None] + cum).ravel()
    target = group.astype(np.float64)
    target += rng.random(group.shape[0])
    index = np.searchsorted(flat, target, side="right")
    index -= group.astype(np.int64) * n_cats
    return index.astype(np.uint32)


def _bernoulli(rng: np.random.Generator, p: np.ndarray | float, n: int) -> np.ndarray:
    """Boolean array, True with probability ``p`` (scalar or per row)."""
    return rng.random(n) < p


def _logistic(logit: np.ndarray) -> np.ndarray:
    """Inverse logit, in place on a float array."""
    np.negative(logit, out=logit)
    np.exp(logit, out=logit)
    logit += 1.0
    np.reciprocal(logit, out=logit)
    return logit


def _set_null(rng: np.random.Generator, codes: np.ndarray, rate: float, null_code: int) -> None:
    """Overwrite a share ``rate`` of ``codes`` (in place) with the null code."""
    codes[_bernoulli(rng, rate, codes.shape[0])] = null_code


def _labels(values: Sequence[str | None]) -> pl.Series:
    """A small String series of labels; the last entry is ``None`` (the null code)."""
    return pl.Series(values=[*values, None], dtype=pl.String)


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


def _validate(n_rows: int, municipalities: Sequence[str], start_year: int, n_quarters: int) -> list[str]:
    """Check the arguments and return the municipality codes as a list."""
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer) or n_rows < 0:
        raise ValueError(f"n_rows must be a non-negative integer, got {n_rows!r}")
    if isinstance(municipalities, str):
        raise TypeError("municipalities must be a sequence of kommunkoder, not a single string")
    codes = list(municipalities)
    if not codes:
        raise ValueError("municipalities must not be empty")
    for code in codes:
        if not (isinstance(code, str) and len(code) == 4 and code.isascii() and code.isdigit()):
            raise ValueError(f"kommunkod must be four digits as a string, got {code!r}")
    if len(set(codes)) != len(codes):
        raise ValueError("municipalities must not contain duplicates")
    if not 1900 <= start_year <= 2100:
        raise ValueError(f"start_year out of range: {start_year!r}")
    if not 1 <= n_quarters <= 400:
        raise ValueError(f"n_quarters must be between 1 and 400, got {n_quarters!r}")
    return codes


def _districts(code: str) -> list[str]:
    """3–5 district names for a municipality, fixed by its code (independent of the seed)."""
    number = int(code)
    count = 3 + number % 3
    offset = (number * 7) % len(_STADSDELAR)
    rotated = _STADSDELAR[offset:] + _STADSDELAR[:offset]
    return ["Centrum", *rotated[: count - 1]]


def _date_table(start_year: int, n_quarters: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decision dates in the period, their weights, and the dates of the implausible future year.

    Decisions are taken on weekdays; July (holidays) has half the activity.
    """
    start = np.datetime64(f"{start_year}-01-01", "D")
    end = (np.datetime64(f"{start_year}-01", "M") + 3 * n_quarters).astype("datetime64[D]")
    days = np.arange(start, end, dtype="datetime64[D]")
    weights = np.is_busday(days).astype(np.float64)
    months = days.astype("datetime64[M]").astype(np.int64) % 12
    weights[months == 6] *= 0.5
    last_year = int(str(end - np.timedelta64(1, "D"))[:4])
    future_year = max(_FUTURE_YEAR, last_year + 2)
    future = np.arange(
        np.datetime64(f"{future_year}-01-01", "D"),
        np.datetime64(f"{future_year + 1}-01-01", "D"),
        dtype="datetime64[D]",
    )
    future = future[np.is_busday(future)]
    return days, weights, future


def generate_barn_och_unga(
    n_rows: int,
    seed: int = 2026,
    *,
    municipalities: Sequence[str] = ("1780", "1784", "1785"),
    start_year: int = 2024,
    n_quarters: int = 8,
) -> pl.DataFrame:
    """Generate a synthetic ISU extract for child and youth care.

    Args:
        n_rows: Number of rows (decisions) to generate.
        seed: Seed for :func:`numpy.random.default_rng`; the same seed gives the same frame.
        municipalities: Kommunkoder (four-digit strings); the first is the largest.
        start_year: Year of the first decision date (from 1 January).
        n_quarters: Number of quarters the decision dates are spread over.

    Returns:
        A frame with the headers in :data:`COLUMNS`.  Every column is a string column as the
        export holds it, except ``Timmar per vecka`` which is a Float64 (hours, in steps of 0.5,
        null unless ``Insats beviljad`` is ``"Ja"``) that :func:`write_export_csv` writes with a
        decimal comma.

    Raises:
        ValueError: If an argument is out of range or a kommunkod is not four digits.
    """
    kommuner = _validate(n_rows, municipalities, start_year, n_quarters)
    n = int(n_rows)
    rng = np.random.default_rng(seed)
    codes: dict[str, np.ndarray] = {}
    tables: dict[str, pl.Series] = {}

    # --- Kommun and Stadsdel ----------------------------------------------------------------
    n_muni = len(kommuner)
    muni_weights = 1.0 / np.arange(1, n_muni + 1, dtype=np.float64) ** 1.5
    muni = _draw(rng, n, muni_weights)
    codes[KOMMUN] = muni
    tables[KOMMUN] = _labels(kommuner)

    district_names: list[str] = []
    max_districts = 5
    district_weights = np.zeros((n_muni, max_districts))
    district_offset = np.zeros(n_muni, dtype=np.uint32)
    for i, code in enumerate(kommuner):  # loop over municipalities, not rows
        names = _districts(code)
        district_offset[i] = len(district_names)
        district_names.extend(names)
        district_weights[i, : len(names)] = 1.0 / np.arange(1, len(names) + 1) ** 0.6
    local = _draw_by_group(rng, muni, district_weights)
    codes[STADSDEL] = local + district_offset[muni]
    tables[STADSDEL] = _labels(district_names)

    # --- Kön ----------------------------------------------------------------------------------
    # Codes: 0 Flicka, 1 Pojke, 2 Annat, 3 null.
    kon = _draw(rng, n, [0.48 * 0.993, 0.52 * 0.993, 0.002, 0.005])
    codes[KON] = kon
    tables[KON] = _labels(KON_VALUES)
    # Modelled sex: 0 girl, 1 boy, 2 other/unknown (gets the average of the two).
    sex = np.minimum(kon, 2)
    girl = sex == 0
    boy = sex == 1

    # --- Ålder --------------------------------------------------------------------------------
    age_weights = np.array([3.5] * 6 + [5.0] * 7 + [7.0, 8.5, 9.5, 9.5, 8.0])
    age = _draw(rng, n, age_weights)
    age_group = np.select([age <= 5, age <= 12], [0, 1], 2).astype(np.uint32)
    teen = age_group == 2
    age_codes = age.copy()
    implausible = rng.random(n) < _IMPLAUSIBLE_AGE_SHARE
    age_codes[implausible] = 18 + rng.integers(0, 2, n, dtype=np.uint32)[implausible]
    codes[ALDER] = age_codes
    tables[ALDER] = _labels([*(str(a) for a in range(18)), "130", "-1"])

    # --- Födelseland --------------------------------------------------------------------------
    foreign_weights = np.array([w for _, w, _ in _LANDER])
    foreign_weights *= (1.0 - _SVERIGE_SHARE - _SAKNAS_SHARE) / foreign_weights.sum()
    land = _draw(rng, n, [_SVERIGE_SHARE, *foreign_weights, _SAKNAS_SHARE])
    codes[FODELSELAND] = land
    tables[FODELSELAND] = _labels(FODELSELAND_VALUES)
    # Interpreter-need group: 0 Sverige, 1 low, 2 high, 3 unknown.
    land_group = np.array([0, *(g for _, _, g in _LANDER), 3], dtype=np.uint32)[land]

    # --- Beslutsdatum -------------------------------------------------------------------------
    days, day_weights, future = _date_table(start_year, n_quarters)
    day = _draw(rng, n, day_weights)
    in_future = rng.random(n) < _FUTURE_DATE_SHARE
    day[in_future] = len(days) + rng.integers(0, len(future), n, dtype=np.uint32)[in_future]
    codes[BESLUTSDATUM] = day
    tables[BESLUTSDATUM] = _labels(np.concatenate([days, future]).astype(str).tolist())

    # --- Need: Utsatthet, Risknivå, Behov av stöd ---------------------------------------------
    utsatthet_by_sex = np.array(
        [
            [0.33, 0.21, 0.21, 0.09, 0.16],  # girls: more violence exposure
            [0.37, 0.15, 0.17, 0.11, 0.20],  # boys
            [0.35, 0.18, 0.19, 0.10, 0.18],  # other/unknown
        ]
    )
    utsatthet_age_factor = np.array(
        [
            [1.3, 1.0, 1.0, 0.6, 0.8],  # 0–5
            [1.0, 1.0, 1.0, 1.0, 1.0],  # 6–12
            [0.8, 1.0, 0.9, 1.8, 1.3],  # 13–17: own substance use, behaviour
        ]
    )
    utsatthet_table = (utsatthet_by_sex[:, None, :] * utsatthet_age_factor[None, :, :]).reshape(9, 5)
    utsatthet = _draw_by_group(rng, sex * 3 + age_group, utsatthet_table)

    risk_by_utsatthet = np.array(
        [
            [0.10, 0.38, 0.35, 0.17],  # Bristande omsorg
            [0.08, 0.20, 0.37, 0.35],  # Våld mot barn
            [0.10, 0.30, 0.38, 0.22],  # Upplevt våld
            [0.10, 0.30, 0.35, 0.25],  # Missbruk
            [0.18, 0.50, 0.24, 0.08],  # Annat
        ]
    )
    risk = _draw_by_group(rng, utsatthet, risk_by_utsatthet)

    behov = ~_bernoulli(rng, np.array([0.50, 0.38, 0.78, 0.93])[risk], n)  # code 0 = Ja

    # --- Need met otherwise -------------------------------------------------------------------
    natverk = ~_bernoulli(rng, np.array([0.18, 0.26, 0.12, 0.05])[risk], n)  # 0 = Ja
    annan_p = np.array([0.10, 0.145, 0.12])[sex] * np.array([0.9, 1.0, 1.3])[age_group]
    annan = ~_bernoulli(rng, annan_p, n)  # 0 = Ja

    # --- Wishes and consent -------------------------------------------------------------------
    onskar_table = np.array([[0.55, 0.10, 0.35], [0.62, 0.17, 0.21], [0.60, 0.27, 0.13]])
    onskar = _draw_by_group(rng, age_group, onskar_table)

    samtycke_table = np.array(
        [
            [0.00, 0.72, 0.08, 0.07, 0.05, 0.04, 0.04],  # under 15: no own consent
            [0.30, 0.45, 0.06, 0.07, 0.04, 0.04, 0.04],  # 15–17
        ]
    )
    samtycke = _draw_by_group(rng, (age >= 15).astype(np.uint32), samtycke_table)
    consent_missing = samtycke >= 3

    # --- Participation conditions -------------------------------------------------------------
    tillfragad = ~_bernoulli(rng, np.array([0.55, 0.88, 0.95])[age_group], n)  # 0 = Ja
    vill_delta = ~_bernoulli(rng, np.array([0.87, 0.81, 0.84])[sex], n)  # 0 = Ja
    hindrat = ~_bernoulli(rng, np.where(consent_missing, 0.16, 0.05), n)  # 0 = Ja

    tolk_table = np.array(
        [
            [0.02, 0.005, 0.975],  # Sverige
            [0.10, 0.03, 0.87],  # low-need languages
            [0.34, 0.09, 0.57],  # other languages
            [0.12, 0.04, 0.84],  # Uppgift saknas
        ]
    )
    tolk = _draw_by_group(rng, land_group, tolk_table)
    kommunikation_table = np.array([[0.040, 0.012, 0.948], [0.065, 0.020, 0.915], [0.052, 0.016, 0.932]])
    kommunikation = _draw_by_group(rng, sex, kommunikation_table)

    # --- Outcome: Insats beviljad -------------------------------------------------------------
    logit = np.full(n, 0.65)
    logit += np.array([0.0, -0.8, 0.6, 1.3])[risk]
    logit += np.where(behov, -1.5, 1.2)  # behov True means "Nej"
    logit += np.where(natverk, 0.0, -0.9)
    logit += np.where(annan, 0.0, -0.8)
    logit += np.array([0.0, -0.7, -0.2])[onskar]
    logit += np.array([0.0, 0.0, -0.5, -1.4, -1.0, -0.8, -0.8])[samtycke]
    logit += np.where(utsatthet == 1, 0.2, 0.0)
    logit += np.where(teen & girl, 0.45, 0.0)  # unexplained: teenage girls favoured
    insats = ~_bernoulli(rng, _logistic(logit), n)  # 0 = Ja

    # --- Outcome: Barnet delaktigt ------------------------------------------------------------
    logit = np.full(n, 1.7)
    logit += np.array([-1.8, 0.0, 0.4])[age_group]
    logit += np.array([-0.2, -1.5, 0.0])[tolk]
    logit += np.array([-0.3, -1.3, 0.0])[kommunikation]
    logit += np.where(hindrat, 0.0, -2.0)
    logit += np.where(tillfragad, -2.5, 0.0)
    logit += np.where(vill_delta, -1.8, 0.0)
    logit += np.where(boy, -0.2, 0.0)  # unexplained: boys slightly less often take part
    delaktig = ~_bernoulli(rng, _logistic(logit), n)  # 0 = Ja
    del logit

    # --- Timmar per vecka ---------------------------------------------------------------------
    log_hours = rng.normal(np.array([1.0, 0.8, 1.2, 1.6])[risk], 0.85)
    hours = np.clip(np.round(np.exp(log_hours) * 2.0) / 2.0, 0.5, 40.0)
    del log_hours

    # --- Missingness --------------------------------------------------------------------------
    risk_codes = risk.copy()
    risk_codes[_bernoulli(rng, _RISK_MISSING_BY_SEX[sex], n)] = len(RISK_VALUES)  # "-"
    codes[RISKNIVA] = risk_codes
    tables[RISKNIVA] = _labels([*RISK_VALUES, RISK_MISSING])

    for name, values, column in (
        (UTSATTHET, UTSATTHET_VALUES, utsatthet),
        (BEHOV, JA_NEJ, behov.astype(np.uint32)),
        (NATVERK, JA_NEJ, natverk.astype(np.uint32)),
        (ANNAN_VERKSAMHET, JA_NEJ, annan.astype(np.uint32)),
        (ONSKAR, ONSKAR_VALUES, onskar),
        (SAMTYCKE, SAMTYCKE_VALUES, samtycke),
        (TILLFRAGAD, JA_NEJ, tillfragad.astype(np.uint32)),
        (VILL_DELTA, JA_NEJ, vill_delta.astype(np.uint32)),
        (HINDRAT, JA_NEJ, hindrat.astype(np.uint32)),
        (TOLK, STOD_VALUES, tolk),
        (KOMMUNIKATIONSSTOD, STOD_VALUES, kommunikation),
    ):
        _set_null(rng, column, _NULL_RATES[name], len(values))
        codes[name] = column
        tables[name] = _labels(values)

    codes[INSATS] = insats.astype(np.uint32)
    tables[INSATS] = _labels(JA_NEJ)
    codes[DELAKTIG] = delaktig.astype(np.uint32)
    tables[DELAKTIG] = _labels(JA_NEJ)

    # --- Assemble: gather labels by code (parallel across columns in polars) -------------------
    code_frame = pl.DataFrame({name: pl.Series(name, c, dtype=pl.UInt32) for name, c in codes.items()})
    codes.clear()
    granted = ~insats
    timmar = pl.Series(TIMMAR, np.where(granted, hours, np.nan)).fill_nan(None)
    exprs = [pl.lit(tables[name]).gather(pl.col(name)).alias(name) for name in COLUMNS[:-1]]
    frame = code_frame.select(exprs)
    return frame.with_columns(timmar)


# --------------------------------------------------------------------------------------------
# Writing the export
# --------------------------------------------------------------------------------------------


def write_export_csv(df: pl.DataFrame, path: str | Path) -> None:
    """Write ``df`` as a Swedish export CSV, atomically.

    Semicolon-separated, UTF-8 with BOM, CRLF line endings, decimal comma in float columns
    (``2,5``), missing values as empty fields, and quotes only where a value needs them.  The
    file is first written to a temporary file in the same folder and then moved into place with
    :func:`os.replace`, so readers never see a half-written file.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        df.write_csv(
            tmp,
            include_bom=True,
            separator=";",
            line_terminator="\r\n",
            quote_style="necessary",
            null_value="",
            decimal_comma=True,
        )
        tmp.replace(target)  # os.replace: atomic within one folder
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
