"""Statistics for comparing women and men (girls and boys): intervals, tests, effect sizes.

Everything here is pure and vectorised. Array arguments broadcast against each other; an invalid element
(a count of zero, a negative count, k > n, a non-finite number, a confidence level outside (0, 1)) gives
NaN for that element and never raises or warns.

The grouped functions (`grouped_medians`, `grouped_mann_whitney`) take **value-count tables**, so that they
can be computed from aggregates rather than from one row per person: a `polars.DataFrame` with the key
columns `by`, a String column `sex` (only ``"female"`` and ``"male"`` rows are used), a Float64 column
`value` and an Int64 column `count` (> 0), one row per distinct value per group and sex. Rows with another
sex, a null or non-finite value, or a null or non-positive count are ignored; duplicate (group, sex, value)
rows are added together.

References
----------
- Wilson EB (1927). Probable inference, the law of succession, and statistical inference. JASA 22:209-212.
- Newcombe RG (1998). Interval estimation for the difference between independent proportions: comparison of
  eleven methods. Statistics in Medicine 17:873-890.
- Cochran WG (1954). Some methods for strengthening the common chi-square tests. Biometrics 10:417-451.
- Cohen J (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed. Erlbaum.
- Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. JRSS B 57:289-300.
- Conover WJ (1999). Practical Nonparametric Statistics, 3rd ed. Wiley, §3.2.
- Campbell MJ, Gardner MJ (1988). Calculating confidence intervals for some non-parametric analyses.
  BMJ 296:1454-1456.
- Mann HB, Whitney DR (1947). On a test of whether one of two random variables is stochastically larger
  than the other. Annals of Mathematical Statistics 18:50-60.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from oppnaogon.model.sexes import COMPARED

__all__ = [
    "MEDIAN_CI_MIN_N",
    "T_EXPANSION_MIN_DF",
    "benjamini_hochberg",
    "chi2_1_sf",
    "chi2_sf",
    "finite_round",
    "grouped_mann_whitney",
    "grouped_medians",
    "mean_interval",
    "median_interval_ranks",
    "median_interval_shows_no_one",
    "newcombe_interval",
    "normal_quantile",
    "normal_sf",
    "smd",
    "t_quantile",
    "two_by_two_test",
    "wilson_interval",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

SEXES = COMPARED  # the grouped functions compare these codes of the `sex` column, female − male
# Smallest n for which an interval between order statistics can reach 95 % coverage:
# P(x_(1) <= median <= x_(n)) = 1 - 2 * 0.5**n is 0.9375 for n = 5 and 0.96875 for n = 6.
MEDIAN_CI_MIN_N = 6
_MEDIAN_Z = 1.96
_KEY = "__oppnaogon_group__"
# Above this many degrees of freedom the Cornish–Fisher expansion of the t quantile is exact to about
# 1e-10 (relative, for two-sided levels up to 99.9 %; tested against scipy); below it Newton's method.
T_EXPANSION_MIN_DF = 200.0

# The few special functions needed, from the standard library: importing scipy.special costs about half
# a second, more than the statistics of a whole report. Tests check them against scipy.
_erfc = np.frompyfunc(math.erfc, 1, 1)
_lgamma = np.frompyfunc(math.lgamma, 1, 1)
_inv_cdf = np.frompyfunc(NormalDist().inv_cdf, 1, 1)


def finite_round(value: Any, digits: int = 4) -> float | None:
    """A number for publication: rounded, or None when it is NaN or infinite (JSON has no NaN)."""
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return None
    return round(number, digits) + 0.0  # + 0.0 turns -0.0 into 0.0: "-0.0" in a table reads as a finding


def p_round(p: Any) -> float | None:
    """A p-value for findings.json: 6 decimals, or 6 significant digits below 0.001 (never 0.0 for a
    p-value that is not 0: the reports show '<0,001', the file keeps the value)."""
    value = float(p)
    if not math.isfinite(value):
        return None
    if 0 < value < 1e-3:
        return float(f"{value:.6g}")
    return round(value, 6) + 0.0


def normal_quantile(p: ArrayLike) -> FloatArray:
    """Standard normal quantile (Wichura's AS241 via `statistics.NormalDist`); p must lie in (0, 1)."""
    return np.asarray(_inv_cdf(np.asarray(p, dtype=float)), dtype=float)


def normal_sf(z: ArrayLike) -> FloatArray:
    """Upper tail of the standard normal, P(Z > z) = erfc(z/√2)/2; NaN stays NaN."""
    z_ = np.asarray(z, dtype=float)
    return np.asarray(_erfc(z_ / math.sqrt(2)), dtype=float) / 2


def chi2_1_sf(x: ArrayLike) -> FloatArray:
    """Upper tail of the chi-square distribution with 1 degree of freedom: erfc(√(x/2))."""
    x_ = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(_erfc(np.sqrt(x_ / 2)), dtype=float)


def chi2_sf(x: ArrayLike, df: ArrayLike) -> FloatArray:
    """Upper tail of the chi-square distribution for whole degrees of freedom df >= 1, by the finite sums
    of A&S 26.4.4 (odd df) and 26.4.5 (even df), each term in logs so that nothing underflows early:

        even df = 2m:     Q = Σ_{i<m} e^{−x/2} (x/2)^i / i!
        odd df = 2m + 1:  Q = erfc(√(x/2)) + Σ_{1<=i<=m} e^{−x/2} (x/2)^{i−1/2} / Γ(i + 1/2)

    NaN where df is not a whole number >= 1 or x is NaN or negative."""
    x_, df_ = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(df, dtype=float))
    ok = np.isfinite(df_) & (df_ >= 1) & (df_ == np.floor(df_)) & ~np.isnan(x_) & (x_ >= 0)
    out = np.full(x_.shape, np.nan)
    if not ok.any():
        return out
    xv, dv = x_[ok], df_[ok].astype(np.int64)
    values = np.empty(xv.shape)
    # Values of similar df together: one row per value and one column per term, up to the largest df
    # of its bucket (one table up to the largest df of all would be values × max(df) cells: gigabytes
    # for a batch's thousands of Breslow–Day tests, most with few strata, beside a few with thousands).
    bucket = np.ceil(np.log2(dv // 2 + 1)).astype(np.int64)
    for b in np.unique(bucket).tolist():
        chosen = bucket == b
        values[chosen] = _chi2_sf_sums(xv[chosen], dv[chosen])
    out[ok] = np.minimum(values, 1.0)
    return out


def _chi2_sf_sums(xv: FloatArray, dv: npt.NDArray[np.int64]) -> FloatArray:
    """The sums of `chi2_sf` for valid x and df."""
    half = xv / 2
    odd = dv % 2 == 1
    m = dv // 2
    # all terms at once: one row per value, one column per term index i (masked beyond the value's m)
    i = np.arange(int(m.max()) + 1, dtype=float)
    power = np.where(odd[:, None], i[None, :] - 0.5, i[None, :])
    log_gamma = np.where(
        odd[:, None],
        np.asarray(_lgamma(i + 0.5), dtype=float)[None, :],
        np.asarray(_lgamma(i + 1), dtype=float)[None, :],
    )
    used = np.where(odd[:, None], (i[None, :] >= 1) & (i[None, :] <= m[:, None]), i[None, :] < m[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_half = np.where(half > 0, np.log(np.where(half > 0, half, 1.0)), -np.inf)[:, None]
        log_power = np.where(power == 0, 0.0, power * log_half)
        terms = np.where(used, np.exp(-half[:, None] + log_power - log_gamma), 0.0)
    # summed one term after another up to the value's last term: numpy's pairwise row sum depends on the
    # row's length, i.e. on the largest df in the call, and a value's tail must not depend on the others
    last = np.where(odd, m, m - 1)
    sums = np.cumsum(terms, axis=1)[np.arange(len(m)), np.maximum(last, 0)]
    return np.asarray(np.where(odd, chi2_1_sf(xv), 0.0) + sums, dtype=float)


def t_quantile(df: ArrayLike, p: ArrayLike) -> FloatArray:
    """Quantile p of Student's t with df degrees of freedom (df may be fractional, as in Welch's test).

    For df >= `T_EXPANSION_MIN_DF` the Cornish–Fisher expansion in 1/df (Abramowitz & Stegun 26.7.5, four
    terms) is exact to about 1e-10. Below it, Newton's method on the upper tail
    S(t) = I_{df/(df+t²)}(df/2, 1/2) / 2 (A&S 26.7.1 and 26.5.27), started from the expansion. For t > 0 S is
    convex and decreasing, so the iteration never overshoots to the left of the root after its first step
    and converges monotonically; a step is never allowed to more than halve t.
    """
    df_, p_ = np.broadcast_arrays(np.asarray(df, dtype=float), np.asarray(p, dtype=float))
    ok = np.isfinite(df_) & (df_ > 0) & np.isfinite(p_) & (p_ > 0) & (p_ < 1)
    out = np.full(df_.shape, np.nan)
    if not ok.any():
        return out
    v = df_[ok]
    upper = np.minimum(p_[ok], 1 - p_[ok])  # the tail beyond |t|
    x = -normal_quantile(upper)  # >= 0
    x2 = x * x
    g1 = (x2 + 1) * x / 4
    g2 = ((5 * x2 + 16) * x2 + 3) * x / 96
    g3 = (((3 * x2 + 19) * x2 + 17) * x2 - 15) * x / 384
    g4 = ((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945) * x / 92160
    t = x + (g1 + (g2 + (g3 + g4 / v) / v) / v) / v
    small = (v < T_EXPANSION_MIN_DF) & (upper < 0.5)
    if small.any():
        # many groups share a (df, p) pair (integer df of small groups, one confidence level), within a
        # report and across the units of a batch: solve each distinct pair once, and remember it
        pairs, first, inverse = np.unique(
            np.stack([v[small], upper[small]]), axis=1, return_index=True, return_inverse=True
        )
        keys = list(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True))
        missing = [i for i, k in enumerate(keys) if k not in _T_SOLVED]
        if missing:
            # the starting value is the expansion's, a function of the pair, so any member's will do
            solved = _t_upper_inverse(
                pairs[0][missing], pairs[1][missing], np.maximum(t[small][first[missing]], 1e-3)
            )
            if len(_T_SOLVED) > _T_SOLVED_MAX:
                _T_SOLVED.clear()
            _T_SOLVED.update(zip((keys[i] for i in missing), solved.tolist(), strict=True))
        t[small] = np.array([_T_SOLVED[k] for k in keys])[inverse.ravel()]
    t = np.where(upper >= 0.5, 0.0, t)  # the median
    out[ok] = np.where(p_[ok] < 0.5, -t, t)
    return out


# Solved upper-tail t quantiles by (df, tail): small groups repeat the same few hundred pairs, and each
# solve costs tens of small array operations. Bounded so that a long-running process cannot grow it.
_T_SOLVED: dict[tuple[float, float], float] = {}
_T_SOLVED_MAX = 100_000


def _t_upper_inverse(v: FloatArray, q: FloatArray, t: FloatArray) -> FloatArray:
    """Solve S(t) = q for t > 0 by safeguarded Newton steps (see `t_quantile`)."""
    log_norm = np.asarray(_lgamma((v + 1) / 2) - _lgamma(v / 2), dtype=float) - 0.5 * np.log(v * math.pi)
    active = np.ones(t.shape, dtype=bool)
    for _ in range(200):
        tv, vv = t[active], v[active]
        t2 = tv * tv
        tail = 0.5 * _betainc(vv / 2, np.full(vv.shape, 0.5), vv / (vv + t2), t2 / (vv + t2))
        density = np.exp(log_norm[active] - (vv + 1) / 2 * np.log1p(tv * tv / vv))
        step = (tail - q[active]) / density
        new = np.maximum(tv + step, tv / 2)
        t[active] = new
        done = np.abs(new - tv) <= 1e-12 * new  # quadratic convergence: the next step is below rounding
        active[np.flatnonzero(active)[done]] = False
        if not active.any():
            break
    return t


def _betainc(a: FloatArray, b: FloatArray, x: FloatArray, y: FloatArray) -> FloatArray:
    """Regularised incomplete beta I_x(a, b), y = 1 − x given separately for precision near x = 1, by
    its continued fraction (A&S 26.5.8; modified Lentz), using I_x(a, b) = 1 − I_y(b, a) where the fraction
    converges slowly."""
    swap = x > (a + 1) / (a + b + 2)
    a, b, x, y = np.where(swap, b, a), np.where(swap, a, b), np.where(swap, y, x), np.where(swap, x, y)
    log_front = (
        np.asarray(_lgamma(a + b) - _lgamma(a) - _lgamma(b), dtype=float) + a * np.log(x) + b * np.log(y)
    )
    tiny = 1e-300
    c = np.ones_like(x)
    d = 1 - (a + b) * x / (a + 1)
    d = 1 / np.where(np.abs(d) < tiny, tiny, d)
    fraction = d.copy()
    for m in range(1, 400):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / np.where(np.abs(d) < tiny, tiny, d)
            c = 1 + numerator / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            delta = c * d
            fraction *= delta
        # a few units in the last place: a tolerance of 1e-16 is below double rounding, was often never
        # met and ran all 400 rounds (0.16 s of a small analysis) for no gain in accuracy
        if np.all(np.abs(delta - 1) < 1e-15):
            break
    value = np.exp(log_front) * fraction / a
    return np.where(swap, 1 - value, value)


def _z(confidence: ArrayLike) -> FloatArray:
    """Two-sided standard normal critical value; NaN for a confidence level outside (0, 1)."""
    c = np.asarray(confidence, dtype=float)
    ok = np.isfinite(c) & (c > 0) & (c < 1)
    return np.where(ok, normal_quantile(1 - (1 - np.where(ok, c, 0.5)) / 2), np.nan)


def _valid_counts(k: FloatArray, n: FloatArray) -> npt.NDArray[np.bool_]:
    return np.isfinite(k) & np.isfinite(n) & (n > 0) & (k >= 0) & (k <= n)


def wilson_interval(
    k: ArrayLike, n: ArrayLike, confidence: ArrayLike = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a proportion k/n, without continuity correction.

    With p = k/n and z the two-sided normal critical value, the limits are

        (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)

    (Wilson 1927; method 3 of Newcombe 1998), clipped to [0, 1] against rounding; the lower limit is
    exactly 0 when k = 0 and the upper exactly 1 when k = n.

    Parameters
    ----------
    k, n : array_like
        Number of events and number of trials; broadcast against each other. Non-integer counts are
        accepted (the formula does not need integers).
    confidence : array_like, default 0.95
        Two-sided confidence level, in (0, 1).

    Returns
    -------
    low, high : ndarray
        The limits; NaN where n <= 0, k < 0, k > n, or an input is not finite.
    """
    k_, n_, z = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(n, dtype=float), _z(confidence))
    ok = _valid_counts(k_, n_) & np.isfinite(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_ / n_
        z2 = z * z
        denom = 1 + z2 / n_
        centre = (p + z2 / (2 * n_)) / denom
        half = z * np.sqrt(p * (1 - p) / n_ + z2 / (4 * n_ * n_)) / denom
        # The limits are exactly 0 at k = 0 and exactly 1 at k = n; rounding can miss by an ulp.
        low = np.where(k_ == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k_ == n_, 1.0, np.clip(centre + half, 0.0, 1.0))
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def newcombe_interval(
    k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike, confidence: ArrayLike = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Confidence interval for p1 - p2 by Newcombe's hybrid score method (1998, method 10).

    With Wilson limits (l1, u1) for p1 = k1/n1 and (l2, u2) for p2 = k2/n2 at the same confidence level,

        low  = (p1 - p2) - sqrt((p1 - l1)² + (u2 - p2)²)
        high = (p1 - p2) + sqrt((u1 - p1)² + (p2 - l2)²)

    Parameters
    ----------
    k1, n1, k2, n2 : array_like
        Events and trials in the two groups; broadcast against each other.
    confidence : array_like, default 0.95
        Two-sided confidence level, in (0, 1).

    Returns
    -------
    low, high : ndarray
        The limits, within [-1, 1]; NaN where either proportion is invalid (see `wilson_interval`).
    """
    k1_, n1_, k2_, n2_ = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    l1, u1 = wilson_interval(k1_, n1_, confidence)
    l2, u2 = wilson_interval(k2_, n2_, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = k1_ / n1_
        p2 = k2_ / n2_
    # NaN from an invalid proportion propagates through the Wilson limits.
    diff = p1 - p2
    low = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def two_by_two_test(
    k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike
) -> tuple[FloatArray, npt.NDArray[np.object_]]:
    """Two-sided test of p1 = p2 in the 2×2 table [[k1, n1 - k1], [k2, n2 - k2]].

    Choice of test (Cochran's rule): Fisher's exact test (`scipy.stats.fisher_exact`, two-sided) when the
    smallest expected count under independence, min(n1, n2)·min(K, N - K)/N with K = k1 + k2 and
    N = n1 + n2, is below 5; otherwise Pearson's chi-square test without continuity correction,

        X² = N·(k1(n2 - k2) - k2(n1 - k1))² / (n1·n2·K·(N - K)),  p = P(χ²₁ > X²).

    Parameters
    ----------
    k1, n1, k2, n2 : array_like
        Events and trials in the two groups; broadcast against each other. Must be whole numbers.

    Returns
    -------
    p : ndarray of float
        Two-sided p-values; NaN where no test is possible.
    test : ndarray of object
        ``"fisher"``, ``"chi2"`` or ``"none"`` per element. ``"none"`` (with p NaN) when a row or column
        margin is zero, or a count is invalid (negative, k > n, not a whole number, not finite).
    """
    k1_, n1_, k2_, n2_ = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (k1, n1, k2, n2)))
    whole = np.all([np.isfinite(a) & (a == np.round(a)) for a in (k1_, n1_, k2_, n2_)], axis=0)
    total = n1_ + n2_
    events = k1_ + k2_
    non_events = total - events
    ok = (
        whole
        & (k1_ >= 0)
        & (k2_ >= 0)
        & (k1_ <= n1_)
        & (k2_ <= n2_)
        & (n1_ > 0)
        & (n2_ > 0)
        & (events > 0)
        & (non_events > 0)
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        min_expected = np.minimum(n1_, n2_) * np.minimum(events, non_events) / total
        cross = k1_ * (n2_ - k2_) - k2_ * (n1_ - k1_)
        x2 = total * cross * cross / (n1_ * n2_ * events * non_events)
    use_fisher = ok & (min_expected < 5)
    use_chi2 = ok & ~use_fisher
    p = np.full(k1_.shape, np.nan)
    p[use_chi2] = chi2_1_sf(x2[use_chi2])
    for i in np.flatnonzero(use_fisher):  # flat indices also work for 0-d (scalar) input
        a, n_a, c, n_c = (int(arr.flat[i]) for arr in (k1_, n1_, k2_, n2_))
        p.flat[i] = fisher_exact_two_sided(a, n_a, c, n_c)
    test = np.full(k1_.shape, "none", dtype=object)
    test[use_fisher] = "fisher"
    test[use_chi2] = "chi2"
    return p, test


def fisher_exact_two_sided(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided Fisher exact p for [[k1, n1 − k1], [k2, n2 − k2]], as `scipy.stats.fisher_exact`.

    Sums the hypergeometric probabilities (fixed margins) of all tables no more likely than the one
    observed, with scipy's relative tolerance of 1e-7 for ties. Written with `math.lgamma` because
    importing `scipy.stats` alone takes longer than a whole analysis.
    """
    total, events = n1 + n2, k1 + k2
    low, high = max(0, events - n2), min(events, n1)
    x = np.arange(low, high + 1)
    log_p = _log_choose(events, x) + _log_choose(total - events, n1 - x) - _log_choose(total, n1)
    probabilities = np.exp(log_p)
    observed = probabilities[k1 - low]
    return float(min(1.0, probabilities[probabilities <= observed * (1 + 1e-7)].sum()))


def _log_choose(n: Any, k: Any) -> Any:
    n_, k_ = np.asarray(n, dtype=float), np.asarray(k, dtype=float)
    return np.asarray(_lgamma(n_ + 1) - _lgamma(k_ + 1) - _lgamma(n_ - k_ + 1), dtype=float)


def mean_interval(
    n: ArrayLike, mean: ArrayLike, sd: ArrayLike, confidence: ArrayLike = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Student t confidence interval for a mean: mean ± t_{(1+c)/2, n-1} · sd/√n.

    Parameters
    ----------
    n, mean, sd : array_like
        Sample size, sample mean and sample standard deviation (denominator n - 1); broadcast.
    confidence : array_like, default 0.95
        Two-sided confidence level, in (0, 1).

    Returns
    -------
    low, high : ndarray
        The limits; NaN where n < 2, sd < 0, or an input is not finite.
    """
    n_, m_, s_, c_ = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (n, mean, sd, confidence)))
    ok = (
        np.isfinite(n_)
        & np.isfinite(m_)
        & np.isfinite(s_)
        & (n_ >= 2)
        & (s_ >= 0)
        & np.isfinite(c_)
        & (c_ > 0)
        & (c_ < 1)
    )
    df = np.where(ok, n_ - 1, 1.0)
    tail = np.where(ok, (1 - c_) / 2, 0.025)
    t = t_quantile(df, 1 - tail)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = t * s_ / np.sqrt(np.where(ok, n_, 1.0))
    return np.where(ok, m_ - half, np.nan), np.where(ok, m_ + half, np.nan)


def smd(
    mean1: ArrayLike, sd1: ArrayLike, n1: ArrayLike, mean2: ArrayLike, sd2: ArrayLike, n2: ArrayLike
) -> FloatArray:
    """Standardised mean difference (Cohen's d, Cohen 1988) with the pooled standard deviation.

        d = (mean1 - mean2) / s_p,  s_p² = ((n1 - 1)·sd1² + (n2 - 1)·sd2²) / (n1 + n2 - 2)

    No small-sample (Hedges) correction. A group of size 1 contributes nothing to s_p, whatever its sd
    (which may be NaN).

    Parameters
    ----------
    mean1, sd1, n1, mean2, sd2, n2 : array_like
        Mean, sample standard deviation and size of each group; broadcast.

    Returns
    -------
    ndarray
        d; NaN where n1 < 1, n2 < 1, n1 + n2 < 3, s_p is 0 or not finite, or a mean is not finite.
    """
    m1, s1, k1, m2, s2, k2 = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (mean1, sd1, n1, mean2, sd2, n2))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ss1 = np.where(k1 == 1, 0.0, (k1 - 1) * s1 * s1)
        ss2 = np.where(k2 == 1, 0.0, (k2 - 1) * s2 * s2)
        pooled = np.sqrt((ss1 + ss2) / (k1 + k2 - 2))
        d = (m1 - m2) / pooled
    ok = (
        np.isfinite(k1)
        & np.isfinite(k2)
        & (k1 >= 1)
        & (k2 >= 1)
        & (k1 + k2 >= 3)
        & np.isfinite(pooled)
        & (pooled > 0)
        & np.isfinite(m1)
        & np.isfinite(m2)
        & (np.where(k1 > 1, s1, 0.0) >= 0)
        & (np.where(k2 > 1, s2, 0.0) >= 0)
    )
    return np.where(ok, d, np.nan)


def benjamini_hochberg(p: ArrayLike) -> FloatArray:
    """Benjamini-Hochberg (1995) adjusted p-values (false discovery rate, step-up).

    With the m valid p-values sorted, p_(1) <= ... <= p_(m), the adjusted value of p_(i) is
    min(1, min_{j >= i} m·p_(j)/j), so adjusted values are monotone in the raw ones.

    Parameters
    ----------
    p : array_like
        Raw p-values, any shape. NaN (and anything outside [0, 1]) is left out: it does not count in m and
        stays NaN.

    Returns
    -------
    ndarray
        Adjusted p-values, same shape as `p`.
    """
    raw = np.asarray(p, dtype=float)
    out = np.full(raw.shape, np.nan)
    valid = np.isfinite(raw) & (raw >= 0) & (raw <= 1)
    values = raw[valid]
    m = values.size
    if m == 0:
        return out
    order = np.argsort(values, kind="stable")
    # p / (i/m) rather than p·m/i: with i/m <= 1 the result never rounds below p.
    scaled = values[order] / (np.arange(1, m + 1) / m)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    result = np.empty(m)
    result[order] = adjusted
    out[valid] = result
    return out


# --- grouped statistics from value-count tables -------------------------------------------------------


def _prepare(table: pl.DataFrame, by: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Clean value-count rows and the list of groups (all groups in `table`, sorted)."""
    keys = list(by) if by else [_KEY]
    if not by:
        table = table.with_columns(pl.lit(0, dtype=pl.Int8).alias(_KEY))
    groups = table.select(keys).unique().sort(keys, nulls_last=True)
    rows = (
        table.select(
            *keys,
            pl.col("sex").cast(pl.String),
            pl.col("value").cast(pl.Float64),
            pl.col("count").cast(pl.Int64),
        )
        .filter(
            pl.col("sex").is_in(SEXES),
            pl.col("count") > 0,
            pl.col("value").is_finite(),
        )
        .group_by([*keys, "sex", "value"])
        .agg(pl.col("count").sum())
    )
    return rows, groups, keys


def _finish(result: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return result if by else result.drop(_KEY)


def median_interval_ranks(n: ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The 1-based ranks (j, k) of the order statistics that bound the 95 % interval of a median of n
    values (see `grouped_medians`): j = max(1, ⌊n/2 − 1.96·√n/2⌋), k = min(n, ⌈1 + n/2 + 1.96·√n/2⌉)."""
    n_ = np.asarray(n, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        half_width = _MEDIAN_Z * np.sqrt(n_) / 2
        j = np.maximum(1, np.floor(n_ / 2 - half_width)).astype(np.int64)
        k = np.minimum(n_, np.ceil(1 + n_ / 2 + half_width)).astype(np.int64)
    return j, k


def median_interval_shows_no_one(n: ArrayLike, outside: int) -> npt.NDArray[np.bool_]:
    """Whether the median interval of a group of n may be published: at least `outside` persons rank
    below its lower bound x_(j) and at least `outside` above its upper bound x_(k), i.e. j − 1 ≥ outside
    and n − k ≥ outside. A bound at rank 1 or n is the group's smallest or largest value, one person's
    value; with `outside` = min_cell a bound can equal the smallest (largest) value only when more than
    min_cell persons hold that value. For min_cell = 5 the interval is published from n = 21."""
    n_ = np.asarray(n, dtype=np.int64)
    j, k = median_interval_ranks(n_)
    return np.asarray((j - 1 >= outside) & (n_ - k >= outside), dtype=bool)


def grouped_medians(table: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Median per group and sex, with a distribution-free 95 % confidence interval, from value counts.

    With x_(1) <= ... <= x_(n) the sorted sample of a group and sex:

    - median: (x_(⌊(n+1)/2⌋) + x_(⌊n/2⌋+1)) / 2, i.e. the middle value for odd n and the average of the two
      middle values for even n (as `numpy.median`);
    - 95 % interval [x_(j), x_(k)] (1-based) with

          j = max(1, ⌊n/2 - 1.96·√n/2⌋),   k = min(n, ⌈1 + n/2 + 1.96·√n/2⌉),

      the normal approximation to the binomial(n, ½) distribution of the number of observations below the
      median (Conover 1999, §3.2; the limits of Campbell & Gardner 1988, here rounded outwards rather than
      to the nearest integer). The rank expressions are evaluated in double precision with z = 1.96.
    - The bounds are NaN when n < 6 (`MEDIAN_CI_MIN_N`): for n <= 5 even [x_(1), x_(n)] covers the median
      with probability 1 - 2·0.5ⁿ < 0.95, so no interval between order statistics reaches 95 %.

    Parameters
    ----------
    table : polars.DataFrame
        Value-count table (see the module docstring): columns `by`, ``sex``, ``value``, ``count``.
    by : list of str
        Grouping columns; ``[]`` treats the whole table as one group.

    Returns
    -------
    polars.DataFrame
        Columns ``by + ["sex", "n", "median", "median_low", "median_high"]``, one row per group in `table`
        (sorted by `by`, nulls last) and sex (``"female"``, ``"male"``). A sex without rows in a group has
        n = 0 and NaN median and bounds.
    """
    rows, groups, keys = _prepare(table, by)
    cells = [*keys, "sex"]
    rows = rows.sort([*cells, "value"]).with_columns(cum=pl.col("count").cum_sum().over(cells))
    sizes = rows.group_by(cells).agg(n=pl.col("count").sum())
    n = sizes["n"].to_numpy().astype(np.int64)
    j, k = median_interval_ranks(n)
    sizes = sizes.with_columns(
        pos_lo=pl.Series((n + 1) // 2),
        pos_hi=pl.Series(n // 2 + 1),
        pos_j=pl.Series(j),
        pos_k=pl.Series(k),
    )

    def order_stat(position: str) -> pl.Expr:
        # x_(r) = smallest value whose cumulative count reaches r.
        return pl.col("value").filter(pl.col("cum") >= pl.col(position)).min()

    stats = (
        rows.join(sizes, on=cells, how="inner", nulls_equal=True)
        .group_by(cells)
        .agg(
            pl.col("n").first(),
            ((order_stat("pos_lo") + order_stat("pos_hi")) / 2).alias("median"),
            order_stat("pos_j").alias("median_low"),
            order_stat("pos_k").alias("median_high"),
        )
        .with_columns(
            pl.when(pl.col("n") >= MEDIAN_CI_MIN_N).then(pl.col(c)).otherwise(float("nan")).alias(c)
            for c in ("median_low", "median_high")
        )
    )
    sexes = pl.DataFrame({"sex": list(SEXES)})
    result = (
        groups.join(sexes, how="cross")
        .join(stats, on=cells, how="left", nulls_equal=True, maintain_order="left")
        .with_columns(
            pl.col("n").fill_null(0).cast(pl.Int64),
            *(
                pl.col(c).cast(pl.Float64).fill_null(float("nan"))
                for c in ("median", "median_low", "median_high")
            ),
        )
        .select(*cells, "n", "median", "median_low", "median_high")
    )
    return _finish(result, by)


def grouped_mann_whitney(table: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Mann-Whitney U test, women (girls) against men (boys), per group, from value counts.

    Ranks come from the pooled value counts of the group: a value v held by c_v people of either sex gets
    the average rank (number of pooled values below v) + (c_v + 1)/2. Then (Mann & Whitney 1947)

        U = R_female - n_f(n_f + 1)/2,
        σ² = n_f·n_m/12 · ((n + 1) - Σ(c_v³ - c_v) / (n(n - 1)))       (tie correction),
        z = (max(U, n_f·n_m - U) - n_f·n_m/2 - 0.5) / σ                 (continuity correction),
        p = min(1, 2·Φ(-z)),

    which is `scipy.stats.mannwhitneyu(x_female, x_male, method="asymptotic", use_continuity=True,
    alternative="two-sided")`.

    Parameters
    ----------
    table : polars.DataFrame
        Value-count table (see the module docstring): columns `by`, ``sex``, ``value``, ``count``.
    by : list of str
        Grouping columns; ``[]`` treats the whole table as one group.

    Returns
    -------
    polars.DataFrame
        Columns ``by + ["n_female", "n_male", "u", "p_value"]``, one row per group in `table` (sorted by
        `by`, nulls last). `u` and `p_value` are NaN when either sample is empty; `p_value` is NaN when all
        values in the group are tied (σ = 0).
    """
    rows, groups, keys = _prepare(table, by)
    pooled = (
        rows.group_by([*keys, "value"])
        .agg(
            c=pl.col("count").sum(),
            c_f=pl.col("count").filter(pl.col("sex") == "female").sum(),
        )
        .sort([*keys, "value"])
        .with_columns(
            rank=(pl.col("c").cum_sum().over(keys) - pl.col("c")).cast(pl.Float64)
            + (pl.col("c").cast(pl.Float64) + 1) / 2
        )
    )
    per_group = pooled.group_by(keys).agg(
        n=pl.col("c").sum(),
        n_female=pl.col("c_f").sum(),
        r_female=(pl.col("c_f").cast(pl.Float64) * pl.col("rank")).sum(),
        ties=(pl.col("c").cast(pl.Float64) ** 3 - pl.col("c").cast(pl.Float64)).sum(),
        distinct=pl.len(),
    )
    per_group = groups.join(
        per_group, on=keys, how="left", nulls_equal=True, maintain_order="left"
    ).with_columns(
        pl.col("n", "n_female", "distinct").fill_null(0).cast(pl.Int64),
        pl.col("r_female", "ties").fill_null(0.0),
    )
    n = per_group["n"].to_numpy().astype(float)
    n1 = per_group["n_female"].to_numpy().astype(float)
    n2 = n - n1
    r1 = per_group["r_female"].to_numpy()
    ties = per_group["ties"].to_numpy()
    both = (n1 > 0) & (n2 > 0)
    testable = both & (per_group["distinct"].to_numpy() > 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        u1 = r1 - n1 * (n1 + 1) / 2
        u = np.maximum(u1, n1 * n2 - u1)
        s = np.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
        z = (u - n1 * n2 / 2 - 0.5) / s
        p = np.clip(2 * normal_sf(z), 0.0, 1.0)
    result = per_group.select(
        *keys,
        pl.col("n_female"),
        (pl.col("n") - pl.col("n_female")).alias("n_male"),
        pl.Series("u", np.where(both, u1, np.nan)),
        pl.Series("p_value", np.where(testable, p, np.nan)),
    )
    return _finish(result, by)
