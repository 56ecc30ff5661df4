"""The report's view model: everything a template shows, built from `findings.json` and nothing else.

`build_context(findings, lang)` turns the published findings (already suppressed) into plain dicts of
ready-made text: table cells are formatted, sentences are composed from the patterns in
`templates/texts/labels.<lang>.toml`, and reflection prompts are chosen per finding from
`templates/texts/guide.<lang>.toml`. The templates only lay this out. Nothing here computes a statistic;
a value the findings hide stays hidden (`..`), and a chart never draws one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from oppnaogon.present.report.carried import CarriedWorksheet
from oppnaogon.present.report.context.base import _key
from oppnaogon.present.report.context.later import _Steps34
from oppnaogon.present.report.context.step1 import _Step1
from oppnaogon.present.report.context.step2 import _Step2
from oppnaogon.present.report.context.summary import _Summary
from oppnaogon.present.report.texts import Texts


def build_context(
    findings: dict[str, Any], texts: Texts, created: datetime, carried: CarriedWorksheet | None = None
) -> dict[str, Any]:
    """The whole report as plain data for the templates (see the module docstring); `carried` is last
    time's filled-in worksheet (see `oppnaogon.present.report.worksheet`)."""
    return _Builder(findings, texts, created, carried).build()


class _Builder(_Step1, _Step2, _Summary, _Steps34):
    """The whole context: each step's part is a mixin of its own module, on the shared `_Base`."""

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


__all__ = ["build_context"]
