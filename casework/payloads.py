"""What each kind of event carries: one frozen dataclass per event type, checked when built.

The command line, the dashboard, the daemon and the demo all build these, so they accept
and refuse the same things. Field names are the JSON keys the store keeps (a field whose
Python name differs says so in ``metadata={"json": ...}``).
"""

from __future__ import annotations

from dataclasses import field
from datetime import date, datetime
from enum import StrEnum

from casework.bans import Ban
from casework.mailthread import AttachmentRef, ThreadRule
from casework.people import FieldChange, Subject
from casework.record import record


class PayloadError(ValueError):
    """An event's details that cannot be recorded: names the field and what was expected."""


def _need_text(kind: str, name: str, value: str) -> None:
    if not value.strip():
        raise PayloadError(f"{kind}: {name} is required and cannot be empty")


@record
class Payload:
    """The details of one event; each event type has its own subclass."""


class ContactMethod(StrEnum):
    """How the school reached the parent."""

    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in person"


class EvidenceKind(StrEnum):
    """An email the daemon kept, or a file the office added."""

    EMAIL = "email"
    FILE = "file"


class ReferralBody(StrEnum):
    """Where a referral goes: the police or the school's legal advisors."""

    POLICE = "police"
    LEGAL = "legal"


class ReviewOutcome(StrEnum):
    """What a ban review decided."""

    CONTINUED = "continued"
    LIFTED = "lifted"


@record
class CaseOpened(Payload):
    """A case opened: what it is about and where on the ladder it starts."""

    summary: str
    subjects: tuple[str, ...]  # names, as `case show --json` has always given them
    reporter: str
    behaviours: tuple[str, ...]
    severity: str
    step: str
    subject_records: tuple[Subject, ...] = ()

    def __post_init__(self) -> None:
        _need_text("case-opened", "summary", self.summary)
        if self.subject_records and tuple(s.name for s in self.subject_records) != self.subjects:
            raise PayloadError("case-opened: subjects must name the subject records")


@record
class Incident(Payload):
    """A breach of the code: when, towards whom, which behaviours; where it was published."""

    text: str
    occurred_on: date
    target: str = ""
    behaviours: tuple[str, ...] = ()
    published_on: date | None = None
    account: str = ""  # the social-media account or group it was posted in
    place: str = ""

    def __post_init__(self) -> None:
        _need_text("incident", "text (what happened)", self.text)
        if len(set(self.behaviours)) != len(self.behaviours):
            raise PayloadError("incident: behaviours lists a behaviour twice")


@record
class Statement(Payload):
    """A witness's or a member of staff's account, in their words."""

    text: str
    by: str

    def __post_init__(self) -> None:
        _need_text("statement-taken", "text", self.text)
        _need_text("statement-taken", "by (whose statement)", self.by)


@record
class ParentContacted(Payload):
    """The school spoke or wrote to the parent."""

    text: str = ""
    channel: ContactMethod = ContactMethod.PHONE


@record
class Text(Payload):
    """A note, a decision or a complaint: words that must not be empty."""

    text: str

    def __post_init__(self) -> None:
        _need_text("event", "text", self.text)


@record
class MeetingScheduled(Payload):
    """A meeting with the parent: the school's local time, the room and who attends."""

    at: datetime
    place: str
    attendees: tuple[str, ...] = ()
    text: str = ""
    # Meetings are offered on school days within school hours: another time says why.
    off_day_reason: str = ""

    def __post_init__(self) -> None:
        _need_text("meeting-scheduled", "place", self.place)
        if self.at.tzinfo is not None:
            raise PayloadError("meeting-scheduled: at is the school's local time, with no zone")


@record
class MeetingOutcome(Payload):
    """The parent came, refused, or did not come: with any notes."""

    text: str = ""


@record
class Representations(Payload):
    """The parent's side, received in writing or in person."""

    text: str
    received_on: date

    def __post_init__(self) -> None:
        _need_text("representations-received", "text", self.text)


@record
class ReferralMade(Payload):
    """A referral to the police or to legal advisors, with their reference."""

    to: ReferralBody
    on: date
    reference: str = ""
    body: str = ""  # the policy's name for them: "Thames Valley Police"


@record
class Reopened(Payload):
    """A closed case reopened, and why."""

    reason: str

    def __post_init__(self) -> None:
        _need_text("case-reopened", "reason", self.reason)


