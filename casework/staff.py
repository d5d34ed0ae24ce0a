"""Staff and their authority: who is acting (their own OS account), and in which role.

Each member of staff signs in to the school's server as themselves; the staff register
(kept in the store, managed by the headteacher with `conduct staff`) gives each account
its name, address and role. :func:`current_actor` is the one place an actor is made for
a person at the keyboard.
"""

from __future__ import annotations

import os
import pwd
import re
from collections.abc import Iterable
from enum import StrEnum

from casework.record import record


class Role(StrEnum):
    """What a member of staff is to the policy."""

    OFFICE = "office"
    HEADTEACHER = "headteacher"
    DEPUTY = "deputy"  # acting with the headteacher's delegated authority
    SENIOR_STAFF = "senior-staff"
    CHAIR = "chair"
    DSL = "dsl"


# Who approves a letter whose record names nobody: the headteacher or a deputy acting for them.
DEFAULT_APPROVERS = ("deputy", "headteacher")

_ACCOUNT = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class StaffError(ValueError):
    """A staff record or an action on the register that is not allowed, said in one line."""


@record
class StaffMember:
    """One member of staff: their OS account, name, work address and role."""

    account: str
    name: str
    email: str
    role: Role

    def __post_init__(self) -> None:
        if not _ACCOUNT.fullmatch(self.account):
            raise StaffError(f"account: expected an OS user name (like 'hhead'), got {self.account!r}")
        if not self.name.strip() or len(self.name) > 200:
            raise StaffError("name: expected the person's name (1-200 characters)")
        if not _EMAIL.fullmatch(self.email):
            raise StaffError(f"email: expected an address like name@school.sch.uk, got {self.email!r}")
        try:
            object.__setattr__(self, "role", Role(self.role))
        except ValueError:
            raise StaffError(
                f"role: expected one of {', '.join(Role)}, got {self.role!r}"
            ) from None
        object.__setattr__(self, "name", " ".join(self.name.split()))


@record
class StaffRegister:
    """Everyone on the staff register, and whether the install is shared by a group."""

    members: tuple[StaffMember, ...] = ()
    shared: bool = False

    def get(self, account: str) -> StaffMember | None:
        """The member with this OS account, if any."""
        return next((m for m in self.members if m.account == account), None)

    def holders(self, *roles: Role | str) -> tuple[StaffMember, ...]:
        """Everyone holding any of ``roles``."""
        wanted = {str(r) for r in roles}
        return tuple(m for m in self.members if m.role.value in wanted)

    def addresses_for(self, role: str) -> tuple[str, ...]:
        """The addresses of everyone who holds ``role`` (the notices' RoleDirectory)."""
        return tuple(m.email for m in self.holders(role))

    def who(self, roles: frozenset[Role]) -> str:
        """The people holding these roles, in words: 'Mrs Helen Head (headteacher)'."""
        names = [f"{m.name} ({m.role})" for m in self.members if m.role in roles]
        return ", ".join(names) if names else " or ".join(sorted(r.value for r in roles))


@record
class Actor:
    """Who is doing something: an OS account (recorded on every event) and its role.

    ``role`` is None for an account that is not on the staff register; ``service`` marks
    the daemon, which records what the mail brings and what it sends, never a decision.
    """

    name: str
    role: Role | None = Role.OFFICE
    service: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("an actor needs a name")
        if self.role is not None:
            object.__setattr__(self, "role", Role(self.role))

    @property
    def described(self) -> str:
        """'hhead (headteacher)', or 'bob (not on the staff register)'."""
        return f"{self.name} ({self.role if self.role else 'not on the staff register'})"

    def sees_restricted(self, roles: Iterable[str]) -> bool:
        """Whether this actor sees restricted records in full: its role is one of ``roles``
        (the school's ``[staff] restricted_roles``)."""
        return self.role is not None and self.role.value in roles


def os_account() -> str:
    """The OS account this process runs as (its effective user), never a configured name."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid{uid}"


def current_actor(register: StaffRegister, account: str | None = None) -> Actor:
    """The person at the keyboard: their OS account, with the role the register gives it.

    A single-user install (data directory not shared by a group) with nobody on the
    register yet is run by its one user, who is the headteacher.
    """
    account = account or os_account()
    member = register.get(account)
    if member is not None:
        return Actor(account, member.role)
    if not register.members and not register.shared:
        return Actor(account, Role.HEADTEACHER)
    return Actor(account, None)


def not_on_register(actor: Actor) -> str:
    """What to tell an account that is not on the staff register."""
    return (
        f"you ({actor.name}) are not on the staff register: ask the headteacher to run "
        f"`conduct staff add {actor.name} --name NAME --email ADDRESS --role ROLE`"
    )
