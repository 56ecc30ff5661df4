"""The wheel carries the shipped data folders, and an installed wheel finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_installed_wheel_finds_criteria_templates_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path / "dist")],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("oppnaogon-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for area in ("barn_och_unga", "lss", "aldreomsorg", "socialpsykiatri"):
        assert f"oppnaogon/criteria/{area}.toml" in names
    assert "oppnaogon/templates/oppnaogon.toml.j2" in names
    for name in (
        "report.html.j2",
        "report.md.j2",
        "report.css",
        "texts/labels.sv.toml",
        "texts/guide.en.toml",
    ):
        assert f"oppnaogon/templates/{name}" in names
    assert "oppnaogon/data/countries.csv" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import oppnaogon, oppnaogon.io.resources as r, oppnaogon.model.criteria as c, oppnaogon.model.geography as g;"
        "print(oppnaogon.__file__); print(r.shipped('criteria')); print(r.shipped('templates'));"
        "print(c.available_areas()); print(len(g.kommuner()));"
        "from oppnaogon.present.report.texts import load_texts; print(load_texts('en').labels['report']['title'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(site), "PATH": ""},
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert all(line.startswith(str(site)) for line in out[:3]), out
    assert out[3:] == [
        "['aldreomsorg', 'barn_och_unga', 'lss', 'socialpsykiatri']",
        "290",
        "With open eyes: gender equality analysis",
    ]
