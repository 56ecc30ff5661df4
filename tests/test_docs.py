"""The command reference documents every command of the CLI."""

from __future__ import annotations

from oppnaogon.cli import app

from .conftest import ROOT


def test_every_command_is_documented_and_has_help() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    names = [command.name or command.callback.__name__ for command in app.registered_commands]
    assert names == ["check", "init", "analyse"]
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"## `oppnaogon {name} " in reference
        assert command.callback.__doc__
