"""Shared fixtures: small hand-made extracts whose every count is written down in the test using them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "barn_och_unga.csv"
EXAMPLE_CONFIG = ROOT / "examples" / "oppnaogon.toml"


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write `rows` (first row = header) as a `;`-separated UTF-8 file and return its path."""

    def write(rows: list[list[str]], name: str = "uttag.csv", delimiter: str = ";") -> Path:
        path = tmp_path / name
        path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
        return path

    return write
