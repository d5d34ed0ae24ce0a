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
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from tinydb import Query

from casework.mailrecords import MailOutcome, MailRecord
from casework.record import record
from casework.retention import RecordClass
from casework.retention_due import CaseReview, DisposalRefused, mail_reviews, review_of
from casework.serial import from_json, to_json
from store import layout, shard_cache
from store.casebook import Casebook, NotFound
from store.db import META, Transaction
from store.maillog import MAIL_SHARDS, Messages
from store.records import (
    LETTER_SHARDS,
    PEOPLE_SHARDS,
    Cases,
    case_doc_id,
    case_shard,
    events_file,
)
from store.sar_records import holds_requests
from store.storecheck import hashes_in

DISPOSALS = "disposals"  # meta.json's table of disposal records


@record
class Disposal:
    """What one disposal removed: references, store files, evidence hashes."""

    refs: tuple[str, ...]
    files: tuple[str, ...]
    blobs: tuple[str, ...]
    people: int
    print_files: tuple[str, ...]


@record
class MailDisposal:
    """What one disposal of unfiled mail removed: the messages' hashes and vault files."""

    messages: tuple[str, ...]
    blobs: tuple[str, ...]


def vault_rel(sha256: str) -> str:
    """A vault file's path relative to the data directory."""
    return f"vault/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def dispose(
    book: Casebook,
    refs: Sequence[str],
    reason: str,
    *,
    early: bool = False,
    print_queue: Path | None = None,
) -> Disposal:
    """Dispose of closed cases that reached review (or ``early``), none under legal hold."""
    _check_reason(reason)
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
        blobs = unlink_unused(tx, candidates)
        classes = {r.ref: r.record_class.value for r in reviews}
        _record(book, tx, reason, {"refs": wanted}, classes, blobs, early)
        for ref in wanted:
            tx.note(f"{ref} disposed of")
        shard_cache.forget(book.store.root)  # the copies of the case list
        tx.note(f"{len(blobs)} evidence file(s) no other record uses removed from the vault")
    _tidy_vault(book.store.root, blobs)
    printed = _clear_print_queue(print_queue, wanted)
    return Disposal(tuple(wanted), tuple(sorted(set(files))), tuple(blobs), gone_people, printed)


def dispose_unfiled_mail(book: Casebook, reason: str) -> MailDisposal:
    """Dispose of the mail kept on no case (quarantined or skipped) that reached review."""
    _check_reason(reason)
    today = book.clock.today()
    with book.store.transaction(book.actor.name) as tx:
        reviews = mail_reviews(Messages(tx).all(), book.config.retention)
        due = sorted(m.sha256 for m in reviews if m.due(today))
        if not due:
            raise DisposalRefused("no unfiled mail has reached retention review; nothing was disposed of")
        candidates: set[str] = set()
        for n in range(MAIL_SHARDS):
            rel = f"mail/{n:02d}.json"
            mine = [d for d in tx.docs(rel, "messages") if d["sha256"] in due]
            if mine:
                for d in mine:
                    candidates |= set(hashes_in(d))
                _leave_tombstones(tx, rel, mine)
        blobs = unlink_unused(tx, candidates)
        classes = dict.fromkeys(due, RecordClass.UNFILED_MAIL.value)
        _record(book, tx, reason, {"refs": [], "mail": due}, classes, blobs, False)
        tx.note(f"{len(due)} unfiled message(s) disposed of")
        tx.note(f"{len(blobs)} evidence file(s) no other record uses removed from the vault")
    _tidy_vault(book.store.root, blobs)
    return MailDisposal(tuple(due), tuple(blobs))


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise DisposalRefused(
            "--reason: say why these records are disposed of (the record keeps it)"
        )


def unlink_unused(tx: Transaction, candidates: set[str]) -> list[str]:
    """Stage the removal of the candidate vault files no record names, as ``tx`` leaves them."""
    still_used = _referenced(tx)
    blobs = sorted(
        sha for sha in candidates - still_used if (tx.store.root / vault_rel(sha)).exists()
    )
    for sha in blobs:
        tx.unlink_blob(vault_rel(sha))
    return blobs


def _record(
    book: Casebook,
    tx: Transaction,
    reason: str,
    what: dict[str, list[str]],
    classes: dict[str, str],
    blobs: list[str],
    early: bool,
) -> None:
    """The disposal record in meta.json, and the audit entry's summary of it.

    The audit entry carries the reason's SHA-256, never its text: the school writes the
    reason and it may name someone; meta.json (disposed of with the store) keeps the words.
    """
    tx.table(META, DISPOSALS).insert(
        {
            "at": book.clock.now().isoformat(timespec="seconds"),
            "actor": tx.actor,
            **what,
            "classes": classes,
            "reason": reason.strip(),
            "blobs": blobs,
            "early": early,
        }
    )
    reason_digest = hashlib.sha256(reason.strip().encode("utf-8")).hexdigest()
    tx._extra["disposal"] = {**what, "blobs": blobs, "reason_digest": reason_digest}


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
            _leave_tombstones(tx, rel, mine)
            touched.append(rel)
    return touched


def _leave_tombstones(tx: Transaction, rel: str, docs: Sequence[Mapping[str, Any]]) -> None:
    """Replace message records by their bare identity: hash, folder, UIDVALIDITY and UID.

    The daemon knows a message it has handled only by its record. Without one, a message still
    flagged in the mailbox (a server that keeps no keywords, such as Exchange Online, or a
    mailbox whose UIDVALIDITY changed) would be fetched again and open its disposed case anew.
    Nothing else is kept: no sender, subject, Message-ID or case.
    """
    table = tx.table(rel, "messages")
    for d in docs:
        was = from_json(MailRecord, d)
        table.remove(Query().sha256 == was.sha256)
        gone = MailRecord(
            sha256=was.sha256,
            folder=was.folder,
            uidvalidity=was.uidvalidity,
            uid=was.uid,
            message_id=None,
            outcome=MailOutcome.DISPOSED,
            recorded=was.recorded,
            resolved=True,
        )
        table.insert(to_json(gone))


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
