"""Putting a file of any size into the evidence vault, a chunk at a time, hashing as it is written.

``Vault.put`` takes the whole content as bytes; a 50 MB email and its 40 MB video would then
sit in memory whole, more than once. A ``VaultWriter`` writes chunks to a private temporary
file in the vault, hashes them on the way, and on ``commit`` links the file under its hash
(never overwriting evidence already there), exactly as ``put`` would have stored it.
``read_chunks`` reads a blob back in chunks and checks its hash at the end.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from types import TracebackType

from store.files import file_mode, fsync_dir, make_dir, store_mode
from store.vault import Vault, VaultError

READ_CHUNK = 1024 * 1024


class VaultWriter:
    """Write a blob to the vault in chunks; ``commit`` returns its SHA-256 (``abort`` drops it)."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.size = 0
        self._hash = hashlib.sha256()
        self._tmp = _temp_path(vault)
        self._fd: int | None = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
        self.sha256 = ""

    def __enter__(self) -> VaultWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            self.abort()

    def write(self, data: bytes) -> int:
        """Append ``data``; returns how many bytes (all of them)."""
        if self._fd is None:
            raise VaultError("this vault writer is already closed")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._hash.update(data)
        self.size += len(data)
        return len(data)

    def commit(self) -> str:
        """Make the blob durable under its hash and return the hash; storing it twice is harmless."""
        if self._fd is None:
            if self.sha256:
                return self.sha256
            raise VaultError("this vault writer was aborted")
        fd, self._fd = self._fd, None
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        digest = self._hash.hexdigest()
        final = self.vault.path_for(digest)
        try:
            if not final.exists():
                make_dir(final.parent)
                # link() fails if another writer got there first: never overwrite evidence.
                with suppress(FileExistsError):
                    os.link(self._tmp, final)
                os.chmod(final, store_mode(0o440))
                fsync_dir(final.parent)
        finally:
            _unlink(self._tmp)
        self.sha256 = digest
        return digest

    def abort(self) -> None:
        """Drop what was written; the vault is unchanged."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
        _unlink(self._tmp)


def _temp_path(vault: Vault) -> Path:
    """A new private temporary file's path, where a crash's leftovers are cleaned up.

    A vault with a ``tmp`` directory (files named by their writer's pid, removed at start
    when that process is gone) gets it there; otherwise a dot-file in the vault's root.
    """
    tmp_dir: Path | None = getattr(vault, "tmp", None)
    unique = f"{os.getpid()}.{os.urandom(6).hex()}"
    if tmp_dir is not None:
        make_dir(tmp_dir)
        return tmp_dir / unique
    make_dir(vault.root)
    return vault.root / f".incoming.{unique}"


def _unlink(path: Path) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


def read_chunks(vault: Vault, sha256: str, chunk: int = READ_CHUNK) -> Iterator[bytes]:
    """A blob's bytes in chunks; VaultError at the end if they no longer match the hash."""
    path = vault.path_for(sha256)
    digest = hashlib.sha256()
    try:
        f = path.open("rb")
    except FileNotFoundError:
        raise VaultError(f"evidence {sha256} is missing from the vault") from None
    with f:
        while data := f.read(chunk):
            digest.update(data)
            yield data
    if digest.hexdigest() != sha256:
        raise VaultError(f"evidence {sha256} has been altered: its content no longer matches")


def blob_size(vault: Vault, sha256: str) -> int:
    """How many bytes a stored blob has."""
    return vault.path_for(sha256).stat().st_size
