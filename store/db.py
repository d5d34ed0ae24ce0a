"""Process-safe storage on TinyDB: one lock, sharded files, atomic multi-file commits.

Layout under the data directory::

    store.lock        inter-process lock held for every transaction (read or write)
    meta.json         schema version, reference counters, the audit chain's length and head
    cases/NN.json     case documents, 64 shards by reference
    events/REF.json   one case's timeline
    people/NN.json, letters/NN.json, mail/NN.json   other records, sharded
    journal.json      present only while a commit is being applied
    audit.jsonl       hash-chained log of every committed transaction
    tmp/              new file versions before they are renamed into place
    vault/            evidence by SHA-256 (store/vault.py); vault/.tmp/ for blobs being written

Commits and their recovery are in store/journal.py.

A store file is never legitimately empty: one that is empty, not JSON or of the
wrong shape is damage, named in a StoreError, and no transaction writes over it.
"""

from __future__ import annotations

import os
import stat
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casework.clock import Clock, process_clock
from store import layout
from store.errors import StoreError
from store.files import (
    describe_os_error,
    dir_mode,
    file_mode,
    make_dir,
    share_with_group,
    signature,
)
from store.layout import META
from store.lock import FileLock

if TYPE_CHECKING:
    from tinydb.storages import Storage
    from tinydb.table import Table

    from store.audit import AuditLog

# A command that only reads loads neither TinyDB (reads go to the tables' dicts) nor the
# commit and audit log code (journal.py, audit.py), nor hashlib (a read-only transaction
# never needs a file's digest): each is loaded when a transaction first writes, or finds
# an interrupted commit to finish.

__all__ = ["META", "SCHEMA_VERSION", "Store", "StoreError", "Transaction", "shard_of"]

SCHEMA_VERSION = 4
LOCK_TIMEOUT_S = 30.0
# Event files are one per case: keep only the recently used ones in memory.
EVENT_CACHE_SIZE = 512


def shard_of(key: str, count: int) -> str:
    """The shard a key lives in, stable across processes and Python versions."""
    # Imported here: listing every case goes through the shards in turn and never needs it.
    from zlib import crc32

    return f"{crc32(key.encode('utf-8')) % count:02d}"


class _Cached:
    """One version of a store file as this process read it (a plain class, not a dataclass:
    building a dataclass costs a short command more than the class is worth)."""

    __slots__ = ("sig", "data", "raw", "known", "rel")

    def __init__(
        self,
        sig: tuple[int, int, int, int] | None,
        data: dict[str, Any],
        raw: bytes | None,
        known: str | None,
        rel: str = "",
    ) -> None:
        self.sig = sig
        self.data = data
        # The bytes read, kept until the digest is first asked for: only a commit asks (for
        # the entry's "before"), so a process that only reads never hashes a file.
        self.raw = raw
        self.known = known  # the digest once worked out (None with no raw: there is no file)
        self.rel = rel

    def digest(self) -> str | None:
        """What the audit log records for this version of the file (None: no file)."""
        if self.raw is not None:
            # From the bytes, never from ``data``: TinyDB may have edited that in place.
            self.known = layout.digest(self.rel, self.raw)
            self.raw = None
        return self.known


@cache
def _shard_storage() -> type[Storage]:
    """TinyDB storage bound to one shard inside one transaction: reads and writes go to memory.

    Made the first time a table is opened, so that reading the store never imports TinyDB.
    """
    from tinydb.storages import Storage

    class _ShardStorage(Storage):
        def __init__(self, tx: Transaction, rel: str) -> None:
            self._tx = tx
            self._rel = rel

        def read(self) -> dict[str, Any] | None:
            return self._tx._load(self._rel)

        def write(self, data: dict[str, Any]) -> None:
            self._tx._stage(self._rel, data)

        def close(self) -> None:
            pass

    return _ShardStorage


