"""Files that are never half-written: temporary file, fsync, atomic rename, fsync the directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex, as the audit chain and the vault name things."""
    # hashlib loads OpenSSL (a few ms): only commands that write or verify pay for it.
    import hashlib

    return hashlib.sha256(data).hexdigest()


def make_dir(path: Path) -> None:
    """Create a private directory (0700) and its parents, each of them 0700 too."""
    # mkdir(parents=True) gives the parents it creates the default 0755: the vault's fan-out
    # directories would be readable by anyone who could reach them.
    missing = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to a new private file and fsync it (no rename)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_atomically(path: Path, data: bytes, tmp_dir: Path) -> None:
    """Write a whole new version of ``path``: readers see the old file or the new, never a mix."""
    tmp = tmp_dir / f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}"
    write_synced(tmp, data)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def dump_json(data: Any) -> bytes:
    """Compact UTF-8 JSON, the on-disk form of every store file."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(path: str | Path) -> tuple[int, int, int, int] | None:
    """What changes whenever a file is replaced: inode, size, mtime and ctime in ns."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
