"""An SMTP server that fails in every way a real one can: each letter is delivered at most once.

A 250 to the final dot means sent, whatever QUIT answers; a server that goes quiet or hangs
up after the dot may have the letter, so it is held for the office, never sent again on its
own; a refusal before the dot is retried (4xx) or failed (5xx).
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casework.config import Config
from casework.outbox import LetterMove, LetterStatus
from mailer.imap_conn import connect
from mailer.sender import recover_sending, send_pending
from store.outbox import Outbox
from tests.support.mailfixtures import school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.outbox_letters import make_due, queued_letter

ROOT = Path(__file__).resolve().parents[2]


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


def deliveries(server: RecordingSmtp, message_id: str) -> int:
    """How many copies of the letter with this Message-ID the server has taken."""
    return sum(
        1 for m in server.messages if email.message_from_bytes(m.data)["Message-ID"] == message_id
    )


@pytest.mark.parametrize("quit_reply", ["421 4.4.2 Closing connection", "554 5.3.0 Oops"])
def test_a_250_to_the_dot_is_sent_whatever_quit_answers(
    school: Config, smtp_server: RecordingSmtp, quit_reply: str
) -> None:
    outbox, letter = queued_letter(school)
    smtp_server.knobs.quit_reply_next = quit_reply
    counts = send_pending(outbox, school)
    assert (counts.sent, counts.retrying, counts.failed) == (1, 0, 0)
    sent = outbox.get(letter.case_ref, letter.id)
    assert sent.status is LetterStatus.SENT and sent.last_error == ""
    # Nothing is waiting to go again, now or later.
    make_due(outbox, sent)
    assert send_pending(outbox, school).sent == 0
    assert deliveries(smtp_server, sent.message_id) == 1


@pytest.mark.parametrize("knob", ["silent_after_dot_next", "hangup_after_dot_next"])
def test_no_answer_to_the_dot_holds_the_letter_and_never_resends_it(
    school: Config, smtp_server: RecordingSmtp, knob: str
) -> None:
    outbox, letter = queued_letter(school)
    setattr(smtp_server.knobs, knob, True)
    # RFC 5321 gives the dot ten minutes; the test shortens the wait, not the rule.
    counts = send_pending(outbox, school, dot_timeout=2.0)
    assert (counts.held, counts.sent, counts.retrying, counts.failed) == (1, 0, 0, 0)
    held = outbox.get(letter.case_ref, letter.id)
    assert held.status is LetterStatus.OUTCOME_UNKNOWN
    assert "may or may not" in held.last_error and "confirm-sent" in held.last_error
    assert held.dot_sent_at is not None
    timeline = outbox.book.file(letter.case_ref).events
    assert timeline[-1].type.value == "letter-outcome-unknown"
    # The server did take it: sending again on our own would be the duplicate.
    for _ in range(2):
        assert send_pending(outbox, school).sent == 0
        assert recover_sending(outbox, school, None).sent == 0
    assert deliveries(smtp_server, held.message_id) == 1


def test_the_office_sees_a_held_letter_and_decides(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    outbox, letter = queued_letter(school)
    smtp_server.knobs.silent_after_dot_next = True
    send_pending(outbox, school, dot_timeout=1.0)
    listed = conduct(school, "letter", "list", "--status", "outcome-unknown")
    assert letter.id in listed.stdout and "outcome-unknown" in listed.stdout
    assert f"conduct letter confirm-sent {letter.case_ref} {letter.id}" in listed.stdout
    from store.listing import read_listing

    board = read_listing(outbox.book, outbox.book.clock.today())
    assert [x.status for x in board.outbox if x.id == letter.id] == [LetterStatus.OUTCOME_UNKNOWN]
    # The office found it in Sent: it is recorded as sent, and nothing goes again.
    done = conduct(school, "letter", "confirm-sent", letter.case_ref, letter.id)
    assert done.returncode == 0, done.stderr
    assert outbox.get(letter.case_ref, letter.id).status is LetterStatus.SENT
    assert send_pending(outbox, school).sent == 0 and len(smtp_server.messages) == 1


def test_the_office_may_send_a_held_letter_again(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    outbox, letter = queued_letter(school)
    smtp_server.knobs.hangup_after_dot_next = True
    send_pending(outbox, school, dot_timeout=1.0)
    refused = conduct(school, "letter", "confirm-sent", letter.case_ref, "L-nope")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    again = conduct(school, "letter", "retry", letter.case_ref, letter.id)
    assert again.returncode == 0, again.stderr
    assert send_pending(outbox, school).sent == 1
    sent = outbox.get(letter.case_ref, letter.id)
    assert sent.status is LetterStatus.SENT and sent.dot_sent_at is None
    # Asked for by the office, with the same Message-ID, so the parent's mail shows one letter.
    assert deliveries(smtp_server, sent.message_id) == 2


@pytest.mark.parametrize(
    "knob, reply",
    [
        ("rcpt_reply_next", "450 4.2.1 Mailbox busy, try later"),
        ("data_command_reply_next", "451 4.3.0 Local error, try later"),
        ("reply_next", "421 4.3.0 Try again later"),
    ],
)
def test_a_4xx_before_or_to_the_dot_is_retried_when_due(
    school: Config, smtp_server: RecordingSmtp, knob: str, reply: str
) -> None:
    outbox, letter = queued_letter(school)
    setattr(smtp_server.knobs, knob, reply)
    assert send_pending(outbox, school).retrying == 1
    waiting = outbox.get(letter.case_ref, letter.id)
    assert waiting.status is LetterStatus.QUEUED and waiting.next_attempt is not None
    assert reply.split()[0] in waiting.last_error and waiting.dot_sent_at is None
    assert send_pending(outbox, school).sent == 0  # not due yet
    make_due(outbox, waiting)
    assert send_pending(outbox, school).sent == 1
    assert deliveries(smtp_server, waiting.message_id) == 1


@pytest.mark.parametrize(
    "knob, reply",
    [
        ("rcpt_reply_next", "550 5.1.1 No such user here"),
        ("data_command_reply_next", "554 5.7.1 Not allowed"),
        ("reply_next", "552 5.3.4 Message too big"),
    ],
)
def test_a_5xx_fails_the_letter_with_the_reply(
    school: Config, smtp_server: RecordingSmtp, knob: str, reply: str
) -> None:
    outbox, letter = queued_letter(school)
    setattr(smtp_server.knobs, knob, reply)
    assert send_pending(outbox, school).failed == 1
    failed = outbox.get(letter.case_ref, letter.id)
    assert failed.status is LetterStatus.FAILED and reply[4:] in failed.last_error
    assert outbox.book.file(letter.case_ref).events[-1].type.value == "letter-failed"
    assert smtp_server.messages == []


def test_a_connection_dropped_part_way_through_the_data_is_retried(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    # Larger than every socket buffer between us and the server, so the hang-up comes
    # while the letter is still being written: the final dot never left.
    outbox, letter = queued_letter(school, pdf=b"%PDF-1.4\n" + os.urandom(16 * 1024 * 1024))
    smtp_server.knobs.drop_next_in_data = True
    assert send_pending(outbox, school).retrying == 1
    waiting = outbox.get(letter.case_ref, letter.id)
    assert waiting.dot_sent_at is None and waiting.status is LetterStatus.QUEUED
    make_due(outbox, waiting)
    assert send_pending(outbox, school).sent == 1
    (received,) = smtp_server.messages
    assert email.message_from_bytes(received.data)["Message-ID"] == waiting.message_id


def test_a_crash_after_the_dot_is_found_in_sent_or_held(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    assert school.mail is not None
    outbox, first = queued_letter(school)
    _, second = queued_letter(school, name="Sam Parent", email="sam@example.org")
    for letter, mid in (
        (first, "<crash-a@stockham.sch.uk>"),
        (second, "<crash-b@stockham.sch.uk>"),
    ):
        outbox.move(letter.case_ref, letter.id, LetterMove.CLAIM, message_id=mid)
        outbox.dot_sent(letter.case_ref, letter.id)
    # The server filed the first in Sent (as Microsoft 365 does); of the second there is no trace.
    with connect(school.mail.imap) as session:
        session.append_sent(
            b"From: office@stockham.sch.uk\r\nMessage-ID: <crash-a@stockham.sch.uk>\r\n"
            b"Subject: x\r\n\r\nbody\r\n"
        )
        counts = recover_sending(outbox, school, session)
    assert (counts.recovered, counts.held, counts.sent) == (1, 1, 0)
    assert outbox.get(first.case_ref, first.id).status is LetterStatus.SENT
    held = outbox.get(second.case_ref, second.id)
    assert held.status is LetterStatus.OUTCOME_UNKNOWN and "holds no copy" in held.last_error
    assert smtp_server.messages == []


def test_a_crash_after_the_dot_waits_for_the_mailbox_before_deciding(
    school: Config, smtp_server: RecordingSmtp
) -> None:
    outbox, letter = queued_letter(school)
    outbox.move(
        letter.case_ref, letter.id, LetterMove.CLAIM, message_id="<crash-c@stockham.sch.uk>"
    )
    outbox.dot_sent(letter.case_ref, letter.id)
    counts = recover_sending(outbox, school, None)  # IMAP is down: Sent cannot be searched
    assert (counts.held, counts.sent) == (0, 0)
    assert outbox.get(letter.case_ref, letter.id).status is LetterStatus.SENDING


def test_the_store_failing_to_record_the_250_never_sends_the_letter_again(
    school: Config, smtp_server: RecordingSmtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert school.mail is not None
    outbox, letter = queued_letter(school)
    with connect(school.mail.imap) as filer:
        # This server files what it is given in Sent, as Microsoft 365 does.
        smtp_server.file_in_sent = filer.append_sent

        with monkeypatch.context() as m:
            m.setattr(Outbox, "move", full_disk_on_sent(Outbox.move))
            with pytest.raises(OSError, match="No space"):
                send_pending(outbox, school)
        smtp_server.file_in_sent = None
    stuck = outbox.get(letter.case_ref, letter.id)
    assert stuck.status is LetterStatus.SENDING and stuck.dot_sent_at is not None
    assert send_pending(outbox, school).sent == 0
    with connect(school.mail.imap) as session:
        assert recover_sending(outbox, school, session).recovered == 1
    assert outbox.get(letter.case_ref, letter.id).status is LetterStatus.SENT
    assert deliveries(smtp_server, stuck.message_id) == 1


def full_disk_on_sent(move):  # type: ignore[no-untyped-def]
    """Outbox.move, failing as on a full disk when it would record a letter as sent."""

    def wrapped(self, ref, letter_id, what, **kw):  # type: ignore[no-untyped-def]
        if what is LetterMove.SENT:
            raise OSError(28, "No space left on device")
        return move(self, ref, letter_id, what, **kw)

    return wrapped


def conduct(config: Config, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line against this school (a config.toml written for it)."""
    path = config.path
    return subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(path), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        timeout=120,
    )
