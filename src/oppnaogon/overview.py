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
- per unit (its n, difference, interval, verdict): copied from the unit's own report; the funnel limits
  and position: computed from those and the region's shown shares.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oppnaogon.batch import UnitResult

SEXES = ("female", "male", "other", "unknown")
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
        rows = [_unit_row(u, name, binary, centre, region_values) for u in ok]
        outcomes.append(
            {
                "name": name,
                "label": outcome["label"],
                "kind": outcome["kind"],
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


def _unit_row(
    unit: UnitResult, outcome: str, binary: bool, centre: float | None, region: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    assert unit.document is not None
    whole = _whole(unit.document, outcome)
    difference = next(
        (d for d in unit.document["differences"] if d["outcome"] == outcome and not d["breakdown"]), None
    )
    n_female = (whole.get("female") or {}).get("n")
    n_male = (whole.get("male") or {}).get("n")
    row: dict[str, Any] = {
        "name": unit.name,
        "code": unit.code,
        "folder": unit.slug,
        "n": (n_female + n_male) if n_female is not None and n_male is not None else None,
        "difference": difference["estimate"] if difference else None,
        "ci": difference["ci"] if difference else None,
        "verdict": difference.get("verdict") if difference else None,
        "funnel": None,
        "limits": None,
    }
    p_f = (region.get("female") or {}).get("value")
    p_m = (region.get("male") or {}).get("value")
    if binary and centre is not None and n_female and n_male and p_f is not None and p_m is not None:
        se = math.sqrt(p_f * (1 - p_f) / n_female + p_m * (1 - p_m) / n_male)
        row["limits"] = [
            round(centre - Z998 * se, 4),
            round(centre - Z95 * se, 4),
            round(centre + Z95 * se, 4),
            round(centre + Z998 * se, 4),
        ]
        if row["difference"] is not None:
            distance = abs(row["difference"] - centre)
            row["funnel"] = (
                "outside_998" if distance > Z998 * se else "outside_95" if distance > Z95 * se else "inside"
            )
    return row


def write_overview(folder: Path, overview: dict[str, Any], lang: str = "sv") -> None:
    """oversikt.json and oversikt.html (self-contained, one funnel chart per yes/no outcome)."""
    from oppnaogon.outputs import to_json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "oversikt.json").write_text(to_json(overview), encoding="utf-8")
    (folder / "oversikt.html").write_text(_html(overview, lang), encoding="utf-8")


def _funnel_svg(outcome: dict[str, Any], index: int, axes: tuple[str, str]) -> str:
    """The funnel chart: units as dots (size on x, difference on y), the region's difference as the
    centre line, the 95 % and 99.8 % limits for an even split of women and men."""
    import io

    import matplotlib
    from matplotlib.figure import Figure

    from oppnaogon.report.charts import _RC, _inline_svg

    rows = [r for r in outcome["units"] if r["n"] and r["difference"] is not None]
    centre = outcome["region"]["difference"]
    p_f = (outcome["region"]["by_sex"].get("female") or {}).get("value")
    p_m = (outcome["region"]["by_sex"].get("male") or {}).get("value")
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(7.0, 4.0))
        figure.subplots_adjust(left=0.11, right=0.97, bottom=0.13, top=0.93)
        ax = figure.subplots()
        if rows and centre is not None and p_f is not None and p_m is not None:
            top = max(r["n"] for r in rows) * 1.05
            low = max(4.0, min(r["n"] for r in rows) * 0.8)
            sizes = [low * (top / low) ** (i / 199) for i in range(200)]
            for z, style in ((Z95, "--"), (Z998, ":")):
                spread = [
                    z * math.sqrt(p_f * (1 - p_f) / (n / 2) + p_m * (1 - p_m) / (n / 2)) * 100 for n in sizes
                ]
                ax.plot(sizes, [centre * 100 + s for s in spread], style, color="#555555", linewidth=1)
                ax.plot(sizes, [centre * 100 - s for s in spread], style, color="#555555", linewidth=1)
            ax.axhline(centre * 100, color="#222222", linewidth=1)
        for r in rows:
            outside = r["funnel"] in ("outside_95", "outside_998")
            ax.plot(
                [r["n"]],
                [r["difference"] * 100],
                marker="D" if outside else "o",
                color="#D55E00" if outside else "#0072B2",
                markersize=5,
                linestyle="none",
            )
        sizes_shown = [r["n"] for r in rows]
        if sizes_shown and max(sizes_shown) > 20 * min(sizes_shown):
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

    from oppnaogon.report import numbers
    from oppnaogon.report.render import environment
    from oppnaogon.report.texts import load_texts
    from oppnaogon.wording import VERDICT

    labels = load_texts(lang).labels
    axes = (labels["overview"]["x_axis"], labels["overview"]["y_axis"])
    charts = {
        o["name"]: Markup(_funnel_svg(o, i, axes))
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
        )
    )
