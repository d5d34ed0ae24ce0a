"""What the parser makes of an email: a frozen ParsedMessage, with bounded forms for the store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from mailtext.headers import Address
from mailtext.text import bounded

# Limits of what the store keeps of one message; the vault keeps the raw message whole.
# A real subject is a line or two; 500 characters holds any a person writes.
SUBJECT_LIMIT = 500
# Display names of people and organisations ("Mrs P. O'Parent (Year 4 class rep)").
DISPLAY_NAME_LIMIT = 200
# The body excerpt shown on the case timeline (the office opens the email for the rest).
EXCERPT_LIMIT = 500
# Message IDs kept from References for threading: the thread's root and the latest ones.
REFERENCES_LIMIT = 50


class ParseError(ValueError):
    """Raw bytes that cannot be read as an email even with best effort."""


@dataclass(frozen=True)
class Attachment:
    """One attached file: a safe file name, its declared type and exact bytes."""

    filename: str
    content_type: str
    data: bytes
    size: int

    @cached_property
    def sha256(self) -> str:
        """The SHA-256 of the bytes (the file's name in the evidence vault)."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class ParsedMessage:
    """What we keep from an email besides its raw bytes (which go to the evidence vault).

    ``headers`` holds every header field as one decoded, cleaned line, in the sender's
    order; ``defects`` holds what was malformed or removed (the office is shown them).
    """

    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None
    subject: str
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    text: str
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "text/plain"
    report_type: str = ""

    @property
    def recipients(self) -> tuple[Address, ...]:
        """To and Cc together."""
        return self.to + self.cc

    def header(self, name: str) -> str | None:
        """The first field called ``name`` (any case), decoded and cleaned, or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    @property
    def bounded_subject(self) -> str:
        """The subject cut to SUBJECT_LIMIT characters, for the store."""
        return bounded(self.subject, SUBJECT_LIMIT)

    @property
    def bounded_sender_name(self) -> str:
        """The sender's display name cut to DISPLAY_NAME_LIMIT characters, for the store."""
        return bounded(self.sender.name, DISPLAY_NAME_LIMIT) if self.sender else ""

    @property
    def excerpt(self) -> str:
        """The start of the body text, at most EXCERPT_LIMIT characters, for the store."""
        return bounded(self.text, EXCERPT_LIMIT)

    @property
    def bounded_references(self) -> tuple[str, ...]:
        """References to look up when threading: the root and the latest, REFERENCES_LIMIT."""
        refs = self.references
        if len(refs) <= REFERENCES_LIMIT:
            return refs
        return (refs[0], *refs[len(refs) - REFERENCES_LIMIT + 1 :])
