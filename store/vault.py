"""The evidence vault: files stored by SHA-256, never overwritten, verified when read."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from store.files import fsync_dir, make_dir, sha256_hex, store_mode, write_synced

SHA256 = re.compile(r"^[0-9a-f]{64}$")
# New blobs are written here first and linked into place: one directory to clean after a
# crash or a full disk, instead of a walk through every fan-out directory.
TMP = ".tmp"


class VaultError(Exception):
    """Evidence missing or altered since it was stored."""


class Vault:
    """Content-addressed, write-once storage for emails, attachments and letter PDFs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        make_dir(root / TMP)
        clean_temp_files(root / TMP)

    @property
    def tmp(self) -> Path:
        """Where blobs (and the daemon's health record) are written before they are renamed."""
        return self.root / TMP

    def path_for(self, sha256: str) -> Path:
        """Where a blob with this hash lives (two-level fan-out keeps directories small)."""
        if not SHA256.match(sha256):
            raise VaultError(f"not a SHA-256 hash: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` durably and return its hash; storing it again changes nothing."""
        digest = sha256_hex(data)
        final = self.path_for(digest)
        if final.exists():
            return digest
        tmp = self.tmp / f"{os.getpid()}.{os.urandom(4).hex()}"
        try:
            make_dir(final.parent)
            write_synced(tmp, data)
            try:
                # link() fails if another writer got there first: never overwrite evidence.
                os.link(tmp, final)
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
            os.chmod(final, store_mode(0o440))
            fsync_dir(final.parent)
        except OSError as exc:
            # A full disk: nothing half-written stays behind, and the message names the vault.
            raise OSError(
                exc.errno, f"cannot keep evidence: {exc.strerror}", str(self.root)
            ) from None
        return digest

    def get(self, sha256: str) -> bytes:
        """The stored bytes, after checking they still hash to ``sha256``."""
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise VaultError(f"evidence {sha256} is missing from the vault") from None
        if sha256_hex(data) != sha256:
            raise VaultError(f"evidence {sha256} has been altered: its content no longer matches")
        return data

    def has(self, sha256: str) -> bool:
        """Whether a blob is stored."""
        return self.path_for(sha256).exists()


def clean_temp_files(directory: Path) -> int:
    """Remove temporary files whose writer has gone (a crash, a full disk); return how many.

    Each name starts with its writer's process id, so a file another live process is still
    writing is left alone.
    """
    removed = 0
    with os.scandir(directory) as entries:
        names = [e.name for e in entries]
    for name in names:
        pid = name.partition(".")[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(directory / name)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
