"""Step 2 "Vi reflekterar": the findings grouped for reflection with their prompts, patterns and the
worksheet's texts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from oppnaogon.model.sexes import COMPARED as BINARY
from oppnaogon.model.wording import (
    VERDICT,
)
from oppnaogon.present.report import numbers
from oppnaogon.present.report.context.base import (
    JUDGED_KINDS,
    PATTERN_MIN,
    PROMPT_ORDER,
    SHARE_KINDS,
)
from oppnaogon.present.report.context.sentences import _Sentences


class _Step2(_Sentences):
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
