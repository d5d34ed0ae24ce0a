"""Letters through their life: drafted, approved, queued, sending, sent, failed or posted."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from casework.authority import approvers_for
from casework.cases import Case
from casework.events import EventType, make_event
from casework.mailrecords import sending_trouble
from casework.outbox import (
    LetterMove,
    LetterRecord,
    LetterStateError,
    LetterStatus,
    draft_refusal,
    hold_reason,
    moved,
    needs_approval,
)
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
    LetterStatus.OUTCOME_UNKNOWN: EventType.LETTER_OUTCOME_UNKNOWN,
    LetterStatus.HELD: EventType.LETTER_HELD,
    LetterStatus.CANCELLED: EventType.LETTER_CANCELLED,
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
        subject: str = "",
        body_text: str = "",
        ics: bytes | None = None,
    ) -> LetterRecord:
        """Keep a rendered letter (and its .ics) in the vault and record it as drafted on its case."""
        sha = self.book.vault.put(pdf)
        ics_sha = self.book.vault.put(ics) if ics else ""
        with self.store.transaction(self.book.actor.name) as tx:
            case = Cases(tx).get(ref.upper())
            if case is None:
                raise NotFound(f"nothing found for {ref!r}")
            people = [p for s in case.subjects if (p := People(tx).get(s.person_id))]
            refusal = draft_refusal(case, people)
            if refusal:
                raise LetterStateError(f"no letter can be drafted: {refusal}")
            person = people[0] if people else None
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
                needs_approval=needs_approval(self.book.config.policy, kind),
                approvers=approvers_for(self.book.config.policy, kind),
                fields=dict(fields or {}),
                subject=subject,
                body_text=body_text,
                ics_sha256=ics_sha,
                recipient_address=person.address if person else (),
                step=case.step,
                **_meeting_facts(case, kind),
            )
            Letters(tx).put(letter)
            self._event(tx, letter, EventType.LETTER_DRAFTED, f"Letter drafted: {kind}")
        return letter

    def _event(
        self, tx: Transaction, letter: LetterRecord, etype: EventType, summary: str, error: str = ""
    ) -> None:
        payload = LetterMoved(
            letter_id=letter.id,
            kind=letter.kind,
            sha256=letter.pdf_sha256,
            name=letter.attachment_name,
            error=error,
        )
        event = make_event(
            letter.case_ref, tx.actor, etype, summary, payload, at=self.book.clock.now()
        )
        case = Cases(tx).get(letter.case_ref)
        assert case is not None
        Events(tx).add(event)
        Cases(tx).put(replace(case, last_activity=max(case.last_activity, event.at)))
        tx.note(f"{letter.case_ref} {etype.value} {letter.id}")

    def sending_trouble(self) -> str | None:
        """Why a letter queued now would not go out now (the daemon is down or failing)."""
        from store.liveness import checked
        from store.maillog import MailLog

        return sending_trouble(checked(MailLog(self.store).health()), self.book.clock.now())

    def hold_if_passed(self, letter: LetterRecord) -> LetterRecord | None:
        """Hold a queued letter whose moment has passed (the sender asks before each letter)."""
        with self.store.reading() as tx:
            case = Cases(tx).get(letter.case_ref)
        if case is None or letter.status is not LetterStatus.QUEUED:
            return None
        days = self.book.config.letters.hold_after_days
        reason = hold_reason(letter, case, self.book.clock.now(), days)
        if reason is None:
            return None
        return self.move(letter.case_ref, letter.id, LetterMove.HOLD_BACK, error=reason)

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

    def move(
        self,
        ref: str,
        letter_id: str,
        move: LetterMove,
        *,
        error: str = "",
        retry_at: datetime | None = None,
        message_id: str = "",
    ) -> LetterRecord:
        """Make one move (checked against the rules for this casebook's actor) and record it."""
        with self.store.transaction(self.book.actor.name) as tx:
            letters = Letters(tx)
            letter = letters.get(ref.upper(), letter_id)
            if letter is None:
                raise NotFound(f"no letter {letter_id!r} on {ref!r}")
            updated = moved(
                letter,
                move,
                self.book.actor,
                self.book.clock.now(),
                error=error,
                retry_at=retry_at,
                message_id=message_id,
            )
            letters.put(updated)
            etype = _EVENT_FOR.get(updated.status)
            if etype is not None:
                self._event(tx, updated, etype, _summary(updated), error=updated.last_error)
        return updated

    def dot_sent(self, ref: str, letter_id: str) -> LetterRecord:
        """Recorded just before the final dot goes out: from now the server may have the letter."""
        with self.store.transaction(self.book.actor.name) as tx:
            letters = Letters(tx)
            letter = letters.get(ref.upper(), letter_id)
            if letter is None:
                raise NotFound(f"no letter {letter_id!r} on {ref!r}")
            if letter.status is not LetterStatus.SENDING:
                raise LetterStateError(f"letter {letter_id} is {letter.status}, not sending")
            updated = replace(letter, dot_sent_at=self.book.clock.now())
            letters.put(updated)
            tx.note(f"{letter.case_ref} letter-dot-sent {letter.id}")
        return updated


def _summary(letter: LetterRecord) -> str:
    words = {
        LetterStatus.AWAITING_APPROVAL: "submitted for the headteacher's approval",
        LetterStatus.APPROVED: "approved",
        LetterStatus.QUEUED: "queued"
        + (" again" if letter.attempts else "")
        + (f" (sent anyway, {letter.confirmed_by} confirmed)" if letter.confirmed_by else ""),
        LetterStatus.SENT: f"sent to {letter.recipient_email}",
        LetterStatus.FAILED: f"failed: {letter.last_error}",
        LetterStatus.OUTCOME_UNKNOWN: f"held for the office: {letter.last_error}",
        LetterStatus.HELD: f"held for the office, not sent: {letter.last_error}",
        LetterStatus.CANCELLED: "cancelled, not sent" + (f": {letter.last_error}" if letter.last_error else ""),
        LetterStatus.TO_POST: "waiting in the print queue (the parent prefers post)",
        LetterStatus.POSTED: "posted",
    }
    return f"Letter {letter.kind} {words.get(letter.status, letter.status.value)}"


def _meeting_facts(case: Case, kind: str) -> dict[str, Any]:
    """The meeting a meeting letter is about (the latest still to happen), to hold it once past."""
    if kind != "meeting-invitation":
        return {}
    pending = [m for m in case.meetings if not m.outcome]
    if not pending:
        return {}
    return {"meeting_event": pending[-1].event_id, "meeting_at": pending[-1].at}
