"""What the case list needs from each case shard, kept beside the store so a listing need not
parse every case document (at 10,000 cases, parsing and checking them is most of its cost).

The copy is derived and content-addressed: each shard's entries are filed under the SHA-256
of the shard's bytes, read under the store lock in the listing's own transaction, so an entry
is used only for the very bytes it was made from. A shard whose bytes changed (any commit,
by any process, a restore) has no entry under its new digest and is read in full through the
transaction, as before, which also names a damaged file. The file itself carries the digest
of its body: a torn, truncated or foreign file is ignored and written afresh, never read as
cases. It is not a store file (the audit log never names it) and losing it costs one slower
listing; disposal removes it (``forget``), so no copy outlives a disposed case. Nothing here
decides anything about a case: ``store.listing`` makes the lines.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from store.db import Transaction
from store.files import file_mode

CACHE_FILE = "listing.cache"
# Bump when the shape of an entry changes: an older file is then simply rebuilt.
FORMAT = "conduct-listing-1"
# An entry is a JSON list. A case with no dates on it (nothing can fall due, no ban):
#   ["L", ref, [names], [behaviours], step, summary, last_activity, open, [flags],
#    [every behaviour on it, incidents' too], referred to the police]
# and any other case as its whole document: ["D", document].
LINE, DOCUMENT = "L", "D"

log = logging.getLogger("conduct.store")

Entry = list[Any]


def has_dates(doc: Mapping[str, Any]) -> bool:
    """A case with a meeting, a ban or a published post: something may fall due."""
    return bool(
        doc.get("meetings")
        or doc.get("bans")
        or any(i.get("published_on") for i in doc.get("incidents", ()))
    )


def entry_of(doc: Mapping[str, Any]) -> Entry:
    """What the case list needs from one case document."""
    if has_dates(doc):
        return [DOCUMENT, doc]
    behaviours = doc["behaviours"]
    every = set(behaviours).union(*(i.get("behaviours", ()) for i in doc["incidents"]))
    return [
        LINE,
        doc["ref"],
        [s["name"] for s in doc["subjects"]],
        behaviours,
        doc["step"],
        doc["summary"],
        doc["last_activity"],
        doc["status"] == "open",
        doc.get("flags", []),
        sorted(every),
        any(r.get("to") == "police" for r in doc.get("referrals", ())),
    ]


class ListingCache:
    """The entries of one data directory's case shards, by shard and digest."""

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_FILE
        self._root = str(root)
        self._shards: dict[str, tuple[str, list[Entry]]] = {}
        self._loaded = False
        self._dirty = False

    def entries(self, tx: Transaction, rels: list[str]) -> Iterator[Entry]:
        """Every case entry of these shards, in store order (call inside the read transaction)."""
        if not self._loaded:
            self._shards = _read(self.path)
            self._loaded = True
        for rel in rels:
            try:
                with open(os.path.join(self._root, rel), "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            except FileNotFoundError:
                continue  # a shard no case has reached yet
            hit = self._shards.get(rel)
            if hit is None or hit[0] != digest:
                # Read through the transaction: it checks the file's shape and names damage.
                hit = (digest, [entry_of(d) for d in tx.docs(rel, "cases")])
                self._shards[rel] = hit
                self._dirty = True
            yield from hit[1]

    def save(self) -> None:
        """Write the entries back if any shard was read afresh; a failure only costs speed.

        Call it inside the read transaction, under the lock: see ``forget``."""
        if not self._dirty:
            return
        self._dirty = False
        body = json.dumps(
            {rel: [d, e] for rel, (d, e) in self._shards.items()},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode("utf-8")
        head = f"{FORMAT} {hashlib.sha256(body).hexdigest()}\n".encode()
        tmp = f"{self.path}.{os.getpid()}.{os.urandom(4).hex()}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
            with os.fdopen(fd, "wb") as f:
                f.write(head + body)
            os.replace(tmp, self.path)
        except OSError as exc:  # a read-only data directory, a full disk
            log.info("listing cache not written: %s", exc)
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _read(path: Path) -> dict[str, tuple[str, list[Entry]]]:
    """The cached entries, or none when the file is missing, torn or not ours."""
    try:
        raw = path.read_bytes()
    except OSError:
        return {}
    head, _, body = raw.partition(b"\n")
    if head != f"{FORMAT} {hashlib.sha256(body).hexdigest()}".encode():
        return {}
    try:
        data = json.loads(body)
        return {str(rel): (str(d), list(e)) for rel, (d, e) in data.items()}
    except (ValueError, TypeError, AttributeError):
        return {}


# One cache per data directory in this process: later listings skip reading the file.
_CACHES: dict[str, ListingCache] = {}


def forget(root: Path) -> None:
    """Remove the copy (call under the store lock): disposal leaves no copy of what it removed.

    A listing writes the copy inside its read transaction, so none can be written back later
    from what was read before the disposal.
    """
    _CACHES.pop(str(root), None)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(root / CACHE_FILE)


def cache_for(root: Path) -> ListingCache:
    """This process's cache of the data directory at ``root``."""
    key = str(root)
    cache = _CACHES.get(key)
    if cache is None:
        cache = _CACHES[key] = ListingCache(root)
    return cache
