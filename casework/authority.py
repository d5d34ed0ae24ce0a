"""Who may take each step, approve each letter and record on a case: the policy, then the default.

By default ban decisions (provisional, notice of intent, confirm, review, lift) are the
headteacher's or the deputy's, and so are approvals of letters; the office and other staff
take the ordinary steps, prepare everything and ask the head. A policy step may name its
own ``taken_by`` and ``approved_by`` roles. Screens and commands ask these functions; the
store calls them before it writes, so no way round them exists.
"""

from __future__ import annotations

from casework.policy import Policy, Step
from casework.staff import DEFAULT_APPROVERS, Actor, Role, not_on_register

# The headteacher, and a deputy acting with the head's delegated authority.
DECIDERS = frozenset({Role.HEADTEACHER, Role.DEPUTY})
# Everyone who works cases day to day; the Chair of Governors takes a step only where the
# policy names the Chair (a panel's appeal, say).
CASEWORKERS = frozenset(
    {Role.OFFICE, Role.HEADTEACHER, Role.DEPUTY, Role.SENIOR_STAFF, Role.DSL}
)


class AuthorityError(ValueError):
    """Someone tried to do what their role may not: the message says who may."""


def step_takers(step: Step) -> frozenset[Role]:
    """The roles that may take ``step``: the policy's ``taken_by``, else the built-in rule."""
    if step.taken_by:
        return frozenset(Role(r) for r in step.taken_by)
    if step.ban is not None:
        return DECIDERS
    return CASEWORKERS


def approvers_for(policy: Policy, kind: str) -> tuple[str, ...]:
    """The roles that may approve a letter of ``kind``: its step's ``approved_by``, else head/deputy."""
    for step in policy.steps:
        if step.letter == kind and step.approved_by:
            return tuple(sorted(step.approved_by))
    return DEFAULT_APPROVERS


def may_take_step(step: Step, actor: Actor) -> bool:
    """Whether ``actor`` may move a case to ``step``."""
    return actor.role is not None and actor.role in step_takers(step)


def decides_bans(policy: Policy, actor: Actor) -> bool:
    """Whether ``actor`` may take any of the policy's ban steps (the dashboard's ban keys)."""
    return any(may_take_step(s, actor) for s in policy.steps if s.ban is not None)


def check_step(policy: Policy, step_id: str, actor: Actor) -> None:
    """Raise AuthorityError unless ``actor`` may take the step ``step_id``."""
    step = policy.step(step_id)
    if actor.role is None:
        raise AuthorityError(not_on_register(actor))
    if actor.role not in step_takers(step):
        who = role_words(step_takers(step))
        raise AuthorityError(
            f"only {who} may take the step {step.label!r}; you are {actor.described}: "
            "prepare it and ask them (a note on the case, or draft the letter and submit it)"
        )


def may_record(actor: Actor) -> bool:
    """Whether ``actor`` may add to a case: anyone on the staff register, or the daemon."""
    return actor.service or actor.role is not None


def check_record(actor: Actor) -> None:
    """Raise AuthorityError unless ``actor`` may record on a case."""
    if not may_record(actor):
        raise AuthorityError(not_on_register(actor))


def may_manage_staff(actor: Actor) -> bool:
    """Only the headteacher adds, edits and removes staff."""
    return actor.role is Role.HEADTEACHER


def _role_words(role: Role) -> str:
    return {
        Role.HEADTEACHER: "the headteacher",
        Role.DEPUTY: "the deputy",
        Role.OFFICE: "the office",
        Role.SENIOR_STAFF: "senior staff",
        Role.CHAIR: "the Chair of Governors",
        Role.DSL: "the DSL",
    }[role]


def role_words(roles: frozenset[Role] | tuple[str, ...]) -> str:
    """Roles in words: 'the deputy or the headteacher'."""
    return " or ".join(_role_words(Role(r)) for r in sorted(str(r) for r in roles))
