"""The ladder: which step comes next, and whether a move is in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from casework.cases import Case
from casework.events import Event, EventType
from casework.policy import Policy, Route


class StepOrderError(ValueError):
    """A move that skips the ladder without a recorded reason."""


@dataclass(frozen=True)
class Suggestion:
    """The step the ladder suggests, and why."""

    step: str
    why: str


def in_order(policy: Policy, case: Case, to_step: str) -> bool:
    """A move follows the ladder when the current step lists it as a next step."""
    return to_step in policy.step(case.step).next


def check_move(policy: Policy, case: Case, to_step: str, reason: str | None) -> None:
    """Raise StepOrderError when a move is out of order and no reason was given."""
    if all(s.id != to_step for s in policy.steps):
        raise StepOrderError(
            f"no step {to_step!r} in the policy {policy.id!r}; its steps are: "
            + ", ".join(s.id for s in policy.steps)
        )
    if to_step == case.step:
        raise StepOrderError(f"{case.ref} is already at step {to_step!r}")
    if not in_order(policy, case, to_step) and not (reason and reason.strip()):
        allowed = ", ".join(policy.step(case.step).next) or "none"
        raise StepOrderError(
            f"{to_step!r} does not follow {case.step!r} on the ladder "
            f"(next steps: {allowed}); give a reason to record why"
        )


def suggest(policy: Policy, case: Case, events: Sequence[Event]) -> Suggestion | None:
    """The next step from the case's history: its route, what happened at this step, the ladder."""
    if not case.is_open:
        return None
    step = policy.step(case.step)
    if case.step == policy.first_step:
        for route in (Route.CRIMINAL, Route.DEFAMATION):
            target = policy.route_step(route)
            if target and _has_route(policy, case, route):
                return Suggestion(target, f"a behaviour on this case is a {route.value} matter")
    since = _events_since_step(case, events)
    rules = dict(step.when)
    for event in reversed(since):
        target = rules.get(event.type.value)
        if target:
            return Suggestion(target, f"after {event.type.value.replace('-', ' ')}")
    if step.next:
        return Suggestion(step.next[0], "next on the ladder")
    return None


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
