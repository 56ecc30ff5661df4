"""Stratified 2×2 statistics: compare women and men (girls and boys) like with like.

A difference between women and men in a yes/no outcome (female − male) may be explained by criteria
variables such as the level of need. Splitting the persons into strata of equal criteria and comparing the
sexes *within* each stratum answers that: the Mantel-Haenszel estimators pool the within-stratum
comparisons, the Cochran-Mantel-Haenszel test asks whether any within-stratum difference remains, and the
Breslow-Day test asks whether the difference is the same in every stratum.

Everything here is pure and vectorised over **many analyses at once**: every function takes flat arrays
with one element per stratum and an integer array `group` (0 .. n_groups − 1) naming the analysis the
stratum belongs to, and returns arrays of length n_groups (sums per group by `numpy.bincount`, never a
Python loop over groups or strata). Per stratum, ``x1`` of ``n1`` women (group 1, "exposed") and ``x0`` of
``n0`` men have the outcome. In the usual 2×2 notation

    a = x1,  b = n1 − x1,  c = x0,  d = n0 − x0,  N = n1 + n0,  m1 = x1 + x0,  m0 = N − m1,

i.e. the table [[a, b], [c, d]] with rows female/male and columns yes/no (the orientation of
`statsmodels.stats.contingency_tables.StratifiedTable`).

A stratum with women but no men, or men but no women, says nothing about the comparison: it is left out of
every estimate here and only counted (`strata_one_sex_only`, `persons_one_sex_only`). Leaving it out
changes none of the Mantel-Haenszel sums (its terms are all zero) but it would change a crude comparison,
so `crude_risk_difference`, `female_share` and `standardised_male_share` are computed over the same
informative strata, on the same persons (`n_used`). Invalid input never raises or warns; see
`mantel_haenszel` for what gives NaN.

References
----------
- Mantel N, Haenszel W (1959). Statistical aspects of the analysis of data from retrospective studies of
  disease. Journal of the National Cancer Institute 22:719-748.
- Greenland S, Robins JM (1985). Estimation of a common effect parameter from sparse follow-up data.
  Biometrics 41:55-68.
- Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel variance consistent in both
  sparse data and large-strata limiting models. Biometrics 42:311-323.
- Sato T (1989). On the variance estimator for the Mantel-Haenszel risk difference (letter).
  Biometrics 45:1323-1324.
- Breslow NE, Day NE (1980). Statistical Methods in Cancer Research, Vol. I: The Analysis of Case-Control
  Studies. IARC Scientific Publications 32, §4.4 and §4.5.
- Tarone RE (1985). On heterogeneity tests based on efficient scores. Biometrika 72:91-95.
- Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd ed. Lippincott Williams & Wilkins,
  ch. 15 (Mantel-Haenszel estimators and their variances) and ch. 4 (standardisation).
- Agresti A (2013). Categorical Data Analysis, 3rd ed. Wiley, §6.4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from oppnaogon.stats import _z, chi2_1_sf, chi2_sf

__all__ = ["StratifiedResult", "mantel_haenszel"]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class StratifiedResult:
    """Stratified comparison of women with men, one element per group (analysis).

    Differences and ratios are female − male and female / male. Every estimate is NaN for a group with no
    informative stratum (no stratum with both sexes) and for a group with an invalid stratum; the counts
    are always filled in.

    Attributes
    ----------
    risk_difference, rd_se, rd_ci_low, rd_ci_high
        Mantel-Haenszel common risk difference, its standard error (Sato 1989) and Wald interval.
    odds_ratio, log_or_se, or_ci_low, or_ci_high
        Mantel-Haenszel common odds ratio, the standard error of its logarithm (Robins, Breslow &
        Greenland 1986) and the interval exp(log OR ± z·se).
    cmh_statistic, cmh_p_value
        Cochran-Mantel-Haenszel chi-square (1 df) test of no association within strata.
    breslow_day_statistic, breslow_day_df, breslow_day_p_value
        Breslow-Day test of a common odds ratio, with Tarone's correction; df is an integer, 0 when the
        test is not possible.
    female_share, standardised_male_share
        Σx1/Σn1 and the men's stratum shares weighted by the women's stratum sizes, Σ n1·(x0/n0) / Σn1,
        both over the informative strata (direct standardisation to the women's profile).
    crude_risk_difference
        Σx1/Σn1 − Σx0/Σn0 over the informative strata: the unadjusted difference on the same persons.
    strata_used, n_used
        Informative strata (both sexes present) and the persons in them.
    strata_one_sex_only, persons_one_sex_only
        Strata with persons of one sex only (left out) and the persons in them.
    strata_invalid
        Strata with invalid counts; when positive, every estimate of the group is NaN.
    """

    risk_difference: FloatArray
    rd_se: FloatArray
    rd_ci_low: FloatArray
    rd_ci_high: FloatArray
    odds_ratio: FloatArray
    log_or_se: FloatArray
    or_ci_low: FloatArray
    or_ci_high: FloatArray
    cmh_statistic: FloatArray
    cmh_p_value: FloatArray
    breslow_day_statistic: FloatArray
    breslow_day_df: IntArray
    breslow_day_p_value: FloatArray
    female_share: FloatArray
    standardised_male_share: FloatArray
    crude_risk_difference: FloatArray
    strata_used: IntArray
    n_used: IntArray
    strata_one_sex_only: IntArray
    persons_one_sex_only: IntArray
    strata_invalid: IntArray


def mantel_haenszel(
    group: ArrayLike,
    x1: ArrayLike,
    n1: ArrayLike,
    x0: ArrayLike,
    n0: ArrayLike,
    n_groups: int,
    confidence: float = 0.95,
    correction: bool = False,
    multiplicity: ArrayLike | None = None,
) -> StratifiedResult:
    """Mantel-Haenszel estimates and tests for many sets of strata at once.

    Sums Σ run over the informative strata (n1 > 0 and n0 > 0) of one group; notation as in the module
    docstring, z the two-sided normal critical value for `confidence`.

    **Risk difference** (Mantel & Haenszel 1959 weights w = n1·n0/N; Greenland & Robins 1985):

        RD = Σ (x1·n0 − x0·n1)/N  /  W,   W = Σ n1·n0/N,

    a weighted mean of the stratum differences x1/n1 − x0/n0. Its variance is Sato's (1989) estimator,
    which is consistent both when the strata are many and sparse and when they are few and large (the
    variance given by Greenland & Robins 1985 for the risk difference is consistent only in the large-strata
    limit; see Rothman, Greenland & Lash 2008, ch. 15):

        Var(RD) = (RD·P + Q) / W²,
        P = Σ (n1²·x0 − n0²·x1 + n1·n0·(n0 − n1)/2) / N²,
        Q = Σ (x1·(n0 − x0) + x0·(n1 − x1)) / (2N).

    For a single stratum this is exactly p1(1 − p1)/n1 + p0(1 − p0)/n0. The interval is RD ± z·√Var,
    clipped to [−1, 1]. It (and `rd_se`) is NaN when Var is not positive: Var is exactly 0 when every
    stratum has p1 = p0 ∈ {0, 1}, or every stratum has p1 = 1, p0 = 0 (or every p1 = 0, p0 = 1), and a
    Wald interval of zero width would claim certainty that the data do not give.

    **Odds ratio** (Mantel & Haenszel 1959) with the variance of Robins, Breslow & Greenland (1986):

        OR = R/S,  R = Σ a·d/N,  S = Σ b·c/N,
        Var(ln OR) = Σ P·R_k / (2R²) + Σ (P·S_k + Q·R_k) / (2RS) + Σ Q·S_k / (2S²),

    with R_k = a·d/N, S_k = b·c/N, P = (a + d)/N, Q = (b + c)/N per stratum. OR, its standard error and
    interval are NaN when R = 0 or S = 0 (no finite positive estimate).

    **Cochran-Mantel-Haenszel test** (Agresti 2013, §6.4), chi-square with 1 df:

        X² = (|Σ (x1 − n1·m1/N)| − δ)² / Σ n1·n0·m1·m0 / (N²·(N − 1)),

    δ = 0, or 0.5 with `correction` (then |…| − 0.5 is floored at 0, as scipy's Yates correction never
    moves the observed count past the expected one; statsmodels' `test_null_odds(correction=True)` squares
    |…| − 0.5 even when it is negative). NaN when the denominator is 0 (no stratum with both outcomes).
    A stratum with N = 1 has an undefined term (N − 1 = 0), but it has one person and so one sex only:
    it is never informative here. statsmodels keeps such strata in its sums and returns NaN.

    **Breslow-Day test** of a common odds ratio (Breslow & Day 1980) with Tarone's (1985) correction, as
    statsmodels' ``StratifiedTable.test_equal_odds(adjust=True)``. Per stratum, the expected count e of
    a under the common odds ratio OR (the root of e·(n0 − m1 + e) = OR·(n1 − e)·(m1 − e) strictly between
    max(0, m1 − n0) and min(n1, m1)) and its variance v are

        e = 2·OR·n1·m1 / (B + √(B² + 4·(1 − OR)·OR·n1·m1)),   B = OR·(n1 + m1) + n0 − m1,
        v = 1 / (1/e + 1/(n1 − e) + 1/(m1 − e) + 1/(n0 − m1 + e)),

    (the quadratic-formula root written without cancellation, and valid at OR = 1) and

        X² = Σ (a − e)²/v − (Σa − Σe)² / Σv,   df = J − 1,

    where J counts the strata with both sexes **and both outcomes**. A stratum with m1 = 0 or m0 = 0 has
    a = e and v = 0 exactly, so its term is 0/0; it carries no information on the odds ratio (it adds
    nothing to R or S either) and is left out of the sums and of J. (statsmodels keeps it and returns NaN.)
    The statistic and p-value are NaN when df < 1 or OR is NaN.

    **Direct standardisation** (Rothman, Greenland & Lash 2008, ch. 4) to the women's distribution over
    the strata: ``standardised_male_share`` = Σ n1·(x0/n0) / Σ n1 is the share of men with the outcome had
    the men been distributed over the strata as the women are ("with the girls' profile, the boys would
    have been granted X %"), and ``female_share`` = Σ x1 / Σ n1. Their difference
    Σ n1·(x1/n1 − x0/n0) / Σ n1 is, like RD, a weighted mean of the stratum differences, with weights n1
    instead of n1·n0/N = n1·(n0/N). The two coincide when the stratum differences are equal, or when the
    men's share n0/N is the same in every stratum; otherwise RD gives more weight to the strata where the
    sexes are balanced (which makes it more precise), and the standardised difference describes the women.

    Parameters
    ----------
    group : array_like of int
        Analysis (0 .. n_groups − 1) of each stratum. A stratum with another value (negative, too large,
        not a whole number, not finite) belongs to no analysis and is ignored.
    x1, n1, x0, n0 : array_like
        Per stratum: women with the outcome, women, men with the outcome, men. Broadcast against `group`
        and each other to one dimension.
    n_groups : int
        Number of analyses; the length of every result array.
    confidence : float, default 0.95
        Two-sided confidence level, in (0, 1); otherwise the intervals are NaN.
    correction : bool, default False
        Continuity correction of the CMH statistic.
    multiplicity : array_like of int, optional
        How many strata of its group have exactly this row's counts (default 1 each): every sum over
        strata counts the row that many times, so many small strata with equal counts can be passed as
        one row. The results equal those of the rows repeated, up to floating-point rounding.

    Returns
    -------
    StratifiedResult
        One element per group. A stratum with an invalid count (negative, not a whole number, not finite,
        x > n) makes every estimate of its group NaN and is counted in `strata_invalid`; a stratum with no
        persons at all is ignored.
    """
    size = max(int(n_groups), 0)
    repeat = 1.0 if multiplicity is None else multiplicity
    g_raw, a1, t1, a0, t0, times = (
        np.ravel(v)
        for v in np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (group, x1, n1, x0, n0, repeat)))
    )
    in_range = np.isfinite(g_raw) & (g_raw == np.round(g_raw)) & (g_raw >= 0) & (g_raw < size)
    g_all = np.where(in_range, g_raw, 0).astype(np.int64)
    whole = np.all([np.isfinite(v) & (v == np.round(v)) for v in (a1, t1, a0, t0)], axis=0)
    valid = whole & (a1 >= 0) & (a0 >= 0) & (a1 <= t1) & (a0 <= t0)

    def total(mask: npt.NDArray[np.bool_], weights: FloatArray | None = None) -> FloatArray:
        counted = times if weights is None else times * weights
        return np.bincount(g_all[mask], weights=counted[mask], minlength=size)[:size].astype(float)

    invalid = in_range & ~valid
    one_sex = in_range & valid & ((t1 > 0) != (t0 > 0))
    both = in_range & valid & (t1 > 0) & (t0 > 0)
    bad = total(invalid) > 0

    # Everything below runs over the informative strata only.
    g = g_all[both]
    a, n_f, c, n_m, k = a1[both], t1[both], a0[both], t0[both], times[both]
    b, d = n_f - a, n_m - c
    n = n_f + n_m
    m1 = a + c
    m0 = n - m1

    def per_group(values: FloatArray, index: IntArray = g, repeats: FloatArray = k) -> FloatArray:
        return np.bincount(index, weights=values * repeats, minlength=size)[:size]

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Risk difference (Mantel-Haenszel) with Sato's variance.
        w = per_group(n_f * n_m / n)
        rd = per_group((a * n_m - c * n_f) / n) / w
        p_sato = per_group((n_f * n_f * c - n_m * n_m * a + n_f * n_m * (n_m - n_f) / 2) / (n * n))
        q_sato = per_group((a * (n_m - c) + c * (n_f - a)) / (2 * n))
        # RD·P + Q is exactly 0 when every stratum proportion is 0 or 1 with a common difference; in
        # floating point it can come out as rounding noise of either sign, hence the relative threshold.
        rd_num = rd * p_sato + q_sato
        rd_positive = rd_num > 1e-9 * (np.abs(rd * p_sato) + q_sato)
        rd_se = np.where(rd_positive, np.sqrt(np.where(rd_positive, rd_num, 0.0)) / w, np.nan)

        # Odds ratio (Mantel-Haenszel) with the Robins-Breslow-Greenland variance of its logarithm.
        r_k = a * d / n
        s_k = b * c / n
        p_k = (a + d) / n
        q_k = (b + c) / n
        r = per_group(r_k)
        s = per_group(s_k)
        or_ok = (r > 0) & (s > 0)
        odds_ratio = np.where(or_ok, r / s, np.nan)
        log_or_var = (
            per_group(p_k * r_k) / (2 * r * r)
            + per_group(p_k * s_k + q_k * r_k) / (2 * r * s)
            + per_group(q_k * s_k) / (2 * s * s)
        )
        log_or_se = np.where(or_ok, np.sqrt(log_or_var), np.nan)

        # Cochran-Mantel-Haenszel. Informative strata of whole counts have N >= 2, so N - 1 > 0.
        delta = np.abs(per_group(a - n_f * m1 / n))
        if correction:
            delta = np.maximum(delta - 0.5, 0.0)
        cmh_var = per_group(n_f * n_m * m1 * m0 / (n * n * (n - 1)))
        cmh = np.where(cmh_var > 0, delta * delta / cmh_var, np.nan)

        # Breslow-Day with Tarone's correction, over strata with both outcomes as well.
        has_or = or_ok[g]
        bd = has_or & (m1 > 0) & (m0 > 0)
        gb = g[bd]
        psi = odds_ratio[gb]
        nf_b, nm_b, m1_b, a_b = n_f[bd], n_m[bd], m1[bd], a[bd]
        big_b = psi * (nf_b + m1_b) + nm_b - m1_b
        disc = np.maximum(big_b * big_b + 4 * (1 - psi) * psi * nf_b * m1_b, 0.0)
        e = 2 * psi * nf_b * m1_b / (big_b + np.sqrt(disc))
        v = 1 / (1 / e + 1 / (nf_b - e) + 1 / (m1_b - e) + 1 / (nm_b - m1_b + e))
        resid = a_b - e
        k_b = k[bd]
        bd_df = np.maximum(np.rint(per_group(np.ones_like(k_b), gb, k_b)).astype(np.int64) - 1, 0)
        bd_stat = per_group(resid * resid / v, gb, k_b) - per_group(resid, gb, k_b) ** 2 / per_group(
            v, gb, k_b
        )
        # The Tarone term never exceeds the first sum (Cauchy-Schwarz); clip rounding below 0.
        bd_stat = np.where(or_ok & (bd_df >= 1), np.maximum(bd_stat, 0.0), np.nan)

        # Direct standardisation and the crude comparison, on the same strata.
        sum_nf = per_group(n_f)
        female_share = per_group(a) / sum_nf
        std_male_share = per_group(n_f * c / n_m) / sum_nf
        crude = female_share - per_group(c) / per_group(n_m)

    z = _z(confidence)
    rd_low = np.clip(rd - z * rd_se, -1.0, 1.0)
    rd_high = np.clip(rd + z * rd_se, -1.0, 1.0)
    log_or = np.log(np.where(or_ok, odds_ratio, 1.0))
    or_low = np.exp(log_or - z * log_or_se)
    or_high = np.exp(log_or + z * log_or_se)
    cmh_p = chi2_1_sf(cmh)
    bd_p = chi2_sf(bd_stat, np.where(bd_df >= 1, bd_df, 1))

    def estimate(values: FloatArray) -> FloatArray:
        return np.where(bad, np.nan, values)

    def count(mask: npt.NDArray[np.bool_], weights: FloatArray | None = None) -> IntArray:
        return np.rint(total(mask, weights)).astype(np.int64)

    persons = t1 + t0
    return StratifiedResult(
        risk_difference=estimate(rd),
        rd_se=estimate(rd_se),
        rd_ci_low=estimate(rd_low),
        rd_ci_high=estimate(rd_high),
        odds_ratio=estimate(odds_ratio),
        log_or_se=estimate(log_or_se),
        or_ci_low=estimate(or_low),
        or_ci_high=estimate(or_high),
        cmh_statistic=estimate(cmh),
        cmh_p_value=estimate(cmh_p),
        breslow_day_statistic=estimate(bd_stat),
        breslow_day_df=np.where(bad, 0, bd_df).astype(np.int64),
        breslow_day_p_value=estimate(bd_p),
        female_share=estimate(female_share),
        standardised_male_share=estimate(std_male_share),
        crude_risk_difference=estimate(crude),
        strata_used=count(both),
        n_used=count(both, persons),
        strata_one_sex_only=count(one_sex),
        persons_one_sex_only=count(one_sex, persons),
        strata_invalid=count(invalid),
    )
