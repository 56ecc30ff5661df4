"""Plain log lines for runs with nobody watching (cron, systemd timers): `--log-file F`.

One line per event, appended: `2026-11-23T17:10:00+01:00 INFO analyse uttag.csv: …`. The lines name
files, counts, settings and errors, never a value from the data.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path


class RunLog:
    """Appends log lines to `path`; with `path=None` it does nothing."""

    def __init__(self, path: Path | None, command: str) -> None:
        self.path = path
        self.command = command
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def info(self, message: str) -> None:
        self._write("INFO", message)

    def error(self, message: str) -> None:
        self._write("ERROR", message)

    def _write(self, level: str, message: str) -> None:
        if self.path is None:
            return
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        line = f"{stamp} {level} {self.command}[{os.getpid()}]: {' '.join(message.split())}\n"
        # one write per line on a file opened for appending: lines of concurrent runs do not interleave
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(line)
