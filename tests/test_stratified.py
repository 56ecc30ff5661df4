"""Stratified 2×2 statistics: hand-worked examples, published numbers, statsmodels, and a coverage check."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import StratifiedTable

from oppnaogon.stats.stratified import StratifiedResult, mantel_haenszel

PROPERTY = settings(max_examples=100, deadline=None)

Stratum = tuple[int, int, int, int]  # x1, n1, x0, n0: women with the outcome, women, men with, men

ESTIMATES = (
    "risk_difference",
    "rd_se",
    "rd_ci_low",
    "rd_ci_high",
    "odds_ratio",
    "log_or_se",
    "or_ci_low",
    "or_ci_high",
    "cmh_statistic",
    "cmh_p_value",
    "breslow_day_statistic",
    "breslow_day_p_value",
    "female_share",
    "standardised_male_share",
    "crude_risk_difference",
)
COUNTS = ("breslow_day_df", "strata_used", "n_used", "strata_one_sex_only", "persons_one_sex_only")


def run(strata: list[Stratum], **kwargs: object) -> StratifiedResult:
    """One analysis (group 0) of the given strata."""
    x1, n1, x0, n0 = (np.array(column, dtype=np.int64) for column in zip(*strata, strict=True))
    return mantel_haenszel(np.zeros(len(strata), dtype=np.int64), x1, n1, x0, n0, 1, **kwargs)


def table(strata: list[Stratum]) -> StratifiedTable:
    """statsmodels' orientation: per stratum [[a, b], [c, d]], rows female/male, columns yes/no."""
    return StratifiedTable([np.array([[x1, n1 - x1], [x0, n0 - x0]]) for x1, n1, x0, n0 in strata])


def value(result: StratifiedResult, field: str, i: int = 0) -> float:
    return float(getattr(result, field)[i])


# --- a published example: UC Berkeley graduate admissions 1973 -----------------------------------------

# R's `UCBAdmissions` (Bickel, Hammel & O'Connell 1975, Science 187:398-404), departments A-F:
# (women admitted, women applying, men admitted, men applying).
UCB: list[Stratum] = [
    (89, 108, 512, 825),
    (17, 25, 353, 560),
    (202, 593, 120, 325),
    (131, 375, 138, 417),
    (94, 393, 53, 191),
    (24, 341, 22, 373),
]


def test_ucb_admissions_published_and_statsmodels() -> None:
    r = run(UCB)
    # R: mantelhaen.test(UCBAdmissions, correct = FALSE) gives X² = 1.5246, p = 0.2169, common odds ratio
    # 0.9046968 with 95 % CI 0.7719074-1.0603298 (men/women; the reciprocals are women/men);
    # correct = TRUE gives X² = 1.4269, p = 0.2323. DescTools::BreslowDayTest gives X² = 18.826, df = 5,
    # p = 0.002071. The long numbers are statsmodels 0.15.
    assert value(r, "odds_ratio") == pytest.approx(1.1053426615022164, rel=1e-12)
    assert 1 / value(r, "odds_ratio") == pytest.approx(0.9046968, abs=5e-8)
    assert value(r, "or_ci_low") == pytest.approx(0.9431028285160811, rel=1e-12)
    assert value(r, "or_ci_high") == pytest.approx(1.2954922436816447, rel=1e-12)
    assert 1 / value(r, "or_ci_high") == pytest.approx(0.7719074, abs=5e-8)
    assert 1 / value(r, "or_ci_low") == pytest.approx(1.0603298, abs=5e-8)
    assert value(r, "log_or_se") == pytest.approx(0.08098890965622091, rel=1e-12)
    assert value(r, "cmh_statistic") == pytest.approx(1.5246066604434427, rel=1e-12)
    assert value(r, "cmh_p_value") == pytest.approx(0.21692369705551717, rel=1e-10)
    assert value(r, "breslow_day_statistic") == pytest.approx(18.82550125205277, rel=1e-10)
    assert r.breslow_day_df[0] == 5
    assert value(r, "breslow_day_p_value") == pytest.approx(0.0020714013978812007, rel=1e-8)
    corrected = run(UCB, correction=True)
    assert value(corrected, "cmh_statistic") == pytest.approx(1.4269462285866952, rel=1e-12)
    assert value(corrected, "cmh_p_value") == pytest.approx(0.2322634628170468, rel=1e-10)

    reference = table(UCB)
    assert value(r, "odds_ratio") == pytest.approx(reference.oddsratio_pooled, rel=1e-12)
    low, high = reference.oddsratio_pooled_confint()
    assert (value(r, "or_ci_low"), value(r, "or_ci_high")) == pytest.approx((low, high), rel=1e-12)
    assert value(r, "cmh_statistic") == pytest.approx(reference.test_null_odds().statistic, rel=1e-12)
    bd = reference.test_equal_odds(adjust=True)
    assert value(r, "breslow_day_statistic") == pytest.approx(bd.statistic, rel=1e-10)

    # Simpson's paradox: crude, women are admitted 14 points less often; like with like, slightly more.
    assert value(r, "crude_risk_difference") == pytest.approx(557 / 1835 - 1198 / 2691, rel=1e-12)
    assert value(r, "crude_risk_difference") == pytest.approx(-0.14164543, abs=1e-8)
    assert value(r, "risk_difference") == pytest.approx(0.0184252, abs=1e-7)
    assert value(r, "rd_se") == pytest.approx(0.01482539, abs=1e-8)
    assert value(r, "female_share") == pytest.approx(557 / 1835, rel=1e-12)
    assert value(r, "standardised_male_share") == pytest.approx(0.30245444, abs=1e-8)
    assert r.strata_used[0] == 6 and r.n_used[0] == 4526
    assert r.strata_one_sex_only[0] == 0 and r.persons_one_sex_only[0] == 0


