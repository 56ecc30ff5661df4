"""Step 1 "Vad ser vi?": the outcome sections with their tables and charts, the comparison over time,
data quality and accessibility."""

from __future__ import annotations

from typing import Any

from oppnaogon.model.sexes import COMPARED as BINARY
from oppnaogon.model.sexes import SEXES
from oppnaogon.model.wording import (
    KIND,
    VERDICT,
    breakdown_text,
)
from oppnaogon.present.report import numbers
from oppnaogon.present.report.context.base import (
    MAX_CHART_GROUPS,
    SHARE_KINDS,
    _Base,
    _group_order,
    _key,
)


class _Step1(_Base):
    # --- step 1 tables and charts ------------------------------------------------------------
    def outcome_section(
        self,
        outcome: dict[str, Any],
        descriptives: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]],
        differences: dict[tuple[str, tuple[tuple[str, Any], ...]], dict[str, Any]],
    ) -> dict[str, Any]:
        name, kind = outcome["name"], outcome["kind"]
        share = kind in SHARE_KINDS
        rows_of_outcome = [d for (o, _), ds in descriptives.items() if o == name for d in ds]
        sexes = [s for s in SEXES if s in BINARY or any(d["sex"] == s and d["n"] for d in rows_of_outcome)]
        # a sex with hidden counts is named; a sex no one in the file has is not
        hidden_sexes = [
            s
            for s in SEXES
            if s not in sexes and any(d["sex"] == s and d["n"] is None for d in rows_of_outcome)
        ]
        sections = []
        for breakdown in self.f["breakdowns"]:
            rows = descriptives.get((name, tuple(breakdown)))
            if not rows:
                continue
            sections.append(self.breakdown_table(outcome, breakdown, rows, differences, sexes, share))
        t = self.t["table"]
        return {
            "crossed": [x for x in sections if x["crossed"]],
            "name": name,
            "label": outcome["label"],
            "anchor": self.anchor("utfall", name),
            "kind": KIND[self.lang][kind],
            "value_header": t["share"] if share else t["mean"],
            "difference_header": t["difference_points"] if share else t["difference_mean"],
            "sex_headers": [self.sex(s).capitalize() for s in sexes],
            "sections": [x for x in sections if not x["crossed"]],
            "note": (
                self.fmt(t["hidden_sexes"], sexes=", ".join(self.sex(s) for s in hidden_sexes))
                if hidden_sexes
                else ""
            ),
        }

    def breakdown_table(
        self,
        outcome: dict[str, Any],
        breakdown: list[str],
        rows: list[dict[str, Any]],
        differences: dict[tuple[str, tuple[tuple[str, Any], ...]], dict[str, Any]],
        sexes: list[str],
        share: bool,
    ) -> dict[str, Any]:
        by_group: dict[tuple[tuple[str, Any], ...], dict[str, dict[str, Any]]] = {}
        for d in sorted(rows, key=lambda d: _group_order(d["breakdown"])):
            by_group.setdefault(_key(d["breakdown"]), {})[d["sex"]] = d
        table_rows = []
        for key, cells in by_group.items():
            group = dict(key)
            diff = differences.get((outcome["name"], key))
            table_rows.append(
                {
                    "group": self.group(group),
                    "cells": [self.cell(cells.get(s), share) for s in sexes],
                    **self.difference_cells(diff, share),
                }
            )
        title = breakdown_text(dict.fromkeys(breakdown), self.lang)
        section: dict[str, Any] = {
            "title": title[0].upper() + title[1:],
            "rows": table_rows,
            "chart": None,
            "note": "",
            # Intersections (age × birth region …) go to an appendix: the workshop reads the single
            # breakdowns, the tables of 20–30 crossed groups are for looking up.
            "crossed": len(breakdown) > 1,
        }
        # One chart per single breakdown (age, birth region, …); the intersections are tables only, as a
        # chart of 20–30 crossed groups is harder to read than the table.
        # Beyond MAX_CHART_GROUPS (e.g. every municipality of a region) a chart is a wall of dots: the
        # table says it better, and the section says why there is no chart.
        if len(breakdown) == 1 and len(by_group) <= MAX_CHART_GROUPS:
            section["chart"] = self.chart(outcome, breakdown, by_group, share, title)
        elif len(breakdown) == 1:
            section["note"] = self.fmt(self.t["chart"]["too_many"], groups=len(by_group))
        return section

    def cell(self, d: dict[str, Any] | None, share: bool) -> dict[str, Any]:
        if d is None:
            return {"n": numbers.ABSENT, "value": numbers.ABSENT, "ci": "", "hidden": False}
        hidden = d["suppressed"] and d["value"] is None
        value_text = (
            numbers.percent(d["value"], self.lang) if share else numbers.number(d["value"], self.lang, 1)
        )
        if d["n"] == 0:
            value_text = numbers.ABSENT  # no one in the group: nothing is hidden, there is nothing
        ci = d["ci"]
        return {
            "n": numbers.number(d["n"], self.lang),
            "value": value_text,
            "ci": numbers.interval(ci[0], ci[1], self.lang, 100 if share else 1) if ci else "",
            "hidden": hidden,
        }

    def difference_cells(self, d: dict[str, Any] | None, share: bool) -> dict[str, Any]:
        if d is None:
            return {
                "difference": "",
                "difference_ci": "",
                "p": "",
                "noteworthy": False,
                "verdict": "",
                "anchor": "",
            }
        hidden = d["suppressed"]
        estimate = (
            numbers.points(d["estimate"], self.lang, hidden=hidden)
            if share
            else numbers.signed(d["estimate"], self.lang, hidden=hidden)
        )
        ci = d["ci"]
        return {
            "difference": estimate,
            "difference_ci": numbers.interval(ci[0], ci[1], self.lang, 100 if share else 1) if ci else "",
            "p": numbers.p_value(d["p_adjusted"], self.lang, hidden=hidden),
            "noteworthy": bool(d["noteworthy"] or d.get("masked")),
            "verdict": VERDICT[self.lang].get(d.get("verdict") or "", ""),
            "anchor": self.anchor("fynd", d["id"]) if d["noteworthy"] or d.get("masked") else "",
        }

    def chart(
        self,
        outcome: dict[str, Any],
        breakdown: list[str],
        by_group: dict[tuple[tuple[str, Any], ...], dict[str, dict[str, Any]]],
        share: bool,
        title: str,
    ) -> dict[str, Any]:
        """A chart spec (plain data); `charts.py` draws it. Hidden values are listed, never plotted."""
        chart_id = f"diagram-{len(self.charts) + 1:02d}"
        time = breakdown == ["period"]
        groups = list(by_group)
        series: list[dict[str, Any]] = []
        for sex in BINARY:
            points = []
            for key in groups:
                d = by_group[key].get(sex)
                value = d["value"] if d else None
                ci = d["ci"] if d and d["ci"] else (None, None)
                points.append(
                    {"value": value, "low": ci[0], "high": ci[1], "hidden": bool(d and value is None)}
                )
            series.append({"sex": sex, "label": self.sex(sex).capitalize(), "points": points})
        t = self.t["chart"]
        hidden = sum(p["hidden"] for s in series for p in s["points"])
        alt = self.fmt(
            t["alt_time"] if time else t["alt"],
            outcome=outcome["label"],
            breakdown=title,
            women=self.women,
            men=self.men,
            groups=len(groups),
        ) + (" " + self.fmt(t["alt_hidden"], hidden=hidden) if hidden else "")
        spec = {
            "id": chart_id,
            "kind": "time" if time else "dots",
            "title": f"{outcome['label']}: {title}",
            "share": share,
            "axis": t["axis_share"] if share else self.fmt(t["axis_mean"], outcome=outcome["label"]),
            "groups": [self.group(dict(key)) for key in groups],
            "series": series,
            "hidden_label": t["hidden_marker"],
            "legend_hidden": t["legend_hidden"],
            "decimal_comma": self.lang == "sv",
        }
        self.charts.append(spec)
        return {"id": chart_id, "alt": alt, "caption": self.fmt(t["caption"], hidden=numbers.HIDDEN)}

    def comparison(self) -> list[dict[str, Any]]:
        """Per outcome, the whole group's figures per sex of the analysed period and the earlier ones
        (findings.json's `trend`, with the previous period and the one a year earlier named): a table,
        newest first, and a chart over time once two periods have figures. Empty without --period."""
        trend = self.f.get("trend") or []
        if not self.f.get("period") or not trend:
            return []
        t = self.t["comparison"]
        out = []
        for outcome in self.f["outcomes"]:
            share = outcome["kind"] in SHARE_KINDS
            show = numbers.points if share else numbers.signed
            rows = []
            by_period: dict[tuple[tuple[str, Any], ...], dict[str, dict[str, Any]]] = {}
            for entry in trend:
                role = entry["role"]
                words = self.period_words(entry["label"])
                row = {
                    "period": f"{t['roles'][role]}: {words}" if role else words,
                    "current": role == "current",
                    "cells": [self.cell(None, share) for _ in BINARY],
                    "difference": numbers.ABSENT,
                    "difference_ci": "",
                }
                cells = {
                    d["sex"]: d for d in entry.get("descriptives", []) if d["outcome"] == outcome["name"]
                }
                by_period[(("period", entry["label"]),)] = cells
                if entry["available"]:
                    row["cells"] = [self.cell(cells.get(sex), share) for sex in BINARY]
                    diff = next((d for d in entry["differences"] if d["outcome"] == outcome["name"]), None)
                    if diff is not None:
                        ci = diff["ci"]
                        row["difference"] = show(diff["estimate"], self.lang, hidden=diff["suppressed"])
                        row["difference_ci"] = (
                            numbers.interval(ci[0], ci[1], self.lang, 100 if share else 1) if ci else ""
                        )
                rows.append(row)
            shown = sum(
                any(d.get("value") is not None for d in cells.values()) for cells in by_period.values()
            )
            out.append(
                {
                    "label": outcome["label"],
                    "rows": rows[::-1],
                    "difference_header": t["difference_points"] if share else t["difference_mean"],
                    "chart": self.chart(outcome, ["period"], by_period, share, t["over_time"])
                    if shown >= 2
                    else None,
                }
            )
        return out

    # --- data quality, accessibility, method, appendix ---------------------------------------
    def quality(self) -> dict[str, Any]:
        by_column: dict[str, dict[str, dict[str, Any]]] = {}
        for q in self.f["data_quality"]:
            by_column.setdefault(q["column"], {})[q["sex"]] = q
        sexes = [s for s in SEXES if any(s in v for v in by_column.values())]
        rows = []
        for column, cells in by_column.items():
            rows.append(
                {
                    "column": column,
                    "cells": [
                        numbers.percent(cells[s]["share"], self.lang, hidden=cells[s]["suppressed"])
                        if s in cells
                        else numbers.ABSENT
                        for s in sexes
                    ],
                    "any_missing": any((c.get("missing") or 0) > 0 for c in cells.values()),
                }
            )
        from oppnaogon.prepare.normalise import EXCLUSION_LABELS_SV

        excluded = [
            self.fmt(
                self.t["quality"]["excluded"],
                reason=EXCLUSION_LABELS_SV.get(reason, reason) if self.lang == "sv" else reason,
                count=numbers.number(count, self.lang),
            )
            for reason, count in (self.f["input"].get("rows_excluded") or {}).items()
            if count != 0
        ]
        return {
            "sex_headers": [self.sex(s).capitalize() for s in sexes],
            "rows": [r for r in rows if r["any_missing"]],
            "complete": [r["column"] for r in rows if not r["any_missing"]],
            "flags": [m["text"] for m in self.missingness_flags],
            "structural": [
                self.fmt(
                    self.t["quality"]["structural"],
                    column=m["column"],
                    outcome=self.labels.get(m["explained_by_outcome"], m["explained_by_outcome"]),
                )
                for m in self.f.get("missingness_flags", [])
                if m.get("explained_by_outcome")
            ],
            "excluded": excluded,
        }

    def accessibility(self) -> list[dict[str, Any]]:
        out = []
        for a in self.f.get("accommodation", []):
            rows = [
                {
                    "sex": self.sex(s["sex"]).capitalize(),
                    "n": numbers.number(s["n"], self.lang),
                    "count": numbers.number(s["count"], self.lang),
                    "share": numbers.percent(s["share"], self.lang, hidden=s["suppressed"]),
                }
                for s in a["by_sex"]
            ]
            out.append({"column": a["column"], "answer": " / ".join(a["values"]), "rows": rows})
        return out
