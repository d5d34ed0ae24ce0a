"""How events change a case: the pure fold behind every command and screen."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from casework import bans as ban_rules
from casework.authority import check_step
from casework.bans import Ban, BanKind
from casework.cases import Case, CaseStatus, IncidentMark, Meeting, Referral, Severity
from casework.config import Periods
from casework.events import Event, EventType, make_event
from casework.fields import build, parse_date
from casework.ladder import check_move, in_order
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
    NoticeDue,
    Payload,
    PersonChanged,
    ReferralBody,
    ReferralMade,
    Representations,
    ReviewOutcome,
    StepChanged,
    SubjectIdentified,
)
from casework.people import Subject
from casework.policy import BanAction, Policy, Step
from casework.rules import HARASSMENT, REPLY_AFTER_CLOSE
from casework.schooldays import SchoolCalendar
from casework.staff import Actor


class CaseRuleError(ValueError):
    """An action the case's rules do not allow, with the reason in words."""


def open_case(
    ref: str,
    policy: Policy,
    *,
    summary: str,
    subjects: Sequence[Subject],
    reporter: str,
    behaviours: Sequence[str],
    severity: Severity,
    actor: str,
    at: datetime,
) -> tuple[Case, Event]:
    """A new case at the policy's first step, and its case-opened event."""
    for bid in behaviours:
        try:
            policy.behaviour(bid)
        except KeyError:
            known = ", ".join(b.id for b in policy.all_behaviours)
            raise CaseRuleError(f"unknown behaviour {bid!r}; the policy lists: {known}") from None
    opened = CaseOpened(
        summary=summary,
        subjects=tuple(s.name for s in subjects),
        reporter=reporter,
        behaviours=tuple(dict.fromkeys(behaviours)),
        severity=severity.value,
        step=policy.first_step,
        subject_records=tuple(subjects),
    )
    event = make_event(ref, actor, EventType.CASE_OPENED, f"Case opened: {summary}", opened, at=at)
    return _opened(event, opened), event


def step_notices(policy: Policy, case: Case, step_id: str, *, actor: str, at: datetime) -> list[Event]:
    """The notice a step makes due to people inside the school (none if it notifies nobody)."""
    step = policy.step(step_id)
    if not step.notify:
        return []
    due = NoticeDue(step=step.id, step_label=step.label, to=step.notify)
    words = f"Notice due to {', '.join(step.notify)}: {step.label}"
    return [make_event(case.ref, actor, EventType.NOTICE_DUE, words, due, at=at)]


def _opened(event: Event, data: CaseOpened) -> Case:
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
    case = _opened(first, first.data)
    for event in events[1:]:
        case = apply(case, event)
    return case


# What ``--set`` (or a form) may say when a case moves to a step, by what the step does.
BAN_FIELDS = (
    "reasons",
    "scope",
    "starts_on",
    "ends_on",
    "review_on",
    "representations_deadline",
    "representations_to",
    "collection_arrangements",
)
REVIEW_FIELDS = ("outcome", "next_review_on", "reason")
LIFT_FIELDS = ("reason",)


def step_fields(step: Step) -> tuple[str, ...]:
    """The details a move to ``step`` takes; anything else is a mistake to report."""
    if step.ban in (BanAction.PROVISIONAL, BanAction.INTENT):
        return BAN_FIELDS
    if step.ban is BanAction.REVIEW:
        return REVIEW_FIELDS
    names: tuple[str, ...] = LIFT_FIELDS if step.ban is BanAction.LIFT else ()
    if step.referral:
        names += ("reference",)
    if step.closes:
        names += ("outcome",)
    return names


