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
    hidden[("rows_used",)] = False
    constraints.append((("rows_used",), [("rows", s) for s in sexes]))
    return hidden, constraints


def recoverable_cells(findings: dict[str, Any]) -> list[Key]:
    """Published-but-hidden cells whose value the published numbers determine exactly."""
    return _recoverable(*published_system(findings))


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
        k for k in unknowns if "present" not in (k[0], k[1][0] if isinstance(k[1], tuple) else None)
    ]
    return [k for k in published_hidden if null.shape[0] == 0 or np.abs(null[:, index[k]]).max() < 1e-9]
