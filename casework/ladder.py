"""The ladder: which step comes next, and whether a move is in order.

The ladder suggests a step only once what it depends on has happened: the step's letter has
gone, the meeting was held, refused or missed, the representations deadline or the review
date has come. Until then it says what it is waiting for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from casework.bans import Ban, BanStatus
from casework.cases import Case
from casework.events import Event, EventType
from casework.payloads import BanReviewed, LetterMoved, ReviewOutcome
from casework.policy import BanAction, Policy, Route, Step
from casework.record import record
from casework.rules import HARASSMENT


class StepOrderError(ValueError):
    """A move that skips the ladder without a recorded reason."""


@record
class Suggestion:
    """The step the ladder suggests, and why."""

    step: str
    why: str


@record
class Assessment:
    """Where the ladder stands: a suggestion, or what it waits for before it makes one."""

    suggestion: Suggestion | None
    waiting: str = ""


def in_order(policy: Policy, case: Case, to_step: str) -> bool:
    """A move follows the ladder when the current step lists it as a next step."""
    try:
        return to_step in policy.step(case.step).next
    except KeyError:  # a case left on a step an older ladder had
        return False


def check_move(policy: Policy, case: Case, to_step: str, reason: str | None) -> None:
    """Raise StepOrderError when a move is out of order and no reason was given."""
    if all(s.id != to_step for s in policy.steps):
        raise StepOrderError(
            f"no step {to_step!r} in the policy {policy.id!r}; its steps are: "
            + ", ".join(s.id for s in policy.steps)
        )
    # A step may follow itself when the ladder says so (a ban reviewed again).
    if to_step == case.step and not in_order(policy, case, to_step):
        raise StepOrderError(f"{case.ref} is already at step {to_step!r}")
    if not in_order(policy, case, to_step) and not (reason and reason.strip()):
        try:
            allowed = ", ".join(policy.step(case.step).next) or "none"
        except KeyError:
            allowed = "none"
        raise StepOrderError(
            f"{to_step!r} does not follow {case.step!r} on the ladder "
            f"(next steps: {allowed}); give a reason to record why"
        )


def suggest(policy: Policy, case: Case, events: Sequence[Event], today: date) -> Suggestion | None:
    """The next step from the case's history, once what the current step waits for has happened."""
    return assess(policy, case, events, today).suggestion


# How the ladder words the events a step waits for.
_AWAITED = {
    EventType.MEETING_ATTENDED.value: "the meeting to be held",
    EventType.MEETING_REFUSED.value: "refused",
    EventType.MEETING_NO_SHOW.value: "missed",
    EventType.INCIDENT.value: "a further incident",
    EventType.REPRESENTATIONS_RECEIVED.value: "representations",
    EventType.BAN_LIFTED.value: "the ban to be lifted",
}


def assess(policy: Policy, case: Case, events: Sequence[Event], today: date) -> Assessment:
    """The ladder's suggestion for a case, or what it is waiting for."""
    if not case.is_open:
        return Assessment(None)
    try:
        step = policy.step(case.step)
    except KeyError:
        return Assessment(None, f"the case is at {case.step!r}, a step this ladder no longer has")
    since = _events_since_step(case, events)
    routed = _route(policy, case, step, since)
    if routed is not None:
        return Assessment(routed)
    ban = case.bans[-1] if case.bans else None
    if step.ban is not None and step.letter and not _letter_sent(since, step.letter):
        # A ban is always in writing (DfE 2018): nothing follows before its letter has gone.
        return Assessment(None, f"the {step.letter} letter to be sent")
    keys = [_event_key(e) for e in since]
    rules = dict(step.when)
    for key in reversed(keys):
        target = rules.get(key)
        if target:
            return Assessment(Suggestion(target, f"after {key.replace('-', ' ')}"))
    if step.letter and not _letter_sent(since, step.letter):
        return Assessment(None, f"the {step.letter} letter to be sent")
    if step.ban is not None and ban is not None:
        return _after_ban_step(policy, step, ban, today)
    if step.when:
        return Assessment(None, _waiting_words(step))
    if step.next:
        return Assessment(Suggestion(step.next[0], "next on the ladder"))
    return Assessment(None)