def move(
    policy: Policy,
    case: Case,
    to_step: str,
    *,
    actor: Actor,
    at: datetime,
    today: date,
    periods: Periods,
    reason: str | None = None,
    fields: Mapping[str, str] | None = None,
    ban_id: str = "",
    calendar: SchoolCalendar | None = None,
) -> list[Event]:
    """The events of moving a case to a step: the move, and what the step does (ban, referral, close).

    ``today`` is the school's local date at ``at``: the day a ban starts, a referral is made.
    Only a role the policy (or the built-in rule) names for the step may take it.
    """
    if not case.is_open:
        raise CaseRuleError(f"{case.ref} is closed; reopen it first")
    check_move(policy, case, to_step, reason)
    check_step(policy, to_step, actor)
    by = actor.name
    fields = {k: v for k, v in (fields or {}).items()}
    step = policy.step(to_step)
    refusal = ban_step_refusal(case, step, today)
    if refusal:
        raise CaseRuleError(f"{case.ref} cannot move to {to_step!r}: {refusal}")
    allowed = step_fields(step)
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        takes = ", ".join(allowed) if allowed else "no fields"
        raise CaseRuleError(f"step {to_step!r} takes {takes}; not {', '.join(unknown)}")
    ordered = in_order(policy, case, to_step)
    summary = f"Step: {policy.step(case.step).label} -> {step.label}"
    if not ordered:
        summary += f" (out of order: {reason})"
    changed = StepChanged(
        from_step=case.step, to=to_step, reason=(reason or "").strip(), in_order=ordered
    )
    events = [make_event(case.ref, by, EventType.STEP_CHANGED, summary, changed, at=at)]
    if step.ban and not _already_lifted(case, step.ban):
        new_id = ban_id or f"{case.ref}-B{len(case.bans) + 1}"
        terms = policy.terms_for(to_step)
        if terms.representations_days is not None:
            periods = replace(periods, representations_days=terms.representations_days)
        # The policy's default texts, unless the office wrote the ban's own.
        defaults = {"scope": terms.scope, "collection_arrangements": terms.collection_arrangements}
        fields = {**{k: v for k, v in defaults.items() if v}, **{k: v for k, v in fields.items() if v}}
        events.append(
            _ban_event(
                case, step.ban, by, at, today, periods, fields, new_id, calendar or SchoolCalendar()
            )
        )
    if step.referral:
        to = ReferralBody(step.referral)
        who = policy.police if to is ReferralBody.POLICE else policy.legal
        reference = fields.get("reference", "").strip()
        referral = ReferralMade(to=to, on=today, reference=reference, body=who)
        words = f"Referred to {who}" + (f" (reference {reference})" if reference else "")
        events.append(make_event(case.ref, by, EventType.REFERRAL, words, referral, at=at))
    events += step_notices(policy, case, to_step, actor=by, at=at)
    if step.closes:
        outcome = (fields.get("outcome") or reason or "closed").strip()
        events.append(
            make_event(
                case.ref, by, EventType.CASE_CLOSED, f"Case closed: {outcome}", Closed(outcome), at=at
            )
        )
    return events


def ban_step_refusal(case: Case, step: Step, today: date | None = None) -> str | None:
    """Why a ban step cannot be taken on this case now (no ban to confirm, say); None if it can.

    Given ``today``, the dates count too: a ban is confirmed only after the deadline for
    representations, or once they have been received.
    """
    if step.ban not in (BanAction.CONFIRM, BanAction.REVIEW, BanAction.LIFT):
        return None
    standing = [b for b in case.bans if b.status is not ban_rules.BanStatus.LIFTED]
    if step.ban is BanAction.LIFT:
        if standing or (case.bans and case.step != step.id):
            return None
        return "there is no ban to lift"
    if not standing:
        return "there is no ban in place" if not case.bans else "the ban has been lifted"
    ban = standing[-1]
    if step.ban is BanAction.CONFIRM:
        if ban.status is ban_rules.BanStatus.CONFIRMED:
            return "the ban is already confirmed"
        return ban_rules.confirm_refusal(ban, today) if today is not None else None
    if ban.status is ban_rules.BanStatus.INTENDED:
        return "the ban is only intended: decide it (confirm or lift) before reviewing it"
    return None


def _already_lifted(case: Case, action: BanAction) -> bool:
    """A lift step after a review that lifted the ban: the step is taken, the ban stays as it is."""
    return (
        action is BanAction.LIFT
        and bool(case.bans)
        and all(b.status is ban_rules.BanStatus.LIFTED for b in case.bans)
    )


