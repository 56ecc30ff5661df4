"""Planted-truth worlds: synthetic extracts whose criteria verdict is known in advance.

Each *scenario* is a small data-generating process for child and youth care (barn och unga) in which the
sex difference in one outcome is, by construction, either explained by one Vård- och omsorgsanalys
criterion (``motivated``), not explained by any (``unmotivated``), absent, or not assessable.  A
:class:`World` bundles the frame (Swedish headers and values, every column a string, as an export holds
them), the text of a matching ``oppnaogon.toml`` and the :class:`Truth` a correct analysis should reach.

The process makes the truth true; the label only names it.  Every outcome probability is a product of
per-variable *factors* (plus, in ``unmotivated``, a constant added for one sex), and the criteria
variables are drawn independently of each other and of age, so the expected shares follow exactly from
the tables below.  :func:`generate_world` computes them for the parameters it is given
(:attr:`Truth.expected_shares`).

Conventions
-----------
* Differences are **female − male** (flickor − pojkar), as shares (0.12 = 12 percentage points).
* ``effect`` is always the planted *crude* difference in the outcome share (the expected difference in
  the population), except in ``no_difference`` where it is ignored and the difference is 0.  In the
  explained scenarios the generator finds the sex difference in the explaining variable that produces
  exactly this crude difference (the planted shift ``t`` below); a negative ``effect`` mirrors the
  world.  An ``effect`` that would need a probability outside [0, 1] raises :class:`ValueError` naming
  the admissible range.
* "Conditional difference" (:attr:`Truth.conditional_difference`) is the expected female − male
  difference *within* every stratum of :attr:`Truth.stratify_on` (the same in every stratum), except in
  ``participation_interpreter_not_used`` (see there).
* Girls are 48 %, boys 52 % (``Kön`` is ``Flicka`` or ``Pojke``, never missing).  ``Ålder`` is 0–17
  with more teenagers (weights 3.5 for 0–5, 5 for 6–12, 7, 8.5, 9.5, 9.5, 8 for 13–17; P(15–17) =
  27/98.5 ≈ 0.274), independent of sex.  ``Beslutsdatum`` is a working day in 2025 (weekdays
  except public holidays, uniformly), ``ÅÅÅÅ-MM-DD``.
* After the outcome is drawn, each criteria column independently loses a share ``missing_rate``
  (default 0.02) of its values completely at random: null in the frame, an empty field in the CSV.  The
  outcome and ``Kön``, ``Ålder``, ``Beslutsdatum`` are never missing.  Missingness does not change any
  expected share or difference below.

Decision worlds (outcome ``Insats beviljad``, kind ``decision``)
----------------------------------------------------------------
Columns: ``Kön``, ``Ålder``, ``Beslutsdatum``, ``Risknivå``, ``Behov av stöd``,
``Bör tillgodoses av annan verksamhet``, ``Samtycke``, ``Insats beviljad``.  Criteria in the config:
``need = [Risknivå, Behov av stöd]``, ``met_otherwise = [Bör tillgodoses av annan verksamhet]``,
``consent = [Samtycke]``.

Base model (identical for girls and boys unless a scenario shifts it):

* ``Risknivå`` (Inte känt, Låg risk, Förhöjd risk, Hög risk): 0.10, 0.40, 0.32, 0.18.
* ``Behov av stöd`` = Ja given the risk level: 0.50, 0.35, 0.80, 0.95 (never shifted by sex).
* ``Bör tillgodoses av annan verksamhet`` = Ja: 0.22.
* ``Samtycke`` (the seven values of table 1, in order): under 15 years 0, 0.66, 0.08, 0.10, 0.06,
  0.05, 0.05; 15–17 years 0.30, 0.36, 0.06, 0.12, 0.06, 0.05, 0.05.
* P(``Insats beviljad`` = Ja) = need(risk, behov) · met(annan) · consent(samtycke) [+ sex effect], with

  - need, Behov = Ja: 0.55, 0.50, 0.75, 0.80; Behov = Nej: 0.20, 0.15, 0.30, 0.35 (by risk level), so
    E[need | risk] = 0.375, 0.2725, 0.66, 0.7775 and E[need] = 0.49765;
  - met: 0.10 if the need should be met by another service (Ja), 1 otherwise (E = 0.802);
  - consent: 1, 1, 0.70, 0.15, 0.40, 0.90, 0.90 (consent present; missing from one guardian; missing,
    no grounds for LVU; follow-up within four months; grounds for LVU; unreliable, grounds for LVU),
    E = 0.84198 (over both age groups).

  The base grant share is 0.49765 · 0.802 · 0.84198 ≈ 0.3360.

Scenarios (defaults: ``effect = 0.12``):

``explained_by_need``
    Girls have higher risk levels: risk shares are base + t/2 · (0, −1, ½, ½) for girls and base −
    t/2 · (0, −1, ½, ½) for boys, t = effect / 0.30134 (|effect| ≤ 0.2170).  At the default t =
    0.3982: girls 0.10, 0.2009, 0.4196, 0.2796; boys 0.10, 0.5991, 0.2204, 0.0804 (elevated or high
    risk 70 % vs 30 %; Behov = Ja 72.2 % vs 51.2 %).  Grant share: girls 0.3960, boys 0.2760, crude
    +0.12.  Within every risk level, and every risk × behov cell, the difference is 0; adjusting for
    met_otherwise or consent alone leaves it at +0.12.  Truth: ``motivated``, explained_by
    ``["need"]``.
    (Within ``Behov av stöd`` alone it is *not* 0: risk still differs by sex inside each behov level.)

``explained_by_met_otherwise``
    Boys are more often judged to need another service: P(annan = Ja) = 0.22 − t/2 for girls and 0.22 +
    t/2 for boys, t = effect / 0.37711 (|effect| ≤ 0.1659).  Default t = 0.3182: girls 0.0609, boys
    0.3791.  Grant share: girls 0.3960, boys 0.2760, crude +0.12; within each value of annan
    verksamhet 0.  Truth: ``motivated``, ``["met_otherwise"]``.

``explained_by_consent``
    Boys' guardians more often decline: for boys (only), in both age groups, a share t of the rows moves
    from consent present (the first two values, in proportion to their base shares) to "Samtycke
    saknas, ej skäl för LVU"; girls keep the base.  t = effect / 0.33925 (−0.0339 ≤ effect ≤
    0.2239); default t = 0.3537: boys under 15 get 0, 0.3063, 0.08, 0.4537, 0.06, 0.05, 0.05; boys
    15–17 0.1392, 0.1671, 0.06, 0.4737, 0.06, 0.05, 0.05.  Grant share: girls 0.3360, boys 0.2160,
    crude +0.12; within each Samtycke value 0.  Truth: ``motivated``, ``["consent"]``.

``unmotivated``
    Every criteria variable has the base distribution for both sexes; girls get ``effect`` added to
    their grant probability in every cell (a negative effect is added to boys instead), |effect| ≤ 0.20.
    Grant share: girls 0.4560, boys 0.3360; crude +0.12 and +0.12 within every stratum of every
    criterion, alone and together.  Truth: ``unmotivated``, ``[]``.

``no_difference``
    The base model for both sexes, ``effect`` ignored: crude and conditional differences 0 (grant share
    0.3360 for both).  Truth: verdict ``None`` — there is no noteworthy difference for the criteria to
    judge; a correct analysis reports no difference, not a verdict.

``no_criteria_columns``
    The ``explained_by_need`` process (crude +0.12, in truth explained by need), but the frame holds only
    ``Kön``, ``Ålder``, ``Beslutsdatum`` and ``Insats beviljad`` and the config has no ``[criteria]``
    table (and no header in the frame matches a criteria alias).  Truth: ``not_assessable``,
    ``[]``, conditional difference ``None``.

``small``
    The ``explained_by_need`` process, meant for 40–80 rows.  What a correct analysis says then depends
    on n and the draw (typically no noteworthy difference, or ``inconclusive``; never ``motivated`` on
    low power alone), so :attr:`Truth.verdict` holds the *large-sample* verdict (``motivated``,
    ``["need"]``) and :attr:`Truth.large_sample_only` is True.

Participation worlds (outcome ``Barnet delaktigt``, kind ``participation``)
---------------------------------------------------------------------------
Columns: ``Kön``, ``Ålder``, ``Beslutsdatum``, ``Vill delta``, ``Vårdnadshavare hindrat``,
``Tolk använd``, ``Barnet delaktigt``.  Criteria: ``wish_to_participate = [Vill delta]``,
``guardian_attitude = [Vårdnadshavare hindrat]``, ``accessibility = [Tolk använd]``.

Base model: ``Vill delta`` = Ja 0.80; ``Vårdnadshavare hindrat`` = Ja 0.07; ``Tolk använd`` (Ja, Nej
men skulle ha behövts, Nej behövdes ej) 0.06, 0.02, 0.92.  P(``Barnet delaktigt`` = Ja) = wish ·
guardian · interpreter with wish 0.90 (Ja) / 0.15 (Nej), guardian 0.35 (hindered) / 1, interpreter 1
(Ja: with an interpreter a child takes part as others do) / 0.25 (needed but not used) / 1 (not
needed).  E = 0.75 · 0.9545 · 0.985 ≈ 0.7051.

``participation_interpreter_not_used``
    Boys (only) more often needed an interpreter who was not used: boys' Tolk shares are 0.06, 0.02 +
    t, 0.92 − t; girls keep the base.  t = effect / 0.53691 (−0.0107 ≤ effect ≤ 0.4940); default
    t = 0.2235 (girls 2 %, boys 24.3 % "Nej men skulle ha behövts").  Participation: girls 0.7051, boys 0.5851, crude +0.12.
    *Statistically* the Tolk column explains everything — within each of its three values the difference
    is 0 — but "Nej men skulle ha behövts" means the accommodation was not given, so the accessibility
    criterion must not explain the difference (``not_explaining_values`` in the criteria table).
    :attr:`Truth.conditional_difference` is the difference among children for whom no interpreter was
    used (``Tolk använd`` ≠ Ja, i.e. the unmet need not accepted as an explanation): +0.1277 at the
    default (0 among those with an interpreter).  :attr:`Truth.unmet_accommodation` counts the rows with
    "Nej men skulle ha behövts" per sex, so a test can check that the analysis reports them.  Truth:
    ``unmotivated``, ``[]``.

``participation_explained_by_wish``
    Boys more often do not want to take part: P(Vill delta = Ja) = 0.80 + t/2 for girls and 0.80 − t/2
    for boys, t = effect / 0.70514 (|effect| ≤ 0.2821); default t = 0.1702 (girls 0.8851, boys
    0.7149).  Participation: girls 0.7651, boys 0.6451, crude +0.12; within each value of Vill delta 0.  Interpreter and guardian
    columns have the base distribution for both sexes.  Truth: ``motivated``,
    ``["wish_to_participate"]``.

The numbers above are for the default parameters and are recomputed exactly for any ``effect`` in
:attr:`Truth.expected_shares`, :attr:`Truth.crude_difference` and :attr:`Truth.conditional_difference`.

Study worlds (:func:`generate_study_world`, :data:`STUDY_SCENARIOS`)
-------------------------------------------------------------------
For the simulation study of the verdicts (``bench/simulate_verdicts.py``): the same base models, with
``Födelseland`` and ``Stadsdel`` added (so that the report breaks the outcome down by birth region and
residence) and a *remaining* difference at equal criteria planted on top of an explained part of 12
points: everywhere (0, 2.5, 5, 8, 10 points: ``partly_need_*``), only at elevated or high risk, only in
one district, opposite at low and high risk (0 on average), only among children who needed an
interpreter and did not get one, or nowhere (``explained_*``, ``participation_wish``); and worlds
whose criteria are mostly or wholly "Uppgift saknas" (``missing_*``). Each
:class:`StudyWorld` carries the true remaining difference of every person
(:attr:`StudyWorld.remaining`), so that the truth of *any* published group is the mean over its
persons.

Everything is drawn with one :func:`numpy.random.default_rng` stream in a fixed order per family
(sex, age, date, criteria, outcome, missingness), with no per-row Python loops: the same scenario, size,
parameters and seed always give the same frame.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from oppnaogon.testing.synthetic import (
    ALDER,
    ANNAN_VERKSAMHET,
    BEHOV,
    BESLUTSDATUM,
    DELAKTIG,
    HINDRAT,
    INSATS,
    JA_NEJ,
    KON,
    RISK_VALUES,
    RISKNIVA,
    SAMTYCKE,
    SAMTYCKE_VALUES,
    STOD_VALUES,
    TOLK,
    VILL_DELTA,
    _draw,
    _draw_by_group,
    write_export_csv,
)

__all__ = [
    "DEFAULT_EFFECT",
    "SCENARIOS",
    "STUDY_SCENARIOS",
    "VERDICTS",
    "StudySpec",
    "StudyWorld",
    "Truth",
    "World",
    "generate_study_world",
    "generate_world",
    "write_world",
]

SCENARIOS: tuple[str, ...] = (
    "explained_by_need",
    "explained_by_met_otherwise",
    "explained_by_consent",
    "unmotivated",
    "no_difference",
    "no_criteria_columns",
    "small",
    "participation_interpreter_not_used",
    "participation_explained_by_wish",
)
"""The scenario names :func:`generate_world` accepts."""

VERDICTS: tuple[str, ...] = ("motivated", "unmotivated", "inconclusive", "not_assessable")
DEFAULT_EFFECT = 0.12
DEFAULT_MISSING_RATE = 0.02
YEAR = 2025
GIRL_SHARE = 0.48

# Swedish public holidays (and the de facto days off) on weekdays in 2025: no decisions are taken.
_HOLIDAYS = np.array(
    [
        "2025-01-01",
        "2025-01-06",
        "2025-04-18",
        "2025-04-21",
        "2025-05-01",
        "2025-05-29",
        "2025-06-06",
        "2025-06-20",
        "2025-12-24",
        "2025-12-25",
        "2025-12-26",
        "2025-12-31",
    ],
    dtype="datetime64[D]",
)
_AGE_WEIGHTS = np.array([3.5] * 6 + [5.0] * 7 + [7.0, 8.5, 9.5, 9.5, 8.0])
_P_AGE_15 = float(_AGE_WEIGHTS[15:].sum() / _AGE_WEIGHTS.sum())


# --------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Truth:
    """What a correct analysis of a :class:`World` should find for its one outcome.

    Attributes:
        scenario: The scenario name.
        outcome: The outcome's name in the config (``insats_beviljad`` or ``barnet_delaktigt``).
        column: The outcome's header in the frame.
        kind: ``"decision"`` or ``"participation"``.
        verdict: One of :data:`VERDICTS`, or ``None`` when there is no difference to judge
            (``no_difference``).
        explained_by: Criterion ids that explain the difference (empty unless ``motivated``).
        effect: The ``effect`` parameter used (0.0 in ``no_difference``).
        crude_difference: Expected female − male share of the outcome (population value).
        conditional_difference: Expected female − male difference within every stratum of
            ``stratify_on`` (for ``participation_interpreter_not_used``: among children for whom no
            interpreter was used); ``None`` when the frame has no criteria columns.
        stratify_on: Headers to stratify on to see ``conditional_difference``.
        expected_shares: Expected outcome share per sex, keys ``female`` and ``male``.
        large_sample_only: True when ``verdict`` holds only for large n (``small``).
        unmet_accommodation: Rows with ``Tolk använd`` = "Nej men skulle ha behövts" per sex (keys
            ``female``, ``male``), counted in the frame; ``None`` when there is no such column.
    """

    scenario: str
    outcome: str
    column: str
    kind: str
    verdict: str | None
    explained_by: tuple[str, ...]
    effect: float
    crude_difference: float
    conditional_difference: float | None
    stratify_on: tuple[str, ...]
    expected_shares: Mapping[str, float]
    large_sample_only: bool = False
    unmet_accommodation: Mapping[str, int] | None = None


@dataclass(frozen=True)
class World:
    """A synthetic extract, a matching ``oppnaogon.toml`` (as text) and the planted truth."""

    frame: pl.DataFrame
    config_toml: str
    truth: Truth


# --------------------------------------------------------------------------------------------
# Model building blocks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Variable:
    """A categorical variable that multiplies the outcome probability by ``factor[category]``.

    ``base`` has one row per group (age group for Samtycke, else a single row).  A planted sex difference
    of size ``t`` moves girls to ``base + t · girls_part · delta`` and boys to ``base − t · (1 −
    girls_part) · delta`` (rows of ``delta`` sum to 0), so the girl − boy difference in the
    distribution is ``t · delta`` whoever carries it.
    """

    values: tuple[str, ...]
    base: np.ndarray
    factor: np.ndarray
    delta: np.ndarray | None = None
    girls_part: float = 0.5
    group_weights: np.ndarray = field(default_factory=lambda: np.ones(1))

    def table(self, t: float) -> np.ndarray:
        """Rows: girls' groups, then boys' groups; ready for :func:`_draw_by_group`."""
        if self.delta is None or t == 0.0:
            return np.vstack([self.base, self.base])
        girls = self.base + t * self.girls_part * self.delta
        boys = self.base - t * (1.0 - self.girls_part) * self.delta
        return np.vstack([girls, boys])

    def expected_factor(self, t: float) -> np.ndarray:
        """E[factor | sex], shape (2,): girls, boys."""
        table = self.table(t).reshape(2, *self.base.shape)
        return np.einsum("g,sgc,c->s", self.group_weights, table, self.factor)

    def t_range(self) -> tuple[float, float]:
        """The shifts ``t`` for which every probability stays within [0, 1]."""
        low, high = -np.inf, np.inf
        if self.delta is None:
            return low, high
        for coefficient in (self.girls_part * self.delta, -(1.0 - self.girls_part) * self.delta):
            with np.errstate(divide="ignore", invalid="ignore"):
                up = np.where(coefficient < 0, self.base / -coefficient, np.inf)
                down = np.where(coefficient > 0, -self.base / coefficient, -np.inf)
            high = min(high, float(up.min()))
            low = max(low, float(down.max()))
        return low, high


# --- decision worlds ------------------------------------------------------------------------------

_RISK_BASE = np.array([[0.10, 0.40, 0.32, 0.18]])
_BEHOV_JA_BY_RISK = np.array([0.50, 0.35, 0.80, 0.95])
_BEHOV_TABLE = np.column_stack([_BEHOV_JA_BY_RISK, 1.0 - _BEHOV_JA_BY_RISK])  # codes: 0 Ja, 1 Nej
_NEED_FACTOR = np.array(
    [
        [0.55, 0.50, 0.75, 0.80],  # Behov av stöd = Ja, by risk level
        [0.20, 0.15, 0.30, 0.35],  # Behov av stöd = Nej
    ]
).T  # shape (risk, behov)
_NEED_BY_RISK = (_BEHOV_TABLE * _NEED_FACTOR).sum(axis=1)

_ANNAN_JA = 0.22
_MET_FACTOR = np.array([0.10, 1.0])  # Ja (another service should meet the need), Nej

_SAMTYCKE_BASE = np.array(
    [
        [0.00, 0.66, 0.08, 0.10, 0.06, 0.05, 0.05],  # under 15: no consent of their own
        [0.30, 0.36, 0.06, 0.12, 0.06, 0.05, 0.05],  # 15–17
    ]
)
_CONSENT_FACTOR = np.array([1.0, 1.0, 0.70, 0.15, 0.40, 0.90, 0.90])
_PRESENT = _SAMTYCKE_BASE[:, :2] / _SAMTYCKE_BASE[:, :2].sum(axis=1, keepdims=True)
# Girls − boys: more consent present (split as in the base), fewer "Samtycke saknas, ej skäl för LVU".
_CONSENT_DELTA = np.column_stack([_PRESENT, np.zeros(2), -np.ones(2), np.zeros((2, 3))])


def _need(delta: bool) -> _Variable:
    return _Variable(
        RISK_VALUES,
        _RISK_BASE,
        _NEED_BY_RISK,
        np.array([[0.0, -1.0, 0.5, 0.5]]) if delta else None,
    )


def _met(delta: bool) -> _Variable:
    return _Variable(
        JA_NEJ,
        np.array([[_ANNAN_JA, 1.0 - _ANNAN_JA]]),
        _MET_FACTOR,
        np.array([[-1.0, 1.0]]) if delta else None,
    )


def _consent(delta: bool) -> _Variable:
    return _Variable(
        SAMTYCKE_VALUES,
        _SAMTYCKE_BASE,
        _CONSENT_FACTOR,
        _CONSENT_DELTA if delta else None,
        girls_part=0.0,
        group_weights=np.array([1.0 - _P_AGE_15, _P_AGE_15]),
    )


# --- participation worlds -------------------------------------------------------------------------

_WISH_FACTOR = np.array([0.90, 0.15])  # Vill delta Ja, Nej
_GUARD_FACTOR = np.array([0.35, 1.0])  # Vårdnadshavare hindrat Ja, Nej
_TOLK_FACTOR = np.array([1.0, 0.25, 1.0])  # Ja, Nej men skulle ha behövts, Nej behövdes ej
_TOLK_BASE = np.array([[0.06, 0.02, 0.92]])
_NOT_MET = STOD_VALUES[1]


def _wish(delta: bool) -> _Variable:
    return _Variable(
        JA_NEJ, np.array([[0.80, 0.20]]), _WISH_FACTOR, np.array([[1.0, -1.0]]) if delta else None
    )


def _guardian() -> _Variable:
    return _Variable(JA_NEJ, np.array([[0.07, 0.93]]), _GUARD_FACTOR)


def _interpreter(delta: bool) -> _Variable:
    return _Variable(
        STOD_VALUES,
        _TOLK_BASE,
        _TOLK_FACTOR,
        np.array([[0.0, -1.0, 1.0]]) if delta else None,
        girls_part=0.0,
    )


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scenario:
    family: str  # "decision" | "participation"
    shifted: str | None  # criterion id whose variable carries the planted difference
    sex_effect: bool  # effect added to one sex's probability at equal criteria
    verdict: str | None
    explained_by: tuple[str, ...]
    criteria_columns: bool = True
    large_sample_only: bool = False


_SCENARIO_SPECS: dict[str, _Scenario] = {
    "explained_by_need": _Scenario("decision", "need", False, "motivated", ("need",)),
    "explained_by_met_otherwise": _Scenario(
        "decision", "met_otherwise", False, "motivated", ("met_otherwise",)
    ),
    "explained_by_consent": _Scenario("decision", "consent", False, "motivated", ("consent",)),
    "unmotivated": _Scenario("decision", None, True, "unmotivated", ()),
    "no_difference": _Scenario("decision", None, False, None, ()),
    "no_criteria_columns": _Scenario("decision", "need", False, "not_assessable", (), criteria_columns=False),
    "small": _Scenario("decision", "need", False, "motivated", ("need",), large_sample_only=True),
    "participation_interpreter_not_used": _Scenario(
        "participation", "accessibility", False, "unmotivated", ()
    ),
    "participation_explained_by_wish": _Scenario(
        "participation", "wish_to_participate", False, "motivated", ("wish_to_participate",)
    ),
}

_DECISION_CRITERIA: dict[str, tuple[str, ...]] = {
    "need": (RISKNIVA, BEHOV),
    "met_otherwise": (ANNAN_VERKSAMHET,),
    "consent": (SAMTYCKE,),
}
_PARTICIPATION_CRITERIA: dict[str, tuple[str, ...]] = {
    "wish_to_participate": (VILL_DELTA,),
    "guardian_attitude": (HINDRAT,),
    "accessibility": (TOLK,),
}


def _variables(spec: _Scenario) -> dict[str, _Variable]:
    """The criterion variables of the scenario's family, keyed by criterion id, in drawing order."""
    if spec.family == "decision":
        return {
            "need": _need(spec.shifted == "need"),
            "met_otherwise": _met(spec.shifted == "met_otherwise"),
            "consent": _consent(spec.shifted == "consent"),
        }
    return {
        "wish_to_participate": _wish(spec.shifted == "wish_to_participate"),
        "guardian_attitude": _guardian(),
        "accessibility": _interpreter(spec.shifted == "accessibility"),
    }