# --- a small example worked by hand -------------------------------------------------------------------

# Three strata, (x1, n1, x0, n0):
HAND: list[Stratum] = [(1, 2, 1, 3), (3, 4, 1, 2), (0, 1, 2, 4)]


def test_risk_difference_and_sato_variance_by_hand() -> None:
    f = Fraction
    # w = n1·n0/N: 2·3/5, 4·2/6, 1·4/5
    w = [f(6, 5), f(4, 3), f(4, 5)]
    assert sum(w) == f(10, 3)
    # (x1·n0 − x0·n1)/N: (3 − 2)/5, (6 − 4)/6, (0 − 2)/5
    numerator = [f(1, 5), f(1, 3), f(-2, 5)]
    rd = sum(numerator) / sum(w)
    assert rd == f(1, 25)
    # The same as a w-weighted mean of the stratum differences 1/2 − 1/3, 3/4 − 1/2, 0 − 1/2.
    assert sum(wk * dk for wk, dk in zip(w, [f(1, 6), f(1, 4), f(-1, 2)], strict=True)) / sum(w) == rd
    # Sato: P_k = (n1²·x0 − n0²·x1 + n1·n0·(n0 − n1)/2)/N²
    p = [f(4 - 9 + 3, 25), f(16 - 12 - 8, 36), f(2 - 0 + 6, 25)]
    assert sum(p) == f(29, 225)
    # Q_k = (x1·(n0 − x0) + x0·(n1 − x1))/(2N)
    q = [f(1 * 2 + 1 * 1, 10), f(3 * 1 + 1 * 1, 12), f(0 * 2 + 2 * 1, 10)]
    assert sum(q) == f(5, 6)
    variance = (rd * sum(p) + sum(q)) / sum(w) ** 2
    assert variance == f(9433, 125000)

    r = run(HAND)
    assert value(r, "risk_difference") == pytest.approx(0.04, rel=1e-14)
    assert value(r, "rd_se") == pytest.approx(math.sqrt(9433 / 125000), rel=1e-14)
    half = 1.959963984540054 * math.sqrt(9433 / 125000)
    assert value(r, "rd_ci_low") == pytest.approx(0.04 - half, rel=1e-12)
    assert value(r, "rd_ci_high") == pytest.approx(0.04 + half, rel=1e-12)
    assert value(r, "rd_ci_low") == pytest.approx(-0.49841606, abs=1e-8)


