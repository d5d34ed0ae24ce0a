"""A case: one breach (or a run of them) by one or more people, worked up the ladder."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from casework.bans import Ban
from casework.people import Subject
from casework.record import record

REF_PATTERN = re.compile(r"\bC-(\d{4})-(\d{4,})\b")


class Severity(StrEnum):
    """How serious the school judges the breach."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    SERIOUS = "serious"


class CaseStatus(StrEnum):
    """Open while the school is acting; closed with an outcome."""

    OPEN = "open"
    CLOSED = "closed"


@record
class IncidentMark:
    """An incident as the rules and the letters need it: when, toward whom, and the account."""

    event_id: str
    occurred_on: date
    target: str
    behaviours: tuple[str, ...]
    published_on: date | None = None
    # What staff wrote happened, where, and who recorded it: the account letters quote.
    text: str = ""
    place: str = ""
    recorded_by: str = ""


@record
class Meeting:
    """A meeting the school has arranged with the parent."""

    event_id: str
    at: datetime
    place: str
    attendees: tuple[str, ...]
    outcome: str = ""


@record
class Referral:
    """A referral to the police or to legal advisors, with their reference number."""

    to: str
    reference: str
    on: date


@record
class Case:
    """The state of one case, the fold of its events."""

    ref: str
    summary: str
    subjects: tuple[Subject, ...]
    reporter: str
    behaviours: tuple[str, ...]
    severity: Severity
    step: str
    status: CaseStatus
    opened: datetime
    last_activity: datetime
    closed: datetime | None = None
    outcome: str = ""
    flags: tuple[str, ...] = ()
    incidents: tuple[IncidentMark, ...] = ()
    bans: tuple[Ban, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    referrals: tuple[Referral, ...] = ()
    message_ids: tuple[str, ...] = ()
    # Why the case must not be disposed of (a complaint, a police referral, litigation).
    hold: str = ""

    @property
    def is_open(self) -> bool:
        """Still being worked."""
        return self.status is CaseStatus.OPEN

    @property
    def tag(self) -> str:
        """The tag put in email subjects so replies thread: ``[C-2026-0007]``."""
        return f"[{self.ref}]"


def format_ref(year: int, number: int) -> str:
    """``C-2026-0007``: the year the case opened and its number in that year."""
    return f"C-{year:04d}-{number:04d}"


def find_ref(text: str) -> str | None:
    """The first case reference in a text such as an email subject."""
    m = REF_PATTERN.search(text)
    return m.group(0) if m else None
