"""Process-safe storage on TinyDB: one lock, sharded files, atomic multi-file commits.

Layout under the data directory::

    store.lock        inter-process lock held for every transaction (read or write)
    meta.json         schema version, reference counters, daemon health
    cases/NN.json     case documents, 64 shards by reference
    events/REF.json   one case's timeline
    people/NN.json, letters/NN.json, mail/NN.json   other records, sharded
    journal.json      present only while a multi-file commit is being applied
    audit.jsonl       hash-chained log of every committed transaction
    tmp/              new file versions before they are renamed into place

A commit writes each changed shard to tmp/ (fsync), then, if more than one file
changes, writes journal.json naming the renames (the commit point), renames
every file into place, appends the audit entry and removes the journal. A
transaction that finds a journal finishes it first, so a crash at any point
leaves either the old state or the new one.
"""

from __future__ import annotations

import json
import os
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from casework.clock import Clock, process_clock
from store.audit import AuditLog
from store.files import (
    DIR_MODE,
    dump_json,
    fsync_dir,
    make_dir,
    signature,
    write_synced,
)
from store.lock import FileLock

SCHEMA_VERSION = 2
META = "meta.json"
JOURNAL = "journal.json"
LOCK_TIMEOUT_S = 30.0
# Event files are one per case: keep only the recently used ones in memory.
EVENT_CACHE_SIZE = 512



class StoreError(Exception):
    """The store cannot be used: locked too long, newer schema, or damaged file."""


def shard_of(key: str, count: int) -> str:
    """The shard a key lives in, stable across processes and Python versions."""
    return f"{zlib.crc32(key.encode('utf-8')) % count:02d}"


@dataclass
class _Cached:
    sig: tuple[int, int, int, int] | None
    data: dict[str, Any]


class _ShardStorage(Storage):
    """TinyDB storage bound to one shard inside one transaction: reads and writes go to memory."""

    def __init__(self, tx: Transaction, rel: str) -> None:
        self._tx = tx
        self._rel = rel

    def read(self) -> dict[str, Any] | None:
        return self._tx._load(self._rel)

    def write(self, data: dict[str, Any]) -> None:
        self._tx._stage(self._rel, data)

    def close(self) -> None:
        pass


@dataclass
class Transaction:
    """A unit of work under the store lock: everything staged commits together or not at all."""

    store: Store
    actor: str
    writable: bool
    _staged: dict[str, dict[str, Any]] = field(default_factory=dict)
    _touched: set[str] = field(default_factory=set)
    # Shards read in this transaction: under the lock they cannot change, so one stat each.
    _read: dict[str, dict[str, Any]] = field(default_factory=dict)
    _audit: list[str] = field(default_factory=list)
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    def table(self, rel: str, name: str = "_default") -> Table:
        """A TinyDB table in the shard file ``rel`` (a path relative to the data directory).

        A fresh TinyDB per transaction means its query cache can never hold another
        process's stale results.
        """
        db = TinyDB(storage=_ShardStorage, tx=self, rel=rel)
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

    def _load(self, rel: str) -> dict[str, Any]:
        if rel in self._staged:
            return self._staged[rel]
        data = self._read.get(rel)
        if data is None:
            self._touched.add(rel)
            data = self._read[rel] = self.store._read_shard(rel)
        return data

    def _stage(self, rel: str, data: dict[str, Any]) -> None:
        self._touched.add(rel)
        if not self.writable:
            raise StoreError(f"read-only transaction tried to write {rel}")
        self._staged[rel] = data


