"""The command reference documents every command of the CLI."""

from __future__ import annotations

import typer
from typer.main import get_command

from oppnaogon.cli import app

from .conftest import ROOT


def _commands(group: typer.core.TyperGroup, path: str = "") -> list[tuple[str, object]]:
    """Every runnable command as (`check` / `criteria show`, command), in the order `--help` lists them;
    sub-apps are walked into."""
    found: list[tuple[str, object]] = []
    for name in group.list_commands(None):  # type: ignore[arg-type]
        command = group.commands[name]
        full = f"{path} {name}".strip()
        if isinstance(command, typer.core.TyperGroup):
            found.extend(_commands(command, full))
        else:
            found.append((full, command))
    return found


def test_every_command_is_documented_and_has_help() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    root = get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    assert root.list_commands(None) == ["check", "init", "analyse", "batch", "criteria"]  # type: ignore[arg-type]
    commands = _commands(root)
    assert [name for name, _ in commands] == [
        "check",
        "init",
        "analyse",
        "batch",
        "criteria list",
        "criteria show",
    ]
    for name, command in commands:
        assert f"## `oppnaogon {name} " in reference, name
        assert command.help, name  # type: ignore[attr-defined]
