"""The kinds of timeline event, by name only (their payloads are in casework.events).

The policy checks its rules against these names without loading the payload classes.
"""

from __future__ import annotations

from enum import StrEnum


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
    LETTER_OUTCOME_UNKNOWN = "letter-outcome-unknown"
    LETTER_HELD = "letter-held"
    LETTER_CANCELLED = "letter-cancelled"
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
    PERSON_UPDATED = "person-updated"
    SUBJECT_IDENTIFIED = "subject-identified"
    NOTICE_DUE = "notice-due"
    NOTICE_SENT = "notice-sent"
    NOTICE_FAILED = "notice-failed"
    LEGAL_HOLD = "legal-hold"
    HOLD_RELEASED = "legal-hold-released"
    # Someone saw a restricted case (criminal-offence data) or its evidence in full.
    RESTRICTED_VIEWED = "restricted-viewed"


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
