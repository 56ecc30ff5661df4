"""The follow-up (`analyse --compare-with`) in worlds where nothing changed between the two runs.

Two questions, each answered for the rule before issue 15 (the change's interval from half the width of
each published interval, combined in quadrature; labelled when it excludes zero) and for the rule now
(`followup.mover_change`, the MOVER interval; labelled when the Benjamini–Hochberg adjusted p over the
report's changes is below 0.05):

1. **Coverage.** Two independent runs of the same truth (girls' and boys' shares fixed, n per sex); each
   run publishes its difference and Newcombe interval rounded to 4 decimals as findings.json does. How
   often does the 95 % interval of the change cover the true change, 0? Drawn and computed vectorised,
   `--worlds` per setting.
2. **Labels per report.** Pairs of synthetic extracts of the example's kind (`synthetic.
   generate_barn_och_unga`, 6,000 rows, the same generator and truth, different seeds), each analysed by
   the tool (`run.run_analysis`, nothing written), the second compared with the first
   (`followup.compare`). How many followed-up differences get grew/shrank/reversed, and how many reports
   carry at least one? Every label is wrong there.

    python bench/simulate_followup.py                     # both parts, the defaults below
    python bench/simulate_followup.py --pairs 10 --worlds 2000
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from oppnaogon.analysis.followup import compare, mover_change
from oppnaogon.stats import compare as stats

Z = float(stats.normal_quantile(0.975))
SIZES = (20, 50, 200, 1000)  # persons per sex in each run
SHARES = ((0.05, 0.02), (0.10, 0.05), (0.30, 0.20), (0.50, 0.50), (0.90, 0.80))
EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "examples" / "oppnaogon.toml"


def _published_run(rng: np.random.Generator, n: int, shares: tuple[float, float], worlds: int) -> np.ndarray:
    """(estimate, low, high) per world, rounded to 4 decimals as findings.json publishes them."""
    girls = rng.binomial(n, shares[0], worlds)
    boys = rng.binomial(n, shares[1], worlds)
    low, high = stats.newcombe_interval(girls, n, boys, n)
    return np.round(np.stack([girls / n - boys / n, low, high], axis=1), 4)


def coverage(worlds: int, seed: int) -> list[dict[str, Any]]:
    """Per size and pair of shares: the coverage of a true change of zero by the old and the MOVER
    interval."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in SIZES:
        for shares in SHARES:
            now, before = _published_run(rng, n, shares, worlds), _published_run(rng, n, shares, worlds)
            change = now[:, 0] - before[:, 0]
            half = np.hypot(now[:, 2] - now[:, 1], before[:, 2] - before[:, 1]) / 2
            old_covers = (change - half <= 0) & (change + half >= 0)
            mover = np.array(
                [mover_change(tuple(a), tuple(b), Z)[1:3] for a, b in zip(now, before, strict=True)]
            )
            mover_covers = (mover[:, 0] <= 0) & (mover[:, 1] >= 0)
            rows.append(
                {
                    "n": n,
                    "shares": shares,
                    "old": float(old_covers.mean()),
                    "mover": float(mover_covers.mean()),
                }
            )
    return rows


def _old_labels(followup: dict[str, Any]) -> int:
    """Labels of the rule before issue 15, from the same published figures: half widths in quadrature,
    labelled when that interval excludes zero (no multiplicity control)."""
    labelled = 0
    for c in followup["changes"]:
        if c["change"] is None:
            continue
        # the published intervals of both runs are in the change entry only as estimates: recompute
        now, before = c["_now"], c["_before"]
        half = math.hypot(now[2] - now[1], before[2] - before[1]) / 2
        change = now[0] - before[0]
        labelled += change - half > 0 or change + half < 0
    return labelled


def labels_per_report(pairs: int, seed: int) -> dict[str, Any]:
    """Analyse `pairs` pairs of stationary extracts; count labelled changes by each rule."""
    from oppnaogon.app.analyse import run_analysis
    from oppnaogon.testing.synthetic import generate_barn_och_unga, write_export_csv

    folder = Path(tempfile.mkdtemp(prefix="oppnaogon-followup-"))
    shutil.copy(EXAMPLE_CONFIG, folder / "oppnaogon.toml")
    per_report: list[tuple[int, int, int, int]] = []  # (followed, old, mover alone, mover + BH)
    try:
        for pair in range(pairs):
            documents = []
            for run in (0, 1):
                path = folder / "uttag.csv"
                write_export_csv(generate_barn_och_unga(6000, seed=seed + 2 * pair + run), path)
                documents.append(run_analysis(path, out=None).findings)
            followup = compare(documents[1], documents[0])
            intervals = {
                d["id"]: (d["estimate"], *(d["ci"] or (None, None))) for d in documents[1]["differences"]
            }
            previous = {
                d["id"]: (d["estimate"], *(d["ci"] or (None, None))) for d in documents[0]["differences"]
            }
            comparable = [c for c in followup["changes"] if c["change"] is not None]
            for c in comparable:
                c["_now"], c["_before"] = intervals[c["id"]], previous[c["id"]]
            mover_alone = sum(1 for c in comparable if c["ci"][0] > 0 or c["ci"][1] < 0)
            labelled = sum(1 for c in comparable if c["trend"] in ("grew", "shrank", "reversed"))
            per_report.append((len(comparable), _old_labels(followup), mover_alone, labelled))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    followed = sum(r[0] for r in per_report)
    return {
        "pairs": pairs,
        "followed": followed,
        "followed_per_report": followed / pairs,
        **{
            rule: {
                "labelled": sum(r[i] for r in per_report),
                "per_report": sum(r[i] for r in per_report) / pairs,
                "share_of_changes": sum(r[i] for r in per_report) / followed if followed else 0.0,
                "reports_with_any": sum(1 for r in per_report if r[i] > 0) / pairs,
            }
            for i, rule in ((1, "old"), (2, "mover_alone"), (3, "mover_bh"))
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worlds", type=int, default=20000, help="worlds per setting for the coverage")
    parser.add_argument("--pairs", type=int, default=40, help="pairs of 6,000-row extracts for the labels")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = coverage(args.worlds, args.seed)
    print(f"Coverage of a true change of 0 by the 95 % interval ({args.worlds} worlds per row)")
    print("| n per sex | girls, boys | half widths in quadrature | MOVER |")
    print("|---:|---|---:|---:|")
    for r in rows:
        print(
            f"| {r['n']} | {r['shares'][0]:.2f}, {r['shares'][1]:.2f} | {r['old']:.1%} | {r['mover']:.1%} |"
        )
    old, mover = [r["old"] for r in rows], [r["mover"] for r in rows]
    print(f"range: old {min(old):.1%}–{max(old):.1%}, MOVER {min(mover):.1%}–{max(mover):.1%}")
    if args.pairs:
        result = labels_per_report(args.pairs, args.seed)
        print(
            f"\nStationary pairs of 6,000-row extracts: {result['pairs']} reports, "
            f"{result['followed_per_report']:.1f} comparable changes per report"
        )
        print("| rule | labelled per report | share of changes | reports with at least one |")
        print("|---|---:|---:|---:|")
        for rule, name in (
            ("old", "half widths, interval excludes 0"),
            ("mover_alone", "MOVER, interval excludes 0"),
            ("mover_bh", "MOVER + Benjamini–Hochberg (the tool)"),
        ):
            r = result[rule]
            print(
                f"| {name} | {r['per_report']:.2f} | {r['share_of_changes']:.1%} | {r['reports_with_any']:.0%} |"
            )
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
