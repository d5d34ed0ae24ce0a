"""Fetching messages without holding a big one in memory: sizes first, then whole or in chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailer.imap_types import FetchedMessage, as_text

if TYPE_CHECKING:
    from mailer.imap_conn import ImapSession

# One partial FETCH (RFC 3501 6.4.5, BODY.PEEK[]<offset.count>): what is in memory at once.
CHUNK_BYTES = 2 * 1024 * 1024


def sizes(session: ImapSession, uids: Sequence[int]) -> dict[int, int]:
    """RFC822.SIZE of each message still there."""
    if not uids:
        return {}
    with session.op("UID FETCH RFC822.SIZE"):
        data = session.client.fetch(list(uids), [b"RFC822.SIZE"])
    return {
        int(uid): int(item[b"RFC822.SIZE"]) for uid, item in data.items() if b"RFC822.SIZE" in item
    }


def fetch_whole(
    session: ImapSession, uids: Sequence[int], batch_size: int
) -> Iterator[FetchedMessage]:
    """Raw bytes, INTERNALDATE and FLAGS in batches, without setting \\Seen."""
    state = session.selected()
    for start in range(0, len(uids), max(1, batch_size)):
        batch = list(uids[start : start + batch_size])
        with session.op("UID FETCH"):
            data = session.client.fetch(batch, [b"BODY.PEEK[]", b"INTERNALDATE", b"FLAGS"])
        for uid in batch:
            item = data.pop(uid, None)
            # A message expunged by someone else since the search simply is not there.
            if item is None or b"BODY[]" not in item:
                continue
            raw = bytes(item.pop(b"BODY[]"))
            yield FetchedMessage(
                folder=state.folder,
                uidvalidity=state.uidvalidity,
                uid=uid,
                raw=raw,
                internaldate=utc(item.get(b"INTERNALDATE")),
                flags=tuple(as_text(f) for f in item.get(b"FLAGS", ())),
                size=len(raw),
            )


def fetch_into(
    session: ImapSession, uid: int, write: Callable[[bytes], object], chunk: int = CHUNK_BYTES
) -> FetchedMessage | None:
    """One message in chunks of ``chunk`` bytes, each handed to ``write``; None if it is gone."""
    state = session.selected()
    offset = 0
    internaldate: datetime | None = None
    flags: tuple[str, ...] = ()
    while True:
        part = f"BODY.PEEK[]<{offset}.{chunk}>".encode()
        wanted = [part, b"INTERNALDATE", b"FLAGS"] if offset == 0 else [part]
        with session.op("UID FETCH (partial)"):
            item = session.client.fetch([uid], wanted).get(uid)
        if item is None:
            return None
        body = next((v for k, v in item.items() if as_text(k).startswith("BODY[]")), None)
        if body is None:
            return None
        if offset == 0:
            internaldate = utc(item.get(b"INTERNALDATE"))
            flags = tuple(as_text(f) for f in item.get(b"FLAGS", ()))
        piece = bytes(body)
        del item, body
        if piece:
            write(piece)
        offset += len(piece)
        if len(piece) < chunk:
            break
    return FetchedMessage(
        folder=state.folder,
        uidvalidity=state.uidvalidity,
        uid=uid,
        raw=b"",
        internaldate=internaldate,
        flags=flags,
        size=offset,
    )


def utc(value: Any) -> datetime | None:
    """INTERNALDATE in UTC; None when the server sent none we can read (never an invented time)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return None
