"""Files that are never half-written: temporary file, fsync, atomic rename, fsync the directory."""

from __future__ import annotations

import contextlib
import errno
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


def write_all(fd: int, data: bytes) -> None:
    """Write every byte: ``os.write`` may write fewer than asked (a full disk, a signal)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "the write made no progress")
        view = view[written:]


def write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to a new private file and fsync it (no rename); whole or absent.

    On a failure (a full disk) the partial file is removed before the error goes up.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def write_private(path: Path, data: bytes) -> None:
    """Write a file the user asked for (a PDF, a copy) as 0600, replacing it atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    try:
        write_synced(tmp, data)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        # Name the file the user asked for, not the temporary one.
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def replace_atomically(path: Path, data: bytes, tmp_dir: Path) -> None:
    """Write a whole new version of ``path``: readers see the old file or the new, never a mix."""
    tmp = tmp_dir / f"{os.getpid()}.{os.urandom(4).hex()}.{path.name}"
    write_synced(tmp, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
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


def describe_os_error(exc: OSError) -> str:
    """An OSError in one line that names the file: "PATH: No space left on device"."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason
