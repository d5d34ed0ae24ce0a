"""`case list`'s copy of its rows: used only for the bytes, policy, format and day it was made for."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from casework.cases import Case
from casework.policy import load_preset
from casework.restricted import as_seen_by
from casework.rules import has_dates
from casework.serial import to_json
from casework.staff import Actor, Role
from conduct import views
from conduct.demo_seed import seed_demo_cases
from store import listing_cache, shard_cache
from store.case_rows import FORMAT, case_rows
from store.casebook import Casebook
from store.errors import StoreError
from store.records import Cases, case_shard
from store.shard_cache import CASE_ROWS_FILE

ROW_FORMAT = "test-rows-1"


def fresh_process() -> None:
    """Forget what this process keeps, as a new `conduct case list` would start with nothing."""
    shard_cache._CACHES.clear()


def shards_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each case shard whose cases had to be decoded again."""
    read: list[str] = []
    in_shard = Cases.in_shard

    def counted(cases: Cases, rel: str) -> list[tuple[int, Case]]:
        read.append(rel)
        return in_shard(cases, rel)

    monkeypatch.setattr(Cases, "in_shard", counted)
    return read


def summary_row(book: Casebook, today: date) -> Callable[[Case], str]:
    """The row `case list --json` prints for a case on ``today``."""
    return lambda case: json.dumps(views.case_summary(book.config, case, today))


def listed(book: Casebook, today: date | None = None, status: str | None = "open") -> list[str]:
    """The rows `case list --json` would print, through the copy."""
    day = today or book.clock.today()
    return case_rows(book, status, day, summary_row(book, day), ROW_FORMAT)


def worked_out(book: Casebook, today: date | None = None, status: str = "open") -> list[str]:
    """The same rows worked out from every case, with no copy: what the copy must agree with."""
    day = today or book.clock.today()
    roles = book.config.staff.restricted_roles
    cases = [as_seen_by(book.config.policy, c, book.actor, roles) for c in book.cases(status)]
    cases.sort(key=lambda c: c.last_activity, reverse=True)
    return [summary_row(book, day)(c) for c in cases]


