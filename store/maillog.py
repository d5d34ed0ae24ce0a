"""The daemon's memory of messages (so none makes a second case) and of its own health."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tinydb import Query

from casework.mailrecords import Health, MailOutcome, MailRecord
from casework.serial import from_json, to_json
from store.db import Store, Transaction, shard_of
from store.files import dump_json, replace_atomically
from store.records import LETTER_SHARDS, decode
from store.vault import TMP as VAULT_TMP

MAIL_SHARDS = 16
HEALTH_FILE = "health.json"


def _docs(tx: Transaction) -> Iterator[dict[str, Any]]:
    for n in range(MAIL_SHARDS):
        yield from tx.docs(f"mail/{n:02d}.json", "messages")


def _by_sha(docs: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["sha256"]: d for d in docs}


def _by_message_id(docs: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Message-ID -> every record carrying it (different emails may reuse one)."""
    index: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        if d.get("message_id"):
            index.setdefault(d["message_id"], []).append(d)
    return index


def _read(doc: Mapping[str, Any]) -> MailRecord:
    return from_json(MailRecord, doc)


class Messages:
    """Message records inside a transaction.

    A message is its bytes: one record per SHA-256. The same bytes seen again (another copy,
    another UID, a recreated mailbox) are the same message; the same Message-ID on other bytes
    is another message, kept and marked as a clash.
    """

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def put(self, record: MailRecord) -> None:
        """Insert or replace the record of a message (keyed by its SHA-256)."""
        table = self.tx.table(_file(record.sha256), "messages")
        table.upsert(to_json(record), Query().sha256 == record.sha256)

    def get(self, sha256: str) -> MailRecord | None:
        """The record of these exact bytes, if they were seen before."""
        rel = _file(sha256)
        doc = self.tx.index(rel, "messages", "sha", _by_sha).get(sha256)
        return decode(self.tx, rel, _read, doc) if doc is not None else None

    def with_message_id(self, message_id: str | None) -> list[MailRecord]:
        """Every message recorded with this Message-ID, its first holder first."""
        if not message_id:
            return []
        found: list[MailRecord] = []
        for n in range(MAIL_SHARDS):
            rel = f"mail/{n:02d}.json"
            index = self.tx.index(rel, "messages", "message-id", _by_message_id)
            found += [decode(self.tx, rel, _read, d) for d in index.get(message_id, ())]
        # The first holder has no clash of its own (times can tie under a fixed clock).
        return sorted(found, key=lambda r: (bool(r.id_clash), r.recorded, r.sha256))

    def docs(self) -> Iterator[dict[str, Any]]:
        """Every message record as stored, for scans."""
        return _docs(self.tx)

    def all(self) -> list[MailRecord]:
        """Every message record, oldest first."""
        records: list[MailRecord] = []
        for n in range(MAIL_SHARDS):
            rel = f"mail/{n:02d}.json"
            records += [decode(self.tx, rel, _read, d) for d in self.tx.docs(rel, "messages")]
        return sorted(records, key=lambda r: r.recorded)

    def case_for_message_ids(self, ids: list[str]) -> tuple[str, str] | None:
        """The case of the first Message-ID we know, from mail received or letters sent.

        When different emails share a Message-ID, the first one recorded keeps it.
        """
        wanted = [i for i in ids if i]
        if not wanted:
            return None
        for mid in wanted:
            placed = [r for r in self.with_message_id(mid) if r.case_ref]
            if placed:
                return mid, str(placed[0].case_ref)
            for n in range(LETTER_SHARDS):
                # Letters we sent: a parent's reply names their Message-ID.
                for d in self.tx.docs(f"letters/{n:02d}.json", "letters"):
                    if d.get("message_id") == mid:
                        return mid, str(d["case_ref"])
        return None


def _file(sha256: str) -> str:
    return f"mail/{shard_of(sha256, MAIL_SHARDS)}.json"


def quarantined(records: Iterable[MailRecord]) -> list[MailRecord]:
    """The quarantined messages among ``records`` that nobody has resolved yet, in their order."""
    return [r for r in records if r.outcome is MailOutcome.QUARANTINED and not r.resolved]


def clashed(records: Iterable[MailRecord]) -> list[MailRecord]:
    """Emails filed on a case that reuse another, different email's Message-ID, in their order."""
    return [
        r
        for r in records
        if r.id_clash and r.outcome in (MailOutcome.OPENED, MailOutcome.ATTACHED)
    ]


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

    def record(self, sha256: str) -> MailRecord | None:
        """The record of one message by the SHA-256 of its bytes."""
        with self.store.reading() as tx:
            return Messages(tx).get(sha256)

    def clash_warnings(self, sha256: str) -> tuple[str, ...]:
        """Warnings for the evidence view: other emails that share this one's Message-ID."""
        with self.store.reading() as tx:
            messages = Messages(tx)
            record = messages.get(sha256)
            if record is None:
                return ()
            others = [r for r in messages.with_message_id(record.message_id) if r.sha256 != sha256]
        return tuple(
            f"a different email has the same Message-ID {record.message_id}: from "
            f"{r.sender or 'an unknown sender'}, {f'on {r.case_ref}' if r.case_ref else r.outcome.value}"
            f", recorded {r.recorded:%Y-%m-%d %H:%M}, SHA-256 {r.sha256[:12]}"
            for r in others
        )

    def clashes(self) -> list[MailRecord]:
        """Messages that reuse the Message-ID of another, different email, newest first."""
        return [r for r in self.records() if r.id_clash]

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
        # Written beside the vault's blobs in progress, so a crash leaves nothing elsewhere.
        replace_atomically(
            self.health_path, dump_json(to_json(health)), self.store.root / "vault" / VAULT_TMP
        )
