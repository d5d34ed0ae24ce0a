"""Typed access to the store's tables inside a transaction: frozen dataclasses in and out."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from casework.cases import REF_PATTERN, Case
from casework.people import Person, normalise_email
from casework.serial import from_json, to_json
from store.db import META, Transaction, shard_of
from store.errors import StoreError

if TYPE_CHECKING:
    from casework.events import Event
    from casework.notices import NoticeRecord, NoticeStatus
    from casework.outbox import LetterRecord, LetterStatus

# Events, notices and letters are imported where they are read, so that listing cases never
# loads the event payload classes or the letters' rules. Reads look records up in the tables'
# dicts (Transaction.read, .docs, .index); TinyDB is imported only by the methods that write.

T = TypeVar("T")

CASE_SHARDS = 64
CASE_FILES = [f"cases/{n:02d}.json" for n in range(CASE_SHARDS)]
PEOPLE_SHARDS = 16
LETTER_SHARDS = 16


class BadReference(KeyError):
    """Text given as a case reference that is not one."""

    def __str__(self) -> str:
        return str(self.args[0])


def case_doc_id(ref: str) -> int:
    """The TinyDB document id of a case: stable, so upserts need no scan."""
    # C-2026-0007 -> 202600007: a stable integer id, so upserts need no scan.
    m = REF_PATTERN.fullmatch(ref)
    if not m:
        raise BadReference(f"{ref!r} is not a case reference (they look like C-2026-0001)")
    return int(m.group(1)) * 100_000 + int(m.group(2))


def highest_reference(tx: Transaction, year: int) -> int:
    """The highest case number of ``year`` that has a timeline on disk (0 if none).

    Every case gets its timeline file in the commit that opens it, so the file names are the
    record of which references are taken, whatever meta.json's counter says. Listed once per
    transaction: the counter covers the cases a transaction opens itself.
    """
    key = f"highest-{year}"
    if key not in tx.memo:
        best = 0
        with os.scandir(tx.store.root / "events") as entries:
            for entry in entries:
                m = REF_PATTERN.fullmatch(entry.name.removesuffix(".json"))
                if m and int(m.group(1)) == year:
                    best = max(best, int(m.group(2)))
        tx.memo[key] = best
    return int(tx.memo[key])


def decode(tx: Transaction, rel: str, read: Callable[[Mapping[str, Any]], T], doc: Any) -> T:
    """A stored record read as its dataclass; a record that cannot be is damage to its file."""
    try:
        return read(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(
            f"{tx.store.root / rel} is damaged: a record in it cannot be read ({exc}); "
            "nothing is written to it until it is restored"
        ) from None


def _reader(cls: type[T]) -> Callable[[Mapping[str, Any]], T]:
    return lambda doc: from_json(cls, doc)


def case_shard(ref: str) -> str:
    """The shard file holding a case document."""
    return f"cases/{shard_of(ref, CASE_SHARDS)}.json"


def events_file(ref: str) -> str:
    """The file holding one case's timeline."""
    case_doc_id(ref)  # refuse anything that is not a reference before it becomes a path
    return f"events/{ref}.json"


class Cases:
    """Case documents, sharded by reference."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def get(self, ref: str) -> Case | None:
        """The case, or None."""
        rel = case_shard(ref)
        doc = self.tx.read(rel, "cases").get(str(case_doc_id(ref)))
        return decode(self.tx, rel, _reader(Case), doc) if doc else None

    def put(self, case: Case) -> None:
        """Insert or replace a case document."""
        from tinydb.table import Document

        table = self.tx.table(case_shard(case.ref), "cases")
        table.upsert(Document(to_json(case), doc_id=case_doc_id(case.ref)))

    def raw(self) -> Iterator[dict[str, Any]]:
        """Every case document as stored, for fast listing."""
        for n in range(CASE_SHARDS):
            yield from self.tx.docs(f"cases/{n:02d}.json", "cases")

    def in_shard(self, rel: str) -> list[tuple[int, Case]]:
        """Every case in one shard file, with its record id (a number that orders references)."""
        read = _reader(Case)
        return [(int(i), decode(self.tx, rel, read, doc)) for i, doc in self.tx.read(rel, "cases").items()]

    def all(self, status: str | None = None) -> list[Case]:
        """Every case, or those of one status ("open", "closed"), oldest reference first."""
        found: list[tuple[int, str, dict[str, Any]]] = []
        for n in range(CASE_SHARDS):
            rel = f"cases/{n:02d}.json"
            # A record's id is its case_doc_id (put() writes it so), a number that orders the
            # references; and only the cases asked for are decoded.
            found += [
                (int(doc_id), rel, doc)
                for doc_id, doc in self.tx.read(rel, "cases").items()
                if status is None or doc["status"] == status
            ]
        found.sort(key=itemgetter(0))
        try:
            return [from_json(Case, doc) for _, _, doc in found]
        except (KeyError, TypeError, ValueError, AttributeError):
            # Again one by one, only to name the file whose record cannot be read.
            read = _reader(Case)
            return [decode(self.tx, rel, read, doc) for _, rel, doc in found]


class Events:
    """Each case's timeline, in its own file."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def add(self, event: Event) -> None:
        """Append an event to its case's timeline."""
        self.tx.table(events_file(event.case_ref), "events").insert(to_json(event))

    def of(self, ref: str) -> list[Event]:
        """A case's timeline in the order it was recorded (TinyDB ids grow with each insert)."""
        from casework.events import event_from_json

        rel = events_file(ref)
        docs = sorted(self.tx.read(rel, "events").items(), key=lambda item: int(item[0]))
        return [decode(self.tx, rel, event_from_json, d) for _, d in docs]