def test_odds_ratio_and_cmh_by_hand() -> None:
    f = Fraction
    r = run(HAND)
    # R = Σ a·d/N = 1·2/5 + 3·1/6 + 0 = 9/10;  S = Σ b·c/N = 1·1/5 + 1·1/6 + 1·2/5 = 23/30.
    assert value(r, "odds_ratio") == pytest.approx(float(f(9, 10) / f(23, 30)), rel=1e-14)
    assert float(f(9, 10) / f(23, 30)) == pytest.approx(27 / 23, rel=1e-15)
    assert value(r, "log_or_se") == pytest.approx(1.092478370005612, rel=1e-12)  # statsmodels
    assert value(r, "or_ci_low") == pytest.approx(0.1379483955534375, rel=1e-12)  # statsmodels
    assert value(r, "or_ci_high") == pytest.approx(9.989763404783966, rel=1e-12)  # statsmodels
    # Δ = Σ (a − n1·m1/N) = (1 − 4/5) + (3 − 16/6) + (0 − 2/5) = 2/15,
    # V = Σ n1·n0·m1·m0/(N²(N − 1)) = 36/100 + 64/180 + 24/100 = 43/45, X² = Δ²/V = 4/215.
    delta, var = f(2, 15), f(43, 45)
    assert delta**2 / var == f(4, 215)
    assert value(r, "cmh_statistic") == pytest.approx(4 / 215, rel=1e-13)
    assert value(r, "cmh_p_value") == pytest.approx(0.8915059686043731, rel=1e-10)
    assert table(HAND).test_null_odds().statistic == pytest.approx(4 / 215, rel=1e-13)
    # With the continuity correction |Δ| = 2/15 < 1/2, so the corrected statistic is 0 and p = 1.
    # statsmodels squares 2/15 − 1/2 < 0 instead: (11/30)²/V = 121/860.
    corrected = run(HAND, correction=True)
    assert value(corrected, "cmh_statistic") == 0.0
    assert value(corrected, "cmh_p_value") == 1.0
    assert table(HAND).test_null_odds(correction=True).statistic == pytest.approx(121 / 860, rel=1e-13)
    # Breslow-Day (statsmodels): X² = 1.3048594864336018 on 2 df.
    assert value(r, "breslow_day_statistic") == pytest.approx(1.3048594864336018, rel=1e-10)
    assert r.breslow_day_df[0] == 2
    assert value(r, "breslow_day_p_value") == pytest.approx(0.5207788793170838, rel=1e-9)


def test_breslow_day_at_odds_ratio_one_by_hand() -> None:
    # OR 2 and 1/2: R = 2/5 + 1/5 = S, so the common OR is exactly 1. statsmodels divides by 1 − OR = 0
    # here and returns NaN; the root is then e = n1·m1/N.
    strata: list[Stratum] = [(2, 3, 1, 2), (1, 3, 1, 2)]
    r = run(strata)
    assert value(r, "odds_ratio") == 1.0
    # e = 9/5 and 6/5; 1/v = 5/9 + 5/6 + 5/6 + 5/4 = 125/36 in both strata; a − e = ±1/5.
    # X² = 2·(1/25)/(36/125) − 0²/(72/125) = 5/18 on 1 df.
    assert value(r, "breslow_day_statistic") == pytest.approx(5 / 18, rel=1e-13)
    assert r.breslow_day_df[0] == 1
    assert value(r, "breslow_day_p_value") == pytest.approx(math.erfc(math.sqrt(5 / 36)), rel=1e-12)


def test_direct_standardisation_by_hand() -> None:
    r = run(HAND)
    # Women: (1 + 3 + 0)/(2 + 4 + 1) = 4/7. Men with the women's profile: the men's shares 1/3, 1/2, 2/4
    # weighted by the women's sizes 2, 4, 1: (2/3 + 2 + 1/2)/7 = 19/42. Crude: 4/7 − (1 + 1 + 2)/9.
    assert value(r, "female_share") == pytest.approx(4 / 7, rel=1e-15)
    assert value(r, "standardised_male_share") == pytest.approx(19 / 42, rel=1e-15)
    assert value(r, "female_share") - value(r, "standardised_male_share") == pytest.approx(5 / 42, rel=1e-13)
    assert value(r, "crude_risk_difference") == pytest.approx(8 / 63, rel=1e-13)


