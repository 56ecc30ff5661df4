"""The report's opening: its facts (meta), what is hidden and why, and the summary of what was found."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from oppnaogon.model.wording import (
    VERDICT,
    disclosure_sentences,
)
from oppnaogon.present.report import numbers
from oppnaogon.present.report.context.base import (
    SUMMARY_MAX,
)
from oppnaogon.present.report.context.sentences import _Sentences


class _Summary(_Sentences):
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
