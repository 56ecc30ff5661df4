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

from oppnaogon.stats.compare import _betainc, _z, chi2_1_sf, chi2_sf, t_quantile

__all__ = ["StratifiedMeans", "StratifiedResult", "mantel_haenszel", "stratified_mean_difference"]

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
        # weighted: float64 (numpy's stubs type every bincount as integer)
        return np.bincount(index, weights=values * repeats, minlength=size)[:size]  # type: ignore[return-value]

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


# --- numeric outcomes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StratifiedMeans:
    """Stratified comparison of the mean of a numeric outcome (female − male), one element per group.

    Attributes
    ----------
    difference, se, ci_low, ci_high, p_value, df
        The common difference of means within strata (the OLS coefficient of sex in a model with one
        intercept per stratum), its HC2 standard error, the t interval and two-sided t test with
        df = persons − strata − 1 degrees of freedom (all NaN when df < 1).
    female_mean, standardised_male_mean
        Σs1/Σn1 and the men's stratum means weighted by the women's stratum sizes, over the informative
        strata.
    strata_used, n_used, strata_one_sex_only, persons_one_sex_only
        As in :class:`StratifiedResult`.
    """

    difference: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    p_value: FloatArray
    df: FloatArray
    female_mean: FloatArray
    standardised_male_mean: FloatArray
    strata_used: IntArray
    n_used: IntArray
    strata_one_sex_only: IntArray
    persons_one_sex_only: IntArray


