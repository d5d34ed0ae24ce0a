"""The front gate's list: who is barred from the premises today, and whom reception calls.

Pure: cases in, entries and CSV text out. A ban is on the list when its record says it is in
force today (``Ban.in_force``): provisional or confirmed, between its first and last day.
The digest asks :func:`gate_changes` (two lists) or :func:`gate_changed_since` (the ban
records since a date) whether to tell the office that the list has changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date

from casework.bans import Ban, BanStatus
from casework.cases import Case
from casework.config import School
from casework.ops import FrontGate
from casework.record import record

# The CSV's columns, in order (the README documents them for the visitor-management system).
CSV_COLUMNS = ("reference", "name", "from", "until", "scope", "collection_arrangements", "call")
NO_COLLECTION = "None agreed: do not let them onto the site to collect a child"


@record
class GateEntry:
    """One person barred today, as reception needs it."""

    reference: str  # the ban's id, e.g. C-2026-0007-B1: the office finds the case by it
    name: str
    starts_on: date
    until: date
    scope: str
    collection: str
    call: str


@record
class GateChanges:
    """How one list differs from another: names added, names gone, entries that changed."""

    added: tuple[GateEntry, ...] = ()
    removed: tuple[GateEntry, ...] = ()
    changed: tuple[GateEntry, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def who_to_call(school: School, gate: FrontGate) -> str:
    """Whom reception calls when someone on the list arrives: the setting, or the head."""
    if gate.call.strip():
        return gate.call.strip()
    phone = f", {school.phone}" if school.phone else ""
    return f"{school.headteacher} (headteacher){phone}"


def _bans(cases: Iterable[Case]) -> Iterable[Ban]:
    for case in cases:
        yield from case.bans


def gate_list(
    cases: Iterable[Case], today: date, school: School, gate: FrontGate
) -> tuple[GateEntry, ...]:
    """The bans in force today, by name."""
    call = who_to_call(school, gate)
    entries = (
        GateEntry(
            reference=ban.id,
            name=ban.person_name,
            starts_on=ban.starts_on,
            until=ban.ends_on,
            scope=ban.scope,
            collection=ban.collection_arrangements.strip() or NO_COLLECTION,
            call=call,
        )
        for ban in _bans(cases)
        if ban.in_force(today)
    )
    return tuple(sorted(entries, key=lambda e: (e.name.casefold(), e.reference)))


def gate_changes(previous: Sequence[GateEntry], current: Sequence[GateEntry]) -> GateChanges:
    """What changed between two lists (each entry known by its ban's reference)."""
    before = {e.reference: e for e in previous}
    after = {e.reference: e for e in current}
    return GateChanges(
        added=tuple(e for r, e in after.items() if r not in before),
        removed=tuple(e for r, e in before.items() if r not in after),
        changed=tuple(e for r, e in after.items() if r in before and before[r] != e),
    )


def gate_changed_since(cases: Iterable[Case], since: date, today: date) -> bool:
    """Whether the list today differs from the list on ``since``, from the ban records alone.

    A ban joined the list after ``since`` (it started, or a notice of intent was confirmed),
    or left it (it ended, or was lifted, on or after ``since``). A change of wording to a ban
    that stays on the list needs the two lists: :func:`gate_changes`.
    """
    for ban in _bans(cases):
        now = ban.in_force(today)
        if now and ban.starts_on > since:
            return True
        was_active = ban.status in (BanStatus.PROVISIONAL, BanStatus.CONFIRMED, BanStatus.LIFTED)
        if not now and was_active and ban.starts_on <= since and since <= ban.ends_on < today:
            return True
        # A notice of intent lifted before its first day was never on the list (the dated
        # record, where there is one, says when it was lifted).
        lifted_on: date | None = getattr(ban, "lifted_on", None)
        never_began = lifted_on is not None and lifted_on < ban.starts_on
        lifted = ban.status is BanStatus.LIFTED and not never_began
        if not now and lifted and ban.starts_on <= since <= ban.ends_on:
            return True
    return False


def gate_csv(entries: Sequence[GateEntry]) -> str:
    """The list as CSV (UTF-8 text, a header row, ISO dates) for a visitor-management system."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        # A cell starting with = + - @ would be a formula to a spreadsheet: names come from
        # emails, so such a cell is written with a leading apostrophe.
        writer.writerow(
            _cell(str(v))
            for v in (e.reference, e.name, e.starts_on.isoformat(), e.until.isoformat(),
                      e.scope, e.collection, e.call)  # fmt: skip
        )
    return out.getvalue()


def _cell(text: str) -> str:
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def parse_gate_csv(text: str) -> tuple[GateEntry, ...]:
    """A list written by :func:`gate_csv`, read back (to compare with a later list)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != CSV_COLUMNS:
        raise ValueError(f"front-gate CSV: expected the header {','.join(CSV_COLUMNS)}")
    names = [f.name for f in fields(GateEntry)]
    entries = []
    for row in rows[1:]:
        values = [v[1:] if v[:2] in ("'=", "'+", "'-", "'@") else v for v in row]
        data = dict(zip(names, values, strict=True))
        entries.append(
            GateEntry(
                reference=data["reference"],
                name=data["name"],
                starts_on=date.fromisoformat(data["starts_on"]),
                until=date.fromisoformat(data["until"]),
                scope=data["scope"],
                collection=data["collection"],
                call=data["call"],
            )
        )
    return tuple(entries)
