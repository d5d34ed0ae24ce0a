"""The dashboard's listing: typed lines from the store, read in one transaction with its counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from casework.cases import Case
from casework.events import EventType
from casework.mailrecords import MailOutcome, MailRecord
from casework.outbox import LetterMove, LetterStatus
from casework.payloads import Incident
from casework.rules import Due
from casework.serial import from_json
from casework.staff import Actor, Role
from conduct.demo_seed import seed_demo_cases
from store.casebook import Casebook
from store.db import Transaction
from store.listing import _line_from_doc, case_line, read_listing
from store.maillog import Messages
from store.outbox import Outbox
from store.records import Cases


def test_the_listing_is_read_in_one_transaction(
    book: Casebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo_cases(book)
    opened: list[str] = []
    reading = book.store.reading

    @contextmanager
    def counted() -> Iterator[Transaction]:
        opened.append("reading")
        with reading() as tx:
            yield tx

    monkeypatch.setattr(book.store, "reading", counted)
    listing = read_listing(book, book.clock.today())
    assert opened == ["reading"]
    assert len(listing.cases) == 4


def test_counts_agree_with_the_lists(book: Casebook) -> None:
    refs = seed_demo_cases(book)
    today = book.clock.today()
    book.step(refs[0], "close", reason="Resolved by phone", fields={"outcome": "Resolved"})
    # The office drafts and asks the head (a headteacher would approve it herself).
    outbox = Outbox(Casebook(book.config, book.store, actor=Actor("ooffice", Role.OFFICE)))
    waiting = outbox.add_draft(refs[1], "warning", b"%PDF-1.4 stand-in")
    outbox.move(refs[1], waiting.id, LetterMove.SUBMIT)
    listing = read_listing(book, today)
    assert listing.counts.open_cases == 3 == sum(1 for c in listing.cases if c.open)
    assert [x.id for x in listing.approvals] == [waiting.id]
    assert listing.counts.awaiting_approval == 1
    assert all(x.status is not LetterStatus.AWAITING_APPROVAL for x in listing.outbox)
    in_force = [b for b in listing.bans if b.in_force]
    assert listing.counts.bans_in_force == len(in_force) == 1
    assert listing.counts.reviews_due == sum(1 for b in listing.bans if b.ban.review_on <= today)


def test_a_line_from_the_stored_document_is_the_line_of_the_decoded_case(book: Casebook) -> None:
    """The fast path (no decoding) and the full one agree, field for field."""
    seed_demo_cases(book)
    plain = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="No dates yet")
    policy, today = book.config.policy, book.clock.today()
    with book.store.reading() as tx:
        docs = {d["ref"]: d for d in Cases(tx).raw()}
    paths = set()
    for ref, doc in docs.items():
        line, decoded = _line_from_doc(policy, {s.id: s.label for s in policy.steps}, doc, today)
        assert line == case_line(policy, from_json(Case, doc), today), ref
        paths.add("fast" if decoded is None else "decoded")
    # The demo's bans and meetings are decoded in full; the new case takes the fast path.
    assert paths == {"fast", "decoded"}
    assert _line_from_doc(policy, {}, docs[plain.ref], today)[1] is None


def test_a_line_says_what_the_office_filters_and_sorts_by(book: Casebook) -> None:
    case = book.open_case(
        name="Pat Parent", behaviours=["swearing", "aggression"], summary="Shouted at the GATE"
    )
    today = book.clock.today()
    published = today - timedelta(days=3)
    book.add(
        case.ref,
        EventType.INCIDENT,
        "A post",
        # A defamatory post: only a defamation-route behaviour has the one-year time limit.
        Incident(
            text="A post",
            occurred_on=published,
            published_on=published,
            behaviours=("defamatory-posts",),
        ),
    )
    (line,) = read_listing(book, today).cases
    assert (line.ref, line.people, line.behaviours) == (
        case.ref,
        ("Pat Parent",),
        ("swearing", "aggression", "defamatory-posts"),
    )
    assert (line.step, line.step_label) == (
        "gather-information",
        "Gather information from those involved and contact the parent",
    )
    assert line.due == Due(published.replace(year=published.year + 1), "defamation time limit")
    assert line.matches(["gate", "pat"]) and not line.matches(["gate", "sam"])


def test_mail_needing_a_look_is_quarantined_then_skipped_newest_first(book: Casebook) -> None:
    now = book.clock.now()

    def record(sha: str, outcome: MailOutcome, minutes: int, resolved: bool = False) -> MailRecord:
        return MailRecord(
            sha256=sha,
            folder="INBOX",
            uidvalidity=1,
            uid=int(sha[0], 16),
            message_id=None,
            outcome=outcome,
            recorded=now + timedelta(minutes=minutes),
            resolved=resolved,
        )

    with book.store.transaction("test") as tx:
        for r in (
            record("1" * 64, MailOutcome.SKIPPED, 1),
            record("2" * 64, MailOutcome.QUARANTINED, 2),
            record("3" * 64, MailOutcome.QUARANTINED, 3, resolved=True),
            record("4" * 64, MailOutcome.OPENED, 4),
            record("5" * 64, MailOutcome.QUARANTINED, 5),
            record("6" * 64, MailOutcome.SKIPPED, 6),
        ):
            Messages(tx).put(r)
    mail = read_listing(book, book.clock.today()).mail
    assert [m.sha256[0] for m in mail] == ["5", "2", "6", "1"]
