"""Where the shipped data folders (`criteria/`, `templates/`) are found.

In a wheel they are packaged inside `oppnaogon/` (pyproject's force-include); in a source checkout
(editable install) they stay at the repository root. Both are looked up here and nowhere else.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

SHIPPED_FOLDERS = ("criteria", "templates")


def shipped(folder: str) -> Traversable:
    """The shipped folder `criteria` or `templates`, packaged or in the source tree."""
    if folder not in SHIPPED_FOLDERS:
        raise ValueError(f"unknown shipped folder {folder!r}")
    packaged = files("oppnaogon") / folder
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[3] / folder
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError(f"the installation of oppnaogon lacks its {folder}/ folder")
