"""Hand a file to the system viewer (xdg-open), or say where it is when there is none."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.screen import Screen

_OUT_DIR: Path | None = None


def _out_dir() -> Path:
    global _OUT_DIR
    if _OUT_DIR is None:
        # A private directory: evidence and letters are personal data.
        _OUT_DIR = Path(tempfile.mkdtemp(prefix="conduct-view-"))
        _OUT_DIR.chmod(0o700)
    return _OUT_DIR


def safe_name(name: str) -> str:
    """A file name with no directory parts or awkward characters."""
    base = os.path.basename(name.replace("\\", "/")).strip(". ")
    return re.sub(r"[^A-Za-z0-9._ -]+", "_", base)[:100] or "file"


def write_copy(data: bytes, name: str) -> Path:
    """Write bytes to a private temporary file with a readable name."""
    folder = Path(tempfile.mkdtemp(dir=_out_dir()))
    path = folder / safe_name(name)
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def open_in_viewer(path: Path) -> str:
    """Open a file in the system viewer; the message says what happened."""
    viewer = shutil.which("xdg-open")
    if viewer is None or os.environ.get("CONDUCT_NO_VIEWER"):
        return f"No viewer here; the file is at {path}"
    subprocess.Popen(  # noqa: S603 - a fixed program and a path we wrote
        [viewer, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return f"Opened {path.name} in the viewer ({path})"


def open_copy(screen: Screen[Any], data: Callable[[], bytes], name: str) -> None:
    """Open a private copy of some bytes, in a worker thread; the screen says what happened.

    ``data`` runs in the thread too: reading from the vault checks the file's hash.
    """

    def job() -> None:
        path = write_copy(data(), name)
        screen.app.call_from_thread(screen.notify, open_in_viewer(path), markup=False)

    screen.run_worker(job, thread=True, exclusive=True, exit_on_error=False, group="open-copy")
