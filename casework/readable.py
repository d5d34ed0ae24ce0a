"""An event in words, whole: what a statement or an account said, and its other details.

The command line (`case show`) and the dashboard (the timeline's detail view) both read an
event through these, so a statement is never only its first line anywhere.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any

from casework.events import Event

# Fields shown as the event's words, not as a detail line.
_WORDS = ("text", "reason", "outcome")
# Details that mean nothing to a reader (ids and hashes are in `case show --json`).
_HIDDEN = frozenset(
    {"subject_records", "letter_id", "sha256", "evidence_event", "split_sha256", "uidvalidity", "uid"}
)


def event_words(event: Event) -> str:
    """The words recorded with an event (a statement, an account, a note), in full."""
    d = event.data
    for name in _WORDS:
        value = getattr(d, name, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return "; ".join(_shown(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ", ".join(
            f"{f.name}: {_shown(getattr(value, f.name))}"
            for f in dataclasses.fields(value)
            if getattr(value, f.name) not in ("", None, ())
        )
    return str(value)


def event_details(event: Event) -> list[tuple[str, str]]:
    """The event's other details, as (label, value) pairs, empty ones left out."""
    d = event.data
    words = next((n for n in _WORDS if isinstance(getattr(d, n, None), str)), None)
    out = []
    for f in dataclasses.fields(d):
        value = getattr(d, f.name)
        if f.name == words or f.name in _HIDDEN or value in ("", None, (), 0):
            continue
        out.append((f.name.replace("_", " "), _shown(value)))
    return out
