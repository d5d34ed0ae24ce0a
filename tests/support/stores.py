"""A store with something in every kind of file, and a snapshot of everything it holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from unittest import mock

from casework.config import Config
from casework.mailthread import IncomingMail
from casework.serial import to_json
from store.audit import AuditLog
from store.casebook import Casebook
from store.db import shard_of
from store.inbox import Inbox
from store.maillog import MAIL_SHARDS, MailLog
from store.outbox import Outbox
from store.records import LETTER_SHARDS, PEOPLE_SHARDS, case_shard, events_file

RAW_EMAIL = (
    b"From: Pat Parent <pat@example.org>\r\nSubject: About the gate\r\n"
    b"Message-ID: <gate@example.org>\r\n\r\nYou were rude to me.\r\n"
)


@dataclass(frozen=True)
class Populated:
    """Where each kind of record of a populated store lives (paths relative to its data dir)."""

    ref: str
    letter_id: str
    files: dict[str, str]  # kind -> path: meta, case, events, people, letters, mail


def populate(config: Config) -> Populated:
    """A case with a timeline, its person, a drafted letter and an email on it."""
    book = Casebook(config)
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Shouted"
    )
    book.note(case.ref, "Spoke to the class teacher")
    letter = Outbox(book).add_draft(case.ref, "warning", b"%PDF-1.4 a stand-in letter")
    sha = book.vault.put(RAW_EMAIL)
    Inbox(book).ingest(
        IncomingMail(
            sha256=sha,
            folder="INBOX",
            uidvalidity=1,
            uid=1,
            message_id="<gate@example.org>",
            sender_address="pat@example.org",
            sender_name="Pat Parent",
            subject=f"Re: [{case.ref}] About the gate",
            date=None,
            text="You were rude to me.",
            size=len(RAW_EMAIL),
        )
    )
    person_id = case.subjects[0].person_id
    return Populated(
        ref=case.ref,
        letter_id=letter.id,
        files={
            "meta": "meta.json",
            "case": case_shard(case.ref),
            "events": events_file(case.ref),
            "people": f"people/{shard_of(person_id, PEOPLE_SHARDS)}.json",
            "letters": f"letters/{shard_of(case.ref, LETTER_SHARDS)}.json",
            "mail": f"mail/{shard_of(sha, MAIL_SHARDS)}.json",
            "audit": "audit.jsonl",
            "journal": "journal.json",
        },
    )


def leave_a_commit_pending(config: Config, ref: str, text: str) -> None:
    """Commit a note whose audit entry cannot be appended (a full disk): journal.json stays."""
    enospc = OSError(28, "No space left on device")
    with mock.patch.object(AuditLog, "append", side_effect=enospc):
        Casebook(config).note(ref, text)


def snapshot(config: Config) -> dict[str, Any]:
    """Everything the store holds, as plain data, to compare before and after."""
    book = Casebook(config)
    cases = book.cases("all")
    return {
        "cases": [to_json(c) for c in cases],
        "events": {c.ref: [to_json(e) for e in book.file(c.ref).events] for c in cases},
        "people": sorted(
            (to_json(book.person(s.person_id)) for c in cases for s in c.subjects),
            key=lambda p: p["id"],
        ),
        "letters": {c.ref: [to_json(x) for x in book.letters(c.ref)] for c in cases},
        "mail": [to_json(r) for r in MailLog(book.store).records()],
    }
