"""Expected failures, each with its exit code (PRODUCT §2) and a message a non-programmer can act on.

Every message says what is wrong, where (file, column, line), and what to do. Anything that is not an
`OppnaogonError` is a bug and shows a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    DATA = 3
    PRIVACY = 4
    PARTIAL = 5  # batch: some units failed, the others were written
    BUSY = 6


class OppnaogonError(Exception):
    """Base of all expected errors. `str(error)` is the full, user-facing paragraph."""

    exit_code: ExitCode = ExitCode.INTERNAL
    title: str = "Fel"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class UsageError(OppnaogonError):
    """Wrong command-line use (a missing file, an option out of range, a file that would be overwritten)."""

    exit_code = ExitCode.USAGE
    title = "Fel i kommandot"


class ConfigError(OppnaogonError):
    """`oppnaogon.toml` is invalid: names the key (and line where known) and what is allowed."""

    exit_code = ExitCode.USAGE
    title = "Fel i konfigurationen"


class DataError(OppnaogonError):
    """The data file cannot be read or its values cannot be understood."""

    exit_code = ExitCode.DATA
    title = "Fel i datafilen"


class PrivacyError(OppnaogonError):
    """The data still identify people. Nothing has been written."""

    exit_code = ExitCode.PRIVACY
    title = "Stoppat av integritetsskäl"


class BusyError(OppnaogonError):
    """Another run is writing into the same output folder (two overlapping cron jobs, say)."""

    exit_code = ExitCode.BUSY
    title = "Upptaget"
