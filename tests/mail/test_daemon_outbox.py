"""Queued letters go out exactly once through a real SMTP server, or wait in the print queue."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
import weasyprint

from casework.config import Config
from casework.outbox import LetterMove, LetterRecord, LetterStatus
from casework.people import Channel
from casework.staff import Actor, Role
from mailer.imap_conn import connect
from mailer.sender import recover_sending, send_pending
from mailer.smtp_send import OutgoingLetter, build_letter
from store.casebook import Casebook
from store.outbox import Outbox
from tests.support.clock import FIXED
from tests.support.mailfixtures import school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.smtp import RecordingSmtp


@cache
def letter_pdf() -> bytes:
    """A real WeasyPrint PDF standing in for a rendered letter."""
    return bytes(weasyprint.HTML(string="<h1>Warning</h1><p>Dear Pat Parent</p>").write_pdf())


@pytest.fixture
def school(
    tmp_path: Path,
    dovecot: Dovecot,
    smtp_server: RecordingSmtp,
    imap_password_env: str,
    smtp_password_env: str,
) -> Config:
    imap = dovecot.imap_settings(
        imap_password_env, folder=unique_folder(), sent_folder=unique_folder()
    )
    return school_config(tmp_path, imap, smtp_server.smtp_settings(smtp_password_env))


def queued_letter(config: Config, channel: Channel = Channel.EMAIL) -> tuple[Outbox, LetterRecord]:
    book = Casebook(config, actor=Actor("Mrs Helen Head", Role.HEADTEACHER))
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Swore"
    )
    if channel is Channel.POST:
        person = book.person(case.subjects[0].person_id)
        book.put_person(replace(person, channel=Channel.POST, address=("1 Road", "Town")))
    outbox = Outbox(book)
    letter = outbox.add_draft(
        case.ref,
        "warning",
        letter_pdf(),
        subject="Warning letter",
        body_text="Dear Pat Parent,\n\nPlease find attached a letter.\n",
    )
    # The warning-first ladder asks the headteacher to approve warnings.
    assert letter.needs_approval
    outbox.move(case.ref, letter.id, LetterMove.APPROVE)
    return outbox, outbox.move(case.ref, letter.id, LetterMove.QUEUE)


def test_a_sent_letter_arrives_with_its_pdf_and_a_copy_in_sent(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    outbox, letter = queued_letter(school)
    assert school.mail is not None
    with connect(school.mail.imap) as session:
        counts = send_pending(outbox, school, session)
        assert counts.sent == 1
        sent = outbox.get(letter.case_ref, letter.id)
        assert sent.status is LetterStatus.SENT and sent.message_id
        assert session.find_sent(sent.message_id)
    (received,) = smtp_server.messages
    assert list(received.rcpt_tos) == ["pat@example.org"]
    msg = email.message_from_bytes(received.data, policy=email.policy.default)
    assert msg["Subject"] == f"[{letter.case_ref}] Warning letter"
    assert msg["Message-ID"] == sent.message_id
    (pdf,) = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"{letter.case_ref}-warning.pdf"
    assert pdf.get_content() == letter_pdf()
    events = [e.type.value for e in outbox.book.file(letter.case_ref).events]
    assert events[-1] == "letter-sent"
    # A second pass sends nothing more.
    assert send_pending(outbox, school).sent == 0 and len(smtp_server.messages) == 1


def test_a_parent_who_prefers_post_gets_the_print_queue(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    outbox, letter = queued_letter(school, Channel.POST)
    counts = send_pending(outbox, school)
    assert counts.to_post == 1 and smtp_server.messages == []
    waiting = outbox.get(letter.case_ref, letter.id)
    assert waiting.status is LetterStatus.TO_POST
    files = list(school.letters.print_queue.glob(f"{letter.case_ref}-warning-*.pdf"))
    assert len(files) == 1 and files[0].read_bytes() == letter_pdf()
    assert outbox.book.file(letter.case_ref).events[-1].type.value == "letter-to-post"


def test_421_retries_later_and_550_fails_with_the_reply(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    outbox, letter = queued_letter(school)
    smtp_server.knobs.reply_next = "421 4.3.0 Try again later"
    assert send_pending(outbox, school).retrying == 1
    waiting = outbox.get(letter.case_ref, letter.id)
    assert (
        waiting.status is LetterStatus.QUEUED
        and "421" in waiting.last_error
        and waiting.next_attempt
    )
    timeline = outbox.book.file(letter.case_ref).events
    assert "421" in timeline[-1].data.error  # visible on the case, never silent
    # Due again: the server now refuses for good.
    _make_due(outbox, waiting)
    smtp_server.knobs.reply_next = "550 5.1.1 No such user here"
    assert send_pending(outbox, school).failed == 1
    failed = outbox.get(letter.case_ref, letter.id)
    assert failed.status is LetterStatus.FAILED and "No such user here" in failed.last_error
    assert outbox.book.file(letter.case_ref).events[-1].type.value == "letter-failed"
    assert smtp_server.messages == []


def _make_due(outbox: Outbox, letter: LetterRecord) -> None:
    from store.records import Letters

    with outbox.store.transaction("test") as tx:
        current = Letters(tx).get(letter.case_ref, letter.id)
        assert current is not None
        Letters(tx).put(replace(current, next_attempt=None))


def test_a_crash_in_sending_with_the_copy_already_in_sent_is_not_sent_again(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    outbox, letter = queued_letter(school)
    assert school.mail is not None
    claimed = outbox.move(
        letter.case_ref, letter.id, LetterMove.CLAIM, message_id="<crash-1@stockham.sch.uk>"
    )
    # The crash came after the server took it and the copy reached Sent.
    outgoing = OutgoingLetter(
        case_ref=claimed.case_ref,
        kind=claimed.kind,
        to_name=claimed.recipient_name,
        to_address=claimed.recipient_email or "",
        subject="Warning letter",
        body_text="x",
        pdf=letter_pdf(),
        message_id=claimed.message_id,
        date=FIXED,
    )
    with connect(school.mail.imap) as session:
        session.append_sent(build_letter(outgoing, school.mail.smtp).as_bytes())
        counts = recover_sending(outbox, school, session)
    assert counts.recovered == 1 and smtp_server.messages == []
    assert outbox.get(letter.case_ref, letter.id).status is LetterStatus.SENT


def test_a_crash_in_sending_without_a_copy_is_sent_once_more(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    outbox, letter = queued_letter(school)
    assert school.mail is not None
    outbox.move(
        letter.case_ref, letter.id, LetterMove.CLAIM, message_id="<crash-2@stockham.sch.uk>"
    )
    with connect(school.mail.imap) as session:
        counts = recover_sending(outbox, school, session)
    assert counts.sent == 1
    (received,) = smtp_server.messages
    assert email.message_from_bytes(received.data)["Message-ID"] == "<crash-2@stockham.sch.uk>"


def test_a_letter_needing_approval_cannot_be_queued_unapproved(school: Config) -> None:
    from casework.outbox import LetterStateError

    book = Casebook(school, actor=Actor("ooffice", Role.OFFICE))  # the office, not the head
    case = book.open_case(name="Pat", email="pat@example.org", behaviours=["swearing"], summary="x")
    outbox = Outbox(book)
    letter = outbox.add_draft(case.ref, "warning", letter_pdf())
    with pytest.raises(LetterStateError, match="needs the approval of the deputy or the headteacher first"):
        outbox.move(case.ref, letter.id, LetterMove.QUEUE)
    outbox.move(case.ref, letter.id, LetterMove.SUBMIT)
    with pytest.raises(LetterStateError, match="only the deputy or the headteacher may"):
        outbox.move(case.ref, letter.id, LetterMove.APPROVE)
    assert outbox.get(case.ref, letter.id).status is LetterStatus.AWAITING_APPROVAL
