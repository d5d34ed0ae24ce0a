"""Files that are never half-written: temporary file, fsync, atomic rename, fsync the directory."""

from __future__ import annotations

import contextlib
import errno
import json
import os
from pathlib import Path
from typing import Any

# Files the user asked for (a PDF, a backup, a log): private to the account whatever the
# install, so that a copy taken out of the data directory stays the user's own.
FILE_MODE = 0o600
DIR_MODE = 0o700

# What the store's own files hide from others: everything (a single-user install, 0600
# files and 0700 directories), or only the world (an install shared by a group: 0660 files,
# setgid 2770 directories). The store sets it when it opens, from the install's choice
# recorded in the data directory; every writer of store files asks it.
_HIDDEN = [0o077]


def share_with_group(shared: bool) -> None:
    """Make this process write store files for a group (0660/2770) or for its user (0600/0700)."""
    _HIDDEN[0] = 0o007 if shared else 0o077
    if shared:
        # The umask must leave the group its bits (a user's 022 would make files 0640).
        os.umask(0o007)


def store_mode(mode: int) -> int:
    """``mode`` (0o660 for a file, 0o770 for a directory) with what the install hides taken off."""
    return mode & ~_HIDDEN[0]


def file_mode() -> int:
    """The mode of a new store file: 0600, or 0660 in a group install."""
    return store_mode(0o660)


def dir_mode() -> int:
    """The mode of a store directory: 0700, or 0770 in a group install (setgid is inherited)."""
    return store_mode(0o770)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex, as the audit chain and the vault name things."""
    # hashlib loads OpenSSL (a few ms): only commands that write or verify pay for it.
    import hashlib

    return hashlib.sha256(data).hexdigest()


def make_dir(path: Path, mode: int | None = None) -> None:
    """Create a store directory (0700, or 0770 in a group install) and its missing parents."""
    # mkdir(parents=True) gives the parents it creates the default 0755: the vault's fan-out
    # directories would be readable by anyone who could reach them.
    missing = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=dir_mode() if mode is None else mode, exist_ok=True)


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


def write_synced(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a new store file (or ``mode``) and fsync it (no rename); whole or absent.

    On a failure (a full disk) the partial file is removed before the error goes up.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode() if mode is None else mode)
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
        write_synced(tmp, data, FILE_MODE)
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
