"""Incoming mail into cases: threading rules, duplicates, skips and quarantine (store side)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from casework.mailrecords import MailOutcome
from casework.mailthread import IncomingMail, ThreadRule
from store.casebook import Casebook
from store.inbox import Inbox
from store.maillog import MailLog


def mail(uid: int, subject: str, sender: str = "pat@example.org", **kw: object) -> IncomingMail:
    raw = f"{uid}{subject}{sender}{kw}".encode()
    base = IncomingMail(
        sha256=hashlib.sha256(raw).hexdigest(),
        folder="INBOX",
        uidvalidity=7,
        uid=uid,
        message_id=f"<m{uid}@example.org>",
        sender_address=sender,
        sender_name="Pat Parent",
        subject=subject,
        date=None,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_a_message_opens_a_case_once_however_it_comes_back(book: Casebook) -> None:
    inbox = Inbox(book)
    first = inbox.ingest(mail(1, "Complaint about the head"))
    assert first.outcome is MailOutcome.OPENED and first.case_ref
    again = inbox.ingest(mail(1, "Complaint about the head"))
    assert again.duplicate and again.case_ref == first.case_ref
    # The mailbox was recreated: new UIDVALIDITY and UID, same Message-ID.
    moved = inbox.ingest(replace(mail(1, "Complaint about the head"), uidvalidity=8, uid=40))
    assert moved.duplicate and moved.case_ref == first.case_ref
    # No Message-ID: the hash identifies it.
    no_id = mail(5, "No id", message_id=None)
    assert inbox.ingest(no_id).outcome is MailOutcome.ATTACHED  # same sender, open case
    assert inbox.ingest(replace(no_id, uid=99)).duplicate
    assert len(book.cases()) == 1
    case = book.get(first.case_ref)
    assert case.subjects[0].name == "Pat Parent"


def test_threading_by_tag_reply_and_sender(book: Casebook) -> None:
    inbox = Inbox(book)
    a = inbox.ingest(mail(1, "First", sender="a@example.org"))
    b = inbox.ingest(mail(2, "Second", sender="b@example.org"))
    assert a.case_ref != b.case_ref
    tagged = inbox.ingest(mail(3, f"Re: [{a.case_ref}] letter", sender="c@example.org"))
    assert (tagged.case_ref, tagged.rule) == (a.case_ref, ThreadRule.TAG)
    reply = inbox.ingest(
        mail(4, "Re: Second", sender="d@example.org", in_reply_to=("<m2@example.org>",))
    )
    assert (reply.case_ref, reply.rule) == (b.case_ref, ThreadRule.IN_REPLY_TO)
    refs = inbox.ingest(
        mail(5, "Fwd", sender="e@example.org", references=("<x@y>", "<m2@example.org>"))
    )
    assert (refs.case_ref, refs.rule) == (b.case_ref, ThreadRule.REFERENCES)
    same_sender = inbox.ingest(mail(6, "Another thing", sender="A@Example.org"))
    assert (same_sender.case_ref, same_sender.rule) == (a.case_ref, ThreadRule.SENDER)
    rules = [
        e.data.rule for e in book.file(b.case_ref).events if e.type.value == "evidence-added"
    ]
    assert rules == [ThreadRule.NEW, ThreadRule.IN_REPLY_TO, ThreadRule.REFERENCES]


def test_staff_forwarding_a_report_opens_a_case_to_be_identified(book: Casebook) -> None:
    result = Inbox(book).ingest(mail(1, "Fwd: abusive message", sender="teacher@stockham.sch.uk"))
    case = book.get(result.case_ref or "")
    assert case.subjects[0].name == "To be identified"
    assert "Pat Parent" in case.reporter


def test_skipped_and_quarantined_are_listed_with_reasons(book: Casebook) -> None:
    inbox = Inbox(book)
    skipped = inbox.ingest(mail(1, "Out of office"), skip_reason="Auto-Submitted: auto-replied")
    assert skipped.outcome is MailOutcome.SKIPPED and skipped.case_ref is None
    assert book.cases() == []
    q = inbox.quarantine(sha256="a" * 64, folder="INBOX", uidvalidity=7, uid=2, error="boom")
    log = MailLog(book.store)
    assert [r.reason for r in log.skipped()] == ["Auto-Submitted: auto-replied"]
    assert [(r.quarantine_id, r.reason) for r in log.quarantined()] == [(q.quarantine_id, "boom")]


def test_splitting_an_email_moves_it_and_its_replies_to_a_new_case(book: Casebook) -> None:
    inbox = Inbox(book)
    first = inbox.ingest(mail(1, "About the car park", sender="pat@example.org"))
    wrong = inbox.ingest(mail(2, "Something else entirely", sender="pat@example.org"))
    assert wrong.case_ref == first.case_ref and wrong.rule == ThreadRule.SENDER
    assert first.case_ref is not None
    evidence = [e for e in book.file(first.case_ref).events if e.type.value == "evidence-added"]
    new = book.split_email(
        first.case_ref,
        evidence[1].id,
        name="Pat Parent",
        email="pat@example.org",
        behaviours=["swearing"],
        summary="Something else entirely",
    )
    moved = [e for e in book.file(new.ref).events if e.type.value == "evidence-added"]
    assert [e.data.sha256 for e in moved] == [evidence[1].data.sha256]
    old_events = [e.type.value for e in book.file(first.case_ref).events]
    assert old_events.count("evidence-added") == 2 and old_events[-1] == "email-split"
    reply = inbox.ingest(
        mail(3, "Re: Something else", sender="x@example.net", in_reply_to=("<m2@example.org>",))
    )
    assert reply.case_ref == new.ref
