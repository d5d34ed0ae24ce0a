"""Dates and times the way a UK school office writes them."""

from __future__ import annotations

from datetime import date, datetime


def day(d: date | None) -> str:
    """``14 Mar 2026``."""
    return f"{d.day} {d:%b %Y}" if d else ""


def short_day(d: date | None, today: date | None = None) -> str:
    """``14 Mar``, with the year only when it is not this year's."""
    if d is None:
        return ""
    if today is not None and d.year != today.year:
        return day(d)
    return f"{d.day} {d:%b}"


def when(at: datetime | None) -> str:
    """``14 Mar 2026 15:30`` in local time."""
    if at is None:
        return ""
    local = at.astimezone() if at.tzinfo else at
    return f"{local.day} {local:%b %Y %H:%M}"


def local_day(at: datetime | str) -> date:
    """The local calendar day of a moment (a datetime or ISO 8601 text)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return (at.astimezone() if at.tzinfo else at).date()
