"""Steps 3 and 4 ("Kan vi dra slutsatser?", "Hur kan vi göra annorlunda?"), the follow-up, the method
and the checklist."""

from __future__ import annotations

from typing import Any

from oppnaogon.model.wording import (
    KIND,
)
from oppnaogon.present.report import numbers
from oppnaogon.present.report.context.base import (
    SHARE_KINDS,
    WORKSHEET_BLANK_ROWS,
    _Base,
    _fit,
)


class _Steps34(_Base):
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
