"""The front gate's list: who is on it, whether it changed, and its CSV read back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from casework.bans import Ban, BanKind, BanStatus, lifted
from casework.cases import Case, CaseStatus, Severity
from casework.config import School
from casework.gate import (
    NO_COLLECTION,
    gate_changed_since,
    gate_changes,
    gate_csv,
    gate_list,
    parse_gate_csv,
)
from casework.ops import FrontGate

SCHOOL = School("Stockham", ("1 Lane",), "01234 567890", "", None, "Mrs Head", "Mr Chair", (), ())
AT = datetime(2026, 3, 10, 9, tzinfo=UTC)


def _ban(name: str, starts: date, ends: date, status: BanStatus = BanStatus.CONFIRMED) -> Ban:
    return Ban(
        id=f"C-1-{name[0]}",
        person_id=name.lower(),
        person_name=name,
        kind=BanKind.PROVISIONAL,
        status=status,
        imposed_on=starts,
        starts_on=starts,
        ends_on=ends,
        review_on=ends,
        reasons="Threats",
        scope="the site",
    )


def _case(*bans: Ban) -> Case:
    return Case("C-1", "x", (), "office", (), Severity.SERIOUS, "ban", CaseStatus.OPEN, AT, AT, bans=bans)  # fmt: skip


def test_only_bans_in_force_today_are_listed_with_whom_to_call() -> None:
    cases = [
        _case(_ban("Zed", date(2026, 3, 1), date(2026, 6, 1))),
        _case(_ban("Amy", date(2026, 3, 10), date(2026, 3, 10))),
        _case(_ban("Ivy", date(2026, 3, 20), date(2026, 6, 1), BanStatus.INTENDED)),
        _case(_ban("Old", date(2026, 1, 1), date(2026, 3, 9))),
    ]
    entries = gate_list(cases, date(2026, 3, 10), SCHOOL, FrontGate())
    assert [e.name for e in entries] == ["Amy", "Zed"]
    assert entries[0].call == "Mrs Head (headteacher), 01234 567890"
    assert entries[0].collection == NO_COLLECTION
    other = gate_list(cases, date(2026, 3, 10), SCHOOL, FrontGate(call="Reception manager"))
    assert {e.call for e in other} == {"Reception manager"}


def test_a_change_to_the_list_is_seen() -> None:
    zed = _ban("Zed", date(2026, 3, 1), date(2026, 6, 1))
    amy = _ban("Amy", date(2026, 3, 5), date(2026, 6, 1))
    day = date(2026, 3, 10)
    before = gate_list([_case(zed)], day, SCHOOL, FrontGate())
    after = gate_list([_case(zed, amy)], day, SCHOOL, FrontGate())
    changes = gate_changes(before, after)
    assert [e.name for e in changes.added] == ["Amy"] and not changes.removed
    assert not gate_changes(after, after)
    longer = gate_list([_case(replace(zed, ends_on=date(2026, 9, 1)), amy)], day, SCHOOL, FrontGate())  # fmt: skip
    assert [e.name for e in gate_changes(after, longer).changed] == ["Zed"]

    # From the ban records alone: started, lifted or ended since the day asked about.
    assert gate_changed_since([_case(zed, amy)], date(2026, 3, 4), day)
    assert not gate_changed_since([_case(zed, amy)], date(2026, 3, 5), day)
    assert gate_changed_since([_case(lifted(zed, date(2026, 3, 8)))], date(2026, 3, 7), day)
    assert not gate_changed_since([_case(lifted(zed, date(2026, 3, 8)))], date(2026, 3, 9), day)
    ended = _ban("End", date(2026, 3, 1), date(2026, 3, 8))
    assert gate_changed_since([_case(ended)], date(2026, 3, 8), day)
    assert not gate_changed_since([_case(ended)], date(2026, 3, 9), day)


def test_the_csv_reads_back_and_no_cell_is_a_spreadsheet_formula() -> None:
    ban = replace(
        _ban("Amy", date(2026, 3, 1), date(2026, 6, 1)),
        person_name='=HYPERLINK("http://x")',
        collection_arrangements='Brought to the gate, "by staff", at 15:15\nthen home',
    )
    entries = gate_list([_case(ban)], date(2026, 3, 10), SCHOOL, FrontGate())
    text = gate_csv(entries)
    assert text.splitlines()[1].startswith("""C-1-A,"'=HYPERLINK(""")
    assert parse_gate_csv(text) == entries
