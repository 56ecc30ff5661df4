"""Writing outputs safely: atomically (a crash leaves no half-written file) and never over the input."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from oppnaogon.errors import BusyError


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` via a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def output_lock(out: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder `out` for the whole run; a second run into the same
    folder stops at once with BusyError (exit 6) instead of racing the first one.

    The lock is an OS file lock on `.<name>.lock` beside the folder (the folder itself is replaced at the
    end of a run), so it is released when the process ends, even after a crash or `kill -9`; the file is
    left in place, as removing it could race a run that is just opening it.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    path = out.parent / f".{out.name}.lock"
    handle = path.open("a+", encoding="utf-8")
    try:
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "okänd process"
            raise BusyError(
                f"En annan körning skriver redan till {out} ({holder}).",
                "Vänta tills den är klar och kör igen; i cron: lägg körningarna så att de inte överlappar.",
            )
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, startad {datetime.now().isoformat(timespec='seconds')}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock


def _try_lock(handle: object) -> bool:
    """A non-blocking exclusive lock: fcntl on Linux and macOS, msvcrt on Windows."""
    fileno = handle.fileno()  # type: ignore[attr-defined]
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fileno, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fileno, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def replace_folder(staging: Path, out: Path) -> None:
    """Move the finished folder into place; an earlier report in `out` is replaced only at the end."""
    if out.exists():
        if not (out / "manifest.json").exists() and any(out.iterdir()):
            raise FileExistsError(str(out))
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)
