"""Follow-up (step 4): did the differences of an earlier run grow, shrink or stay?

`compare(current, previous)` matches the differences of two findings.json documents by their `id`
(outcome and group) and, where both are published, estimates the change with an interval. Only
published numbers are used, so the comparison reveals nothing that the two reports do not show.

The interval of the change treats the two runs as independent samples (different periods): the standard
error of each difference is read back from its published 95 % interval (half its width / 1.96) and the
two are combined in quadrature. When the two runs share people (overlapping periods) the interval is
conservative. A change is `shrank`, `grew` or `reversed` (the other sex now clearly ahead) only when its
interval excludes zero; otherwise `stayed`. `not_comparable` when either run hides the difference.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from oppnaogon.errors import UsageError
from oppnaogon.stats import finite_round, normal_quantile, normal_sf, p_round

TRENDS = ("grew", "shrank", "reversed", "stayed", "not_comparable")


def load_previous(path: str | Path) -> dict[str, Any]:
    """A previous findings.json (or the folder holding one), checked enough to be compared."""
    path = Path(path)
    if path.is_dir():
        path = path / "findings.json"
    if not path.is_file():
        raise UsageError(
            f"--compare-with: {path} finns inte.",
            "Ange findings.json från en tidigare körning av oppnaogon analyse (eller mappen den ligger i).",
        )
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UsageError(
            f"--compare-with: {path} är inte en läsbar findings.json ({error}).",
            "Ange findings.json från en tidigare körning av oppnaogon analyse.",
        ) from None
    if not isinstance(previous, dict) or previous.get("schema_version") != 1 or "differences" not in previous:
        raise UsageError(
            f"--compare-with: {path} är ingen findings.json från oppnaogon (schema_version 1).",
            "Ange findings.json från en tidigare körning av oppnaogon analyse.",
        )
    previous["_path"] = path.name
    previous["_folder"] = str(path.parent)  # where its Word report, with a filled-in worksheet, may be
    return previous


def compare(current: dict[str, Any], previous: dict[str, Any], confidence: float = 0.95) -> dict[str, Any]:
    """findings.json's `followup`: per difference noteworthy in either run, or of the whole group, how it
    changed; and what differs between the two runs' settings."""
    z = float(normal_quantile(0.5 + confidence / 2))
    before = {d["id"]: d for d in previous["differences"]}
    changes = []
    for d in current["differences"]:
        old = before.get(d["id"])
        if old is None:
            continue
        if not (d["noteworthy"] or old.get("noteworthy") or not d["breakdown"]):
            continue
        changes.append(_change(d, old, z))
    settings_changed = sorted(
        key
        for key in ("min_cell", "area", "min_diff", "age_bands", "confidence")
        if current["settings"].get(key) != previous.get("settings", {}).get(key)
    )
    return {
        "previous": {
            "file": previous.get("_path", "findings.json"),
            "input_file": previous.get("input", {}).get("file"),
            "period": (previous.get("period") or {}).get("label")
            or previous.get("settings", {}).get("period"),
        },
        "settings_changed": settings_changed,
        "changes": changes,
        "counts": {trend: sum(1 for c in changes if c["trend"] == trend) for trend in TRENDS},
    }


def _change(now: dict[str, Any], old: dict[str, Any], z: float) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": now["id"],
        "outcome": now["outcome"],
        "kind": now["kind"],
        "breakdown": now["breakdown"],
        "previous_estimate": old.get("estimate"),
        "estimate": now.get("estimate"),
        "previous_verdict": old.get("verdict"),
        "verdict": now.get("verdict"),
        "change": None,
        "ci": None,
        "p_value": None,
        "trend": "not_comparable",
    }
    if any(x.get("estimate") is None or not x.get("ci") for x in (now, old)):
        return entry
    se_now = (now["ci"][1] - now["ci"][0]) / (2 * z)
    se_old = (old["ci"][1] - old["ci"][0]) / (2 * z)
    se = math.hypot(se_now, se_old)
    change = now["estimate"] - old["estimate"]
    low, high = change - z * se, change + z * se
    p = float(2 * normal_sf(abs(change) / se)) if se > 0 else (1.0 if change == 0 else 0.0)
    clear = low > 0 or high < 0
    # the other sex is now clearly ahead: not a shrinking gap but a new one the other way
    reversed_ = now["estimate"] * old["estimate"] < 0 and (now["ci"][0] > 0 or now["ci"][1] < 0)
    if not clear:
        trend = "stayed"
    elif reversed_:
        trend = "reversed"
    else:
        trend = "shrank" if abs(now["estimate"]) < abs(old["estimate"]) else "grew"
    entry.update(
        change=finite_round(change),
        ci=[finite_round(low), finite_round(high)],
        p_value=p_round(p),
        trend=trend,
    )
    return entry
