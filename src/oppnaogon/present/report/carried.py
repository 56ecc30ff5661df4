"""What a team wrote in last time's worksheet, as it is carried into this run's (see `worksheet`).

Its own module so that the report context can take it without importing the worksheet, which builds the
previous report's context to match the rows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CarriedRow:
    """One filled-in row of last time's worksheet: the differences it stood for (empty for a row the
    team wrote themselves), its first cell as it was, and its other cells."""

    keys: frozenset[str]
    difference: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class CarriedWorksheet:
    file: str
    rows: tuple[CarriedRow, ...]
