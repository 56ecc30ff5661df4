"""The batch overview: each unit's whole-group difference against the region's, in a funnel chart.

A funnel chart plots each unit's difference (women − men) against its size, with the region's difference
as the centre line and the limits within which a unit of that size would fall by chance alone (95 % and
99.8 %). A small unit far from the centre but inside the funnel is noise; a large one outside it is
worth a look. Only figures already published in the units' own reports are shown per unit.

The region is the rows of the *published* units only (batch.py, `_region`): a unit that failed (too
few rows, an analysis or writing error) and rows without a municipality are no part of it, so region
minus the published units is exactly zero in every figure and tells nothing about them. Leaving them out
was chosen over keeping them as a hidden remainder of the region's disclosure control: with every unit
published, each regional cell minus the units' cells is the remainder, so every regional cell would have
to be hidden, and a remainder of one to four persons would still be bounded by the counts around it.
The overview says how many units the region holds (`units_in_region`) and, in words, that the others
are left out.

Every regional figure is then checked against the units' reports (`_protect_region`), cell by cell:
- n per sex, and the yes-count (share × n) or sum (mean × n) behind the share or mean per sex: shown
  only when every unit shows its own, so it tells nothing the units' reports do not and no unit's hidden
  cell can be recovered from the region and the other units;
- the interval of a regional mean (it gives the region's standard deviation, so its sum of squares): only
  when every unit shows its own interval as well; a share's interval follows from n and the yes-count;
- the region's difference: only when the shares or means of both women and men are shown; its interval
  only when both their intervals are;
- `region_rows`: the sum of the published units' rows, each of which batch.json shows;
- per unit (its n, difference, interval, verdict, adjusted difference): copied from the unit's own
  report; the funnel centre, limits and position: computed from those and the region's shown counts.

The funnel (`_funnel`) plots, for an outcome with criteria (decisions, participation), each unit's
**adjusted** whole-group difference (like with like over the criteria: `adjusted` in its findings.json)
with its own standard error read from its published interval (half its width / z): a unit whose own
report calls its difference motivated by need must not stand out merely because its crude difference is
large. A unit whose adjusted figures are withheld (`figures: withheld`), or whose rounded interval has no
width left, is plotted with its crude difference and says so (`note`); nothing is computed from a hidden
figure. An outcome without criteria (numeric, or no criteria in the file) is plotted crude throughout.

Each unit is compared with the region **without itself**, so the limits no longer ignore that a unit is
part of the centre (in the example's three municipalities the plain limits were 66 %, 14 % and 7 % too
wide, the more the larger the unit's share of the region):
- on the adjusted scale the centre is the precision-weighted mean of the other units' adjusted
  differences, c = Σ a_j/s_j² / Σ 1/s_j² over j ≠ unit, and the limits are c ± z·sqrt(s² + 1/Σ 1/s_j²);
- on the crude scale, when the region's counts are shown, the centre is the rest of the region (its
  yes-counts and persons minus the unit's, per sex) and the limits those of a two-sample comparison of
  the unit with the rest under the region's shares p: c ± z·sqrt(Σ_sex p(1−p)(1/n + 1/n_rest)); when
  they are hidden, the precision-weighted mean of the other units' crude differences as above.
Against the whole region's difference with the limits corrected for the unit's share, sqrt(s² − 1/W),
this is the same test (the same position in or outside the funnel); the leave-one-out form is kept
because it reads as what it is.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oppnaogon.model.sexes import SEXES, sex_word

if TYPE_CHECKING:
    from oppnaogon.model.units import UnitResult

Z95, Z998 = 1.959964, 3.090232


def _whole(document: dict[str, Any], outcome: str) -> dict[str, dict[str, Any]]:
    return {d["sex"]: d for d in document["descriptives"] if d["outcome"] == outcome and not d["breakdown"]}


def build_overview(units: list[UnitResult], region: dict[str, Any] | None) -> dict[str, Any]:
    """The overview's data (JSON-ready): per outcome the region's figures after joint protection and,
    per unit, its published whole-group difference with its funnel position."""
    ok = [u for u in units if u.status == "ok" and u.document is not None]
    if not ok or region is None:
        return {"units": len(units), "units_in_region": 0, "outcomes": []}
    first = ok[0].document
    assert first is not None
    outcomes = []
    for outcome in first["outcomes"]:
        name, binary = outcome["name"], outcome["kind"] != "numeric"
        region_rows = {
            d["sex"]: d for d in region["descriptives"] if d["outcome"] == name and not d["breakdown"]
        }
        visible = _protect_region(ok, region_rows, name, binary)
        region_values = {
            sex: {
                "n": region_rows[sex]["n"] if visible.get(("n", sex)) else None,
                "value": region_rows[sex]["value"] if visible.get(("v", sex)) else None,
                "ci": region_rows[sex]["ci"] if visible.get(("ci", sex)) else None,
                "suppressed": not visible.get(("v", sex)),
            }
            for sex in SEXES
            if sex in region_rows
        }
        region_difference = next(
            (d for d in region["differences"] if d["outcome"] == name and not d["breakdown"]), None
        )
        shown = (
            region_difference is not None
            and region_difference["estimate"] is not None
            and visible.get(("v", "female"))
            and visible.get(("v", "male"))
        )
        # the difference's interval needs the spread of both sexes (for a mean: their SDs)
        ci_shown = shown and visible.get(("ci", "female")) and visible.get(("ci", "male"))
        centre = region_difference["estimate"] if shown and region_difference else None
        rows = [_unit_row(u, name) for u in ok]
        scale = None
        if binary:
            counts_shown = all(visible.get((m, sex)) for m in ("n", "v") for sex in ("female", "male"))
            region_counts = (
                {
                    sex: (_count(region_rows[sex], "v", True), _count(region_rows[sex], "n", True))
                    for sex in ("female", "male")
                }
                if counts_shown
                else None
            )
            scale = _funnel(rows, region_counts)
        for row in rows:
            row.pop("_published", None)
        outcomes.append(
            {
                "name": name,
                "label": outcome["label"],
                "kind": outcome["kind"],
                # what the funnel plots: "adjusted" (like with like, crude only for the units noted) or "crude"
                "funnel_scale": scale,
                "region": {
                    "by_sex": region_values,
                    "difference": centre,
                    "ci": region_difference["ci"] if ci_shown and region_difference else None,
                },
                "units": rows,
            }
        )
    return {
        "units": len(units),
        "units_in_region": len(ok),
        "region_rows": region["rows"],
        "outcomes": outcomes,
    }


def _protect_region(
    units: list[UnitResult], region_rows: dict[str, dict[str, Any]], outcome: str, binary: bool
) -> dict[tuple[str, str], bool]:
    """Which regional cells (n, the share or mean behind its yes-count or sum, and its interval, per
    sex) can be shown.

    A regional cell is the sum of the published units' cells (the region holds no other rows). It is
    shown only when every unit shows its own cell (and the region's own disclosure control allows it):
    then it adds nothing a reader could not add up from the units' reports, so it cannot help recover
    anything they hide. This is stricter than necessary (two hidden unit cells can shield each other)
    but needs no assumption about how the units' tables constrain each other. A mean's interval holds
    the region's standard deviation, hence the sum of the units' squares: it is shown only when every
    unit shows its interval too.
    """
    shown: dict[tuple[str, str], bool] = {}
    for sex in SEXES:
        if sex not in region_rows:
            continue
        for measure in ("n", "v"):
            region_count = _count(region_rows[sex], measure, binary)
            unit_counts = [
                _count(_whole(u.document, outcome).get(sex), measure, binary) for u in units if u.document
            ]
            shown[(measure, sex)] = region_count is not None and all(c is not None for c in unit_counts)
        # a share needs both its count and its yes-count (or sum): either one gives the other away
        shown[("v", sex)] = shown[("v", sex)] and shown[("n", sex)]
        spreads = [binary or _spread_known(_whole(u.document, outcome).get(sex)) for u in units if u.document]
        shown[("ci", sex)] = shown[("v", sex)] and all(spreads)
    return shown


def _spread_known(cell: dict[str, Any] | None) -> bool:
    """A unit's spread of a numeric outcome is published (its mean's interval) or nothing to add (no one
    in the group)."""
    return cell is None or cell["n"] == 0 or cell["ci"] is not None


def _count(cell: dict[str, Any] | None, measure: str, binary: bool) -> float | None:
    """n, or the yes-count (share × n) / sum (mean × n) behind a published share or mean."""
    if cell is None:
        return 0.0
    if measure == "n":
        return None if cell["n"] is None else float(cell["n"])
    if cell["n"] == 0:
        return 0.0
    if cell["value"] is None or cell["n"] is None:
        return None
    product = cell["value"] * cell["n"]
    return float(round(product)) if binary else float(product)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _z(document: dict[str, Any]) -> float:
    """The z of the unit's published intervals (its confidence level)."""
    from oppnaogon.stats.compare import normal_quantile

    confidence = float(document.get("confidence") or 0.95)
    return float(normal_quantile(0.5 + confidence / 2))


