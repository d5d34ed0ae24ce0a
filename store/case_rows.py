"""`case list`'s rows, kept as the very text the command prints, so that listing 1,000
unchanged cases neither parses, decodes nor summarises them again.

The caller's ``row`` makes a case's text (conduct.views makes the JSON) from the case, the
policy and today, and nothing else. A case with no date on it (casework.rules.has_dates) has
nothing that can fall due, so its row is the same every day. The rows of each case shard are
kept in the copy store/shard_cache.py describes (``caselist.cache``), filed under the digest
of the shard's bytes with a stamp of the caller's row format, the policy's digest and, when
one of the shard's cases has a date, the school's date: a commit, a restore, a new policy, a
new row format or, for a shard with dates, a new day means that shard is read and its rows
made again. A restricted case's entry holds its masked row beside its full one, and which is
shown is decided for the reader each time, so the copy never widens who sees what.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from operator import itemgetter
from typing import TYPE_CHECKING

from casework.restricted import masked, restriction
from casework.rules import has_dates
from store.records import CASE_FILES, Cases
from store.shard_cache import CASE_ROWS_FILE, Codec, Entry, cache_for

if TYPE_CHECKING:
    from casework.cases import Case
    from store.casebook import Casebook

# Bump when the shape of an entry changes: an older file is then simply rebuilt.
FORMAT = "conduct-case-rows-1"
# An entry: [record id, status, last activity (ISO), row, masked row or None].
_ID, _STATUS, _LAST, _ROW, _MASKED = range(5)
# On its shard's line, entries are parted by RS and their fields by US. A row is text with
# no control character (JSON escapes them all), so it is kept as it is: reading it back is a
# split, not a parse (a JSON string of the rows took six times as long to read).
_ENTRIES, _FIELDS = "\x1e", "\x1f"


def _encode(entries: list[Entry]) -> str:
    fields = [
        [str(e[_ID]), e[_STATUS], e[_LAST], e[_ROW], e[_MASKED] or ""] for e in entries
    ]
    if any(c in f for entry in fields for f in entry for c in (_ENTRIES, _FIELDS, "\n")):
        raise ValueError("a case list row holds a newline or a separator (RS, US)")
    return _ENTRIES.join(_FIELDS.join(entry) for entry in fields)


def _decode(data: bytes) -> list[Entry]:
    text = data.decode("utf-8")
    entries: list[Entry] = []
    for line in text.split(_ENTRIES) if text else ():
        record_id, status, last, row, hidden = line.split(_FIELDS)
        entries.append([int(record_id), status, last, row, hidden or None])
    return entries


CODEC = Codec(FORMAT, _encode, _decode)


def case_rows(
    book: Casebook,
    status: str | None,
    today: date,
    row: Callable[[Case], str],
    row_format: str,
) -> list[str]:
    """Each case's row as ``row`` makes it, newest activity first (``status`` None: every case).

    A restricted case shows as its masked form to a reader who may not see it in full.
    ``row_format`` names what ``row`` makes: change it whenever ``row`` would make other text.
    """
    policy = book.config.policy
    # The policy's repr is its whole content, in a fixed order (records and tuples only).
    policy_digest = hashlib.sha256(repr(policy).encode()).hexdigest()
    timeless = f"{row_format} {policy_digest}"
    today_stamp = f"{timeless} {today.isoformat()}"
    cache = cache_for(book.store.root, CASE_ROWS_FILE, CODEC)
    with book.store.reading() as tx:

        def make(rel: str) -> tuple[str, list[Entry]]:
            made: list[Entry] = []
            dated = False
            for record_id, case in Cases(tx).in_shard(rel):
                dated = dated or has_dates(case)
                hidden = restriction(policy, case, ()) is not None
                made.append(
                    [
                        record_id,
                        case.status.value,
                        case.last_activity.isoformat(),
                        row(case),
                        row(masked(case)) if hidden else None,
                    ]
                )
            return (today_stamp if dated else timeless), made

        found = [
            e
            for e in cache.entries(CASE_FILES, make, good=lambda s: s in (timeless, today_stamp))
            if status is None or e[_STATUS] == status
        ]
        cache.save()
    sees_all = book.actor.sees_restricted(book.config.staff.restricted_roles)
    # Oldest reference first, then newest activity first: cases last active together stay
    # in reference order, as Casebook.cases() and a sort by activity give them.
    found.sort(key=itemgetter(_ID))
    found.sort(key=lambda e: datetime.fromisoformat(e[_LAST]), reverse=True)
    return [e[_ROW] if sees_all or e[_MASKED] is None else e[_MASKED] for e in found]
