"""The report context's base: the findings, texts and words every part of the report uses, and the
lists of findings several steps share."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from oppnaogon.model.kinds import JUDGING_KINDS, KINDS
from oppnaogon.model.sexes import COMPARED as BINARY
from oppnaogon.model.sexes import definite, row_sex_word
from oppnaogon.model.wording import (
    CRITERION,
    group_text,
)
from oppnaogon.present.report import numbers
from oppnaogon.present.report.carried import CarriedWorksheet
from oppnaogon.present.report.texts import Texts

SHARE_KINDS = tuple(k.name for k in KINDS.values() if k.yes_no)  # compared as shares (`model.kinds`)
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


def _shown_as_zero(estimate: float, share: bool) -> bool:
    """Whether a difference reads 0,0 as the sentences show it (one decimal, in points for a share)."""
    return abs(estimate * (100 if share else 1)) < 0.05


class _Base:
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

    def question(self, pattern: str, women: str, men: str, breakdown: dict[str, Any]) -> str:
        """A finding's question; for the whole group without the group in parentheses ("(alla)")."""
        if not breakdown:
            pattern = pattern.replace(" ({group})", "").replace("({group})", "")
        return self.fmt(pattern, women=women, men=men, group=self.group(breakdown))

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
