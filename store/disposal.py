"""Disposal: a case, its events, its letters, its mail records and the evidence only it uses,
removed in one store transaction, with a record that names only references, hashes and the
reason.

The whole disposal is one commit under the store lock: the journal names every store file
it removes and every vault file it unlinks, so a crash finishes it or leaves it undone. The
audit entry records each removed store file as absent (``[before, null]``), so `audit verify`
expects them gone; it carries the references and the evidence hashes, never the reason's
text (which the school writes and may name someone) but its SHA-256.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tinydb import Query

from casework.retention_due import CaseReview, DisposalRefused, review_of
from store import layout
from store.casebook import Casebook, NotFound
from store.db import META, Transaction
from store.maillog import MAIL_SHARDS
from store.records import (
    LETTER_SHARDS,
    PEOPLE_SHARDS,
    Cases,
    case_doc_id,
    case_shard,
    events_file,
)
from store.sar_records import holds_requests
from store.vault import SHA256

DISPOSALS = "disposals"  # meta.json's table of disposal records


@dataclass(frozen=True)
class Disposal:
    """What one disposal removed: references, store files, evidence hashes."""

    refs: tuple[str, ...]
    files: tuple[str, ...]
    blobs: tuple[str, ...]
    people: int
    print_files: tuple[str, ...]


def vault_rel(sha256: str) -> str:
    """A vault file's path relative to the data directory."""
    return f"vault/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def hashes_in(value: Any, key: str = "") -> Iterator[str]:
    """Every evidence hash a stored document names (``sha256`` and ``*_sha256`` keys)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from hashes_in(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from hashes_in(v, key)
    elif (
        isinstance(value, str)
        and (key == "sha256" or key.endswith("_sha256"))
        and SHA256.match(value)
    ):
        yield value


def dispose(
    book: Casebook,
    refs: Sequence[str],
    reason: str,
    *,
    early: bool = False,
    print_queue: Path | None = None,
) -> Disposal:
    """Dispose of closed cases that reached review (or ``early``), none under legal hold."""
    if not reason.strip():
        raise DisposalRefused(
            "--reason: say why these records are disposed of (the record keeps it)"
        )
    wanted = list(dict.fromkeys(r.upper() for r in refs))
    if not wanted:
        raise DisposalRefused("name at least one case reference")
    today = book.clock.today()
    with book.store.transaction(book.actor.name) as tx:
        reviews = _checked(book, tx, wanted, today, early)
        files: list[str] = []
        candidates: set[str] = set()
        people: set[str] = set()
        for ref in wanted:
            files += _remove_case(tx, ref, candidates, people)
        gone_people = _remove_orphans(tx, people)
        still_used = _referenced(tx)
        blobs = sorted(
            sha for sha in candidates - still_used if (book.store.root / vault_rel(sha)).exists()
        )
        for sha in blobs:
            tx.unlink_blob(vault_rel(sha))
        record = {
            "at": book.clock.now().isoformat(timespec="seconds"),
            "actor": tx.actor,
            "refs": wanted,
            "classes": {r.ref: r.record_class.value for r in reviews},
            "reason": reason.strip(),
            "blobs": blobs,
            "early": early,
        }
        tx.table(META, DISPOSALS).insert(record)
        reason_digest = hashlib.sha256(reason.strip().encode("utf-8")).hexdigest()
        tx._extra["disposal"] = {"refs": wanted, "blobs": blobs, "reason_digest": reason_digest}
        for ref in wanted:
            tx.note(f"{ref} disposed of")
        tx.note(f"{len(blobs)} evidence file(s) no other record uses removed from the vault")
    _tidy_vault(book.store.root, blobs)
    printed = _clear_print_queue(print_queue, wanted)
    return Disposal(tuple(wanted), tuple(sorted(set(files))), tuple(blobs), gone_people, printed)


def _checked(
    book: Casebook, tx: Transaction, refs: list[str], today: date, early: bool
) -> list[CaseReview]:
    reviews = []
    for ref in refs:
        case = Cases(tx).get(ref)
        if case is None:
            raise NotFound(f"no case {ref}")
        review = review_of(case, book.config.policy, book.config.retention)
        why = review.why_not(today, early=early)
        if why:
            raise DisposalRefused(f"{why}; nothing was disposed of")
        reviews.append(review)
    return reviews


def _remove_case(tx: Transaction, ref: str, blobs: set[str], people: set[str]) -> list[str]:
    """Stage the removal of one case's records; collect its evidence hashes and subjects."""
    shard = case_shard(ref)
    cases = tx.table(shard, "cases")
    doc = cases.get(doc_id=case_doc_id(ref))
    assert doc is not None
    people |= {s["person_id"] for s in doc["subjects"]}
    blobs |= set(hashes_in(dict(doc)))
    cases.remove(doc_ids=[case_doc_id(ref)])
    timeline = events_file(ref)
    blobs |= set(hashes_in(tx._load(timeline)))
    tx.delete(timeline)
    touched = [shard, timeline]
    for n in range(LETTER_SHARDS):
        rel = f"letters/{n:02d}.json"
        mine = [d for d in tx.docs(rel, "letters") if d.get("case_ref") == ref]
        if mine:
            for d in mine:
                blobs |= set(hashes_in(d))
            tx.table(rel, "letters").remove(Query().case_ref == ref)
            touched.append(rel)
    for n in range(MAIL_SHARDS):
        rel = f"mail/{n:02d}.json"
        mine = [d for d in tx.docs(rel, "messages") if d.get("case_ref") == ref]
        if mine:
            for d in mine:
                blobs |= set(hashes_in(d))
            tx.table(rel, "messages").remove(Query().case_ref == ref)
            touched.append(rel)
    return touched


def _remove_orphans(tx: Transaction, people: set[str]) -> int:
    """Remove the people the disposed cases were about, unless a case or a request keeps them."""
    still = {s["person_id"] for d in Cases(tx).raw() for s in d["subjects"]}
    removed = 0
    for person_id in sorted(people - still):
        if holds_requests(tx, person_id):
            continue
        for n in range(PEOPLE_SHARDS):
            rel = f"people/{n:02d}.json"
            if any(d.get("id") == person_id for d in tx.docs(rel, "people")):
                tx.table(rel, "people").remove(Query().id == person_id)
                removed += 1
    return removed


def _referenced(tx: Transaction) -> set[str]:
    """Every evidence hash the remaining records name, as this transaction leaves them."""
    found: set[str] = set()
    for rel in layout.store_files(tx.store.root):
        if rel == META:
            continue
        found |= set(hashes_in(tx._load(rel)))
    return found


def _tidy_vault(root: Path, blobs: Sequence[str]) -> None:
    """Remove the fan-out directories the disposal emptied (nothing else is in them)."""
    for sha in blobs:
        leaf = root / vault_rel(sha)
        for folder in (leaf.parent, leaf.parent.parent):
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only succeeds when empty


def _clear_print_queue(folder: Path | None, refs: Sequence[str]) -> tuple[str, ...]:
    """Letters of the disposed cases still waiting in the print queue (``REF-kind-id.pdf``)."""
    if folder is None or not folder.is_dir():
        return ()
    removed = []
    for path in sorted(folder.iterdir()):
        if any(path.name.startswith(f"{ref}-") for ref in refs) and path.suffix == ".pdf":
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path.name)
    return tuple(removed)
