"""How a case moves: opening it, the steps of its ladder, and the ban records they make."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from casework import bans as ban_rules
from casework.authority import check_step
from casework.bans import Ban, BanKind
from casework.cases import Case, Severity
from casework.config import Periods
from casework.events import Event, EventType, make_event
from casework.fields import build, parse_date
from casework.fold import CaseRuleError, opened_case
from casework.ladder import check_move, in_order
from casework.payloads import (
    BanDecision,
    BanImposed,
    BanReviewed,
    CaseOpened,
    Closed,
    NoticeDue,
    ReferralBody,
    ReferralMade,
    ReviewOutcome,
    StepChanged,
)
from casework.people import Subject
from casework.policy import BanAction, Policy, Step
from casework.record import record
from casework.schooldays import SchoolCalendar
from casework.staff import Actor


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
    return opened_case(event, opened), event


def step_notices(policy: Policy, case: Case, step_id: str, *, actor: str, at: datetime) -> list[Event]:
    """The notice a step makes due to people inside the school (none if it notifies nobody)."""
    step = policy.step(step_id)
    if not step.notify:
        return []
    due = NoticeDue(step=step.id, step_label=step.label, to=step.notify)
    words = f"Notice due to {', '.join(step.notify)}: {step.label}"
    return [make_event(case.ref, actor, EventType.NOTICE_DUE, words, due, at=at)]




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


@record
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
