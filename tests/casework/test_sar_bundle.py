"""The pure rules behind subject access and retention: the worklist, decisions applied to the
bundle's text, requests due, and which class and review date a closed case has."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from casework.bans import Ban, BanKind, BanStatus
from casework.cases import Case, CaseStatus, Referral, Severity
from casework.config import Config
from casework.people import Subject
from casework.retention import RecordClass
from casework.retention_due import record_class, review_of, reviews_due
from casework.sar import StopReason
from casework.sar_bundle import Action, Item, Party, Role, apply_decisions, worklist
from casework.sar_requests import Disclosure, SarRequest, Via, requests_due
from tests.support.school import MakeConfig

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def items() -> list[Item]:
    return [
        Item(
            1,
            "email",
            "From Dana",
            "C-2026-0001",
            AT,
            "Dana Other <dana@example.org> wrote",
            "1.eml",
        ),
        Item(2, "note", "Annual review", "C-2026-0001", AT, "Ann saw it; Annabel did not", ""),
        Item(3, "statement-taken", "Statement", "C-2026-0001", AT, "By Mrs Khan", "3.txt"),
    ]


def test_one_row_per_person_found_by_name_or_address_with_the_stronger_role() -> None:
    parties = [
        Party("dana@example.org", Role.OTHER, ("dana@example.org",)),  # a correspondent
        Party("Dana Other", Role.PARENT, ("dana@example.org",)),  # the store's record
        Party("Ann", Role.CHILD),
        Party("Mrs Khan", Role.OTHER),
        Party("mrs khan", Role.STAFF),  # she also recorded events
        Party("Nobody Here", Role.PARENT),  # named nowhere in the bundle: no row
    ]
    rows = worklist(items(), parties)
    assert [(r.id, r.name, r.role, r.action, r.items) for r in rows] == [
        ("R1", "Mrs Khan", Role.STAFF, Action.DISCLOSE, (3,)),
        ("R2", "Dana Other", Role.PARENT, Action.REDACT, (1,)),
        ("R3", "Ann", Role.CHILD, Action.REDACT, (2,)),  # a whole word: not "Annual", "Annabel"
    ]
    # A decision recorded earlier is kept.
    earlier = {"dana other": replace(rows[1], action=Action.DISCLOSE, reason="consented")}
    again = worklist(items(), parties, earlier)
    assert (again[1].action, again[1].reason) == (Action.DISCLOSE, "consented")


def test_decisions_change_the_bundle_text_and_drop_originals_they_touch() -> None:
    parties = [
        Party("Dana Other", Role.PARENT, ("dana@example.org",)),
        Party("Mrs Khan", Role.OTHER),
    ]
    rows = worklist(items(), parties)
    rows = [
        replace(r, action=Action.WITHHOLD, reason="confidential") if r.name == "Mrs Khan" else r
        for r in rows
    ]
    out, count = apply_decisions(items(), rows, parties)
    dana = next(r for r in rows if r.name == "Dana Other")
    assert (
        out[0].body == f"[redacted {dana.id}] <[redacted {dana.id}]> wrote"
        and out[0].original == ""
    )
    assert out[1] == items()[1]  # untouched, original kept
    assert out[2].body.startswith("[Withheld (") and "confidential" in out[2].body
    assert out[2].original == "" and count == 3


def test_requests_due_within_a_week_or_overdue_and_answered_ones_drop_out() -> None:
    today = date(2026, 3, 10)
    late = SarRequest("SAR-2026-0001", "p-a", date(2026, 1, 31), Via.EMAIL)
    soon = SarRequest("SAR-2026-0002", "p-b", date(2026, 2, 14), Via.LETTER)
    later = SarRequest("SAR-2026-0003", "p-c", date(2026, 3, 9), Via.VERBAL)
    stopped = SarRequest("SAR-2026-0004", "p-d", date(2026, 2, 1), Via.EMAIL).stopped(
        StopReason.IDENTITY, date(2026, 2, 2), AT, "office"
    )
    due = requests_due([later, stopped, soon, late], today)
    assert [(d.id, d.respond_by, d.overdue) for d in due] == [
        ("SAR-2026-0001", date(2026, 3, 2), True),
        ("SAR-2026-0002", date(2026, 3, 16), False),
    ]
    answered = late.disclosed(Disclosure(AT, "office", "b.pdf", "0" * 64, 3, 0), today)
    assert answered.answered_on == today and requests_due([answered], today) == []


def case(**changes: object) -> Case:
    base = Case(
        ref="C-2026-0001",
        summary="s",
        subjects=(Subject("p-a", "A"),),
        reporter="r",
        behaviours=("swearing",),
        severity=Severity.MEDIUM,
        step="close",
        status=CaseStatus.CLOSED,
        opened=AT,
        last_activity=AT,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_record_class_and_review_date(make_config: MakeConfig) -> None:
    config: Config = make_config("warning-first")
    policy, schedule = config.policy, config.retention
    assert record_class(case(), policy) is RecordClass.CONDUCT_CASE
    police = case(referrals=(Referral("police", "CAD 1", date(2026, 3, 1)),))
    assert record_class(police, policy) is RecordClass.CRIMINAL_OFFENCE
    assert record_class(case(flags=("harassment",)), policy) is RecordClass.CRIMINAL_OFFENCE
    ban = Ban(
        "b1",
        "p-a",
        "A",
        BanKind.PROVISIONAL,
        BanStatus.PROVISIONAL,
        date(2026, 3, 1),
        date(2026, 3, 1),
        date(2026, 9, 1),
        date(2026, 4, 1),
        "reasons",
        "premises",
    )
    banned = case(bans=(ban,))
    assert record_class(banned, policy) is RecordClass.BAN
    review = review_of(banned, policy, schedule)
    assert (review.last_action, review.review_on) == (date(2026, 9, 1), date(2032, 9, 1))
    assert reviews_due(
        [banned, case(), case(hold="litigation")], policy, schedule, date(2032, 3, 10)
    ) == [review_of(case(), policy, schedule)]
