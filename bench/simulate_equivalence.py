"""How often is a shown verdict wrong? The verdict rule of `oppnaogon.analysis.verdicts.decide`, simulated.

The worlds of `bench/simulate_verdicts.py` cannot see the serious error: their unmotivated worlds give
both sexes the same criteria, so "motivated" cannot occur there. Here every world has the structure in
which a wrong "motivated" happens: girls more often have high need, need raises the chance of being
granted, and on top of need girls are granted `remaining` percentage points more often (the part of the
crude difference that need does not explain). `remaining` = 0 is a fully explained difference; a
remaining difference of at least `min_diff` (5 points) must never be called motivated.

Each world is a two-level need criterion (high/low) with 70 % of the girls and 30 % of the boys at high
need, a grant probability of 0.25 (low) and 0.60 (high) for boys and `remaining` more for girls, and n
persons, half of them girls. Per world the crude difference is tested (`stats.two_by_two_test`) and
noteworthy when p < 0.05 and at least 5 points; the like-with-like comparison is the Mantel–Haenszel risk
difference over the two need levels (`stratified.mantel_haenszel`, as the tool computes it), and the
verdict is `verdicts.decide` on it, the criterion alone being the combined comparison. For comparison the
rule of the previous round (adjusted p ≥ 0.05, shrunk to at most half, interval excluding the crude
difference) is scored on the same worlds. All worlds of one size and remainder are drawn and analysed in
one vectorised call; the seeds are fixed.

    python bench/simulate_equivalence.py                      # writes docs/verdict-equivalence.md
    python bench/simulate_equivalence.py --worlds 500 --output /tmp/eq.md

What it does not cover (see docs/verdict-simulation.md for the pipeline's own study): several criteria
and their combination, sparse strata, breakdown groups and the report-wide Benjamini–Hochberg family
(one comparison per world here, so the adjusted p is the plain one).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from oppnaogon.analysis.verdicts import Adjusted, adjusted_at, decide
from oppnaogon.model.settings import AnalysisSettings
from oppnaogon.stats import compare as stats
from oppnaogon.stats.stratified import mantel_haenszel

SIZES = (120, 500, 2000, 5000, 20000)
REMAINING = (0.0, 0.025, 0.05, 0.08, 0.10)
HIGH_NEED = {"female": 0.7, "male": 0.3}
GRANT = {"low": 0.25, "high": 0.60}


def _worlds(n: int, remaining: float, worlds: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Counts per world and need level: persons and granted, for girls and boys."""
    girls = n // 2
    boys = n - girls
    out: dict[str, np.ndarray] = {}
    for sex, size, extra in (("female", girls, remaining), ("male", boys, 0.0)):
        high = rng.binomial(size, HIGH_NEED[sex], worlds)
        low = size - high
        out[f"{sex}_high_n"], out[f"{sex}_low_n"] = high, low
        out[f"{sex}_high_k"] = rng.binomial(high, min(GRANT["high"] + extra, 1.0))
        out[f"{sex}_low_k"] = rng.binomial(low, min(GRANT["low"] + extra, 1.0))
    return out


def _old_explains(adj: Adjusted, crude: float, alpha: float) -> bool:
    low, high = adj.ci
    return adj.p_value >= alpha and abs(adj.estimate) <= abs(crude) / 2 and not (low <= crude <= high)


def simulate(n: int, remaining: float, worlds: int, seed: int, settings: AnalysisSettings) -> dict[str, int]:
    rng = np.random.default_rng([seed, n, round(remaining * 1000)])
    w = _worlds(n, remaining, worlds, rng)
    k1 = w["female_high_k"] + w["female_low_k"]
    n1 = w["female_high_n"] + w["female_low_n"]
    k0 = w["male_high_k"] + w["male_low_k"]
    n0 = w["male_high_n"] + w["male_low_n"]
    crude = k1 / n1 - k0 / n0
    p_crude, _ = stats.two_by_two_test(k1, n1, k0, n0)
    ids = np.repeat(np.arange(worlds), 2)
    stack = np.column_stack
    r = mantel_haenszel(
        ids,
        stack([w["female_high_k"], w["female_low_k"]]).ravel(),
        stack([w["female_high_n"], w["female_low_n"]]).ravel(),
        stack([w["male_high_k"], w["male_low_k"]]).ravel(),
        stack([w["male_high_n"], w["male_low_n"]]).ravel(),
        worlds,
        settings.confidence,
    )
    counts: dict[str, int] = {"worlds": worlds, "noteworthy": 0, "old_motivated": 0}
    for j in range(worlds):
        noteworthy = bool(p_crude[j] < settings.alpha and abs(crude[j]) >= settings.min_diff)
        if not noteworthy:
            continue
        counts["noteworthy"] += 1
        adj = adjusted_at(r, j, known_share=1.0)
        verdict, _, _ = decide(float(crude[j]), True, adj, {"need": adj}, settings, adj.p_value)
        counts[verdict or "none"] = counts.get(verdict or "none", 0) + 1
        counts["old_motivated"] += _old_explains(adj, float(crude[j]), settings.alpha) and adj.usable
    return counts


