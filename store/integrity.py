"""`audit verify` and `audit repair`: the chain checked against the files it vouches for.

verify walks the chain (every link), follows each file's recorded hashes from entry to entry
(a gap means the file was changed outside Conduct Desk), checks that the chain ends where
meta.json says it does (entries cut off the end or an emptied log show), and compares every
store file on disk with the hash the latest entry that wrote it recorded.

repair deals only with the end of the log: it sets damaged bytes aside (kept, never deleted),
records entries found missing from the end, and appends an entry saying what it did and
which files it accepted as they are. It never removes a whole, good entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

from casework.record import record
from store import journal, layout
from store.audit import UNKNOWN, AuditLog, Chain, Tail
from store.db import Store
from store.errors import StoreError
from store.files import file_mode, fsync_dir, write_all
from store.layout import CHAIN, JOURNAL, META


@record
class Report:
    """What `audit verify` found: problems make it fail; notes are for information."""

    entries: int
    head: str
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Nothing wrong."""
        return not self.problems


def verify(store: Store, against: str | None = None) -> Report:
    """Check the chain, meta.json's record of it, and every store file against it."""
    with store.reading():  # the lock: no commit can land between the log and the files
        chain = store.audit.verify(against)
        problems = check_files(store.root, chain)
        if store.root.joinpath(JOURNAL).exists():
            problems.append(
                f"{store.root / JOURNAL}: the last commit's audit entry is still waiting to be "
                "written (is the disk full?)"
            )
    notes = [f"entry {seq} records a repair: {what}" for seq, what in chain.repairs]
    if against is not None:
        problems += _against(chain, against, notes)
    return Report(chain.good, chain.head, tuple(problems), tuple(notes))


def verify_copy(data: Path) -> list[str]:
    """The same checks on a copy of a data directory that no Store has opened (a restore)."""
    return check_files(data, AuditLog(data / layout.AUDIT).verify())


def check_files(root: Path, chain: Chain) -> list[str]:
    """What is wrong with the chain, meta.json's record of its end, and the files it vouches for."""
    audit = root / layout.AUDIT
    problems: list[str] = []
    if chain.broken is not None:
        b = chain.broken
        at = f"entry {b.seq}" if b.seq is not None else "an entry"
        problems.append(
            f"{audit}: audit log broken at line {b.line} ({at}): {b.reason}; "
            f"{chain.good} entries before it verified"
        )
    problems += chain.file_breaks
    meta: dict[str, Any] | None = None
    try:
        meta = layout.parse(META, (root / META).read_bytes())
    except FileNotFoundError:
        problems.append(f"{root / META} is missing")
    except layout.Damaged as exc:
        problems.append(f"{root / META} is damaged: {exc}")
    if chain.broken is None:
        problems += _chain_end(root, chain, meta)
        problems += _files(root, chain)
    return problems


def _chain_end(root: Path, chain: Chain, meta: dict[str, Any] | None) -> list[str]:
    """meta.json must name the log's last entry: a cut-off or emptied log shows here."""
    if meta is None:
        return []
    record = (meta.get(CHAIN) or {}).get("1")
    meta_path, audit = root / META, root / layout.AUDIT
    if record is None:
        if chain.records_hashes:
            return [f"{meta_path} has no record of the audit chain's length and head"]
        return []
    seq, head = record["seq"], record["head"]
    if seq > chain.good:
        return [
            f"{audit} ends at entry {chain.good} but {meta_path} records entry "
            f"{seq}: entries were removed from the end of the log"
        ]
    if seq < chain.good:
        return [
            f"{audit} goes on to entry {chain.good} but {meta_path} records entry "
            f"{seq}: one of them was replaced"
        ]
    if head != chain.head:
        return [f"the last entry of {audit} is not the one {meta_path} records"]
    return []


def disk_digest(root: Path, rel: str) -> str | None:
    """The digest of a store file as it is on disk now (None: there is no such file)."""
    try:
        raw = (root / rel).read_bytes()
    except FileNotFoundError:
        return None
    return layout.digest(rel, raw)


def _files(root: Path, chain: Chain) -> list[str]:
    """Every store file against the hash the latest entry that wrote it recorded."""
    problems: list[str] = []
    on_disk = set(layout.store_files(root))
    for rel in sorted(on_disk | chain.expected.keys()):
        expected = chain.expected.get(rel)
        if expected is None:
            if chain.covers_every_file:
                problems.append(f"{root / rel} is in no audit entry: Conduct Desk did not write it")
            continue
        want, seq = expected
        if want == UNKNOWN:
            continue
        have = disk_digest(root, rel)
        if have == want:
            continue
        if have is None:
            problems.append(f"{root / rel} is missing; entry {seq} wrote it")
        elif want is None:
            problems.append(f"{root / rel} exists, but entry {seq} recorded it as absent")
        else:
            empty = " (it is empty)" if (root / rel).stat().st_size == 0 else ""
            problems.append(
                f"{root / rel} does not match the SHA-256 entry {seq} recorded{empty}: "
                "it was changed outside Conduct Desk"
            )
    return problems


