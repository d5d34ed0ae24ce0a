"""The fold: how each event changes a case, and a case rebuilt from its events alone."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from casework import bans as ban_rules
from casework.bans import Ban
from casework.cases import Case, CaseStatus, IncidentMark, Meeting, Referral, Severity
from casework.events import Event, EventType
from casework.payloads import (
    BanDecision,
    BanImposed,
    BanReviewed,
    CaseOpened,
    Closed,
    EmailSplit,
    EvidenceAdded,
    EvidenceKind,
    Incident,
    LegalHold,
    MeetingScheduled,
    Payload,
    PersonChanged,
    ReferralMade,
    Representations,
    StepChanged,
    SubjectIdentified,
)
from casework.people import Subject
from casework.rules import HARASSMENT, REPLY_AFTER_CLOSE


class CaseRuleError(ValueError):
    """An action the case's rules do not allow, with the reason in words."""



def opened_case(event: Event, data: CaseOpened) -> Case:
    """The case a case-opened event starts."""
    return Case(
        ref=event.case_ref,
        summary=data.summary,
        subjects=data.subject_records,
        reporter=data.reporter,
        behaviours=data.behaviours,
        severity=Severity(data.severity),
        step=data.step,
        status=CaseStatus.OPEN,
        opened=event.at,
        last_activity=event.at,
    )


def apply(case: Case, event: Event) -> Case:
    """The case after one event: each type changes only what it is about."""
    if event.type not in (EventType.LEGAL_HOLD, EventType.HOLD_RELEASED):
        # A hold is record-keeping, not an action on the case: retention runs from the last action.
        case = replace(case, last_activity=max(case.last_activity, event.at))
    handler = _HANDLERS.get(event.type)
    return handler(case, event) if handler else case


def _incident(case: Case, event: Event) -> Case:
    d = _payload(event, Incident)
    mark = IncidentMark(
        event_id=event.id,
        occurred_on=d.occurred_on,
        target=d.target,
        behaviours=d.behaviours,
        published_on=d.published_on,
        text=d.text,
        place=d.place,
        recorded_by=event.actor,
    )
    behaviours = tuple(dict.fromkeys((*case.behaviours, *mark.behaviours)))
    return replace(case, incidents=(*case.incidents, mark), behaviours=behaviours)


def _step_changed(case: Case, event: Event) -> Case:
    return replace(case, step=_payload(event, StepChanged).to)


def _ban_imposed(case: Case, event: Event) -> Case:
    return replace(case, bans=(*case.bans, _payload(event, BanImposed).ban))


def _on_ban(case: Case, ban_id: str, change: Callable[[Ban], Ban]) -> Case:
    return replace(case, bans=tuple(change(b) if b.id == ban_id else b for b in case.bans))


def _ban_confirmed(case: Case, event: Event) -> Case:
    d = _payload(event, BanDecision)
    return _on_ban(case, d.ban_id, lambda b: ban_rules.confirm(b, d.on))


def _ban_reviewed(case: Case, event: Event) -> Case:
    d = _payload(event, BanReviewed)
    return _on_ban(
        case,
        d.ban_id,
        lambda b: ban_rules.reviewed(b, d.on, d.next_review_on, d.outcome.value, d.reason),
    )


def _ban_lifted(case: Case, event: Event) -> Case:
    d = _payload(event, BanDecision)
    return _on_ban(case, d.ban_id, lambda b: ban_rules.lifted(b, d.on, d.reason))


def _representations(case: Case, event: Event) -> Case:
    # They answer the latest ban still standing (there is rarely more than one).
    received = _payload(event, Representations).received_on
    standing = [b for b in case.bans if b.status is not ban_rules.BanStatus.LIFTED]
    if not standing:
        return case
    return _on_ban(case, standing[-1].id, lambda b: ban_rules.with_representations(b, received))


def _meeting_scheduled(case: Case, event: Event) -> Case:
    d = _payload(event, MeetingScheduled)
    meeting = Meeting(event_id=event.id, at=d.at, place=d.place, attendees=d.attendees)
    return replace(case, meetings=(*case.meetings, meeting))


def _meeting_outcome(outcome: str) -> Handler:
    def handler(case: Case, event: Event) -> Case:
        # The outcome belongs to the latest meeting still waiting for one.
        meetings = list(case.meetings)
        for i in range(len(meetings) - 1, -1, -1):
            if not meetings[i].outcome:
                meetings[i] = replace(meetings[i], outcome=outcome)
                break
        return replace(case, meetings=tuple(meetings))

    return handler


def _referral(case: Case, event: Event) -> Case:
    d = _payload(event, ReferralMade)
    ref = Referral(to=d.to.value, reference=d.reference, on=d.on)
    return replace(case, referrals=(*case.referrals, ref))


