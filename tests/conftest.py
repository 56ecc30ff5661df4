"""Shared fixtures: small hand-made extracts whose every count is written down in the test using them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "barn_och_unga.csv"
EXAMPLE_CONFIG = ROOT / "examples" / "oppnaogon.toml"
# The section ids of the HTML report, in order
REPORT_SECTIONS = (
    "sammanfattning",
    "steg1",
    "steg2",
    "steg3",
    "steg4",
    "datakvalitet",
    "metod",
    "korsade",
    "bilaga",
)


def districts_extract(*districts: str) -> list[list[str]]:
    """Rows (header first) with 12 girls (8 granted) and 12 boys (5 granted) in each district: large
    enough for every district's shares to be shown."""
    rows = [["Kön", "Stadsdel", "Insats beviljad"]]
    for district in districts:
        rows += [["K", district, "Ja"]] * 8 + [["K", district, "Nej"]] * 4
        rows += [["M", district, "Ja"]] * 5 + [["M", district, "Nej"]] * 7
    return rows


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write `rows` (first row = header) as a `;`-separated UTF-8 file and return its path."""

    def write(rows: list[list[str]], name: str = "uttag.csv", delimiter: str = ";") -> Path:
        path = tmp_path / name
        path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
        return path

    return write
