"""Staff and their authority: who is acting, in which role, and what that role may decide."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.config import Config


class Role(StrEnum):
    """What a member of staff is to the policy."""

    OFFICE = "office"
    HEADTEACHER = "headteacher"
    SENIOR_STAFF = "senior-staff"


@dataclass(frozen=True)
class Actor:
    """Who is doing something: recorded on every event, and asked about by every rule."""

    name: str
    role: Role = Role.OFFICE

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("an actor needs a name")
        object.__setattr__(self, "role", Role(self.role))


def may_approve(actor: Actor) -> bool:
    """Letters that need approval are approved by the headteacher alone (both seed policies)."""
    return actor.role is Role.HEADTEACHER


def actor_from_config(config: Config) -> Actor:
    """The person at this copy of Conduct Desk, as `[operator]` describes them.

    The school's named headteacher is the headteacher whatever role the file gives. This is
    the one place an actor is read from configuration; the rules take the actor as given.
    """
    op = config.operator
    if op.name == config.school.headteacher:
        return Actor(op.name, Role.HEADTEACHER)
    return Actor(op.name, Role(op.role))
