"""One unit (municipality) of a batch: what was analysed of it and what may be shown of it.

Made by `oppnaogon.app.batch`, read by the overview (`oppnaogon.present.overview`) and batch.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class UnitResult:
    """One unit of a batch. `rows` is its true number of usable rows, for the analysis only: what may be
    shown of it is `shown_rows`."""

    name: str
    code: str | None
    slug: str
    rows: int
    min_cell: int
    status: str = "ok"
    reason: str | None = None
    document: dict[str, Any] | None = None
    manifest: dict[str, Any] | None = None

    @property
    def shown_rows(self) -> int | None:
        """The row count as batch.json and the terminal show it: None (hidden) below `min_cell`, where it
        would say how many persons a refused unit (or the rows without a municipality) holds."""
        return self.rows if self.rows >= self.min_cell else None

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": self.code,
            "folder": self.slug,
            "rows": self.shown_rows,
            "status": self.status,
            "reason": self.reason,
        }
