"""Timeline events: everything that happens to a case is one of these, with time and actor."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from casework.event_types import RECORDABLE as RECORDABLE  # re-exported
from casework.event_types import EventType as EventType  # re-exported: the name callers use
from casework.payloads import (
    BanDecision,
    BanImposed,
    BanReviewed,
    CaseOpened,
    Closed,
    EmailSplit,
    EvidenceAdded,
    HarassmentFlag,
    Incident,
    LegalHold,
    LetterMoved,
    MeetingOutcome,
    MeetingScheduled,
    NoticeDue,
    NoticeMoved,
    ParentContacted,
    Payload,
    PayloadError,
    PersonChanged,
    RecordViewed,
    ReferralMade,
    Reopened,
    Representations,
    Statement,
    StepChanged,
    SubjectIdentified,
    Text,
)
from casework.record import record
from casework.serial import from_json

# The payload each type carries; several types share a shape (a letter's moves, say).
PAYLOADS: Mapping[EventType, type[Payload]] = MappingProxyType(
    {
        EventType.CASE_OPENED: CaseOpened,
        EventType.INCIDENT: Incident,
        EventType.EVIDENCE_ADDED: EvidenceAdded,
        EventType.STATEMENT_TAKEN: Statement,
        EventType.PARENT_CONTACTED: ParentContacted,
        EventType.LETTER_DRAFTED: LetterMoved,
        EventType.LETTER_SUBMITTED: LetterMoved,
        EventType.LETTER_APPROVED: LetterMoved,
        EventType.LETTER_QUEUED: LetterMoved,
        EventType.LETTER_SENT: LetterMoved,
        EventType.LETTER_FAILED: LetterMoved,
        EventType.LETTER_OUTCOME_UNKNOWN: LetterMoved,
        EventType.LETTER_HELD: LetterMoved,
        EventType.LETTER_CANCELLED: LetterMoved,
        EventType.LETTER_TO_POST: LetterMoved,
        EventType.LETTER_POSTED: LetterMoved,
        EventType.MEETING_SCHEDULED: MeetingScheduled,
        EventType.MEETING_ATTENDED: MeetingOutcome,
        EventType.MEETING_REFUSED: MeetingOutcome,
        EventType.MEETING_NO_SHOW: MeetingOutcome,
        EventType.DECISION: Text,
        EventType.BAN_IMPOSED: BanImposed,
        EventType.REPRESENTATIONS_RECEIVED: Representations,
        EventType.BAN_CONFIRMED: BanDecision,
        EventType.BAN_REVIEWED: BanReviewed,
        EventType.BAN_LIFTED: BanDecision,
        EventType.REFERRAL: ReferralMade,
        EventType.NOTE: Text,
        EventType.COMPLAINT_RAISED: Text,
        EventType.STEP_CHANGED: StepChanged,
        EventType.HARASSMENT_FLAGGED: HarassmentFlag,
        EventType.EMAIL_SPLIT: EmailSplit,
        EventType.CASE_CLOSED: Closed,
        EventType.CASE_REOPENED: Reopened,
        EventType.PERSON_UPDATED: PersonChanged,
        EventType.SUBJECT_IDENTIFIED: SubjectIdentified,
        EventType.NOTICE_DUE: NoticeDue,
        EventType.NOTICE_SENT: NoticeMoved,
        EventType.NOTICE_FAILED: NoticeMoved,
        EventType.LEGAL_HOLD: LegalHold,
        EventType.HOLD_RELEASED: LegalHold,
        EventType.RESTRICTED_VIEWED: RecordViewed,
    }
)


@record
class Event:
    """One entry on a case's timeline: when, by whom, what, and its typed details."""

    id: str
    case_ref: str
    at: datetime
    actor: str
    type: EventType
    summary: str
    data: Payload

    def __post_init__(self) -> None:
        expected = PAYLOADS[self.type]
        if type(self.data) is not expected:
            raise PayloadError(
                f"a {self.type.value} event carries {expected.__name__}, "
                f"not {type(self.data).__name__}"
            )
        if self.at.tzinfo is None:
            raise PayloadError(f"event {self.id}: its time has no timezone")


def new_event_id(at: datetime) -> str:
    """A unique id that sorts by the event's time: milliseconds since the epoch, random bits."""
    return f"e{int(at.timestamp() * 1000):013d}{os.urandom(5).hex()}"


def make_event(
    case_ref: str,
    actor: str,
    type: EventType,
    summary: str,
    data: Payload,
    *,
    at: datetime,
) -> Event:
    """Build an event at the time the caller's clock gave, with a fresh id."""
    return Event(new_event_id(at), case_ref, at, actor, type, summary, data)


def event_from_json(doc: Mapping[str, Any]) -> Event:
    """An event as the store keeps it, its details read as the payload its type carries."""
    etype = EventType(doc["type"])
    return Event(
        id=str(doc["id"]),
        case_ref=str(doc["case_ref"]),
        at=datetime.fromisoformat(doc["at"]),
        actor=str(doc["actor"]),
        type=etype,
        summary=str(doc["summary"]),
        data=from_json(PAYLOADS[etype], doc.get("data") or {}),
    )