def test_standardised_difference_equals_mh_when_the_sexes_are_spread_alike() -> None:
    # n0/N = 2/3 in every stratum, so the MH weights n1·n0/N are proportional to n1.
    strata: list[Stratum] = [(1, 2, 3, 4), (2, 3, 1, 6), (5, 10, 4, 20)]
    r = run(strata)
    # Σ n1·(x1/n1 − x0/n0)/Σ n1 = (2·(1/2 − 3/4) + 3·(2/3 − 1/6) + 10·(1/2 − 1/5))/15 = 4/15
    assert value(r, "risk_difference") == pytest.approx(4 / 15, rel=1e-13)
    difference = value(r, "female_share") - value(r, "standardised_male_share")
    assert difference == pytest.approx(4 / 15, rel=1e-13)


# --- limiting properties of the risk difference --------------------------------------------------------


@pytest.mark.parametrize(
    ("x1", "n1", "x0", "n0"), [(3, 10, 7, 12), (1, 1, 1, 5), (40, 90, 2, 3), (0, 7, 1, 2)]
)
def test_single_stratum_is_the_plain_comparison(x1: int, n1: int, x0: int, n0: int) -> None:
    r = run([(x1, n1, x0, n0)])
    p1, p0 = x1 / n1, x0 / n0
    assert value(r, "risk_difference") == pytest.approx(p1 - p0, rel=1e-13, abs=1e-15)
    # Sato's variance of one stratum: with x1 = n1·p1, x0 = n0·p0, N = n1 + n0,
    # (RD·P + Q)/W² = [(p1 − p0)(n1·p0 − n0·p1 + (n0 − n1)/2) + N(p1 + p0 − 2·p1·p0)/2] / (n1·n0)
    #              = [n1·p0(1 − p0) + n0·p1(1 − p1)] / (n1·n0) = p1(1 − p1)/n1 + p0(1 − p0)/n0.
    assert value(r, "rd_se") ** 2 == pytest.approx(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0, rel=1e-12)
    assert value(r, "crude_risk_difference") == pytest.approx(p1 - p0, rel=1e-13, abs=1e-15)
    assert value(r, "standardised_male_share") == pytest.approx(p0, rel=1e-13)


@pytest.mark.parametrize("k", [2, 5, 40])
def test_replicated_strata_shrink_the_variance(k: int) -> None:
    once = run(HAND)
    many = run(HAND * k)
    assert value(many, "risk_difference") == pytest.approx(0.04, rel=1e-12)
    assert value(many, "rd_se") ** 2 == pytest.approx(9433 / 125000 / k, rel=1e-12)
    assert value(many, "odds_ratio") == pytest.approx(value(once, "odds_ratio"), rel=1e-12)
    assert value(many, "log_or_se") ** 2 == pytest.approx(value(once, "log_or_se") ** 2 / k, rel=1e-12)
    assert value(many, "cmh_statistic") == pytest.approx(k * 4 / 215, rel=1e-12)


def _coverage(n1: np.ndarray, n0: np.ndarray, p0: np.ndarray, rd: float, worlds: int, seed: int) -> float:
    """Share of `worlds` simulated data sets whose 95 % interval covers the true common risk difference."""
    rng = np.random.default_rng(seed)
    strata = n1.size
    group = np.repeat(np.arange(worlds), strata)
    n1_all, n0_all = np.tile(n1, worlds), np.tile(n0, worlds)
    x1 = rng.binomial(n1_all, np.tile(p0 + rd, worlds))
    x0 = rng.binomial(n0_all, np.tile(p0, worlds))
    r = mantel_haenszel(group, x1, n1_all, x0, n0_all, worlds)
    assert np.isfinite(r.rd_ci_low).all()
    return float(np.mean((r.rd_ci_low <= rd) & (rd <= r.rd_ci_high)))


def test_coverage_many_sparse_strata() -> None:
    rng = np.random.default_rng(20240611)
    n1 = rng.integers(1, 4, size=60)  # 1-3 women and 1-3 men per stratum
    n0 = rng.integers(1, 4, size=60)
    p0 = rng.uniform(0.1, 0.7, size=60)
    coverage = _coverage(n1, n0, p0, rd=0.2, worlds=4000, seed=1)
    assert 0.93 <= coverage <= 0.97


def test_coverage_few_large_strata() -> None:
    n1 = np.array([150, 250, 80])
    n0 = np.array([200, 100, 300])
    p0 = np.array([0.3, 0.5, 0.1])
    coverage = _coverage(n1, n0, p0, rd=0.1, worlds=4000, seed=2)
    assert 0.93 <= coverage <= 0.97