def _current_ban(case: Case) -> Ban:
    for ban in reversed(case.bans):
        if ban.status is not ban_rules.BanStatus.LIFTED:
            return ban
    raise CaseRuleError(f"{case.ref} has no ban in place to act on")


def _ban_event(
    case: Case,
    action: BanAction,
    actor: str,
    at: datetime,
    today: date,
    periods: Periods,
    fields: Mapping[str, str],
    ban_id: str,
    calendar: SchoolCalendar,
) -> Event:
    if action in (BanAction.PROVISIONAL, BanAction.INTENT):
        subject = case.subjects[0] if case.subjects else Subject("", "the parent")
        kind = BanKind.PROVISIONAL if action is BanAction.PROVISIONAL else BanKind.INTENT
        if not fields.get("reasons", "").strip():
            # The letter states them (DfE 2018): the head's words, never an email's subject.
            raise CaseRuleError(
                "reasons: a ban states its reasons in the headteacher's words (--set reasons=...)"
            )
        ban = ban_rules.proposed_ban(
            ban_id,
            subject.person_id,
            subject.name,
            kind,
            today,
            periods,
            reasons=fields["reasons"].strip(),
            scope=fields.get("scope", ""),
            calendar=calendar,
        )
        ban = _with_dates(ban, fields)
        label = (
            "Ban imposed, pending representations"
            if kind is BanKind.PROVISIONAL
            else "Notice of intent to ban"
        )
        return make_event(
            case.ref,
            actor,
            EventType.BAN_IMPOSED,
            f"{label}: {subject.name}, review {ban.review_on.isoformat()}",
            BanImposed(ban),
            at=at,
        )
    ban = _current_ban(case)
    reason = fields.get("reason", "").strip()
    if action in (BanAction.REVIEW, BanAction.LIFT) and not reason:
        # The letter that follows states it (DfE 2018: the decision, in writing, with reasons).
        what = "a review" if action is BanAction.REVIEW else "lifting a ban"
        raise CaseRuleError(f"reason: {what} states why, in the decider's words (--set reason=...)")
    if action is BanAction.REVIEW:
        outcome = build(ReviewOutcomeField, "ban-review", {"outcome": fields.get("outcome") or "continued"}).outcome
        nxt = (
            parse_date("next_review_on", fields["next_review_on"])
            if fields.get("next_review_on")
            else calendar.add(today, periods.ban_review_days, periods.ban_review_count)
        )
        review = BanReviewed(ban.id, today, outcome, nxt, reason)
        return make_event(
            case.ref, actor, EventType.BAN_REVIEWED, f"Ban reviewed: {outcome.value}", review, at=at
        )
    # Confirm or lift: a decision on the ban, dated today.
    etype, words = _DECISIONS[action]
    decision = BanDecision(ban.id, today, reason if action is BanAction.LIFT else "")
    return make_event(case.ref, actor, etype, f"{words}: {ban.person_name}", decision, at=at)


_DECISIONS = {
    BanAction.CONFIRM: (EventType.BAN_CONFIRMED, "Ban confirmed"),
    BanAction.LIFT: (EventType.BAN_LIFTED, "Ban lifted"),
}


@dataclass(frozen=True)
class ReviewOutcomeField:
    """The one choice a review step takes from the office."""

    outcome: ReviewOutcome


def _with_dates(ban: Ban, fields: Mapping[str, str]) -> Ban:
    """Let the office change any prefilled date; the ban rules are checked again."""
    changes: dict[str, Any] = {}
    for name in ("starts_on", "ends_on", "review_on", "representations_deadline"):
        if fields.get(name):
            changes[name] = parse_date(name, fields[name])
    for name in ("representations_to", "collection_arrangements"):
        if fields.get(name):
            changes[name] = fields[name]
    try:
        return ban_rules.check_ban(replace(ban, **changes)) if changes else ban
    except ban_rules.BanRuleError as exc:
        raise CaseRuleError(str(exc)) from None
