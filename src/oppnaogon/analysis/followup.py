"""Follow-up (step 4): did the differences of an earlier run grow, shrink or stay?

`compare(current, previous)` matches the differences of two findings.json documents by their `id`
(outcome and group) and, where both publish the difference and both limits of its interval, estimates
the change (now − then) with an interval. Only published numbers are used, so the comparison reveals
nothing that the two reports do not show; a difference hidden (or with a hidden limit) in either run is
`not_comparable`.

The interval of the change is the MOVER interval (method of variance estimates recovery: Newcombe 1998,
Zou & Donner 2008) built from the two published intervals, the runs taken as independent samples
(different periods; conservative when they share people). For a change d1 − d2 with published limits
(l1, u1) now and (l2, u2) then:

    L = d1 − d2 − sqrt((d1 − l1)² + (u2 − d2)²),   U = d1 − d2 + sqrt((u1 − d1)² + (d2 − l2)²)

so each side uses the side of each interval it is made of. A share's interval (Newcombe) is asymmetric
near 0 and 1; half its width as one standard error for both sides, as before, covered a true change of
zero in as little as 90.6 % of small stationary worlds, MOVER in 94.2 % or more (bench/simulate_followup.py). When a run's
confidence level differs from the current one, its distances are rescaled to the current level.

The p-value of a change is the one whose test agrees with that interval: the standard error implied by
the side of the interval that faces zero, (d − L)/z for a rise and (U − d)/z for a fall, and
p = 2·(1 − Φ(|d|/SE)). The changes of one report are one Benjamini–Hochberg family (as the report's
crude tests are): a change is `shrank`, `grew` or `reversed` (the other sex now clearly ahead) only when
its adjusted p is below 1 − confidence, computed on unrounded values; otherwise `stayed`. In pairs of
stationary 6,000-row extracts that labels 0.41 changes per report instead of 2.52 (docs/reports.md).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from oppnaogon.errors import UsageError
from oppnaogon.model.findings import VERDICTS
from oppnaogon.stats.compare import benjamini_hochberg, finite_round, normal_quantile, normal_sf, p_round

TRENDS = ("grew", "shrank", "reversed", "stayed", "not_comparable")
MAX_NAME_CHARS = 255


def _copied_name(value: object) -> str | None:
    """A name copied from the earlier findings.json into this one (its input file, its period): the
    earlier file is an input like any other and may have been edited by hand, so only a short text of one
    line without an identity number is copied; anything else becomes null."""
    import polars as pl

    from oppnaogon.io.privacy import holds_identity_number

    if not isinstance(value, str) or not value or len(value) > MAX_NAME_CHARS or not value.isprintable():
        return None
    return None if holds_identity_number(pl.Series([value], dtype=pl.String)).item() else value


def _copied_period(value: object) -> str | None:
    """The earlier run's period, copied only when it is a period label (`2026K3`, `2025`)."""
    from oppnaogon.errors import OppnaogonError
    from oppnaogon.model.periods import parse_period

    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parse_period(value)
    except OppnaogonError:
        return None
    return value


def _copied_number(value: object) -> float | int | None:
    return (
        value
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        else None
    )


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
    differences = previous.get("differences") if isinstance(previous, dict) else None
    if (
        not isinstance(previous, dict)
        or previous.get("schema_version") != 1
        or not isinstance(differences, list)
        or not all(isinstance(d, dict) and isinstance(d.get("id"), str) for d in differences)
    ):
        raise UsageError(
            f"--compare-with: {path} är ingen findings.json från oppnaogon (schema_version 1).",
            "Ange findings.json från en tidigare körning av oppnaogon analyse.",
        )
    _refuse_identity_number_in(path)
    previous["_path"] = path.name
    previous["_folder"] = str(path.parent)  # where its Word report, with a filled-in worksheet, may be
    return previous


def _refuse_identity_number_in(path: Path) -> None:
    """The earlier file's name is published (`followup.previous.file`): refused, as a data file's, when
    its path holds an identity number."""
    import polars as pl

    from oppnaogon.errors import PrivacyError
    from oppnaogon.io.privacy import holds_identity_number

    if holds_identity_number(pl.Series([str(path)], dtype=pl.String)).item():
        raise PrivacyError(
            "--compare-with: sökvägen till den tidigare findings.json (filens eller en mapps namn) innehåller "
            "ett person- eller samordningsnummer. Ingenting har skrivits.",
            "Byt namn på filen eller mappen så att numret inte ingår, och kör igen. Namnet visas inte här av "
            "integritetsskäl.",
        )


