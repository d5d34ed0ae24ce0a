"""Letters as records: drafted, approved, queued, sent (or posted), with the PDF's hash."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from casework.cases import Case
from casework.people import TO_BE_IDENTIFIED, Channel, Person
from casework.policy import Policy
from casework.record import record
from casework.staff import DEFAULT_APPROVERS as DEFAULT_APPROVERS  # re-exported
from casework.staff import Actor


class LetterStatus(StrEnum):
    """Where a letter is on its way to the parent."""

    DRAFTED = "drafted"
    AWAITING_APPROVAL = "awaiting-approval"
    APPROVED = "approved"
    QUEUED = "queued"
    SENDING = "sending"
    # The whole letter reached the server but its answer never came (a timeout after the
    # final dot, a dropped connection, a crash): it may have been delivered. Held for the
    # office, never resent on its own.
    OUTCOME_UNKNOWN = "outcome-unknown"
    # Never sent: its moment passed while it waited (its meeting is past or was refused, the
    # case moved on, it waited too long). Held for the office to send anyway or cancel.
    HELD = "held"
    CANCELLED = "cancelled"
    SENT = "sent"
    FAILED = "failed"
    TO_POST = "to-post"
    POSTED = "posted"


@record
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
    # Set just before the final dot goes to the server, cleared when its answer is recorded:
    # while set, the server may hold the whole letter, so it is never sent again unasked.
    dot_sent_at: datetime | None = None
    recipient_address: tuple[str, ...] = ()  # the postal address printed on the letter
    # What the letter was written for, to tell when its moment has passed before it goes.
    step: str = ""  # the case's step when it was drafted
    meeting_event: str = ""  # the meeting a meeting letter is about (its event id)
    meeting_at: datetime | None = None  # that meeting's time at the school
    queued_at: datetime | None = None
    confirmed_by: str = ""  # who said to send it anyway after it was held

    @property
    def by_post(self) -> bool:
        """The letter goes on paper: the parent prefers post, or has no email address."""
        return self.channel is Channel.POST or not self.recipient_email

    @property
    def unaddressed(self) -> bool:
        """A letter for the post with no postal address on it: it cannot go."""
        return self.by_post and not self.recipient_address
    # The roles that may approve it, from the policy when it was drafted (empty: the
    # headteacher or the deputy, the built-in rule).
    approvers: tuple[str, ...] = ()

    @property
    def attachment_name(self) -> str:
        """The PDF's file name in the email: ``C-2026-0007-warning.pdf``."""
        return f"{self.case_ref}-{self.kind}.pdf"


class LetterMove(StrEnum):
    """A step a letter takes: by a person (``MoveRule.by_person``) or by the sender (the daemon)."""

    SUBMIT = "submit"  # ask the headteacher to approve
    APPROVE = "approve"  # the headteacher approves
    QUEUE = "queue"  # hand to the daemon to send (or print)
    RETRY = "retry"  # a failed or held letter back in the queue (sent again)
    POSTED = "posted"  # the office has put a printed letter in the post
    CONFIRM_SENT = "confirm-sent"  # the office found that a held letter did arrive
    CLAIM = "claim"  # the sender takes a queued letter, its Message-ID stored first
    SENT = "sent"  # the server accepted it
    DEFER = "defer"  # a temporary failure: back in the queue with a time to retry
    FAIL = "fail"  # a permanent failure
    HOLD = "hold"  # no answer after the final dot: it may have arrived; the office decides
    HOLD_BACK = "hold-back"  # its moment passed before it went: the office decides
    CANCEL = "cancel"  # the office decides it will not go
    TO_POST = "to-post"  # the parent prefers post: into the print queue


class Approval(StrEnum):
    """What a move asks of the letter's approval."""

    ANY = "any"
    NEEDED = "needed"  # only a letter that needs the headteacher's approval
    GIVEN = "given"  # only a letter that needs none, or has been approved


@record
class MoveRule:
    """Where a move may start, where it ends, and who may make it."""

    sources: frozenset[LetterStatus]
    to: LetterStatus
    by_person: bool  # offered to staff; otherwise the sender's own step
    approval: Approval = Approval.ANY
    approver_only: bool = False  # only someone who may approve this letter
    not_by_approver: bool = False  # pointless for someone who may approve (asking oneself)


def _rule(sources: tuple[LetterStatus, ...], to: LetterStatus, **kw: Any) -> MoveRule:
    return MoveRule(frozenset(sources), to, **kw)


