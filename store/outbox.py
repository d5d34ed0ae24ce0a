"""Letters through their life: drafted, approved, queued, sending, sent, failed or posted."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from casework.events import EventType, make_event
from casework.outbox import LetterRecord, LetterStateError, LetterStatus, check_move
from casework.payloads import LetterMoved
from casework.people import Channel
from store.casebook import Casebook, NotFound
from store.db import Transaction
from store.records import Cases, Events, Letters, People

_EVENT_FOR = {
    LetterStatus.AWAITING_APPROVAL: EventType.LETTER_SUBMITTED,
    LetterStatus.APPROVED: EventType.LETTER_APPROVED,
    LetterStatus.QUEUED: EventType.LETTER_QUEUED,
    LetterStatus.SENT: EventType.LETTER_SENT,
    LetterStatus.FAILED: EventType.LETTER_FAILED,
    LetterStatus.TO_POST: EventType.LETTER_TO_POST,
    LetterStatus.POSTED: EventType.LETTER_POSTED,
}


class Outbox:
    """The letters of every case, and the only place their status changes."""

    def __init__(self, book: Casebook) -> None:
        self.book = book
        self.store = book.store

    def add_draft(
        self,
        ref: str,
        kind: str,
        pdf: bytes,
        *,
        fields: Mapping[str, Any] | None = None,
        needs_approval: bool | None = None,
        subject: str = "",
        body_text: str = "",
        ics: bytes | None = None,
    ) -> LetterRecord:
        """Keep a rendered letter (and its .ics) in the vault and record it as drafted on its case."""
        sha = self.book.vault.put(pdf)
        ics_sha = self.book.vault.put(ics) if ics else ""
        policy = self.book.config.policy
        with self.store.transaction(self.book.actor) as tx:
            case = Cases(tx).get(ref.upper())
            if case is None:
                raise NotFound(f"nothing found for {ref!r}")
            if needs_approval is None:
                needs_approval = any(s.letter == kind and s.approval for s in policy.steps)
            person = People(tx).get(case.subjects[0].person_id) if case.subjects else None
            created = self.book.clock.now()
            letter = LetterRecord(
                id=f"L{created:%Y%m%d%H%M%S}{os.urandom(2).hex()}",
                case_ref=case.ref,
                kind=kind,
                status=LetterStatus.DRAFTED,
                created=created,
                recipient_name=person.name if person else "",
                recipient_email=person.email if person else None,
                channel=person.channel if person else Channel.POST,
                pdf_sha256=sha,
                needs_approval=needs_approval,
                fields=dict(fields or {}),
                subject=subject,
                body_text=body_text,
                ics_sha256=ics_sha,
            )
            Letters(tx).put(letter)
            self._event(tx, letter, EventType.LETTER_DRAFTED, f"Letter drafted: {kind}")
        return letter

    def _event(
        self, tx: Transaction, letter: LetterRecord, etype: EventType, summary: str, error: str = ""
    ) -> None:
        moved = LetterMoved(
            letter_id=letter.id,
            kind=letter.kind,
            sha256=letter.pdf_sha256,
            name=letter.attachment_name,
            error=error,
        )
        event = make_event(
            letter.case_ref, tx.actor, etype, summary, moved, at=self.book.clock.now()
        )
        case = Cases(tx).get(letter.case_ref)
        assert case is not None
        Events(tx).add(event)
        Cases(tx).put(replace(case, last_activity=max(case.last_activity, event.at)))
        tx.note(f"{letter.case_ref} {etype.value} {letter.id}")

    def get(self, ref: str, letter_id: str) -> LetterRecord:
        """One letter of a case."""
        with self.store.reading() as tx:
            letter = Letters(tx).get(ref.upper(), letter_id)
        if letter is None:
            raise NotFound(f"no letter {letter_id!r} on {ref!r}")
        return letter

    def pdf(self, letter: LetterRecord) -> bytes:
        """The letter's PDF, verified against its hash."""
        return self.book.vault.get(letter.pdf_sha256)

    def with_status(self, *statuses: LetterStatus) -> list[LetterRecord]:
        """Letters in these states across every case."""
        with self.store.reading() as tx:
            return Letters(tx).with_status(*statuses)

    def move(self, ref: str, letter_id: str, to: LetterStatus, **changes: Any) -> LetterRecord:
        """Change a letter's status (checked) and record the matching event on its case."""
        with self.store.transaction(self.book.actor) as tx:
            letters = Letters(tx)
            letter = letters.get(ref.upper(), letter_id)
            if letter is None:
                raise NotFound(f"no letter {letter_id!r} on {ref!r}")
            check_move(letter, to)
            if to is LetterStatus.APPROVED:
                self._check_approver()
                changes["approved_by"] = self.book.actor
            updated = replace(letter, status=to, **changes)
            letters.put(updated)
            etype = _EVENT_FOR.get(to)
            if etype is not None:
                self._event(tx, updated, etype, _summary(updated, to), error=updated.last_error)
        return updated

    def _check_approver(self) -> None:
        config = self.book.config
        if not (
            config.operator.is_headteacher or config.operator.name == config.school.headteacher
        ):
            raise LetterStateError(
                f"only the headteacher ({config.school.headteacher}) may approve letters; "
                f"you are {config.operator.name} ({config.operator.role})"
            )

    def submit(self, ref: str, letter_id: str) -> LetterRecord:
        """Ask the headteacher to approve."""
        return self.move(ref, letter_id, LetterStatus.AWAITING_APPROVAL)

    def approve(self, ref: str, letter_id: str) -> LetterRecord:
        """The headteacher approves (only the headteacher may)."""
        return self.move(ref, letter_id, LetterStatus.APPROVED)

    def queue(self, ref: str, letter_id: str) -> LetterRecord:
        """Hand the letter to the daemon for sending (or printing, for post)."""
        return self.move(ref, letter_id, LetterStatus.QUEUED, last_error="", next_attempt=None)

    def claim_for_sending(self, ref: str, letter_id: str, message_id: str) -> LetterRecord:
        """Store the Message-ID before the first byte goes out: the key to sending exactly once."""
        letter = self.get(ref, letter_id)
        return self.move(
            ref,
            letter_id,
            LetterStatus.SENDING,
            message_id=letter.message_id or message_id,
            attempts=letter.attempts + 1,
        )

    def sent(self, ref: str, letter_id: str, at: datetime | None = None) -> LetterRecord:
        """The server accepted the letter."""
        sent_at = at or self.book.clock.now()
        return self.move(ref, letter_id, LetterStatus.SENT, sent_at=sent_at, last_error="")

    def retry_later(self, ref: str, letter_id: str, error: str, when: datetime) -> LetterRecord:
        """A temporary failure: back to the queue with the error shown and a time to retry."""
        return self.move(ref, letter_id, LetterStatus.QUEUED, last_error=error, next_attempt=when)

    def failed(self, ref: str, letter_id: str, error: str) -> LetterRecord:
        """A permanent failure, with the server's reply."""
        return self.move(ref, letter_id, LetterStatus.FAILED, last_error=error)

    def to_post(self, ref: str, letter_id: str) -> LetterRecord:
        """The parent prefers post: the PDF waits in the print queue."""
        return self.move(ref, letter_id, LetterStatus.TO_POST)

    def posted(self, ref: str, letter_id: str) -> LetterRecord:
        """The office has put the letter in the post."""
        return self.move(ref, letter_id, LetterStatus.POSTED, sent_at=self.book.clock.now())


def _summary(letter: LetterRecord, to: LetterStatus) -> str:
    words = {
        LetterStatus.AWAITING_APPROVAL: "submitted for the headteacher's approval",
        LetterStatus.APPROVED: "approved",
        LetterStatus.QUEUED: "queued" + (" again" if letter.attempts else ""),
        LetterStatus.SENT: f"sent to {letter.recipient_email}",
        LetterStatus.FAILED: f"failed: {letter.last_error}",
        LetterStatus.TO_POST: "waiting in the print queue (the parent prefers post)",
        LetterStatus.POSTED: "posted",
    }
    return f"Letter {letter.kind} {words.get(to, to.value)}"
