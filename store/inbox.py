"""Incoming mail into cases: one transaction per message, never a second case for one message."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

from casework.cases import Case, CaseStatus
from casework.events import EventType, make_event
from casework.mailrecords import MailOutcome, MailRecord
from casework.mailthread import IncomingMail, ThreadRule, is_staff, reply_ids, tagged_ref
from casework.payloads import EvidenceAdded, EvidenceKind, Text
from casework.record import record
from casework.serial import from_json
from store.casebook import Casebook
from store.db import Transaction
from store.disposal import unlink_unused
from store.maillog import Messages
from store.records import Cases, People

DAEMON = "conduct-daemon"


@record
class Ingested:
    """What became of one message."""

    outcome: MailOutcome
    case_ref: str | None
    rule: ThreadRule | None
    duplicate: bool = False


class Inbox:
    """Turns flagged messages into cases or case evidence."""

    def __init__(self, book: Casebook) -> None:
        self.book = book
        self.store = book.store

    def known_uids(self, folder: str, uidvalidity: int) -> set[int]:
        """UIDs of this folder (at this UIDVALIDITY) already handled, quarantined ones included.

        There is no need to fetch them again: a quarantined message is retried from the vault.
        """
        with self.store.reading() as tx:
            return {
                int(d["uid"])
                for d in Messages(tx).docs()
                if d["folder"] == folder and d["uidvalidity"] == uidvalidity
            }

    def ingest(self, mail: IncomingMail, skip_reason: str | None = None) -> Ingested:
        """Record a message whose raw bytes are already in the vault; idempotent."""
        return self.ingest_many([(mail, skip_reason)])[0]

    def ingest_many(self, items: Sequence[tuple[IncomingMail, str | None]]) -> list[Ingested]:
        """Record several messages in one transaction: all of them, or (on an error) none."""
        with self.store.transaction(DAEMON) as tx:
            return [self._ingest_in(tx, mail, skip) for mail, skip in items]

    def _ingest_in(self, tx: Transaction, mail: IncomingMail, skip_reason: str | None) -> Ingested:
        """One message inside the caller's transaction."""
        messages = Messages(tx)
        # The same bytes are the same message, wherever and however often they come back.
        seen = messages.get(mail.sha256)
        if seen is not None and seen.outcome is MailOutcome.DISPOSED:
            # A message whose records were disposed of, seen again (a server that keeps no
            # keywords, a new UIDVALIDITY): it was read into the vault to be recognised, and
            # its bytes and attachments go again, as the disposal decided.
            gone = unlink_unused(tx, {mail.sha256, *(a.sha256 for a in mail.attachments)})
            tx.note(f"mail {mail.sha256[:12]} was disposed of before; {len(gone)} file(s) removed")
        if seen is not None and not (seen.outcome is MailOutcome.QUARANTINED and not seen.resolved):
            if (seen.folder, seen.uidvalidity, seen.uid) != (
                mail.folder,
                mail.uidvalidity,
                mail.uid,
            ):
                # Same message under a new UIDVALIDITY or a redelivery: remember where it is now.
                messages.put(
                    replace(seen, folder=mail.folder, uidvalidity=mail.uidvalidity, uid=mail.uid)
                )
                tx.note(
                    f"mail {mail.sha256[:12]} re-matched at {mail.folder}/{mail.uidvalidity}/{mail.uid}"
                )
            return Ingested(seen.outcome, seen.case_ref, seen.rule, duplicate=True)
        # The same Message-ID on other bytes is another message: kept, and the clash shown.
        clash = next(
            (r for r in messages.with_message_id(mail.message_id) if r.sha256 != mail.sha256),
            None,
        )
        clash_text = _clash_text(mail, clash) if clash else ""
        if clash:
            tx.note(f"mail {mail.sha256[:12]} reuses the Message-ID of mail {clash.sha256[:12]}")
        if skip_reason:
            reason = f"{skip_reason}; {clash_text}" if clash_text else skip_reason
            messages.put(self._record(mail, MailOutcome.SKIPPED, None, None, reason, clash))
            tx.note(f"mail {mail.sha256[:12]} skipped: {skip_reason}")
            return Ingested(MailOutcome.SKIPPED, None, None)
        case, rule = self._thread(tx, mail)
        outcome = MailOutcome.ATTACHED
        if case is None:
            case = self._open_from(tx, mail)
            outcome, rule = MailOutcome.OPENED, ThreadRule.NEW
        self._add_evidence(tx, case, mail, rule, clash)
        messages.put(self._record(mail, outcome, case.ref, rule, clash_text, clash))
        if clash and clash.case_ref and clash.case_ref != case.ref:
            self._tell_other_case(tx, clash, mail, case.ref)
        return Ingested(outcome, case.ref, rule)

    def _tell_other_case(
        self, tx: Transaction, clash: MailRecord, mail: IncomingMail, ref: str
    ) -> None:
        """The earlier email's case learns that a different email now carries its Message-ID."""
        assert clash.case_ref is not None
        text = (
            f"A different email from {mail.sender_address or 'an unknown sender'} "
            f"({mail.subject or 'no subject'}) reuses the Message-ID {mail.message_id} of an email "
            f"on this case; it is kept on {ref}"
        )
        note = make_event(
            clash.case_ref, DAEMON, EventType.NOTE, text, Text(text), at=self.book.clock.now()
        )
        self.book.record_in(tx, clash.case_ref, [note])

    def quarantine(
        self,
        *,
        sha256: str,
        folder: str,
        uidvalidity: int,
        uid: int,
        error: str,
        subject: str = "",
        sender: str = "",
        message_id: str | None = None,
        size: int = 0,
    ) -> MailRecord:
        """Set a message aside with its raw bytes (already in the vault) and the error."""
        record = MailRecord(
            sha256=sha256,
            folder=folder,
            uidvalidity=uidvalidity,
            uid=uid,
            message_id=message_id,
            outcome=MailOutcome.QUARANTINED,
            recorded=self.book.clock.now(),
            reason=error[:2000],
            subject=subject,
            sender=sender,
            size=size,
            quarantine_id=f"Q{os.urandom(3).hex()}",
        )
        with self.store.transaction(DAEMON) as tx:
            messages = Messages(tx)
            existing = messages.get(sha256)
            if existing is not None and existing.outcome is MailOutcome.QUARANTINED:
                record = replace(existing, reason=record.reason, recorded=record.recorded)
            elif existing is not None:
                return existing
            messages.put(record)
            # The error may quote the message (an address, a subject): the record keeps it,
            # the audit log only the fact.
            tx.note(f"mail {sha256[:12]} quarantined")
        return record

    def _record(
        self,
        mail: IncomingMail,
        outcome: MailOutcome,
        ref: str | None,
        rule: ThreadRule | None,
        reason: str,
        clash: MailRecord | None = None,
    ) -> MailRecord:
        return MailRecord(
            sha256=mail.sha256,
            folder=mail.folder,
            uidvalidity=mail.uidvalidity,
            uid=mail.uid,
            message_id=mail.message_id,
            outcome=outcome,
            recorded=self.book.clock.now(),
            case_ref=ref,
            rule=rule,
            reason=reason,
            subject=mail.subject,
            sender=mail.sender_address,
            size=mail.size,
            id_clash=clash.sha256 if clash else "",
        )

    def _thread(self, tx: Transaction, mail: IncomingMail) -> tuple[Case | None, ThreadRule]:
        cases = Cases(tx)
        ref = tagged_ref(mail.subject)
        if ref:
            case = cases.get(ref)
            if case is not None:
                return case, ThreadRule.TAG
        for mid, rule in reply_ids(mail):
            found = Messages(tx).case_for_message_ids([mid])
            if found:
                case = cases.get(found[1])
                if case is not None:
                    return case, rule
        if not is_staff(mail.sender_address, self.book.config.school.staff_domains):
            person = People(tx).by_email(mail.sender_address)
            if person is not None:
                # Filter raw documents first: decoding every case per message is the slow part.
                open_docs = [
                    d
                    for d in cases.raw()
                    if d["status"] == CaseStatus.OPEN.value
                    and any(sub["person_id"] == person.id for sub in d["subjects"])
                ]
                if open_docs:
                    latest = max(open_docs, key=lambda d: str(d["last_activity"]))
                    return from_json(Case, latest), ThreadRule.SENDER
        return None, ThreadRule.NEW

    def _open_from(self, tx: Transaction, mail: IncomingMail) -> Case:
        staff = is_staff(mail.sender_address, self.book.config.school.staff_domains)
        if staff:
            # A member of staff forwarded a report: the parent is not yet known.
            person = self.book.find_or_add_person(tx, None, None)
            reporter = mail.sender_name or mail.sender_address
        else:
            person = self.book.find_or_add_person(
                tx, mail.sender_name or mail.sender_address, mail.sender_address
            )
            reporter = f"{mail.sender_name or mail.sender_address} (by email)"
        summary = mail.subject.strip() or "(no subject)"
        return self.book.open_case_in(tx, person, behaviours=[], summary=summary, reporter=reporter)

    def _add_evidence(
        self,
        tx: Transaction,
        case: Case,
        mail: IncomingMail,
        rule: ThreadRule,
        clash: MailRecord | None,
    ) -> None:
        who = (
            f"{mail.sender_name} <{mail.sender_address}>"
            if mail.sender_name
            else mail.sender_address
        )
        evidence = EvidenceAdded(
            kind=EvidenceKind.EMAIL,
            sha256=mail.sha256,
            name=f"{case.ref}-email-{mail.uid}.eml",
            size=mail.size,
            message_id=mail.message_id,
            sender=mail.sender_address,
            subject=mail.subject,
            date=mail.date,
            rule=rule,
            folder=mail.folder,
            uidvalidity=mail.uidvalidity,
            uid=mail.uid,
            attachments=mail.attachments,
            excerpt=mail.text[:500],
            id_clash=clash.sha256 if clash else "",
        )
        summary = f"Email from {who}: {mail.subject}"
        if clash:
            summary += f" (WARNING: {_clash_text(mail, clash)})"
        event = make_event(
            case.ref,
            DAEMON,
            EventType.EVIDENCE_ADDED,
            summary,
            evidence,
            at=self.book.clock.now(),
        )
        self.book.record_in(tx, case.ref, [event])


def _clash_text(mail: IncomingMail, clash: MailRecord) -> str:
    """The clash in words, for the timeline and the mail list."""
    where = f"on {clash.case_ref}" if clash.case_ref else clash.outcome.value
    return (
        f"its Message-ID {mail.message_id} is also on a different email, "
        f"from {clash.sender or 'an unknown sender'}, {where}, SHA-256 {clash.sha256[:12]}"
    )
