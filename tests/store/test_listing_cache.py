"""The listing's copy of each case shard: used only for the bytes it was made from."""

from __future__ import annotations

import pytest

from casework.staff import Actor, Role
from conduct.demo_seed import seed_demo_cases
from store import shard_cache
from store.casebook import Casebook
from store.db import Transaction
from store.errors import StoreError
from store.listing import read_listing
from store.listing_cache import CACHE_FILE, FORMAT


def fresh_process() -> None:
    """Forget what this process keeps, as a new dashboard would start with nothing."""
    shard_cache._CACHES.clear()


def shards_parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each case shard the listing had to read in full."""
    parsed: list[str] = []
    docs = Transaction.docs

    def counted(tx: Transaction, rel: str, name: str):  # type: ignore[no-untyped-def]
        if rel.startswith("cases/"):
            parsed.append(rel)
        return docs(tx, rel, name)

    monkeypatch.setattr(Transaction, "docs", counted)
    return parsed


def test_a_new_dashboard_lists_unchanged_cases_without_parsing_them(
    book: Casebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo_cases(book)
    book.open_case(name="Pat Parent", behaviours=["swearing"], summary="No dates yet")
    today = book.clock.today()
    first = read_listing(book, today)
    assert (book.store.root / CACHE_FILE).exists()
    fresh_process()
    parsed = shards_parsed(monkeypatch)
    again = read_listing(book, today)
    assert parsed == []
    assert again == first


def test_a_change_by_another_process_shows_at_once(
    book: Casebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo_cases(book)
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    today = book.clock.today()
    read_listing(book, today)
    # Another process (its own Casebook on the same data directory) closes the case.
    other = Casebook(book.config, clock=book.clock)
    other.step(case.ref, "close", reason="Resolved by phone", fields={"outcome": "Resolved"})
    fresh_process()
    parsed = shards_parsed(monkeypatch)
    lines = {line.ref: line for line in read_listing(book, today).cases}
    assert not lines[case.ref].open
    assert len(parsed) == 1  # only the shard that changed


@pytest.mark.parametrize(
    "damage",
    [b"", FORMAT.encode() + b" 0000\n{}", b"not ours at all", b"\xff\xfe torn"],
    ids=["empty", "wrong digest", "foreign", "garbage"],
)
def test_a_damaged_copy_is_ignored_and_written_afresh(
    book: Casebook, damage: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    today = book.clock.today()
    read_listing(book, today)
    path = book.store.root / CACHE_FILE
    path.write_bytes(damage)
    fresh_process()
    (line,) = read_listing(book, today).cases
    assert (line.ref, line.summary) == (case.ref, "Shouted")
    assert path.read_bytes().startswith(FORMAT.encode() + b" ")
    # The copy written afresh is whole: the next dashboard lists from it alone.
    fresh_process()
    parsed = shards_parsed(monkeypatch)
    assert read_listing(book, today).cases == (line,) and parsed == []


def test_a_tampered_copy_with_a_good_digest_for_other_bytes_is_not_used(
    book: Casebook,
) -> None:
    """An entry is keyed by the shard's bytes: a copy made before a change cannot show."""
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    today = book.clock.today()
    read_listing(book, today)
    old = (book.store.root / CACHE_FILE).read_bytes()
    book.step(case.ref, "close", reason="Resolved by phone", fields={"outcome": "Resolved"})
    (book.store.root / CACHE_FILE).write_bytes(old)  # a restore of an older copy, say
    fresh_process()
    (line,) = read_listing(book, today).cases
    assert not line.open


def test_a_damaged_shard_is_still_named_when_a_copy_exists(book: Casebook) -> None:
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    read_listing(book, book.clock.today())
    shard = next(p for p in (book.store.root / "cases").glob("*.json") if case.ref in p.read_text())
    shard.write_bytes(b"{ torn")
    fresh_process()
    with pytest.raises(StoreError, match=str(shard.name)):
        read_listing(Casebook(book.config, clock=book.clock), book.clock.today())


def test_restricted_cases_stay_withheld_when_read_from_the_copy(book: Casebook) -> None:
    book.open_case(name="Pat Parent", behaviours=["threats"], summary="Threatened the head")
    office = Casebook(book.config, clock=book.clock, actor=Actor("ooffice", Role.OFFICE))
    today = book.clock.today()
    read_listing(book, today)
    fresh_process()
    (line,) = read_listing(office, today).cases
    assert line.people == ("restricted record",) and "Threatened" not in line.search_text
