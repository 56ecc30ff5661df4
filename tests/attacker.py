"""An independent attacker for the suppression tests: rebuilds the additive structure of a published
findings document (nothing from the analysis internals) and finds every hidden cell whose exact value
follows from what is published.

Published, per outcome and sex: n per group of every breakdown (a coarser breakdown's group is the sum
of the finer groups refining it); yes-counts k = share × n; sums = mean × n. Per sex: rows, and missing
counts per column (rows = n + missing for an outcome column). rows_used = Σ rows over the sexes.
A hidden cell is recoverable iff its unit vector lies in the row space of the constraint matrix over the
unknowns: then every solution of the published system gives it the same value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from typing import Any

import numpy as np

Key = Hashable


def _group(breakdown: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    return tuple(breakdown), tuple(breakdown.values())


def published_system(findings: dict[str, Any]) -> tuple[dict[Key, bool], list[tuple[Key, list[Key]]]]:
    """(cell → is hidden, constraints parent = Σ children) for the n, k and sum measures."""
    hidden: dict[Key, bool] = {}
    binary = {o["name"]: o["kind"] != "numeric" for o in findings["outcomes"]}
    for d in findings["descriptives"]:
        b, g = _group(d["breakdown"])
        hidden[("n", d["outcome"], d["sex"], b, g)] = d["n"] is None
        measure = "k" if binary[d["outcome"]] else "s"
        # an empty cell (n = 0) has no share to publish, but its yes-count is known to be 0
        hidden[(measure, d["outcome"], d["sex"], b, g)] = d["value"] is None and d["n"] != 0
    constraints: list[tuple[Key, list[Key]]] = []
    breakdowns = {tuple(b) for b in findings["breakdowns"]}
    cells_by_breakdown: dict[tuple[str, ...], set[tuple[Any, ...]]] = defaultdict(set)
    for d in findings["descriptives"]:
        b, g = _group(d["breakdown"])
        cells_by_breakdown[b].add(g)
    outcomes = list(binary)
    sexes = sorted({d["sex"] for d in findings["descriptives"]})
    for b, groups in cells_by_breakdown.items():
        for drop in range(len(b)):
            parent_b = b[:drop] + b[drop + 1 :]
            if parent_b not in breakdowns:
                continue
            children: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
            for g in groups:
                children[g[:drop] + g[drop + 1 :]].append(g)
            for outcome in outcomes:
                for measure in ("n", "k" if binary[outcome] else "s"):
                    for sex in sexes:
                        for parent_g, gs in children.items():
                            constraints.append(
                                (
                                    (measure, outcome, sex, parent_b, parent_g),
                                    [(measure, outcome, sex, b, c) for c in gs],
                                )
                            )
    labels = {o["column"]: o["name"] for o in findings["outcomes"]}
    for q in findings["data_quality"]:
        hidden[("rows", q["sex"])] = q["rows"] is None
        hidden[("missing", q["column"], q["sex"])] = q["missing"] is None
        hidden[("present", q["column"], q["sex"])] = True  # never published: an unknown
        if q["column"] in labels:
            name = labels[q["column"]]
            constraints.append(
                (("rows", q["sex"]), [("n", name, q["sex"], (), ()), ("missing", q["column"], q["sex"])])
            )
        else:
            constraints.append(
                (("rows", q["sex"]), [("missing", q["column"], q["sex"]), ("present", q["column"], q["sex"])])
            )
    hidden[("rows_used",)] = findings["input"]["rows_used"] is None
    constraints.append((("rows_used",), [("rows", s) for s in sexes]))
    return hidden, constraints


def known_values(findings: dict[str, Any]) -> dict[Key, float]:
    """The published counts: n, yes-counts (share × n), rows, missing, rows used."""
    known: dict[Key, float] = {}
    binary = {o["name"]: o["kind"] != "numeric" for o in findings["outcomes"]}
    for d in findings["descriptives"]:
        b, g = _group(d["breakdown"])
        if d["n"] is not None:
            known[("n", d["outcome"], d["sex"], b, g)] = d["n"]
            if binary[d["outcome"]] and (d["value"] is not None or d["n"] == 0):
                share = d["value"] or 0.0
                known[("k", d["outcome"], d["sex"], b, g)] = round(share * d["n"])
    for q in findings["data_quality"]:
        if q["rows"] is not None:
            known[("rows", q["sex"])] = q["rows"]
        if q["missing"] is not None:
            known[("missing", q["column"], q["sex"])] = q["missing"]
    if findings["input"]["rows_used"] is not None:
        known[("rows_used",)] = findings["input"]["rows_used"]
    return known


def recoverable_cells(findings: dict[str, Any]) -> list[Key]:
    """Published-but-hidden cells whose value the published numbers determine exactly, other than a
    count determined to be 0 (an empty group: nobody is disclosed)."""
    hidden, constraints = published_system(findings)
    found = _recoverable(hidden, constraints)
    if not found:
        return found
    known = known_values(findings)
    index, solution = _solved(hidden, constraints, known)
    recovered = set(found)

    def zero(key: Key) -> bool:
        if key in known:
            return known[key] == 0
        return key in recovered and abs(solution[index[key]]) < 1e-6

    # a sum is of nobody when its group's count is known to be 0
    return [k for k in found if not zero(("n", *k[1:]) if k[0] == "s" else k)]


def batch_recoverable_cells(units: dict[str, dict[str, Any]], overview: dict[str, Any]) -> list[Key]:
    """The same attack on a batch: every unit's published system (keys prefixed with the unit's folder)
    plus the overview's regional whole-group cells, each the sum of the units' cells."""
    hidden: dict[Key, bool] = {}
    constraints: list[tuple[Key, list[Key]]] = []
    for folder, findings in units.items():
        unit_hidden, unit_constraints = published_system(findings)
        hidden |= {(folder, k): h for k, h in unit_hidden.items()}
        constraints += [((folder, p), [(folder, c) for c in cs]) for p, cs in unit_constraints]
    for outcome in overview["outcomes"]:
        measure = "s" if outcome["kind"] == "numeric" else "k"
        for sex, cell in outcome["region"]["by_sex"].items():
            for m, shown in (("n", cell["n"] is not None), (measure, cell["value"] is not None)):
                parent = ("region", m, outcome["name"], sex)
                hidden[parent] = not shown
                children = [(folder, (m, outcome["name"], sex, (), ())) for folder in units]
                for child in children:
                    hidden.setdefault(child, False)  # a sex no one of a unit has: a published 0
                constraints.append((parent, children))
    return _recoverable(hidden, constraints)


def multi_run_recoverable(runs: dict[str, tuple[dict[str, Any], list[str]]]) -> list[Key]:
    """Differencing across runs of one extract (rule R4): every run's published system (keys prefixed
    with the run's name), each run over several periods linked to the runs of its periods: its cell is
    the sum of the periods' cells, and its group of the period breakdown is that period's whole-group
    cell. `runs`: name → (findings, the labels of the single-period runs it covers; a single-period run
    lists its own name). Returns the hidden cells, of any run, that the runs together determine and
    that are not 0."""
    hidden: dict[Key, bool] = {}
    constraints: list[tuple[Key, list[Key]]] = []
    known: dict[Key, float] = {}
    for name, (findings, _) in runs.items():
        run_hidden, run_constraints = published_system(findings)
        hidden |= {(name, k): h for k, h in run_hidden.items()}
        constraints += [((name, p), [(name, c) for c in cs]) for p, cs in run_constraints]
        known |= {(name, k): v for k, v in known_values(findings).items()}
    for name, (_, periods) in runs.items():
        if len(periods) < 2:
            continue
        for key in [k for (run, k) in list(hidden) if run == name]:
            if key[0] in ("n", "k", "s") and "period" in key[3]:
                at = key[3].index("period")
                label = key[4][at]
                smaller = (*key[:3], key[3][:at] + key[3][at + 1 :], key[4][:at] + key[4][at + 1 :])
                children = [(label, smaller)]
            elif key[0] == "present":
                continue
            else:
                children = [(period, key) for period in periods]
            for child in children:
                if child not in hidden:  # a group that period does not have: a published 0
                    assert child[1][0] not in ("n", "k", "s") or child[1][3] in {
                        tuple(b) for b in runs[child[0]][0]["breakdowns"]
                    }, f"the attack needs every breakdown in every period: {child}"
                    hidden[child] = False
                    known[child] = 0
            constraints.append(((name, key), children))
    found = _recoverable(hidden, constraints)
    if not found:
        return found
    # the value of each found cell, from the published values: a cell found to be 0 discloses no one
    index, solution = _solved(hidden, constraints, known)
    return [k for k in found if k[1][0] != "s" and abs(solution[index[k]]) > 1e-6]


def _solved(
    hidden: dict[Key, bool], constraints: list[tuple[Key, list[Key]]], known: dict[Key, float]
) -> tuple[dict[Key, int], np.ndarray]:
    """A least-squares solution of the published system over the hidden cells (index, values): the
    value of every cell the system determines (sums of numeric values are not rebuilt here)."""
    unknowns = sorted({k for k, h in hidden.items() if h}, key=repr)
    index = {k: i for i, k in enumerate(unknowns)}
    rows, rhs = [], []
    for parent, children in constraints:
        row, constant, usable = np.zeros(len(unknowns)), 0.0, True
        for key, sign in [(parent, 1.0)] + [(c, -1.0) for c in children]:
            if key in index:
                row[index[key]] += sign
            elif key in known:
                constant -= sign * known[key]
            else:
                usable = False
        if usable and row.any():
            rows.append(row)
            rhs.append(constant)
    if not rows:
        rows, rhs = [np.zeros(len(unknowns))], [0.0]
    return index, np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]


def _recoverable(hidden: dict[Key, bool], constraints: list[tuple[Key, list[Key]]]) -> list[Key]:
    unknowns = sorted({k for k, h in hidden.items() if h}, key=repr)
    index = {k: i for i, k in enumerate(unknowns)}
    rows = []
    for parent, children in constraints:
        row = np.zeros(len(unknowns))
        for key, sign in [(parent, 1.0)] + [(c, -1.0) for c in children]:
            if key in index:
                row[index[key]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    # Null space of the constraints over the unknowns: a cell whose coordinate is zero in every null
    # vector is fixed by the published data.
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(matrix.shape) * (singular[0] if singular.size else 1)).sum())
    null = vt[rank:]
    published_hidden = [
        k
        for k in unknowns
        if "present" not in (k[0], k[1][0] if len(k) > 1 and isinstance(k[1], tuple) else None)
    ]
    return [k for k in published_hidden if null.shape[0] == 0 or np.abs(null[:, index[k]]).max() < 1e-9]


def narrow_cells(
    findings: dict[str, Any], min_cell: int, dimension_columns: dict[str, str] | None = None
) -> list[tuple[Key, tuple[float, float]]]:
    """The bounds attack (independent of the tool's own audit: scipy's linprog, its own system).

    On top of the sums of `published_system`: every count is a non-negative whole number; a yes-count
    is at most its count (k = share × n is published where both are); two outcomes of one group differ
    by at most the other's missing count (n(o1) ≤ rows ≤ n(o2) + missing(o2)); the group "unknown" of a
    breakdown holds at least the rows missing its column (`dimension_columns`: breakdown → column).
    Returns the hidden cells whose integer range is narrower than `min_cell` and reaches into
    1 … min_cell − 1 (a small group the reader can pin), with their ranges.
    """
    hidden, constraints = published_system(findings)
    known = known_values(findings)
    binary = {o["name"]: o["kind"] != "numeric" for o in findings["outcomes"]}
    unknowns = sorted({k for k, h in hidden.items() if h and k not in known and k[0] != "s"}, key=repr)
    index = {k: i for i, k in enumerate(unknowns)}

    def row(terms: list[tuple[Key, float]]) -> tuple[np.ndarray, float] | None:
        vector, constant = np.zeros(len(unknowns)), 0.0
        for key, sign in terms:
            if key in index:
                vector[index[key]] += sign
            elif key in known:
                constant -= sign * known[key]
            else:
                return None  # a cell of another measure (sums): not in this attack
        return (vector, constant) if vector.any() else None

    equalities = [row([(p, 1.0)] + [(c, -1.0) for c in cs]) for p, cs in constraints if p[0] != "s"]
    inequalities = []
    labels = {o["name"]: o["column"] for o in findings["outcomes"]}
    for d in findings["descriptives"]:
        b, g = _group(d["breakdown"])
        if binary[d["outcome"]]:
            inequalities.append(
                row([(("k", d["outcome"], d["sex"], b, g), 1.0), (("n", d["outcome"], d["sex"], b, g), -1.0)])
            )
        for other in binary:
            if other != d["outcome"]:
                inequalities.append(
                    row(
                        [
                            (("n", d["outcome"], d["sex"], b, g), 1.0),
                            (("n", other, d["sex"], b, g), -1.0),
                            (("missing", labels[other], d["sex"]), -1.0),
                        ]
                    )
                )
                if dimension_columns and len(b) == 1 and g == (None,) and b[0] in dimension_columns:
                    inequalities.append(
                        row(
                            [
                                (("missing", dimension_columns[b[0]], d["sex"]), 1.0),
                                (("n", other, d["sex"], b, g), -1.0),
                                (("missing", labels[other], d["sex"]), -1.0),
                            ]
                        )
                    )
    eq = [r for r in equalities if r is not None]
    ub = [r for r in inequalities if r is not None]
    counts = {k: index[k] for k in unknowns if k[0] in ("n", "k", "rows", "missing")}
    ranges = integer_ranges(len(unknowns), counts, eq, ub)
    return [(key, bounds) for key, bounds in ranges.items() if is_narrow(bounds, min_cell)]


Row = tuple[np.ndarray, float]


def integer_ranges(
    size: int, columns: dict[Key, int], equalities: list[Row], inequalities: list[Row]
) -> dict[Key, tuple[float, float]]:
    """The smallest and largest whole value of each cell of `columns` (key → its column among `size`
    non-negative unknowns) that `vector · x = constant` (`equalities`) and `vector · x <= constant`
    (`inequalities`) allow: two SciPy `linprog` programmes per cell, rounded inwards; inf when unbounded."""
    from scipy.optimize import linprog

    options = {
        "A_eq": np.array([v for v, _ in equalities]) if equalities else None,
        "b_eq": np.array([c for _, c in equalities]) if equalities else None,
        "A_ub": np.array([v for v, _ in inequalities]) if inequalities else None,
        "b_ub": np.array([c for _, c in inequalities]) if inequalities else None,
        "bounds": (0, None),
        "method": "highs",
    }
    found: dict[Key, tuple[float, float]] = {}
    for key, column in columns.items():
        objective = np.zeros(size)
        objective[column] = 1.0
        low, high = linprog(objective, **options), linprog(-objective, **options)
        assert low.status == 0, (key, low.message)
        top = float("inf") if high.status == 3 else int(np.floor(-high.fun + 1e-6))
        found[key] = (int(np.ceil(low.fun - 1e-6)), top)
    return found


def is_narrow(bounds: tuple[float, float], min_width: int) -> bool:
    """A range narrower than `min_width` that reaches into 1 … min_width − 1: a small group pinned."""
    low, high = bounds
    return high - low < min_width and low < min_width and high > 0
