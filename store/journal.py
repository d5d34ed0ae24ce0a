"""Commits and their recovery: new versions, the journal (the commit point), the audit entry.

A commit writes each changed file and meta.json (which records the audit chain's length and
head) to tmp/ (fsync), then journal.json naming the renames and the whole audit entry: the
commit point. It then renames every file into place and appends the entry. A transaction
that finds a journal finishes it first, so a crash at any point leaves the old state or the
new one, with its audit entry; a full disk after the commit point leaves the entry waiting
in the journal, never a commit reported as failed.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store import layout
from store.errors import StoreError
from store.files import describe_os_error, dump_json, fsync_dir, write_synced
from store.layout import CHAIN, JOURNAL, META

if TYPE_CHECKING:
    from store.db import Store, Transaction


def _warn(message: str, *args: object) -> None:
    """Log a warning: logging is loaded only when there is something to say."""
    import logging

    logging.getLogger("conduct.store").warning(message, *args)


def commit(store: Store, tx: Transaction) -> None:
    """Commit a transaction's staged files with its audit entry (see the module's docstring)."""
    # Unique, not ordered: the audit chain orders transactions.
    txid = f"{os.getpid()}-{os.urandom(8).hex()}"
    seq, prev = tx._chain_from or chain_position(store, tx)
    staged = dict(tx._staged)
    meta = dict(staged.get(META) or tx._load(META))
    staged.pop(META, None)
    blobs = {rel: dump_json(data) for rel, data in staged.items()}
    files: dict[str, list[str | None]] = {}
    for rel, blob in blobs.items():
        files[rel] = [before_digest(store, tx, rel), layout.digest(rel, blob)]
    # A removed file is recorded as absent, so `audit verify` expects it gone.
    deletes = sorted(tx._deleted)
    for rel in deletes:
        files[rel] = [before_digest(store, tx, rel), None]
    files[META] = [before_digest(store, tx, META), layout.meta_digest(meta)]
    fields: dict[str, Any] = {
        "tx": txid,
        "at": store.clock.now().isoformat(timespec="milliseconds"),
        "actor": tx.actor,
        "what": tx._audit or ["write"],
        "files": dict(sorted(files.items())),
    }
    if tx._extra.pop("baseline", False):
        fields["baseline"] = baseline(store, files)
    fields.update(tx._extra)
    entry = store.audit.make_entry(seq + 1, prev, fields)
    # meta.json carries the chain's length and head, committed with the entry itself, so
    # entries cut off the end of audit.jsonl leave it pointing past the end.
    meta[CHAIN] = {"1": {"seq": entry["seq"], "head": entry["hash"]}}
    blobs[META] = dump_json(meta)
    staged[META] = meta
    removals = deletes + sorted(tx._unlinked)
    renames = write_new_versions(store, txid, blobs, entry, removals)
    # Committed: the journal holds the renames and the entry, and recovery finishes both.
    apply(store, renames, removals)
    for rel, data in staged.items():
        store._committed(rel, data, files[rel][1])
    for rel in deletes:
        store._forget(rel)
    try:
        store.audit.append(entry)
    except OSError as exc:
        # The commit stands; the next transaction appends the entry from the journal.
        _warn(
            "committed, but its audit entry waits in %s: %s",
            store._path(JOURNAL),
            describe_os_error(exc),
        )
        return
    os.unlink(store._path(JOURNAL))


def before_digest(store: Store, tx: Transaction, rel: str) -> str | None:
    """The digest a file had when this transaction first read it (the entry's "before")."""
    return tx.before(rel)


def baseline(store: Store, written: Mapping[str, Any]) -> dict[str, str]:
    """The digest of every store file this commit leaves as it is."""
    found: dict[str, str] = {}
    for rel in layout.store_files(store.root):
        if rel not in written:
            found[rel] = layout.digest(rel, store._path(rel).read_bytes())
    return found


def write_new_versions(
    store: Store,
    txid: str,
    blobs: Mapping[str, bytes],
    entry: Mapping[str, Any],
    removals: list[str] | None = None,
) -> list[tuple[str, str]]:
    """Every new version into tmp/, then the journal: the commit point. Nothing on failure."""
    renames: list[tuple[str, str]] = []
    written: list[Path] = []
    try:
        for n, (rel, blob) in enumerate(sorted(blobs.items())):
            tmp = store.root / "tmp" / f"{txid}-{n}.json"
            written.append(tmp)
            write_synced(tmp, blob)
            renames.append((tmp.name, rel))
        record: dict[str, Any] = {"tx": txid, "renames": renames, "entry": entry}
        if removals:
            record["removals"] = removals
        journal = dump_json(record)
        tmp_journal = store.root / "tmp" / f"{txid}-journal"
        written.append(tmp_journal)
        write_synced(tmp_journal, journal)
        os.replace(tmp_journal, store._path(JOURNAL))
    except OSError as exc:
        for path in written:
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise StoreError(
            f"cannot write to the store at {store.root}: {exc.strerror or exc}; nothing was changed"
        ) from None
    try:
        fsync_dir(store.root)
    except OSError as exc:
        _warn("cannot sync %s after the commit point: %s", store.root, exc)
    return renames


def chain_position(store: Store, tx: Transaction) -> tuple[int, str]:
    """The entry this commit chains after; refuses when audit.jsonl and meta.json disagree."""
    tail = store.audit.tail()
    if tail.damaged:
        raise StoreError(store.audit.damage_message(tail))
    chain = (tx._load(META).get(CHAIN) or {}).get("1")
    if chain is None or (chain["seq"], chain["head"]) == (tail.seq, tail.hash):
        return tail.seq, tail.hash
    if chain["seq"] > tail.seq:
        raise StoreError(
            f"{store.audit.path} ends at entry {tail.seq} but {store._path(META)} records "
            f"entry {chain['seq']}: audit entries are missing; `conduct audit verify` shows "
            "what, `conduct audit repair` records the loss so work can go on"
        )
    raise StoreError(
        f"{store.audit.path} ends at entry {tail.seq} but {store._path(META)} records entry "
        f"{chain['seq']}: one of them was replaced (from a backup?); nothing can be "
        "recorded until they match (`conduct audit verify`)"
    )


def apply(store: Store, renames: list[tuple[str, str]], removals: list[str] | None = None) -> None:
    """Rename new versions into place (skipping any already moved), remove the files the
    commit removes (skipping any already gone) and sync their directories."""
    dirs: set[Path] = set()
    for tmp_name, rel in renames:
        src = store.root / "tmp" / tmp_name
        if src.exists():
            os.replace(src, store._path(rel))
        dirs.add(store._path(rel).parent)
    for rel in removals or ():
        path = store._path(rel)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        dirs.add(path.parent)
    for d in dirs:
        fsync_dir(d)


def recover(store: Store, *, strict: bool) -> None:
    """Finish a commit that a crash interrupted after its commit point; drop unfinished ones.

    A reader that cannot write the pending audit entry (a full disk) still gets the
    committed state; a writer stops, since its own entry must come after that one.
    """
    journal = store._path(JOURNAL)
    if journal.exists():
        renames, entry, removals = read_journal(journal)
        apply(store, renames, removals)
        for rel in [r for _, r in renames] + removals:
            store._forget(rel)
        try:
            complete_entry(store, entry)
        except (OSError, StoreError) as exc:
            if strict:
                if isinstance(exc, StoreError):
                    raise
                raise StoreError(
                    f"the last commit's audit entry cannot be written to "
                    f"{store.audit.path}: {exc.strerror or exc}; nothing more can be recorded"
                ) from None
            return
        os.unlink(journal)
        fsync_dir(store.root)
    tmp = store.root / "tmp"
    with os.scandir(tmp) as entries:
        leftovers = [e.path for e in entries]
    for path in leftovers:
        # Written before a commit point that never came: the transaction did not happen.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def read_journal(
    journal: Path,
) -> tuple[list[tuple[str, str]], dict[str, Any], list[str]]:
    """The renames, audit entry and removals of an interrupted commit; StoreError when damaged."""
    try:
        data = json.loads(journal.read_bytes())
        renames = [(str(a), str(b)) for a, b in data["renames"]]
        removals = [str(r) for r in data.get("removals") or ()]
        if any(r.startswith("/") or ".." in r.split("/") for r in removals):
            raise ValueError("a removal names a path outside the store")
        entry = data.get("entry") or data["audit"]
        if not isinstance(entry, dict):
            raise TypeError("no audit entry")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise StoreError(
            f"{journal} is damaged ({exc}): an interrupted commit cannot be finished, so "
            "the store is not used until the journal is restored or the store is"
        ) from None
    return renames, entry, removals


def complete_entry(store: Store, entry: dict[str, Any]) -> None:
    """Append a recovered commit's audit entry, unless it is already the last one."""
    if "seq" not in entry:
        # A journal from before schema 3 holds an unchained entry: chain it to the end, as
        # that version did when it appended (so a torn copy of it is recognised as such).
        tail = store.audit.tail()
        if tail.tx == entry.get("tx") and not tail.damaged:
            return
        entry = store.audit.make_entry(tail.seq + 1, tail.hash, entry)
    store.audit.complete(entry)
