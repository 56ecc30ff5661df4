"""Statistics: worked examples with their answers written down, and property tests against scipy/statsmodels."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from scipy.stats.contingency import expected_freq
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from oppnaogon.stats.compare import (
    MEDIAN_CI_MIN_N,
    T_EXPANSION_MIN_DF,
    benjamini_hochberg,
    chi2_1_sf,
    chi2_sf,
    grouped_mann_whitney,
    grouped_medians,
    mean_interval,
    newcombe_interval,
    normal_quantile,
    normal_sf,
    smd,
    t_quantile,
    two_by_two_test,
    wilson_interval,
)

PROPERTY = settings(max_examples=100, deadline=None)


@st.composite
def proportions(draw: st.DrawFn, max_n: int = 500) -> tuple[int, int]:
    n = draw(st.integers(1, max_n))
    return draw(st.integers(0, n)), n


# --- Wilson -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998), Two-sided confidence intervals for the single proportion, Stat Med 17:857, method 3.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_published(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_wilson_edges_and_broadcasting() -> None:
    lo, hi = wilson_interval([0, 10, 0, 5, -1, 3], [10, 10, 0, 4, 10, np.nan])
    assert lo.shape == (6,)
    assert lo[0] == 0.0 and hi[0] == pytest.approx(0.2775328, abs=1e-7)  # k = 0
    assert hi[1] == 1.0 and lo[1] == pytest.approx(1 - 0.2775328, abs=1e-7)  # k = n
    assert np.isnan(lo[2:]).all() and np.isnan(hi[2:]).all()  # n = 0, k > n, k < 0, n NaN
    lo, hi = wilson_interval(np.array([[1], [2]]), np.array([10, 20, 30]))
    assert lo.shape == (2, 3)
    lo, hi = wilson_interval(5, 10, [0.0, 1.0, 0.9])
    assert np.isnan(lo[:2]).all() and np.isnan(hi[:2]).all()
    assert lo[2] < 0.5 < hi[2]


@PROPERTY
@given(kn=proportions(), confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_matches_statsmodels(kn: tuple[int, int], confidence: float) -> None:
    k, n = kn
    lo, hi = wilson_interval(k, n, confidence)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert lo == pytest.approx(ref_lo, abs=1e-12)
    assert hi == pytest.approx(ref_hi, abs=1e-12)


# --- Newcombe ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [
        # Newcombe (1998), Interval estimation for the difference between independent proportions,
        # Stat Med 17:873, Table II, method 10.
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0),
        (10, 10, 0, 10, 0.6075, 1.0),
    ],
)
def test_newcombe_published(k1: int, n1: int, k2: int, n2: int, low: float, high: float) -> None:
    lo, hi = newcombe_interval(k1, n1, k2, n2)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)
    ref = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    assert (lo, hi) == pytest.approx(ref, abs=1e-12)


def test_newcombe_invalid() -> None:
    lo, hi = newcombe_interval([5, 5, 5], [0, 10, 10], [1, 11, 1], [10, 10, 0])
    assert np.isnan(lo).all() and np.isnan(hi).all()


@PROPERTY
@given(a=proportions(), b=proportions(), confidence=st.sampled_from([0.9, 0.95, 0.99]))
def test_newcombe_matches_statsmodels(a: tuple[int, int], b: tuple[int, int], confidence: float) -> None:
    lo, hi = newcombe_interval(a[0], a[1], b[0], b[1], confidence)
    ref_lo, ref_hi = confint_proportions_2indep(
        a[0], a[1], b[0], b[1], method="newcomb", compare="diff", alpha=1 - confidence
    )
    assert lo == pytest.approx(ref_lo, abs=1e-12)
    assert hi == pytest.approx(ref_hi, abs=1e-12)
    assert -1 <= lo <= a[0] / a[1] - b[0] / b[1] <= hi <= 1


# --- 2×2 tests --------------------------------------------------------------------------------------------


def test_two_by_two_worked_examples() -> None:
    p, test = two_by_two_test(
        [3, 3, 1, 0, 5, 0, 3], [4, 10, 10, 0, 5, 5, 2], [1, 7, 11, 1, 5, 0, 1], [4, 10, 14, 4, 5, 5, 4]
    )
    # [[3, 1], [1, 3]]: Fisher's tea-tasting table, expected 2 < 5; p = 34/70.
    assert test[0] == "fisher" and p[0] == pytest.approx(34 / 70, rel=1e-12)
    # [[3, 7], [7, 3]]: expected 5 (not below 5) -> chi-square, X² = 20·40²/10⁴ = 3.2.
    assert test[1] == "chi2" and p[1] == pytest.approx(0.0736382701, rel=1e-9)
    assert p[1] == pytest.approx(sps.chi2.sf(3.2, 1), rel=1e-12)
    # [[1, 9], [11, 3]]: expected exactly 5 -> chi-square, X² = 24·96²/(10·14·12·12) = 10.9714...
    assert test[2] == "chi2" and p[2] == pytest.approx(0.000925274037, rel=1e-9)
    assert p[2] == pytest.approx(sps.chi2_contingency([[1, 9], [11, 3]], correction=False).pvalue, rel=1e-12)
    # n1 = 0, no non-events, no events: a margin is zero.
    assert list(test[3:6]) == ["none", "none", "none"] and np.isnan(p[3:6]).all()
    # k > n is invalid.
    assert test[6] == "none" and np.isnan(p[6])
    # a small table goes to Fisher
    p, test = two_by_two_test(1, 5, 4, 6)
    assert test == "fisher" and p == pytest.approx(sps.fisher_exact([[1, 4], [4, 2]]).pvalue, rel=1e-12)
    assert p.shape == ()
    p, test = two_by_two_test(1.5, 5, 4, 6)
    assert test == "none" and np.isnan(p)


@pytest.mark.slow
@PROPERTY
@given(
    tables=st.lists(st.tuples(proportions(max_n=60), proportions(max_n=60)), min_size=1, max_size=8),
)
def test_two_by_two_matches_scipy(tables: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    k1, n1, k2, n2 = (np.array(x) for x in zip(*[(a[0], a[1], b[0], b[1]) for a, b in tables], strict=True))
    p, test = two_by_two_test(k1, n1, k2, n2)
    for i in range(len(tables)):
        table = np.array([[k1[i], n1[i] - k1[i]], [k2[i], n2[i] - k2[i]]])
        if (table.sum(axis=0) == 0).any():
            assert test[i] == "none" and np.isnan(p[i])
        elif expected_freq(table).min() < 5:
            assert test[i] == "fisher"
            assert p[i] == pytest.approx(sps.fisher_exact(table, alternative="two-sided").pvalue, rel=1e-12)
        else:
            assert test[i] == "chi2"
            ref = sps.chi2_contingency(table, correction=False).pvalue
            assert p[i] == pytest.approx(ref, rel=1e-9, abs=1e-300)


# --- mean interval and SMD --------------------------------------------------------------------------------


def test_mean_interval_worked_example_and_edges() -> None:
    lo, hi = mean_interval([10, 1, 0, 10, 2], [5, 5, 5, 5, 1], [2, 2, 2, -1, 0])
    # t_{0.975, 9} = 2.2621571628; half-width 2.2621571628·2/√10 = 1.4307138.
    assert lo[0] == pytest.approx(3.569286188, abs=1e-9) and hi[0] == pytest.approx(6.430713812, abs=1e-9)
    assert np.isnan(lo[1:4]).all() and np.isnan(hi[1:4]).all()  # n < 2, n = 0, sd < 0
    assert lo[4] == hi[4] == 1.0  # sd = 0


@PROPERTY
@given(
    n=st.integers(2, 10_000),
    mean=st.floats(-1e6, 1e6),
    sd=st.one_of(st.just(0.0), st.floats(1e-6, 1e4)),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_mean_interval_matches_scipy(n: int, mean: float, sd: float, confidence: float) -> None:
    lo, hi = mean_interval(n, mean, sd, confidence)
    if sd == 0:
        assert lo == hi == mean
        return
    ref_lo, ref_hi = sps.t.interval(confidence, n - 1, loc=mean, scale=sd / math.sqrt(n))
    assert lo == pytest.approx(ref_lo, rel=1e-9, abs=1e-9)
    assert hi == pytest.approx(ref_hi, rel=1e-9, abs=1e-9)


def test_smd_worked_example_and_edges() -> None:
    # s_p² = (9·4 + 29·16)/38 = 500/38, d = 2/√(500/38) = 0.55136195.
    assert smd(10, 2, 10, 8, 4, 30) == pytest.approx(2 / math.sqrt(500 / 38), rel=1e-12)
    assert smd(10, 2, 10, 8, 4, 30) == pytest.approx(0.5513619501, rel=1e-9)
    d = smd(
        [1, 1, 1, 1, 1],
        [1, 0, 1, np.nan, 1],
        [0, 5, 1, 1, 1],
        [0, 0, 0, 0, 0],
        [1, 0, 1, 2, 1],
        [5, 5, 1, 5, 2],
    )
    assert np.isnan(d[0]) and np.isnan(d[1]) and np.isnan(d[2])  # n = 0; s_p = 0; n1 + n2 = 2
    assert d[3] == pytest.approx(0.5)  # a group of one contributes nothing to s_p
    assert d[4] == pytest.approx(1.0)


@PROPERTY
@given(
    x=st.lists(st.integers(-50, 50), min_size=2, max_size=40),
    y=st.lists(st.integers(-50, 50), min_size=2, max_size=40),
)
def test_smd_matches_raw_samples(x: list[int], y: list[int]) -> None:
    a, b = np.array(x, dtype=float), np.array(y, dtype=float)
    pooled = np.concatenate([a - a.mean(), b - b.mean()])
    s_p = math.sqrt((pooled**2).sum() / (a.size + b.size - 2))
    d = smd(a.mean(), a.std(ddof=1), a.size, b.mean(), b.std(ddof=1), b.size)
    if s_p == 0:
        assert np.isnan(d)
    else:
        assert d == pytest.approx((a.mean() - b.mean()) / s_p, rel=1e-9, abs=1e-12)


# --- Benjamini-Hochberg -----------------------------------------------------------------------------------


def test_benjamini_hochberg_worked_example() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 -> 4p/i = 0.02, 0.02, 0.04, 0.04.
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # step-up: 0.02·3/1 = 0.06 is lowered to min(0.06, 0.045·3/2, 0.05) = 0.05.
    out = benjamini_hochberg([0.02, np.nan, 0.045, 0.05, np.nan])
    assert out[[0, 2, 3]] == pytest.approx([0.05, 0.05, 0.05])
    assert np.isnan(out[[1, 4]]).all()
    assert benjamini_hochberg([0.9, 0.8]) == pytest.approx([0.9, 0.9])
    assert benjamini_hochberg([0.6, 0.7, 0.9]).max() <= 1
    assert benjamini_hochberg([0.5, 0.9, 0.9, 0.9])[0] == 0.9  # capped via monotonicity, not above 1
    assert np.isnan(benjamini_hochberg([np.nan, np.nan])).all()
    assert benjamini_hochberg([]).shape == (0,)
    assert benjamini_hochberg(np.array([[0.01, 0.02], [0.03, np.nan]])).shape == (2, 2)


@PROPERTY
@given(
    p=st.lists(
        st.one_of(st.floats(0, 1), st.just(float("nan")), st.sampled_from([0.0, 0.01, 0.05, 1.0])),
        min_size=1,
        max_size=60,
    )
)
def test_benjamini_hochberg_matches_statsmodels(p: list[float]) -> None:
    raw = np.array(p)
    out = benjamini_hochberg(raw)
    valid = ~np.isnan(raw)
    assert np.isnan(out[~valid]).all()
    if valid.any():
        ref = multipletests(raw[valid], method="fdr_bh")[1]
        assert out[valid] == pytest.approx(ref, rel=1e-12, abs=1e-15)
        assert (out[valid] >= raw[valid]).all() and (out[valid] <= 1).all()


# --- grouped statistics from value-count tables -----------------------------------------------------------


def _table(rows: list[tuple[object, str, float, int]], key: str = "g") -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={key: pl.Int64, "sex": pl.String, "value": pl.Float64, "count": pl.Int64},
        orient="row",
    )


def _sample(rows: list[tuple[object, str, float, int]], group: object, sex: str) -> np.ndarray:
    return np.sort(
        np.array([v for g, s, v, c in rows for _ in range(c) if g == group and s == sex], dtype=float)
    )


def _ci_ranks(n: int) -> tuple[int, int]:
    half = 1.96 * math.sqrt(n) / 2
    return max(1, math.floor(n / 2 - half)), min(n, math.ceil(1 + n / 2 + half))


@st.composite
def value_count_tables(draw: st.DrawFn) -> list[tuple[object, str, float, int]]:
    rows: list[tuple[object, str, float, int]] = []
    for group in range(draw(st.integers(1, 4))):
        for sex in ("female", "male", "unknown"):
            values = draw(st.sets(st.integers(0, 12), max_size=8))
            scale = draw(st.sampled_from([1.0, 0.5, 2.5]))
            rows += [(group, sex, v * scale, draw(st.integers(1, 9))) for v in values]
    order = draw(st.permutations(range(len(rows))))
    return [rows[i] for i in order]


def test_grouped_medians_worked_example() -> None:
    rows = [
        # g=1 female: 1,1,1,3,3,3,3,3 (n = 8): median (3+3)/2, j = ⌊4 - 2.77⌋ = 1, k = min(8, ⌈7.77⌉) = 8.
        (1, "female", 1.0, 3),
        (1, "female", 3.0, 5),
        # g=1 male: 2,2,4,4 (n = 4 < 6): median 3, no interval.
        (1, "male", 4.0, 2),
        (1, "male", 2.0, 2),
        # g=2 female: 1..6 (n = 6, the smallest n with an interval): median 3.5, [x_(1), x_(6)].
        *[(2, "female", float(v), 1) for v in range(1, 7)],
        (2, "female", 99.0, 0),  # count 0 is ignored
        (2, "other", 5.0, 1),  # another sex is ignored
    ]
    out = grouped_medians(_table(rows), ["g"])
    assert out.columns == ["g", "sex", "n", "median", "median_low", "median_high"]
    assert _rows_equal_nan(
        out.rows(),
        [
            (1, "female", 8, 3.0, 1.0, 3.0),
            (1, "male", 4, 3.0, math.nan, math.nan),
            (2, "female", 6, 3.5, 1.0, 6.0),
            (2, "male", 0, math.nan, math.nan, math.nan),
        ],
    )
    # n = 100: j = ⌊50 - 9.8⌋ = 40, k = ⌈60.8⌉ = 61 (Campbell & Gardner's rounding would give 40 and 61 too).
    big = grouped_medians(_table([(0, "male", float(v), 1) for v in range(1, 101)]), ["g"])
    assert big.filter(sex="male").select("median", "median_low", "median_high").row(0) == (50.5, 40.0, 61.0)
    assert MEDIAN_CI_MIN_N == 6


def _rows_equal_nan(got: list[tuple[object, ...]], expected: list[tuple[object, ...]]) -> bool:
    def same(a: object, b: object) -> bool:
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return a == b

    return len(got) == len(expected) and all(
        len(r) == len(e) and all(same(a, b) for a, b in zip(r, e, strict=True))
        for r, e in zip(got, expected, strict=True)
    )


def test_grouped_medians_single_group_ties_and_duplicates() -> None:
    rows = [(0, "female", 7.0, 4), (0, "female", 7.0, 5), (0, "male", 2.0, 1)]  # duplicate rows add up
    out = grouped_medians(_table(rows), [])
    assert out.columns == ["sex", "n", "median", "median_low", "median_high"]
    assert _rows_equal_nan(out.rows(), [("female", 9, 7.0, 7.0, 7.0), ("male", 1, 2.0, math.nan, math.nan)])


def test_grouped_medians_two_keys_with_null() -> None:
    table = pl.DataFrame(
        {
            "kommun": ["A", "A", None, None],
            "år": [2024, 2024, 2024, 2024],
            "sex": ["female", "male", "female", "female"],
            "value": [1.0, 2.0, 5.0, 6.0],
            "count": [1, 1, 1, 1],
        }
    )
    out = grouped_medians(table, ["kommun", "år"])
    assert _rows_equal_nan(
        out.select("kommun", "sex", "n", "median").rows(),
        [
            ("A", "female", 1, 1.0),
            ("A", "male", 1, 2.0),
            (None, "female", 2, 5.5),
            (None, "male", 0, math.nan),
        ],
    )
    mw = grouped_mann_whitney(table, ["kommun", "år"])
    assert mw.select("kommun", "n_female", "n_male").rows() == [("A", 1, 1), (None, 2, 0)]


@pytest.mark.slow
@PROPERTY
@given(rows=value_count_tables())
def test_grouped_medians_match_raw_samples(rows: list[tuple[object, str, float, int]]) -> None:
    out = grouped_medians(_table(rows), ["g"])
    groups = sorted({g for g, *_ in rows})
    assert out.select("g", "sex").rows() == [(g, s) for g in groups for s in ("female", "male")]
    for g, sex, n, median, low, high in out.iter_rows():
        x = _sample(rows, g, sex)
        assert n == x.size
        if n == 0:
            assert math.isnan(median) and math.isnan(low) and math.isnan(high)
            continue
        assert median == np.median(x)
        if n < MEDIAN_CI_MIN_N:
            assert math.isnan(low) and math.isnan(high)
        else:
            j, k = _ci_ranks(n)
            assert (low, high) == (x[j - 1], x[k - 1])
            assert low <= median <= high


def test_grouped_mann_whitney_worked_example_and_edges() -> None:
    rows = [
        # g=1: female 1,1,1,3,3,3,3,3; male 2,2,4,4.
        (1, "female", 1.0, 3),
        (1, "female", 3.0, 5),
        (1, "male", 2.0, 2),
        (1, "male", 4.0, 2),
        # g=2: all values tied.
        (2, "female", 5.0, 3),
        (2, "male", 5.0, 4),
        # g=3: no men.
        (3, "female", 1.0, 2),
    ]
    out = grouped_mann_whitney(_table(rows), ["g"])
    assert out.columns == ["g", "n_female", "n_male", "u", "p_value"]
    # pooled ranks: 1 -> 2, 2 -> 4.5, 3 -> 8, 4 -> 11.5; R_f = 3·2 + 5·8 = 46, U = 46 - 36 = 10.
    g1 = out.row(0)
    assert g1[:4] == (1, 8, 4, 10.0)
    ref = sps.mannwhitneyu([1, 1, 1, 3, 3, 3, 3, 3], [2, 2, 4, 4], method="asymptotic")
    assert ref.statistic == 10.0
    assert g1[4] == pytest.approx(ref.pvalue, abs=1e-12)
    # σ² = 32/12·(13 - (24 + 2·6 + 120)/132) = 32/12·(13 - 156/132); z = (22 - 16 - 0.5)/σ.
    sigma = math.sqrt(32 / 12 * (13 - 156 / 132))
    assert g1[4] == pytest.approx(math.erfc((22 - 16 - 0.5) / sigma / math.sqrt(2)), abs=1e-12)
    assert out.row(1)[:4] == (2, 3, 4, 6.0) and math.isnan(out.row(1)[4])  # all tied: no test
    assert out.row(2)[:3] == (3, 2, 0) and math.isnan(out.row(2)[3]) and math.isnan(out.row(2)[4])


def test_grouped_mann_whitney_single_group() -> None:
    rows = [(0, "female", float(v), 1) for v in (1, 5, 9, 12)] + [(0, "male", float(v), 1) for v in (2, 3, 4)]
    out = grouped_mann_whitney(_table(rows), [])
    assert out.columns == ["n_female", "n_male", "u", "p_value"]
    ref = sps.mannwhitneyu([1, 5, 9, 12], [2, 3, 4], method="asymptotic", use_continuity=True)
    assert out.row(0) == pytest.approx((4, 3, ref.statistic, ref.pvalue), abs=1e-12)
    assert out["u"][0] == 9.0


@pytest.mark.slow
@PROPERTY
@given(rows=value_count_tables())
def test_grouped_mann_whitney_matches_scipy(rows: list[tuple[object, str, float, int]]) -> None:
    out = grouped_mann_whitney(_table(rows), ["g"])
    assert out["g"].to_list() == sorted({g for g, *_ in rows})
    for g, n_female, n_male, u, p in out.iter_rows():
        x, y = _sample(rows, g, "female"), _sample(rows, g, "male")
        assert (n_female, n_male) == (x.size, y.size)
        if x.size == 0 or y.size == 0:
            assert math.isnan(u) and math.isnan(p)
            continue
        ref = sps.mannwhitneyu(x, y, method="asymptotic", use_continuity=True, alternative="two-sided")
        assert u == ref.statistic
        if np.unique(np.concatenate([x, y])).size == 1:
            assert math.isnan(p)  # scipy reports 1.0 here; with no variation there is no test
        else:
            assert p == pytest.approx(ref.pvalue, abs=1e-9)


# --- distribution functions without scipy ----------------------------------------------------------------


def test_normal_and_chi_square_tails_match_scipy() -> None:
    z = np.array([-8.0, -1.96, 0.0, 0.5, 1.959964, 3.0, 10.0, 40.0])
    np.testing.assert_allclose(normal_sf(z), sps.norm.sf(z), rtol=1e-13, atol=1e-300)
    x = np.array([0.0, 1e-6, 0.5, 3.841459, 10.0, 100.0, 700.0])
    np.testing.assert_allclose(chi2_1_sf(x), sps.chi2.sf(x, 1), rtol=1e-12, atol=1e-300)
    p = np.array([1e-12, 0.025, 0.5, 0.975, 0.995, 1 - 1e-9])
    np.testing.assert_allclose(normal_quantile(p), sps.norm.ppf(p), rtol=1e-12)
    assert math.isnan(float(normal_sf(np.nan))) and math.isnan(float(chi2_1_sf(np.nan)))


def test_t_quantile_written_down() -> None:
    # t_{0.975} for 9, 200 and 1000 degrees of freedom (statistical tables; scipy.stats.t.ppf)
    assert t_quantile(9, 0.975) == pytest.approx(2.262157162798205, rel=1e-12)
    assert t_quantile(200, 0.975) == pytest.approx(1.9718962236339088, rel=1e-10)
    assert t_quantile(1000, 0.975) == pytest.approx(1.9623390808264083, rel=1e-10)
    assert np.isnan(t_quantile([0.0, 5.0, 5.0], [0.975, 1.0, np.nan])).all()


@given(
    df=st.one_of(st.floats(0.5, 10.0), st.floats(10.0, 400.0), st.floats(400.0, 1e7)),
    p=st.floats(0.55, 0.99999),
)
@PROPERTY
def test_t_quantile_matches_scipy_on_both_sides_of_the_expansion_switch(df: float, p: float) -> None:
    expected = sps.t.ppf(p, df)
    assert t_quantile(df, p) == pytest.approx(expected, rel=2e-9)
    assert t_quantile(df, 1 - p) == pytest.approx(-expected, rel=2e-9)


def test_t_quantile_many_at_once_and_at_the_median() -> None:
    df = np.concatenate([np.linspace(0.5, 10, 40), np.linspace(10, 400, 60)])
    np.testing.assert_allclose(t_quantile(df, 0.975), sps.t.ppf(0.975, df), rtol=1e-10)
    np.testing.assert_allclose(t_quantile(df, 0.025), sps.t.ppf(0.025, df), rtol=1e-10)
    assert (t_quantile(df, 0.5) == 0).all()
    # near the median the quantile is tiny and only absolutely accurate
    np.testing.assert_allclose(t_quantile(df, 0.5001), sps.t.ppf(0.5001, df), atol=1e-9)


def test_t_expansion_switch_is_accurate_at_its_edge() -> None:
    p = np.array([0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.9995])
    for df in (T_EXPANSION_MIN_DF, T_EXPANSION_MIN_DF * 1.5, 1e4):
        np.testing.assert_allclose(t_quantile(df, p), sps.t.ppf(p, df), rtol=2e-10)


@given(x=st.floats(0.0, 3000.0), df=st.integers(1, 400))
@PROPERTY
def test_chi_square_tail_for_whole_degrees_of_freedom_matches_scipy(x: float, df: int) -> None:
    expected = sps.chi2.sf(x, df)
    assert chi2_sf(x, df) == pytest.approx(expected, rel=1e-11, abs=1e-300)


def test_chi_square_tail_of_many_values_with_very_different_degrees_of_freedom() -> None:
    """Thousands of tests at once, most with a few degrees of freedom and some with thousands (a batch's
    Breslow–Day tests): each as scipy gives it, in the order given."""
    rng = np.random.default_rng(7)
    df = np.concatenate([rng.integers(1, 8, 5000), rng.integers(1000, 6000, 20), [1, 2, 4096, 4097]])
    rng.shuffle(df)
    x = df * rng.uniform(0.5, 1.5, df.size)
    np.testing.assert_allclose(chi2_sf(x, df), sps.chi2.sf(x, df), rtol=1e-10, atol=1e-300)


def test_chi_square_tail_of_a_value_does_not_depend_on_the_others_in_the_call() -> None:
    """A unit's Breslow–Day p-value is computed beside every other unit's in a batch: it must be the very
    same number as when computed alone (not merely close), or the unit's report could differ."""
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 40, 300)
    df = rng.integers(1, 30, 300)
    alone = np.array([chi2_sf([v], [d])[0] for v, d in zip(x, df, strict=True)])
    together = chi2_sf(np.concatenate([x, [5.0, 900.0]]), np.concatenate([df, [15, 4000]]))[:-2]
    assert np.array_equal(alone, together)


def test_chi_square_tail_written_down() -> None:
    # 3.841459 is the 95th percentile of chi-square(1); 11.0705 of chi-square(5); Q(x; 2) = exp(-x/2)
    np.testing.assert_allclose(chi2_sf([3.841458820694124, 11.070497693516351], [1, 5]), [0.05, 0.05])
    assert chi2_sf(4.0, 2) == pytest.approx(math.exp(-2.0), rel=1e-14)
    assert chi2_sf(0.0, 7) == 1.0
    assert np.isnan(chi2_sf([1.0, 1.0, -1.0, np.nan], [0, 2.5, 3, 3])).all()


def test_finite_round_never_publishes_a_negative_zero() -> None:
    import math

    from oppnaogon.stats.compare import finite_round

    assert math.copysign(1.0, finite_round(-0.000001)) == 1.0
    assert finite_round(-0.00006) == -0.0001
    assert finite_round(float("nan")) is None and finite_round(float("inf")) is None
