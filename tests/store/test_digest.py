"""The daily digest against a seeded store: each section says what the store holds, nothing more."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

import pytest

from casework.digest import SECTIONS, DigestFacts, Section, digest_text, school_days_after
from casework.events import EventType
from casework.outbox import LetterMove
from casework.payloads import MeetingScheduled
from casework.schooldays import SchoolCalendar
from casework.staff import Actor, Role
from store.casebook import Casebook
from store.outbox import Outbox
from store.staff_mail import digest_facts


@pytest.fixture
def seeded(book: Casebook) -> tuple[Casebook, dict[str, str]]:
    """Tuesday 10 March 2026: a ban, a meeting tomorrow, a letter waiting, one that failed."""
    ban = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Swore")
    book.step(
        ban.ref,
        "ban-intent",
        fields={"reasons": "Swearing", "review_on": "2026-03-17", "representations_deadline": "2026-03-13"},
    )
    meet = book.open_case(name="Max Meeting", behaviours=["swearing"], summary="Shouted")
    at = datetime(2026, 3, 11, 15, 30)
    book.add(meet.ref, EventType.MEETING_SCHEDULED, "Meeting", MeetingScheduled(at, "Head's office"))
    later = book.open_case(
        name="Lee Later", email="lee.later@example.org", behaviours=["swearing"], summary="Later"
    )
    book.step(later.ref, "ban-intent", fields={"reasons": "r", "review_on": "2026-04-30"})
    office = Outbox(Casebook(book.config, book.store, actor=Actor("ooffice", Role.OFFICE)))
    waiting = office.add_draft(meet.ref, "warning", b"%PDF-1.4 w")
    office.move(meet.ref, waiting.id, LetterMove.SUBMIT)
    failed = Outbox(book).add_draft(later.ref, "information-request", b"%PDF-1.4 f")
    sender = Outbox(book)
    sender.move(later.ref, failed.id, LetterMove.QUEUE)
    sender.move(later.ref, failed.id, LetterMove.FAIL, error="550 no such user")
    return book, {"ban": ban.ref, "meet": meet.ref, "later": later.ref}


def test_the_digest_says_what_the_store_holds(seeded: tuple[Casebook, dict[str, str]]) -> None:
    book, refs = seeded
    facts = digest_facts(book)
    subject, body = digest_text(facts)
    assert subject == "Conduct Desk daily digest, Tuesday 10 March 2026"
    ban, meet, later = refs["ban"], refs["meet"], refs["later"]
    assert f"  - {ban}: ban {ban}-B1 review due 2026-03-17" in body
    assert later not in body.split("Representations deadlines")[0]  # its review is in April
    assert f"  - {ban}: ban {ban}-B1 representations by 2026-03-13" in body
    assert f"Meetings on Wednesday 11 March\n  - {meet}: 15:30, Head's office" in body
    assert f"  - {meet}: warning letter, waiting since 10 Mar" in body
    assert f"  - {later}: information-request letter failed" in body
    assert "Nothing to report on: subject access due, quarantined mail, front gate changed." in body
    assert "no report from the mail daemon" in body
    meta = json.loads((book.store.root / "meta.json").read_text())
    head = meta["chain"]["1"]["head"]
    assert f"head {head}" in body and facts.audit_head == head
    # Names stay out: the digest names cases by reference only.
    assert not any(n in body for n in ("Pat Parent", "Max Meeting", "Lee Later"))


def test_a_section_is_a_pure_function_others_add() -> None:
    facts = DigestFacts(school="S", today=datetime(2026, 3, 13).date(), cases=(), letters=())
    assert school_days_after(facts, 1).isoformat() == "2026-03-16"  # Friday -> Monday
    # The school's own calendar: an INSET day on the Monday is not a school day.
    inset = replace(facts, calendar=SchoolCalendar(closures=(date(2026, 3, 16),)))
    assert school_days_after(inset, 1).isoformat() == "2026-03-17"

    def bans_changed(f: DigestFacts) -> Section | None:
        return Section("The front gate's list changed", ("2 bans in force",))

    _, body = digest_text(facts, (*SECTIONS, bans_changed))
    assert "The front gate's list changed\n  - 2 bans in force" in body
    assert "Nothing to report on: reviews due, representations deadlines" in body


def test_a_ban_starting_today_tells_the_office_the_front_gate_list_changed(book: Casebook) -> None:
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Swore")
    before = digest_text(digest_facts(book))[1]
    assert "front gate changed" in before.split("Nothing to report on:")[1]
    book.step(case.ref, "ban-provisional", fields={"reasons": "Swearing", "starts_on": "2026-03-10"})
    after = digest_text(digest_facts(book))[1]
    assert "The front gate's list changed\n  - a ban joined or left the list since yesterday" in after
