"""Send the internal notices policy steps make due: plain text to staff, never any evidence.

The daemon runs this pass (``mailer.staff_notify.staff_pass``) with the staff register as
its RoleDirectory; the tests run it against a real SMTP server. Each notice's Message-ID
and addresses are stored before the first byte goes out.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from casework.config import Config
from casework.notices import NoticeRecord, RoleDirectory, resolve
from letters.notice import notice_text
from mailer.backoff import backoff_delay
from mailer.errors import PermanentSendError, SecretError, TransientSendError
from mailer.smtp_send import make_message_id, send_letter, tagged_subject
from store.casebook import Casebook
from store.notices import NoticeBox

log = logging.getLogger("conduct.mailer")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A role nobody holds yet is asked again after this long (the register may have changed).
NOBODY_RETRY = timedelta(hours=1)


@dataclass
class NoticeCounts:
    """What one notice pass did."""

    sent: int = 0
    waiting: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def send_due_notices(book: Casebook, config: Config, directory: RoleDirectory) -> NoticeCounts:
    """Send every due notice to the addresses its step names and its roles' holders."""
    counts = NoticeCounts()
    if config.mail is None:
        return counts
    box = NoticeBox(book)
    for notice in box.due():
        resolved = resolve(notice, directory)
        if not resolved.addresses:
            error = f"nobody to send it to: no address for {', '.join(resolved.unresolved)}"
            box.retry_later(notice.id, error, book.clock.now() + NOBODY_RETRY)
            counts.waiting += 1
            counts.errors.append(f"{notice.id}: {error}")
            continue
        message_id = notice.message_id or make_message_id(config.mail.smtp.from_address)
        claimed = box.claim(notice.id, message_id, resolved.addresses)
        try:
            send_letter(build_notice(claimed, config, book), config.mail.smtp)
        except PermanentSendError as exc:
            box.failed(notice.id, str(exc))
            counts.failed += 1
            counts.errors.append(f"{notice.id}: {exc}")
            log.error("notice %s failed for good: %s", notice.id, exc)
            continue
        except (TransientSendError, SecretError, OSError) as exc:
            when = book.clock.now() + timedelta(seconds=backoff_delay(claimed.attempts))
            box.retry_later(notice.id, str(exc), when)
            counts.waiting += 1
            counts.errors.append(f"{notice.id}: {exc}")
            continue
        box.sent(notice.id)
        counts.sent += 1
        if resolved.unresolved:
            log.warning("notice %s: nobody holds %s", notice.id, ", ".join(resolved.unresolved))
        log.info("notice %s (%s) sent to %s", notice.id, notice.step, ", ".join(resolved.addresses))
    return counts


def build_notice(notice: NoticeRecord, config: Config, book: Casebook) -> EmailMessage:
    """The notice as a plain-text email: no attachment, the case tag in the subject."""
    assert config.mail is not None
    smtp = config.mail.smtp
    text = notice_text(
        notice,
        config.school.name,
        notice.created.astimezone().date(),
        language=config.letters.language,
        template_dir=config.letters.template_dir,
    )
    msg = EmailMessage()
    msg["From"] = Address(display_name=_clean(smtp.from_name), addr_spec=smtp.from_address)
    try:
        msg["To"] = [Address(addr_spec=a) for a in notice.recipients]
    except (ValueError, IndexError) as exc:
        raise PermanentSendError(f"a notice address is not an address: {exc}", 0, "") from None
    msg["Subject"] = tagged_subject(notice.case_ref, text.subject)
    msg["Date"] = format_datetime(book.clock.now())
    msg["Message-ID"] = notice.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text.body)
    return msg


def _clean(name: str) -> str:
    return " ".join(_CONTROL.sub(" ", name).split())