def _expected_shares(variables: Mapping[str, _Variable], t: float, added: np.ndarray) -> np.ndarray:
    """Expected outcome share for girls and boys: the product of the expected factors, plus ``added``."""
    product = np.ones(2)
    for variable in variables.values():
        product *= variable.expected_factor(t)
    return product + added


def _sex_effect(effect: float) -> np.ndarray:
    """What is added to the probability of girls and boys so that girls − boys = ``effect``."""
    return np.array([effect, 0.0]) if effect >= 0 else np.array([0.0, -effect])


def _solve(
    name: str, spec: _Scenario, variables: Mapping[str, _Variable], effect: float
) -> tuple[float, np.ndarray]:
    """The shift ``t`` and the per-sex additive effect that plant a crude difference of ``effect``."""
    if spec.sex_effect:
        added = _sex_effect(effect)
        # Largest probability of the base model: every factor at its maximum.
        top = float(np.prod([v.factor.max() for v in variables.values()]))
        if top + abs(effect) > 1.0:
            raise ValueError(
                f"effect must be between {top - 1.0:.3f} and {1.0 - top:.3f} for scenario {name!r}, got {effect!r}"
            )
        return 0.0, added
    if spec.shifted is None:
        return 0.0, np.zeros(2)
    variable = variables[spec.shifted]
    girls, boys = _expected_shares(variables, 1.0, np.zeros(2))
    slope = girls - boys  # the crude difference is linear in t
    t = effect / slope
    low, high = variable.t_range()
    if not low <= t <= high:
        raise ValueError(
            f"effect must be between {low * slope:.3f} and {high * slope:.3f} for scenario {name!r}, "
            f"got {effect!r}"
        )
    return t, np.zeros(2)


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def _column(values: tuple[str, ...], codes: np.ndarray) -> tuple[pl.Series, np.ndarray]:
    """Labels with a trailing null entry (code ``len(values)``), and the codes as uint32."""
    return pl.Series(values=[*values, None], dtype=pl.String), codes.astype(np.uint32)


