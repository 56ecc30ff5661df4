"""Tests for cell suppression: hand-worked tables, an independent numerical attacker, and random tables."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oppnaogon.disclosure.suppression import (
    Constraint,
    Inequality,
    _Problem,
    _targets,
    feasible_ranges,
    primary_cells,
    protect,
    recoverable,
)

from .attacker import integer_ranges, is_narrow

TOTAL = "total"

# --- helpers -------------------------------------------------------------------------------------------


def brute_force_attack(
    values: Mapping[Hashable, float], hidden: set[Hashable], constraints: Sequence[Constraint]
) -> set[Hashable]:
    """The hidden cells whose value the visible data fix, found with dense floating-point algebra.

    Independent of the module: the full system A x = 0 (one row per constraint, parent +1, children −1)
    is split into hidden and visible columns, A_H x_H = −A_V x_V is solved with `lstsq`, and a hidden
    cell is determined iff every null-space direction of A_H (from an SVD) leaves it unchanged.
    """
    hidden_keys = sorted(hidden, key=repr)
    if not hidden_keys:
        return set()
    visible_keys = sorted((k for k in values if k not in hidden), key=repr)
    column = {k: i for i, k in enumerate(hidden_keys)}
    vcolumn = {k: i for i, k in enumerate(visible_keys)}
    a_h = np.zeros((max(len(constraints), 1), len(hidden_keys)))
    a_v = np.zeros((max(len(constraints), 1), len(visible_keys)))
    for r, c in enumerate(constraints):
        for key, sign in [(c.parent, 1.0)] + [(child, -1.0) for child in c.children]:
            if key in column:
                a_h[r, column[key]] += sign
            else:
                a_v[r, vcolumn[key]] += sign
    x_v = np.array([float(values[k]) for k in visible_keys])
    rhs = -a_v @ x_v if visible_keys else np.zeros(a_h.shape[0])
    solution, *_ = np.linalg.lstsq(a_h, rhs, rcond=None)
    assert np.allclose(a_h @ solution, rhs), "the published table is inconsistent"
    _, singular, vt = np.linalg.svd(a_h)
    tolerance = 1e-9 * max(a_h.shape) * (singular.max() if singular.size else 1.0)
    rank = int((singular > tolerance).sum())
    null_space = vt[rank:]  # rows span the null space of A_H
    found = set()
    for key, i in column.items():
        if null_space.shape[0] == 0 or np.abs(null_space[:, i]).max() < 1e-8:
            # A determined cell must come out at its true value: a check on the attacker itself.
            assert solution[i] == pytest.approx(float(values[key]), abs=1e-6)
            found.add(key)
    return found


def cross_table(levels: Sequence[int], interior: Sequence[int]) -> tuple[dict, list[Constraint]]:
    """A table with every marginal total: keys ("n", level or TOTAL per dimension), all sums as constraints."""
    names = [[f"d{d}l{i}" for i in range(n)] for d, n in enumerate(levels)]
    counts = dict(zip(itertools.product(*names), interior, strict=True))
    values: dict[Hashable, float] = {}
    constraints: list[Constraint] = []
    for cell in itertools.product(*[[*ns, TOTAL] for ns in names]):
        ranges = [names[d] if level == TOTAL else [level] for d, level in enumerate(cell)]
        values[("n", *cell)] = sum(counts[c] for c in itertools.product(*ranges))
        for d, level in enumerate(cell):
            if level == TOTAL:
                children = tuple(("n", *cell[:d], child, *cell[d + 1 :]) for child in names[d])
                constraints.append(Constraint(("n", *cell), children))
    return values, constraints


# --- primary suppression --------------------------------------------------------------------------------


def test_primary_cells_are_counts_from_one_to_below_the_threshold() -> None:
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "e": 12, "f": 2.0}

    assert primary_cells(values, 5) == {"b", "c", "f"}
    assert primary_cells(values, 1) == set()


@pytest.mark.parametrize(("values", "threshold"), [({"a": 3}, 0), ({"a": -1}, 5), ({"a": float("nan")}, 5)])
def test_primary_cells_rejects_bad_input(values: dict, threshold: int) -> None:
    with pytest.raises(ValueError, match=r"threshold|negative|finite"):
        primary_cells(values, threshold)


# --- the 2-way table: sex × age band with margins -------------------------------------------------------

BANDS = ("0-12", "13-17", "18-20")
SEX_BY_AGE = {
    ("female", "0-12"): 2,
    ("female", "13-17"): 15,
    ("female", "18-20"): 9,
    ("male", "0-12"): 11,
    ("male", "13-17"): 20,
    ("male", "18-20"): 14,
}


def sex_by_age() -> tuple[dict, list[Constraint]]:
    values: dict[Hashable, float] = {("n", s, b): v for (s, b), v in SEX_BY_AGE.items()}
    constraints = []
    for sex in ("female", "male"):
        values[("n", sex, TOTAL)] = sum(SEX_BY_AGE[sex, b] for b in BANDS)  # 26, 45
        constraints.append(Constraint(("n", sex, TOTAL), tuple(("n", sex, b) for b in BANDS)))
    for band in BANDS:
        values[("n", TOTAL, band)] = SEX_BY_AGE["female", band] + SEX_BY_AGE["male", band]  # 13, 35, 23
        constraints.append(Constraint(("n", TOTAL, band), (("n", "female", band), ("n", "male", band))))
    values[("n", TOTAL, TOTAL)] = 71
    constraints.append(Constraint(("n", TOTAL, TOTAL), (("n", "female", TOTAL), ("n", "male", TOTAL))))
    constraints.append(Constraint(("n", TOTAL, TOTAL), tuple(("n", TOTAL, b) for b in BANDS)))
    return values, constraints


@pytest.mark.parametrize("fixed", [[], [("n", TOTAL, TOTAL)]])
def test_two_way_table_hides_a_rectangle(fixed: list) -> None:
    values, constraints = sex_by_age()
    primary = primary_cells(values, 5)
    assert primary == {("n", "female", "0-12")}

    hidden = protect(values, primary, constraints, fixed_visible=fixed)

    # The female row leaks 2 = 26 − 15 − 9: the smallest other female cell (18-20: 9) is hidden; the
    # 0-12 column then forces its male cell, and the 18-20 column its male cell: a rectangle.
    assert hidden == {
        ("n", "female", "0-12"),
        ("n", "female", "18-20"),
        ("n", "male", "0-12"),
        ("n", "male", "18-20"),
    }
    assert recoverable(values, hidden, constraints) == set()
    assert brute_force_attack(values, hidden, constraints) == set()
    assert ("n", TOTAL, TOTAL) not in hidden


def test_primary_alone_is_recoverable_in_the_two_way_table() -> None:
    values, constraints = sex_by_age()
    primary = {("n", "female", "0-12")}

    assert recoverable(values, primary, constraints) == primary
    # Three corners of the rectangle are not enough: the fourth follows, and then the others.
    three = primary | {("n", "female", "18-20"), ("n", "male", "0-12")}
    assert recoverable(values, three, constraints) == three


# --- a hierarchy: whole population → age bands → age band × birth region --------------------------------

REGIONS = ("Sverige", "Norden", "utrikes")
BAND_REGION = {
    ("0-12", "Sverige"): 40,
    ("0-12", "Norden"): 6,
    ("0-12", "utrikes"): 12,
    ("13-17", "Sverige"): 3,
    ("13-17", "Norden"): 0,
    ("13-17", "utrikes"): 1,
    ("18-20", "Sverige"): 30,
    ("18-20", "Norden"): 7,
    ("18-20", "utrikes"): 9,
}


def hierarchy() -> tuple[dict, list[Constraint]]:
    values: dict[Hashable, float] = {
        ("n", ("age_band", b), ("birth_region", r)): v for (b, r), v in BAND_REGION.items()
    }
    constraints = []
    for band in BANDS:
        values[("n", ("age_band", band))] = sum(BAND_REGION[band, r] for r in REGIONS)  # 58, 4, 46
        constraints.append(
            Constraint(
                ("n", ("age_band", band)),
                tuple(("n", ("age_band", band), ("birth_region", r)) for r in REGIONS),
            )
        )
    values[("n",)] = 108
    constraints.append(Constraint(("n",), tuple(("n", ("age_band", b)) for b in BANDS)))
    return values, constraints


def test_hierarchy_protects_across_levels() -> None:
    values, constraints = hierarchy()
    primary = primary_cells(values, 5)
    band = ("n", ("age_band", "13-17"))
    assert primary == {band, (*band, ("birth_region", "Sverige")), (*band, ("birth_region", "utrikes"))}

    hidden = protect(values, primary, constraints, fixed_visible=[("n",)])

    # The 13-17 band leaks from 108 − 58 − 46, so the smaller other band (18-20: 46) is hidden; that band
    # leaks from its regions, so its smallest region (Norden: 7) is hidden. The 13-17 Norden cell is 0
    # and stays visible: the band's own constraint already has three hidden cells.
    assert hidden == primary | {
        ("n", ("age_band", "18-20")),
        ("n", ("age_band", "18-20"), ("birth_region", "Norden")),
    }
    assert recoverable(values, hidden, constraints) == set()
    assert brute_force_attack(values, hidden, constraints) == set()


# --- zeros -----------------------------------------------------------------------------------------------


def test_zero_cells_and_an_all_zero_constraint() -> None:
    values = {"parent": 0, "a": 0, "b": 0, "c": 0}
    constraints = [Constraint("parent", ("a", "b", "c"))]

    assert primary_cells(values, 5) == set()
    assert protect(values, primary_cells(values, 5), constraints) == set()
    assert recoverable(values, set(), constraints) == set()
    # A hidden zero total over visible zeros is 0 + 0 + 0: one child must go too (the first by repr).
    assert recoverable(values, {"parent"}, constraints) == {"parent"}
    assert protect(values, {"parent"}, constraints) == {"parent", "a"}


def test_small_cell_among_zeros_takes_a_zero_complement() -> None:
    values = {"total": 2, "a": 0, "b": 2, "c": 0}
    constraints = [Constraint("total", ("c", "b", "a"))]

    hidden = protect(values, {"b"}, constraints, fixed_visible=["total"])

    assert hidden == {"b", "a"}  # smallest value, ties by repr: "'a'" < "'c'"
    assert recoverable(values, hidden, constraints) == set()


# --- fixed cells -----------------------------------------------------------------------------------------


def test_fixed_child_pushes_the_complement_to_the_parent_and_fixed_parent_is_an_error() -> None:
    values = {"total": 12, "small": 2, "reference": 10}
    constraints = [Constraint("total", ("small", "reference"))]

    assert protect(values, {"small"}, constraints) == {"small", "reference"}
    assert protect(values, {"small"}, constraints, fixed_visible=["reference"]) == {"small", "total"}
    with pytest.raises(ValueError, match=r"cannot protect the hidden cell 'small'.*fixed_visible"):
        protect(values, {"small"}, constraints, fixed_visible=["reference", "total"])


def test_primary_and_fixed_together_is_an_error() -> None:
    values = {"total": 12, "small": 2, "reference": 10}
    with pytest.raises(ValueError, match="both primary-suppressed and fixed_visible"):
        protect(values, {"small"}, [Constraint("total", ("small", "reference"))], fixed_visible=["small"])


def test_fixed_cells_everywhere_in_a_combination_is_an_error() -> None:
    # x + y and y + z and x + z are published, so x, y and z follow; the only cells that could be hidden
    # as complements are the three sums, all fixed.
    values = {"x": 3, "y": 4, "z": 5, "P": 7, "Q": 9, "R": 8}
    constraints = [Constraint("P", ("x", "y")), Constraint("Q", ("y", "z")), Constraint("R", ("x", "z"))]
    with pytest.raises(ValueError, match="fixed_visible"):
        protect(values, {"x", "y", "z"}, constraints, fixed_visible=["P", "Q", "R"])


@pytest.mark.parametrize(
    ("constraints", "message"),
    [
        ([Constraint("a", ("b", "missing"))], "has no value"),
        ([Constraint("a", ("b", "b"))], "child twice"),
        ([Constraint("a", ("a", "b"))], "as a child"),
    ],
)
def test_malformed_constraints_are_rejected(constraints: list[Constraint], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        protect({"a": 3, "b": 3}, set(), constraints)


def test_unknown_primary_is_rejected() -> None:
    with pytest.raises(ValueError, match="has no value"):
        protect({"a": 3}, {"b"}, [])


def test_cell_outside_every_constraint_is_safe_alone() -> None:
    assert protect({"a": 1, "b": 40}, {"a"}, []) == {"a"}
    assert recoverable({"a": 1, "b": 40}, {"a"}, []) == set()


# --- recovery needing several equations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "constraints", "hidden"),
    [
        # Three overlapping pair sums: x = (P − Q + R) / 2.
        (
            {"x": 3, "y": 4, "z": 5, "P": 7, "Q": 9, "R": 8},
            [Constraint("P", ("x", "y")), Constraint("Q", ("y", "z")), Constraint("R", ("x", "z"))],
            {"x", "y", "z"},
        ),
        # A sum and a difference: x + y = P and x − y = Q give x = (P + Q) / 2.
        (
            {"x": 9, "y": 4, "P": 13, "Q": 5},
            [Constraint("P", ("x", "y")), Constraint("x", ("y", "Q"))],
            {"x", "y"},
        ),
    ],
)
def test_recovery_that_needs_two_equations_together(
    values: dict, constraints: list[Constraint], hidden: set
) -> None:
    # No single subtraction reveals anything: every constraint has at least two hidden cells.
    for c in constraints:
        assert len({c.parent, *c.children} & hidden) >= 2

    assert recoverable(values, hidden, constraints) == hidden
    assert brute_force_attack(values, hidden, constraints) == hidden


def test_protect_breaks_a_combination_leak() -> None:
    values = {"x": 3, "y": 4, "z": 5, "P": 7, "Q": 9, "R": 8}
    constraints = [Constraint("P", ("x", "y")), Constraint("Q", ("y", "z")), Constraint("R", ("x", "z"))]

    hidden = protect(values, {"x"}, constraints)

    # Step 1 closes P and R with y and z; the triangle x, y, z then leaks as a whole, and step 2 hides
    # the smallest sum around x (P = 7) and, for z (not next to P), the smaller of Q and R (R = 8).
    assert hidden == {"x", "y", "z", "P", "R"}
    assert recoverable(values, hidden, constraints) == set()
    assert brute_force_attack(values, hidden, constraints) == set()


# --- determinism ----------------------------------------------------------------------------------------


def test_result_does_not_depend_on_dict_or_constraint_order() -> None:
    rng = random.Random(20240611)
    interior = [rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30]) for _ in range(2 * 3 * 4)]
    values, constraints = cross_table([2, 3, 4], interior)
    primary = primary_cells(values, 5)
    fixed = [("n", TOTAL, TOTAL, TOTAL)]
    expected = protect(values, primary, constraints, fixed_visible=fixed)
    assert primary < expected

    for _ in range(10):
        items = list(values.items())
        rng.shuffle(items)
        shuffled = [Constraint(c.parent, tuple(rng.sample(c.children, len(c.children)))) for c in constraints]
        rng.shuffle(shuffled)
        primary_list = list(primary)
        rng.shuffle(primary_list)
        assert protect(dict(items), primary_list, shuffled, fixed_visible=fixed) == expected


# --- random tables ------------------------------------------------------------------------------------


@st.composite
def random_tables(draw: st.DrawFn) -> tuple[dict, list[Constraint]]:
    levels = draw(st.lists(st.integers(2, 5), min_size=1, max_size=3))
    count = st.one_of(st.integers(1, 4), st.integers(0, 40), st.just(0))
    interior = draw(st.lists(count, min_size=int(np.prod(levels)), max_size=int(np.prod(levels))))
    return cross_table(levels, interior)


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(table=random_tables(), threshold=st.integers(3, 10), fix_total=st.booleans())
def test_protected_random_tables_leak_nothing(
    table: tuple[dict, list[Constraint]], threshold: int, fix_total: bool
) -> None:
    values, constraints = table
    grand_total = next(k for k in values if all(level == TOTAL for level in k[1:]))
    primary = primary_cells(values, threshold)
    fixed = [grand_total] if fix_total and grand_total not in primary else []

    hidden = protect(values, primary, constraints, fixed_visible=fixed)

    assert primary <= hidden
    assert not set(fixed) & hidden
    assert recoverable(values, hidden, constraints) == set()
    assert brute_force_attack(values, hidden, constraints) == set()


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(table=random_tables(), data=st.data())
def test_recoverable_agrees_with_the_brute_force_attacker(
    table: tuple[dict, list[Constraint]], data: st.DataObject
) -> None:
    values, constraints = table
    keys = sorted(values, key=repr)
    hidden = set(data.draw(st.lists(st.sampled_from(keys), unique=True)))

    assert recoverable(values, hidden, constraints) == brute_force_attack(values, hidden, constraints)


def test_preferred_cells_are_hidden_first_zeros_included() -> None:
    # total 103 = women 50 + men 50 + other 0 + unknown 3; the unknown 3 needs a complement
    values = {"total": 103, "women": 50, "men": 50, "other": 0, "unknown": 3}
    constraints = [Constraint("total", ("women", "men", "other", "unknown"))]
    plain = protect(values, {"unknown"}, constraints, fixed_visible=["total"])
    assert plain == {"unknown", "men"}  # the smallest non-zero child: the men's count is lost
    preferred = protect(
        values, {"unknown"}, constraints, fixed_visible=["total"], preferred=["other", "unknown"]
    )
    assert preferred == {"unknown", "other"}  # the other sex's zero protects it; women and men stay
    assert recoverable(values, preferred, constraints) == set()


# --- the range audit (feasible ranges by linear programming) ------------------------------------------


def test_feasible_ranges_use_non_negativity_and_inequalities() -> None:
    values = {"T": 13, "a": 3, "b": 10, "d": 11}
    constraints = [Constraint("T", ("a", "b"))]
    assert feasible_ranges(values, {"a", "b"}, constraints) == {"a": (0, 13), "b": (0, 13)}
    # b <= d = 11 leaves a at least 2
    ranges = feasible_ranges(values, {"a", "b"}, constraints, [Inequality("b", ("d",))])
    assert ranges == {"a": (2, 13), "b": (0, 11)}


def test_feasible_ranges_are_unbounded_where_nothing_bounds_them() -> None:
    values = {"T": 5, "a": 2, "b": 3, "x": 4}
    ranges = feasible_ranges(values, {"a", "b", "x"}, [Constraint("T", ("a", "b"))])
    assert ranges["a"] == (0, 5) and ranges["x"] == (0, math.inf)


def test_zero_complements_under_a_published_zero_total_are_caught_by_the_range_audit() -> None:
    """The audit's finding in the example: a hidden 2 whose complements are hidden zeros under a
    published total of 0. No equation pins it (exact recovery finds nothing), but counts are
    non-negative, so z1 + z2 = 0 forces both to 0 and then a = r - b = 2."""
    values = {"r": 12, "a": 2, "z1": 0, "b": 10, "T0": 0, "z2": 0}
    constraints = [Constraint("r", ("a", "z1", "b")), Constraint("T0", ("z1", "z2"))]
    exact_only = protect(values, {"a"}, constraints, preferred=["z1", "z2"])
    assert exact_only == {"a", "z1", "z2"}
    assert recoverable(values, exact_only, constraints) == set()
    assert feasible_ranges(values, exact_only, constraints)["a"] == (2, 2)

    hidden = protect(values, {"a"}, constraints, preferred=["z1", "z2"], min_width=5)
    assert hidden == {"a", "z1", "z2", "b"}
    assert feasible_ranges(values, hidden, constraints)["a"] == (0, 12)


def test_protect_widens_a_cell_bounded_only_by_an_inequality() -> None:
    # a + b = T; a <= d (d = 3, visible): a is pinned into 0..3 until d is hidden
    values = {"T": 12, "a": 2, "b": 10, "d": 3}
    constraints = [Constraint("T", ("a", "b"))]
    inequalities = [Inequality("a", ("d",))]
    hidden = protect(values, {"a", "d"}, constraints, inequalities=inequalities, min_width=5)
    assert hidden >= {"a", "b", "d"}
    ranges = feasible_ranges(values, hidden, constraints, inequalities)
    assert ranges["a"][1] - ranges["a"][0] >= 5


def test_avoided_cells_are_hidden_last() -> None:
    values = {"T": 30, "small": 2, "main": 10, "other": 18}
    constraints = [Constraint("T", ("small", "main", "other"))]
    assert protect(values, {"small"}, constraints) == {"small", "main"}
    assert protect(values, {"small"}, constraints, avoided=["main"]) == {"small", "other"}


# --- the range audit's shortcuts, against exact ranges from an independent solver -------------------


def linprog_ranges(
    values: Mapping[Hashable, float],
    hidden: set[Hashable],
    constraints: Sequence[Constraint],
    inequalities: Sequence[Inequality] = (),
) -> dict[Hashable, tuple[float, float]]:
    """Every hidden cell's range by two programmes over all hidden cells at once (SciPy's `linprog`, no
    components, no shortcuts), rounded inwards to whole numbers."""
    keys = sorted(hidden, key=repr)
    column = {k: i for i, k in enumerate(keys)}

    def row(terms: list[tuple[Hashable, float]]) -> tuple[np.ndarray, float]:
        vector, constant = np.zeros(len(keys)), 0.0
        for key, sign in terms:
            if key in column:
                vector[column[key]] += sign
            else:
                constant -= sign * values[key]
        return vector, constant

    eq = [row([(c.parent, 1.0)] + [(k, -1.0) for k in c.children]) for c in constraints]
    ub = [row([(q.smaller, 1.0)] + [(k, -1.0) for k in q.larger]) for q in inequalities]
    return integer_ranges(len(keys), column, eq, ub)


@st.composite
def audited_tables(draw: st.DrawFn) -> tuple[dict, list[Constraint], list[Inequality], set, set]:
    """A random table, inequalities its values satisfy, and two hidden sets, the second a superset."""
    values, constraints = draw(random_tables())
    keys = sorted(values, key=repr)
    pairs = draw(st.lists(st.tuples(st.sampled_from(keys), st.sampled_from(keys)), max_size=4))
    inequalities = [Inequality(a, (b,)) for a, b in pairs if a != b and values[a] <= values[b]]
    first = set(draw(st.lists(st.sampled_from(keys), min_size=1, unique=True)))
    second = first | set(draw(st.lists(st.sampled_from(keys), unique=True)))
    return values, constraints, inequalities, first, second


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(table=audited_tables(), min_width=st.integers(2, 6))
def test_the_range_audit_decides_as_exact_ranges_do(
    table: tuple[dict, list[Constraint], list[Inequality], set, set], min_width: int
) -> None:
    """The audit settles most cells with points found before, propagated bounds and capped programmes
    for many cells at once, and keeps its points from one call to the next: it must still find exactly
    the cells that exact ranges find narrow, in a first call and in a second with more cells hidden."""
    values, constraints, inequalities, first, second = table
    problem = _Problem(values, constraints, check_values=True, inequalities=inequalities)
    for hidden in (first, second):
        exact = linprog_ranges(values, hidden, constraints, inequalities)
        ids = problem.ids(hidden, "hidden")
        found = {problem.keys[i] for i in problem.narrow(ids, ids, min_width)}
        assert found == {key for key, bounds in exact.items() if is_narrow(bounds, min_width)}
    assert feasible_ranges(values, second, constraints, inequalities) == exact


def test_points_found_with_more_cells_hidden_do_not_widen_a_cell_of_fewer() -> None:
    """With G, T and U hidden as well, a is anywhere in 0 … 20, and a point with a = 20 is found; with
    only a and b hidden, a + b = T = 4 keeps it within 0 … 4. The points and the cells found wide are
    kept between calls only while the hidden cells grow (as in protect), so the second call still finds
    a narrow."""
    values = {"G": 20, "T": 4, "U": 16, "a": 2, "b": 2}
    constraints = [Constraint("T", ("a", "b")), Constraint("G", ("T", "U"))]
    problem = _Problem(values, constraints, check_values=True)
    more = problem.ids({"a", "b", "T", "U"}, "hidden")
    assert problem.narrow(more, more, 5) == set()
    fewer = problem.ids({"a", "b"}, "hidden")
    assert {problem.keys[i] for i in problem.narrow(fewer, fewer, 5)} == {"a", "b"}


def test_the_audit_counts_whole_values_between_the_points_seen() -> None:
    """Points with a cell at 0.5 and at 5.4 span more than 5 but only the whole values 1 … 5: the cell
    is not yet shown wide for min_width 5, and its maximum must reach 1 + 5."""
    caps, floors = _targets(np.array([0.5]), np.array([5.4]), np.array([0.0]), np.array([9.0]), 5)
    assert caps.tolist() == [6.0] and floors.tolist() == [0.0]
    caps, floors = _targets(np.array([0.5]), np.array([6.0]), np.array([0.0]), np.array([9.0]), 5)
    assert np.isnan(caps).all() and np.isnan(floors).all()  # 1 … 6: wide


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(table=random_tables(), threshold=st.integers(3, 6))
def test_protect_with_min_width_leaves_no_narrow_cell(
    table: tuple[dict, list[Constraint]], threshold: int
) -> None:
    values, constraints = table
    primary = primary_cells(values, threshold)

    hidden = protect(values, primary, constraints, min_width=threshold)

    assert primary <= hidden
    exact = linprog_ranges(values, hidden, constraints)
    assert [key for key, bounds in exact.items() if is_narrow(bounds, threshold)] == []


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(table=audited_tables())
def test_the_chains_of_complement_candidates_grow_with_the_hidden_cells(
    table: tuple[dict, list[Constraint], list[Inequality], set, set],
) -> None:
    """boundary_candidate continues the chain it found for an earlier, smaller hidden set; it must
    find what a fresh walk finds: the same linked cells and the same candidate."""
    values, constraints, inequalities, first, second = table
    kept = _Problem(values, constraints, check_values=True, inequalities=inequalities)
    for hidden_keys in (first, second):
        hidden = kept.ids(hidden_keys, "hidden")
        for cell in sorted(hidden):
            fresh = _Problem(values, constraints, check_values=True, inequalities=inequalities)
            linked_kept: set[int] = set()
            linked_fresh: set[int] = set()
            found = kept.boundary_candidate(cell, hidden, set(), linked_kept)
            assert found == fresh.boundary_candidate(cell, hidden, set(), linked_fresh)
            assert linked_kept == linked_fresh
