"""The audit log: append-only JSON lines, each entry chained to the one before by SHA-256.

Each entry also records, for every file its transaction wrote, the SHA-256 the file had
before and after (``"files": {path: [before, after]}``), so that the chain vouches for the
files themselves: a file changed outside Conduct Desk no longer matches the latest entry that
wrote it, and a later write cannot hide the change (its "before" would not match either).
Entries written before schema 3 list only the files' names.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casework.record import record
from store.errors import StoreError
from store.files import file_mode, sha256_hex, write_all

GENESIS = "0" * 64
UNKNOWN = "?"  # an entry from before schema 3 wrote the file but recorded no hash


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The hash of an entry: its fields but "hash", canonically encoded, with the previous hash."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_hex(canonical.encode("utf-8"))


def encode(entry: Mapping[str, Any]) -> bytes:
    """An entry as its line in the log."""
    return (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _entry(line: bytes) -> dict[str, Any] | None:
    """A line read back as an entry, or None when it is not one."""
    try:
        entry = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict):
        return None
    if not isinstance(entry.get("seq"), int) or not isinstance(entry.get("hash"), str):
        return None
    return entry


@record
class Tail:
    """Where the log ends: its last whole entry, and any damaged bytes after it."""

    size: int  # bytes up to the end of the last whole entry
    seq: int
    hash: str
    tx: str | None
    damaged: bytes = b""  # a torn or unreadable end (a short write, an edit)


@record
class Break:
    """The first entry that does not verify: its line, its sequence number and why."""

    line: int
    seq: int | None
    reason: str


@dataclass
class Chain:
    """What walking the whole log found."""

    good: int = 0
    head: str = GENESIS
    broken: Break | None = None
    # path -> (the digest the chain expects, the entry that set it)
    expected: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    file_breaks: list[str] = field(default_factory=list)
    repairs: list[tuple[int, str]] = field(default_factory=list)
    covers_every_file: bool = False
    records_hashes: bool = False
    against_seq: int | None = None
    against_lost: int | None = None  # a repair recorded that hash as lost at this entry


class AuditLog:
    """Appends under the store lock; verifies the whole chain on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cached: tuple[int, Tail] | None = None  # (file size, its tail)

    # -- the end of the log -------------------------------------------------------------

    def tail(self) -> Tail:
        """The last whole entry and anything damaged after it (cached by file size)."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        if self._cached and self._cached[0] == size:
            return self._cached[1]
        tail = self._fast_tail(size) or self._scan_tail()
        self._cached = (size, tail)
        return tail

    def _fast_tail(self, size: int) -> Tail | None:
        """The usual case, reading only the end: a whole last line that is an entry."""
        if size == 0:
            return Tail(0, 0, GENESIS, None)
        chunk = 65536
        with self.path.open("rb") as f:
            while True:
                start = max(0, size - chunk)
                f.seek(start)
                buf = f.read(size - start)
                if not buf.endswith(b"\n"):
                    return None
                cut = buf.rfind(b"\n", 0, len(buf) - 1)
                if cut < 0 and start > 0:
                    chunk *= 4
                    continue
                entry = _entry(buf[cut + 1 :])
                if entry is None:
                    return None
                return Tail(size, entry["seq"], entry["hash"], entry.get("tx"))

    def _scan_tail(self) -> Tail:
        """A damaged end: read the whole log for the last whole entry before it."""
        data = self.path.read_bytes()
        good = Tail(0, 0, GENESIS, None)
        pos = 0
        while pos < len(data):
            end = data.find(b"\n", pos)
            if end < 0:
                break
            entry = _entry(data[pos:end])
            if entry is not None:
                good = Tail(end + 1, entry["seq"], entry["hash"], entry.get("tx"))
            pos = end + 1
        return Tail(good.size, good.seq, good.hash, good.tx, data[good.size :])

    def damage_message(self, tail: Tail) -> str:
        """One line naming the damaged end of the log and what to do."""
        return (
            f"{self.path}: its last {len(tail.damaged)} byte(s), after entry {tail.seq}, are not "
            "a whole entry (a short write or an edit); nothing can be recorded until "
            "`conduct audit repair` sets them aside"
        )

    # -- writing ------------------------------------------------------------------------

    def make_entry(self, seq: int, prev: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A chained entry: sequence number, the fields given, the previous hash, its hash."""
        full: dict[str, Any] = {"seq": seq, **fields, "prev": prev}
        full["hash"] = entry_hash(full)
        return full

    def append(self, entry: Mapping[str, Any]) -> None:
        """Append one entry durably: whole or not at all (a short write is cut back off)."""
        line = encode(entry)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, file_mode())
        try:
            start = os.fstat(fd).st_size
            try:
                write_all(fd, line)
                os.fsync(fd)
            except BaseException:
                # A full disk: take the partial line back off, so the log stays whole.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                    os.fsync(fd)
                raise
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        self._cached = (size, Tail(size, int(entry["seq"]), str(entry["hash"]), entry.get("tx")))

    def complete(self, entry: Mapping[str, Any]) -> None:
        """Append a recovered commit's entry unless it is there; a torn copy of it is redone."""
        tail = self.tail()
        if tail.damaged:
            ours = encode(entry).startswith(tail.damaged)
            if not (ours and (tail.seq, tail.hash) == (entry["seq"] - 1, entry["prev"])):
                raise StoreError(self.damage_message(tail))
            # Our own interrupted write: cut it back and write it whole.
            self.truncate(tail.size)
            tail = self.tail()
        if tail.tx == entry.get("tx") and tail.seq == entry["seq"]:
            return
        if (tail.seq, tail.hash) != (entry["seq"] - 1, entry["prev"]):
            raise StoreError(
                f"{self.path} ends at entry {tail.seq}, but the interrupted commit in "
                f"journal.json follows entry {entry['seq'] - 1}: run `conduct audit verify`"
            )
        self.append(entry)

    def truncate(self, size: int) -> None:
        """Cut the log back to ``size`` bytes (only ever the damaged end), durably."""
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._cached = None

    # -- reading ------------------------------------------------------------------------

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry in order (lines that are not entries are left out)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as f:
            for raw in f:
                entry = _entry(raw)
                if entry is not None:
                    yield entry

    def verify(self, against: str | None = None) -> Chain:
        """Check every link, and follow every file's recorded hash from entry to entry."""
        chain = Chain()
        if not self.path.exists():
            return chain
        with self.path.open("rb") as f:
            for n, raw in enumerate(f, start=1):
                if not raw.endswith(b"\n"):
                    chain.broken = Break(n, None, "the last line is cut short (a short write)")
                    break
                problem = self._check_line(chain, n, raw)
                if problem is not None:
                    chain.broken = problem
                    break
                entry = json.loads(raw)
                self._follow_files(chain, entry)
                if against is not None and entry["hash"] == against:
                    chain.against_seq = entry["seq"]
                repair = entry.get("repair")
                if isinstance(repair, dict):
                    chain.repairs.append((entry["seq"], "; ".join(map(str, entry.get("what", [])))))
                    lost = repair.get("missing") or {}
                    if against is not None and lost.get("head") == against:
                        chain.against_lost = entry["seq"]
                chain.head = entry["hash"]
                chain.good += 1
        return chain

    @staticmethod
    def _check_line(chain: Chain, n: int, raw: bytes) -> Break | None:
        try:
            entry = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return Break(n, None, "the line is not valid JSON")
        seq = entry.get("seq") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or "hash" not in entry:
            return Break(n, seq, "the entry has no hash")
        if entry.get("prev") != chain.head:
            return Break(n, seq, "it does not follow the entry before it")
        if entry_hash(entry) != entry["hash"]:
            return Break(n, seq, "its content does not match its hash (edited)")
        if seq != chain.good + 1:
            return Break(n, seq, f"its sequence number should be {chain.good + 1}")
        return None

    @staticmethod
    def _follow_files(chain: Chain, entry: Mapping[str, Any]) -> None:
        """Keep, for each file, the hash the latest entry gave it; note any gap between them."""
        seq = int(entry["seq"])
        accepted = entry.get("accepted")
        if isinstance(accepted, dict):
            # A repair took these files as it found them: the chain vouches from here on.
            for rel, value in accepted.items():
                chain.expected[rel] = (value, seq)
        files = entry.get("files")
        if isinstance(files, list):
            for rel in files:
                chain.expected[str(rel)] = (UNKNOWN, seq)
            return
        if not isinstance(files, dict):
            return
        if chain.good == 0:
            chain.covers_every_file = True
        chain.records_hashes = True
        for rel, pair in files.items():
            before, after = pair
            known = chain.expected.get(rel)
            if known is not None and known[0] != UNKNOWN and known[0] != before:
                chain.file_breaks.append(
                    f"{rel} was changed outside Conduct Desk between entry {known[1]} "
                    f"and entry {seq}, which found it {_what(before)}"
                )
            chain.expected[rel] = (after, seq)
        baseline = entry.get("baseline")
        if isinstance(baseline, dict):
            chain.covers_every_file = True
            for rel, value in baseline.items():
                chain.expected[rel] = (value, seq)


def _what(digest: str | None) -> str:
    return "missing" if digest is None else f"with SHA-256 {digest[:12]}…"