# --- against statsmodels on random strata, many groups at once ---------------------------------------


def _stratum(u1: int, n1: int, u0: int, n0: int) -> Stratum:
    return u1 % (n1 + 1), n1, u0 % (n0 + 1), n0


COUNT = st.integers(0, 15)
STRATA = st.lists(st.builds(_stratum, COUNT, COUNT, COUNT, COUNT), min_size=1, max_size=7)


def _assert_matches_statsmodels(result: StratifiedResult, i: int, strata: list[Stratum]) -> None:
    informative = [s for s in strata if s[1] > 0 and s[3] > 0]
    one_sex = [s for s in strata if (s[1] > 0) != (s[3] > 0)]
    assert result.strata_used[i] == len(informative)
    assert result.n_used[i] == sum(s[1] + s[3] for s in informative)
    assert result.strata_one_sex_only[i] == len(one_sex)
    assert result.persons_one_sex_only[i] == sum(s[1] + s[3] for s in one_sex)
    if not informative:
        assert all(np.isnan(getattr(result, name)[i]) for name in ESTIMATES)
        assert result.breslow_day_df[i] == 0
        return
    ref = table(informative)
    r_sum = sum(x1 * (n0 - x0) / (n1 + n0) for x1, n1, x0, n0 in informative)
    s_sum = sum((n1 - x1) * x0 / (n1 + n0) for x1, n1, x0, n0 in informative)
    or_ok = r_sum > 0 and s_sum > 0
    if or_ok:
        assert result.odds_ratio[i] == pytest.approx(ref.oddsratio_pooled, rel=1e-10)
        assert result.log_or_se[i] == pytest.approx(ref.logodds_pooled_se, rel=1e-10)
        low, high = ref.oddsratio_pooled_confint()
        assert result.or_ci_low[i] == pytest.approx(low, rel=1e-10)
        assert result.or_ci_high[i] == pytest.approx(high, rel=1e-10)
    else:
        assert np.isnan([result.odds_ratio[i], result.or_ci_low[i], result.or_ci_high[i]]).all()

    margins = [(n1, n0, x1 + x0, n1 + n0 - x1 - x0) for x1, n1, x0, n0 in informative]
    cmh_var = sum(a * b * c * d for a, b, c, d in margins)
    if cmh_var > 0:
        cmh = ref.test_null_odds(correction=False)
        assert result.cmh_statistic[i] == pytest.approx(cmh.statistic, rel=1e-9, abs=1e-12)
        assert result.cmh_p_value[i] == pytest.approx(cmh.pvalue, rel=1e-9, abs=1e-12)
    else:
        assert np.isnan(result.cmh_statistic[i]) and np.isnan(result.cmh_p_value[i])

    with_both_outcomes = [s for s, m in zip(informative, margins, strict=True) if m[2] > 0 and m[3] > 0]
    expected_df = max(len(with_both_outcomes) - 1, 0) if or_ok else 0
    assert result.breslow_day_df[i] == expected_df
    if expected_df == 0:
        assert np.isnan(result.breslow_day_statistic[i]) and np.isnan(result.breslow_day_p_value[i])
    elif abs(ref.oddsratio_pooled - 1) > 1e-6:  # statsmodels divides by 1 − OR
        bd = table(with_both_outcomes).test_equal_odds(adjust=True)
        assert result.breslow_day_statistic[i] == pytest.approx(bd.statistic, rel=1e-7, abs=1e-9)
        assert result.breslow_day_p_value[i] == pytest.approx(bd.pvalue, rel=1e-7, abs=1e-9)

    # The risk difference is the w-weighted mean of the stratum differences; shares as documented.
    w = [n1 * n0 / (n1 + n0) for _, n1, _, n0 in informative]
    d = [x1 / n1 - x0 / n0 for x1, n1, x0, n0 in informative]
    assert result.risk_difference[i] == pytest.approx(np.dot(w, d) / sum(w), abs=1e-12)
    women = sum(n1 for _, n1, _, _ in informative)
    female = sum(x1 for x1, _, _, _ in informative) / women
    male = sum(x0 for _, _, x0, _ in informative) / sum(n0 for _, _, _, n0 in informative)
    standardised = sum(n1 * x0 / n0 for _, n1, x0, n0 in informative) / women
    assert result.female_share[i] == pytest.approx(female, rel=1e-12)
    assert result.standardised_male_share[i] == pytest.approx(standardised, rel=1e-12, abs=1e-15)
    assert result.crude_risk_difference[i] == pytest.approx(female - male, abs=1e-12)


