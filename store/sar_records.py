"""Subject access requests in the store: ``sar/NN.json``, sharded by person id.

A new directory of shards, not a change of layout: a store without it simply has no
requests, so no migration is needed.
"""

from __future__ import annotations

from typing import Any

from tinydb import Query

from casework.sar_requests import SarRequest
from casework.serial import from_json, to_json
from store.db import META, Transaction, shard_of
from store.records import decode

SAR_SHARDS = 16
REQUEST_PREFIX = "SAR"


def _file(person_id: str) -> str:
    return f"sar/{shard_of(person_id, SAR_SHARDS)}.json"


def _read(doc: Any) -> SarRequest:
    return from_json(SarRequest, doc)


def holds_requests(tx: Transaction, person_id: str) -> bool:
    """Whether any request is recorded about this person."""
    return any(d.get("person_id") == person_id for d in tx.docs(_file(person_id), "requests"))


class Requests:
    """Subject access requests inside a transaction."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def next_id(self, year: int) -> str:
        """A new request id, ``SAR-2026-0001``, from meta.json's counter."""
        table = self.tx.table(META, "counters")
        name = f"sar-{year}"
        doc = table.get(Query().name == name)
        value = (int(doc["value"]) if doc else 0) + 1
        table.upsert({"name": name, "value": value}, Query().name == name)
        return f"{REQUEST_PREFIX}-{year:04d}-{value:04d}"

    def put(self, request: SarRequest) -> None:
        """Insert or replace a request."""
        table = self.tx.table(_file(request.person_id), "requests")
        table.upsert(to_json(request), Query().id == request.id)

    def of_person(self, person_id: str) -> list[SarRequest]:
        """A person's requests, oldest first."""
        rel = _file(person_id)
        docs = [d for d in self.tx.docs(rel, "requests") if d.get("person_id") == person_id]
        return sorted((decode(self.tx, rel, _read, d) for d in docs), key=lambda r: r.id)

    def all(self) -> list[SarRequest]:
        """Every request, oldest first."""
        found = []
        for n in range(SAR_SHARDS):
            rel = f"sar/{n:02d}.json"
            found += [decode(self.tx, rel, _read, d) for d in self.tx.docs(rel, "requests")]
        return sorted(found, key=lambda r: r.id)

    def get(self, request_id: str) -> SarRequest | None:
        """One request by id."""
        return next((r for r in self.all() if r.id == request_id.upper()), None)