def test_a_second_listing_reads_no_case_and_prints_the_same_rows(
    book: Casebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo_cases(book)
    book.open_case(name="Pat Parent", behaviours=["swearing"], summary="No dates yet")
    first = listed(book)
    assert first == worked_out(book) and len(first) >= 5
    assert (book.store.root / CASE_ROWS_FILE).exists()
    fresh_process()
    read = shards_read(monkeypatch)
    assert listed(book) == first
    assert read == []
    assert listed(book, status=None) == worked_out(book, status="all")
    assert listed(book, status="closed") == worked_out(book, status="closed")


def test_a_change_by_another_process_shows_at_once(
    book: Casebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo_cases(book)
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    listed(book)
    other = Casebook(book.config, clock=book.clock)  # another process, on the same store
    other.step(case.ref, "close", reason="Resolved by phone", fields={"outcome": "Resolved"})
    fresh_process()
    read = shards_read(monkeypatch)
    rows = listed(book)
    assert case.ref not in "".join(rows) and rows == worked_out(book)
    assert len(read) == 1  # only the shard that changed


def test_a_new_day_remakes_only_the_shards_whose_cases_have_dates(
    book: Casebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo_cases(book)
    for n in range(6):
        book.open_case(name=f"Parent {n}", behaviours=["swearing"], summary="No dates yet")
    today = book.clock.today()
    listed(book, today)
    cases = book.cases("all")
    dated = {case_shard(c.ref) for c in cases if has_dates(c)}
    undated = {case_shard(c.ref) for c in cases} - dated
    assert dated and undated
    # A year on, the demo's ban and meetings are past: what is due and what is in force differ.
    later = today + timedelta(days=366)
    fresh_process()
    read = shards_read(monkeypatch)
    rows = listed(book, later)
    assert set(read) == dated
    assert rows == worked_out(book, later) != worked_out(book, today)


def test_an_undated_cases_row_is_the_same_on_every_day(book: Casebook) -> None:
    """What keeping an undated shard's rows across days rests on."""
    seed_demo_cases(book)
    book.open_case(name="Pat Parent", behaviours=["swearing"], summary="No dates yet")
    days = [date(2026, 3, 10), date(2028, 2, 29), date(2036, 12, 31), date(2026, 3, 9)]
    undated = [c for c in book.cases("all") if not has_dates(c)]
    assert undated
    for case in undated:
        rows = {summary_row(book, day)(case) for day in days}
        assert len(rows) == 1, case.ref
    # The store's own test of a document says the same of every case, dated or not.
    for case in book.cases("all"):
        assert has_dates(case) == listing_cache.has_dates(to_json(case))


def test_a_changed_policy_remakes_every_row(book: Casebook) -> None:
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    (before,) = listed(book)
    policy = book.config.policy
    relabelled = replace(
        policy,
        steps=tuple(
            replace(s, label="Finding out what happened") if s.id == case.step else s
            for s in policy.steps
        ),
    )
    renamed = Casebook(replace(book.config, policy=relabelled), clock=book.clock)
    fresh_process()
    (after,) = listed(renamed)
    assert json.loads(after)["step_label"] == "Finding out what happened"
    assert json.loads(before)["step_label"] != "Finding out what happened"


def test_a_new_row_format_remakes_every_row(book: Casebook) -> None:
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    today = book.clock.today()
    assert case_rows(book, "open", today, lambda c: f"one {c.ref}", "format-a") == [
        f"one {case.ref}"
    ]
    fresh_process()
    assert case_rows(book, "open", today, lambda c: f"two {c.ref}", "format-b") == [
        f"two {case.ref}"
    ]


def test_a_restricted_case_stays_withheld_when_its_row_comes_from_the_copy(
    book: Casebook,
) -> None:
    head = Casebook(book.config, clock=book.clock, actor=Actor("hhead", Role.HEADTEACHER))
    office = Casebook(book.config, clock=book.clock, actor=Actor("ooffice", Role.OFFICE))
    head.open_case(name="Pat Parent", behaviours=["threats"], summary="Threatened the head")
    (full,) = listed(head)
    fresh_process()
    (seen,) = listed(office)
    assert "Pat Parent" in full and "Threatened" in full
    assert "Pat Parent" not in seen and "Threatened" not in seen
    assert json.loads(seen)["subjects"] == ["restricted record"]
    assert [seen] == worked_out(office)
    assert listed(head) == [full]


@pytest.mark.parametrize(
    "damage",
    [b"", FORMAT.encode() + b" 0000\n{}", b"not ours at all", b"\xff\xfe torn"],
    ids=["empty", "wrong digest", "foreign", "garbage"],
)
def test_a_damaged_copy_is_ignored_and_written_afresh(
    book: Casebook, damage: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    first = listed(book)
    path = book.store.root / CASE_ROWS_FILE
    path.write_bytes(damage)
    fresh_process()
    assert listed(book) == first
    assert path.read_bytes().startswith(FORMAT.encode() + b" ")
    # The copy written afresh is whole: the next listing reads no case.
    fresh_process()
    read = shards_read(monkeypatch)
    assert listed(book) == first and read == []


def test_a_copy_made_before_a_change_cannot_show(book: Casebook) -> None:
    """Rows are filed by the shard's bytes: putting back an older copy shows nothing old."""
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    listed(book)
    old = (book.store.root / CASE_ROWS_FILE).read_bytes()
    book.step(case.ref, "close", reason="Resolved by phone", fields={"outcome": "Resolved"})
    (book.store.root / CASE_ROWS_FILE).write_bytes(old)
    fresh_process()
    assert listed(book) == []
    assert json.loads(listed(book, status="closed")[0])["status"] == "closed"


def test_a_damaged_shard_is_still_named_when_a_copy_exists(book: Casebook) -> None:
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    listed(book)
    shard = book.store.root / case_shard(case.ref)
    shard.write_bytes(b"{ torn")
    fresh_process()
    with pytest.raises(StoreError, match=shard.name):
        listed(Casebook(book.config, clock=book.clock))


def test_an_unreadable_copy_location_costs_only_speed(book: Casebook) -> None:
    book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    (book.store.root / CASE_ROWS_FILE).mkdir()  # the copy cannot be read or replaced
    fresh_process()
    assert listed(book) == worked_out(book)


@pytest.mark.parametrize("preset", ["meeting-first", "warning-first"])
def test_the_policy_is_known_by_the_same_digest_in_every_process(preset: str) -> None:
    """Rows are filed under the digest of the policy's repr: it must not vary from run to run
    (string hashing does, from one process to the next), or every listing would be a miss."""
    import subprocess
    import sys

    code = (
        "import hashlib; from casework.policy import load_preset;"
        f"print(hashlib.sha256(repr(load_preset({preset!r})).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1 and " at 0x" not in repr(load_preset(preset))


def test_a_shards_line_that_does_not_read_is_made_again(
    book: Casebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole file (its digest checks) with one line in a shape this code does not write."""
    import hashlib

    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    first = listed(book)
    path = book.store.root / CASE_ROWS_FILE
    head, _, body = path.read_bytes().partition(b"\n")
    rel, digest, stamp, _entries = body.split(b"\n")[0].split(b"\t", 3)
    body = b"\t".join([rel, digest, stamp, b"not\x1fan entry"]) + b"\n"
    form = head.split(b" ")[0]
    path.write_bytes(form + b" " + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    fresh_process()
    read = shards_read(monkeypatch)
    assert listed(book) == first and read == [case_shard(case.ref)]


def test_a_row_that_would_break_its_line_is_refused(book: Casebook) -> None:
    book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Shouted")
    today = book.clock.today()
    with pytest.raises(ValueError, match="newline or a separator"):
        case_rows(book, "open", today, lambda c: f"{c.ref}\n", "format-a")
    with pytest.raises(ValueError, match="would break its line"):
        case_rows(book, "open", today, lambda c: c.ref, "format\tb")