class People:
    """Parents, carers and visitors, sharded by id."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def get(self, person_id: str) -> Person | None:
        """The person, or None."""
        rel = _people_file(person_id)
        doc = self.tx.index(rel, "people", "ids", _id_index).get(person_id)
        return decode(self.tx, rel, _reader(Person), doc) if doc else None

    def put(self, person: Person) -> None:
        """Insert or replace a person."""
        from tinydb import Query

        table = self.tx.table(_people_file(person.id), "people")
        table.upsert(to_json(person), Query().id == person.id)

    def all(self) -> list[Person]:
        """Everyone, by name."""
        people = []
        for n in range(PEOPLE_SHARDS):
            rel = f"people/{n:02d}.json"
            people += [
                decode(self.tx, rel, _reader(Person), d) for d in self.tx.docs(rel, "people")
            ]
        return sorted(people, key=lambda p: p.name.lower())

    def ids(self) -> set[str]:
        """Every person id in use."""
        ids: set[str] = set()
        for n in range(PEOPLE_SHARDS):
            ids |= self.tx.index(f"people/{n:02d}.json", "people", "ids", _id_index).keys()
        return ids

    def by_email(self, address: str) -> Person | None:
        """The person with this email address, compared without case."""
        want = normalise_email(address)
        for n in range(PEOPLE_SHARDS):
            rel = f"people/{n:02d}.json"
            emails = self.tx.index(rel, "people", "email", _email_index)
            if want in emails:
                return decode(self.tx, rel, _reader(Person), emails[want])
        return None


def _people_file(person_id: str) -> str:
    return f"people/{shard_of(person_id, PEOPLE_SHARDS)}.json"


def _letters_file(case_ref: str) -> str:
    return f"letters/{shard_of(case_ref, LETTER_SHARDS)}.json"


def _id_index(docs: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in docs}


def _email_index(docs: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {normalise_email(e): d for d in docs for e in d.get("emails", ())}


class Letters:
    """Letters as records, sharded by case."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def put(self, letter: LetterRecord) -> None:
        """Insert or replace a letter record."""
        from tinydb import Query

        table = self.tx.table(_letters_file(letter.case_ref), "letters")
        table.upsert(to_json(letter), Query().id == letter.id)

    def get(self, case_ref: str, letter_id: str) -> LetterRecord | None:
        """One letter of a case."""
        rel = _letters_file(case_ref)
        doc = next((d for d in self.tx.docs(rel, "letters") if d["id"] == letter_id), None)
        if doc is None:
            return None
        from casework.outbox import LetterRecord

        return decode(self.tx, rel, _reader(LetterRecord), doc)

    def of_case(self, case_ref: str) -> list[LetterRecord]:
        """A case's letters, oldest first."""
        rel = _letters_file(case_ref)
        docs = [d for d in self.tx.docs(rel, "letters") if d["case_ref"] == case_ref]
        if not docs:
            return []  # a case without letters never loads the letters' rules
        from casework.outbox import LetterRecord

        read = _reader(LetterRecord)
        return sorted((decode(self.tx, rel, read, d) for d in docs), key=lambda x: x.created)

    def with_status(self, *statuses: LetterStatus) -> list[LetterRecord]:
        """Every letter in one of these states, oldest first."""
        from casework.outbox import LetterRecord

        wanted = {s.value for s in statuses}
        found = []
        for n in range(LETTER_SHARDS):
            rel = f"letters/{n:02d}.json"
            docs = self.tx.docs(rel, "letters")
            read = _reader(LetterRecord)
            found += [decode(self.tx, rel, read, d) for d in docs if d["status"] in wanted]
        return sorted(found, key=lambda x: x.created)


class Notices:
    """Internal notices to staff, one small table: a school has a few a week."""

    FILE = "notices.json"

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def put(self, notice: NoticeRecord) -> None:
        """Insert or replace a notice."""
        from tinydb import Query

        self.tx.table(self.FILE, "notices").upsert(to_json(notice), Query().id == notice.id)

    def get(self, notice_id: str) -> NoticeRecord | None:
        """One notice, or None."""
        from casework.notices import NoticeRecord

        docs = self.tx.docs(self.FILE, "notices")
        doc = next((d for d in docs if d.get("id") == notice_id), None)
        return from_json(NoticeRecord, doc) if doc else None

    def with_status(self, *statuses: NoticeStatus) -> list[NoticeRecord]:
        """Every notice in one of these states, oldest first."""
        from casework.notices import NoticeRecord

        wanted = {s.value for s in statuses}
        docs = self.tx.docs(self.FILE, "notices")
        found = [from_json(NoticeRecord, d) for d in docs if d["status"] in wanted]
        return sorted(found, key=lambda n: n.created)

    def of_case(self, case_ref: str) -> list[NoticeRecord]:
        """A case's notices, oldest first."""
        from casework.notices import NoticeRecord

        docs = self.tx.docs(self.FILE, "notices")
        found = [from_json(NoticeRecord, d) for d in docs if d["case_ref"] == case_ref]
        return sorted(found, key=lambda n: n.created)


class Counters:
    """Reference numbers: one sequence per year."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def next(self, name: str, floor: int = 0) -> int:
        """Take the next number of a sequence, never at or below ``floor`` (the highest in use)."""
        from tinydb import Query

        table = self.tx.table(META, "counters")
        doc = table.get(Query().name == name)
        value = max(int(doc["value"]) if doc else 0, floor) + 1
        table.upsert({"name": name, "value": value}, Query().name == name)
        return value
