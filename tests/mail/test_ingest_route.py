"""Ingest's one route: forged senders, bounded store records, named fates, the batch fallback."""

from __future__ import annotations

from pathlib import Path

from casework.mailthread import IncomingMail
from casework.payloads import EvidenceAdded
from mailer.daemon import Daemon
from mailer.ingest import Arrival, Fate, ingest_messages, ingest_raw
from mailtext import DISPLAY_NAME_LIMIT, SUBJECT_LIMIT
from store.casebook import Casebook
from store.db import Transaction
from store.inbox import Inbox, Ingested
from store.maillog import MailLog
from tests.support.mailfixtures import message, school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot

FLAG = ("\\Flagged",)
# The school's staff domain in the test config is stockham.sch.uk: a message from there
# would be a staff report, with the parent "to be identified".
FORGED = (
    b"From: =?utf-8?q?Evil=0D=0ABcc=3A_head=40stockham=2Esch=2Euk?= <evil@parents.example>\r\n"
    b"To: office@stockham.sch.uk\r\nSubject: About the trip\r\n"
    b"Date: Mon, 2 Nov 2026 09:30:00 +0000\r\nMessage-ID: <forged@parents.example>\r\n"
    b"\r\nYou will regret this.\r\n"
)


def test_a_forged_sender_opens_a_case_about_the_real_address(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    dovecot.deliver(FORGED, flags=FLAG, folder=folder)
    assert Daemon(config).run(once=True) == 0
    book = Casebook(config)
    (case,) = book.cases()
    (subject,) = case.subjects
    person = book.person(subject.person_id)
    assert person.emails == ("evil@parents.example",)
    assert not person.placeholder  # not a staff report with the parent "to be identified"
    assert case.reporter.endswith("(by email)") and "\n" not in case.reporter
    (record,) = MailLog(book.store).records()
    assert record.sender == "evil@parents.example"


def test_a_five_megabyte_subject_makes_a_bounded_store(book: Casebook) -> None:
    config = book.config
    before = _store_bytes(book)
    raw = message("S" * 5_000_000, sender=f"{'N' * 100_000} <pat@example.org>")
    handled = ingest_raw(raw, Inbox(book), config, folder="INBOX", uidvalidity=1, uid=1)
    assert handled.fate is Fate.OPENED
    case = book.get(handled.case_ref or "")
    assert len(case.summary) == SUBJECT_LIMIT and case.summary.endswith("\u2026")
    assert len(case.subjects[0].name) == DISPLAY_NAME_LIMIT
    (event,) = [e for e in book.file(case.ref).events if e.type.value == "evidence-added"]
    assert isinstance(event.data, EvidenceAdded)
    assert book.vault.get(event.data.sha256) == raw  # the vault keeps the whole message
    # Every copy of the subject in records, events, the audit log and the journal together.
    assert _store_bytes(book) - before < 100_000


def test_one_bad_message_in_a_batch_is_set_aside_and_the_rest_are_named(book: Casebook) -> None:
    config = book.config
    inbox = _BreaksOn("poison", book)
    arrivals = [
        Arrival("INBOX", 1, 1, message("First report", sender="A <a@example.org>")),
        Arrival("INBOX", 1, 2, message("poison", sender="B <b@example.org>")),
        Arrival("INBOX", 1, 3, b"\r\n\r\n"),  # no headers: quarantined before the store
        Arrival("INBOX", 1, 4, message("Out", headers={"Auto-Submitted": "auto-replied"})),
        Arrival("INBOX", 1, 5, message("First report", sender="A <a@example.org>")),
    ]
    handled = ingest_messages(arrivals, inbox, config)
    assert [(h.uid, h.fate) for h in handled] == [
        (1, Fate.OPENED),
        (2, Fate.QUARANTINED),
        (3, Fate.QUARANTINED),
        (4, Fate.SKIPPED),
        (5, Fate.ATTACHED),  # same sender, other bytes (a new Message-ID): joins the case
    ]
    assert inbox.batches == [4, 1, 1, 1, 1]  # the batch, then one at a time
    quarantined = MailLog(book.store).quarantined()
    assert sorted(q.uid for q in quarantined) == [2, 3]
    assert all(h.settled for h in handled)
    # The same messages again: nothing new, each named a duplicate.
    again = ingest_messages([arrivals[0], arrivals[3]], Inbox(book), config)
    assert [h.fate for h in again] == [Fate.DUPLICATE, Fate.DUPLICATE]


class _BreaksOn(Inbox):
    """An Inbox whose transaction fails on one subject, as a store bug or bad record would."""

    def __init__(self, subject: str, book: Casebook) -> None:
        super().__init__(book)
        self.subject = subject
        self.batches: list[int] = []

    def ingest_many(self, items: list[tuple[IncomingMail, str | None]]) -> list[Ingested]:  # type: ignore[override]
        self.batches.append(len(items))
        return super().ingest_many(items)

    def _ingest_in(self, tx: Transaction, mail: IncomingMail, skip_reason: str | None) -> Ingested:
        if mail.subject == self.subject:
            raise RuntimeError("the store refused this record")
        return super()._ingest_in(tx, mail, skip_reason)


def _store_bytes(book: Casebook) -> int:
    vault = book.vault.root
    return sum(
        p.stat().st_size
        for p in book.store.root.rglob("*")
        if p.is_file() and vault not in p.parents
    )