_S = LetterStatus
# The one table of what a letter may do: every screen and command asks it, never decides.
MOVES: Mapping[LetterMove, MoveRule] = {
    LetterMove.SUBMIT: _rule(
        (_S.DRAFTED,),
        _S.AWAITING_APPROVAL,
        by_person=True,
        approval=Approval.NEEDED,
        not_by_approver=True,
    ),
    LetterMove.APPROVE: _rule(
        (_S.DRAFTED, _S.AWAITING_APPROVAL),
        _S.APPROVED,
        by_person=True,
        approval=Approval.NEEDED,
        approver_only=True,
    ),
    LetterMove.QUEUE: _rule(
        (_S.DRAFTED, _S.APPROVED), _S.QUEUED, by_person=True, approval=Approval.GIVEN
    ),
    LetterMove.RETRY: _rule(
        (_S.FAILED, _S.OUTCOME_UNKNOWN, _S.HELD), _S.QUEUED, by_person=True
    ),
    LetterMove.POSTED: _rule((_S.TO_POST,), _S.POSTED, by_person=True),
    LetterMove.CONFIRM_SENT: _rule((_S.OUTCOME_UNKNOWN,), _S.SENT, by_person=True),
    LetterMove.CLAIM: _rule((_S.QUEUED,), _S.SENDING, by_person=False),
    LetterMove.SENT: _rule((_S.SENDING,), _S.SENT, by_person=False),
    LetterMove.DEFER: _rule((_S.SENDING,), _S.QUEUED, by_person=False),
    LetterMove.FAIL: _rule((_S.QUEUED, _S.SENDING), _S.FAILED, by_person=False),
    LetterMove.HOLD: _rule((_S.SENDING,), _S.OUTCOME_UNKNOWN, by_person=False),
    LetterMove.TO_POST: _rule((_S.QUEUED,), _S.TO_POST, by_person=False),
    LetterMove.HOLD_BACK: _rule((_S.QUEUED,), _S.HELD, by_person=False),
    LetterMove.CANCEL: _rule(
        (
            _S.DRAFTED,
            _S.AWAITING_APPROVAL,
            _S.APPROVED,
            _S.QUEUED,
            _S.FAILED,
            _S.OUTCOME_UNKNOWN,
            _S.HELD,
            _S.TO_POST,
        ),
        _S.CANCELLED,
        by_person=True,
    ),
}

# A move's words in errors: "cannot be <words>".
_DONE = {
    LetterMove.SUBMIT: "submitted for approval",
    LetterMove.APPROVE: "approved",
    LetterMove.QUEUE: "queued",
    LetterMove.RETRY: "retried",
    LetterMove.POSTED: "marked as posted",
    LetterMove.CONFIRM_SENT: "confirmed as sent",
    LetterMove.CLAIM: "claimed for sending",
    LetterMove.SENT: "marked as sent",
    LetterMove.DEFER: "deferred",
    LetterMove.FAIL: "marked as failed",
    LetterMove.HOLD: "held for the office",
    LetterMove.TO_POST: "put in the print queue",
    LetterMove.HOLD_BACK: "held for the office",
    LetterMove.CANCEL: "cancelled",
}


_UNAPPROVED = frozenset({LetterStatus.DRAFTED, LetterStatus.AWAITING_APPROVAL})


class LetterStateError(ValueError):
    """A letter asked to make a move it may not make, or by someone who may not make it."""


def needs_approval(policy: Policy, kind: str) -> bool:
    """The policy has the headteacher approve this kind of letter before it goes."""
    return any(s.letter == kind and s.approval for s in policy.steps)


NO_ADDRESS = (
    "it goes by post and has no postal address: add the address to the person "
    "(P on the case, or conduct person edit) and draft the letter again"
)


def may_approve(actor: Actor, approvers: tuple[str, ...] = ()) -> bool:
    """Whether ``actor`` holds one of the roles that approve the letter."""
    return actor.role is not None and actor.role.value in (approvers or DEFAULT_APPROVERS)


def _approver_words(approvers: tuple[str, ...]) -> str:
    words = {"headteacher": "the headteacher", "deputy": "the deputy", "chair": "the Chair"}
    return " or ".join(words.get(r, f"the {r}") for r in sorted(approvers or DEFAULT_APPROVERS))


def _refusal(
    status: LetterStatus,
    approval: bool,
    move: LetterMove,
    actor: Actor,
    *,
    unaddressed: bool = False,
    approvers: tuple[str, ...] = (),
) -> str | None:
    """Why ``move`` is not open to ``actor`` for a letter in this state; None when it is."""
    rule = MOVES[move]
    if rule.by_person and actor.role is None and not actor.service:
        return f"you ({actor.name}) are not on the staff register"
    if status not in rule.sources:
        return f"it is {status}"
    if unaddressed and rule.to is LetterStatus.QUEUED:
        return NO_ADDRESS
    if rule.approval is Approval.NEEDED and not approval:
        return "it needs no approval"
    if rule.approval is Approval.GIVEN and approval and status in _UNAPPROVED:
        return f"it needs the approval of {_approver_words(approvers)} first"
    if rule.approver_only and not may_approve(actor, approvers):
        return f"only {_approver_words(approvers)} may; you are {actor.described}"
    if rule.not_by_approver and may_approve(actor, approvers):
        return "you may approve it yourself"
    return None


