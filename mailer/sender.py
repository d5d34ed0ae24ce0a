"""One pass over the outbox: each queued letter goes out at most once, or to the print queue.

A letter's Message-ID is stored (status "sending") before the first byte goes to the
server, and the moment just before the final dot is stored too (``dot_sent_at``): until
then the server cannot have the letter, from then it may. The server's 250 to the dot is
recorded before QUIT. So a letter found in "sending" (a crash, a store failure) was either
never complete at the server (sent again, with the same Message-ID) or may have been
delivered: then the Sent folder is searched for its Message-ID (Microsoft 365 files what it
is given there), and a letter not found is held for the office ("outcome unknown") with
the facts, never sent again on its own. A timeout or a dropped connection after the dot
holds the letter the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from casework.config import Config
from casework.outbox import LetterMove, LetterRecord, LetterStatus
from casework.people import Channel
from mailer.backoff import backoff_delay
from mailer.credentials import SignIn
from mailer.errors import (
    ImapError,
    OutcomeUnknown,
    PermanentSendError,
    RecordingFailed,
    SecretError,
    TransientSendError,
)
from mailer.imap_conn import ImapSession
from mailer.smtp_send import (
    DOT_TIMEOUT_SECONDS,
    OutgoingLetter,
    SendResult,
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
    held: int = 0  # outcome unknown: held for the office
    errors: list[str] = field(default_factory=list)


def send_pending(
    outbox: Outbox,
    config: Config,
    session: ImapSession | None = None,
    *,
    signin: SignIn | None = None,
    dot_timeout: float = DOT_TIMEOUT_SECONDS,
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
        if (held := outbox.hold_if_passed(letter)) is not None:
            # Its meeting is past, the case moved on, or it waited too long: the office decides.
            counts.held += 1
            log.warning("letter %s held for the office: %s", letter.id, held.last_error)
            continue
        _send_one(outbox, config, letter, session, counts, signin, dot_timeout)
    return counts


def next_due(outbox: Outbox) -> datetime | None:
    """When the earliest queued letter is due: now for a new one, its retry time for the rest."""
    now = outbox.book.clock.now()
    times = [x.next_attempt or now for x in outbox.with_status(LetterStatus.QUEUED)]
    return min(times) if times else None


def recover_sending(
    outbox: Outbox,
    config: Config,
    session: ImapSession | None,
    *,
    signin: SignIn | None = None,
    dot_timeout: float = DOT_TIMEOUT_SECONDS,
) -> SendCounts:
    """Settle letters an interruption left in "sending" (see the module docstring).

    Call it only when no letter is being sent (the daemon does, before each pass).
    """
    counts = SendCounts()
    for letter in outbox.with_status(LetterStatus.SENDING):
        delivered = looked = False
        if session is not None and letter.message_id:
            try:
                delivered = session.find_sent(letter.message_id)
                looked = True
            except (ImapError, ValueError) as exc:
                log.warning("cannot look in Sent for %s: %s", letter.message_id, exc)
        if delivered:
            outbox.move(letter.case_ref, letter.id, LetterMove.SENT)
            counts.recovered += 1
            log.info("letter %s was already in Sent: marked sent", letter.id)
        elif letter.dot_sent_at is None:
            # Interrupted before the final dot: no server can have accepted it.
            log.info("letter %s was interrupted before it was complete: sending again", letter.id)
            _send_one(outbox, config, letter, session, counts, signin, dot_timeout)
        elif looked:
            at = letter.dot_sent_at.astimezone()
            sent_folder = config.mail.imap.sent_folder if config.mail else "Sent"
            facts = (
                "the daemon stopped after the whole letter reached the server at "
                f"{at:%d %b %H:%M:%S} and before the server's answer was recorded, and "
                f"{sent_folder} holds no copy (Message-ID {letter.message_id})"
            )
            _hold(outbox, letter, facts, counts)
        # Otherwise only the Sent folder can tell: wait for the mailbox rather than guess.
    return counts


def _hold(outbox: Outbox, letter: LetterRecord, facts: str, counts: SendCounts) -> None:
    what_to_do = (
        "It may or may not have reached the parent: check the mailbox's Sent folder or ask "
        f"them, then `conduct letter confirm-sent {letter.case_ref} {letter.id}` if it arrived "
        f"or `conduct letter retry {letter.case_ref} {letter.id}` to send it again"
    )
    outbox.move(
        letter.case_ref, letter.id, LetterMove.HOLD, error=f"Outcome unknown: {facts}. {what_to_do}."
    )
    counts.held += 1
    log.error("letter %s held for the office, outcome unknown: %s", letter.id, facts)


def _send_one(
    outbox: Outbox,
    config: Config,
    letter: LetterRecord,
    session: ImapSession | None,
    counts: SendCounts,
    signin: SignIn | None = None,
    dot_timeout: float = DOT_TIMEOUT_SECONDS,
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
    ref, lid = letter.case_ref, letter.id

    def before_dot() -> None:
        outbox.dot_sent(ref, lid)

    def on_accepted(result: SendResult) -> None:
        # Recorded the moment the 250 arrives, before QUIT: nothing after it can resend.
        outbox.move(ref, lid, LetterMove.SENT)

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
            send_letter(
                message,
                smtp,
                credential=credential,
                dot_timeout=dot_timeout,
                before_dot=before_dot,
                on_accepted=on_accepted,
            )
        except SmtpLoginError:
            if credential is not None and credential.oauth and signin and signin.keeper:
                # A revoked or early-expired token: the retry gets a fresh one.
                signin.keeper.invalidate("the SMTP server refused the token; renewing")
            raise
    except RecordingFailed as exc:
        # The store failed mid-send. The letter stays "sending": before the dot it will be
        # sent again; after the 250 the next pass finds it in Sent or holds it. Never a retry.
        log.error("letter %s: %s", letter.id, exc)
        raise exc.cause from exc
    except OutcomeUnknown as exc:
        _hold(outbox, letter, str(exc), counts)
        counts.errors.append(f"{letter.id}: {exc}")
        return
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
