"""What a data directory holds, read from its files: counts, vault hashes, evidence references.

Backups describe the copy they took with these, and restores check the copy they made
against that description. Everything reads the files as stored (TinyDB JSON), so it works
on a copy that no ``Store`` has opened.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from casework.mailrecords import MailOutcome
from casework.record import record
from store.audit import GENESIS
from store.integrity import verify_copy
from store.vault import SHA256

# Directories of TinyDB files whose documents are counted (meta.json is not a record).
TABLE_DIRS = ("cases", "events", "people", "letters", "mail")
CHUNK = 1 << 20


@record
class Contents:
    """What a copy of the store holds: records, evidence files and the audit log's extent."""

    cases: int = 0
    events: int = 0
    people: int = 0
    letters: int = 0
    mail: int = 0
    vault_files: int = 0
    vault_bytes: int = 0
    audit_entries: int = 0
    audit_head: str = GENESIS

    def describe(self) -> str:
        """One line for a person: what was backed up or restored."""
        return (
            f"{_count(self.cases, 'case')}, {_count(self.events, 'event')}, "
            f"{_count(self.people, 'person', 'people')}, {_count(self.letters, 'letter')}, "
            f"{_count(self.mail, 'mail record')}, {_count(self.vault_files, 'vault file')} "
            f"({human_size(self.vault_bytes)}), {_count(self.audit_entries, 'audit entry', 'audit entries')}"
        )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def human_size(size: int) -> str:
    """A file size as a person reads it: 812 bytes, 4.3 KB, 87.6 MB, 1.2 GB."""
    if size < 1000:
        return f"{size} bytes"
    for unit, scale in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if size < scale * 1000 or unit == "GB":
            return f"{size / scale:,.1f} {unit}"
    raise AssertionError("unreachable")


def read_json(path: Path) -> Any:
    """A store file's JSON (an empty file is an empty store file)."""
    data = path.read_bytes()
    return json.loads(data) if data.strip() else {}


def _table_files(data: Path, sub: str) -> Iterator[Path]:
    folder = data / sub
    if folder.is_dir():
        yield from sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())


def count_documents(data: Path, sub: str) -> int:
    """Documents in every table of every file under ``data/sub``."""
    total = 0
    for path in _table_files(data, sub):
        for table in read_json(path).values():
            if isinstance(table, dict):
                total += len(table)
    return total


def vault_files(data: Path) -> Iterator[tuple[Path, str]]:
    """Every stored blob as (path, the hash its name claims); temporary files are skipped."""
    root = data / "vault"
    if not root.is_dir():
        return
    for first in sorted(os.scandir(root), key=lambda e: e.name):
        if not first.is_dir(follow_symlinks=False):
            continue
        for second in sorted(os.scandir(first.path), key=lambda e: e.name):
            if not second.is_dir(follow_symlinks=False):
                continue
            for blob in sorted(os.scandir(second.path), key=lambda e: e.name):
                if blob.is_file(follow_symlinks=False) and SHA256.match(blob.name):
                    yield Path(blob.path), blob.name


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hashes_in(value: Any, key: str = "") -> Iterator[str]:
    """Every evidence hash a stored document names (``sha256`` and ``*_sha256`` keys).

    A disposed message's record keeps its hash only to recognise the message if it comes
    back; its bytes are gone on purpose, so it names no evidence.
    """
    if isinstance(value, dict):
        if value.get("outcome") == MailOutcome.DISPOSED.value and "uidvalidity" in value:
            return
        for k, v in value.items():
            yield from hashes_in(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from hashes_in(v, key)
    elif (
        isinstance(value, str)
        and (key == "sha256" or key.endswith("_sha256"))
        and SHA256.match(value)
    ):
        yield value


def referenced_hashes(data: Path) -> dict[str, str]:
    """Every evidence hash the records name (sha256 and *_sha256 keys), with a file naming it.

    Read generically, so that events, letters and mail records of any shape are covered: an
    email, its attachments, a letter's PDF and its calendar invitation are all found.
    """
    found: dict[str, str] = {}
    for sub in TABLE_DIRS:
        for path in _table_files(data, sub):
            rel = f"{sub}/{path.name}"
            for sha in hashes_in(read_json(path)):
                found.setdefault(sha, rel)
    return found


def audit_head(path: Path) -> str:
    """The hash of the audit log's last entry (the genesis hash when it is empty)."""
    last = b""
    if path.exists():
        with path.open("rb") as f:
            for line in f:
                if line.strip():
                    last = line
    return str(json.loads(last)["hash"]) if last else GENESIS


def contents_of(data: Path, blobs: list[Path] | None = None) -> Contents:
    """Count what a data directory holds (the audit log is counted, not verified, here).

    ``blobs`` lists the vault files when they are not in ``data/vault`` (a backup's staging).
    """
    if blobs is None:
        blobs = [p for p, _ in vault_files(data)]
    audit = data / "audit.jsonl"
    entries = 0
    if audit.exists():
        with audit.open("rb") as f:
            entries = sum(1 for line in f if line.strip())
    return Contents(
        cases=count_documents(data, "cases"),
        events=count_documents(data, "events"),
        people=count_documents(data, "people"),
        letters=count_documents(data, "letters"),
        mail=count_documents(data, "mail"),
        vault_files=len(blobs),
        vault_bytes=sum(p.stat().st_size for p in blobs),
        audit_entries=entries,
        audit_head=audit_head(audit),
    )


def verify_audit(data: Path) -> str | None:
    """None when the audit chain verifies, ends where meta.json says and vouches for every
    store file, else what is wrong (the problems joined in one line)."""
    problems = verify_copy(data)
    return "; ".join(problems) if problems else None


def missing_evidence(data: Path, present: set[str]) -> list[str]:
    """Hashes the records name that are not among ``present``, each with a file naming it."""
    return [
        f"{sha} (named in {where})"
        for sha, where in sorted(referenced_hashes(data).items())
        if sha not in present
    ]
