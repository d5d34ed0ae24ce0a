"""Criminal-offence data (UK GDPR article 10): which cases hold it, and who may see them in full.

A case holds it when one of its behaviours (or an incident's) is on the policy's criminal
route, when it was referred to the police, or when it carries the harassment flag (a
possible offence under the Protection from Harassment Act 1997). Such a case, with its
evidence, is seen in full only by the roles the school names (``[staff]
restricted_roles``: the headteacher, the deputy and the DSL by default); anyone else sees
that a restricted record exists and whom to ask. Every full view is an audited event.
"""

from __future__ import annotations

from casework.cases import Case
from casework.policy import Policy, Route
from casework.record import record
from casework.rules import HARASSMENT
from casework.staff import Actor, Role, StaffRegister


@record
class Restriction:
    """Why a case is restricted, in words, and who may see it."""

    reasons: tuple[str, ...]
    roles: frozenset[Role]


def restriction(policy: Policy, case: Case, roles: tuple[str, ...]) -> Restriction | None:
    """The case's restriction, or None when it holds no criminal-offence data."""
    reasons: list[str] = []
    behaviours = set(case.behaviours) | {b for i in case.incidents for b in i.behaviours}
    criminal = sorted(b for b in behaviours if _route(policy, b) is Route.CRIMINAL)
    if criminal:
        reasons.append(f"criminal-route behaviour ({', '.join(criminal)})")
    if any(r.to == "police" for r in case.referrals):
        reasons.append("referred to the police")
    if HARASSMENT in case.flags:
        reasons.append("possible harassment (a course of conduct)")
    if not reasons:
        return None
    return Restriction(tuple(reasons), frozenset(Role(r) for r in roles))


def _route(policy: Policy, behaviour: str) -> Route | None:
    try:
        return policy.behaviour(behaviour).route
    except KeyError:
        return None


def may_see(actor: Actor, restriction: Restriction | None) -> bool:
    """Whether ``actor`` sees the case in full (always, for a case with no restriction)."""
    return restriction is None or actor.sees_restricted(restriction.roles)


def withheld_notice(ref: str, restriction: Restriction, register: StaffRegister) -> str:
    """What someone who may not see a restricted case is told instead of its contents."""
    return (
        f"{ref} is a restricted record: it holds criminal-offence data (UK GDPR article 10). "
        f"Only {register.who(restriction.roles)} may see it in full; ask them."
    )


RESTRICTED_WORDS = "restricted record"


def masked(case: Case) -> Case:
    """A restricted case as a list shows it to someone who may not see it: only that it exists."""
    from dataclasses import replace

    from casework.people import Subject

    return replace(
        case,
        summary=RESTRICTED_WORDS,
        subjects=tuple(Subject(s.person_id, RESTRICTED_WORDS) for s in case.subjects[:1]),
        behaviours=(),
        incidents=(),
        referrals=(),
        flags=(),
        meetings=(),
        message_ids=(),
        reporter="",
    )


def as_seen_by(policy: Policy, case: Case, actor: Actor, roles: tuple[str, ...]) -> Case:
    """The case, or its masked form when ``actor`` may not see it."""
    return case if may_see(actor, restriction(policy, case, roles)) else masked(case)
