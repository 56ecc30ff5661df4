"""The report's view model: everything a template shows, built from `findings.json` and nothing else.

`build_context(findings, lang)` turns the published findings (already suppressed) into plain dicts of
ready-made text: table cells are formatted, sentences are composed from the patterns in
`templates/texts/labels.<lang>.toml`, and reflection prompts are chosen per finding from
`templates/texts/guide.<lang>.toml`. The templates only lay this out. Nothing here computes a statistic;
a value the findings hide stays hidden (`..`), and a chart never draws one.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime
from typing import Any

from oppnaogon.model.kinds import JUDGING_KINDS
from oppnaogon.model.reasons import shown_reason
from oppnaogon.model.sexes import COMPARED as BINARY
from oppnaogon.model.sexes import SEXES, definite, row_sex_word
from oppnaogon.model.wording import (
    CRITERION,
    KIND,
    THIN_SHARE,
    VERDICT,
    breakdown_text,
    disclosure_sentences,
    group_text,
)
from oppnaogon.present.report import numbers
from oppnaogon.present.report.carried import CarriedWorksheet
from oppnaogon.present.report.texts import Texts

SHARE_KINDS = ("decision", "participation", "proportion")
JUDGED_KINDS = JUDGING_KINDS  # the outcome kinds with criteria of their own
# Order of the reflection groups in step 2: the differences that most need a conversation first.
PROMPT_ORDER = (
    "decision_unmotivated",
    "participation_unmotivated",
    "masked",
    "partly_explained",
    "decision_motivated",
    "participation_motivated",
    "inconclusive",
    "not_assessable",
    "other_outcome",
    "accessibility",
    "missingness",
)
SUMMARY_MAX = 10
PATTERN_MIN = 3
MAX_CHART_GROUPS = 40
WORKSHEET_BLANK_ROWS = 3


def build_context(
    findings: dict[str, Any], texts: Texts, created: datetime, carried: CarriedWorksheet | None = None
) -> dict[str, Any]:
    """The whole report as plain data for the templates (see the module docstring); `carried` is last
    time's filled-in worksheet (see `oppnaogon.present.report.worksheet`)."""
    return _Builder(findings, texts, created, carried).build()


def _shown_as_zero(estimate: float, share: bool) -> bool:
    """Whether a difference reads 0,0 as the sentences show it (one decimal, in points for a share)."""
    return abs(estimate * (100 if share else 1)) < 0.05


