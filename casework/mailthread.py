"""Which case an incoming email belongs to, and who it is about: pure rules, no I/O."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from casework.cases import find_ref
from casework.record import record


@record
class AttachmentRef:
    """An attachment kept in the vault."""

    name: str
    sha256: str
    size: int
    content_type: str
    oversize: bool = False


@record
class IncomingMail:
    """A flagged message reduced to what the store needs, its raw bytes already in the vault."""

    sha256: str
    folder: str
    uidvalidity: int
    uid: int
    message_id: str | None
    sender_address: str
    sender_name: str
    subject: str
    date: datetime | None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    text: str = ""
    attachments: tuple[AttachmentRef, ...] = ()
    size: int = 0


class ThreadRule(StrEnum):
    """Which threading rule placed an email on its case, recorded so it can be split off later."""

    TAG = "tag"
    IN_REPLY_TO = "in-reply-to"
    REFERENCES = "references"
    SENDER = "sender"
    NEW = "new"
    SPLIT = "split"


def is_staff(address: str, staff_domains: tuple[str, ...]) -> bool:
    """Mail from the school's own domains is staff reporting, not a parent writing."""
    domain = address.rpartition("@")[2].strip().lower().rstrip(">")
    return any(domain == d or domain.endswith("." + d) for d in staff_domains)


def tagged_ref(subject: str) -> str | None:
    """The case tag in a subject, ``[C-2026-0007]`` or a bare reference."""
    return find_ref(subject or "")


def reply_ids(mail: IncomingMail) -> list[tuple[str, ThreadRule]]:
    """Message-IDs to look up, each with the rule it stands for, most specific first."""
    ids = [(m, ThreadRule.IN_REPLY_TO) for m in mail.in_reply_to]
    ids += [(m, ThreadRule.REFERENCES) for m in reversed(mail.references) if m not in mail.in_reply_to]
    return ids
