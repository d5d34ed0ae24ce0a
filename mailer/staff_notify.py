"""Telling staff: policy notices, approval reminders and the daily digest, by the daemon's SMTP.

Recipients come from the staff register by role. Every message is plain text naming cases
by reference, with no evidence attached, and is claimed in the store before it is sent, so
it goes at most once, across a restart too (``store.staff_mail``; notices in
``store.notices``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from casework.config import Config
from casework.digest import SECTIONS, SectionFn, approval_text, digest_text
from casework.outbox import DEFAULT_APPROVERS, LetterRecord, LetterStatus
from casework.staff import Role, StaffRegister
from mailer.credentials import SignIn
from mailer.errors import OutcomeUnknown, PermanentSendError, SecretError, TransientSendError
from mailer.notices import send_due_notices
from mailer.smtp_send import make_message_id, send_letter
from store.casebook import Casebook
from store.outbox import Outbox
from store.staff import load_register
from store.staff_mail import SentLog, digest_facts

log = logging.getLogger("conduct.mailer")
# The digest goes to the headteacher and the office.
DIGEST_ROLES = (Role.HEADTEACHER, Role.OFFICE)


@dataclass
class StaffCounts:
    """What one pass told staff."""

    notices: int = 0
    reminders: int = 0
    digests: int = 0
    errors: list[str] = field(default_factory=list)


def staff_pass(
    book: Casebook,
    config: Config,
    *,
    signin: SignIn | None = None,
    sections: Sequence[SectionFn] = SECTIONS,
) -> StaffCounts:
    """Send what is due to staff now: notices, approval reminders, today's digest."""
    counts = StaffCounts()
    if config.mail is None:
        return counts
    register = load_register(book.store)
    notices = send_due_notices(book, config, register)
    counts.notices, counts.errors = notices.sent, list(notices.errors)
    if not register.members:
        return counts  # nobody on the staff register (a single-user install): nobody to tell
    sent = SentLog(book.store, book.actor.name)
    counts.reminders = _approval_reminders(book, config, register, sent, signin, counts)
    counts.digests = _digest(book, config, register, sent, signin, sections, counts)
    return counts


def _approval_reminders(
    book: Casebook,
    config: Config,
    register: StaffRegister,
    sent: SentLog,
    signin: SignIn | None,
    counts: StaffCounts,
) -> int:
    """At most one message per window to each set of approvers, naming letters not yet told."""
    waiting = Outbox(book).with_status(LetterStatus.AWAITING_APPROVAL)
    groups: dict[tuple[str, ...], list[LetterRecord]] = {}
    for letter in waiting:
        groups.setdefault(letter.approvers or DEFAULT_APPROVERS, []).append(letter)
    now, window = book.clock.now(), timedelta(minutes=config.staff.approval_reminder_minutes)
    done = 0
    for roles, letters in sorted(groups.items()):
        prefix = f"approval:{'+'.join(roles)}:"
        fresh = [x for x in letters if sent.get(prefix + x.id) is None]
        last = sent.latest(prefix)
        if not fresh or (last is not None and now - last.at < window):
            continue
        to = tuple(m.email for m in register.holders(*roles))
        keys = tuple(prefix + x.id for x in fresh)
        if not to:
            _nobody(sent, keys, now, f"letters wait for approval but nobody holds {', '.join(roles)}", counts)
            continue
        subject, body = approval_text(letters, now)
        done += _send(book, config, sent, keys, to, subject, body, signin, counts)
    return done


def digest_due_at(config: Config, book: Casebook) -> datetime:
    """Today's digest time, in the school's local time."""
    today = book.clock.today()
    local = book.clock.now().astimezone().tzinfo
    return datetime.combine(today, config.staff.digest_at, tzinfo=local)


def _digest(
    book: Casebook,
    config: Config,
    register: StaffRegister,
    sent: SentLog,
    signin: SignIn | None,
    sections: Sequence[SectionFn],
    counts: StaffCounts,
) -> int:
    now = book.clock.now()
    key = f"digest:{book.clock.today().isoformat()}"
    if now < digest_due_at(config, book) or sent.get(key) is not None:
        return 0
    to = tuple(dict.fromkeys(m.email for m in register.holders(*DIGEST_ROLES)))
    if not to:
        _nobody(sent, (key,), now, "the digest has nobody to go to: no headteacher or office on the register", counts)
        return 0
    subject, body = digest_text(digest_facts(book), sections)
    return _send(book, config, sent, (key,), to, subject, body, signin, counts)


def _nobody(sent: SentLog, keys: tuple[str, ...], now: datetime, why: str, counts: StaffCounts) -> None:
    """Nobody holds the role: recorded as failed once (so said once), not tried every pass."""
    if sent.claim(keys, (), now):
        sent.finish(keys, error=why)
        counts.errors.append(why)


def next_staff_due(book: Casebook, config: Config) -> datetime | None:
    """When staff must next be told: the digest (today's, else tomorrow's), or the end of an
    approval reminder's quiet window while letters wait untold."""
    if config.mail is None or not load_register(book.store).members:
        # As staff_pass: nobody on the register, nobody to tell. A digest "due" that is never
        # sent would end every wait at once, and the daemon would spin, rewriting its health.
        return None
    sent = SentLog(book.store, book.actor.name)
    due = digest_due_at(config, book)
    if sent.get(f"digest:{book.clock.today().isoformat()}"):
        due += timedelta(days=1)
    window = timedelta(minutes=config.staff.approval_reminder_minutes)
    for letter in Outbox(book).with_status(LetterStatus.AWAITING_APPROVAL):
        prefix = f"approval:{'+'.join(letter.approvers or DEFAULT_APPROVERS)}:"
        last = sent.latest(prefix)
        if sent.get(prefix + letter.id) is None and last is not None:
            due = min(due, last.at + window)
    return due


def _send(
    book: Casebook,
    config: Config,
    sent: SentLog,
    keys: tuple[str, ...],
    to: tuple[str, ...],
    subject: str,
    body: str,
    signin: SignIn | None,
    counts: StaffCounts,
) -> int:
    """Claim, then send once: a refusal before the message was whole is tried again next pass;
    a permanent failure, or no answer after the final dot, is recorded and never retried."""
    assert config.mail is not None
    smtp = config.mail.smtp
    if not sent.claim(keys, to, book.clock.now()):
        return 0
    msg = EmailMessage()
    msg["From"] = Address(display_name=smtp.from_name, addr_spec=smtp.from_address)
    msg["To"] = [Address(addr_spec=a) for a in to]
    msg["Subject"] = subject
    msg["Date"] = format_datetime(book.clock.now())
    msg["Message-ID"] = make_message_id(smtp.from_address)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    try:
        send_letter(msg, smtp, credential=signin.smtp() if signin is not None else None)
    except (TransientSendError, SecretError) as exc:
        # Refused or cut off before the message was whole: nobody has it; try next pass.
        sent.release(keys)
        counts.errors.append(f"{keys[0]}: {exc}")
        log.warning("staff message %s not sent yet: %s", keys[0], exc)
        return 0
    except (PermanentSendError, OutcomeUnknown, OSError) as exc:
        sent.finish(keys, error=str(exc))
        counts.errors.append(f"{keys[0]}: {exc}")
        log.error("staff message %s to %s failed: %s", keys[0], ", ".join(to), exc)
        return 0
    sent.finish(keys)
    log.info("staff message %s sent to %s", keys[0], ", ".join(to))
    return 1