def stratified_mean_difference(
    group: ArrayLike,
    n1: ArrayLike,
    s1: ArrayLike,
    q1: ArrayLike,
    n0: ArrayLike,
    s0: ArrayLike,
    q0: ArrayLike,
    n_groups: int,
    confidence: float = 0.95,
) -> StratifiedMeans:
    """The difference of means (female − male) within strata, for many sets of strata at once.

    Per stratum: n1 women with sum s1 and sum of squares q1 of their values, n0 men with s0 and q0 (one
    element per stratum, `group` naming its analysis as in `mantel_haenszel`). The estimate is the
    regression coefficient of sex in the OLS model y = α_stratum + β·female + ε fitted to the persons of
    the strata with both sexes (strata with one sex only are left out and counted). It is the weighted
    mean of the within-stratum differences d = s1/n1 − s0/n0 with weights w = n1·n0/(n1 + n0):

        β = Σ w·d / Σ w.

    Its standard error is HC2 (MacKinnon & White 1985), robust to variances that differ between the sexes
    and strata (extents of interventions are skewed, and a stratum of girls with great need varies more
    than one of boys with little), and unbiased when they do not; it is computed from the sums alone,
    since within a stratum × sex cell the model's residuals and leverages are those of the cell:

        female residual e = (y − ȳ1) + (n0/n)(d − β),   male e = (y − ȳ0) − (n1/n)(d − β)
        leverage h = 1/n + x̃²/Σw,  x̃ = n0/n (female) or −n1/n (male),
        Var β = Σ_i x̃_i²·e_i²/(1 − h_i) / (Σw)².

    The interval and the test use Student's t with persons − strata − 1 degrees of freedom, as
    statsmodels' OLS(...).fit(cov_type="HC2", use_t=True) does (tests/test_stratified.py checks every
    figure against it). A stratum cell whose leverage is 1 has a residual of exactly 0 and adds nothing.
    When the standard error is 0 (every value equal within every cell) p is 1 for β = 0 and 0 otherwise.

    Sums run over the strata in the order given (`numpy.bincount`): for the same strata in the same order
    the results are the same bits in every run."""
    g = np.asarray(group, dtype=np.int64)
    n1_, s1_, q1_, n0_, s0_, q0_ = (np.asarray(a, dtype=float) for a in (n1, s1, q1, n0, s0, q0))
    both = (n1_ > 0) & (n0_ > 0)
    one_sex = ~both & (n1_ + n0_ > 0)

    def total(values: FloatArray, mask: npt.NDArray[np.bool_] = both) -> FloatArray:
        # weighted: float64 (numpy's stubs type every bincount as integer)
        return np.bincount(g, weights=np.where(mask, values, 0.0), minlength=n_groups)[:n_groups]  # type: ignore[return-value]

    safe1, safe0 = np.where(both, n1_, 1.0), np.where(both, n0_, 1.0)
    n = safe1 + safe0
    mean1, mean0 = s1_ / safe1, s0_ / safe0
    d = mean1 - mean0
    w = safe1 * safe0 / n
    weight = total(w)
    ok = weight > 0
    beta = np.divide(total(w * d), weight, out=np.full(n_groups, np.nan), where=ok)
    off = d - np.where(ok, beta, 0.0)[g]  # the stratum's difference from the common one
    within1 = np.maximum(q1_ - s1_ * mean1, 0.0)  # Σ (y − ȳ1)² of the cell
    within0 = np.maximum(q0_ - s0_ * mean0, 0.0)
    x1, x0 = safe0 / n, safe1 / n  # |x̃| of the cell's women and men
    w_all = np.where(ok, weight, 1.0)[g]
    meat = np.zeros_like(d)
    for x, size, within in ((x1, safe1, within1), (x0, safe0, within0)):
        residual_squares = within + size * (x * off) ** 2
        free = 1.0 - 1.0 / n - x * x / w_all
        meat += np.where(free > 1e-12, x * x * residual_squares / np.where(free > 1e-12, free, 1.0), 0.0)
    persons = total(n1_ + n0_)
    strata = total(np.ones_like(d))
    df = persons - strata - 1
    valid = ok & (df >= 1)
    se = np.where(valid, np.sqrt(total(meat) / np.where(ok, weight, 1.0) ** 2), np.nan)
    q = t_quantile(np.where(valid, df, np.nan), 0.5 + confidence / 2)
    low, high = beta - q * se, beta + q * se
    statistic = np.divide(np.abs(beta), se, out=np.full(n_groups, np.inf), where=se > 0)
    v = np.where(valid, df, 1.0)
    # two-sided Student t tail: I_{v/(v+t²)}(v/2, 1/2) (Abramowitz & Stegun 26.7.1)
    # (a placeholder t² of 1 where the tail is not needed: t = 0 gives p = 1, an infinite t p = 0)
    inside = valid & np.isfinite(statistic) & (statistic > 0)
    t2 = np.where(inside, statistic * statistic, 1.0)
    tail = _betainc(v / 2, np.full(v.shape, 0.5), v / (v + t2), t2 / (v + t2))
    p = np.where(inside, tail, np.where(np.isfinite(statistic) | (beta == 0), 1.0, 0.0))
    p = np.where(valid, np.clip(p, 0.0, 1.0), np.nan)
    female_total = total(n1_)
    female_mean = np.divide(total(s1_), female_total, out=np.full(n_groups, np.nan), where=female_total > 0)
    standardised = np.divide(
        total(n1_ * mean0), female_total, out=np.full(n_groups, np.nan), where=female_total > 0
    )

    def count(values: FloatArray, mask: npt.NDArray[np.bool_]) -> IntArray:
        return np.rint(total(values, mask)).astype(np.int64)

    def estimate(values: FloatArray) -> FloatArray:
        return np.where(valid, values, np.nan)

    return StratifiedMeans(
        difference=estimate(beta),
        se=se,
        ci_low=estimate(low),
        ci_high=estimate(high),
        p_value=p,
        df=np.where(valid, df, np.nan),
        female_mean=estimate(female_mean),
        standardised_male_mean=estimate(standardised),
        strata_used=count(np.ones_like(d), both),
        n_used=count(n1_ + n0_, both),
        strata_one_sex_only=count(np.ones_like(d), one_sex),
        persons_one_sex_only=count(n1_ + n0_, one_sex),
    )
