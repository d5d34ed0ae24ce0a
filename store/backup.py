"""Backups: a consistent copy of the store taken under its lock, compressed and encrypted after.

Under the store lock (the one every transaction takes) each record file of the data
directory is hard-linked into a staging directory beside it. That is a true snapshot because
the store never rewrites a record file in place: a commit writes a new file and renames it
over the old one (store.db), so a link pins the committed version while the daemon carries
on. The audit log is the one file appended in place: its inode is pinned and its length
noted, and only that many bytes are kept (appends never change earlier bytes). Where a link
cannot be made (another filesystem, the protected_hardlinks sysctl) files are copied, still
under the lock.

The lock is held for the record files only. Vault files are linked after it is released:
a blob is written (and fsynced) before the transaction that names it commits, and is never
changed, so every blob the snapshot's records name is already there. The snapshot is then
checked for exactly that; evidence that has gone (disposed of in between) means a second
snapshot. Hashing, compressing, encrypting and writing out all happen without the lock.

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
import os
import re
import shutil
import tarfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from casework.record import record
from store.backup_manifest import ARCHIVE_DIR, FORMAT, BackupError, Manifest, ManifestFile
from store.db import META, Store
from store.files import FILE_MODE, fsync_dir, make_dir
from store.openpgp import OPENPGP_SUFFIX, PublicKey, encrypting
from store.shard_cache import CACHE_FILES
from store.storecheck import Contents, contents_of, referenced_hashes, sha256_file, vault_files

STAGING_PREFIX = ".backup-"
AUDIT = "audit.jsonl"
# Not data: locks, the commit scratch area, the journal (finished by the lock's recovery),
# and the daemon's health, which would show a stale state in a restored copy; nor the
# copies of the case list (store/shard_cache.py), which are rebuilt from the cases.
SKIPPED = frozenset(
    {
        "store.lock",
        "daemon.lock",
        "tmp",
        "journal.json",
        "health.json",
        "alerts.json",
        "alerts.lock",
        *CACHE_FILES,
    }
)
NAME_PATTERN = re.compile(r"^conduct-backup-\d{8}T\d{6}Z\.tar\.gz(\.gpg)?$")
SECRET_KEY = re.compile(r"pass(word|wd|phrase)|secret|token|api.?key|private.?key|credential")
SECRET_KEY_OK = ("_env", "_command", "_file")


@record
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
    missing_evidence: tuple[str, ...] = ()


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
    exclude: frozenset[str] = frozenset(),
) -> BackupResult:
    """Write a backup of ``store`` and ``config_path`` to ``dest`` (a directory or a new file).

    ``exclude`` names top-level entries of the data directory to leave out (the print queue).
    """
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
    staging: _Staging | None = None
    try:
        for attempt in (1, 2):
            if staging is not None:
                staging.remove()
            staging = _Staging.create(store.root, link, exclude)
            missing = staging.snapshot(store)
            # Evidence named by the records but gone from the vault: either it was disposed of
            # between the lock and the vault walk (a second snapshot settles it), or the
            # store was already damaged, and the backup keeps what there is and says so.
            if not missing or attempt == 2:
                break
        assert staging is not None
        manifest = staging.manifest(at, missing)
        size = _write(target, staging, config_text.encode("utf-8"), manifest, key)
    finally:
        if staging is not None:
            staging.remove()
    # A backup of a damaged store never pushes out the older, whole ones.
    whole = not manifest.missing_evidence
    removed = _prune(dest, keep) if keep is not None and whole else ()
    return BackupResult(
        path=target,
        size=size,
        contents=manifest.contents,
        encrypted_to=key.describe() if key else None,
        linked=staging.linked,
        lock_seconds=staging.lock_seconds,
        seconds=time.monotonic() - started,
        removed=removed,
        missing_evidence=manifest.missing_evidence,
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


@dataclass
class _Staging:
    """A snapshot being taken: each data file linked (or copied) into a private directory.

    Vault files are kept flat (``vault/HASH``): thousands of fan-out directories would cost
    a mkdir each to make and an rmdir each to remove.
    """

    root: Path
    link: bool
    exclude: frozenset[str] = frozenset()
    linked: bool = True
    lock_seconds: float = 0.0
    files: dict[str, Path] = field(default_factory=dict)
    _made: set[Path] = field(default_factory=set)

    @classmethod
    def create(cls, data: Path, link: bool, exclude: frozenset[str]) -> _Staging:
        """A new staging directory inside the data directory (same filesystem: links work)."""
        root = data / f"{STAGING_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
        make_dir(root)
        return cls(root, link, exclude, linked=link, _made={root})

    def remove(self) -> None:
        """Delete the staging directory (the links only: the store's files stay)."""
        shutil.rmtree(self.root, ignore_errors=True)

    def snapshot(self, store: Store) -> list[str]:
        """Take the copy; return the evidence hashes the records name but the vault lacks."""
        audit = store.root / AUDIT
        pinned = self.root / "audit.pinned"
        started = time.monotonic()
        with store.reading():  # the store lock: no transaction can commit meanwhile
            for src, rel in _data_files(store.root, self.exclude):
                if rel != AUDIT:
                    self.add(src, rel)
            # The audit log grows in place: pin its inode and note how long it is now.
            audit_size = audit.stat().st_size
            if not self._try_link(audit, pinned):
                _copy_prefix(audit, pinned, audit_size)
        self.lock_seconds = time.monotonic() - started
        _copy_prefix(pinned, self.root / AUDIT, audit_size)
        pinned.unlink()
        self.files[AUDIT] = self.root / AUDIT
        # Vault files are written before the transaction that names them and never change,
        # so linking them after the lock still finds every one the snapshot's records name.
        for src, rel in _vault_files(store.root):
            self.add(src, rel)
        present = {rel.rsplit("/", 1)[-1] for rel in self.files if rel.startswith("vault/")}
        return [sha for sha in sorted(referenced_hashes(self.root)) if sha not in present]

    def add(self, src: Path, rel: str) -> None:
        """Link or copy one file of the data directory into the snapshot."""
        dst = self.root / ("vault/" + src.name if rel.startswith("vault/") else rel)
        if dst.parent not in self._made:
            make_dir(dst.parent)
            self._made.add(dst.parent)
        if not self._try_link(src, dst):
            shutil.copyfile(src, dst)
            os.chmod(dst, FILE_MODE)
        self.files[rel] = dst

    def _try_link(self, src: Path, dst: Path) -> bool:
        if not self.link:
            return False
        try:
            os.link(src, dst)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES):
                raise
            # Another filesystem or protected_hardlinks: copy from now on (still consistent).
            self.link = self.linked = False
            return False

    def manifest(self, at: datetime, missing: list[str]) -> Manifest:
        """Describe the snapshot: every file with its size and hash, and the counts."""
        files = []
        blobs = []
        for rel in sorted(self.files):
            path = self.files[rel]
            if rel.startswith("vault/"):
                # A vault file's name is its hash; the restore checks it against the content.
                files.append(ManifestFile(rel, path.stat().st_size, path.name))
                blobs.append(path)
            else:
                files.append(ManifestFile(rel, path.stat().st_size, sha256_file(path)))
        contents = contents_of(self.root, blobs)
        return Manifest(FORMAT, at.isoformat(), contents, tuple(files), tuple(missing))


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


