"""How events change a case: the pure fold behind every command and screen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from casework import bans as ban_rules
from casework.bans import Ban, BanKind
from casework.cases import Case, CaseStatus, IncidentMark, Meeting, Referral, Severity
from casework.config import Periods
from casework.events import Event, EventType, make_event
from casework.ladder import check_move, in_order
from casework.people import Subject
from casework.policy import Policy
from casework.rules import HARASSMENT
from casework.serial import from_json, to_json


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
    case = Case(
        ref=ref,
        summary=summary,
        subjects=tuple(subjects),
        reporter=reporter,
        behaviours=tuple(dict.fromkeys(behaviours)),
        severity=severity,
        step=policy.first_step,
        status=CaseStatus.OPEN,
        opened=at,
        last_activity=at,
    )
    event = make_event(
        ref,
        actor,
        EventType.CASE_OPENED,
        f"Case opened: {summary}",
        {
            "summary": summary,
            "subjects": [s.name for s in subjects],
            "reporter": reporter,
            "behaviours": list(case.behaviours),
            "severity": severity.value,
            "step": case.step,
        },
        at=at,
    )
    return case, event


def apply(case: Case, event: Event) -> Case:
    """The case after one event: each type changes only what it is about."""
    case = replace(case, last_activity=max(case.last_activity, event.at))
    handler = _HANDLERS.get(event.type)
    return handler(case, event.data) if handler else case


def _incident(case: Case, data: Mapping[str, Any]) -> Case:
    mark = IncidentMark(
        event_id=str(data.get("event_id", "")),
        occurred_on=date.fromisoformat(data["occurred_on"]),
        target=str(data.get("target", "")),
        behaviours=tuple(data.get("behaviours", ())),
        published_on=date.fromisoformat(data["published_on"]) if data.get("published_on") else None,
    )
    behaviours = tuple(dict.fromkeys((*case.behaviours, *mark.behaviours)))
    return replace(case, incidents=(*case.incidents, mark), behaviours=behaviours)


def _step_changed(case: Case, data: Mapping[str, Any]) -> Case:
    return replace(case, step=str(data["to"]))


def _ban_imposed(case: Case, data: Mapping[str, Any]) -> Case:
    ban = from_json(Ban, data["ban"])
    return replace(case, bans=(*case.bans, ban))


def _on_ban(case: Case, ban_id: str, change: Any) -> Case:
    return replace(case, bans=tuple(change(b) if b.id == ban_id else b for b in case.bans))


def _ban_confirmed(case: Case, data: Mapping[str, Any]) -> Case:
    on = date.fromisoformat(data["on"])
    return _on_ban(case, data["ban_id"], lambda b: ban_rules.confirm(b, on))


def _ban_reviewed(case: Case, data: Mapping[str, Any]) -> Case:
    on = date.fromisoformat(data["on"])
    nxt = date.fromisoformat(data["next_review_on"])
    outcome = str(data["outcome"])
    return _on_ban(case, data["ban_id"], lambda b: ban_rules.reviewed(b, on, nxt, outcome))


def _ban_lifted(case: Case, data: Mapping[str, Any]) -> Case:
    on = date.fromisoformat(data["on"])
    return _on_ban(case, data["ban_id"], lambda b: ban_rules.lifted(b, on))


def _meeting_scheduled(case: Case, data: Mapping[str, Any]) -> Case:
    meeting = Meeting(
        event_id=str(data.get("event_id", "")),
        at=datetime.fromisoformat(data["at"]),
        place=str(data.get("place", "")),
        attendees=tuple(data.get("attendees", ())),
    )
    return replace(case, meetings=(*case.meetings, meeting))


def _meeting_outcome(outcome: str) -> Any:
    def handler(case: Case, data: Mapping[str, Any]) -> Case:
        # The outcome belongs to the latest meeting still waiting for one.
        meetings = list(case.meetings)
        for i in range(len(meetings) - 1, -1, -1):
            if not meetings[i].outcome:
                meetings[i] = replace(meetings[i], outcome=outcome)
                break
        return replace(case, meetings=tuple(meetings))

    return handler


def _referral(case: Case, data: Mapping[str, Any]) -> Case:
    ref = Referral(
        to=str(data["to"]),
        reference=str(data.get("reference", "")),
        on=date.fromisoformat(data["on"]),
    )
    return replace(case, referrals=(*case.referrals, ref))


def _flagged(case: Case, data: Mapping[str, Any]) -> Case:
    return replace(case, flags=tuple(dict.fromkeys((*case.flags, HARASSMENT))))


def _closed(case: Case, data: Mapping[str, Any]) -> Case:
    return replace(
        case,
        status=CaseStatus.CLOSED,
        outcome=str(data.get("outcome", "")),
        closed=datetime.fromisoformat(data["at"]),
    )


def _reopened(case: Case, data: Mapping[str, Any]) -> Case:
    return replace(case, status=CaseStatus.OPEN, closed=None, outcome="")


def _evidence(case: Case, data: Mapping[str, Any]) -> Case:
    mid = data.get("message_id")
    if mid and mid not in case.message_ids:
        return replace(case, message_ids=(*case.message_ids, str(mid)))
    return case


def _split(case: Case, data: Mapping[str, Any]) -> Case:
    # Replies to a split email belong to the new case: stop matching its Message-ID here.
    mid = data.get("message_id")
    return replace(case, message_ids=tuple(m for m in case.message_ids if m != mid))


_HANDLERS: Mapping[EventType, Any] = {
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
    EventType.EVIDENCE_ADDED: _evidence,
    EventType.LETTER_SENT: _evidence,
}


def replay(events: Sequence[Event], policy: Policy) -> Case:
    """Rebuild a case from its events alone; the first must be case-opened."""
    first = events[0]
    if first.type is not EventType.CASE_OPENED:
        raise CaseRuleError(f"{first.case_ref}: the first event is {first.type}, not case-opened")
    d = first.data
    case = Case(
        ref=first.case_ref,
        summary=str(d["summary"]),
        subjects=tuple(from_json(Subject, s) for s in d.get("subject_records", ())),
        reporter=str(d["reporter"]),
        behaviours=tuple(d["behaviours"]),
        severity=Severity(d["severity"]),
        step=str(d.get("step", policy.first_step)),
        status=CaseStatus.OPEN,
        opened=first.at,
        last_activity=first.at,
    )
    for event in events[1:]:
        case = apply(case, event)
    return case


def move(
    policy: Policy,
    case: Case,
    to_step: str,
    *,
    actor: str,
    at: datetime,
    periods: Periods,
    reason: str | None = None,
    fields: Mapping[str, str] | None = None,
    ban_id: str = "",
) -> list[Event]:
    """The events of moving a case to a step: the move, and what the step does (ban, referral, close)."""
    if not case.is_open:
        raise CaseRuleError(f"{case.ref} is closed; reopen it first")
    check_move(policy, case, to_step, reason)
    fields = dict(fields or {})
    step = policy.step(to_step)
    ordered = in_order(policy, case, to_step)
    summary = f"Step: {policy.step(case.step).label} -> {step.label}"
    if not ordered:
        summary += f" (out of order: {reason})"
    events = [
        make_event(
            case.ref,
            actor,
            EventType.STEP_CHANGED,
            summary,
            {"from": case.step, "to": to_step, "reason": reason or "", "in_order": ordered},
            at=at,
        )
    ]
    today = at.date()
    if step.ban:
        events.append(
            _ban_event(
                case,
                step.ban,
                actor,
                at,
                periods,
                fields,
                ban_id or f"{case.ref}-B{len(case.bans) + 1}",
            )
        )
    if step.referral:
        to = step.referral
        who = policy.police if to == "police" else policy.legal
        reference = fields.get("reference", "")
        events.append(
            make_event(
                case.ref,
                actor,
                EventType.REFERRAL,
                f"Referred to {who}" + (f" (reference {reference})" if reference else ""),
                {"to": to, "reference": reference, "on": today.isoformat(), "body": who},
                at=at,
            )
        )
    if step.closes:
        outcome = fields.get("outcome") or reason or "closed"
        events.append(
            make_event(
                case.ref,
                actor,
                EventType.CASE_CLOSED,
                f"Case closed: {outcome}",
                {"outcome": outcome, "at": at.isoformat()},
                at=at,
            )
        )
    return events


def _current_ban(case: Case) -> Ban:
    for ban in reversed(case.bans):
        if ban.status is not ban_rules.BanStatus.LIFTED:
            return ban
    raise CaseRuleError(f"{case.ref} has no ban in place to act on")


def _ban_event(
    case: Case,
    action: str,
    actor: str,
    at: datetime,
    periods: Periods,
    fields: Mapping[str, str],
    ban_id: str,
) -> Event:
    today = at.date()
    if action in ("provisional", "intent"):
        subject = case.subjects[0] if case.subjects else Subject("", "the parent")
        kind = BanKind.PROVISIONAL if action == "provisional" else BanKind.INTENT
        ban = ban_rules.proposed_ban(
            ban_id,
            subject.person_id,
            subject.name,
            kind,
            today,
            periods,
            reasons=fields.get("reasons") or case.summary,
            scope=fields.get("scope", ""),
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
            {"ban": to_json(ban)},
            at=at,
        )
    ban = _current_ban(case)
    if action == "confirm":
        return make_event(
            case.ref,
            actor,
            EventType.BAN_CONFIRMED,
            f"Ban confirmed: {ban.person_name}",
            {"ban_id": ban.id, "on": today.isoformat()},
            at=at,
        )
    if action == "review":
        outcome = fields.get("outcome", "continued")
        if outcome not in ("continued", "lifted"):
            raise CaseRuleError(f'a review outcome is "continued" or "lifted", not {outcome!r}')
        nxt = (
            fields.get("next_review_on")
            or (today + timedelta(days=periods.ban_review_days)).isoformat()
        )
        return make_event(
            case.ref,
            actor,
            EventType.BAN_REVIEWED,
            f"Ban reviewed: {outcome}",
            {"ban_id": ban.id, "on": today.isoformat(), "outcome": outcome, "next_review_on": nxt},
            at=at,
        )
    return make_event(
        case.ref,
        actor,
        EventType.BAN_LIFTED,
        f"Ban lifted: {ban.person_name}",
        {"ban_id": ban.id, "on": today.isoformat()},
        at=at,
    )


def _with_dates(ban: Ban, fields: Mapping[str, str]) -> Ban:
    """Let the office change any prefilled date; the ban rules are checked again."""
    changes: dict[str, Any] = {}
    for name in ("starts_on", "ends_on", "review_on", "representations_deadline"):
        if fields.get(name):
            try:
                changes[name] = date.fromisoformat(fields[name])
            except ValueError:
                raise CaseRuleError(
                    f"{name}: expected a date YYYY-MM-DD, got {fields[name]!r}"
                ) from None
    for name in ("representations_to", "collection_arrangements"):
        if fields.get(name):
            changes[name] = fields[name]
    try:
        return ban_rules.check_ban(replace(ban, **changes)) if changes else ban
    except ban_rules.BanRuleError as exc:
        raise CaseRuleError(str(exc)) from None
