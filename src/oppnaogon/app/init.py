"""`oppnaogon init`: look at a file and write a commented `oppnaogon.toml` for the analyst to edit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from oppnaogon.errors import UsageError
from oppnaogon.io.files import write_text_atomic
from oppnaogon.model.config import (
    AGE_BAND_PRESETS,
    DEFAULT_AGE_BAND_PRESET,
    DEFAULT_AGE_BANDS_BY_AREA,
    ROLES,
    SEX_VALUES,
    Config,
)
from oppnaogon.model.criteria import available_areas, load_area
from oppnaogon.model.kinds import CRITERION_IDS
from oppnaogon.model.names import key
from oppnaogon.model.roles import YES_CODES, detect_roles, sex_lookup
from oppnaogon.prepare.inputs import load_input
from oppnaogon.prepare.normalise import looks_like_code, number_series, resolve_criteria, resolve_outcomes

_CHILD_AGE_LIMIT = 21
_LEAST_SHOWN = 2  # rows a code needs to be named in the written config (no min_cell is known yet)


@dataclass(frozen=True)
class Proposal:
    """What `init` proposes; `render()` turns it into the TOML text."""

    data: Path
    context: dict[str, Any]

    def render(self) -> str:
        from jinja2 import Environment, StrictUndefined

        from oppnaogon.io.resources import shipped

        source = (shipped("templates") / "oppnaogon.toml.j2").read_text(encoding="utf-8")
        env = Environment(
            undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True
        )
        env.filters["toml"] = toml_string
        env.filters["toml_list"] = lambda values: "[" + ", ".join(toml_string(v) for v in values) + "]"
        return env.from_string(source).render(**self.context)


def toml_string(value: object) -> str:
    """A TOML basic string: JSON's escaping is valid TOML, except that TOML also forbids a raw DEL."""
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def propose(data: str | Path) -> Proposal:
    """Detect roles, outcomes and criteria of `data` (after the privacy guard) without writing anything."""
    import polars as pl

    data = Path(data)
    table, _ = load_input(data, None)
    raw = table.frame
    headers = table.headers
    roles = detect_roles(headers)

    area = None
    if "age" in roles:
        ages = number_series(raw.get_column(roles["age"].header))
        # the share of known ages below the limit (a float: the mean of a Boolean column with values)
        if ages.drop_nulls().len() and cast(float, (ages.drop_nulls() < _CHILD_AGE_LIMIT).mean()) >= 0.95:
            area = "barn_och_unga"
    config = Config(area=area)
    criteria = resolve_criteria(config, headers, roles)
    outcomes = resolve_outcomes(config, table, roles, {h for hs in criteria.values() for h in hs})

    sex_codes: dict[str, list[str]] = {sex: [] for sex in SEX_VALUES}
    unknown_sex: list[str] = []
    unknown_sex_hidden = 0
    if "sex" in roles:
        header = roles["sex"].header
        lookup = sex_lookup()
        unknown: list[str] = []
        for value in table.distinct(header).cast(pl.String).sort().to_list():
            sex = lookup.get(key(value))
            if sex is None:
                unknown.append(value)
            else:
                sex_codes[sex].append(value)
        # The config is a file that travels: only codes held by at least 2 rows are named (init runs
        # before any disclosure limit is chosen; a value of a single row is the one that singles a
        # person out), free text ("Ja, efter samtal med Anna Berg") never; the rest is only counted.
        counts = raw.group_by(pl.col(header).cast(pl.String)).len().drop_nulls(header)
        rows = {value: int(n) for value, n in counts.iter_rows()}
        unknown_sex = [v for v in unknown if looks_like_code(v) and rows.get(v, 0) >= _LEAST_SHOWN]
        unknown_sex_hidden = len(unknown) - len(unknown_sex)

    outcome_items = []
    for spec in outcomes:
        positive = None
        if spec.kind != "numeric":
            found = table.distinct(spec.column).cast(pl.String).sort().to_list()
            positive = [v for v in found if key(v) in YES_CODES]
        outcome_items.append(
            {"name": spec.name, "column": spec.column, "kind": spec.kind, "positive": positive}
        )

    areas = {name: load_area(name) for name in available_areas()}
    missing_criteria = []
    if area:
        for criterion in areas[area].criteria:
            if criterion.id not in criteria:
                missing_criteria.append(
                    {"id": criterion.id, "name": criterion.name_sv, "needed": criterion.information_needed_sv}
                )
    preset = DEFAULT_AGE_BANDS_BY_AREA.get(area or "", DEFAULT_AGE_BAND_PRESET)
    context = {
        "file": data.name,
        "area": area,
        "areas": list(areas),
        "age_band_preset": preset,
        "presets": AGE_BAND_PRESETS,
        "roles": [
            {
                "role": role,
                "header": roles[role].header if role in roles else None,
                "alternatives": list(roles[role].alternatives) if role in roles else [],
            }
            for role in ROLES
        ],
        "sex_codes": {sex: codes for sex, codes in sex_codes.items() if codes},
        "unknown_sex": unknown_sex,
        "unknown_sex_hidden": unknown_sex_hidden,
        "unknown_sex_least": _LEAST_SHOWN,
        "outcomes": outcome_items,
        "criteria": [{"id": cid, "headers": list(criteria[cid])} for cid in CRITERION_IDS if cid in criteria],
        "missing_criteria": missing_criteria,
        "unused": [
            h
            for h in headers
            if h not in {r.header for r in roles.values()}
            and h not in {o.column for o in outcomes}
            and h not in {x for hs in criteria.values() for x in hs}
        ],
    }
    return Proposal(data=data, context=context)


def write_proposal(data: str | Path, output: str | Path, *, force: bool = False) -> Path:
    """Write the proposed config to `output`; refuses to overwrite unless `force`."""
    output = Path(output)
    if output.exists() and not force:
        raise UsageError(
            f"{output} finns redan och skrivs inte över.",
            "Ange --force för att skriva över den, eller --output för att välja ett annat filnamn.",
        )
    if output.resolve() == Path(data).resolve():
        raise UsageError(
            "Konfigurationen kan inte skrivas över datafilen.", "Välj ett annat namn med --output."
        )
    text = propose(data).render()
    write_text_atomic(output, text)
    return output
