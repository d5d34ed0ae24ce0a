"""Restoring a backup into an empty directory, and proving the copy is whole before saying so.

The archive is read as a stream (decrypted by gpg on the way when it is encrypted), and only
plain files under ``conduct-backup/`` are written, each new (never over another file) and
private. Then the copy is checked against the backup's manifest: every file there with its
size and SHA-256, nothing else; the audit chain verifies and ends where the backup says;
every vault file hashes to its name; every evidence hash a record names is in the vault;
and the counts of cases, events and the rest match.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import tomllib
from pathlib import Path, PurePosixPath
from typing import IO

from casework.record import record
from store.backup_manifest import ARCHIVE_DIR, BackupError, Manifest
from store.db import META, SCHEMA_VERSION
from store.files import DIR_MODE, FILE_MODE, make_dir
from store.openpgp import decrypting
from store.storecheck import Contents, contents_of, missing_evidence, read_json, verify_audit
from store.vault import SHA256

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 20


class RestoreError(Exception):
    """A restore that failed or did not verify; ``problems`` lists what is wrong."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        self.problems = problems
        super().__init__(message)


@record
class RestoreResult:
    """A restore that verified: where the copy is and what it holds."""

    config_path: Path
    data_dir: Path
    contents: Contents
    taken_at: str
    notes: tuple[str, ...] = ()


@record
class _Written:
    size: int
    sha256: str


def restore(src: Path, target: Path, *, gnupg_home: Path | None = None) -> RestoreResult:
    """Restore the backup ``src`` into the empty directory ``target`` and verify it."""
    if not src.is_file():
        raise RestoreError(f"{src} is not a file")
    with src.open("rb") as f:
        head = f.read(2)
    encrypted = head != GZIP_MAGIC
    # Every OpenPGP packet starts with a byte whose top bit is set (RFC 4880, 4.2).
    if encrypted and not (head and head[0] & 0x80):
        raise RestoreError(
            f"{src} is not a Conduct Desk backup: neither a .tar.gz nor an encrypted .gpg file"
        )
    _need_empty(target)
    make_dir(target)
    os.chmod(target, DIR_MODE)
    try:
        if encrypted:
            with decrypting(src, gnupg_home) as stream:
                manifest, written = _extract(stream, target)
        else:
            with src.open("rb") as stream:
                manifest, written = _extract(stream, target)
    except BaseException as exc:
        # Nothing was verified: take back what was written, so the directory is empty again.
        _empty(target)
        if isinstance(exc, BackupError):
            raise RestoreError(str(exc)) from None
        if isinstance(exc, tarfile.TarError | EOFError | OSError):
            raise RestoreError(f"{src} is not a readable Conduct Desk backup: {exc}") from None
        raise
    os.sync()
    return _verify(target, manifest, written)


def _need_empty(target: Path) -> None:
    if target.exists():
        if not target.is_dir():
            raise RestoreError(f"{target} exists and is not a directory")
        if any(target.iterdir()):
            raise RestoreError(
                f"{target} is not empty: a restore only writes into an empty directory"
            )


def _empty(target: Path) -> None:
    for entry in target.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _extract(stream: IO[bytes], target: Path) -> tuple[Manifest, dict[str, _Written]]:
    manifest: Manifest | None = None
    written: dict[str, _Written] = {}
    made: set[Path] = {target}
    with tarfile.open(fileobj=stream, mode="r|gz") as tar:
        for member in tar:
            parts = _member_parts(member)
            f = tar.extractfile(member)
            assert f is not None  # a regular file, checked by _member_parts
            if parts == ("manifest.json",):
                data = f.read()
                manifest = Manifest.from_bytes(data)
                _write_file(target / "backup-manifest.json", io.BytesIO(data), made)
                continue
            if parts == ("config.toml",):
                _write_file(target / "config.toml", f, made)
                continue
            if parts[0] != "data" or len(parts) < 2:
                raise RestoreError(f"unexpected file in the backup: {member.name}")
            rel = "/".join(parts[1:])
            written[rel] = _write_file(target.joinpath("data", *parts[1:]), f, made)
            if rel.startswith("vault/"):
                os.chmod(target.joinpath("data", *parts[1:]), 0o400)
    if manifest is None:
        raise RestoreError("the backup has no manifest: it is not a Conduct Desk backup")
    return manifest, written


