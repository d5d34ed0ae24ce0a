"""The audit log: append-only JSON lines, each entry chained to the one before by SHA-256."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from store.files import FILE_MODE, sha256_hex

GENESIS = "0" * 64


def entry_hash(entry: dict[str, Any]) -> str:
    """The hash of an entry: its fields but "hash", canonically encoded, with the previous hash."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_hex(canonical.encode("utf-8"))


@dataclass(frozen=True)
class Break:
    """The first entry that does not verify: its line, its sequence number and why."""

    line: int
    seq: int | None
    reason: str


class AuditLog:
    """Appends under the store lock; verifies the whole chain on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tail: tuple[int, int, str] | None = None  # (file size, last seq, last hash)

    def _last(self) -> tuple[int, str]:
        size = self.path.stat().st_size if self.path.exists() else 0
        if self._tail and self._tail[0] == size:
            return self._tail[1], self._tail[2]
        last = self._read_last_line()
        if last is None:
            return 0, GENESIS
        entry = json.loads(last)
        return int(entry["seq"]), str(entry["hash"])

    def _read_last_line(self) -> bytes | None:
        if not self.path.exists():
            return None
        with self.path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            end = f.tell()
            chunk = 4096
            buf = b""
            pos = end
            while pos > 0:
                step = min(chunk, pos)
                pos -= step
                f.seek(pos)
                buf = f.read(step) + buf
                lines = buf.rstrip(b"\n").split(b"\n")
                if len(lines) > 1 or pos == 0:
                    return lines[-1] or None
        return None

    def prepare(
        self, tx: str, at: datetime, actor: str, lines: list[str], files: list[str]
    ) -> dict[str, Any]:
        """An entry for a transaction about to commit (not yet chained)."""
        return {
            "tx": tx,
            "at": at.isoformat(timespec="milliseconds"),
            "actor": actor,
            "what": lines,
            "files": files,
        }

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Chain the entry to the last one and append it durably."""
        seq, prev = self._last()
        full = {"seq": seq + 1, **entry, "prev": prev}
        full["hash"] = entry_hash(full)
        line = (json.dumps(full, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            os.write(fd, line)
            os.fsync(fd)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        self._tail = (size, full["seq"], full["hash"])
        return full

    def append_if_missing(self, entry: dict[str, Any]) -> None:
        """Append a recovered transaction's entry unless the crash came after it was written."""
        last = self._read_last_line()
        if last is not None and json.loads(last).get("tx") == entry.get("tx"):
            return
        self.append(entry)

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry in order."""
        if not self.path.exists():
            return
        with self.path.open("rb") as f:
            for raw in f:
                yield json.loads(raw)

    def verify(self) -> tuple[int, Break | None]:
        """Check every link; return the number of good entries and the first break, if any."""
        prev = GENESIS
        good = 0
        if not self.path.exists():
            return 0, None
        with self.path.open("rb") as f:
            for n, raw in enumerate(f, start=1):
                try:
                    entry = json.loads(raw)
                except ValueError:
                    return good, Break(n, None, "the line is not valid JSON")
                seq = entry.get("seq") if isinstance(entry, dict) else None
                if not isinstance(entry, dict) or "hash" not in entry:
                    return good, Break(n, seq, "the entry has no hash")
                if entry.get("prev") != prev:
                    return good, Break(n, seq, "it does not follow the entry before it")
                if entry_hash(entry) != entry["hash"]:
                    return good, Break(n, seq, "its content does not match its hash (edited)")
                if seq != good + 1:
                    return good, Break(n, seq, f"its sequence number should be {good + 1}")
                prev = entry["hash"]
                good += 1
        return good, None
