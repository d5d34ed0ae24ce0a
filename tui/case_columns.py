"""The case screen's tables: its timeline, its evidence and its letters.

Apart from ``tui.columns`` (the dashboard's), so the dashboard's first frame does not load
the event payloads these need.
"""

from __future__ import annotations

from rich.text import Text

from casework.events import Event
from casework.outbox import LetterRecord
from casework.payloads import EvidenceAdded, EvidenceKind
from casework.record import record
from tui.formatting import when
from tui.widgets.record_table import Column


@record
class EvidenceRow:
    """A piece of evidence on the timeline: the event that kept it, and its hash."""

    event: Event

    @property
    def id(self) -> str:
        """The row's identity: the event that kept the evidence."""
        return self.event.id

    @property
    def evidence(self) -> EvidenceAdded:
        """What the event kept."""
        assert isinstance(self.event.data, EvidenceAdded)
        return self.event.data

    @property
    def sha256(self) -> str:
        """The evidence's name in the vault."""
        return self.evidence.sha256

    @property
    def name(self) -> str:
        """The file name or the email's subject."""
        return self.evidence.name or self.evidence.subject or self.event.summary

    @property
    def kind(self) -> str:
        """email or file."""
        return self.evidence.kind.value

    @property
    def is_email(self) -> bool:
        """An email, which can be read here and split off to another case."""
        return self.evidence.kind is EvidenceKind.EMAIL or self.name.lower().endswith(".eml")


def evidence_rows(events: tuple[Event, ...]) -> list[EvidenceRow]:
    """The events of a timeline that kept evidence."""
    return [EvidenceRow(e) for e in events if isinstance(e.data, EvidenceAdded)]


TIMELINE_COLUMNS: list[Column[Event]] = [
    Column("When", 17, lambda e: when(e.at), lambda e: e.at),
    Column("What", 16, lambda e: e.type.value, lambda e: e.type.value),
    Column("Summary", 24, lambda e: Text(e.summary), None, flex=3),
    Column("By", 10, lambda e: Text(e.actor), lambda e: e.actor, flex=1),
]

EVIDENCE_COLUMNS: list[Column[EvidenceRow]] = [
    Column("Added", 17, lambda r: when(r.event.at), lambda r: r.event.at),
    Column("Kind", 6, lambda r: r.kind, lambda r: r.kind),
    Column("Name", 20, lambda r: Text(r.name), lambda r: r.name.lower(), flex=2),
    Column("SHA-256", 16, lambda r: r.sha256, None, flex=1),
]

CASE_LETTER_COLUMNS: list[Column[LetterRecord]] = [
    Column("Drafted", 17, lambda x: when(x.created), lambda x: x.created),
    Column("Letter", 18, lambda x: x.kind, lambda x: x.kind, flex=1),
    Column("Status", 17, lambda x: x.status.value, lambda x: x.status.value),
    Column("By", 5, lambda x: x.channel, None),
    Column("Note", 12, lambda x: Text(x.last_error or x.approved_by), None, flex=1),
]