def moves_for(
    status: LetterStatus,
    approval: bool,
    actor: Actor,
    *,
    unaddressed: bool = False,
    approvers: tuple[str, ...] = (),
) -> tuple[LetterMove, ...]:
    """The moves a person may make on a letter in this state (needing approval or not)."""
    return tuple(
        m
        for m, rule in MOVES.items()
        if rule.by_person
        and _refusal(status, approval, m, actor, unaddressed=unaddressed, approvers=approvers)
        is None
    )


def allowed_moves(letter: LetterRecord, actor: Actor) -> tuple[LetterMove, ...]:
    """The moves ``actor`` may make on ``letter`` now: what screens offer and commands accept."""
    return moves_for(
        letter.status,
        letter.needs_approval,
        actor,
        unaddressed=letter.unaddressed,
        approvers=letter.approvers,
    )


def check_move(letter: LetterRecord, move: LetterMove, actor: Actor) -> LetterStatus:
    """The status ``move`` takes ``letter`` to; LetterStateError says why when it may not."""
    why = _refusal(
        letter.status,
        letter.needs_approval,
        move,
        actor,
        unaddressed=letter.unaddressed,
        approvers=letter.approvers,
    )
    if why is not None:
        raise LetterStateError(f"letter {letter.id} ({letter.kind}) cannot be {_DONE[move]}: {why}")
    return MOVES[move].to


def moved(
    letter: LetterRecord,
    move: LetterMove,
    actor: Actor,
    now: datetime,
    *,
    error: str = "",
    retry_at: datetime | None = None,
    message_id: str = "",
) -> LetterRecord:
    """The letter after ``move`` (checked): its new status and what the move records."""
    to = check_move(letter, move, actor)
    changes: dict[str, Any] = {}
    if move is LetterMove.APPROVE:
        changes = {"approved_by": actor.name}
    elif move in (LetterMove.QUEUE, LetterMove.RETRY):
        changes = {"last_error": "", "next_attempt": None, "dot_sent_at": None, "queued_at": now}
        if letter.status is LetterStatus.HELD:
            # The office read why it was held and sends it anyway: never held again for it.
            changes["confirmed_by"] = actor.name
    elif move in (LetterMove.HOLD_BACK, LetterMove.CANCEL):
        changes = {"last_error": error}
    elif move is LetterMove.CLAIM:
        # A letter claimed again keeps its first Message-ID: the key to sending exactly once.
        changes = {"message_id": letter.message_id or message_id, "attempts": letter.attempts + 1}
    elif move in (LetterMove.SENT, LetterMove.POSTED, LetterMove.CONFIRM_SENT):
        changes = {"sent_at": now, "last_error": "", "dot_sent_at": None}
    elif move is LetterMove.DEFER:
        changes = {"last_error": error, "next_attempt": retry_at, "dot_sent_at": None}
    elif move is LetterMove.FAIL:
        changes = {"last_error": error, "dot_sent_at": None}
    elif move is LetterMove.HOLD:
        # The facts stay on the letter, and when the dot went (the server may have it).
        changes = {"last_error": error}
    return replace(letter, status=to, **changes)


def draft_refusal(case: Case, people: Sequence[Person]) -> str | None:
    """Why no letter can be drafted on this case yet (its person is not identified); None if one can."""
    known = {p.id: p for p in people}
    if not case.subjects:
        return f"{case.ref} is about nobody yet: say who it is about first"
    for s in case.subjects:
        p = known.get(s.person_id)
        if p is None or p.placeholder or s.name == TO_BE_IDENTIFIED:
            return (
                f"{case.ref} is about someone still to be identified: identify them first "
                f"(P on the case, or conduct case identify {case.ref} PERSON_ID)"
            )
    return None


def hold_reason(
    letter: LetterRecord, case: Case, now: datetime, hold_after_days: int
) -> str | None:
    """Why a queued letter must wait for the office rather than go now; None when it may go.

    Its meeting is past, or already attended, refused or missed; the case has moved to
    another step or closed since it was drafted; or it has waited too long in the queue.
    A letter the office said to send anyway is never held again.
    """
    if letter.confirmed_by:
        return None
    meeting = next((m for m in case.meetings if m.event_id == letter.meeting_event), None)
    if meeting is not None and meeting.outcome:
        words = {"refused": "refused", "no-show": "missed", "attended": "attended"}
        return f"the parent already {words.get(meeting.outcome, meeting.outcome)} the meeting"
    if letter.meeting_at is not None and letter.meeting_at <= now.astimezone().replace(tzinfo=None):
        return f"its meeting ({letter.meeting_at:%Y-%m-%d %H:%M}) is past"
    if not case.is_open:
        return "the case has been closed"
    if letter.step and case.step != letter.step:
        return f"the case has moved on (from {letter.step} to {case.step})"
    since = letter.queued_at or letter.created
    waited = (now - since).total_seconds() / 86400
    if hold_after_days and waited > hold_after_days:
        return f"it has waited {int(waited)} days to be sent (more than {hold_after_days})"
    return None
