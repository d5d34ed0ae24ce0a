"""What the dashboard's case list needs from each case document, kept by case shard in the
copy store/shard_cache.py describes (``listing.cache``), so a new dashboard need not parse
every case document. Nothing here decides anything about a case: ``store.listing`` makes
the lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from store.db import Transaction
from store.shard_cache import LISTING_FILE, Codec, Entry, ShardCache, cache_for

CACHE_FILE = LISTING_FILE
# Bump when the shape of an entry changes: an older file is then simply rebuilt.
FORMAT = "conduct-listing-3"
# An entry is a JSON list. A case with no dates on it (nothing can fall due, no ban):
#   ["L", ref, [names], [behaviours], step, summary, last_activity, open, [flags],
#    [every behaviour on it, incidents' too], referred to the police]
# and any other case as its whole document: ["D", document].
LINE, DOCUMENT = "L", "D"


def has_dates(doc: Mapping[str, Any]) -> bool:
    """A case with a meeting, a ban or a published post: something may fall due."""
    return bool(
        doc.get("meetings")
        or doc.get("bans")
        or any(i.get("published_on") for i in doc.get("incidents", ()))
    )


def entry_of(doc: Mapping[str, Any]) -> Entry:
    """What the case list needs from one case document."""
    if has_dates(doc):
        return [DOCUMENT, doc]
    behaviours = doc["behaviours"]
    every = set(behaviours).union(*(i.get("behaviours", ()) for i in doc["incidents"]))
    return [
        LINE,
        doc["ref"],
        [s["name"] for s in doc["subjects"]],
        behaviours,
        doc["step"],
        doc["summary"],
        doc["last_activity"],
        doc["status"] == "open",
        doc.get("flags", []),
        sorted(every),
        any(r.get("to") == "police" for r in doc.get("referrals", ())),
    ]


def _encode(entries: list[Entry]) -> str:
    # JSON escapes every control character in a string, so the line holds no newline.
    return json.dumps(entries, separators=(",", ":"), ensure_ascii=False)


def _decode(data: bytes) -> list[Entry]:
    entries = json.loads(data)
    if not isinstance(entries, list):
        raise ValueError("not a list of entries")
    return entries


# A shard's entries are one JSON list on its line.
CODEC = Codec(FORMAT, _encode, _decode)


def listing_cache(root: Path) -> ShardCache:
    """This process's copy of the list lines of the data directory at ``root``."""
    return cache_for(root, CACHE_FILE, CODEC)


def listing_entries(cache: ShardCache, tx: Transaction, rels: list[str]) -> Iterator[Entry]:
    """Every case entry of these shards, in store order (call inside the read transaction)."""

    def make(rel: str) -> tuple[str, list[Entry]]:
        # Read through the transaction: it checks the file's shape and names damage.
        return "", [entry_of(d) for d in tx.docs(rel, "cases")]

    return cache.entries(rels, make)
