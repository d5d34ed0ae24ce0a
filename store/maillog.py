"""The daemon's memory of messages (so none makes a second case) and of its own health."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tinydb import Query

from casework.mailrecords import Health, MailOutcome, MailRecord
from casework.serial import from_json, to_json
from store.db import Store, Transaction, shard_of
from store.files import dump_json, replace_atomically
from store.records import LETTER_SHARDS

MAIL_SHARDS = 16
HEALTH_FILE = "health.json"


def _docs(tx: Transaction) -> Iterator[dict[str, Any]]:
    for n in range(MAIL_SHARDS):
        yield from tx.docs(f"mail/{n:02d}.json", "messages")


def _identities(docs: Iterable[dict[str, Any]]) -> dict[tuple[str, Any], dict[str, Any]]:
    """Every identity of every message: folder/UIDVALIDITY/UID, Message-ID and hash."""
    index: dict[tuple[str, Any], dict[str, Any]] = {}
    for d in docs:
        index[("uid", (d["folder"], d["uidvalidity"], d["uid"]))] = d
        if d.get("message_id"):
            index[("mid", d["message_id"])] = d
        index[("sha", d["sha256"])] = d
    return index


class Messages:
    """Message records inside a transaction."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def put(self, record: MailRecord) -> None:
        """Insert or replace the record of a message (keyed by its SHA-256)."""
        table = self.tx.table(f"mail/{shard_of(record.sha256, MAIL_SHARDS)}.json", "messages")
        table.upsert(to_json(record), Query().sha256 == record.sha256)

    def find(
        self,
        *,
        folder: str | None = None,
        uidvalidity: int | None = None,
        uid: int | None = None,
        message_id: str | None = None,
        sha256: str | None = None,
    ) -> MailRecord | None:
        """A message seen before under any of the identities given."""
        keys: list[tuple[str, Any]] = []
        if folder is not None and uidvalidity is not None and uid is not None:
            keys.append(("uid", (folder, uidvalidity, uid)))
        if message_id is not None:
            keys.append(("mid", message_id))
        if sha256 is not None:
            keys.append(("sha", sha256))
        for n in range(MAIL_SHARDS):
            index = self.tx.index(f"mail/{n:02d}.json", "messages", "identities", _identities)
            for key in keys:
                doc = index.get(key)
                if doc is not None:
                    return from_json(MailRecord, doc)
        return None

    def docs(self) -> Iterator[dict[str, Any]]:
        """Every message record as stored, for scans."""
        return _docs(self.tx)

    def all(self) -> list[MailRecord]:
        """Every message record, oldest first."""
        records = [from_json(MailRecord, d) for d in _docs(self.tx)]
        return sorted(records, key=lambda r: r.recorded)

    def case_for_message_ids(self, ids: list[str]) -> tuple[str, str] | None:
        """The case of the first Message-ID we know, from mail received or letters sent."""
        wanted = [i for i in ids if i]
        if not wanted:
            return None
        known = {
            d["message_id"]: d["case_ref"]
            for d in _docs(self.tx)
            if d.get("message_id") and d.get("case_ref")
        }
        for n in range(LETTER_SHARDS):
            # Letters we sent: a parent's reply names their Message-ID.
            for d in self.tx.docs(f"letters/{n:02d}.json", "letters"):
                if d.get("message_id"):
                    known[d["message_id"]] = d["case_ref"]
        for mid in wanted:
            if mid in known:
                return mid, known[mid]
        return None


def quarantined(records: Iterable[MailRecord]) -> list[MailRecord]:
    """The quarantined messages among ``records`` that nobody has resolved yet, in their order."""
    return [r for r in records if r.outcome is MailOutcome.QUARANTINED and not r.resolved]


def skipped(records: Iterable[MailRecord]) -> list[MailRecord]:
    """The skipped messages (auto-replies, bounces) among ``records``, in their order."""
    return [r for r in records if r.outcome is MailOutcome.SKIPPED]


class MailLog:
    """Read-side view of the daemon's records for the dashboard and the command line."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def records(self, *outcomes: MailOutcome) -> list[MailRecord]:
        """Message records with these outcomes (all when none given), newest first."""
        with self.store.reading() as tx:
            records = Messages(tx).all()
        if outcomes:
            records = [r for r in records if r.outcome in outcomes]
        return list(reversed(records))

    def quarantined(self) -> list[MailRecord]:
        """Messages that could not be handled and are waiting for a person, newest first."""
        return quarantined(self.records())

    def skipped(self) -> list[MailRecord]:
        """Auto-replies and bounces, with why they were skipped, newest first."""
        return skipped(self.records())

    @property
    def health_path(self) -> Path:
        """health.json: operational, rewritten by every heartbeat, so kept out of the audit log."""
        return self.store.root / HEALTH_FILE

    def health(self) -> Health | None:
        """The daemon's last health record, if it has ever run (None if unreadable)."""
        try:
            return from_json(Health, json.loads(self.health_path.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write_health(self, health: Health) -> None:
        """Replace the health record atomically (the daemon calls this)."""
        replace_atomically(self.health_path, dump_json(to_json(health)), self.store.root / "vault")