def compare(current: dict[str, Any], previous: dict[str, Any], confidence: float = 0.95) -> dict[str, Any]:
    """findings.json's `followup`: per difference noteworthy in either run, or of the whole group, how it
    changed; and what differs between the two runs' settings."""
    z = float(normal_quantile(0.5 + confidence / 2))
    # each run's intervals are at its own level: rescale the earlier one's to this run's
    z_previous = float(
        normal_quantile(0.5 + float(previous.get("settings", {}).get("confidence", confidence)) / 2)
    )
    z_current = float(normal_quantile(0.5 + float(current["settings"].get("confidence", confidence)) / 2))
    before = {d["id"]: d for d in previous["differences"]}
    changes = []
    for d in current["differences"]:
        old = before.get(d["id"])
        if old is None:
            continue
        if not (d["noteworthy"] or old.get("noteworthy") or not d["breakdown"]):
            continue
        changes.append(_change(d, old, z, z / z_current, z / z_previous))
    _label(changes, alpha=1 - confidence)
    settings_changed = sorted(
        key
        for key in ("min_cell", "area", "min_diff", "age_bands", "confidence")
        if current["settings"].get(key) != previous.get("settings", {}).get(key)
    )
    return {
        "previous": {
            "file": previous.get("_path", "findings.json"),
            "input_file": _copied_name(_get(previous, "input", "file")),
            "period": _copied_period(
                _get(previous, "period", "label") or _get(previous, "settings", "period")
            ),
        },
        "settings_changed": settings_changed,
        "method": {
            "interval": "mover",
            "adjustment": "benjamini_hochberg",
            "alpha": finite_round(1 - confidence, 6),
            "family_size": sum(1 for c in changes if c["p_value"] is not None),
        },
        "changes": [_published(c) for c in changes],
        "counts": {trend: sum(1 for c in changes if c["trend"] == trend) for trend in TRENDS},
    }


def _get(document: dict[str, Any], part: str, key: str) -> object:
    """`document[part][key]`, or None where the earlier file has no such part (or not as a table)."""
    section = document.get(part)
    return section.get(key) if isinstance(section, dict) else None


def _published_interval(difference: dict[str, Any]) -> tuple[float, float, float] | None:
    """The estimate and both limits, when the report publishes all three (else None: nothing is
    computed from a hidden figure)."""
    estimate, ci = difference.get("estimate"), difference.get("ci")
    if not isinstance(ci, list | tuple) or len(ci) != 2:
        return None
    values: tuple[Any, Any, Any] = (estimate, ci[0], ci[1])  # numbers, as checked next
    if not all(_copied_number(v) is not None for v in values):
        return None
    return float(values[0]), float(values[1]), float(values[2])


def mover_change(
    now: tuple[float, float, float],
    before: tuple[float, float, float],
    z: float,
    scale_now: float = 1.0,
    scale_before: float = 1.0,
) -> tuple[float, float, float, float]:
    """The change now − before, its MOVER interval and the two-sided p-value that agrees with it.

    `now` and `before` are (estimate, lower, upper); `scale_*` rescale a run's distances from its own
    confidence level to the one of `z`. The p-value uses the standard error implied by the side of the
    interval facing zero, so p < 1 − confidence exactly when the interval excludes zero.
    """
    d1, l1, u1 = now
    d2, l2, u2 = before
    change = d1 - d2
    below = math.hypot((d1 - l1) * scale_now, (u2 - d2) * scale_before)
    above = math.hypot((u1 - d1) * scale_now, (d2 - l2) * scale_before)
    facing_zero = below if change > 0 else above
    if change == 0:
        p = 1.0
    elif facing_zero > 0:
        p = float(2 * normal_sf(abs(change) / (facing_zero / z)))
    else:
        p = 0.0
    return change, change - below, change + above, min(p, 1.0)


def _change(
    now: dict[str, Any], old: dict[str, Any], z: float, scale_now: float, scale_before: float
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": now["id"],
        "outcome": now["outcome"],
        "kind": now["kind"],
        "breakdown": now["breakdown"],
        "previous_estimate": _copied_number(old.get("estimate")),
        "estimate": now.get("estimate"),
        "previous_verdict": old.get("verdict") if old.get("verdict") in VERDICTS else None,
        "verdict": now.get("verdict"),
        "change": None,
        "ci": None,
        "p_value": None,
        "p_adjusted": None,
        "trend": "not_comparable",
    }
    published_now, published_before = _published_interval(now), _published_interval(old)
    if published_now is None or published_before is None:
        return entry
    change, low, high, p = mover_change(published_now, published_before, z, scale_now, scale_before)
    # unrounded until _published: the labels are decided on these
    entry.update(change=change, ci=[low, high], p_value=p, trend="stayed", _now_limits=published_now[1:])
    return entry


def _label(changes: list[dict[str, Any]], alpha: float) -> None:
    """Benjamini–Hochberg over the report's comparable changes; a change is labelled only when its
    adjusted p is below alpha."""
    comparable = [c for c in changes if c["p_value"] is not None]
    if not comparable:
        return
    adjusted = benjamini_hochberg([c["p_value"] for c in comparable])
    for c, p_adjusted in zip(comparable, adjusted, strict=True):
        c["p_adjusted"] = float(p_adjusted)
        if not p_adjusted < alpha:
            continue
        now, before = c["estimate"], c["previous_estimate"]
        now_low, now_high = c["_now_limits"]
        # the other sex is now clearly ahead: not a shrinking gap but a new one the other way
        if now * before < 0 and (now_low > 0 or now_high < 0):
            c["trend"] = "reversed"
        else:
            c["trend"] = "shrank" if abs(now) < abs(before) else "grew"


def _published(change: dict[str, Any]) -> dict[str, Any]:
    """The change as findings.json holds it: rounded estimates, p-values in full precision (p_round)."""
    out = {k: v for k, v in change.items() if not k.startswith("_")}
    if out["change"] is not None:
        out["change"] = finite_round(out["change"])
        out["ci"] = [finite_round(out["ci"][0]), finite_round(out["ci"][1])]
        out["p_value"] = p_round(out["p_value"])
        out["p_adjusted"] = p_round(out["p_adjusted"])
    return out
