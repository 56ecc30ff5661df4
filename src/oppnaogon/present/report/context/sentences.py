"""The sentences of a finding: what differs, the verdict and why, and where the difference lies."""

from __future__ import annotations

from typing import Any

from oppnaogon.model.reasons import shown_reason
from oppnaogon.model.sexes import COMPARED as BINARY
from oppnaogon.model.wording import (
    THIN_SHARE,
    VERDICT,
)
from oppnaogon.present.report import numbers
from oppnaogon.present.report.context.base import (
    JUDGED_KINDS,
    SHARE_KINDS,
    _Base,
    _shown_as_zero,
)


class _Sentences(_Base):
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
