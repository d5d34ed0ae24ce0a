"""The evidence vault: files stored by SHA-256, never overwritten, verified when read."""

from __future__ import annotations

import os
import re
from pathlib import Path

from store.files import fsync_dir, make_dir, sha256_hex, write_synced

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class VaultError(Exception):
    """Evidence missing or altered since it was stored."""


class Vault:
    """Content-addressed, write-once storage for emails, attachments and letter PDFs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        make_dir(root)

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
        make_dir(final.parent)
        tmp = final.parent / f".{digest}.{os.getpid()}.{os.urandom(4).hex()}"
        write_synced(tmp, data)
        try:
            # link() fails if another writer got there first: never overwrite evidence.
            os.link(tmp, final)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        os.chmod(final, 0o400)
        fsync_dir(final.parent)
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