@pytest.mark.slow
@PROPERTY
@given(groups=st.lists(STRATA, min_size=1, max_size=4), data=st.data())
def test_matches_statsmodels_per_group(groups: list[list[Stratum]], data: st.DataObject) -> None:
    flat = [(g, s) for g, strata in enumerate(groups) for s in strata]
    order = data.draw(st.permutations(range(len(flat))))  # strata of the groups interleaved
    group = np.array([flat[k][0] for k in order])
    x1, n1, x0, n0 = (np.array([flat[k][1][j] for k in order]) for j in range(4))
    result = mantel_haenszel(group, x1, n1, x0, n0, len(groups))
    corrected = mantel_haenszel(group, x1, n1, x0, n0, len(groups), correction=True)
    for i, strata in enumerate(groups):
        _assert_matches_statsmodels(result, i, strata)
        informative = [s for s in strata if s[1] > 0 and s[3] > 0]
        if np.isfinite(result.cmh_statistic[i]):
            delta = sum(x1 - n1 * (x1 + x0) / (n1 + n0) for x1, n1, x0, n0 in informative)
            if abs(delta) >= 0.5:  # below, statsmodels squares a negative |Δ| − 1/2 (see the hand test)
                cmh = table(informative).test_null_odds(correction=True)
                assert corrected.cmh_statistic[i] == pytest.approx(cmh.statistic, rel=1e-9, abs=1e-12)
                assert corrected.cmh_p_value[i] == pytest.approx(cmh.pvalue, rel=1e-9, abs=1e-12)
            else:
                assert corrected.cmh_statistic[i] == 0.0 and corrected.cmh_p_value[i] == 1.0
        alone = run(strata)
        np.testing.assert_allclose(
            [getattr(alone, name)[0] for name in (*ESTIMATES, *COUNTS)],
            [getattr(result, name)[i] for name in (*ESTIMATES, *COUNTS)],
            rtol=1e-12,
            atol=1e-15,  # sums in another order differ in the last bits; near zero only absolutely
        )


@pytest.mark.slow
@PROPERTY
@given(
    groups=st.lists(STRATA, min_size=1, max_size=3),
    times=st.lists(st.integers(min_value=1, max_value=6), min_size=40, max_size=40),
)
def test_a_stratum_with_a_multiplicity_counts_as_that_many_strata(
    groups: list[list[Stratum]], times: list[int]
) -> None:
    """Equal strata passed once with their multiplicity give what passing each of them gives."""
    flat = [
        (g, s, times[k % len(times)])
        for k, (g, s) in enumerate((g, s) for g, ss in enumerate(groups) for s in ss)
    ]
    group = np.array([g for g, _, _ in flat])
    x1, n1, x0, n0 = (np.array([s[j] for _, s, _ in flat]) for j in range(4))
    repeats = np.array([m for _, _, m in flat])
    weighted = mantel_haenszel(group, x1, n1, x0, n0, len(groups), multiplicity=repeats)
    expanded = mantel_haenszel(
        np.repeat(group, repeats), *(np.repeat(v, repeats) for v in (x1, n1, x0, n0)), len(groups)
    )
    for name in (*ESTIMATES, *COUNTS, "strata_invalid"):
        np.testing.assert_allclose(getattr(weighted, name), getattr(expanded, name), rtol=1e-9, atol=1e-12)


# --- degenerate input -----------------------------------------------------------------------------------


def test_one_sex_strata_are_left_out_and_counted() -> None:
    with_extra = run([*HAND, (3, 5, 0, 0), (0, 0, 2, 9), (0, 0, 0, 0)])
    plain = run(HAND)
    for name in ESTIMATES:
        assert getattr(with_extra, name)[0] == getattr(plain, name)[0], name
    assert with_extra.strata_used[0] == 3 and with_extra.n_used[0] == 16
    # The empty stratum has neither sex and is not counted.
    assert with_extra.strata_one_sex_only[0] == 2
    assert with_extra.persons_one_sex_only[0] == 14


