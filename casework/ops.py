"""Settings for people outside the office: ``[alerts]`` (IT support) and ``[front_gate]`` (reception)."""

from __future__ import annotations

from casework.people import checked_email
from casework.record import record
from casework.tomlread import TableReader

# Sign-in failing for this long raises an alert (casework/health.py judges it).
DEFAULT_SIGNIN_MINUTES = 30


@record
class Alerts:
    """Where alerts go (the school's IT support) and how long sign-in may fail before one does."""

    address: str = ""  # "" sends no alerts; `conduct check --health` still reports
    signin_minutes: int = DEFAULT_SIGNIN_MINUTES


@record
class FrontGate:
    """What the reception's list of bans says beside each name: whom to call."""

    call: str = ""  # "" means the headteacher, with the school's telephone number


def parse_alerts(r: TableReader) -> Alerts:
    """Read ``[alerts]``; a bad address is named with its key."""
    address = r.text("address", "", nonempty=False)
    if address:
        try:
            address = checked_email(address)
        except ValueError:
            r.bad("address", "an email address such as itsupport@example.sch.uk", address)
    alerts = Alerts(address=address, signin_minutes=r.integer("signin_minutes", 5, 1440, 30))
    r.finish()
    return alerts


def parse_front_gate(r: TableReader) -> FrontGate:
    """Read ``[front_gate]``."""
    gate = FrontGate(call=r.text("call", "", nonempty=False))
    r.finish()
    return gate
