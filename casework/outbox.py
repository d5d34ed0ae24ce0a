"""Letters as records: drafted, approved, queued, sent (or posted), with the PDF's hash."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from casework.people import Channel


class LetterStatus(StrEnum):
    """Where a letter is on its way to the parent."""

    DRAFTED = "drafted"
    AWAITING_APPROVAL = "awaiting-approval"
    APPROVED = "approved"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    TO_POST = "to-post"
    POSTED = "posted"


@dataclass(frozen=True)
class LetterRecord:
    """One letter for one case: its kind, its PDF (by hash) and where it stands."""

    id: str
    case_ref: str
    kind: str
    status: LetterStatus
    created: datetime
    recipient_name: str
    recipient_email: str | None
    channel: Channel
    pdf_sha256: str
    needs_approval: bool
    fields: Mapping[str, Any] = field(default_factory=dict)
    subject: str = ""
    body_text: str = ""  # the covering note: the email's text
    ics_sha256: str = ""  # a calendar invitation kept in the vault, for meeting letters
    approved_by: str = ""
    message_id: str = ""
    attempts: int = 0
    next_attempt: datetime | None = None
    last_error: str = ""
    sent_at: datetime | None = None

    @property
    def attachment_name(self) -> str:
        """The PDF's file name in the email: ``C-2026-0007-warning.pdf``."""
        return f"{self.case_ref}-{self.kind}.pdf"


# Which moves a letter may make, and who may make them.
TRANSITIONS: Mapping[LetterStatus, tuple[LetterStatus, ...]] = {
    LetterStatus.DRAFTED: (
        LetterStatus.AWAITING_APPROVAL,
        LetterStatus.APPROVED,
        LetterStatus.QUEUED,
    ),
    LetterStatus.AWAITING_APPROVAL: (LetterStatus.APPROVED, LetterStatus.DRAFTED),
    LetterStatus.APPROVED: (LetterStatus.QUEUED,),
    LetterStatus.QUEUED: (LetterStatus.SENDING, LetterStatus.TO_POST, LetterStatus.FAILED),
    LetterStatus.SENDING: (LetterStatus.SENT, LetterStatus.QUEUED, LetterStatus.FAILED),
    LetterStatus.FAILED: (LetterStatus.QUEUED,),
    LetterStatus.TO_POST: (LetterStatus.POSTED,),
    LetterStatus.SENT: (),
    LetterStatus.POSTED: (),
}


class LetterStateError(ValueError):
    """A letter asked to make a move it may not make."""


def check_move(letter: LetterRecord, to: LetterStatus) -> None:
    """Raise LetterStateError when ``to`` does not follow from the letter's status."""
    if (
        to is LetterStatus.QUEUED
        and letter.status is LetterStatus.DRAFTED
        and letter.needs_approval
    ):
        raise LetterStateError(
            f"letter {letter.id} ({letter.kind}) needs the headteacher's approval before it is queued"
        )
    if to not in TRANSITIONS[letter.status]:
        raise LetterStateError(f"letter {letter.id} cannot go from {letter.status} to {to}")
