"""Copies derived from each case shard, kept beside the store so a listing need not parse and
decode every case document (at 1,000 cases and more, that is most of a listing's cost).

A copy is derived and content-addressed: each shard's entries are filed under the SHA-256 of
the shard's bytes, read under the store lock in the listing's own transaction, so an entry is
used only for the very bytes it was made from. A shard whose bytes changed (any commit, by
any process, a restore) has no entry under its new digest and is read in full through the
transaction, as before, which also names a damaged file. An entry also carries a stamp of
whatever else it was made from (the policy, the day): the user of the copy says which stamps
are still good. The file itself carries the digest of its body: a torn, truncated or foreign
file is ignored and written afresh, never read as cases.

A copy is not a store file (the audit log never names it), holds nothing the shards do not,
and losing it costs one slower listing. Backups leave every copy out (``CACHE_FILES``) and
disposal removes them all (``forget``), under the store lock, so none outlives a disposed
case. Nothing here decides anything about a case: store.listing and store.case_rows do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from store.files import file_mode

# The dashboard's list lines (store/listing_cache.py) and `case list`'s rows (store/case_rows.py).
LISTING_FILE = "listing.cache"
CASE_ROWS_FILE = "caselist.cache"
CACHE_FILES = (LISTING_FILE, CASE_ROWS_FILE)

Entry = list[Any]
# What a shard's entries are made by, on a miss: (their stamp, the entries).
Maker = Callable[[str], tuple[str, list[Entry]]]


def _any_stamp(stamp: str) -> bool:
    return True


class ShardCache:
    """The entries of one data directory's case shards, by shard, digest and stamp."""

    def __init__(self, root: Path, name: str, form: str) -> None:
        self.path = root / name
        self.form = form  # bump it when the shape of an entry changes: an older file is rebuilt
        self._root = str(root)
        self._shards: dict[str, tuple[str, str, list[Entry]]] = {}
        self._loaded = False
        self._dirty = False

    def entries(
        self, rels: list[str], make: Maker, good: Callable[[str], bool] = _any_stamp
    ) -> Iterator[Entry]:
        """Every entry of these shards, in store order; ``make`` reads a shard afresh.

        Call it inside the read transaction that ``make`` reads through.
        """
        if not self._loaded:
            self._shards = _read(self.path, self.form)
            self._loaded = True
        for rel in rels:
            try:
                with open(os.path.join(self._root, rel), "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            except FileNotFoundError:
                continue  # a shard no case has reached yet
            hit = self._shards.get(rel)
            if hit is None or hit[0] != digest or not good(hit[1]):
                stamp, made = make(rel)
                hit = (digest, stamp, made)
                self._shards[rel] = hit
                self._dirty = True
            yield from hit[2]

    def save(self) -> None:
        """Write the entries back if any shard was read afresh; a failure only costs speed.

        Call it inside the read transaction, under the lock: see ``forget``."""
        if not self._dirty:
            return
        self._dirty = False
        body = json.dumps(
            {rel: list(hit) for rel, hit in self._shards.items()},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode("utf-8")
        head = f"{self.form} {hashlib.sha256(body).hexdigest()}\n".encode()
        tmp = f"{self.path}.{os.getpid()}.{os.urandom(4).hex()}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
            with os.fdopen(fd, "wb") as f:
                f.write(head + body)
            os.replace(tmp, self.path)
        except OSError as exc:  # a read-only data directory, a full disk
            import logging  # only here: a listing that writes nothing never loads logging

            logging.getLogger("conduct.store").info("%s not written: %s", self.path.name, exc)
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _read(path: Path, form: str) -> dict[str, tuple[str, str, list[Entry]]]:
    """The cached entries, or none when the file is missing, torn or not ours."""
    try:
        raw = path.read_bytes()
    except OSError:
        return {}
    head, _, body = raw.partition(b"\n")
    if head != f"{form} {hashlib.sha256(body).hexdigest()}".encode():
        return {}
    try:
        data = json.loads(body)
        return {str(rel): (str(d), str(s), list(e)) for rel, (d, s, e) in data.items()}
    except (ValueError, TypeError, AttributeError):
        return {}


# One cache per data directory and copy in this process: later listings skip reading the file.
_CACHES: dict[tuple[str, str], ShardCache] = {}


def cache_for(root: Path, name: str, form: str) -> ShardCache:
    """This process's copy ``name`` of the data directory at ``root``."""
    key = (str(root), name)
    cache = _CACHES.get(key)
    if cache is None or cache.form != form:
        cache = _CACHES[key] = ShardCache(root, name, form)
    return cache


def forget(root: Path) -> None:
    """Remove every copy (call under the store lock): disposal leaves no copy of what it removed.

    A listing writes its copy inside its read transaction, so none can be written back later
    from what was read before the disposal.
    """
    for name in CACHE_FILES:
        _CACHES.pop((str(root), name), None)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(root / name)