def _route(policy: Policy, case: Case, step: Step, since: Sequence[Event]) -> Suggestion | None:
    """A criminal or defamation matter, or harassment where the policy says so, goes first."""
    if case.step == policy.first_step:
        for route in (Route.CRIMINAL, Route.DEFAMATION):
            target = policy.route_step(route)
            if target and _has_route(policy, case, route):
                return Suggestion(target, f"a behaviour on this case is a {route.value} matter")
    target = dict(policy.route_steps).get(HARASSMENT)
    if (
        target
        and HARASSMENT in case.flags
        and case.step != target
        and target in step.next
        and not _referred(policy, case, target)
    ):
        return Suggestion(target, "the harassment flag: the policy refers harassment")
    return None


def _referred(policy: Policy, case: Case, target: str) -> bool:
    to = policy.step(target).referral
    return any(r.to == to for r in case.referrals)


def _after_ban_step(policy: Policy, step: Step, ban: Ban, today: date) -> Assessment:
    """What follows a ban step once its letter has gone: by the ban's own dates."""
    if ban.status is BanStatus.LIFTED or step.ban is BanAction.LIFT:
        return _first(policy, step, lambda s: s.closes, "the ban has been lifted")
    if step.ban in (BanAction.PROVISIONAL, BanAction.INTENT):
        deadline = ban.representations_deadline
        if deadline is not None and deadline < today:
            return _first(
                policy,
                step,
                lambda s: s.ban is BanAction.CONFIRM,
                f"the representations deadline ({deadline.isoformat()}) has passed",
            )
        until = f" or the deadline, {deadline.isoformat()}" if deadline else ""
        return Assessment(None, f"representations{until}")
    if ban.review_on <= today:
        return _first(
            policy,
            step,
            lambda s: s.ban is BanAction.REVIEW,
            f"the review date ({ban.review_on.isoformat()}) has come",
        )
    return Assessment(None, f"the review date, {ban.review_on.isoformat()}")


def _first(
    policy: Policy, step: Step, test: Callable[[Step], bool], why: str
) -> Assessment:
    for sid in step.next:
        if test(policy.step(sid)):
            return Assessment(Suggestion(sid, why))
    return Assessment(None)


def _waiting_words(step: Step) -> str:
    words = [_AWAITED.get(event, event.replace("-", " ")) for event, _ in step.when]
    meeting = [w for w in words if w in ("the meeting to be held", "refused", "missed")]
    rest = [w for w in words if w not in meeting]
    parts = []
    if meeting:
        parts.append("the meeting to be held, refused or missed")
    parts += rest
    return " or ".join(parts)


def _event_key(event: Event) -> str:
    # A review that lifted the ban lifted it: the ladder treats it as the ban lifted.
    d = event.data
    if isinstance(d, BanReviewed) and d.outcome is ReviewOutcome.LIFTED:
        return EventType.BAN_LIFTED.value
    return event.type.value


def _letter_sent(since: Sequence[Event], kind: str) -> bool:
    return any(
        e.type in (EventType.LETTER_SENT, EventType.LETTER_POSTED)
        and isinstance(e.data, LetterMoved)
        and e.data.kind == kind
        for e in since
    )


def _has_route(policy: Policy, case: Case, route: Route) -> bool:
    for bid in case.behaviours:
        try:
            if policy.behaviour(bid).route is route:
                return True
        except KeyError:
            continue
    return False


def _events_since_step(case: Case, events: Sequence[Event]) -> list[Event]:
    since: list[Event] = []
    for event in events:
        if event.type is EventType.STEP_CHANGED:
            since = []
        elif event.case_ref == case.ref:
            since.append(event)
    return since
