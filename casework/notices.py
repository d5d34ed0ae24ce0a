"""Internal notices: a policy step tells people inside the school, by role or by address.

A notice is short plain text naming the case reference and the step; it never carries
evidence, the parent's words or anything else from the case. Taking a step with ``notify``
records a notice as due (an event on the case and a record in the store); whoever sends it
asks a :class:`RoleDirectory` for the addresses of each role.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from casework.events import Event
from casework.kinds import ROLES
from casework.payloads import NoticeDue
from casework.record import record


class NoticeStatus(StrEnum):
    """Where a notice is on its way to the staff it concerns."""

    DUE = "due"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@record
class NoticeRecord:
    """One notice due from one step of one case: to whom, and how far it has gone."""

    id: str
    case_ref: str
    step: str
    step_label: str
    to: tuple[str, ...]  # roles and addresses, as the step lists them
    created: datetime
    status: NoticeStatus = NoticeStatus.DUE
    recipients: tuple[str, ...] = ()  # the addresses it went to
    message_id: str = ""
    attempts: int = 0
    next_attempt: datetime | None = None
    last_error: str = ""
    sent_at: datetime | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles among the recipients (the rest are addresses)."""
        return tuple(t for t in self.to if t in ROLES)

    @property
    def addresses(self) -> tuple[str, ...]:
        """The addresses the step wrote out in full."""
        return tuple(t for t in self.to if t not in ROLES)


class RoleDirectory(Protocol):
    """Who holds a role: issue 13's staff register implements this from the store."""

    def addresses_for(self, role: str) -> tuple[str, ...]:
        """The email addresses of everyone who holds ``role`` (empty if nobody does)."""
        ...


@record
class FixedDirectory:
    """Roles to addresses given in full: a stand-in until the staff register exists."""

    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def addresses_for(self, role: str) -> tuple[str, ...]:
        """The addresses written for ``role``."""
        return dict(self.roles).get(role, ())


@record
class Resolved:
    """The addresses a notice goes to, and the roles nobody could be found for."""

    addresses: tuple[str, ...]
    unresolved: tuple[str, ...]


def resolve(notice: NoticeRecord, directory: RoleDirectory) -> Resolved:
    """Every address a notice goes to: those written in the step, then each role's holders."""
    found: list[str] = list(notice.addresses)
    missing: list[str] = []
    for role in notice.roles:
        holders = directory.addresses_for(role)
        if not holders:
            missing.append(role)
        found.extend(holders)
    unique = tuple(dict.fromkeys(a.strip().lower() for a in found if a.strip()))
    return Resolved(unique, tuple(missing))


def notice_due(event: Event) -> NoticeRecord:
    """The record of a notice-due event (its id is the event's), for the store to keep."""
    data = event.data
    if not isinstance(data, NoticeDue):
        raise TypeError(f"{event.type} is not a notice-due event")
    return NoticeRecord(
        id=event.id,
        case_ref=event.case_ref,
        step=data.step,
        step_label=data.step_label,
        to=data.to,
        created=event.at,
    )