class Transaction:
    """A unit of work under the store lock: everything staged commits together or not at all."""

    # A plain class: every command makes one, and a dataclass of this many fields costs
    # start-up more than a hand-written __init__.
    def __init__(self, store: Store, actor: str, writable: bool) -> None:
        self.store = store
        self.actor = actor
        self.writable = writable
        self._staged: dict[str, dict[str, Any]] = {}
        self._touched: set[str] = set()
        # Shards read in this transaction: under the lock they cannot change, so one stat
        # each. The version first read gives the entry's "before" digest if this commits.
        self._read: dict[str, _Cached] = {}
        self._audit: list[str] = []
        self._after_commit: list[Callable[[], None]] = []
        # The digest of each file as this transaction first read it: the entry's "before"
        # (worked out at commit from _read).
        self._before: dict[str, str | None] = {}
        # Extra fields for the audit entry ("baseline", "repair").
        self._extra: dict[str, Any] = {}
        # Chain after this entry instead of where meta.json says (only `audit repair` does).
        self._chain_from: tuple[int, str] | None = None
        # What a caller worked out once for this transaction (the highest reference on disk).
        self.memo: dict[str, Any] = {}
        # Store files this transaction removes, and vault blobs (paths under vault/) it
        # unlinks: both go in the journal, so a crash finishes the removal with the commit.
        self._deleted: set[str] = set()
        self._unlinked: set[str] = set()

    def table(self, rel: str, name: str = "_default") -> Table:
        """A TinyDB table in the shard file ``rel`` (a path relative to the data directory).

        A fresh TinyDB per transaction means its query cache can never hold another
        process's stale results.
        """
        from tinydb import TinyDB

        db = TinyDB(storage=_shard_storage(), tx=self, rel=rel)
        return db.table(name, cache_size=0)

    def docs(self, rel: str, name: str) -> Iterable[dict[str, Any]]:
        """The raw documents of a table, for scans: no Document objects, nothing copied.

        Callers must not change them; writes go through :meth:`table`.
        """
        table = self._load(rel).get(name)
        return table.values() if table else ()

    def index(
        self,
        rel: str,
        name: str,
        purpose: str,
        build: Callable[[Iterable[dict[str, Any]]], dict[Any, Any]],
    ) -> dict[Any, Any]:
        """A lookup built from a table's documents, reused until the table changes.

        TinyDB replaces a table's dict on every write, so holding that dict and comparing
        identity tells whether the index is still true, in this process or after a reload.
        """
        table = self._load(rel).get(name) or {}
        key = (rel, name, purpose)
        hit = self.store._indexes.get(key)
        if hit is not None and hit[0] is table:
            return hit[1]
        built = build(table.values())
        self.store._indexes[key] = (table, built)
        return built

    def note(self, line: str) -> None:
        """Add a line to this transaction's audit entry."""
        self._audit.append(line)

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once the transaction has committed."""
        self._after_commit.append(fn)

    def delete(self, rel: str) -> None:
        """Remove the store file ``rel`` in this commit (its entry records it as absent)."""
        if not self.writable:
            raise StoreError(f"read-only transaction tried to delete {rel}")
        self._load(rel)  # its "before" digest, and damage is named before anything goes
        self._staged.pop(rel, None)
        self._touched.add(rel)
        self._deleted.add(rel)

    def unlink_blob(self, rel: str) -> None:
        """Remove a vault file (``vault/ab/cd/HASH``) in this commit, after its commit point."""
        if not self.writable:
            raise StoreError(f"read-only transaction tried to remove {rel}")
        if not rel.startswith("vault/") or ".." in rel.split("/"):
            raise StoreError(f"{rel!r} is not a file in the evidence vault")
        self._unlinked.add(rel)

    def record_baseline(self) -> None:
        """Have this transaction's entry record the hash of every store file (an upgrade)."""
        self._extra["baseline"] = True

    def _load(self, rel: str) -> dict[str, Any]:
        if rel in self._deleted:
            return {}
        if rel in self._staged:
            return self._staged[rel]
        cached = self._read.get(rel)
        if cached is None:
            self._touched.add(rel)
            cached = self._read[rel] = self.store._read_shard(rel)
        return cached.data

    def read(self, rel: str, name: str) -> dict[str, Any]:
        """A table's records by id as stored, for lookups: nothing copied, no TinyDB.

        Callers must not change them; writes go through :meth:`table`.
        """
        table: dict[str, Any] = self._load(rel).get(name) or {}
        return table

    def before(self, rel: str) -> str | None:
        """The digest ``rel`` had when this transaction first read it (None: no file)."""
        if rel not in self._before:
            first = self._read.get(rel) or self.store._read_shard(rel)
            self._before[rel] = first.digest()
        return self._before[rel]

    def _stage(self, rel: str, data: dict[str, Any]) -> None:
        self._touched.add(rel)
        if not self.writable:
            raise StoreError(f"read-only transaction tried to write {rel}")
        if rel in self._deleted:
            raise StoreError(f"{rel} was deleted in this transaction and cannot be written")
        self._staged[rel] = data