def _against(chain: Chain, against: str, notes: list[str]) -> list[str]:
    if chain.against_seq is not None:
        notes.append(f"the chain contains {against} at entry {chain.against_seq}")
        return []
    if chain.against_lost is not None:
        return [
            f"the chain no longer contains {against}: entry {chain.against_lost} records "
            "that the entries up to it were lost and repaired"
        ]
    return [
        f"the chain does not contain {against}: entries were removed or rewritten since "
        "that head was taken"
    ]


# -- repair --------------------------------------------------------------------------------


def repair(store: Store, actor: str) -> list[str]:
    """Set a damaged end of the log aside and record it; return what was done (empty: nothing)."""
    if not (store.root / META).exists():
        raise StoreError(f"there is no store at {store.root} ({META} is missing)")
    with store.locked():
        tail = store.audit.tail()
        record: dict[str, Any] = {}
        lines: list[str] = []
        if tail.damaged:
            kept, sha = _set_aside(store.root, tail)
            store.audit.truncate(tail.size)
            record["damaged"] = {"file": kept.name, "bytes": len(tail.damaged), "sha256": sha}
            lines.append(
                f"{len(tail.damaged)} damaged byte(s) after entry {tail.seq} set aside in "
                f"{kept.name} (SHA-256 {sha})"
            )
        lines += _finish_journal(store)
        tail = store.audit.tail()
        with store.reading() as tx:
            chain_record = (tx._load(META).get(CHAIN) or {}).get("1")
        if chain_record is not None and (chain_record["seq"], chain_record["head"]) != (
            tail.seq,
            tail.hash,
        ):
            seq, head = chain_record["seq"], chain_record["head"]
            if seq > tail.seq:
                record["missing"] = {"from": tail.seq + 1, "to": seq, "head": head}
                lines.append(
                    f"entries {tail.seq + 1} to {seq} are missing from the end of the log "
                    f"(meta.json recorded entry {seq}, {head})"
                )
            else:
                record["out_of_step"] = {"seq": seq, "head": head}
                lines.append(
                    f"meta.json recorded entry {seq} ({head}) but the log ends at entry {tail.seq}"
                )
        if not lines:
            return []
        accepted = _accepted(store)
        if accepted:
            lines.append(
                f"{len(accepted)} file(s) accepted as they are now: " + ", ".join(sorted(accepted))
            )
        with store.transaction(actor) as tx:
            tx._chain_from = (tail.seq, tail.hash)
            tx._extra["repair"] = record
            tx._extra["accepted"] = accepted
            tx._stage(META, dict(tx._load(META)))
            for line in lines:
                tx.note("audit repaired: " + line)
    return lines


def _set_aside(root: Path, tail: Tail) -> tuple[Path, str]:
    """Keep the damaged bytes in a file of their own beside the log."""
    sha = hashlib.sha256(tail.damaged).hexdigest()
    n = 1
    while (root / f"audit-damaged-{n}.bin").exists():
        n += 1
    path = root / f"audit-damaged-{n}.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
    try:
        write_all(fd, tail.damaged)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(root)
    return path, sha


def _finish_journal(store: Store) -> list[str]:
    """Finish an interrupted commit; if its entry cannot follow the log's end, say so."""
    try:
        journal.recover(store, strict=True)
        return []
    except StoreError:
        path = store.root / JOURNAL
        if not path.exists():
            raise
        _, entry, _ = journal.read_journal(path)
        os.unlink(path)
        fsync_dir(store.root)
        with contextlib.suppress(StoreError):
            journal.recover(store, strict=True)
        return [
            f"the interrupted commit {entry.get('tx')} could not be chained to the end of the "
            "log; its changes stand"
        ]


def _accepted(store: Store) -> dict[str, str | None]:
    """Files whose content the chain cannot vouch for once entries are lost: taken as found."""
    chain = store.audit.verify()
    accepted: dict[str, str | None] = {}
    on_disk = set(layout.store_files(store.root))
    for rel in sorted(on_disk | chain.expected.keys()):
        want = chain.expected.get(rel, (None, 0))[0]
        if want == UNKNOWN:
            continue
        have = disk_digest(store.root, rel)
        if have != want and (rel in chain.expected or chain.covers_every_file):
            accepted[rel] = have
    return accepted
