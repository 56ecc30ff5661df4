"""Charts for the reports, drawn with matplotlib from the chart specs of `context.py`.

One drawing serves both formats: SVG (text kept as text, inlined in the HTML) and PNG (Word and
Markdown). Per group, the value of each sex is a marker with its uncertainty interval as a whisker; the
sexes differ in colour (Okabe–Ito orange and blue, safe for colour-blind readers) *and* in marker shape,
so the chart also reads in black and white. A hidden value is never drawn: its place shows `..`.
Output is byte-identical for the same spec (fixed SVG hash salt, no dates in the metadata).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

COLOURS = {"female": "#D55E00", "male": "#0072B2"}
MARKERS = {"female": "o", "male": "s"}
MUTED = "#666666"
WIDTH_IN = 7.0
ROW_IN = 0.34
PNG_DPI = 150
CHAR_IN = 0.068  # the width of an average character of a 9-point label, in inches

_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "oppnaogon",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
}


@dataclass(frozen=True)
class Chart:
    svg: str
    png: bytes


def render_charts(specs: list[dict[str, Any]], *, svg: bool = True, png: bool = True) -> dict[str, Chart]:
    """Draw every chart spec; returns {chart id: Chart} with the formats asked for (others empty)."""
    if not specs:
        return {}
    import matplotlib

    with matplotlib.rc_context(_RC):
        return {spec["id"]: _render(spec, svg=svg, png=png) for spec in specs}


def _render(spec: dict[str, Any], *, svg: bool, png: bool) -> Chart:
    from matplotlib.figure import Figure

    groups = spec["groups"]
    # Margins from the label lengths instead of matplotlib's layout engines, which measure every text
    # and took half of the drawing time.
    if spec["kind"] == "time":
        height = 3.4
        figure = Figure(figsize=(WIDTH_IN, height))
        bottom = 0.55 + (0.05 * max(map(len, groups), default=0) if len(groups) > 6 else 0)
        figure.subplots_adjust(left=0.8 / WIDTH_IN, right=0.97, bottom=bottom / height, top=1 - 0.45 / height)
        _draw(figure, spec)
    else:
        height = 1.1 + ROW_IN * len(groups)
        figure = Figure(figsize=(WIDTH_IN, height))
        left = min(0.25 + CHAR_IN * max(map(len, groups), default=0), WIDTH_IN / 2)
        figure.subplots_adjust(left=left / WIDTH_IN, right=0.97, bottom=0.55 / height, top=1 - 0.45 / height)
        _draw(figure, spec)
    svg_text = ""
    png_bytes = b""
    if svg:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        svg_text = _inline_svg(buffer.getvalue().decode("utf-8"), spec["id"])
    if png:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
        png_bytes = buffer.getvalue()
    return Chart(svg=svg_text, png=png_bytes)


def _value_axis(spec: dict[str, Any]) -> tuple[float, float, float]:
    """Axis limits and the scale of the values: shares 0–100 %, means from 0 (or below) to the top."""
    if spec["share"]:
        return 0.0, 100.0, 100.0
    numbers = [
        v
        for s in spec["series"]
        for p in s["points"]
        for v in (p["value"], p["low"], p["high"])
        if v is not None
    ]
    top = max(numbers, default=1.0)
    bottom = min([0.0, *numbers])
    pad = 0.08 * ((top - bottom) or 1.0)
    return bottom - (pad if bottom < 0 else 0), top + pad, 1.0


def _formatter(spec: dict[str, Any]) -> Any:
    from matplotlib.ticker import FuncFormatter

    comma = spec["decimal_comma"]

    def label(value: float, _position: int) -> str:
        text = f"{value:g}"
        return text.replace(".", ",").replace("-", "\u2212") if comma else text.replace("-", "\u2212")

    return FuncFormatter(label)


def _arrays(points: list[dict[str, Any]], scale: float) -> tuple[list[float], list[list[float]]]:
    """Values and whisker lengths (below, above) for errorbar; NaN where there is nothing to draw."""
    nan = float("nan")
    values, below, above = [], [], []
    for p in points:
        if p["value"] is None:
            values.append(nan)
            below.append(nan)
            above.append(nan)
            continue
        value = p["value"] * scale
        values.append(value)
        has_ci = p["low"] is not None and p["high"] is not None
        below.append(max(value - p["low"] * scale, 0.0) if has_ci else 0.0)
        above.append(max(p["high"] * scale - value, 0.0) if has_ci else 0.0)
    return values, [below, above]


def _draw(figure: Any, spec: dict[str, Any]) -> None:
    """Values per group and sex with their intervals: groups down the side (dots), or periods along
    the bottom joined by a line per sex (time). NaN leaves a gap, so no one reads a value into a
    hidden group or period; `..` marks its place."""
    time = spec["kind"] == "time"
    ax = figure.subplots()
    low_limit, high_limit, scale = _value_axis(spec)
    groups = spec["groups"]
    spread = 0.08 if time else 0.17
    for series in spec["series"]:
        sex = series["sex"]
        positions = [index + (-spread if sex == "female" else spread) for index in range(len(groups))]
        values, whiskers = _arrays(series["points"], scale)
        ax.errorbar(
            *((positions, values) if time else (values, positions)),
            **{"yerr" if time else "xerr": whiskers},
            fmt=MARKERS[sex] + ("-" if time else ""),
            color=COLOURS[sex],
            markersize=5 if time else 6,
            linewidth=1.2,
            elinewidth=1.4 if time else 1.6,
            capsize=0,
            label=series["label"],
        )
        for position, point in zip(positions, series["points"], strict=True):
            if not point["hidden"]:
                continue
            # the mark sits just inside the axis, in the sex's colour, so that it is seen and not read
            # as a value of zero
            inset = 0.012 * (high_limit - low_limit)
            if time:
                ax.text(
                    position,
                    low_limit + inset,
                    "..",
                    va="bottom",
                    ha="center",
                    color=COLOURS[sex],
                    fontsize=10,
                )
            else:
                ax.text(
                    low_limit + inset, position, "..", va="center", ha="left", color=COLOURS[sex], fontsize=10
                )
    if time:
        many = len(groups) > 6
        ax.set_xticks(
            range(len(groups)), labels=groups, rotation=45 if many else 0, ha="right" if many else "center"
        )
        ax.set_xlim(-0.5, len(groups) - 0.5)
        ax.set_ylim(low_limit, high_limit)
        ax.set_ylabel(spec["axis"])
        ax.yaxis.set_major_formatter(_formatter(spec))
        ax.grid(axis="x", visible=False)
    else:
        ax.set_yticks(range(len(groups)), labels=groups)
        ax.set_ylim(len(groups) - 0.5, -0.5)
        ax.set_xlim(low_limit, high_limit)
        ax.set_xlabel(spec["axis"])
        ax.xaxis.set_major_formatter(_formatter(spec))
        ax.grid(axis="y", visible=False)
    _legend(ax, spec)


def _legend(ax: Any, spec: dict[str, Any]) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker=MARKERS[s["sex"]], color=COLOURS[s["sex"]], linestyle="-", label=s["label"])
        for s in spec["series"]
    ]
    if any(p["hidden"] for s in spec["series"] for p in s["points"]):
        handles.append(Line2D([], [], linestyle="none", label=spec["legend_hidden"]))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles), fontsize=8)


_ID = re.compile(r'\bid="([^"]+)"')


def _inline_svg(svg: str, prefix: str) -> str:
    """The <svg> element alone, ready to sit inside an HTML page: no XML prologue, and ids prefixed with
    the chart's id so that several charts on one page never share one."""
    start = svg.index("<svg")
    svg = svg[start:]
    for identifier in sorted(set(_ID.findall(svg)), key=len, reverse=True):
        svg = svg.replace(f'id="{identifier}"', f'id="{prefix}-{identifier}"')
        svg = svg.replace(f"#{identifier})", f"#{prefix}-{identifier})")
        svg = svg.replace(f'"#{identifier}"', f'"#{prefix}-{identifier}"')
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