class _Builder:
    def __init__(
        self,
        findings: dict[str, Any],
        texts: Texts,
        created: datetime,
        carried: CarriedWorksheet | None = None,
    ) -> None:
        self.carried = carried
        self.f = findings
        self.lang = texts.lang
        self.t = texts.labels
        self.g = texts.guide
        self.created = created
        self.population = findings["population"]["age_group"]
        self.labels = {o["name"]: o["label"] for o in findings["outcomes"]}
        self.kinds = {o["name"]: o["kind"] for o in findings["outcomes"]}
        # whose criteria judge each outcome's differences: its own kind, or a numeric outcome's `criteria`
        self.judged = {
            o["name"]: o["kind"] if o["kind"] in JUDGED_KINDS else o.get("criteria")
            for o in findings["outcomes"]
        }
        self.women = self.sex("female")
        self.men = self.sex("male")
        self.anchors: dict[str, str] = {}
        self.findings_by_anchor: dict[str, dict[str, Any]] = {}
        self.charts: list[dict[str, Any]] = []

    # --- words -------------------------------------------------------------------------------
    def sex(self, sex: str, breakdown: dict[str, Any] | None = None) -> str:
        return row_sex_word(sex, breakdown or {}, self.population, self.lang)

    def definite(self, word: str) -> str:
        return definite(word, self.lang)

    def group(self, breakdown: dict[str, Any]) -> str:
        # "13–17 år" with an en dash, as in print; the data's own label keeps its hyphen elsewhere
        shown = {
            k: (v.replace("-", "\u2013") if k == "age_band" and isinstance(v, str) else v)
            for k, v in breakdown.items()
        }
        return group_text(shown, self.lang)

    def criteria_words(self, ids: list[str] | None) -> str:
        words = [CRITERION[self.lang].get(i, i) for i in ids or []]
        if len(words) <= 1:
            return "".join(words)
        return ", ".join(words[:-1]) + f" {self.t['words']['and']} " + words[-1]

    def fmt(self, pattern: str, **values: Any) -> str:
        return pattern.format(**values)

    def anchor(self, kind: str, key: str) -> str:
        """A stable HTML id, made from a counter and never from a data value."""
        full = f"{kind}:{key}"
        if full not in self.anchors:
            self.anchors[full] = f"{kind}-{sum(a.startswith(kind + ':') for a in self.anchors) + 1}"
        return self.anchors[full]

    # --- the whole ---------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        descriptives = defaultdict(list)
        for d in self.f["descriptives"]:
            descriptives[(d["outcome"], tuple(d["breakdown"]))].append(d)
        differences = {(d["outcome"], _key(d["breakdown"])): d for d in self.f["differences"]}
        outcomes = [self.outcome_section(o, descriptives, differences) for o in self.f["outcomes"]]
        step2 = self.step2()
        return {
            "lang": self.lang,
            "t": self.t,
            "g": self.g,
            "meta": self.meta(),
            "summary": self.summary(step2),
            "outcomes": outcomes,
            "step2": step2,
            "step3": self.step3(),
            "step4": self.step4(step2),
            "followup": self.followup(),
            "comparison": self.comparison(),
            "quality": self.quality(),
            "accessibility": self.accessibility(),
            "method": self.method(),
            "checklist": self.checklist(),
            "charts": self.charts,
        }

    def period_text(self) -> str | None:
        """'juli–september 2026 (2026K3)' for the analysed period; None for the whole extract."""
        period = self.f.get("period")
        return self.period_words(period["label"]) if period else None

    def period_words(self, label: str) -> str:
        """'juli–september 2026 (2026K3)' for a period label; a year's label alone."""
        from oppnaogon.model.periods import label_words

        words = label_words(label, self.lang)
        return label if words == label else f"{words} ({label})"

    def area_name(self) -> str:
        from oppnaogon.model.criteria import find_area, load_area

        area = load_area(find_area(self.f["criteria"]["area"]))
        return area.name_sv if self.lang == "sv" else area.name_en

    def meta(self) -> dict[str, Any]:
        settings = self.f["settings"]
        area_id = self.f["criteria"]["area"]
        rows = self.f["input"]
        return {
            "title": self.t["report"]["title"],
            "file": rows["file"],
            "date": numbers.date(self.created, self.lang),
            "iso_date": self.created.date().isoformat(),
            "area": self.area_name(),
            "area_id": area_id,
            "area_assumed": self.f["criteria"].get("area_assumed", False),
            "period": self.period_text(),
            "rows_used": numbers.number(rows["rows_used"], self.lang),
            "min_cell": settings["min_cell"],
            "min_diff": numbers.number(settings["min_diff"] * 100, self.lang, digits=0),
            "confidence": numbers.number(settings["confidence"] * 100, self.lang),
            "women": self.women,
            "men": self.men,
            "version": self.f["tool"]["version"],
            "sha256": rows["sha256"],
            "noteworthy_legend": self.fmt(
                self.t["table"]["noteworthy_legend"],
                min_diff=numbers.number(settings["min_diff"] * 100, self.lang, digits=0),
            ),
            "difference_note": self.fmt(self.t["table"]["difference_note"], women=self.women, men=self.men),
            "intro": self.fmt(
                self.t["report"]["intro"],
                file=rows["file"],
                rows=numbers.number(rows["rows_used"], self.lang),
                women=self.women,
                men=self.men,
                min_cell=settings["min_cell"],
            ),
            "disclosure": self.disclosure_notes(),
        }

    def disclosure_notes(self) -> list[str]:
        """In words, what the disclosure control hid of the main figures and why (rule R2), and which
        values were pooled into one group (R6): computed by the analysis, only worded here."""
        from oppnaogon.prepare.normalise import POOLED

        t = self.t["report"]
        min_cell = self.f["settings"]["min_cell"]
        disclosure = self.f.get("disclosure") or {}
        notes = disclosure_sentences(t, disclosure, self.labels, self.population, self.lang)
        for pooled in self.f.get("pooled_labels", []):
            pattern = t["pooled_shown"] if pooled["at_least_min_cell"] else t["pooled_hidden"]
            notes.append(
                self.fmt(
                    pattern,
                    column=pooled["column"],
                    values=pooled["values"],
                    min_cell=min_cell,
                    pooled=POOLED,
                )
            )
        return notes

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

    # --- findings, sentences and prompts -----------------------------------------------------
    @functools.cached_property
    def noteworthy(self) -> list[dict[str, Any]]:
        chosen = [d for d in self.f["differences"] if d["noteworthy"] or d.get("masked")]
        order = {o["name"]: i for i, o in enumerate(self.f["outcomes"])}
        return sorted(
            chosen,
            key=lambda d: (order[d["outcome"]], len(d["breakdown"]), -abs(d["estimate"] or 0)),
        )

    @functools.cached_property
    def _values(self) -> dict[tuple[str, tuple[tuple[str, Any], ...], str], Any]:
        """Every published value by (outcome, group, sex), indexed once."""
        return {(r["outcome"], _key(r["breakdown"]), r["sex"]): r["value"] for r in self.f["descriptives"]}

    def values_of(self, d: dict[str, Any]) -> dict[str, Any]:
        """The women's and men's values behind a difference."""
        return {s: self._values.get((d["outcome"], _key(d["breakdown"]), s)) for s in BINARY}

    def finding_sentence(self, d: dict[str, Any], prefix: bool = True) -> str:
        """'Bland 13–17 år: «Insats beviljad» gäller 63,8 % av flickorna och 56,2 % av pojkarna …'"""
        s = self.t["sentence"]
        values = self.values_of(d)
        women, men = (self.sex(x, d["breakdown"]) for x in BINARY)
        share = d["kind"] in SHARE_KINDS
        ci = d["ci"] or [None, None]
        estimate = d["estimate"] or 0
        equal = "_equal" if _shown_as_zero(estimate, share) else ""
        # the difference in words, as "higher for the boys", and its interval the same way round (the
        # boys' minus the girls'): a size without its sign beside a signed interval reads as a contradiction
        if estimate < 0 and not equal:
            ci = [None if ci[1] is None else -ci[1], None if ci[0] is None else -ci[0]]
        common = {
            "group": self.group(d["breakdown"]),
            "outcome": self.labels[d["outcome"]],
            "women": self.definite(women),
            "men": self.definite(men),
            "more": self.definite(women if estimate > 0 else men),
            "ci": numbers.interval(ci[0], ci[1], self.lang, 100 if share else 1),
        }
        if share:
            text = self.fmt(
                s["share" + equal],
                female=numbers.percent(values["female"], self.lang),
                male=numbers.percent(values["male"], self.lang),
                difference=numbers.number(abs(estimate) * 100, self.lang, 1),
                **common,
            )
        else:
            text = self.fmt(
                s["mean" + equal],
                female=numbers.number(values["female"], self.lang, 1),
                male=numbers.number(values["male"], self.lang, 1),
                difference=numbers.number(abs(estimate), self.lang, 1),
                **common,
            )
        if not d["breakdown"]:
            everyone = s["everyone_prefix"] if prefix else ""
            text = text.replace(self.fmt(s["group_prefix"], group=common["group"]), everyone, 1)
        return text[:1].upper() + text[1:]

    def verdict_sentence(self, d: dict[str, Any]) -> str:
        """The criteria verdict in plain words, with the adjusted difference when there is one."""
        v = self.t["verdict"]
        verdict = d.get("verdict")
        women, men = (self.sex(x, d["breakdown"]) for x in BINARY)
        # a numeric outcome's difference of means: the same verdicts in the outcome's own unit
        numeric = d["kind"] == "numeric" and self.judged.get(d["outcome"]) in JUDGED_KINDS
        if verdict is None:
            if d["kind"] == "numeric" and self.judged.get(d["outcome"]) == "none":
                return self.t["verdict_numeric"]["none"]
            return v["none"] if self.judged.get(d["outcome"], d["kind"]) not in JUDGED_KINDS else ""
        if numeric:
            v = v | self.t["verdict_numeric"]
        adjusted = d.get("adjusted") or {}
        explained = d.get("explained_part") or {}
        ci = adjusted.get("ci") or [None, None]
        explained_ci = explained.get("ci") or [None, None]
        adjusted_digits = 0 if adjusted.get("figures") == "rounded" else 1
        available = [c["id"] for c in d.get("criteria") or [] if c.get("available")]
        values = {
            "women": women,
            "men": men,
            "criteria": self.criteria_words(available),
            "explained_by": self.criteria_words(d.get("explained_by")),
            # rounded adjusted figures (disclosure.adjusted.publication_form) are shown in whole points
            "adjusted": numbers.points(adjusted.get("estimate"), self.lang, digits=adjusted_digits),
            "ci": numbers.interval(ci[0], ci[1], self.lang, digits=adjusted_digits),
            # the reasons speak of women and men; in a report on children they are girls and boys
            "reason": shown_reason(d.get("verdict_reason"), self.lang).replace(
                self.t["words"]["women_and_men"], f"{women} {self.t['words']['and']} {men}"
            ),
            "missing": self.criteria_words(d.get("criteria_missing")),
            "min_diff": numbers.number(self.f["settings"]["min_diff"] * 100, self.lang, digits=0),
            "explained": numbers.points(explained.get("estimate"), self.lang, digits=adjusted_digits),
            "explained_ci": numbers.interval(
                explained_ci[0], explained_ci[1], self.lang, digits=adjusted_digits
            ),
        }
        if numeric:
            values |= {
                "adjusted": numbers.signed(adjusted.get("estimate"), self.lang, digits=1),
                "ci": numbers.interval(ci[0], ci[1], self.lang, scale=1, digits=1),
                "min_diff": numbers.number(adjusted.get("min_diff"), self.lang, digits=2),
                "explained": numbers.signed(explained.get("estimate"), self.lang, digits=1),
                "explained_ci": numbers.interval(
                    explained_ci[0], explained_ci[1], self.lang, scale=1, digits=1
                ),
            }
        key = "masked" if d.get("masked") else verdict
        if verdict == "inconclusive" and adjusted.get("estimate") is not None:
            key = "inconclusive_adjusted"
        elif key in ("unmotivated", "masked") and adjusted.get("estimate") is None:
            key += "_withheld"  # small strata: the adjusted figures are not published
        elif key == "partly_explained" and not explained:
            key += "_withheld"
        text = self.fmt(v[key], **values)
        alone = adjusted.get("persons_in_one_sex_strata") or 0
        total = alone + (adjusted.get("persons_compared") or 0)
        if total and alone > THIN_SHARE * total:
            text += " " + self.fmt(
                v["thin"],
                alone=numbers.number(alone, self.lang),
                total=numbers.number(total, self.lang),
                share=numbers.percent(alone / total, self.lang, digits=0),
            )
        where = d.get("heterogeneous_in") or []
        if (adjusted.get("heterogeneous") or where) and verdict in ("unmotivated", "partly_explained"):
            text += " " + self.fmt(v["average"], **values)
        if where:
            text += " " + self.fmt(v["levels"], columns=", ".join(f"'{c}'" for c in where))
            text += self.level_sentence(d)
        if d.get("criteria_missing") and verdict != "not_assessable":
            text += " " + self.fmt(v["missing"], **values)
        if d.get("reflect") or verdict == "motivated":
            text += " " + v["reflect"]
        return text

    def level_sentence(self, d: dict[str, Any]) -> str:
        """' Så här ser det ut på varje nivå: 'Risknivå': Hög: 20,0 procentenheter högre andel för flickor
        (omotiverad); …' for a difference that varies between the levels of a criteria column: each
        published level's difference, its direction in words, and its verdict; that the others are
        hidden. Nothing when the difference has no breakdown by levels (a subgroup's)."""
        ids = d.get("level_differences") or []
        if not ids:
            return ""
        v = self.t["verdict"]
        by_id = {x["id"]: x for x in self.f["differences"]}
        shown = []
        for level in (by_id[i] for i in ids if i in by_id):
            estimate = level["estimate"]
            if estimate is None:
                continue
            group = self.group(level["breakdown"])
            if _shown_as_zero(estimate, share=True):
                shown.append(self.fmt(v["level_equal"], group=group))
                continue
            verdict = VERDICT[self.lang].get(level.get("verdict") or "", "")
            shown.append(
                self.fmt(
                    v["level_higher"] if verdict else v["level_higher_unjudged"],
                    group=group,
                    points=numbers.number(abs(estimate) * 100, self.lang, digits=1),
                    who=self.sex("female" if estimate > 0 else "male", level["breakdown"]),
                    verdict=verdict,
                )
            )
        if not shown:
            return " " + v["levels_hidden"]
        text = " " + self.fmt(v["levels_found"], levels="; ".join(shown))
        return text + (" " + v["levels_some_hidden"] if len(shown) < len(ids) else "")

    def prompt_kind(self, d: dict[str, Any]) -> str:
        verdict = d.get("verdict")
        if d.get("masked"):
            return "masked"
        kind = self.judged.get(d["outcome"], d["kind"])
        if kind not in JUDGED_KINDS or verdict is None:
            return "other_outcome"
        if verdict in ("unmotivated", "motivated"):
            return f"{kind}_{verdict}"
        return verdict

    def step2(self) -> list[dict[str, Any]]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for d in self.noteworthy:
            kind = self.prompt_kind(d)
            women, men = (self.sex(x, d["breakdown"]) for x in BINARY)
            question = self.question(self.g["prompts"][kind]["finding_question"], women, men, d["breakdown"])
            extra = [q for c in d.get("explained_by") or [] for q in self.g["explained_by"].get(c, [])]
            verdict = VERDICT[self.lang].get(d.get("verdict") or "", "")
            if d.get("verdict") == "motivated" and d.get("explained_by"):
                verdict += f" ({self.criteria_words(d['explained_by'])})"
            finding = {
                "anchor": self.anchor("fynd", d["id"]),
                "keys": [d["id"]],
                "outcome": self.labels[d["outcome"]],
                "group": self.group(d["breakdown"]),
                "verdict": verdict,
                "text": self.finding_sentence(d),
                "verdict_text": self.verdict_sentence(d),
                "questions": [question, *extra],
                "extra_questions": extra,
                "worksheet": self.worksheet_text(d),
                **self.row_values(d),
            }
            self.findings_by_anchor[finding["anchor"]] = finding
            groups[kind].append(finding)
        for kind in list(groups):
            groups[kind] = self.patterns(kind, groups[kind])
        for a in self.accommodation_visible:
            groups["accessibility"].append(a)
        for flag in self.missingness_flags:
            groups["missingness"].append(flag)
        result = []
        for kind in PROMPT_ORDER:
            if not groups.get(kind):
                continue
            for finding in groups[kind]:
                finding.setdefault("pattern", False)
            p = self.g["prompts"][kind]
            result.append(
                {
                    "key": kind,
                    "title": p["title"],
                    "lead": self.fmt(
                        p["lead"], women=self.women, men=self.men, group=self.t["words"]["everyone"]
                    ),
                    "findings": groups[kind],
                    "individ": p["individ"],
                    "verksamhet": p["verksamhet"],
                    "omvarld": p["omvarld"],
                }
            )
        return result

    def row_values(self, d: dict[str, Any]) -> dict[str, str]:
        """The finding as a row of a pattern table: values per sex and the difference with its interval."""
        values = self.values_of(d)
        share = d["kind"] in SHARE_KINDS
        ci = d["ci"] or [None, None]
        if share:
            female, male = (numbers.percent(values[x], self.lang) for x in BINARY)
            difference = numbers.points(d["estimate"], self.lang)
        else:
            female, male = (numbers.number(values[x], self.lang, 1) for x in BINARY)
            difference = numbers.signed(d["estimate"], self.lang)
        return {
            "female": female,
            "male": male,
            "difference": difference,
            "difference_ci": numbers.interval(ci[0], ci[1], self.lang, 100 if share else 1),
        }

    def patterns(self, kind: str, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Findings of one kind and outcome in PATTERN_MIN or more (overlapping) groups become one block
        with a table: the same difference seen in the whole group, in an age band, a district, a quarter
        … is one pattern to talk about, not a dozen near-identical paragraphs."""
        by_outcome: dict[str, list[dict[str, Any]]] = {}
        for f in findings:
            by_outcome.setdefault(f["outcome"], []).append(f)
        t = self.t["step2"]
        blocks = []
        for outcome, items in by_outcome.items():
            if len(items) < PATTERN_MIN:
                blocks.extend(items)
                continue
            first = items[0]  # the whole group, or the largest difference of the coarsest breakdown
            extra = list(dict.fromkeys(q for f in items for q in f["extra_questions"]))
            question = self.question(self.g["prompts"][kind]["finding_question"], self.women, self.men, {})
            blocks.append(
                {
                    "pattern": True,
                    "anchor": first["anchor"] + "-m",
                    "keys": [k for f in items for k in f["keys"]],
                    "outcome": outcome,
                    "group": self.fmt(t["pattern_group"], count=len(items)),
                    "intro": self.fmt(t["pattern_intro"], count=len(items)),
                    "text": first["text"],
                    "verdict_text": first["verdict_text"],
                    "columns": [
                        self.t["table"]["group"],
                        self.women.capitalize(),
                        self.men.capitalize(),
                        self.t["step2"]["difference"],
                        self.t["table"]["verdict"],
                    ],
                    "rows": items,
                    "questions": [question, *extra],
                    "worksheet": self.fmt(
                        t["pattern_worksheet"], outcome=outcome, count=len(items), example=first["worksheet"]
                    ),
                }
            )
        return blocks

    def question(self, pattern: str, women: str, men: str, breakdown: dict[str, Any]) -> str:
        """A finding's question; for the whole group without the group in parentheses ("(alla)")."""
        if not breakdown:
            pattern = pattern.replace(" ({group})", "").replace("({group})", "")
        return self.fmt(pattern, women=women, men=men, group=self.group(breakdown))

    def worksheet_text(self, d: dict[str, Any]) -> str:
        values = self.values_of(d)
        women, men = (self.sex(x, d["breakdown"]) for x in BINARY)
        share = d["kind"] in SHARE_KINDS
        show = (
            (lambda v: numbers.percent(v, self.lang))
            if share
            else (lambda v: numbers.number(v, self.lang, 1))
        )
        verdict = VERDICT[self.lang].get(d.get("verdict") or "", "")
        text = (
            f"{self.labels[d['outcome']]}, {self.group(d['breakdown'])}: "
            f"{women} {show(values['female'])}, {men} {show(values['male'])}"
        )
        return f"{text} ({verdict})" if verdict else text

    @functools.cached_property
    def accommodation_visible(self) -> list[dict[str, Any]]:
        """Accommodation needed but not given, where both sexes' counts are published."""
        out = []
        for a in self.f.get("accommodation", []):
            by = {s["sex"]: s for s in a["by_sex"]}
            female, male = by.get("female"), by.get("male")
            if not female or not male or female["count"] is None or male["count"] is None:
                continue
            if not (female["count"] or male["count"]):
                continue
            text = self.fmt(
                self.t["accessibility"]["sentence"],
                female_n=numbers.number(female["n"], self.lang),
                male_n=numbers.number(male["n"], self.lang),
                column=a["column"],
                values=" / ".join(a["values"]),
                female=numbers.number(female["count"], self.lang),
                male=numbers.number(male["count"], self.lang),
                female_share=numbers.percent(female["share"], self.lang),
                male_share=numbers.percent(male["share"], self.lang),
                women=self.women,
                men=self.men,
            )
            out.append(
                {
                    "anchor": self.anchor("tillganglighet", a["column"]),
                    "keys": [f"accommodation:{a['column']}"],
                    "outcome": a["column"],
                    "group": "",
                    "verdict": "",
                    "text": text,
                    "verdict_text": self.t["accessibility"]["never_explains"],
                    "questions": [
                        self.question(
                            self.g["prompts"]["accessibility"]["finding_question"], self.women, self.men, {}
                        )
                    ],
                    "worksheet": text,
                }
            )
        return out

    @functools.cached_property
    def missingness_flags(self) -> list[dict[str, Any]]:
        out = []
        for m in self.f.get("missingness_flags", []):
            if not m.get("flag"):
                continue
            more = self.women if (m["difference"] or 0) > 0 else self.men
            text = self.fmt(
                self.t["quality"]["flag"],
                column=m["column"],
                difference=numbers.number(abs(m["difference"] or 0) * 100, self.lang, 1),
                more=more,
            )
            out.append(
                {
                    "anchor": self.anchor("saknas", m["column"]),
                    "keys": [f"missing:{m['column']}"],
                    "outcome": m["column"],
                    "group": "",
                    "verdict": "",
                    "text": text,
                    "verdict_text": "",
                    "questions": [
                        self.question(
                            self.g["prompts"]["missingness"]["finding_question"], self.women, self.men, {}
                        )
                    ],
                    "worksheet": text,
                }
            )
        return out

    # --- summary, steps 3-4 ------------------------------------------------------------------
    def summary(self, step2: list[dict[str, Any]]) -> dict[str, Any]:
        s = self.t["summary"]
        differences = self.f["differences"]
        tested = [d for d in differences if d["p_value"] is not None]
        noteworthy = self.noteworthy
        hidden = sum(1 for d in differences if d["suppressed"])
        counts = {
            "tested": numbers.number(len(tested), self.lang),
            "noteworthy": numbers.number(sum(1 for d in noteworthy if d["noteworthy"]), self.lang),
            "hidden": numbers.number(hidden, self.lang),
        }
        verdicts: defaultdict[str, int] = defaultdict(int)
        for d in noteworthy:
            if d.get("verdict"):
                verdicts[d["verdict"]] += 1
        verdict_counts = [
            self.fmt(
                s["verdict_count"],
                count=n,
                verdict=s["verdicts_plural"][v] if n > 1 else VERDICT[self.lang][v],
            )
            for v, n in sorted(verdicts.items(), key=lambda kv: -kv[1])
        ]
        items = []
        for d in noteworthy[:SUMMARY_MAX]:
            anchor = self.anchor("fynd", d["id"])
            finding = self.findings_by_anchor[anchor]
            items.append(
                {
                    "anchor": anchor,
                    "text": finding["text"],
                    "verdict": finding["verdict"],
                    "verdict_key": "masked" if d.get("masked") else (d.get("verdict") or "none"),
                }
            )
        overall = [
            self.finding_sentence(d, prefix=False)
            for d in differences
            if not d["breakdown"] and not d["suppressed"] and d["estimate"] is not None
        ]
        period = self.f.get("period") or {}
        period_advice = ""
        if period.get("small"):
            from oppnaogon.model.periods import label_words

            period_advice = self.fmt(
                s["period_small"],
                period=self.period_text(),
                pooled=period["pooled_suggestion"],
                words=label_words(period["pooled_suggestion"], self.lang),
            )
        return {
            "period_advice": period_advice,
            "overall": overall,
            "counts": self.fmt(s["counts"] if tested else s["counts_none"], **counts),
            "verdicts": ", ".join(verdict_counts),
            "findings": items,
            "more": self.fmt(s["more"], more=len(noteworthy) - SUMMARY_MAX)
            if len(noteworthy) > SUMMARY_MAX
            else "",
            "none": s["none"] if not noteworthy else "",
            "accessibility": [a["text"] for a in self.accommodation_visible],
            "missingness": [m["text"] for m in self.missingness_flags],
            "area_assumed": self.fmt(s["area_assumed"], area=self.area_name())
            if self.f["criteria"].get("area_assumed")
            else "",
        }

    def step3(self) -> dict[str, Any]:
        notes = []
        undecided = [d for d in self.noteworthy if d.get("verdict") in ("inconclusive", "not_assessable")]
        if undecided:
            notes.append(self.fmt(self.t["step3"]["undecided"], count=len(undecided)))
        missing = sorted({c for d in self.noteworthy for c in d.get("criteria_missing") or []})
        if missing:
            notes.append(self.fmt(self.t["step3"]["missing"], criteria=self.criteria_words(missing)))
        if any(m.get("flag") for m in self.f.get("missingness_flags", [])):
            notes.append(self.t["step3"]["quality"])
        return {**self.g["step3"], "notes": notes}

    def step4(self, step2: list[dict[str, Any]]) -> dict[str, Any]:
        width = len(self.t["worksheet"]["columns"])
        generated = [(f["worksheet"], f["keys"]) for g in step2 for f in g["findings"]]
        rows = [[text, *[""] * (width - 1)] for text, _ in generated]
        carried_note = ""
        if self.carried is not None:
            unused = list(self.carried.rows)
            for row, (_, keys) in zip(rows, generated, strict=True):
                match = next((c for c in unused if c.keys & set(keys)), None)
                if match is not None:
                    unused.remove(match)
                    row[1:] = _fit(match.cells, width - 1)
            # the team's own rows, and rows of differences no longer in this worksheet, as they were
            rows += [[c.difference, *_fit(c.cells, width - 1)] for c in unused]
            carried_note = self.fmt(
                self.t["worksheet"]["carried"], file=self.carried.file, rows=len(self.carried.rows)
            )
        rows += [[""] * width for _ in range(WORKSHEET_BLANK_ROWS)]
        return {
            **self.g["step4"],
            "header": self.t["worksheet"]["columns"],
            "rows": rows,
            "generated": generated,
            "carried_note": carried_note,
        }

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

    def followup(self) -> dict[str, Any] | None:
        """Step 4 follow-up: the changes since the run given with --compare-with (None without one)."""
        f = self.f.get("followup")
        if not f:
            return None
        t = self.t["followup"]
        period = f["previous"]["period"] or self.t["report"]["all_periods"]
        rows = []
        for c in f["changes"]:
            share = c["kind"] in SHARE_KINDS
            show = numbers.points if share else numbers.signed
            ci = c["ci"]
            rows.append(
                {
                    "outcome": self.labels.get(c["outcome"], c["outcome"]),
                    "group": self.group(c["breakdown"]),
                    "previous": show(c["previous_estimate"], self.lang),
                    "now": show(c["estimate"], self.lang),
                    "change": show(c["change"], self.lang),
                    "change_ci": numbers.interval(ci[0], ci[1], self.lang, 100 if share else 1) if ci else "",
                    # Benjamini–Hochberg over the report's changes: what the label is decided on
                    "p": numbers.p_value(c.get("p_adjusted"), self.lang) if ci else "",
                    "trend": t["trend"][c["trend"]],
                }
            )
        counts = f["counts"]
        return {
            "intro": self.fmt(
                t["intro"], file=f["previous"]["input_file"] or f["previous"]["file"], period=period
            ),
            "summary": self.fmt(t["summary"], period=period, **counts),
            "settings_changed": self.fmt(t["settings_changed"], settings=", ".join(f["settings_changed"]))
            if f["settings_changed"]
            else "",
            "columns": t["columns"],
            "rows": rows,
        }

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

    def method(self) -> dict[str, Any]:
        from oppnaogon.model.criteria import find_area, load_area

        area = load_area(find_area(self.f["criteria"]["area"]))
        english = self.lang == "en"
        criteria = [
            {
                "name": c.name_en if english else c.name_sv,
                "applies_to": KIND[self.lang][c.applies_to],
                "needed": list(c.information_needed_en if english else c.information_needed_sv),
            }
            for c in area.criteria
        ]
        note = area.area_note_en if english else area.area_note_sv
        return {
            **self.g["method"],
            "criteria": criteria,
            "area_note": note,
            "limitations": self.g["limitations"],
        }

    def checklist(self) -> dict[str, Any]:
        lists = self.g["checklist"]
        area = self.f["criteria"]["area"]
        if area in lists:
            return lists[area]
        return lists["barn_och_unga"] if self.population == "children" else lists["adults"]


def _fit(cells: tuple[str, ...], width: int) -> list[str]:
    """Carried cells to this worksheet's width: missing ones empty, surplus ones joined into the last."""
    cells_ = list(cells[:width]) + [""] * (width - len(cells))
    if len(cells) > width and width:
        cells_[-1] = " ".join(c for c in (cells_[-1], *cells[width:]) if c)
    return cells_


def _key(breakdown: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(breakdown.items())


def _group_order(breakdown: dict[str, Any]) -> tuple[tuple[int, float, str], ...]:
    """Groups in a reader's order: ages by age, birth regions in SCB's order, unknown last."""
    from oppnaogon.model.geography import REGIONS

    order = []
    for dimension, value in breakdown.items():
        if value is None or value == "unknown":
            order.append((2, 0.0, ""))
        elif dimension == "age_band":
            digits = str(value).split("-")[0].rstrip("+")
            order.append((0, float(digits) if digits.isdigit() else 0.0, str(value)))
        elif dimension == "birth_region" and value in REGIONS:
            order.append((0, float(REGIONS.index(value)), ""))
        else:
            order.append((1, 0.0, str(value)))
    return tuple(order)


__all__ = ["build_context"]