def _sex_and_age(
    rng: np.random.Generator, n: int, labels: dict[str, pl.Series], codes: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Draw `Kön` (0 Flicka, 1 Pojke) and `Ålder` into `labels` and `codes`, in this order from `rng`
    (the seeded worlds depend on it); their codes."""
    sex = (rng.random(n) >= GIRL_SHARE).astype(np.uint32)
    labels[KON], codes[KON] = _column(("Flicka", "Pojke"), sex)
    age = _draw(rng, n, _AGE_WEIGHTS)
    labels[ALDER], codes[ALDER] = _column(tuple(str(a) for a in range(18)), age)
    return sex, age


def _validate(scenario: str, n_rows: int, effect: float, missing_rate: float) -> None:
    if scenario not in _SCENARIO_SPECS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer) or n_rows < 0:
        raise ValueError(f"n_rows must be a non-negative integer, got {n_rows!r}")
    if not np.isfinite(effect):
        raise ValueError(f"effect must be a finite number, got {effect!r}")
    if not 0.0 <= missing_rate <= 0.5:
        raise ValueError(f"missing_rate must be between 0 and 0.5, got {missing_rate!r}")


def generate_world(
    scenario: str,
    n_rows: int,
    seed: int,
    *,
    effect: float = DEFAULT_EFFECT,
    missing_rate: float = DEFAULT_MISSING_RATE,
) -> World:
    """Generate a world with a planted criteria verdict (see the module docstring for every model).

    Args:
        scenario: One of :data:`SCENARIOS`.
        n_rows: Number of rows (decisions or investigations).
        seed: Seed for :func:`numpy.random.default_rng`; the same arguments give the same frame.
        effect: The planted crude female − male difference in the outcome share (ignored in
            ``no_difference``).
        missing_rate: Share of values missing completely at random in each criteria column.

    Returns:
        The :class:`World`: frame (all String columns), config text and :class:`Truth`.

    Raises:
        ValueError: For an unknown scenario, a negative ``n_rows``, a ``missing_rate`` outside
            [0, 0.5], or an ``effect`` the scenario cannot plant (the message gives the range).
    """
    _validate(scenario, n_rows, effect, missing_rate)
    spec = _SCENARIO_SPECS[scenario]
    if scenario == "no_difference":
        effect = 0.0
    effect = float(effect)
    variables = _variables(spec)
    t, added = _solve(scenario, spec, variables, effect)
    n = int(n_rows)
    rng = np.random.default_rng(seed)
    labels: dict[str, pl.Series] = {}
    codes: dict[str, np.ndarray] = {}

    # --- Kön, Ålder, Beslutsdatum ---------------------------------------------------------------
    sex, age = _sex_and_age(rng, n, labels, codes)
    days = np.arange(np.datetime64(f"{YEAR}-01-01"), np.datetime64(f"{YEAR + 1}-01-01"))
    days = days[np.is_busday(days, holidays=_HOLIDAYS)]
    day = rng.integers(0, len(days), n)
    labels[BESLUTSDATUM], codes[BESLUTSDATUM] = _column(tuple(days.astype(str).tolist()), day)

    # --- Criteria variables and the outcome ---------------------------------------------------
    probability = added[sex]
    factor = np.ones(n)
    if spec.family == "decision":
        risk = _draw_by_group(rng, sex, variables["need"].table(t))
        behov = _draw_by_group(rng, risk, _BEHOV_TABLE)
        annan = _draw_by_group(rng, sex, variables["met_otherwise"].table(t))
        older = (age >= 15).astype(np.uint32)
        samtycke = _draw_by_group(rng, sex * 2 + older, variables["consent"].table(t))
        factor *= _NEED_FACTOR[risk, behov]
        factor *= _MET_FACTOR[annan]
        factor *= _CONSENT_FACTOR[samtycke]
        criteria = {
            RISKNIVA: (RISK_VALUES, risk),
            BEHOV: (JA_NEJ, behov),
            ANNAN_VERKSAMHET: (JA_NEJ, annan),
            SAMTYCKE: (SAMTYCKE_VALUES, samtycke),
        }
        outcome_column, outcome_name, criteria_map = INSATS, "insats_beviljad", _DECISION_CRITERIA
    else:
        vill = _draw_by_group(rng, sex, variables["wish_to_participate"].table(t))
        hindrat = _draw_by_group(rng, sex, variables["guardian_attitude"].table(t))
        tolk = _draw_by_group(rng, sex, variables["accessibility"].table(t))
        factor *= _WISH_FACTOR[vill]
        factor *= _GUARD_FACTOR[hindrat]
        factor *= _TOLK_FACTOR[tolk]
        criteria = {VILL_DELTA: (JA_NEJ, vill), HINDRAT: (JA_NEJ, hindrat), TOLK: (STOD_VALUES, tolk)}
        outcome_column, outcome_name, criteria_map = DELAKTIG, "barnet_delaktigt", _PARTICIPATION_CRITERIA
    probability = probability + factor
    del factor
    outcome = rng.random(n) >= probability  # False (code 0) = Ja
    del probability

    # --- Missingness, completely at random, after the outcome ---------------------------------
    for header, (values, column) in criteria.items():
        column[rng.random(n) < missing_rate] = len(values)
        labels[header], codes[header] = _column(values, column)
    labels[outcome_column], codes[outcome_column] = _column(JA_NEJ, outcome)

    if not spec.criteria_columns:
        for header in criteria:
            del labels[header], codes[header]
        criteria_map = {}

    code_frame = pl.DataFrame({name: pl.Series(name, c, dtype=pl.UInt32) for name, c in codes.items()})
    frame = code_frame.select(pl.lit(labels[name]).gather(pl.col(name)).alias(name) for name in codes)

    truth = _truth(
        scenario, spec, variables, t, added, effect, outcome_name, outcome_column, criteria_map, frame
    )
    config = _config_toml(scenario, outcome_name, outcome_column, spec.family, criteria_map)
    return World(frame=frame, config_toml=config, truth=truth)


def _truth(
    scenario: str,
    spec: _Scenario,
    variables: Mapping[str, _Variable],
    t: float,
    added: np.ndarray,
    effect: float,
    outcome_name: str,
    outcome_column: str,
    criteria_map: Mapping[str, tuple[str, ...]],
    frame: pl.DataFrame,
) -> Truth:
    girls, boys = _expected_shares(variables, t, added)
    conditional: float | None
    stratify_on: tuple[str, ...]
    if not spec.criteria_columns:
        conditional, stratify_on = None, ()
    elif spec.shifted == "accessibility":
        # Among children without an interpreter ("Nej men skulle ha behövts" pooled with "Nej behövdes
        # ej"): the unmet need is not accepted as an explanation.
        tolk = variables["accessibility"].table(t)
        rest = np.ones(2)
        for cid, variable in variables.items():
            if cid != "accessibility":
                rest *= variable.expected_factor(t)
        without = tolk[:, 1:]
        share = (without * _TOLK_FACTOR[1:]).sum(axis=1) / without.sum(axis=1) * rest
        conditional, stratify_on = float(share[0] - share[1]), (TOLK,)
    elif spec.shifted is not None:
        conditional, stratify_on = 0.0, criteria_map[spec.shifted]
    else:
        conditional = float(added[0] - added[1])
        stratify_on = tuple(h for hs in criteria_map.values() for h in hs)
    unmet = None
    if TOLK in frame.columns:
        counts = frame.filter(pl.col(TOLK) == _NOT_MET).group_by(KON).len()
        by_label = dict(counts.iter_rows())
        unmet = {"female": int(by_label.get("Flicka", 0)), "male": int(by_label.get("Pojke", 0))}
    return Truth(
        scenario=scenario,
        outcome=outcome_name,
        column=outcome_column,
        kind=spec.family,
        verdict=spec.verdict,
        explained_by=spec.explained_by,
        effect=effect,
        crude_difference=float(girls - boys),
        conditional_difference=conditional,
        stratify_on=stratify_on,
        expected_shares={"female": float(girls), "male": float(boys)},
        large_sample_only=spec.large_sample_only,
        unmet_accommodation=unmet,
    )


# --------------------------------------------------------------------------------------------
# Config and files
# --------------------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON escapes are valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def _toml_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(_toml_string(i) for i in items) + "]"


def _config_toml(
    scenario: str, outcome_name: str, outcome_column: str, kind: str, criteria: Mapping[str, tuple[str, ...]]
) -> str:
    lines = [
        f"# oppnaogon.toml för en syntetisk testvärld: scenariot {scenario!s}",
        "# Skapad av oppnaogon.testing.worlds; sanningen som analysen ska hitta är inplanterad i data.",
        "",
        'area = "barn_och_unga"',
        "min_cell = 5",
        'age_bands = "vardanalys_2018"',
        'period = "year"',  # a year of decisions reported as one: rule R4 costs nothing
        "",
        "[columns]",
        f"sex = {_toml_string(KON)}",
        f"age = {_toml_string(ALDER)}",
        f"date = {_toml_string(BESLUTSDATUM)}",
        "",
        "[values.sex]",
        'female = ["Flicka"]',
        'male = ["Pojke"]',
        "",
        f"[outcomes.{outcome_name}]",
        f"column = {_toml_string(outcome_column)}",
        f"kind = {_toml_string(kind)}",
        'positive = ["Ja"]',
        'negative = ["Nej"]',
    ]
    if criteria:
        lines += [
            "",
            "# Kriterier (Vård- och omsorgsanalys): kolumner som kan förklara en skillnad.",
            "[criteria]",
        ]
        lines += [f"{cid} = {_toml_list(headers)}" for cid, headers in criteria.items()]
    return "\n".join(lines) + "\n"


def write_world(world: World | StudyWorld, folder: str | Path) -> tuple[Path, Path]:
    """Write ``data.csv`` (as :func:`oppnaogon.testing.synthetic.write_export_csv`) and ``oppnaogon.toml``.

    The folder is created if needed; existing files of those names are replaced atomically.

    Returns:
        The paths of the CSV file and of the config file.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    data = target / "data.csv"
    write_export_csv(world.frame, data)
    config = target / "oppnaogon.toml"
    tmp = config.with_name(f".{config.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_text(world.config_toml, encoding="utf-8")
        tmp.replace(config)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return data, config


# --------------------------------------------------------------------------------------------
# Study worlds: a known remaining difference for every person (bench/simulate_verdicts.py)
# --------------------------------------------------------------------------------------------

STUDY_COUNTRIES: tuple[str, ...] = (
    "Sverige",
    "Finland",
    "Norge",
    "Polen",
    "Tyskland",
    "Syrien",
    "Somalia",
    "Irak",
)
_COUNTRY_WEIGHTS = np.array([0.72, 0.04, 0.02, 0.05, 0.03, 0.07, 0.04, 0.03])
STUDY_DISTRICTS: tuple[str, ...] = ("Centrum", "Norr", "Söder")
_DISTRICT_WEIGHTS = np.array([0.40, 0.35, 0.25])
FOLDELSELAND = "Födelseland"
STADSDEL = "Stadsdel"
MISSING_TEXT = "Uppgift saknas"
"""How an export writes a criteria value that was never recorded (a missing value for the tool)."""
STUDY_EXPLAINED = 0.12
"""The part of the crude difference that the shifted criterion explains in every study world with one."""


@dataclass(frozen=True)
class StudySpec:
    """One study scenario: which criterion explains part of the difference, and what remains where.

    ``where`` says where the remaining difference ``remaining`` (female − male, at equal criteria) is:
    ``"everywhere"``; ``"high_risk"`` (Förhöjd or Hög risk only); ``"district"`` (only in Söder);
    ``"opposite"`` (+``remaining`` at Inte känt or Låg risk, the opposite at Förhöjd or Hög risk,
    scaled so that the average over all persons is 0); ``"lacking_interpreter"`` (only among children
    who needed an interpreter and did not get one: boys take part ``remaining`` more often there).
    ``missing``: criteria headers and the share of their values written as "Uppgift saknas"."""

    family: str  # "decision" | "participation"
    shifted: str | None  # criterion id whose distribution differs by sex (the explained part)
    remaining: float = 0.0
    where: str = "everywhere"
    missing: tuple[tuple[str, float], ...] = ()
    tolk_base: tuple[float, float, float] | None = None  # participation: Tolk shares for both sexes
    description: str = ""


def _partly(remaining: float) -> StudySpec:
    return StudySpec(
        "decision",
        "need",
        remaining,
        description=f"girls have higher risk levels (explaining {100 * STUDY_EXPLAINED:g} points of the "
        f"crude difference) and are granted {100 * remaining:g} points more often at equal criteria",
    )


STUDY_SCENARIOS: dict[str, StudySpec] = {
    "partly_need_0": _partly(0.0),
    "partly_need_2.5": _partly(0.025),
    "partly_need_5": _partly(0.05),
    "partly_need_8": _partly(0.08),
    "partly_need_10": _partly(0.10),
    "explained_met_otherwise": StudySpec(
        "decision",
        "met_otherwise",
        description="boys more often should be helped by another service; nothing remains",
    ),
    "explained_consent": StudySpec(
        "decision", "consent", description="boys' guardians more often decline; nothing remains"
    ),
    "modified_high_risk": StudySpec(
        "decision",
        "need",
        0.12,
        "high_risk",
        description="girls have higher risk levels, and at elevated or high risk only they are granted "
        "12 points more often (on average over all persons about 6 points)",
    ),
    "modified_district": StudySpec(
        "decision",
        "need",
        0.10,
        "district",
        description="girls have higher risk levels, and in the district Söder only they are granted 10 "
        "points more often (2.5 points on average over all persons)",
    ),
    "opposite_by_risk": StudySpec(
        "decision",
        "need",
        0.10,
        "opposite",
        description="girls have higher risk levels; at low or unknown risk girls are granted 10 points "
        "more often, at elevated or high risk boys about as much more: on average 0",
    ),
    "missing_need": StudySpec(
        "decision",
        "need",
        0.0,
        missing=((RISKNIVA, 0.85), (BEHOV, 0.85)),
        description="the difference is fully explained by need, but 85 % of the need values are "
        '"Uppgift saknas"',
    ),
    "missing_all": StudySpec(
        "decision",
        "need",
        0.0,
        missing=((RISKNIVA, 1.0), (BEHOV, 1.0), (ANNAN_VERKSAMHET, 1.0), (SAMTYCKE, 1.0)),
        description='fully explained by need, but every criteria value is "Uppgift saknas"',
    ),
    "participation_wish": StudySpec(
        "participation",
        "wish_to_participate",
        description="boys more often do not want to take part; nothing remains",
    ),
    "participation_partly_wish": StudySpec(
        "participation",
        "wish_to_participate",
        0.08,
        description="boys more often do not want to take part, and girls take part 8 points more often "
        "at equal criteria",
    ),
    "participation_lacking_interpreter": StudySpec(
        "participation",
        None,
        -0.25,
        "lacking_interpreter",
        tolk_base=(0.06, 0.09, 0.85),
        description="9 % of both sexes needed an interpreter and did not get one; among them boys take "
        "part 25 points more often (on average over all persons −2.25 points)",
    ),
    "participation_unmet_need": StudySpec(
        "participation",
        "accessibility",
        description="boys more often needed an interpreter who was not used (not an accepted "
        "explanation): what remains at equal criteria is the difference among children without an "
        "interpreter",
    ),
}
"""The scenarios of :func:`generate_study_world`, by name."""


@dataclass(frozen=True)
class StudyWorld:
    """A study extract with the true remaining difference of every person.

    ``remaining[i]`` is the female − male difference in the outcome probability at person i's criteria
    and other variables: P(y | female, x_i, z_i) − P(y | male, x_i, z_i), where x_i are the criteria
    *as the tool may use them* (an accommodation value that does not explain, "Nej men skulle ha
    behövts", pooled with "Nej behövdes ej" into "not given", the sexes keeping their own mix of the
    two within it). ``remaining_fine[i]`` is the same at person i's own value of every criterion (it
    differs from ``remaining`` only for the persons whose accommodation was not given): the truth of a
    group that is defined by that value itself. The true remaining difference of a group is the mean of
    ``remaining`` over its persons (girls and boys)."""

    frame: pl.DataFrame
    config_toml: str
    scenario: str
    spec: StudySpec
    outcome: str
    column: str
    remaining: np.ndarray
    remaining_fine: np.ndarray

    @property
    def fully_explained(self) -> bool:
        """Nothing remains for anyone at equal criteria."""
        return bool(np.all(np.abs(self.remaining) < 1e-12))


def _risk_weights_pooled(table: np.ndarray) -> np.ndarray:
    """Risk level shares over both sexes (girls 48 %)."""
    return GIRL_SHARE * table[0] + (1.0 - GIRL_SHARE) * table[1]


def _study_shift(spec: StudySpec) -> tuple[dict[str, _Variable], float]:
    """The criterion variables and the shift t that explains `STUDY_EXPLAINED` of the crude difference."""
    scenario = {
        "need": "explained_by_need",
        "met_otherwise": "explained_by_met_otherwise",
        "consent": "explained_by_consent",
        "wish_to_participate": "participation_explained_by_wish",
        "accessibility": "participation_interpreter_not_used",
        None: "unmotivated" if spec.family == "decision" else "participation_explained_by_wish",
    }[spec.shifted]
    base_spec = _SCENARIO_SPECS[scenario]
    variables = _variables(base_spec)
    if spec.shifted is None:  # no criterion differs by sex
        return variables, 0.0
    t, _ = _solve(scenario, base_spec, variables, STUDY_EXPLAINED)
    return variables, t


def _sex_terms(spec: StudySpec, remaining: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What is added to the girls' and to the boys' probability so that girls − boys = `remaining`."""
    return np.maximum(remaining, 0.0), np.maximum(-remaining, 0.0)


def _study_remaining(
    spec: StudySpec, risk: np.ndarray | None, district: np.ndarray, tolk: np.ndarray | None
) -> np.ndarray:
    """The planted female − male difference at each row's own criteria values (see `StudySpec.where`)."""
    n = district.shape[0]
    r = spec.remaining
    if spec.where == "everywhere":
        return np.full(n, r)
    if spec.where == "high_risk":
        assert risk is not None
        return np.where(risk >= 2, r, 0.0)
    if spec.where == "district":
        return np.where(district == 2, r, 0.0)
    if spec.where == "opposite":
        assert risk is not None
        shares = _risk_weights_pooled(_need(True).table(_study_shift(spec)[1]))
        low, high = shares[:2].sum(), shares[2:].sum()
        return np.where(risk >= 2, -r * low / high, r)
    if spec.where == "lacking_interpreter":
        assert tolk is not None
        return np.where(tolk == 1, r, 0.0)
    raise ValueError(f"unknown place of the remaining difference {spec.where!r}")


def generate_study_world(scenario: str, n_rows: int, seed: int) -> StudyWorld:
    """Generate a study world (:data:`STUDY_SCENARIOS`) with the true remaining difference per person.

    The base models are those of the decision and participation worlds above (same criteria, factors
    and shifts; the shifted criterion explains `STUDY_EXPLAINED` = 12 points of the crude difference),
    with two more columns that the report breaks down by: ``Födelseland`` (Sverige 72 %, Finland 4,
    Norge 2, Polen 5, Tyskland 3, Syrien 7, Somalia 4, Irak 3: the birth regions sweden, nordic,
    eu_efta, rest_of_world) and ``Stadsdel`` (Centrum 40 %, Norr 35, Söder 25), both independent of
    sex and everything else. The remaining difference of `StudySpec.where` is added to the girls'
    probability where positive and to the boys' where negative, so that P(y | female, x) − P(y | male,
    x) is exactly the planted value at every x. The criteria lose 2 % of their values at random
    (empty), and those of `StudySpec.missing` a share written as "Uppgift saknas"; missingness comes
    after the outcome and does not change any truth.
    """
    if scenario not in STUDY_SCENARIOS:
        raise ValueError(f"unknown study scenario {scenario!r}; choose one of {', '.join(STUDY_SCENARIOS)}")
    if isinstance(n_rows, bool) or not isinstance(n_rows, int | np.integer) or n_rows < 0:
        raise ValueError(f"n_rows must be a non-negative integer, got {n_rows!r}")
    spec = STUDY_SCENARIOS[scenario]
    variables, t = _study_shift(spec)
    n = int(n_rows)
    rng = np.random.default_rng(seed)
    labels: dict[str, pl.Series] = {}
    codes: dict[str, np.ndarray] = {}
    sex, age = _sex_and_age(rng, n, labels, codes)
    country = _draw(rng, n, _COUNTRY_WEIGHTS)
    labels[FOLDELSELAND], codes[FOLDELSELAND] = _column(STUDY_COUNTRIES, country)
    district = _draw(rng, n, _DISTRICT_WEIGHTS)
    labels[STADSDEL], codes[STADSDEL] = _column(STUDY_DISTRICTS, district)
    days = np.arange(np.datetime64(f"{YEAR}-01-01"), np.datetime64(f"{YEAR + 1}-01-01"))
    days = days[np.is_busday(days, holidays=_HOLIDAYS)]
    labels[BESLUTSDATUM], codes[BESLUTSDATUM] = _column(
        tuple(days.astype(str).tolist()), rng.integers(0, len(days), n)
    )
    if spec.family == "decision":
        risk = _draw_by_group(rng, sex, variables["need"].table(t))
        behov = _draw_by_group(rng, risk, _BEHOV_TABLE)
        annan = _draw_by_group(rng, sex, variables["met_otherwise"].table(t))
        older = (age >= 15).astype(np.uint32)
        samtycke = _draw_by_group(rng, sex * 2 + older, variables["consent"].table(t))
        base = _NEED_FACTOR[risk, behov] * _MET_FACTOR[annan] * _CONSENT_FACTOR[samtycke]
        remaining = _study_remaining(spec, risk, district, None)
        fine = remaining
        girls_add, boys_add = _sex_terms(spec, remaining)
        probability = base + np.where(sex == 0, girls_add, boys_add)
        criteria = {
            RISKNIVA: (RISK_VALUES, risk),
            BEHOV: (JA_NEJ, behov),
            ANNAN_VERKSAMHET: (JA_NEJ, annan),
            SAMTYCKE: (SAMTYCKE_VALUES, samtycke),
        }
        outcome_column, outcome_name, criteria_map = INSATS, "insats_beviljad", _DECISION_CRITERIA
    else:
        tolk_table = variables["accessibility"].table(t)
        if spec.tolk_base is not None:
            tolk_table = np.vstack([spec.tolk_base, spec.tolk_base])
        vill = _draw_by_group(rng, sex, variables["wish_to_participate"].table(t))
        hindrat = _draw_by_group(rng, sex, variables["guardian_attitude"].table(t))
        tolk = _draw_by_group(rng, sex, tolk_table)
        rest = _WISH_FACTOR[vill] * _GUARD_FACTOR[hindrat]

        def at(level: int, female: bool) -> np.ndarray:
            """P(y) of every row had it this Tolk value and this sex."""
            planted = _study_remaining(spec, None, district, np.full(n, level))
            girls_add, boys_add = _sex_terms(spec, planted)
            return rest * _TOLK_FACTOR[level] + (girls_add if female else boys_add)

        fine = _study_remaining(spec, None, district, tolk)
        girls_add, boys_add = _sex_terms(spec, fine)
        probability = rest * _TOLK_FACTOR[tolk] + np.where(sex == 0, girls_add, boys_add)
        # "not given" (codes 1 and 2) is one stratum for the tool: each sex's own mix of the two within it
        mix = tolk_table[:, 1:] / tolk_table[:, 1:].sum(axis=1, keepdims=True)
        pooled = (mix[0, 0] * at(1, True) + mix[0, 1] * at(2, True)) - (
            mix[1, 0] * at(1, False) + mix[1, 1] * at(2, False)
        )
        remaining = np.where(tolk == 0, fine, pooled)
        criteria = {VILL_DELTA: (JA_NEJ, vill), HINDRAT: (JA_NEJ, hindrat), TOLK: (STOD_VALUES, tolk)}
        outcome_column, outcome_name, criteria_map = DELAKTIG, "barnet_delaktigt", _PARTICIPATION_CRITERIA
    outcome = rng.random(n) >= probability  # False (code 0) = Ja
    missing = dict(spec.missing)
    for header, (values, column) in criteria.items():
        column[rng.random(n) < DEFAULT_MISSING_RATE] = len(values)
        labels[header], codes[header] = _column(values, column)
    labels[outcome_column], codes[outcome_column] = _column(JA_NEJ, outcome)
    code_frame = pl.DataFrame({name: pl.Series(name, c, dtype=pl.UInt32) for name, c in codes.items()})
    frame = code_frame.select(pl.lit(labels[name]).gather(pl.col(name)).alias(name) for name in codes)
    if missing:
        unrecorded = {header: rng.random(n) < share for header, share in missing.items()}
        frame = frame.with_columns(
            pl.when(pl.Series(flags)).then(pl.lit(MISSING_TEXT)).otherwise(pl.col(header)).alias(header)
            for header, flags in unrecorded.items()
        )
    config = _config_toml(scenario, outcome_name, outcome_column, spec.family, criteria_map)
    config = config.replace(
        "\n\n[values.sex]",
        f"\nbirth_country = {_toml_string(FOLDELSELAND)}\nresidence = {_toml_string(STADSDEL)}\n\n[values.sex]",
    )
    return StudyWorld(
        frame=frame,
        config_toml=config,
        scenario=scenario,
        spec=spec,
        outcome=outcome_name,
        column=outcome_column,
        remaining=np.asarray(remaining, dtype=np.float64),
        remaining_fine=np.asarray(fine, dtype=np.float64),
    )
