"""Backups: a consistent copy of the store taken under its lock, compressed and encrypted after.

Under the store lock (the one every transaction takes) each file of the data directory is
hard-linked into a staging directory beside it. That is a true snapshot because the store
never rewrites a file in place: a commit writes a new file and renames it over the old one
(store.db), and vault files are write-once, so a link pins the committed version while the
daemon carries on. The audit log is the one file appended in place; only the bytes it had
under the lock are kept (appends never change earlier bytes). Where a link cannot be made
(another filesystem, a protected_hardlinks sysctl) the file is copied, still under the lock.
The lock is released before anything is hashed, compressed, encrypted or written out, so the
daemon waits for the links only.

The archive is a gzip-compressed tar (``tar -xzf`` opens it), optionally encrypted with gpg:

    conduct-backup/manifest.json    format, time, counts, every file's size and SHA-256
    conduct-backup/config.toml      the configuration, which holds no secrets
    conduct-backup/data/...         the data directory
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import json
import os
import re
import shutil
import tarfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from store.db import META, Store
from store.files import FILE_MODE, fsync_dir, make_dir
from store.openpgp import OPENPGP_SUFFIX, PublicKey, encrypting
from store.storecheck import Contents, contents_of, sha256_file
from store.vault import SHA256

ARCHIVE_DIR = "conduct-backup"
FORMAT = 1
STAGING_PREFIX = ".backup-"
# Not data: locks, the commit scratch area, the journal (finished by the lock's recovery),
# and the daemon's health, which would show a stale state in a restored copy.
SKIPPED = frozenset({"store.lock", "daemon.lock", "tmp", "journal.json", "health.json"})
NAME_PATTERN = re.compile(r"^conduct-backup-\d{8}T\d{6}Z\.tar\.gz(\.gpg)?$")
SECRET_KEY = re.compile(r"pass(word|wd|phrase)|secret|token|api.?key|private.?key|credential")
SECRET_KEY_OK = ("_env", "_command", "_file")


class BackupError(Exception):
    """A backup that could not be taken; the message says why."""


@dataclass(frozen=True)
class ManifestFile:
    """One file of the data directory in the archive."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, so that a restore can prove it got all of it."""

    format: int
    taken_at: str
    contents: Contents
    files: tuple[ManifestFile, ...]

    def to_bytes(self) -> bytes:
        """The manifest as stored in the archive."""
        return json.dumps(asdict(self), indent=1, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Read a manifest; a newer format or a damaged one is an error."""
        try:
            raw = json.loads(data)
            if int(raw["format"]) > FORMAT:
                raise BackupError(
                    f"the backup has format {raw['format']}; this Conduct Desk reads up to "
                    f"{FORMAT}: restore it with a newer Conduct Desk"
                )
            return cls(
                format=int(raw["format"]),
                taken_at=str(raw["taken_at"]),
                contents=Contents(**raw["contents"]),
                files=tuple(ManifestFile(**f) for f in raw["files"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"the backup's manifest is damaged: {exc}") from None


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: where, how big, what it holds, and how long the store was locked."""

    path: Path
    size: int
    contents: Contents
    encrypted_to: str | None
    linked: bool
    lock_seconds: float
    seconds: float
    removed: tuple[Path, ...] = ()


def secrets_in_config(text: str) -> list[str]:
    """Dotted keys of config.toml that look like a secret held in the file itself.

    The configuration names where secrets come from (``password_env``, ``password_command``,
    ``token_command``) and ``conduct check`` refuses a literal password; this second look
    keeps a hand-edited secret out of every backup.
    """
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for n, sub in enumerate(value):
                walk(sub, f"{path}[{n}]")
        elif isinstance(value, str) and value:
            name = path.rsplit(".", 1)[-1].lower()
            looks_secret = SECRET_KEY.search(name) and not name.endswith(SECRET_KEY_OK)
            if looks_secret or "PRIVATE KEY-----" in value:
                found.append(path)

    walk(tomllib.loads(text), "")
    return found


def backup_name(at: datetime) -> str:
    """The file name of a backup taken at ``at`` (UTC, sortable)."""
    return f"conduct-backup-{at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}.tar.gz"


def take_backup(
    store: Store,
    config_path: Path,
    dest: Path,
    *,
    at: datetime,
    key: PublicKey | None = None,
    keep: int | None = None,
    link: bool = True,
) -> BackupResult:
    """Write a backup of ``store`` and ``config_path`` to ``dest`` (a directory or a new file)."""
    started = time.monotonic()
    config_text = _read_config(config_path)
    if not (store.root / META).exists():
        raise BackupError(f"there is no store at {store.root}")
    target = _target(dest, at, key)
    if keep is not None and (keep < 1 or not dest.is_dir()):
        raise BackupError(
            "--keep: expected a number of backups (1 or more) to keep in a directory DEST"
        )
    _remove_stale_staging(store.root)
    staging = store.root / f"{STAGING_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
    make_dir(staging)
    try:
        lock_started = time.monotonic()
        with store.reading():
            linked = _mirror(store.root, staging, link)
        lock_seconds = time.monotonic() - lock_started
        manifest = _manifest(staging, at)
        size = _write(target, staging, config_text.encode("utf-8"), manifest, key)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    removed = _prune(dest, keep) if keep is not None else ()
    return BackupResult(
        path=target,
        size=size,
        contents=manifest.contents,
        encrypted_to=key.describe() if key else None,
        linked=linked,
        lock_seconds=lock_seconds,
        seconds=time.monotonic() - started,
        removed=removed,
    )


def _read_config(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from None
    secrets = secrets_in_config(text)
    if secrets:
        raise BackupError(
            f"{path} seems to hold a secret ({', '.join(secrets)}): keep secrets in the "
            "environment or a command (password_env, password_command, token_command), "
            "never in config.toml, which every backup copies"
        )
    return text


def _target(dest: Path, at: datetime, key: PublicKey | None) -> Path:
    suffix = OPENPGP_SUFFIX if key else ""
    target = dest / (backup_name(at) + suffix) if dest.is_dir() else dest
    if target.exists():
        raise BackupError(f"{target} already exists; a backup never overwrites a file")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    return target


def _remove_stale_staging(root: Path) -> None:
    # A backup killed mid-way leaves its staging directory behind; its process is gone.
    for entry in root.iterdir():
        if not entry.name.startswith(STAGING_PREFIX):
            continue
        pid = entry.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _mirror(root: Path, staging: Path, link: bool) -> bool:
    """Link (or copy) every data file into ``staging``; called under the store lock."""
    linked = True
    made: set[Path] = {staging}
    for src, rel in _data_files(root):
        dst = staging / rel
        if dst.parent not in made:
            make_dir(dst.parent)
            made.add(dst.parent)
        if rel == "audit.jsonl":
            # Appended in place: keep exactly the bytes committed so far.
            _copy_prefix(src, dst, src.stat().st_size)
            continue
        if link:
            try:
                os.link(src, dst)
                continue
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES):
                    raise
                link = linked = False
        else:
            linked = False
        shutil.copyfile(src, dst)
        os.chmod(dst, FILE_MODE)
    return linked


def _copy_prefix(src: Path, dst: Path, size: int) -> None:
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with open(src, "rb") as f, os.fdopen(fd, "wb") as out:
        remaining = size
        while remaining:
            chunk = f.read(min(remaining, 1 << 20))
            if not chunk:
                raise BackupError(f"{src} shrank while it was being copied")
            out.write(chunk)
            remaining -= len(chunk)


def _data_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every file of the data directory worth keeping, as (path, relative posix path)."""
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name in SKIPPED or entry.name.startswith(STAGING_PREFIX):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _tree(Path(entry.path), entry.name, vault=entry.name == "vault")
        elif entry.is_file(follow_symlinks=False):
            yield Path(entry.path), entry.name


def _tree(folder: Path, rel: str, *, vault: bool) -> Iterator[tuple[Path, str]]:
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        sub = f"{rel}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            yield from _tree(Path(entry.path), sub, vault=vault)
        elif entry.is_file(follow_symlinks=False):
            # In the vault only finished blobs count: a writer's temporary file is not evidence.
            if vault and not SHA256.match(entry.name):
                continue
            yield Path(entry.path), sub


def _manifest(staging: Path, at: datetime) -> Manifest:
    files = []
    for path, rel in _data_files(staging):
        in_vault = rel.startswith("vault/")
        # A vault file's name is its hash; the restore checks it against the content.
        sha = path.name if in_vault else sha256_file(path)
        files.append(ManifestFile(rel, path.stat().st_size, sha))
    return Manifest(FORMAT, at.isoformat(), contents_of(staging), tuple(files))


def _write(
    target: Path, staging: Path, config: bytes, manifest: Manifest, key: PublicKey | None
) -> int:
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        if key is None:
            with os.fdopen(os.dup(fd), "wb") as out:
                _archive(out, staging, config, manifest)
        else:
            with encrypting(key, fd) as stream:
                _archive(stream, staging, config, manifest)
        os.fsync(fd)
        size = os.fstat(fd).st_size
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    os.close(fd)
    os.replace(partial, target)
    fsync_dir(target.parent)
    return size


def _archive(out: IO[bytes], staging: Path, config: bytes, manifest: Manifest) -> None:
    with (
        gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=6, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        _add_bytes(tar, "manifest.json", manifest.to_bytes())
        _add_bytes(tar, "config.toml", config)
        for item in manifest.files:
            path = staging / item.path
            info = tarfile.TarInfo(f"{ARCHIVE_DIR}/data/{item.path}")
            info.size = item.size
            info.mode = FILE_MODE
            info.mtime = int(path.stat().st_mtime)
            with path.open("rb") as f:
                tar.addfile(info, f)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(f"{ARCHIVE_DIR}/{name}")
    info.size = len(data)
    info.mode = FILE_MODE
    tar.addfile(info, io.BytesIO(data))


def _prune(folder: Path, keep: int) -> tuple[Path, ...]:
    """Remove the oldest backups in ``folder`` beyond the newest ``keep``; nothing else."""
    ours = sorted(p for p in folder.iterdir() if NAME_PATTERN.match(p.name) and p.is_file())
    old = ours[: max(0, len(ours) - keep)]
    for path in old:
        path.unlink()
    return tuple(old)