def _unit_row(unit: UnitResult, outcome: str) -> dict[str, Any]:
    """The unit's published whole-group figures for the table and the funnel."""
    assert unit.document is not None
    whole = _whole(unit.document, outcome)
    difference = next(
        (d for d in unit.document["differences"] if d["outcome"] == outcome and not d["breakdown"]), None
    )
    n_female = (whole.get("female") or {}).get("n")
    n_male = (whole.get("male") or {}).get("n")
    adjusted = (difference or {}).get("adjusted")
    row: dict[str, Any] = {
        "name": unit.name,
        "code": unit.code,
        "folder": unit.slug,
        "n": (n_female + n_male) if n_female is not None and n_male is not None else None,
        "difference": difference["estimate"] if difference else None,
        "ci": difference["ci"] if difference else None,
        "adjusted": adjusted.get("estimate") if adjusted else None,
        "adjusted_ci": adjusted.get("ci") if adjusted and adjusted.get("estimate") is not None else None,
        "verdict": difference.get("verdict") if difference else None,
        "plotted": None,
        "note": None,
        "centre": None,
        "funnel": None,
        "limits": None,
    }
    z = _z(unit.document)
    counts = {
        sex: (_count(whole.get(sex), "v", True), _count(whole.get(sex), "n", True))
        for sex in ("female", "male")
    }
    row["_published"] = {
        "crude": _estimate_and_se(row["difference"], row["ci"], z),
        "adjusted": _estimate_and_se(row["adjusted"], row["adjusted_ci"], z)
        if adjusted and adjusted.get("figures") != "withheld"
        else None,
        "has_adjusted": adjusted is not None,
        "counts": counts if all(k is not None and n is not None for k, n in counts.values()) else None,
    }
    return row