@record
class LegalHold(Payload):
    """A legal hold put on or released: an open complaint, a police referral, litigation."""

    reason: str

    def __post_init__(self) -> None:
        _need_text("legal-hold", "reason", self.reason)


@record
class Closed(Payload):
    """A case closed with an outcome."""

    outcome: str

    def __post_init__(self) -> None:
        _need_text("case-closed", "outcome", self.outcome)


@record
class StepChanged(Payload):
    """The case moved on the ladder; out of order only with a reason."""

    from_step: str = field(metadata={"json": "from"})
    to: str
    reason: str = ""
    in_order: bool = True

    def __post_init__(self) -> None:
        if not self.in_order:
            _need_text("step-changed", "reason (the step is out of order)", self.reason)


@record
class BanImposed(Payload):
    """A provisional ban or a notice of intent, with every date."""

    ban: Ban


@record
class BanDecision(Payload):
    """A ban confirmed or lifted on a day."""

    ban_id: str
    on: date
    reason: str = ""  # a lift's reason, in the decider's words (letters state it)


@record
class BanReviewed(Payload):
    """A ban reviewed: continued to a next review date, or lifted."""

    ban_id: str
    on: date
    outcome: ReviewOutcome
    next_review_on: date
    reason: str = ""  # why it continues or is lifted (the review letter states it)

    def __post_init__(self) -> None:
        if self.next_review_on < self.on:
            raise PayloadError(
                f"ban-reviewed: next_review_on ({self.next_review_on}) is before the review "
                f"({self.on})"
            )


@record
class LetterMoved(Payload):
    """A letter drafted, approved, queued, sent, failed or posted."""

    letter_id: str
    kind: str
    sha256: str
    name: str
    error: str = ""


@record
class EvidenceAdded(Payload):
    """A file or an email kept in the vault, with what is known about it."""

    kind: EvidenceKind
    sha256: str
    name: str
    size: int = 0
    message_id: str | None = None
    sender: str = field(default="", metadata={"json": "from"})
    subject: str = ""
    date: datetime | None = None
    rule: ThreadRule | None = None
    folder: str = ""
    uidvalidity: int = 0
    uid: int = 0
    attachments: tuple[AttachmentRef, ...] = ()
    excerpt: str = ""
    split_from: str = ""
    # The SHA-256 of an earlier, different email with the same Message-ID, when there is one.
    id_clash: str = ""

    def __post_init__(self) -> None:
        if len(self.sha256) != 64:
            raise PayloadError(f"evidence-added: sha256 is not a SHA-256 hash: {self.sha256!r}")

    @property
    def title(self) -> str:
        """What the evidence is called in lists: an email's subject, else the file's name."""
        return self.subject or self.name


@record
class HarassmentFlag(Payload):
    """Two or more incidents towards the same target: a possible course of conduct."""

    target: str


@record
class EmailSplit(Payload):
    """An email moved from this case to a new one (replies to it follow it there)."""

    split_sha256: str
    message_id: str
    evidence_event: str
    to_case: str


@record
class PersonChanged(Payload):
    """A person's details changed (on every case about them): which, from what, to what."""

    person_id: str
    name: str
    changes: tuple[FieldChange, ...]

    def __post_init__(self) -> None:
        if not self.changes:
            raise PayloadError("person-updated: changes names no change")


@record
class SubjectIdentified(Payload):
    """The person a case was 'To be identified' about is now known."""

    placeholder_id: str
    person_id: str
    name: str

    def __post_init__(self) -> None:
        _need_text("subject-identified", "name", self.name)


@record
class NoticeDue(Payload):
    """A step told people inside the school: a short notice is due to these roles or addresses."""

    step: str
    step_label: str
    to: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.to:
            raise PayloadError("notice-due: to names nobody")


@record
class RecordViewed(Payload):
    """A restricted case seen in full: where (``case show``, the case screen, evidence)."""

    where: str
    sha256: str = ""

    def __post_init__(self) -> None:
        _need_text("restricted-viewed", "where", self.where)


@record
class NoticeMoved(Payload):
    """A notice sent (to these addresses) or failed (with the server's reply)."""

    notice_id: str
    recipients: tuple[str, ...] = ()
    error: str = ""