def _flagged(case: Case, event: Event) -> Case:
    return replace(case, flags=tuple(dict.fromkeys((*case.flags, HARASSMENT))))


def _closed(case: Case, event: Event) -> Case:
    d = _payload(event, Closed)
    return replace(case, status=CaseStatus.CLOSED, outcome=d.outcome, closed=event.at)


def _reopened(case: Case, event: Event) -> Case:
    return replace(
        case, status=CaseStatus.OPEN, closed=None, outcome="", flags=_without(case, REPLY_AFTER_CLOSE)
    )


def _without(case: Case, flag: str) -> tuple[str, ...]:
    return tuple(f for f in case.flags if f != flag)


def _person_updated(case: Case, event: Event) -> Case:
    d = _payload(event, PersonChanged)
    subjects = tuple(
        Subject(s.person_id, d.name) if s.person_id == d.person_id else s for s in case.subjects
    )
    return replace(case, subjects=subjects)


def _identified(case: Case, event: Event) -> Case:
    d = _payload(event, SubjectIdentified)
    subjects = tuple(
        Subject(d.person_id, d.name) if s.person_id == d.placeholder_id else s
        for s in case.subjects
    )
    return replace(case, subjects=tuple(dict.fromkeys(subjects)))


def _decision(case: Case, event: Event) -> Case:
    # A decision recorded on a closed case after a reply (to leave it closed) settles the reply.
    if not case.is_open and REPLY_AFTER_CLOSE in case.flags:
        return replace(case, flags=_without(case, REPLY_AFTER_CLOSE))
    return case


def _evidence(case: Case, event: Event) -> Case:
    d = event.data
    if not isinstance(d, EvidenceAdded):
        return case
    if not case.is_open and d.kind is EvidenceKind.EMAIL and REPLY_AFTER_CLOSE not in case.flags:
        # Never attached silently: the case asks for attention until reopened or settled.
        case = replace(case, flags=(*case.flags, REPLY_AFTER_CLOSE))
    mid = d.message_id
    if mid and mid not in case.message_ids:
        return replace(case, message_ids=(*case.message_ids, mid))
    return case


def _split(case: Case, event: Event) -> Case:
    # Replies to a split email belong to the new case: stop matching its Message-ID here.
    mid = _payload(event, EmailSplit).message_id
    return replace(case, message_ids=tuple(m for m in case.message_ids if m != mid))


P = TypeVar("P", bound=Payload)
Handler = Callable[[Case, Event], Case]


def _payload(event: Event, cls: type[P]) -> P:
    # Event checks its payload's class when it is built: this only narrows the type.
    assert isinstance(event.data, cls)
    return event.data


def _hold(case: Case, event: Event) -> Case:
    held = event.type is EventType.LEGAL_HOLD
    return replace(case, hold=_payload(event, LegalHold).reason if held else "")


_HANDLERS: Mapping[EventType, Handler] = {
    EventType.LEGAL_HOLD: _hold,
    EventType.HOLD_RELEASED: _hold,
    EventType.EMAIL_SPLIT: _split,
    EventType.INCIDENT: _incident,
    EventType.STEP_CHANGED: _step_changed,
    EventType.BAN_IMPOSED: _ban_imposed,
    EventType.BAN_CONFIRMED: _ban_confirmed,
    EventType.BAN_REVIEWED: _ban_reviewed,
    EventType.BAN_LIFTED: _ban_lifted,
    EventType.MEETING_SCHEDULED: _meeting_scheduled,
    EventType.MEETING_ATTENDED: _meeting_outcome("attended"),
    EventType.MEETING_REFUSED: _meeting_outcome("refused"),
    EventType.MEETING_NO_SHOW: _meeting_outcome("no-show"),
    EventType.REFERRAL: _referral,
    EventType.HARASSMENT_FLAGGED: _flagged,
    EventType.CASE_CLOSED: _closed,
    EventType.CASE_REOPENED: _reopened,
    EventType.DECISION: _decision,
    EventType.REPRESENTATIONS_RECEIVED: _representations,
    EventType.PERSON_UPDATED: _person_updated,
    EventType.SUBJECT_IDENTIFIED: _identified,
    EventType.EVIDENCE_ADDED: _evidence,
}


def replay(events: Sequence[Event]) -> Case:
    """Rebuild a case from its events alone; the first must be case-opened."""
    first = events[0]
    if not isinstance(first.data, CaseOpened):
        raise CaseRuleError(f"{first.case_ref}: the first event is {first.type}, not case-opened")
    case = opened_case(first, first.data)
    for event in events[1:]:
        case = apply(case, event)
    return case