def _pct(part: int, whole: int) -> str:
    if not whole:
        return "–"
    low, high = (float(x[0]) for x in stats.wilson_interval(np.array([part]), np.array([whole]), 0.95))
    return f"{100 * part / whole:.1f} % ({100 * low:.1f}–{100 * high:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=2000, help="worlds per size and remainder")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, default=Path("docs/verdict-equivalence.md"))
    args = parser.parse_args()
    settings = AnalysisSettings()
    results = {(n, d): simulate(n, d, args.worlds, args.seed, settings) for n in SIZES for d in REMAINING}
    verdict_names = ("motivated", "partly_explained", "unmotivated", "inconclusive")
    lines = [
        "# How often is a shown verdict wrong? (generated by `bench/simulate_equivalence.py`)",
        "",
        f"{args.worlds} worlds per size and remaining difference, seed {args.seed}; the world is described "
        "in the script's docstring (one need criterion of two levels, girls more often at high need, "
        "`remaining` percentage points granted more often to girls at equal need). Only noteworthy crude "
        "differences get a verdict; shares are of those, with 95 % Wilson intervals. `old motivated`: "
        "the rule of the previous round on the same worlds.",
        "",
        "| persons | remaining (pp) | noteworthy | motivated | partly explained | unmotivated | inconclusive "
        "| old motivated |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (n, d), c in results.items():
        shown = c["noteworthy"]
        cells = [_pct(c.get(v, 0), shown) for v in verdict_names]
        lines.append(
            f"| {n:,} | {100 * d:g} | {shown} | "
            + " | ".join(cells)
            + f" | {_pct(c['old_motivated'], shown)} |"
        )
    lines += ["", "## When the tool says motivated, how often is it wrong?", ""]
    lines.append(
        "Wrong = the remaining difference is at least `min_diff` (5 points). Per size, over the five "
        "remainders in equal numbers of worlds (a mix in which 60 % of the worlds have 5 points or more "
        "remaining: a hard test; in practice the share depends on how often differences are only partly "
        "explained)."
    )
    lines += [
        "",
        "| persons | motivated shown | of which wrong | old rule: shown | old rule: wrong |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in SIZES:
        shown = sum(results[(n, d)].get("motivated", 0) for d in REMAINING)
        wrong = sum(results[(n, d)].get("motivated", 0) for d in REMAINING if d >= settings.min_diff - 1e-12)
        old = sum(results[(n, d)]["old_motivated"] for d in REMAINING)
        old_wrong = sum(results[(n, d)]["old_motivated"] for d in REMAINING if d >= settings.min_diff - 1e-12)
        lines.append(f"| {n:,} | {shown} | {_pct(wrong, shown)} | {old} | {_pct(old_wrong, old)} |")
    lines += [
        "",
        "## When the tool says unmotivated, how often is it wrong?",
        "",
        "Wrong = fully explained (remaining 0). Same mix as above.",
        "",
        "| persons | unmotivated shown | of which wrong (remaining 0) |",
        "|---:|---:|---:|",
    ]
    for n in SIZES:
        shown = sum(results[(n, d)].get("unmotivated", 0) for d in REMAINING)
        wrong = results[(n, 0.0)].get("unmotivated", 0)
        lines.append(f"| {n:,} | {shown} | {_pct(wrong, shown)} |")
    text = "\n".join(lines) + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
