"""Timeline events: everything that happens to a case is one of these, with time and actor."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    """What happened."""

    CASE_OPENED = "case-opened"
    INCIDENT = "incident"
    EVIDENCE_ADDED = "evidence-added"
    STATEMENT_TAKEN = "statement-taken"
    PARENT_CONTACTED = "parent-contacted"
    LETTER_DRAFTED = "letter-drafted"
    LETTER_SUBMITTED = "letter-submitted"
    LETTER_APPROVED = "letter-approved"
    LETTER_QUEUED = "letter-queued"
    LETTER_SENT = "letter-sent"
    LETTER_FAILED = "letter-failed"
    LETTER_TO_POST = "letter-to-post"
    LETTER_POSTED = "letter-posted"
    MEETING_SCHEDULED = "meeting-scheduled"
    MEETING_ATTENDED = "meeting-attended"
    MEETING_REFUSED = "meeting-refused"
    MEETING_NO_SHOW = "meeting-no-show"
    DECISION = "decision"
    BAN_IMPOSED = "ban-imposed"
    REPRESENTATIONS_RECEIVED = "representations-received"
    BAN_CONFIRMED = "ban-confirmed"
    BAN_REVIEWED = "ban-reviewed"
    BAN_LIFTED = "ban-lifted"
    REFERRAL = "referral"
    NOTE = "note"
    COMPLAINT_RAISED = "complaint-raised"
    STEP_CHANGED = "step-changed"
    HARASSMENT_FLAGGED = "harassment-flagged"
    EMAIL_SPLIT = "email-split"
    CASE_CLOSED = "case-closed"
    CASE_REOPENED = "case-reopened"


# Events a person records by hand from the command line or the dashboard.
RECORDABLE = (
    EventType.INCIDENT,
    EventType.STATEMENT_TAKEN,
    EventType.PARENT_CONTACTED,
    EventType.MEETING_SCHEDULED,
    EventType.MEETING_ATTENDED,
    EventType.MEETING_REFUSED,
    EventType.MEETING_NO_SHOW,
    EventType.DECISION,
    EventType.REPRESENTATIONS_RECEIVED,
    EventType.REFERRAL,
    EventType.NOTE,
    EventType.COMPLAINT_RAISED,
)


@dataclass(frozen=True)
class Event:
    """One entry on a case's timeline."""

    id: str
    case_ref: str
    at: datetime
    actor: str
    type: EventType
    summary: str
    data: Mapping[str, Any] = field(default_factory=dict)


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def new_event_id() -> str:
    """A sortable unique id: milliseconds since the epoch, then random bits."""
    return f"e{time.time_ns() // 1_000_000:013d}{os.urandom(5).hex()}"


def make_event(
    case_ref: str,
    actor: str,
    type: EventType,
    summary: str,
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Build an event stamped now with a fresh id."""
    return Event(new_event_id(), case_ref, at or now(), actor, type, summary, dict(data or {}))