class Store:
    """The data directory, shared safely by the dashboard and the daemon."""

    def __init__(self, root: Path, clock: Clock | None = None, *, upgrade: bool = True) -> None:
        """Open (and create or upgrade) the store; ``upgrade=False`` leaves an older schema
        as it is, for `audit repair`, which must work on a log the upgrade cannot write to."""
        self.root = root
        self.clock = clock or process_clock()
        self._root = str(root)
        # The install's choice: files for a group (0660, setgid 2770) or for one user.
        self.group = layout.install_group(root)
        share_with_group(self.group is not None)
        make_dir(root)
        want = dir_mode() | (stat.S_ISGID if self.group is not None else 0)
        st = root.stat()
        # Only its owner may set the folder's mode; the other members of a group find it set.
        if stat.S_IMODE(st.st_mode) != want and st.st_uid == os.geteuid():
            os.chmod(root, want)
        for sub in (*layout.SHARD_DIRS, "tmp", "vault"):
            make_dir(root / sub)
        self._lock = FileLock(root / "store.lock", timeout=LOCK_TIMEOUT_S, mode=file_mode())
        self._cache: dict[str, _Cached] = {}
        self._event_cache: OrderedDict[str, _Cached] = OrderedDict()
        self._indexes: dict[tuple[str, str, str], tuple[Any, dict[Any, Any]]] = {}
        self._audit: AuditLog | None = None
        if upgrade:
            self._check_schema()

    @property
    def audit(self) -> AuditLog:
        """The hash-chained audit log (its code is loaded when it is first used)."""
        if self._audit is None:
            from store.audit import AuditLog

            self._audit = AuditLog(self.root / layout.AUDIT)
        return self._audit

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self, actor: str, *, write: bool = True) -> Iterator[Transaction]:
        """Hold the lock, yield a transaction, commit it if the block ends without an error."""
        with self.locked():
            tx = Transaction(self, actor, write)
            try:
                self._recover(strict=write)
                yield tx
                if tx._staged or tx._deleted or tx._unlinked:
                    self._commit(tx)
            except BaseException:
                # TinyDB edits the dicts it reads in place: forget anything this transaction touched.
                for rel in tx._touched:
                    self._forget(rel)
                raise
        for fn in tx._after_commit:
            fn()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's inter-process lock (every transaction does)."""
        try:
            self._lock.acquire()
        except TimeoutError:
            raise StoreError(
                f"the store at {self.root} stayed locked for {LOCK_TIMEOUT_S:.0f} s"
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """A read-only transaction: a consistent view, never half a commit."""
        with self.transaction("reader", write=False) as tx:
            yield tx

    # -- cache and files ----------------------------------------------------------------

    def _path(self, rel: str) -> Path:
        return self.root / rel

    def _cache_for(self, rel: str) -> Mapping[str, _Cached]:
        return self._event_cache if rel.startswith("events/") else self._cache

    def _read_shard(self, rel: str) -> _Cached:
        path = os.path.join(self._root, rel)
        sig = signature(path)
        cache = self._cache_for(rel)
        hit = cache.get(rel)
        if hit is not None and hit.sig == sig:
            if rel.startswith("events/"):
                self._event_cache.move_to_end(rel)
            return hit
        if sig is None:
            entry = _Cached(None, {}, None, None)
        else:
            try:
                with open(path, "rb") as f:
                    raw = f.read()
                data = layout.parse(rel, raw)
            except layout.Damaged as exc:
                raise StoreError(
                    f"{path} is damaged: {exc}; nothing is written to it until it is restored "
                    "(`conduct audit verify` names the content it should have)"
                ) from None
            except OSError as exc:
                raise StoreError(f"cannot read {describe_os_error(exc)}") from None
            entry = _Cached(sig, data, raw, None, rel)
        self._remember(rel, entry)
        return entry

    def _remember(self, rel: str, entry: _Cached) -> None:
        if rel.startswith("events/"):
            self._event_cache[rel] = entry
            self._event_cache.move_to_end(rel)
            while len(self._event_cache) > EVENT_CACHE_SIZE:
                self._event_cache.popitem(last=False)
        else:
            self._cache[rel] = entry

    def _committed(self, rel: str, data: dict[str, Any], digest: str | None) -> None:
        """Remember a version this process has just renamed into place."""
        self._remember(rel, _Cached(signature(self._path(rel)), data, None, digest))

    def _forget(self, rel: str) -> None:
        self._cache.pop(rel, None)
        self._event_cache.pop(rel, None)

    # -- commit and recovery ------------------------------------------------------------

    def _commit(self, tx: Transaction) -> None:
        from store import journal

        journal.commit(self, tx)

    def _recover(self, *, strict: bool) -> None:
        # Usually there is nothing to finish (no journal) and nothing to clean (tmp/ is
        # empty): a look at each is all a transaction needs, and journal.py stays unloaded.
        if not os.path.exists(os.path.join(self._root, layout.JOURNAL)):
            with os.scandir(os.path.join(self._root, "tmp")) as entries:
                if next(entries, None) is None:
                    return
        from store import journal

        journal.recover(self, strict=strict)

    # -- schema -------------------------------------------------------------------------

    def _check_schema(self) -> None:
        """Create the store, or migrate it; read-only when it is current (so a full disk or a
        pending audit entry never stops a reader)."""
        with self.reading() as tx:
            doc = tx.read(META, "meta").get("1")
            version = int(doc["schema"]) if doc else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.root} has schema {version}; this Conduct Desk knows "
                f"up to {SCHEMA_VERSION}: upgrade Conduct Desk"
            )
        if version == SCHEMA_VERSION:
            return
        with self.transaction("system", write=True) as tx:
            meta = tx.table(META, "meta")
            doc = meta.get(doc_id=1)
            version = int(doc["schema"]) if doc else 0
            if version == 0:
                if layout.holds_data(self.root):
                    raise StoreError(
                        f"{self._path(META)} is missing but the store at {self.root} holds "
                        "data: it was deleted or lost; restore it rather than start afresh"
                    )
                meta.insert({"schema": SCHEMA_VERSION})
                tx.note(f"store created, schema {SCHEMA_VERSION}")
                return
            from store.migrations import MIGRATIONS

            while version < SCHEMA_VERSION:
                MIGRATIONS[version](tx)
                version += 1
                meta.update({"schema": version}, doc_ids=[1])
                tx.note(f"store migrated to schema {version}")
