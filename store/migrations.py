"""Upgrades of the store's layout, by the schema version they upgrade from.

Each runs inside the transaction that opens an older store, so it commits whole or not at
all, and the audit log records it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tinydb.table import Document

from casework.events import PAYLOADS, EventType
from casework.fold import replay
from casework.serial import from_json, to_json

if TYPE_CHECKING:
    from store.db import Transaction

Migration = Callable[["Transaction"], None]

NOT_RECORDED = "(not recorded)"


def _text_or_summary(data: dict[str, Any], doc: Mapping[str, Any]) -> None:
    # Schema 1 kept the words of some events only in their summary line.
    if not str(data.get("text") or "").strip():
        data["text"] = str(doc.get("summary") or NOT_RECORDED)


def _v1_event_data(doc: Mapping[str, Any], subjects: list[dict[str, Any]]) -> dict[str, Any]:
    """An event's details as schema 2 types them, from what schema 1 wrote."""
    etype = EventType(doc["type"])
    data = dict(doc.get("data") or {})
    at = datetime.fromisoformat(doc["at"])
    data.pop("event_id", None)  # the event's own id is the mark's id now
    if etype is EventType.CASE_OPENED:
        data["subject_records"] = subjects
        data["subjects"] = [s["name"] for s in subjects]
    elif etype in (
        EventType.INCIDENT,
        EventType.NOTE,
        EventType.DECISION,
        EventType.COMPLAINT_RAISED,
        EventType.REPRESENTATIONS_RECEIVED,
    ):
        _text_or_summary(data, doc)
        if etype is EventType.INCIDENT:
            data.setdefault("occurred_on", at.date().isoformat())
        if etype is EventType.REPRESENTATIONS_RECEIVED:
            data.setdefault("received_on", at.date().isoformat())
    elif etype is EventType.STATEMENT_TAKEN:
        _text_or_summary(data, doc)
        if not str(data.get("by") or "").strip():
            data["by"] = NOT_RECORDED
    elif etype is EventType.MEETING_SCHEDULED:
        when = datetime.fromisoformat(data["at"])
        if when.tzinfo is not None:
            # A meeting is a time on the school's clock: keep it as the school saw it.
            when = when.astimezone().replace(tzinfo=None)
        data["at"] = when.isoformat()
        if not str(data.get("place") or "").strip():
            data["place"] = NOT_RECORDED
    elif etype is EventType.CASE_CLOSED:
        data.pop("at", None)
        if not str(data.get("outcome") or "").strip():
            data["outcome"] = "closed"
    elif etype is EventType.EVIDENCE_ADDED:
        if not data.get("rule"):
            data.pop("rule", None)
        data.setdefault("kind", "file")
    # Read through the payload class, so what is kept is what schema 2 accepts.
    return dict(to_json(from_json(PAYLOADS[etype], data)))


def _to_schema_2(tx: Transaction) -> None:
    """Every event's details as a typed payload; thread rules as names or nothing."""
    from store.maillog import MAIL_SHARDS
    from store.records import Cases, Events, case_doc_id, case_shard

    events_dir = tx.store.root / "events"
    refs = sorted(
        name[: -len(".json")] for name in os.listdir(events_dir) if name.endswith(".json")
    )
    for ref in refs:
        case = tx.table(case_shard(ref), "cases").get(doc_id=case_doc_id(ref))
        subjects = list(case["subjects"]) if case else []
        table = tx.table(f"events/{ref}.json", "events")
        for doc in table.all():
            table.update({"data": _v1_event_data(doc, subjects)}, doc_ids=[doc.doc_id])
        if case:
            # A case is the fold of its events: fold the typed ones (a meeting's time, say,
            # is now the school's local time, as the letters print it).
            Cases(tx).put(replay(Events(tx).of(ref)))
    for n in range(MAIL_SHARDS):
        rel = f"mail/{n:02d}.json"
        table = tx.table(rel, "messages")
        for doc in table.all():
            if doc.get("rule") == "":
                table.update({"rule": None}, doc_ids=[doc.doc_id])
    tx.note(f"schema 2: {len(refs)} timelines typed")


def _to_schema_3(tx: Transaction) -> None:
    """Audit entries record each file's SHA-256 from now on: start from every file as it is.

    Every store file is read (and so checked) on the way, and meta.json begins to carry the
    chain's length and head.
    """
    tx.record_baseline()
    tx.note("schema 3: audit entries record the SHA-256 of every file they write")
    # Before schema 3 the vault wrote each blob as a hidden file beside where it would go; a
    # full disk or a crash left them there. They are now written in vault/.tmp/, cleaned at
    # every start: sweep the old places once.
    removed = 0
    vault = tx.store.root / "vault"
    for leftover in vault.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/.*"):
        leftover.unlink(missing_ok=True)
        removed += 1
    if removed:
        tx.note(f"schema 3: {removed} partial evidence file(s) left by a crash removed")


def _to_schema_4(tx: Transaction) -> None:
    """People keep several phone numbers; bans keep their dated record (folded again)."""
    _people_phones(tx)
    _refold_cases(tx)


def _refold_cases(tx: Transaction) -> None:
    """Every case folded again from its events: a ban's dates of confirmation, representations,
    reviews and lifting are read from the timeline it always had."""
    from store.records import Cases, Events

    events_dir = tx.store.root / "events"
    refs = sorted(
        name[: -len(".json")] for name in os.listdir(events_dir) if name.endswith(".json")
    )
    for ref in refs:
        events = Events(tx).of(ref)
        if events:
            Cases(tx).put(replay(events))
    tx.note(f"schema 4: {len(refs)} case(s) folded again (bans keep their dated record)")


def _people_phones(tx: Transaction) -> None:
    """A person keeps several telephone numbers: ``phone`` (one string) becomes ``phones``."""
    from store.records import PEOPLE_SHARDS

    moved = 0
    for n in range(PEOPLE_SHARDS):
        table = tx.table(f"people/{n:02d}.json", "people")
        for doc in table.all():
            if "phones" in doc and "phone" not in doc:
                continue
            phone = str(doc.get("phone") or "").strip()
            updated = {k: v for k, v in doc.items() if k != "phone"}
            updated["phones"] = [phone] if phone else list(doc.get("phones") or [])
            table.remove(doc_ids=[doc.doc_id])
            table.insert(Document(updated, doc_id=doc.doc_id))
            moved += 1
    tx.note(f"schema 4: people: {moved} record(s) keep their telephone numbers as a list")


MIGRATIONS: dict[int, Migration] = {1: _to_schema_2, 2: _to_schema_3, 3: _to_schema_4}
