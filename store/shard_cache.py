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
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from casework.record import record
from store.files import file_mode

# The dashboard's list lines (store/listing_cache.py) and `case list`'s rows (store/case_rows.py).
LISTING_FILE = "listing.cache"
CASE_ROWS_FILE = "caselist.cache"
CACHE_FILES = (LISTING_FILE, CASE_ROWS_FILE)

Entry = list[Any]
# What a shard's entries are made by, on a miss: (their stamp, the entries).
Maker = Callable[[str], tuple[str, list[Entry]]]


@record
class Codec:
    """How one copy writes a shard's entries as one line of text, and reads them back."""

    form: str  # names the file's format: bump it when a line changes, and older files are rebuilt
    encode: Callable[[list[Entry]], str]  # never a newline in what it makes
    decode: Callable[[bytes], list[Entry]]  # reads the line's UTF-8 bytes


def _any_stamp(stamp: str) -> bool:
    return True


class _Shard:
    """One shard's line as read or made: its entries are decoded when first asked for."""

    __slots__ = ("digest", "stamp", "data", "_entries")

    def __init__(self, digest: str, stamp: str, data: bytes, entries: list[Entry] | None) -> None:
        self.digest, self.stamp, self.data, self._entries = digest, stamp, data, entries

    def entries(self, codec: Codec) -> list[Entry]:
        if self._entries is None:
            self._entries = codec.decode(self.data)
        return self._entries


class ShardCache:
    """The entries of one data directory's case shards, by shard, digest and stamp."""

    def __init__(self, root: Path, name: str, codec: Codec) -> None:
        self.path = root / name
        self.codec = codec
        self._root = str(root)
        self._shards: dict[str, _Shard] = {}
        self._loaded = False
        self._dirty = False

    def entries(
        self, rels: list[str], make: Maker, good: Callable[[str], bool] = _any_stamp
    ) -> Iterator[Entry]:
        """Every entry of these shards, in store order; ``make`` reads a shard afresh.

        Call it inside the read transaction that ``make`` reads through. A stamp may hold
        neither a tab nor a newline.
        """
        if not self._loaded:
            self._shards = _read(self.path, self.codec.form)
            self._loaded = True
        for rel in rels:
            try:
                with open(os.path.join(self._root, rel), "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            except FileNotFoundError:
                continue  # a shard no case has reached yet
            hit = self._shards.get(rel)
            found = None
            if hit is not None and hit.digest == digest and good(hit.stamp):
                with contextlib.suppress(ValueError, TypeError, IndexError, KeyError):
                    found = hit.entries(self.codec)  # a line that does not decode is made again
            if found is None:
                stamp, found = make(rel)
                text = self.codec.encode(found)
                if "\n" in text or "\t" in stamp or "\n" in stamp:
                    raise ValueError(f"{self.path.name}: an entry or stamp would break its line")
                self._shards[rel] = _Shard(digest, stamp, text.encode("utf-8"), found)
                self._dirty = True
            yield from found

    def save(self) -> None:
        """Write the entries back if any shard was read afresh; a failure only costs speed.

        Call it inside the read transaction, under the lock: see ``forget``."""
        if not self._dirty:
            return
        self._dirty = False
        # A line a shard: its path, the digest of its bytes, its stamp and its entries.
        body = b"".join(
            f"{rel}\t{hit.digest}\t{hit.stamp}\t".encode() + hit.data + b"\n"
            for rel, hit in self._shards.items()
        )
        head = f"{self.codec.form} {hashlib.sha256(body).hexdigest()}\n".encode()
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


def _read(path: Path, form: str) -> dict[str, _Shard]:
    """The cached shards (entries still encoded), or none when the file is missing, torn or
    not ours; a line whose entries do not decode is made again when its shard is listed."""
    try:
        raw = path.read_bytes()
    except OSError:
        return {}
    # At 10,000 cases the file is over a megabyte: it is hashed and split in place, not copied.
    end = raw.find(b"\n")
    if raw[:end] != f"{form} {hashlib.sha256(memoryview(raw)[end + 1 :]).hexdigest()}".encode():
        return {}
    shards: dict[str, _Shard] = {}
    try:
        for line in raw.split(b"\n")[1:-1]:
            rel, digest, stamp, data = line.split(b"\t", 3)
            shards[rel.decode()] = _Shard(digest.decode(), stamp.decode(), data, None)
    except (ValueError, UnicodeDecodeError):  # a line with too few fields: none of it is trusted
        return {}
    return shards


# One cache per data directory and copy in this process: later listings skip reading the file.
_CACHES: dict[tuple[str, str], ShardCache] = {}


def cache_for(root: Path, name: str, codec: Codec) -> ShardCache:
    """This process's copy ``name`` of the data directory at ``root``."""
    key = (str(root), name)
    cache = _CACHES.get(key)
    if cache is None or cache.codec != codec:
        cache = _CACHES[key] = ShardCache(root, name, codec)
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