def _estimate_and_se(estimate: Any, ci: Any, z: float) -> tuple[float, float] | None:
    """A published estimate and the standard error its published interval implies (None when either is
    hidden, or the interval has no width left after rounding)."""
    if not _number(estimate) or not isinstance(ci, list | tuple) or len(ci) != 2:
        return None
    if not (_number(ci[0]) and _number(ci[1])) or ci[1] - ci[0] <= 0:
        return None
    return float(estimate), (ci[1] - ci[0]) / (2 * z)


def _funnel(rows: list[dict[str, Any]], region_counts: dict[str, tuple[Any, Any]] | None) -> str:
    """Each unit's plotted difference, its centre (the region without the unit) and limits. Returns the
    outcome's scale: "adjusted" when any unit publishes an adjusted whole-group difference, else "crude"."""
    scale = "adjusted" if any(r["_published"]["has_adjusted"] for r in rows) else "crude"
    for row in rows:
        published = row["_published"]
        if scale == "adjusted" and published["adjusted"] is not None:
            row["plotted"] = "adjusted"
        elif published["crude"] is not None:
            row["plotted"] = "crude"
            if scale == "adjusted":
                # withheld (small counts in its table of strata) or no criteria data: never guessed
                row["note"] = "adjusted_withheld" if published["has_adjusted"] else "no_adjusted"
    for row in rows:
        if row["plotted"] is None:
            continue
        estimate, se = row["_published"][row["plotted"]]
        others = [r for r in rows if r is not row]  # their published figures on the unit's scale
        comparison = None
        if row["plotted"] == "crude" and region_counts is not None and row["_published"]["counts"]:
            comparison = _rest_of_region(row["_published"]["counts"], region_counts)
        if comparison is None:
            comparison = _weighted_centre([r["_published"][row["plotted"]] for r in others], se)
        if comparison is None:
            row["note"] = row["note"] or "no_other_units"
            continue
        centre, spread = comparison
        row["centre"] = round(centre, 4)
        row["limits"] = [
            round(centre - Z998 * spread, 4),
            round(centre - Z95 * spread, 4),
            round(centre + Z95 * spread, 4),
            round(centre + Z998 * spread, 4),
        ]
        distance = abs(estimate - centre)  # unrounded: a rounded limit must not move a unit across it
        row["funnel"] = (
            "outside_998"
            if distance > Z998 * spread
            else "outside_95"
            if distance > Z95 * spread
            else "inside"
        )
    return scale


def _weighted_centre(others: list[tuple[float, float] | None], se: float) -> tuple[float, float] | None:
    """The precision-weighted mean of the other units' figures and the standard error of the unit's
    difference from it: sqrt(se² + 1/Σ w)."""
    weights = [(1 / s**2, e) for e, s in (o for o in others if o is not None)]
    total = sum(w for w, _ in weights)
    if not weights:
        return None
    return sum(w * e for w, e in weights) / total, math.sqrt(se**2 + 1 / total)


def _rest_of_region(
    unit: dict[str, tuple[float, float]], region: dict[str, tuple[float, float]]
) -> tuple[float, float] | None:
    """The rest of the region's crude difference (its counts minus the unit's) and the standard error of
    the unit's difference from it under the region's shares."""
    shares, variance = {}, 0.0
    for sex in ("female", "male"):
        (k_unit, n_unit), (k_region, n_region) = unit[sex], region[sex]
        n_rest = n_region - n_unit
        if n_unit <= 0 or n_rest <= 0:
            return None
        shares[sex] = (k_region - k_unit) / n_rest
        p = k_region / n_region
        variance += p * (1 - p) * (1 / n_unit + 1 / n_rest)
    if variance <= 0:
        return None
    return shares["female"] - shares["male"], math.sqrt(variance)


