"""Cell suppression for additive tables: hide small groups so that no hidden cell can be recovered.

The model is generic. Every published cell has a hashable key (in practice a tuple such as
``("n", "female", ("age_band", "13-17"))``) and a value: a count, or a sum of a numeric variable.
Additive constraints say ``value[parent] == sum(value[child] for child in children)``; a parent is itself
a cell (a whole-population total, a row total, …) and may be published or hidden. A reader sees the
values of the visible cells and the constraint structure, nothing else.

- :func:`primary_cells` picks the counts that are too small to publish (1 … threshold − 1; an empty cell
  is published).
- :func:`recoverable` is the attacker: it returns the hidden cells whose exact value follows from the
  visible cells and the constraints, by exact integer Gauss–Jordan elimination (see its docstring).
- :func:`protect` adds complementary (secondary) cells to the primary ones until the attacker finds
  nothing, preferring ``preferred`` cells (zeros included), then the smallest visible non-zero value,
  and never hiding a ``fixed_visible`` cell.

Everything is deterministic: ties are broken by the ``repr`` of the keys, constraints are put in a
canonical order, and the result does not depend on the order of the mapping or of the constraints.

Limitations. The guarantee is against *exact* recovery only. Because counts are non-negative, a reader
can still bound a hidden cell (for example, a hidden cell lies between 0 and the smallest visible
total it belongs to, minus the other visible members), and those bounds can be narrow when the
complementary cells are small; zeros are therefore chosen as complements only when nothing else is
left. Tables that
are published separately are protected jointly only if all their shared constraints are passed in
one call.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import sys
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CannotProtect",
    "Constraint",
    "Inequality",
    "feasible_ranges",
    "primary_cells",
    "protect",
    "recoverable",
]

# A complement candidate as a sort key, the smallest chosen: avoided first, the cell id last. The
# constraint candidates hold (avoided, not preferred, zero, value, role, id), the inequality and
# boundary ones (avoided, zero, value, 0, 0, id); both are compared in one `min`.
_SortKey = tuple[bool, bool, float, float, int, int]


class CannotProtect(ValueError):
    """A hidden cell that no allowed complement can protect; ``cell`` is its key."""

    def __init__(self, message: str, cell: Hashable) -> None:
        super().__init__(message)
        self.cell = cell


@dataclass(frozen=True)
class Constraint:
    """``value[parent] == sum(value[child] for child in children)``.

    Parameters
    ----------
    parent
        Key of the cell that is the sum, for instance a row total.
    children
        Keys of the cells that add up to ``parent``; no key may appear twice or equal ``parent``.
    """

    parent: Hashable
    children: tuple[Hashable, ...]


@dataclass(frozen=True)
class Inequality:
    """``value[smaller] <= sum(value[k] for k in larger)``: what a reader knows beyond the sums, for
    instance that a yes-count is at most its group's count, or that the count of an outcome is at most
    the count of an outcome that nobody lacks."""

    smaller: Hashable
    larger: tuple[Hashable, ...]


def primary_cells(values: Mapping[Hashable, float], threshold: int) -> set[Hashable]:
    """Count cells too small to publish: values ``v`` with ``0 < v < threshold``.

    An empty cell (0) is published: it tells that nobody is in the group, which is not a disclosure
    about a person. Use this on count cells; a sum of a numeric variable is primary-suppressed when the
    count of its group is (the caller knows which count belongs to which sum).

    Parameters
    ----------
    values
        Count per cell key; counts must be non-negative.
    threshold
        The smallest count that may be published (at least 1).

    Returns
    -------
    set
        The keys of the cells whose count is 1 … ``threshold`` − 1 (for integral counts).

    Raises
    ------
    ValueError
        If ``threshold`` is below 1 or a count is negative or not a finite number.
    """
    if threshold < 1:
        raise ValueError(f"the suppression threshold must be at least 1, got {threshold}")
    result: set[Hashable] = set()
    for key, value in values.items():
        number = _number(key, value)
        if number < 0:
            raise ValueError(f"the count of cell {key!r} is negative ({value!r}); counts must be >= 0")
        if 0 < number < threshold:
            result.add(key)
    return result


def recoverable(
    values: Mapping[Hashable, float], hidden: Iterable[Hashable], constraints: Sequence[Constraint]
) -> set[Hashable]:
    """The hidden cells whose exact value follows from the visible cells and the constraints.

    Each constraint is the equation ``parent − Σ children = 0``. Visible cells are known numbers, so
    they move to the right-hand side; what is left is a system ``A x = b`` in the hidden cells only, whose
    left-hand side ``A`` does not depend on the values. Hidden cell ``i`` is determined by the system
    exactly when the unit vector ``e_i`` lies in the row space of ``A`` (then ``x_i`` is a fixed linear
    combination of the equations; otherwise a null-space direction of ``A`` moves ``x_i`` while keeping
    every visible value). This covers the single-subtraction case (a constraint with one hidden cell)
    and every combination of several equations.

    The test is exact: ``A`` has entries −1, 0, 1, so it is brought to reduced row echelon form by
    fraction-free integer Gauss–Jordan elimination on sparse rows (Python integers cannot overflow and
    nothing is rounded), and ``e_i`` is in the row space iff ``i`` is a pivot column whose row has no
    other non-zero entry. A floating-point rank test would need a tolerance, and a wrong answer here
    publishes a person's data. Only constraints that touch a hidden cell take part, and each connected
    component of hidden cells (cells linked by a shared constraint) is eliminated on its own, so the
    matrices stay small (their size is set by the hidden cells, not by the whole table).

    Parameters
    ----------
    values
        Value per cell key; only the keys are used (the decision does not depend on the values).
    hidden
        Keys of the hidden cells.
    constraints
        The additive constraints the reader knows.

    Returns
    -------
    set
        The recoverable hidden cells (empty when the table is safe against exact recovery).

    Raises
    ------
    ValueError
        If a key in ``hidden`` or in a constraint is not in ``values``, or a constraint is malformed.
    """
    problem = _Problem(values, constraints, check_values=False)
    hidden_ids = problem.ids(hidden, "hidden")
    return {problem.keys[i] for i in problem.recoverable(hidden_ids)}


def protect(
    values: Mapping[Hashable, float],
    primary: Iterable[Hashable],
    constraints: Sequence[Constraint],
    *,
    fixed_visible: Iterable[Hashable] = (),
    preferred: Iterable[Hashable] = (),
    avoided: Iterable[Hashable] = (),
    inequalities: Sequence[Inequality] = (),
    min_width: int = 0,
    sensitive: Iterable[Hashable] | None = None,
) -> set[Hashable]:
    """Hide the primary cells and enough complementary cells that none of them can be recovered, and,
    with ``min_width``, none of the sensitive cells narrowed to fewer than ``min_width`` values.

    Algorithm: start with ``hidden = primary`` and repeat

    1. while some constraint has exactly one hidden member (parent or child), hide its smallest
       visible child, or its parent when every child is hidden or fixed (constraints in canonical
       order);
    2. run :func:`recoverable`; stop when it is empty. Otherwise, for each recoverable cell in stable
       order, hide the smallest visible cell of a constraint that contains it (by the same rule as in
       1), skipping a cell that shares a constraint with a cell hidden earlier in the same round
       (that cell may already have protected it); if all its constraints are fully hidden or fixed,
       hide the smallest candidate among the constraints of its connected component of hidden cells.

    3. with ``min_width`` > 0: compute every sensitive hidden cell's feasible range (:func:`feasible_ranges`:
       the smallest and largest value that agrees with every visible cell, the constraints, the
       ``inequalities`` and non-negativity, by linear programming, rounded inwards to whole numbers).
       Stop when no range is narrower than ``min_width`` while reaching into 1 … ``min_width`` − 1
       (:meth:`_Problem.narrow`); otherwise hide, for each narrow cell, a complement of a constraint
       (or inequality) that contains it (as in 2), and go back to 1. Which cells are narrow is decided
       exactly as those ranges would decide it, but most cells need no programme of their own: the
       feasible points already found (kept across rounds, since a point stays feasible when more cells
       are hidden) show a cell wide, bounds propagated through the constraints show it narrow, and
       programmes for many cells at once, capped where they settle a cell, supply further points (see
       :meth:`_Problem._solve`).

    Every round hides at least one more cell, so the loop ends after at most as many rounds as there
    are cells. "Smallest" means the smallest value, ties broken by the ``repr`` of the key; a cell
    in ``fixed_visible`` is never chosen, and a cell in ``avoided`` only when nothing else will do.

    Parameters
    ----------
    values
        Value per cell key (finite numbers; they rank the complementary candidates).
    primary
        Keys that must be hidden.
    constraints
        The additive constraints the reader knows.
    fixed_visible
        Keys that must stay visible, for instance the grand total.
    preferred
        Keys to hide first when a complement is needed, zeros included (smallest first), before any
        other cell: cells that tell the reader little, such as those of people of other or unknown sex,
        whose hiding keeps the women's and men's figures visible.
    avoided
        Keys to hide only when no other candidate is left (after zeros): the main figures, such as the
        women's and men's whole-group counts.
    inequalities
        What the reader knows beyond the sums (used by the range audit only).
    min_width
        The narrowest feasible range (largest minus smallest possible whole value) a sensitive hidden
        cell may have; 0 skips the range audit (exact recovery only).
    sensitive
        The cells the range audit protects; default every hidden cell (a complement narrowed to a small
        count would tell of a small group as much as a primary cell).

    Returns
    -------
    set
        The hidden keys: a superset of ``primary`` from which no hidden value can be recovered exactly
        (and, with ``min_width``, no sensitive one narrowed below it).

    Raises
    ------
    ValueError
        If a key is unknown, a constraint is malformed, a primary cell is also fixed, or the primary
        cells cannot be protected without hiding a ``fixed_visible`` cell.
    """
    problem = _Problem(values, constraints, check_values=True, inequalities=inequalities)
    hidden = problem.ids(primary, "primary")
    fixed = problem.ids(fixed_visible, "fixed_visible")
    problem.preferred = problem.ids(preferred, "preferred")
    problem.avoided = problem.ids(avoided, "avoided")
    watched = None if sensitive is None else problem.ids(sensitive, "sensitive")
    clash = hidden & fixed
    if clash:
        names = ", ".join(repr(problem.keys[i]) for i in sorted(clash))
        raise ValueError(f"cells both primary-suppressed and fixed_visible: {names}")

    while True:
        problem.close_single_unknowns(hidden, fixed)
        leaks = problem.recoverable(hidden)
        if min_width > 0:  # with the range audit: a cell known to be 0 is an empty group, nobody disclosed
            leaks = {i for i in leaks if problem.value[i] != 0}
        ranged = not leaks and min_width > 0
        if ranged:
            leaks = problem.narrow(hidden if watched is None else hidden & watched, hidden, min_width)
        if not leaks:
            return {problem.keys[i] for i in hidden}
        touched: set[int] = set()  # constraints that gained a hidden cell in this round
        added_any = False
        failure: CannotProtect | None = None
        settled: set[int] = set()  # cells linked to a complement chosen across a chain in this round
        # In a range round every narrow cell gets its complement at once (one at a time took a round of
        # linear programmes per cell: 12 s on the example), except a main figure: it is hidden only when
        # the round finds nothing else, since the other complements may widen its cell as well.
        deferred: list[_SortKey] = []
        for cell in sorted(leaks):
            mine = problem.cell_constraints[cell]
            if not ranged and (cell in settled or any(c in touched for c in mine)):
                continue
            choice = min(
                (cand for c in mine if (cand := problem.candidate(c, hidden, fixed)) is not None),
                default=None,
            )
            # an avoided cell (a main figure) only when no strategy finds anything else
            if choice is None or choice[0]:
                options = [choice, problem.inequality_candidate(cell, hidden, fixed)]
                if min_width > 0 and all(o is None or o[0] for o in options):
                    options.append(problem.boundary_candidate(cell, hidden, fixed, settled))
                choice = min((o for o in options if o is not None), default=None)
            if choice is None:
                try:
                    choice = problem.component_candidate(cell, hidden, fixed)
                except CannotProtect as error:
                    # complements added for earlier cells of this round may have protected it already:
                    # the next round tells; only a round that can add nothing at all fails
                    failure = error
                    continue
            if ranged and choice[0]:
                deferred.append(choice)
                continue
            added = choice[-1]
            hidden.add(added)
            added_any = True
            touched.update(problem.cell_constraints[added])
        if not added_any and deferred:
            hidden.add(min(deferred)[-1])
            added_any = True
        if not added_any and failure is not None:
            raise failure


def feasible_ranges(
    values: Mapping[Hashable, float],
    hidden: Iterable[Hashable],
    constraints: Sequence[Constraint],
    inequalities: Sequence[Inequality] = (),
    *,
    cells: Iterable[Hashable] | None = None,
) -> dict[Hashable, tuple[float, float]]:
    """The smallest and largest value of each hidden cell that a reader can still think possible.

    The reader knows the visible cells' values, the constraints, the inequalities and that every value
    is non-negative. Each hidden cell's range is the minimum and maximum of two linear programmes over
    the hidden cells of its connected component (HiGHS, through highspy), rounded
    inwards to whole numbers (counts are integers: a reader who knows 0.4 ≤ x ≤ 4.6 knows 1 ≤ x ≤ 4).
    A programme is skipped where bounds propagated through the constraints already meet a value the
    cell takes in a solution found (the bound is then the optimum). The maximum is ``inf`` where
    nothing bounds it. Only the values of visible cells are used.

    Parameters
    ----------
    cells
        The hidden cells whose range is wanted (default: all hidden cells).

    Raises
    ------
    ValueError
        As :func:`recoverable`, or when the visible values contradict the constraints.
    """
    problem = _Problem(values, constraints, check_values=True, inequalities=inequalities)
    hidden_ids = problem.ids(hidden, "hidden")
    wanted = hidden_ids if cells is None else problem.ids(cells, "cells") & hidden_ids
    return {problem.keys[i]: bounds for i, bounds in problem.ranges(wanted, hidden_ids).items()}


# --- internals ----------------------------------------------------------------------------------------


def _number(key: Hashable, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"the value of cell {key!r} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"the value of cell {key!r} is not a finite number: {value!r}")
    return number


class _Problem:
    """Cells numbered in ``repr`` order and constraints in canonical form, shared by the public functions."""

    def __init__(
        self,
        values: Mapping[Hashable, float],
        constraints: Sequence[Constraint],
        *,
        check_values: bool,
        inequalities: Sequence[Inequality] = (),
    ) -> None:
        named = sorted(((repr(key), key) for key in values), key=lambda pair: pair[0])
        for (name, a), (other, _) in itertools.pairwise(named):
            if name == other:
                raise ValueError(f"two different cell keys have the same repr {a!r}; keys must be distinct")
        keys = [key for _, key in named]
        self.keys: list[Hashable] = keys
        self.preferred: set[int] = set()
        self.avoided: set[int] = set()
        self.index: dict[Hashable, int] = {key: i for i, key in enumerate(keys)}
        self.value: list[float] = [_number(key, values[key]) if check_values else 0.0 for key in keys]
        canonical: set[tuple[int, tuple[int, ...]]] = set()
        for constraint in constraints:
            parent = self._id(constraint.parent, "the parent of a constraint")
            children = tuple(sorted(self._id(c, "a child of a constraint") for c in constraint.children))
            if len(set(children)) != len(children):
                raise ValueError(f"the constraint with parent {constraint.parent!r} lists a child twice")
            if parent in children:
                raise ValueError(f"the constraint with parent {constraint.parent!r} lists it as a child")
            canonical.add((parent, children))
        self.constraints: list[tuple[int, tuple[int, ...]]] = sorted(canonical)
        self.members: list[tuple[int, ...]] = [(p, *ch) for p, ch in self.constraints]
        self.cell_constraints: list[list[int]] = [[] for _ in keys]
        for c, members in enumerate(self.members):
            for cell in members:
                self.cell_constraints[cell].append(c)
        # smaller <= sum(larger), canonical order; used by the range audit only
        self.inequalities: list[tuple[int, tuple[int, ...]]] = sorted(
            {
                (
                    self._id(q.smaller, "an inequality"),
                    tuple(sorted(self._id(k, "an inequality") for k in q.larger)),
                )
                for q in inequalities
            }
        )
        self.cell_inequalities: list[list[int]] = [[] for _ in keys]
        for q, (small, large) in enumerate(self.inequalities):
            for cell in {small, *large}:
                self.cell_inequalities[cell].append(q)
        self._range_cache: dict[tuple[frozenset[int], float], dict[int, tuple[float, float]]] = {}
        self._wide: set[int] = set()  # cells whose range was found at least min_width wide
        self._around: list[frozenset[int] | None] = [None] * len(keys)  # see _neighbours
        self._chains: dict[int, tuple[set[int], set[int]]] = {}  # see boundary_candidate
        self._hidden: set[int] = set()  # the hidden cells of the last call (see _follow)
        self._recoverable_cache: dict[frozenset[int], set[int]] = {}  # see recoverable
        # see _terms
        self._relation_terms: list[list[tuple[int, float]] | None] = [None] * (
            len(self.constraints) + len(self.inequalities)
        )
        self._solver: Any = None  # one HiGHS instance, given each component's model in turn
        import numpy as np

        # the smallest and largest value of each cell over the feasible points found so far (the true
        # table first); see _solve
        self._low = np.array(self.value)
        self._high = self._low.copy()

    def _id(self, key: Hashable, role: str) -> int:
        try:
            return self.index[key]
        except KeyError:
            raise ValueError(f"{role} names the cell {key!r}, which has no value") from None
        except TypeError:
            raise ValueError(f"{role} is not a hashable cell key: {key!r}") from None

    def ids(self, keys: Iterable[Hashable], role: str) -> set[int]:
        return {self._id(key, f"the {role} set") for key in keys}

    def describe(self, c: int) -> str:
        parent, children = self.constraints[c]
        return f"{self.keys[parent]!r} = " + " + ".join(repr(self.keys[i]) for i in children)

    def candidate(self, c: int, hidden: set[int], fixed: set[int]) -> _SortKey | None:
        """The cell to hide in constraint ``c``: the smallest visible preferred child (zeros included),
        else the smallest visible non-zero child, else a zero child, else the parent, else None.

        Returned as a sort key ``(avoided, not preferred, value is zero, value, 0 for a child / 1 for the
        parent, cell id)``: an avoided cell comes last of all. Outside the preferred cells zeros come last: a hidden zero beside a hidden small count
        leaves the reader its bounds (0 up to the pair's published sum); that is no exact recovery, but a
        large complement hides more.
        """
        parent, children = self.constraints[c]

        def key(i: int, role: int) -> _SortKey:
            preferred = i in self.preferred
            zero = self.value[i] == 0 and not preferred
            return (i in self.avoided, not preferred, zero, self.value[i], role, i)

        best = min((key(i, 0) for i in children if i not in hidden and i not in fixed), default=None)
        if best is None and parent not in hidden and parent not in fixed:
            best = key(parent, 1)
        return best

    def close_single_unknowns(self, hidden: set[int], fixed: set[int]) -> None:
        """Step 1: hide a complement in every constraint with exactly one hidden member, to a fixpoint."""
        changed = True
        while changed:
            changed = False
            for c, members in enumerate(self.members):
                inside = hidden.intersection(members)
                if len(inside) != 1:
                    continue
                choice = self.candidate(c, hidden, fixed)
                if choice is None:
                    (only,) = inside
                    raise CannotProtect(
                        f"cannot protect the hidden cell {self.keys[only]!r}: it is the only hidden "
                        f"cell of the constraint {self.describe(c)}, and every other cell there is in "
                        "fixed_visible, so its value follows by subtraction. Allow one of those cells to "
                        "be hidden.",
                        self.keys[only],
                    )
                hidden.add(choice[-1])
                changed = True

    def inequality_candidate(self, cell: int, hidden: set[int], fixed: set[int]) -> _SortKey | None:
        """The smallest visible cell that bounds ``cell`` through an inequality (for the range audit)."""
        options = [
            (i in self.avoided, self.value[i] == 0, self.value[i], 0, 0, i)
            for q in self.cell_inequalities[cell]
            for i in (self.inequalities[q][0], *self.inequalities[q][1])
            if i != cell and i not in hidden and i not in fixed
        ]
        return min(options, default=None)

    def boundary_candidate(
        self, cell: int, hidden: set[int], fixed: set[int], settled: set[int]
    ) -> _SortKey | None:
        """The smallest visible cell of any equation or inequality of the hidden cells linked to ``cell``
        (for the range audit, when a range is narrowed by a chain of relations: every visible cell that
        bounds the chain is a candidate). The linked cells are added to ``settled``: the complement may
        widen them all, which the next round tells."""
        self._follow(hidden)
        # hidden only grows: the chain found before (of this cell, or of one linked to it then) grows
        # by the cells hidden since among the visible cells around it, and from those on
        chain = self._chains.get(cell)
        if chain is None:
            chain = self._chains[cell] = ({cell}, set())
            stack = [cell]
        else:
            stack = list(chain[1] & hidden)
        seen, visible = chain

        def join(cells: Iterable[int]) -> None:
            for member in cells:
                self._chains[member] = chain
            seen.update(cells)
            visible.difference_update(cells)

        join(stack)
        while stack:
            around = self._neighbours(stack.pop())
            linked = around & hidden
            visible |= around - linked
            joining = linked - seen
            join(joining)
            stack += joining
        settled |= seen
        return min(
            (
                (other in self.avoided, self.value[other] == 0, self.value[other], 0, 0, other)
                for other in visible - fixed
            ),
            default=None,
        )

    def _components(self, hidden: set[int]) -> list[set[int]]:
        """The connected components of the hidden cells, linked by a shared equation or inequality."""
        left = set(hidden)
        found = []
        while left:
            first = left.pop()
            component = {first}
            stack = [first]
            while stack:
                linked = self._neighbours(stack.pop()) & left
                left -= linked
                component |= linked
                stack += linked
            found.append(component)
        return found

    def _follow(self, hidden: set[int]) -> None:
        """What is kept from call to call (the points seen, the cells found wide, the chains of
        boundary_candidate) holds while the hidden cells only grow, as in :func:`protect`: a point of
        fewer hidden cells is one of more, not the other way round. A call with a hidden cell fewer
        starts afresh."""
        if not self._hidden <= hidden:
            import numpy as np

            self._low = np.array(self.value)
            self._high = self._low.copy()
            self._wide.clear()
            self._chains.clear()
        if len(self._hidden) != len(hidden):
            self._hidden = set(hidden)

    def _neighbours(self, cell: int) -> frozenset[int]:
        """The cells of every equation and inequality that holds ``cell`` (itself included), found
        once for each cell asked about."""
        around = self._around[cell]
        if around is None:
            members = [self.members[c] for c in self.cell_constraints[cell]]
            members += [
                (self.inequalities[q][0], *self.inequalities[q][1]) for q in self.cell_inequalities[cell]
            ]
            around = self._around[cell] = frozenset(itertools.chain([cell], *members))
        return around

    def component_candidate(self, cell: int, hidden: set[int], fixed: set[int]) -> _SortKey:
        """The smallest candidate among the constraints linking ``cell`` to other hidden cells."""
        seen_cells = {cell}
        seen_constraints: set[int] = set()
        stack = [cell]
        while stack:
            current = stack.pop()
            for c in self.cell_constraints[current]:
                if c in seen_constraints:
                    continue
                seen_constraints.add(c)
                for other in self.members[c]:
                    if other in hidden and other not in seen_cells:
                        seen_cells.add(other)
                        stack.append(other)
        choice = min(
            (cand for c in seen_constraints if (cand := self.candidate(c, hidden, fixed)) is not None),
            default=None,
        )
        if choice is None:
            raise CannotProtect(
                f"cannot protect the hidden cell {self.keys[cell]!r}: its value follows from the "
                "constraints, and every other cell of the constraints that involve it is already hidden "
                "or in fixed_visible. Allow one of the fixed_visible cells to be hidden.",
                self.keys[cell],
            )
        return choice

    def narrow(self, cells: set[int], hidden: set[int], min_width: int) -> set[int]:
        """The cells of ``cells`` that a reader can narrow to a small count: a feasible range (whole
        numbers) narrower than ``min_width`` that reaches below ``min_width`` and above 0. A range that
        lies wholly at or above ``min_width`` tells of no small group, and one that is exactly 0 of an
        empty group, where nobody is disclosed."""
        # hiding more cells only removes equations, so a range found wide stays wide: not solved again
        self._follow(hidden)
        found = self.ranges(cells - self._wide, hidden, min_width)
        self._wide |= {i for i, (low, high) in found.items() if high - low >= min_width}
        return {
            i for i, (low, high) in found.items() if high - low < min_width and low < min_width and high > 0
        }

    def ranges(
        self, cells: set[int], hidden: set[int], min_width: float = math.inf
    ) -> dict[int, tuple[float, float]]:
        """Feasible range of each cell of ``cells`` (all hidden), per connected component of hidden cells
        (linked by a shared constraint or inequality). With a finite ``min_width`` a range need not
        be exact, only tell the same (see :meth:`_solve`): at least ``min_width`` wide exactly when
        the true one is, and otherwise reaching below ``min_width`` and above 0 exactly when the true
        one does. A component's answers are cached by its cells, so that rounds of :func:`protect`
        solve only the components that changed."""
        self._follow(hidden)
        result: dict[int, tuple[float, float]] = {}
        for members in self._components(hidden):
            wanted = members & cells
            if not wanted:
                continue
            key = (frozenset(members), min_width)
            cached = self._range_cache.get(key, {})
            missing = sorted(wanted - cached.keys())
            if missing:
                cached = cached | self._solve(sorted(members), missing, min_width)
                self._range_cache[key] = cached
            result |= {i: cached[i] for i in wanted}
        return result

    def _solve(
        self, members: list[int], wanted: list[int], min_width: float
    ) -> dict[int, tuple[float, float]]:
        """Minimum and maximum of each wanted cell over the component ``members``, or, with a finite
        ``min_width``, a range that tells the same: at least ``min_width`` wide exactly when the true
        one is, and otherwise reaching below ``min_width`` and above 0 exactly when the true one does.

        Each range is known to lie between an inner and an outer one, and a programme is solved only
        where they leave the answer open:

        - inner: every solution found is a point a reader cannot rule out, and so is the true table. The
          points are kept for the whole :func:`protect` call (:attr:`_low`, :attr:`_high`): a point of an
          earlier round, with the cells hidden since at their true values, is still one. A cell whose
          whole values over the points differ by ``min_width`` is wide enough.
        - outer: bounds propagated through the equations and inequalities (:func:`_propagate`, the
          same relaxation as the programmes): a cell whose outer range is narrower than ``min_width`` is
          narrow, and where inner and outer bound agree that bound is exact.

        What is left open is a value the maximum or the minimum of a cell must reach to settle it
        (``targets``). The open cells are first screened together (:meth:`_screen`); then each cell
        still open gets its maximum, capped at its target, and then its minimum, floored at its target:
        a capped optimum short of its cap is the true optimum (the outer bound becomes exact), one at its
        cap settles the cell. With ``min_width`` infinite every range is exact. One HiGHS model per
        component, built only when a programme is needed; only objective and bounds change between
        solves, so each starts from the last basis."""
        import highspy
        import numpy as np

        column = {cell: j for j, cell in enumerate(members)}
        rows = self._rows(members, column)
        outer_low, outer_high = _propagate(rows, len(members))
        seen_low = self._low[members]
        seen_high = self._high[members]
        solver: Any = None
        previous: int | None = None

        def run(j: int, sense: Any, low: float, high: float) -> bool:
            """Optimise cell ``j`` within [low, high] (adding the point found); False when unbounded."""
            nonlocal solver, previous
            if solver is None:
                solver = self._model(rows, len(members))
            if previous != j:
                if previous is not None:
                    solver.changeColCost(previous, 0.0)
                solver.changeColCost(j, 1.0)
                previous = j
            solver.changeColBounds(j, low, high)
            solver.changeObjectiveSense(sense)
            status = _run(solver)
            point = np.asarray(solver.getSolution().col_value)
            solver.changeColBounds(j, 0.0, highspy.kHighsInf)  # a change clears the status
            if status == highspy.HighsModelStatus.kUnbounded:
                return False
            if status != highspy.HighsModelStatus.kOptimal:
                names = ", ".join(repr(self.keys[i]) for i in members[:5])
                raise ValueError(f"the visible values contradict the constraints around {names} ({status})")
            np.minimum(seen_low, point, out=seen_low)
            np.maximum(seen_high, point, out=seen_high)
            return True

        def bounds(j: int) -> tuple[float, float, float, float]:
            """Inner and outer range of column ``j`` in whole numbers: low, high, outer low, outer high."""
            low, high = _whole(seen_low[j], seen_high[j])
            return (low, high, *_whole(outer_low[j], outer_high[j]))

        def targets(columns: Any) -> tuple[Any, Any]:
            """What the maximum and the minimum of each of ``columns`` must reach to settle it."""
            return _targets(
                seen_low[columns], seen_high[columns], outer_low[columns], outer_high[columns], min_width
            )

        found: dict[int, tuple[float, float]] = {}
        if not math.isfinite(min_width):
            for cell in wanted:
                j = column[cell]
                low, high, lowest, highest = bounds(j)
                if high < highest and not run(j, highspy.ObjSense.kMaximize, 0.0, highspy.kHighsInf):
                    seen_high[j] = math.inf
                if low > lowest:
                    run(j, highspy.ObjSense.kMinimize, 0.0, highspy.kHighsInf)
                found[cell] = _whole(seen_low[j], seen_high[j])
            return found

        columns = np.array([column[cell] for cell in wanted], dtype=np.int64)
        caps, floors = targets(columns)
        open_cells = columns[~(np.isnan(caps) & np.isnan(floors))]
        if len(open_cells) > _SCREEN_FROM:
            solver = self._model(rows, len(members))
            self._screen(solver, open_cells, seen_low, seen_high, targets)
            caps, floors = targets(open_cells)
            open_cells = open_cells[~(np.isnan(caps) & np.isnan(floors))]
        # settled cells stay settled: the points seen only spread, the outer bounds only shrink
        for j in open_cells.tolist():
            while True:
                caps, floors = targets(np.array([j]))
                cap, floor = float(caps[0]), float(floors[0])
                if not math.isnan(cap):
                    run(j, highspy.ObjSense.kMaximize, 0.0, cap)
                    if seen_high[j] < cap - _TOLERANCE:
                        outer_high[j] = seen_high[j]  # short of the cap: the true maximum
                elif not math.isnan(floor):
                    run(j, highspy.ObjSense.kMinimize, floor, highspy.kHighsInf)
                    if seen_low[j] > floor + _TOLERANCE:
                        outer_low[j] = seen_low[j]  # short of the floor: the true minimum
                else:
                    break
        lows, highs = _whole_array(seen_low[columns]), _whole_array(seen_high[columns], up=False)
        lowests, highests = _whole_array(outer_low[columns]), _whole_array(outer_high[columns], up=False)
        for cell, a, b, c, d in zip(wanted, lows, highs, lowests, highests, strict=True):
            if b - a >= min_width:
                found[cell] = (a, b)
            else:
                found[cell] = (a if a < min_width else c, b if b > 0 else d)
        self._low[members] = seen_low
        self._high[members] = seen_high
        return found

    def _rows(self, members: list[int], column: dict[int, int]) -> _Rows:
        """The equations and then the inequalities that involve a cell of the component ``members``,
        over its columns (the visible cells at their values)."""
        import numpy as np

        starts, indices, values, lower, upper = [0], [], [], [], []
        offset = len(self.constraints)
        numbers = {c for i in members for c in self.cell_constraints[i]}
        numbers |= {offset + q for i in members for q in self.cell_inequalities[i]}
        for number in sorted(numbers):
            constant = 0.0
            for cell, sign in self._terms(number):
                j = column.get(cell)
                if j is None:
                    constant -= sign * self.value[cell]
                else:
                    indices.append(j)
                    values.append(sign)
            starts.append(len(indices))
            # an equality: row = constant; an inequality (smaller - larger <= 0): row <= constant
            lower.append(constant if number < len(self.constraints) else -math.inf)
            upper.append(constant)
        return _Rows(
            np.array(starts, dtype=np.int32),
            np.array(indices, dtype=np.int32),
            np.array(values, dtype=float),
            np.array(lower, dtype=float),
            np.array(upper, dtype=float),
        )

    def _terms(self, number: int) -> list[tuple[int, float]]:
        """The terms of ``first − others`` of equation ``number``, or of inequality ``number`` minus
        the number of equations (a cell twice summed), found once for each relation asked about."""
        terms = self._relation_terms[number]
        if terms is None:
            equations = len(self.constraints)
            first, others = (
                self.constraints[number] if number < equations else self.inequalities[number - equations]
            )
            entries: dict[int, float] = {}
            for cell, sign in [(first, 1.0)] + [(i, -1.0) for i in others]:
                entries[cell] = entries.get(cell, 0.0) + sign
            terms = self._relation_terms[number] = list(entries.items())
        return terms

    def _model(self, rows: _Rows, columns: int) -> Any:
        """A HiGHS model of ``rows`` with ``columns`` columns, each at least 0."""
        import highspy
        import numpy as np

        model = highspy.HighsLp()
        model.num_col_ = columns
        model.num_row_ = len(rows.lower)
        model.col_cost_ = np.zeros(columns)
        model.col_lower_ = np.zeros(columns)
        model.col_upper_ = np.full(columns, highspy.kHighsInf)
        model.row_lower_ = np.where(np.isinf(rows.lower), -highspy.kHighsInf, rows.lower)
        model.row_upper_ = rows.upper
        model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        model.a_matrix_.start_ = rows.start
        model.a_matrix_.index_ = rows.index
        model.a_matrix_.value_ = rows.value
        if self._solver is None:
            self._solver = _highs()
        self._solver.passModel(model)
        return self._solver

    def _screen(
        self,
        solver: Any,
        columns: Any,
        seen_low: Any,
        seen_high: Any,
        targets: Callable[[Any], tuple[Any, Any]],
    ) -> None:
        """Programmes for many cells at once: repeatedly the largest weighted sum of the open cells that
        need a larger value, each capped at its target, and then the smallest of those that need a
        smaller one, each floored at its target (``targets``: caps and floors of an array of columns,
        NaN where none). A solution is still a point the reader cannot rule out, and every cell that
        reaches its target is settled; the caps keep a few cells from taking all the room, and the
        weights (fixed, between 1 and 2) keep cells whose sum is published from leaving the sum flat.
        Stops when a round settles fewer cells than it solved programmes."""
        import highspy
        import numpy as np

        weights = _screen_weights(len(seen_low))

        def solve(index: Any, level: Any, sense: Any) -> None:
            index = index.astype(np.int32)
            zeros = np.zeros(len(index))
            infinite = np.full(len(index), highspy.kHighsInf)
            if sense == highspy.ObjSense.kMaximize:
                solver.changeColsBounds(len(index), index, zeros, level)
            else:
                solver.changeColsBounds(len(index), index, level, infinite)
            solver.changeColsCost(len(index), index, weights[index])
            solver.changeObjectiveSense(sense)
            solver.run()
            if solver.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                point = np.asarray(solver.getSolution().col_value)
                np.minimum(seen_low, point, out=seen_low)
                np.maximum(seen_high, point, out=seen_high)
            solver.changeColsCost(len(index), index, zeros)
            solver.changeColsBounds(len(index), index, zeros, infinite)

        open_cells = columns
        levels = targets(open_cells)
        for _ in range(_SCREEN_ROUNDS):
            before = len(open_cells)
            solved = 0
            for side, sense in enumerate((highspy.ObjSense.kMaximize, highspy.ObjSense.kMinimize)):
                wanting = ~np.isnan(levels[side])
                if wanting.sum() <= _SCREEN_FROM:
                    continue
                solve(open_cells[wanting], levels[side][wanting], sense)
                solved += 1
                caps, floors = targets(open_cells)
                still = ~(np.isnan(caps) & np.isnan(floors))
                open_cells, levels = open_cells[still], (caps[still], floors[still])
            # a programme of its own settles at least one cell
            if len(open_cells) <= _SCREEN_FROM or before - len(open_cells) < _SCREEN_GAIN * solved:
                return

    def recoverable(self, hidden: set[int]) -> set[int]:
        """Exact row-space test per connected component of hidden cells (see :func:`recoverable`)."""
        rows: list[dict[int, int]] = []
        for parent, children in self.constraints:
            row = {parent: 1} if parent in hidden else {}
            for child in children:
                if child in hidden:
                    row[child] = -1
            if row:
                rows.append(row)

        root = _component_roots(hidden, rows)  # hidden cells that share an equation
        components: dict[int, list[dict[int, int]]] = {}
        for row in rows:
            components.setdefault(root[next(iter(row))], []).append(row)

        found: set[int] = set()
        for component_rows in components.values():
            # a component's equations are those of its cells: its answer holds for the next round too
            # if it is still the same
            key = frozenset(cell for row in component_rows for cell in row)
            if key not in self._recoverable_cache:
                self._recoverable_cache[key] = _unit_vectors_in_row_space(component_rows)
            found |= self._recoverable_cache[key]
        return found


# Components with more wanted cells than this are first screened by programmes for many cells at once
# (`_Problem._screen`), for at most this many rounds.
_SCREEN_FROM = 4
_SCREEN_ROUNDS = 100
_SCREEN_GAIN = 1  # cells a screening programme must settle, on average over a round, to go on
_SCREEN_SEED = 2026  # the screen's weights: any will do, fixed so that every run solves the same
# The solver's floating point: a value within this of a whole number counts as that number.
_TOLERANCE = 1e-6
# Bound propagation (`_propagate`) stops after this many rounds even if bounds still move.
_PROPAGATION_ROUNDS = 50


def _whole(low: float, high: float) -> tuple[float, float]:
    """A range of values rounded inwards to whole numbers (``inf`` stays ``inf``)."""
    return math.ceil(low - _TOLERANCE), high if high == math.inf else math.floor(high + _TOLERANCE)


_weights: list[Any] = []


def _whole_array(values: Any, *, up: bool = True) -> list[float]:
    """As :func:`_whole` for an array of lower bounds (``up``) or of upper bounds."""
    import numpy as np

    rounded = np.ceil(values - _TOLERANCE) if up else np.floor(values + _TOLERANCE)
    return [v if v == math.inf else int(v) for v in rounded.tolist()]


def _screen_weights(count: int) -> Any:
    """The screen's weights of ``count`` columns: the first ``count`` of one fixed sequence between 1
    and 2 (any will do; fixed, so that every run solves the same programmes)."""
    import numpy as np

    if not _weights or len(_weights[0]) < count:
        size = max(count, 2 * len(_weights[0]) if _weights else 1024)
        _weights[:] = [np.random.default_rng(_SCREEN_SEED).uniform(1.0, 2.0, size=size)]
    return _weights[0][:count]


def _targets(
    seen_low: Any, seen_high: Any, outer_low: Any, outer_high: Any, min_width: float
) -> tuple[Any, Any]:
    """For cells whose range lies between an inner one (``seen_low`` … ``seen_high``) and an outer one
    (arrays), the value each one's maximum must reach (the cap) and its minimum (the floor) to settle
    whether the range is at least ``min_width`` wide and, if narrower, whether it reaches below
    ``min_width`` and above 0; NaN where that side settles nothing. In whole numbers (as the ranges).

    - wide (the whole values seen differ by ``min_width``): nothing open;
    - open (the outer range is that wide, the inner one not): ``min_width`` beyond the values seen, on
      each side where the outer bound is beyond the inner one (the floor at least 0);
    - narrow: 1 if it is open whether it reaches above 0, and ``min_width`` − 1 whether below that.
    """
    import numpy as np

    low = np.ceil(seen_low - _TOLERANCE)
    high = np.floor(seen_high + _TOLERANCE)
    lowest = np.ceil(outer_low - _TOLERANCE)
    highest = np.floor(outer_high + _TOLERANCE)
    wide = high - low >= min_width
    open_width = ~wide & (highest - lowest >= min_width)
    narrow = ~wide & ~open_width
    caps = np.where(
        open_width & (high < highest),
        low + min_width,
        np.where(narrow & (high <= 0) & (highest > 0), 1.0, np.nan),
    )
    floors = np.where(
        open_width & (low > lowest),
        np.maximum(high - min_width, 0.0),
        np.where(narrow & (low >= min_width) & (lowest < min_width), min_width - 1.0, np.nan),
    )
    return caps, floors


@dataclass(frozen=True)
class _Rows:
    """Rows ``lower <= Σ value · x[index] <= upper`` of a component, compressed by row (``start``)."""

    start: Any
    index: Any
    value: Any
    lower: Any
    upper: Any


def _propagate(rows: _Rows, columns: int) -> tuple[Any, Any]:
    """Outer bounds of every column of ``rows`` with ``x >= 0``: each row bounds each of its columns by
    its other columns' bounds, repeated until nothing moves (at most :data:`_PROPAGATION_ROUNDS` times).
    Every bound found holds for every point of the linear programme, so the programme's minimum is at
    least the lower bound and its maximum at most the upper one. Where the rows contradict each other
    the bounds stay 0 and ``inf`` (the programmes will tell)."""
    import numpy as np

    low = np.zeros(columns)
    high = np.full(columns, np.inf)
    counts = np.diff(rows.start)
    row = np.repeat(np.arange(len(counts)), counts)
    # each row as one or two of the form Σ a x <= b
    upper_side = np.isfinite(rows.upper)[row]
    lower_side = np.isfinite(rows.lower)[row]
    number = np.concatenate([row[upper_side], row[lower_side] + len(counts)])
    column = np.concatenate([rows.index[upper_side], rows.index[lower_side]])
    a = np.concatenate([rows.value[upper_side], -rows.value[lower_side]])
    b = np.concatenate([rows.upper, -rows.lower])[number]
    keep = a != 0
    number, column, a, b = number[keep], column[keep], a[keep], b[keep]
    raising = a > 0  # entries that bound their column from above
    total = 2 * len(counts)
    for _ in range(_PROPAGATION_ROUNDS):
        # the smallest value of each entry's term, -inf where its column is unbounded
        term = np.where(raising, a * low[column], a * high[column])
        infinite = np.isinf(term)
        finite = np.where(infinite, 0.0, term)
        row_sum = np.bincount(number, weights=finite, minlength=total)
        row_infinite = np.bincount(number, weights=infinite, minlength=total)
        others = (row_infinite[number] - infinite) == 0
        with np.errstate(invalid="ignore"):
            bound = (b - (row_sum[number] - finite)) / a
        new_high = high.copy()
        np.minimum.at(new_high, column[raising & others], bound[raising & others])
        new_low = low.copy()
        np.maximum.at(new_low, column[~raising & others], bound[~raising & others])
        if np.any(new_low > new_high + _TOLERANCE):
            return np.zeros(columns), np.full(columns, np.inf)
        moved = np.any(new_high < high - _TOLERANCE) or np.any(new_low > low + _TOLERANCE)
        low, high = new_low, new_high
        if not moved:
            break
    return low, high


def _component_roots(cells: Iterable[int], groups: Iterable[Iterable[int]]) -> dict[int, int]:
    """Each cell's connected component (its smallest linked cell), the cells of a group being linked
    (union-find with path halving; every member of a group must be one of ``cells``)."""
    root = {cell: cell for cell in cells}

    def find(cell: int) -> int:
        while root[cell] != cell:
            root[cell] = root[root[cell]]
            cell = root[cell]
        return cell

    for group in groups:
        first, *rest = group
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                root[max(a, b)] = min(a, b)
    return {cell: find(cell) for cell in root}


def _unit_vectors_in_row_space(rows: list[dict[int, int]]) -> set[int]:
    """Columns ``i`` such that ``e_i`` is in the row space of the sparse integer matrix ``rows``.

    Fraction-free Gauss–Jordan elimination: to clear column ``j`` of row ``q`` with the pivot row ``p``,
    ``q ← p[j]·q − q[j]·p`` and then divide ``q`` by the gcd of its entries. Rows not yet used as pivots
    stay zero in every column already processed, so at the end they are zero and each pivot row has a
    pivot column that is zero in every other row. Hence ``e_i = Σ λ_k r_k`` forces ``λ_k = 0`` except for
    the row whose pivot is ``i``: ``e_i`` is in the row space iff some pivot row is a multiple of ``e_i``.
    This holds for any order of the pivot columns, so the next column is the one held by the fewest
    unused rows (a Markowitz-style choice that limits fill-in), ties broken by column number.
    """
    rows = [dict(row) for row in rows]
    column_rows: dict[int, set[int]] = {}
    for r, row in enumerate(rows):
        for col in row:
            column_rows.setdefault(col, set()).add(r)
    free_count = {col: len(holders) for col, holders in column_rows.items()}  # holders not yet pivots
    heap = [(count, col) for col, count in free_count.items()]
    heapq.heapify(heap)
    processed: set[int] = set()
    pivoted: set[int] = set()
    pivot_rows: list[int] = []
    while heap:
        count, col = heapq.heappop(heap)
        if col in processed or count != free_count[col]:
            continue  # a stale entry: the column was processed or its count changed
        processed.add(col)
        holders = column_rows[col]
        free = [r for r in holders if r not in pivoted]
        if not free:
            continue
        p = min(free, key=lambda r: (len(rows[r]), r))  # sparsest pivot row limits fill-in
        pivot = rows[p]
        a = pivot[col]
        pivoted.add(p)
        pivot_rows.append(p)
        for j in pivot:
            _adjust(free_count, heap, processed, j, -1)
        for q in sorted(holders - {p}):
            row = rows[q]
            b = row[col]
            updated = {j: a * v for j, v in row.items()}
            for j, v in pivot.items():
                updated[j] = updated.get(j, 0) - b * v
            updated = {j: v for j, v in updated.items() if v}
            divisor = math.gcd(*updated.values()) if updated else 1
            if divisor > 1:
                updated = {j: v // divisor for j, v in updated.items()}
            unused = q not in pivoted
            for j in row.keys() - updated.keys():
                column_rows[j].discard(q)
                if unused:
                    _adjust(free_count, heap, processed, j, -1)
            for j in updated.keys() - row.keys():
                column_rows.setdefault(j, set()).add(q)
                if unused:
                    _adjust(free_count, heap, processed, j, +1)
            rows[q] = updated
    return {next(iter(rows[p])) for p in pivot_rows if len(rows[p]) == 1}


def _adjust(
    free_count: dict[int, int], heap: list[tuple[int, int]], processed: set[int], col: int, step: int
) -> None:
    free_count[col] = free_count.get(col, 0) + step
    if col not in processed:
        heapq.heappush(heap, (free_count[col], col))


_BANNER_LOCK = threading.Lock()
_banner_shown = False


def _run(solver: Any) -> Any:
    """Solve from the last basis and return the model status. A warm start can end undecided (seen
    after several unbounded maxima in a row: HiGHS reports "unknown"); such a programme is solved once
    more from scratch, without presolve (which could only say "unbounded or infeasible")."""
    import highspy

    solver.run()
    status = solver.getModelStatus()
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kUnbounded):
        solver.clearSolver()
        solver.setOptionValue("presolve", "off")
        solver.run()
        status = solver.getModelStatus()
        solver.setOptionValue("presolve", "choose")
    return status


def _highs() -> Any:
    """A quiet HiGHS solver. The first one made in a process prints HiGHS's banner on the C-level
    standard output, which no Python redirection catches, and the terminal output is oppnaogon's own:
    that first one is made with the standard output pointed at the null device."""
    import highspy

    global _banner_shown
    with _BANNER_LOCK:
        if not _banner_shown:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with Path(os.devnull).open("wb") as null:
                    os.dup2(null.fileno(), 1)
                    solver = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_shown = True
        else:
            solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    # every coefficient is 1 or -1: scaling only costs time (a fifth of the audit's programmes)
    solver.setOptionValue("simplex_scale_strategy", 0)
    return solver