def test_group_without_both_sexes_and_n_of_one() -> None:
    # Group 0: one woman (N = 1), one man (N = 1), five women, four men; group 1: HAND; group 2: nothing.
    only_one_sex: list[Stratum] = [(1, 1, 0, 0), (0, 0, 1, 1), (2, 5, 0, 0), (0, 0, 3, 4)]
    x1, n1, x0, n0 = (np.array(column) for column in zip(*only_one_sex, *HAND, strict=True))
    group = [0, 0, 0, 0, 1, 1, 1]
    r = mantel_haenszel(group, x1, n1, x0, n0, 3)  # group 2 has no strata at all
    for name in ESTIMATES:
        assert np.isnan(getattr(r, name)[[0, 2]]).all(), name
        assert np.isfinite(getattr(r, name)[1]), name
    assert r.strata_one_sex_only.tolist() == [4, 0, 0]
    assert r.persons_one_sex_only.tolist() == [1 + 1 + 5 + 4, 0, 0]
    assert r.strata_used.tolist() == [0, 3, 0]
    assert r.n_used.tolist() == [0, 16, 0]
    assert r.breslow_day_df.tolist() == [0, 2, 0]
    # A stratum of one person (N = 1) has N − 1 = 0 in the CMH variance; statsmodels keeps it and gets NaN.
    with np.errstate(divide="ignore", invalid="ignore"):
        assert math.isnan(table([*HAND, (1, 1, 0, 0)]).test_null_odds().statistic)
    assert value(run([*HAND, (1, 1, 0, 0)]), "cmh_statistic") == pytest.approx(4 / 215, rel=1e-13)


def test_all_positive_and_all_negative_strata() -> None:
    for strata in ([(4, 4, 6, 6), (1, 1, 3, 3)], [(0, 4, 0, 6), (0, 1, 0, 3)]):
        r = run(strata)
        share = float(strata[0][0] > 0)
        assert value(r, "risk_difference") == 0.0
        assert value(r, "crude_risk_difference") == 0.0
        assert value(r, "female_share") == share and value(r, "standardised_male_share") == share
        # Sato's variance is exactly 0: no Wald interval; no odds ratio (R = S = 0); no CMH (V = 0).
        for name in ESTIMATES[1:12]:
            assert np.isnan(getattr(r, name)[0]), name
        assert r.breslow_day_df[0] == 0
        assert r.strata_used[0] == 2 and r.n_used[0] == 14


def test_zero_variance_survives_rounding() -> None:
    # Every woman yes, every man no: RD = 1 and RD·P + Q = 0 exactly, but only up to rounding in floats.
    n1 = np.array([7, 3001, 123457, 9, 77777])
    n0 = np.array([11, 2999, 54321, 1000003, 13])
    r = mantel_haenszel(np.zeros(5, dtype=int), n1, n1, np.zeros(5), n0, 1)
    assert r.risk_difference[0] == 1.0
    assert np.isnan(r.rd_se[0]) and np.isnan(r.rd_ci_low[0]) and np.isnan(r.rd_ci_high[0])
    reverse = mantel_haenszel(np.zeros(5, dtype=int), np.zeros(5), n1, n0, n0, 1)
    assert reverse.risk_difference[0] == -1.0 and np.isnan(reverse.rd_se[0])


def test_zero_odds_ratio_sum() -> None:
    # No woman has the outcome: a = 0 everywhere, R = 0, so no odds ratio, but the risk difference, CMH and
    # standardisation are fine.
    r = run([(0, 3, 2, 4), (0, 5, 1, 2)])
    assert np.isnan([r.odds_ratio[0], r.log_or_se[0], r.or_ci_low[0], r.or_ci_high[0]]).all()
    assert np.isnan(r.breslow_day_statistic[0]) and r.breslow_day_df[0] == 0
    # RD = ((0·4 − 2·3)/7 + (0·2 − 1·5)/7) / (12/7 + 10/7) = −11/22
    assert value(r, "risk_difference") == pytest.approx(-0.5, rel=1e-14)
    assert value(r, "rd_ci_low") >= -1.0
    # Δ = −(3·2/7 + 5·1/7) = −11/7; V = 3·4·2·5/(49·6) + 5·2·1·6/(49·6) = 180/294
    assert value(r, "cmh_statistic") == pytest.approx((11 / 7) ** 2 / (180 / 294), rel=1e-13)
    assert value(r, "standardised_male_share") == pytest.approx((3 * 2 / 4 + 5 * 1 / 2) / 8, rel=1e-14)


