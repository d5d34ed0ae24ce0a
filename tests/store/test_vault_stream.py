"""Evidence of any size goes into the vault a chunk at a time, exactly as a whole write would."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from store.vault import Vault, VaultError
from store.vault_stream import VaultWriter, blob_size, read_chunks


def test_chunks_make_the_same_blob_as_a_whole_write(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault")
    data = os.urandom(3 * 1024 * 1024 + 11)
    with VaultWriter(vault) as writer:
        for start in range(0, len(data), 65536):
            writer.write(data[start : start + 65536])
        sha = writer.commit()
    assert sha == hashlib.sha256(data).hexdigest() == vault.put(data)
    assert vault.get(sha) == data and blob_size(vault, sha) == len(data)
    assert stat.S_IMODE(vault.path_for(sha).stat().st_mode) == 0o400
    assert b"".join(read_chunks(vault, sha, chunk=1000)) == data
    # Only the blob itself is left: no temporary file.
    assert [p.name for p in vault.root.rglob("*") if p.is_file()] == [sha]


def test_an_aborted_or_failed_write_leaves_nothing(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault")
    with VaultWriter(vault) as writer:
        writer.write(b"half a message")
        writer.abort()
    with pytest.raises(RuntimeError), VaultWriter(vault) as writer:
        writer.write(b"the other half")
        raise RuntimeError("the connection dropped")
    assert not any(p.is_file() for p in vault.root.rglob("*"))
    assert not vault.has(hashlib.sha256(b"half a message").hexdigest())


def test_reading_back_altered_evidence_fails(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault")
    sha = vault.put(b"the original email")
    path = vault.path_for(sha)
    path.chmod(0o600)
    path.write_bytes(b"the altered email!")
    with pytest.raises(VaultError, match="altered"):
        b"".join(read_chunks(vault, sha))
    with pytest.raises(VaultError, match="missing"):
        list(read_chunks(vault, "0" * 64))