def write_overview(folder: Path, overview: dict[str, Any], lang: str = "sv") -> None:
    """oversikt.json and oversikt.html (self-contained, one funnel chart per yes/no outcome)."""
    from oppnaogon.present.outputs import to_json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "oversikt.json").write_text(to_json(overview), encoding="utf-8")
    (folder / "oversikt.html").write_text(_html(overview, lang), encoding="utf-8")


def _funnel_svg(outcome: dict[str, Any], index: int, axes: tuple[str, str]) -> str:
    """The funnel chart: units as dots (size on x, the plotted difference on y; hollow where a unit's
    crude difference stands in for its withheld adjusted one), and at each unit its own centre (the
    region without it, a short line) and limits (dashed 95 %, dotted 99.8 %): together they narrow into
    the funnel as units grow."""
    import io

    import matplotlib
    from matplotlib.figure import Figure

    from oppnaogon.present.report.charts import _RC, _inline_svg

    rows = [r for r in outcome["units"] if r["n"] and r["plotted"] is not None]
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(7.0, 4.0))
        figure.subplots_adjust(left=0.11, right=0.97, bottom=0.13, top=0.93)
        ax = figure.subplots()
        sizes_shown = [r["n"] for r in rows]
        log_axis = bool(sizes_shown) and max(sizes_shown) > 20 * min(sizes_shown)
        for r in rows:
            x = r["n"]
            # the whiskers are a few per cent of the unit's size wide, on either axis type
            left, right = (
                (x / 1.06, x * 1.06)
                if log_axis
                else (x - 0.015 * max(sizes_shown), x + 0.015 * max(sizes_shown))
            )
            if r["limits"]:
                low998, low95, high95, high998 = (v * 100 for v in r["limits"])
                ax.plot([x, x], [low998, low95], ":", color="#555555", linewidth=1)
                ax.plot([x, x], [high95, high998], ":", color="#555555", linewidth=1)
                ax.plot([x, x], [low95, high95], "--", color="#555555", linewidth=1)
                ax.plot([left, right], [r["centre"] * 100] * 2, color="#222222", linewidth=1.2)
            outside = r["funnel"] in ("outside_95", "outside_998")
            value = r["adjusted"] if r["plotted"] == "adjusted" else r["difference"]
            colour = "#D55E00" if outside else "#0072B2"
            ax.plot(
                [x],
                [value * 100],
                marker="D" if outside else "o",
                color=colour,
                markerfacecolor=colour if r["plotted"] == outcome["funnel_scale"] else "white",
                markersize=5,
                linestyle="none",
            )
        if log_axis:
            # municipalities differ a hundredfold in size: a log axis keeps the small ones apart
            from matplotlib.ticker import FuncFormatter

            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}".replace(",", "\u00a0")))
        ax.set_xlabel(axes[0])
        ax.set_ylabel(axes[1])
        ax.axhline(0, color="#999999", linewidth=0.6)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _inline_svg(buffer.getvalue().decode("utf-8"), f"tratt-{index}")


def _html(overview: dict[str, Any], lang: str) -> str:
    from markupsafe import Markup

    from oppnaogon.model.wording import VERDICT
    from oppnaogon.present.report import numbers
    from oppnaogon.present.report.render import environment
    from oppnaogon.present.report.texts import load_texts

    labels = load_texts(lang).labels
    texts = labels["overview"]
    charts = {
        o["name"]: Markup(_funnel_svg(o, i, (texts["x_axis"], texts[f"y_axis_{o['funnel_scale']}"])))
        for i, o in enumerate(overview["outcomes"])
        if o["kind"] != "numeric"
    }
    return (
        environment(None, markdown=False)
        .get_template("overview.html.j2")
        .render(
            t=labels,
            verdict=lambda v: VERDICT[lang].get(v or "", ""),
            overview=overview,
            charts=charts,
            # a difference in percentage points for shares, in the outcome's own unit for means
            difference=lambda v, kind: (
                numbers.signed(v, lang) if kind == "numeric" else numbers.points(v, lang)
            ),
            ci_text=lambda ci, kind: (
                numbers.interval(ci[0], ci[1], lang, 1 if kind == "numeric" else 100) if ci else ""
            ),
            value=lambda cell, kind: (
                numbers.HIDDEN
                if not cell
                else numbers.number(cell["value"], lang, 1)
                if kind == "numeric"
                else numbers.percent(cell["value"], lang)
            ),
            lang=lang,
            number=lambda v: numbers.number(v, lang),
            # the units' ages differ: the words of a group spanning 18
            women=sex_word("female", "mixed", lang),
            men=sex_word("male", "mixed", lang),
        )
    )
