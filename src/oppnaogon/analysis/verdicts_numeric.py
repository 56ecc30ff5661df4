"""Numeric outcomes compared like with like: the difference of means within the criteria strata.

A numeric outcome (hours per week granted) is the extent of an intervention, which is part of the
decision: by default its differences are judged by the decision criteria (need, met otherwise, consent),
or by those its `criteria` key in oppnaogon.toml names (`verdicts.criteria_kind`). Women and men are
compared within the same strata as a yes/no outcome (each criterion alone, all together, all but one),
and the within-stratum differences of means are pooled as the OLS coefficient of sex with one intercept
per stratum, with an HC2 standard error (`stratified.stratified_mean_difference`). The verdict rules of
:func:`verdicts.decide` apply unchanged, on the outcome's own scale: the smallest difference that matters
is the outcome's `min_diff` (in its unit) or else `min_smd` (0.2) pooled standard deviations of the group,
the same size that makes the crude difference noteworthy (`numeric_margin`).

One pass over the rows groups them by the finest strata (every dimension and criteria column, coded and
packed as :mod:`oppnaogon.analysis.verdicts` does), sex and value, counting persons: counts add up exactly in any
order, so every roll-up is exact, and the sums (Σx, Σx²) of each stratum cell are added up by numpy over
its values in sorted order at the end, the same number in every run (as `differences._moments` does).

Disclosure (docs/privacy.md, R7): the adjusted figures are published only when every stratum × sex cell
that enters them would itself be publishable as a group under R7's rules 1–3 (at least 2·min_cell
persons, no dominant value, enough spread); otherwise they are withheld (`figures: "withheld"`). No
rounded form. The verdict is decided on the unrounded figures either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from oppnaogon.analysis.strata import _attach_entries, _recorded, strata_layout
from oppnaogon.disclosure import numeric
from oppnaogon.disclosure.adjusted import (
    publication_form,
    published_figure,
    published_known_share,
    published_part,
)
from oppnaogon.engine.keys import pack
from oppnaogon.model.comparison import Adjusted
from oppnaogon.model.sexes import COMPARED
from oppnaogon.prepare.normalise import OUTCOME_PREFIX
from oppnaogon.stats.compare import finite_round as _round
from oppnaogon.stats.stratified import stratified_mean_difference

if TYPE_CHECKING:
    from oppnaogon.model.config import OutcomeSpec
    from oppnaogon.model.criteria import CriteriaArea
    from oppnaogon.model.settings import AnalysisSettings


def numeric_margin(spec: OutcomeSpec, settings: AnalysisSettings, pooled_sd: float) -> float:
    """The smallest difference of means that matters, in the outcome's unit: the outcome's `min_diff`
    when oppnaogon.toml gives one, else `min_smd` pooled standard deviations of the group (the size of
    a noteworthy crude difference: a remaining difference is compared with the same yardstick)."""
    if spec.min_diff is not None:
        return spec.min_diff
    return settings.min_smd * pooled_sd if np.isfinite(pooled_sd) else float("nan")


def numeric_adjusted(
    frame: pl.DataFrame,
    spec: OutcomeSpec,
    entries: Sequence[dict[str, Any]],
    sets: dict[str, list[str]],
    area: CriteriaArea,
    settings: AnalysisSettings,
) -> dict[str, list[Adjusted | None]]:
    """The difference of means within strata of every entry for every criterion set (the numeric
    counterpart of `verdicts._adjust`): one group-by over the rows by the finest strata, sex and value;
    each set's strata of each breakdown rolled up from it in one query; one vectorised call."""
    outcome = OUTCOME_PREFIX + spec.name
    lay = strata_layout(frame, entries, sets, area)
    codes, packed_dims, plain_dims = lay.codes, lay.packed_dims, lay.plain_dims
    words, word_names, located, not_explaining = lay.words, lay.word_names, lay.located, lay.not_explaining
    by_breakdown, wanted = lay.by_breakdown, lay.wanted
    base = (
        frame.lazy()
        .filter(pl.col("sex").is_in(COMPARED) & pl.col(outcome).is_not_null())
        .select(
            *plain_dims,
            *words,
            (pl.col("sex") == "female").cast(pl.UInt8).alias("__f"),
            pl.col(outcome).cast(pl.Float64).alias("__v"),
        )
    )
    known = [
        pl.when(pl.any_horizontal(_recorded(c, located, not_explaining) for c in cols))
        .then(pl.col("__c"))
        .otherwise(0)
        .alias(f"__known:{cid}")
        for cid, cols in sets.items()
    ]
    # persons per finest stratum, sex and value: integer counts, exact whatever the order of summing
    finest = (
        base.group_by([*plain_dims, *word_names, "__f", "__v"])
        .agg(pl.len().cast(pl.Int64).alias("__c"))
        .with_columns(*known, *[located[d].alias(d) for d in packed_dims])
        .collect()
        .lazy()
    )
    set_ids = list(sets)
    packed_sets = {
        cid: pack([(located[c], codes[c][1]) for c in cols], f"__s:{cid}:")[0] for cid, cols in sets.items()
    }
    width = max((len(words) for words in packed_sets.values()), default=0)
    stratum = [f"__k{i}" for i in range(width)]
    parts = []
    for k, cid in enumerate(set_ids):
        keys = [w.meta.output_name() for w in packed_sets[cid]]
        with_keys = finest.with_columns(packed_sets[cid])
        for b in by_breakdown:
            parts.append(
                with_keys.group_by([*b, *keys, "__f", "__v"])
                .agg(pl.col("__c").sum(), pl.col(f"__known:{cid}").sum().alias("__known"))
                .pipe(_attach_entries, b, wanted[b], packed_dims)
                .select(
                    (pl.col("__idx") + k * len(entries)).alias("__idx"),
                    *[
                        (pl.col(keys[i]) if i < len(keys) else pl.lit(0, dtype=pl.UInt64)).alias(name)
                        for i, name in enumerate(stratum)
                    ],
                    "__f",
                    "__v",
                    "__c",
                    "__known",
                )
            )
    size = len(set_ids) * len(entries)
    results: dict[str, list[Adjusted | None]] = {cid: [None] * len(entries) for cid in set_ids}
    if not parts:
        return results
    # in a fixed order (group_by's is not): each cell's values in ascending order, so that its sums
    # are the same bits in every run
    cells = pl.concat(parts).collect().sort(["__idx", *stratum, "__f", "__v"])
    if cells.height == 0:
        return results
    idx = cells["__idx"].to_numpy()
    female = cells["__f"].to_numpy()
    value = cells["__v"].to_numpy()
    count = cells["__c"].to_numpy().astype(float)
    keys_now = np.stack([idx, *(cells[c].to_numpy().astype(np.int64) for c in stratum)])
    new_stratum = np.r_[True, (keys_now[:, 1:] != keys_now[:, :-1]).any(axis=0)]
    new_cell = new_stratum | np.r_[True, female[1:] != female[:-1]]
    first = np.flatnonzero(new_cell)
    cell_n = np.add.reduceat(count, first)
    cell_s = np.add.reduceat(value * count, first)
    cell_q = np.add.reduceat(value * value * count, first)
    cell_known = np.add.reduceat(cells["__known"].to_numpy().astype(float), first)
    cell_female = female[first] == 1
    cell_stratum = np.cumsum(new_stratum)[first] - 1
    strata = int(cell_stratum[-1]) + 1
    stratum_group = idx[np.flatnonzero(new_stratum)]
    per_sex = {}
    for sex, mask in (("f", cell_female), ("m", ~cell_female)):
        for name, values in (("n", cell_n), ("s", cell_s), ("q", cell_q)):
            column = np.zeros(strata)
            column[cell_stratum[mask]] = values[mask]  # at most one cell of each sex per stratum
            per_sex[name + sex] = column
    r = stratified_mean_difference(
        stratum_group,
        per_sex["nf"],
        per_sex["sf"],
        per_sex["qf"],
        per_sex["nm"],
        per_sex["sm"],
        per_sex["qm"],
        size,
        settings.confidence,
    )
    # R7, rules 1–3, for every cell of a stratum with both sexes (those that enter the figures)
    top1, top2, step, smallest, largest, _, _ = numeric.profile(value, count, first)
    enters = (per_sex["nf"] > 0)[cell_stratum] & (per_sex["nm"] > 0)[cell_stratum]
    variance = np.maximum(cell_q - cell_s * cell_s / cell_n, 0.0) / np.maximum(cell_n - 1, 1)
    hidden = (
        (cell_n < numeric.numeric_min_n(settings))
        | (cell_q - top1 * top1 - top2 * top2 < numeric.DOMINANCE_P * top1 * top1)
        | (largest == smallest)
        | (np.sqrt(variance) < numeric.SPREAD_MIN_STEPS * step)
    )
    cell_group = idx[first]
    exposed = np.bincount(cell_group, weights=(hidden & enters).astype(float), minlength=size)[:size] > 0
    totals = np.bincount(cell_group, weights=cell_n, minlength=size)[:size]
    known_totals = np.bincount(cell_group, weights=cell_known, minlength=size)[:size]

    def by_sex(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(cell_group, weights=np.where(mask, values, 0.0), minlength=size)[:size]

    # the group's pooled standard deviation (all its persons: the crude comparison's, as in its SMD)
    within = sum(
        by_sex(cell_q, mask) - by_sex(cell_s, mask) ** 2 / np.maximum(by_sex(cell_n, mask), 1.0)
        for mask in (cell_female, ~cell_female)
    )
    persons = by_sex(cell_n, cell_female) + by_sex(cell_n, ~cell_female)
    pooled_sd = np.sqrt(np.maximum(within, 0.0) / np.where(persons > 2, persons - 2, np.nan))
    for j in np.unique(idx).tolist():
        results[set_ids[j // len(entries)]][j % len(entries)] = Adjusted(
            estimate=float(r.difference[j]),
            ci=(float(r.ci_low[j]), float(r.ci_high[j])),
            p_value=float(r.p_value[j]),
            odds_ratio=float("nan"),
            or_ci=(float("nan"), float("nan")),
            heterogeneity_p=float("nan"),
            female_share=float(r.female_mean[j]),
            standardised_male_share=float(r.standardised_male_mean[j]),
            strata=int(r.strata_used[j]),
            persons_one_sex_only=int(r.persons_one_sex_only[j]),
            n_used=int(r.n_used[j]),
            known_share=float(known_totals[j] / totals[j]) if totals[j] else 0.0,
            protected=not bool(exposed[j]),
            numeric=True,
            margin=numeric_margin(spec, settings, float(pooled_sd[j])),
        )
    return results


def numeric_adjusted_entry(adj: Adjusted, criteria: list[str], alpha: float, min_cell: int) -> dict[str, Any]:
    """The difference of means within strata of all available criteria together, as findings.json
    publishes it: exact (4 decimals, p 6) or withheld (`disclosure.adjusted.publication_form`), counts of persons
    rounded as for a yes/no outcome. No means of the compared persons: with the crude means they would
    give the sums of the persons alone in their strata, who may be few."""
    form = publication_form(adj)
    alone = published_part(adj.persons_one_sex_only, adj.persons, min_cell)
    return {
        "criteria": criteria,
        "figures": form,
        "scale": "mean_difference",
        "estimate": published_figure(adj.estimate, form, "difference"),
        "ci": [
            published_figure(adj.ci[0], form, "difference"),
            published_figure(adj.ci[1], form, "difference"),
        ],
        "p_value": published_figure(adj.p_value, form, "p"),
        "p_adjusted": None,
        # the threshold of the verdict in the outcome's unit: the outcome's min_diff, or min_smd pooled
        # standard deviations (from the group's published SDs, so it reveals nothing new)
        "min_diff": None if adj.margin is None else _round(adj.margin),
        "heterogeneous": None,
        "persons_compared": adj.persons - alone,
        "persons_in_one_sex_strata": alone,
        "known_share": published_known_share(adj, min_cell),
    }