def test_zero_margin_strata_are_left_out_of_breslow_day() -> None:
    # Nobody / everybody in the stratum has the outcome: a = e and v = 0 exactly (statsmodels: NaN).
    plain = run(HAND)
    r = run([*HAND, (0, 3, 0, 5), (2, 2, 1, 1)])
    for name in ("odds_ratio", "log_or_se", "cmh_statistic", "breslow_day_statistic"):
        assert value(r, name) == pytest.approx(value(plain, name), rel=1e-13), name
    assert r.breslow_day_df[0] == 2
    with np.errstate(divide="ignore", invalid="ignore"):
        assert math.isnan(table([*HAND, (0, 3, 0, 5)]).test_equal_odds(adjust=True).statistic)
    # They do count for the risk difference: two more strata with no difference pull it towards 0.
    # W = 10/3 + 15/8 + 2/3 = 47/8 and RD = (2/15)/(47/8) = 16/705.
    assert value(r, "risk_difference") == pytest.approx(16 / 705, rel=1e-13)


def test_invalid_input_gives_nan_without_warnings() -> None:
    good = (1, 4, 2, 5)
    bad = [(5, 4, 1, 2), (-1, 4, 1, 2), (1.5, 4, 1, 2), (1, 4, np.nan, 2), (1, 4, 1, np.inf)]
    group = [0, 0, 1, 1, 2, 3, 4, 4, 5, 5, 6, 6]
    rows = [good, good, good, bad[0], bad[1], bad[2], bad[3], good, good, bad[4], good, good]
    x1, n1, x0, n0 = (np.array([row[j] for row in rows], dtype=float) for j in range(4))
    r = mantel_haenszel(group, x1, n1, x0, n0, 7)
    for name in ESTIMATES:
        values = getattr(r, name)
        assert np.isnan(values[1:6]).all(), name
    assert np.isfinite(r.risk_difference[[0, 6]]).all()
    assert r.strata_invalid.tolist() == [0, 1, 1, 1, 1, 1, 0]
    assert r.strata_used.tolist() == [2, 1, 0, 0, 1, 1, 2]


def test_group_labels_and_confidence() -> None:
    x1, n1, x0, n0 = ([1, 3, 0, 9, 9, 9], [2, 4, 1, 9, 9, 9], [1, 1, 2, 0, 0, 0], [3, 2, 4, 9, 9, 9])
    # Strata outside 0 .. n_groups − 1 (or not whole numbers) belong to no analysis.
    r = mantel_haenszel([0, 0, 0, -1, 1, 0.5], x1, n1, x0, n0, 1)
    assert value(r, "risk_difference") == pytest.approx(0.04, rel=1e-14) and r.strata_used[0] == 3
    for bad in (0.0, 1.0, np.nan, 1.5):
        r = run(HAND, confidence=bad)
        assert np.isnan([r.rd_ci_low[0], r.rd_ci_high[0], r.or_ci_low[0], r.or_ci_high[0]]).all()
        assert value(r, "risk_difference") == pytest.approx(0.04, rel=1e-14)
    wide, narrow = run(HAND, confidence=0.99), run(HAND, confidence=0.5)
    assert value(wide, "rd_ci_low") < value(narrow, "rd_ci_low") < 0.04 < value(narrow, "rd_ci_high")
    assert value(narrow, "rd_ci_high") == pytest.approx(0.04 + 0.6744897501960817 * math.sqrt(0.075464))
    # Clipped to [−1, 1].
    r = run([(1, 1, 0, 1)])
    assert value(r, "risk_difference") == 1.0 and np.isnan(value(r, "rd_ci_high"))
    r = run([(2, 2, 0, 1), (0, 1, 0, 1)])
    assert value(r, "rd_ci_high") == 1.0


def test_empty_input() -> None:
    r = mantel_haenszel([], [], [], [], [], 0)
    assert all(getattr(r, name).shape == (0,) for name in (*ESTIMATES, *COUNTS))
    r = mantel_haenszel([], [], [], [], [], 2)
    assert np.isnan(r.risk_difference).all() and r.strata_used.tolist() == [0, 0]
    assert r.risk_difference.dtype == np.float64 and r.strata_used.dtype == np.int64
