"""One pass over the outbox: each queued letter goes out exactly once, or to the print queue.

A letter's Message-ID is stored (status "sending") before the first byte goes to the
server. A letter found in "sending" when the daemon starts was interrupted: if the Sent
folder holds that Message-ID it was delivered and is marked sent, otherwise it is sent
again with the same Message-ID.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from casework.config import Config
from casework.outbox import LetterMove, LetterRecord, LetterStatus
from casework.people import Channel
from mailer.backoff import backoff_delay
from mailer.credentials import SignIn
from mailer.errors import ImapError, PermanentSendError, SecretError, TransientSendError
from mailer.imap_conn import ImapSession
from mailer.smtp_send import (
    OutgoingLetter,
    SmtpLoginError,
    build_letter,
    make_message_id,
    send_letter,
)
from store.files import make_dir
from store.outbox import Outbox

log = logging.getLogger("conduct.mailer")


@dataclass
class SendCounts:
    """What one outbox pass did."""

    sent: int = 0
    to_post: int = 0
    retrying: int = 0
    failed: int = 0
    recovered: int = 0
    errors: list[str] = field(default_factory=list)


def send_pending(
    outbox: Outbox,
    config: Config,
    session: ImapSession | None = None,
    *,
    signin: SignIn | None = None,
) -> SendCounts:
    """Send every queued letter that is due; post letters go to the print queue.

    ``signin`` supplies the SMTP credential (the daemon's, holding the OAuth token).
    """
    counts = SendCounts()
    if config.mail is None:
        return counts
    for letter in outbox.with_status(LetterStatus.QUEUED):
        if letter.next_attempt is not None and letter.next_attempt > outbox.book.clock.now():
            continue
        _send_one(outbox, config, letter, session, counts, signin)
    return counts


def recover_sending(
    outbox: Outbox,
    config: Config,
    session: ImapSession | None,
    *,
    signin: SignIn | None = None,
) -> SendCounts:
    """Settle letters a crash left in "sending": marked sent if Sent has them, else sent again."""
    counts = SendCounts()
    for letter in outbox.with_status(LetterStatus.SENDING):
        delivered = False
        if session is not None and letter.message_id:
            try:
                delivered = session.find_sent(letter.message_id)
            except (ImapError, ValueError) as exc:
                log.warning("cannot look in Sent for %s: %s", letter.message_id, exc)
                # Without the answer we must not risk a second copy: try again next start.
                continue
        if delivered:
            outbox.move(letter.case_ref, letter.id, LetterMove.SENT)
            counts.recovered += 1
            log.info("letter %s was already in Sent: marked sent", letter.id)
        else:
            _send_one(outbox, config, letter, session, counts, signin)
    return counts


def _send_one(
    outbox: Outbox,
    config: Config,
    letter: LetterRecord,
    session: ImapSession | None,
    counts: SendCounts,
    signin: SignIn | None = None,
) -> None:
    assert config.mail is not None
    if letter.channel is Channel.POST or not letter.recipient_email:
        _to_print_queue(outbox, config, letter)
        counts.to_post += 1
        return
    smtp = config.mail.smtp
    if letter.status is LetterStatus.QUEUED:
        message_id = make_message_id(smtp.from_address)
        letter = outbox.move(letter.case_ref, letter.id, LetterMove.CLAIM, message_id=message_id)
    try:
        vault = outbox.book.vault
        outgoing = OutgoingLetter(
            case_ref=letter.case_ref,
            kind=letter.kind,
            to_name=letter.recipient_name,
            to_address=letter.recipient_email or "",
            subject=letter.subject or f"Letter from {config.school.name}",
            body_text=letter.body_text or _default_body(config, letter),
            pdf=vault.get(letter.pdf_sha256),
            message_id=letter.message_id,
            ics=vault.get(letter.ics_sha256) if letter.ics_sha256 else None,
            date=outbox.book.clock.now(),
        )
        message = build_letter(outgoing, smtp)
        credential = signin.smtp() if signin is not None else None
        try:
            send_letter(message, smtp, credential=credential)
        except SmtpLoginError:
            if credential is not None and credential.oauth and signin and signin.keeper:
                # A revoked or early-expired token: the retry gets a fresh one.
                signin.keeper.invalidate("the SMTP server refused the token; renewing")
            raise
    except PermanentSendError as exc:
        outbox.move(letter.case_ref, letter.id, LetterMove.FAIL, error=str(exc))
        counts.failed += 1
        counts.errors.append(f"{letter.id}: {exc}")
        log.error("letter %s failed for good: %s", letter.id, exc)
        return
    except (TransientSendError, SecretError, OSError) as exc:
        delay = backoff_delay(letter.attempts)
        when = outbox.book.clock.now() + timedelta(seconds=delay)
        outbox.move(letter.case_ref, letter.id, LetterMove.DEFER, error=str(exc), retry_at=when)
        counts.retrying += 1
        counts.errors.append(f"{letter.id}: {exc}")
        log.warning("letter %s will be retried in %.0f s: %s", letter.id, delay, exc)
        return
    outbox.move(letter.case_ref, letter.id, LetterMove.SENT)
    counts.sent += 1
    log.info("letter %s (%s) sent to %s", letter.id, letter.kind, letter.recipient_email)
    if session is not None:
        try:
            session.append_sent(message.as_bytes())
        except ImapError as exc:
            # The letter is delivered; the copy is a convenience, and its absence is logged.
            log.warning("letter %s sent, but its copy could not be put in Sent: %s", letter.id, exc)


def _to_print_queue(outbox: Outbox, config: Config, letter: LetterRecord) -> None:
    folder = config.letters.print_queue
    make_dir(folder)
    target = folder / f"{letter.case_ref}-{letter.kind}-{letter.id}.pdf"
    if not target.exists():
        target.write_bytes(outbox.pdf(letter))
        target.chmod(0o600)
    outbox.move(letter.case_ref, letter.id, LetterMove.TO_POST)
    log.info("letter %s is waiting in the print queue: %s", letter.id, target)


def _default_body(config: Config, letter: LetterRecord) -> str:
    return (
        f"Dear {letter.recipient_name},\n\n"
        f"Please find attached a letter from {config.school.name} ({letter.case_ref}).\n\n"
        f"{config.mail.smtp.from_name if config.mail else 'School Office'}\n"
    )