def _data_files(root: Path, exclude: frozenset[str]) -> Iterator[tuple[Path, str]]:
    """Every file of the data directory worth keeping but the vault, as (path, posix path)."""
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name in SKIPPED or entry.name in exclude or entry.name == "vault":
            continue
        if entry.name.startswith(STAGING_PREFIX):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _tree(Path(entry.path), entry.name)
        elif entry.is_file(follow_symlinks=False):
            yield Path(entry.path), entry.name


def _tree(folder: Path, rel: str) -> Iterator[tuple[Path, str]]:
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        sub = f"{rel}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            yield from _tree(Path(entry.path), sub)
        elif entry.is_file(follow_symlinks=False):
            yield Path(entry.path), sub


def _vault_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Finished vault blobs (a writer's temporary file is not evidence), as (path, posix path)."""
    for path, sha in vault_files(root):
        yield path, f"vault/{sha[:2]}/{sha[2:4]}/{sha}"


def _write(
    target: Path, staging: _Staging, config: bytes, manifest: Manifest, key: PublicKey | None
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


def _archive(out: IO[bytes], staging: _Staging, config: bytes, manifest: Manifest) -> None:
    with (
        gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=6, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        _add_bytes(tar, "manifest.json", manifest.to_bytes())
        _add_bytes(tar, "config.toml", config)
        for item in manifest.files:
            path = staging.files[item.path]
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