class Store:
    """The data directory, shared safely by the dashboard and the daemon."""

    def __init__(self, root: Path, clock: Clock | None = None) -> None:
        self.root = root
        self.clock = clock or process_clock()
        self._root = str(root)
        make_dir(root)
        os.chmod(root, DIR_MODE)
        for sub in ("cases", "events", "people", "letters", "mail", "tmp", "vault"):
            make_dir(root / sub)
        self._lock = FileLock(root / "store.lock", timeout=LOCK_TIMEOUT_S)
        self._cache: dict[str, _Cached] = {}
        self._event_cache: OrderedDict[str, _Cached] = OrderedDict()
        self._indexes: dict[tuple[str, str, str], tuple[Any, dict[Any, Any]]] = {}
        self.audit = AuditLog(root / "audit.jsonl")
        with self.transaction("system", write=True) as tx:
            self._check_schema(tx)

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self, actor: str, *, write: bool = True) -> Iterator[Transaction]:
        """Hold the lock, yield a transaction, commit it if the block ends without an error."""
        try:
            self._lock.acquire()
        except TimeoutError:
            raise StoreError(
                f"the store at {self.root} stayed locked for {LOCK_TIMEOUT_S:.0f} s"
            ) from None
        tx = Transaction(self, actor, write)
        try:
            self._recover()
            yield tx
            if tx._staged:
                self._commit(tx)
        except BaseException:
            # TinyDB edits the dicts it reads in place: forget anything this transaction touched.
            for rel in tx._touched:
                self._forget(rel)
            raise
        finally:
            self._lock.release()
        for fn in tx._after_commit:
            fn()

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

    def _read_shard(self, rel: str) -> dict[str, Any]:
        path = os.path.join(self._root, rel)
        sig = signature(path)
        cache = self._cache_for(rel)
        hit = cache.get(rel)
        if hit is not None and hit.sig == sig:
            if rel.startswith("events/"):
                self._event_cache.move_to_end(rel)
            return hit.data
        if sig is None:
            data: dict[str, Any] = {}
        else:
            try:
                with open(path, "rb") as f:
                    data = json.loads(f.read() or b"{}")
            except (ValueError, UnicodeDecodeError) as exc:
                raise StoreError(f"{path} is damaged and cannot be read: {exc}") from None
        self._remember(rel, _Cached(sig, data))
        return data

    def _remember(self, rel: str, entry: _Cached) -> None:
        if rel.startswith("events/"):
            self._event_cache[rel] = entry
            self._event_cache.move_to_end(rel)
            while len(self._event_cache) > EVENT_CACHE_SIZE:
                self._event_cache.popitem(last=False)
        else:
            self._cache[rel] = entry

    def _forget(self, rel: str) -> None:
        self._cache.pop(rel, None)
        self._event_cache.pop(rel, None)

    # -- commit and recovery ------------------------------------------------------------

    def _commit(self, tx: Transaction) -> None:
        # Unique, not ordered: the audit chain orders transactions.
        txid = f"{os.getpid()}-{os.urandom(8).hex()}"
        renames: list[tuple[str, str]] = []
        blobs: dict[str, bytes] = {}
        for n, (rel, data) in enumerate(sorted(tx._staged.items())):
            tmp_name = f"{txid}-{n}.json"
            blob = dump_json(data)
            write_synced(self.root / "tmp" / tmp_name, blob)
            renames.append((tmp_name, rel))
            blobs[rel] = blob
        entry = self.audit.prepare(
            txid, self.clock.now(), tx.actor, tx._audit or ["write"], sorted(tx._staged)
        )
        if len(renames) > 1:
            # The journal is the commit point of a multi-file transaction.
            journal = dump_json({"tx": txid, "renames": renames, "audit": entry})
            tmp_journal = self.root / "tmp" / f"{txid}-journal"
            write_synced(tmp_journal, journal)
            os.replace(tmp_journal, self._path(JOURNAL))
            fsync_dir(self.root)
        self._apply(renames)
        self.audit.append(entry)
        if len(renames) > 1:
            os.unlink(self._path(JOURNAL))
        for rel, data in tx._staged.items():
            self._remember(rel, _Cached(signature(self._path(rel)), data))

    def _apply(self, renames: list[tuple[str, str]]) -> None:
        dirs: set[Path] = set()
        for tmp_name, rel in renames:
            src = self.root / "tmp" / tmp_name
            if src.exists():
                os.replace(src, self._path(rel))
            dirs.add(self._path(rel).parent)
        for d in dirs:
            fsync_dir(d)

    def _recover(self) -> None:
        """Finish a commit that a crash interrupted after its commit point; drop unfinished ones."""
        journal = self._path(JOURNAL)
        if journal.exists():
            data = json.loads(journal.read_bytes())
            renames = [(str(a), str(b)) for a, b in data["renames"]]
            self._apply(renames)
            for _, rel in renames:
                self._forget(rel)
            self.audit.append_if_missing(data["audit"])
            os.unlink(journal)
            fsync_dir(self.root)
        tmp = self.root / "tmp"
        with os.scandir(tmp) as entries:
            leftovers = [e.path for e in entries]
        for path in leftovers:
            # Written before a commit point that never came: the transaction did not happen.
            os.unlink(path)

    # -- schema -------------------------------------------------------------------------

    def _check_schema(self, tx: Transaction) -> None:
        meta = tx.table(META, "meta")
        doc = meta.get(doc_id=1)
        version = int(doc["schema"]) if doc else 0
        if version == 0:
            meta.insert({"schema": SCHEMA_VERSION})
            tx.note(f"store created, schema {SCHEMA_VERSION}")
            return
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.root} has schema {version}; this Conduct Desk knows "
                f"up to {SCHEMA_VERSION}: upgrade Conduct Desk"
            )
        from store.migrations import MIGRATIONS

        while version < SCHEMA_VERSION:
            MIGRATIONS[version](tx)
            version += 1
            meta.update({"schema": version}, doc_ids=[1])
            tx.note(f"store migrated to schema {version}")