def _member_parts(member: tarfile.TarInfo) -> tuple[str, ...]:
    """The member's path below conduct-backup/, refusing anything but a plain, inside path."""
    if not member.isfile():
        raise RestoreError(f"refusing {member.name!r}: only plain files are restored")
    path = PurePosixPath(member.name)
    parts = path.parts
    if (
        path.is_absolute()
        or len(parts) < 2
        or parts[0] != ARCHIVE_DIR
        or any(p in ("", ".", "..") or "\\" in p for p in parts)
    ):
        raise RestoreError(f"refusing {member.name!r}: not a path inside {ARCHIVE_DIR}/")
    return tuple(parts[1:])


def _write_file(path: Path, source: IO[bytes], made: set[Path]) -> _Written:
    if path.parent not in made:
        make_dir(path.parent)
        made.add(path.parent)
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return _Written(size, digest.hexdigest())


def _verify(target: Path, manifest: Manifest, written: dict[str, _Written]) -> RestoreResult:
    data = target / "data"
    problems: list[str] = []
    listed = {f.path: f for f in manifest.files}
    for rel, item in listed.items():
        got = written.get(rel)
        if got is None:
            problems.append(f"missing from the archive: {rel}")
        elif got.size != item.size or got.sha256 != item.sha256:
            problems.append(f"{rel}: its content does not match the backup's manifest")
    problems += [
        f"not in the backup's manifest: {rel}" for rel in sorted(set(written) - set(listed))
    ]
    present: set[str] = set()
    for rel, got in written.items():
        if rel.startswith("vault/"):
            name = rel.rsplit("/", 1)[-1]
            if not SHA256.match(name) or rel != f"vault/{name[:2]}/{name[2:4]}/{name}":
                problems.append(f"{rel}: not a vault path")
            elif got.sha256 != name:
                problems.append(f"vault file {name}: its content no longer matches its hash")
            else:
                present.add(name)
    broken = verify_audit(data)
    if broken:
        problems.append(broken)
    known = set(manifest.missing_evidence)
    for gone in missing_evidence(data, present):
        when = " (already missing from the store when the backup was taken)"
        problems.append(
            f"evidence missing from the vault: {gone}{when if gone[:64] in known else ''}"
        )
    schema = _schema(data)
    if schema is None:
        problems.append("meta.json: no schema version: this is not a Conduct Desk store")
    elif schema > SCHEMA_VERSION:
        problems.append(
            f"the store has schema {schema}; this Conduct Desk knows up to {SCHEMA_VERSION}: "
            "restore it with a newer Conduct Desk"
        )
    contents = contents_of(data)
    if contents != manifest.contents:
        problems.append(
            f"the restored copy holds {contents.describe()}; "
            f"the backup recorded {manifest.contents.describe()}"
        )
    if problems:
        raise RestoreError(
            f"the restore in {target} did NOT verify ({len(problems)} problem(s)); "
            "its files are left there for inspection",
            tuple(problems),
        )
    return RestoreResult(
        config_path=target / "config.toml",
        data_dir=data,
        contents=contents,
        taken_at=manifest.taken_at,
        notes=_notes(target, schema or SCHEMA_VERSION),
    )


def _schema(data: Path) -> int | None:
    """The store's schema version from meta.json, read without opening (or migrating) it."""
    try:
        meta = read_json(data / META).get("meta", {})
        return int(next(iter(meta.values()))["schema"])
    except (OSError, ValueError, KeyError, TypeError, StopIteration, AttributeError):
        return None


def _notes(target: Path, schema: int) -> tuple[str, ...]:
    """What a person should know before using the copy: an upgrade, a data_dir elsewhere."""
    notes = []
    if schema < SCHEMA_VERSION:
        notes.append(
            f"the backup's store has schema {schema}; it is upgraded to {SCHEMA_VERSION} "
            "when this Conduct Desk first opens it"
        )
    try:
        raw = tomllib.loads((target / "config.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return (*notes, "config.toml could not be read; the data is in data/")
    store = raw.get("store")
    data_dir = store.get("data_dir", "data") if isinstance(store, dict) else "data"
    if data_dir not in ("data", "./data"):
        notes.append(
            f"config.toml names data_dir = {data_dir!r}; the restored data is in "
            f'{target / "data"}: set data_dir = "data" before using this copy'
        )
    return tuple(notes)
