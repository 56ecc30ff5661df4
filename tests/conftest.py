"""Shared fixtures: small hand-made extracts whose every count is written down in the test using them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
# Every output format, and the environment of the shared example run (fixed time, a wide terminal)
EVERY_FORMAT = ("--format", "html,md,docx,json,xlsx,csv")
EXAMPLE_ENV = {"SOURCE_DATE_EPOCH": "1767225600", "COLUMNS": "250"}


@dataclass(frozen=True)
class ExampleRun:
    """`oppnaogon analyse` of the example with default settings and every format, run once a session."""

    out: Path  # the output folder: read it, never write into it (copy what a test must change)
    exit_code: int
    output: str  # what the command printed

    def findings(self) -> dict[str, Any]:
        """findings.json, parsed anew for each caller so that no test sees another's changes."""
        return json.loads((self.out / "findings.json").read_text(encoding="utf-8"))


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExampleRun]:
    """The whole example analysed once for the tests that only read its outputs (about 5 s a run);
    a test of a particular option makes its own run."""
    from typer.testing import CliRunner

    from oppnaogon.cli import app

    out = tmp_path_factory.mktemp("example_run") / "rapport"
    result = CliRunner().invoke(
        app, ["analyse", str(EXAMPLE), "--out", str(out), *EVERY_FORMAT], env=EXAMPLE_ENV
    )
    before = _digests(out) if out.is_dir() else {}
    yield ExampleRun(out=out, exit_code=result.exit_code, output=result.output)
    # the outputs are shared: a test that changed them would make the others test something else
    assert (_digests(out) if out.is_dir() else {}) == before, "a test changed the shared example outputs"


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that reads the shared example run is slow: alone it pays for the whole run."""
    for item in items:
        if "example_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
