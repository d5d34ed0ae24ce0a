"""One pass over the inbox: every flagged, unprocessed message becomes case evidence, once.

The order for each message is fixed: raw bytes into the vault (fsynced), then one store
transaction (case opened or extended, message identity recorded), then our keyword on the
server. A crash between any two steps is repaired by the next pass: the vault is
content-addressed, the store recognises the message by UID, Message-ID or hash, and the
keyword is only a hint that saves a fetch.

Memory is bounded whatever the messages' sizes: a pass fetches sizes first, then small
messages in batches bounded by count (BATCH) and bytes (BATCH_BYTES), and each message over
STREAM_OVER alone, in chunks straight into the vault (hashed while written); such a message
is then read back from the vault in chunks, its attachments decoded into the vault as they
pass, and only its headers and a bounded excerpt parsed (``mailtext.stream``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from casework.config import Config
from casework.mailthread import AttachmentRef, IncomingMail
from casework.record import record
from mailer.imap_conn import ImapSession
from mailtext import ParsedMessage, auto_reply_reason, parse_message
from mailtext.stream import MimeStreamer, Sink, parse_skeleton
from store.inbox import Inbox, Ingested
from store.vault import Vault
from store.vault_stream import VaultWriter, read_chunks

log = logging.getLogger("conduct.mailer")

# Messages committed per transaction in a backlog: fewer fsyncs, same order of steps.
BATCH = 10
# A batch of small messages is fetched whole, at most this many bytes of them at once.
BATCH_BYTES = 16 * 1024 * 1024
# A message bigger than this is fetched in chunks into the vault and parsed as a stream.
STREAM_OVER = 4 * 1024 * 1024


class Fate(StrEnum):
    """What a pass did with one message."""

    OPENED = "opened"  # a new case
    ATTACHED = "attached"  # joined an existing case
    SKIPPED = "skipped"  # an auto-reply or bounce: recorded, never a case
    QUARANTINED = "quarantined"  # set aside with its raw bytes and the error
    DUPLICATE = "duplicate"  # known already (by UID, Message-ID or bytes): nothing new
    FAILED = "failed"  # not even quarantined (vault or store failed): retried next pass


@record
class Handled:
    """One message's fate in a pass, and the case it went to."""

    uid: int
    fate: Fate
    case_ref: str | None = None

    @property
    def settled(self) -> bool:
        """Recorded in the store one way or another, so our keyword may be set on it."""
        return self.fate is not Fate.FAILED


@dataclass
class IngestCounts:
    """What one pass did."""

    opened: int = 0
    attached: int = 0
    skipped: int = 0
    quarantined: int = 0
    duplicates: int = 0
    failed: int = 0  # could not even be quarantined (the store itself failed): retried next pass
    refs: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        """Messages dealt with in this pass."""
        return self.opened + self.attached + self.skipped + self.quarantined + self.duplicates

    def add(self, handled: Handled) -> None:
        """Count one message's fate."""
        match handled.fate:
            case Fate.OPENED:
                self.opened += 1
            case Fate.ATTACHED:
                self.attached += 1
            case Fate.SKIPPED:
                self.skipped += 1
            case Fate.QUARANTINED:
                self.quarantined += 1
            case Fate.DUPLICATE:
                self.duplicates += 1
            case Fate.FAILED:
                self.failed += 1
        if handled.case_ref and handled.fate in (Fate.OPENED, Fate.ATTACHED):
            self.refs.append(handled.case_ref)


@record
class Arrival:
    """A message to ingest: where it sits on the server, and its raw bytes (or their hash,
    when a big message was fetched straight into the vault)."""

    folder: str
    uidvalidity: int
    uid: int
    raw: bytes
    vaulted: str = ""  # the SHA-256 of a message already in the vault (``raw`` is then empty)
    size: int = 0

    @property
    def length(self) -> int:
        """The message's size in bytes."""
        return self.size if self.vaulted else len(self.raw)


def ingest_pending(
    session: ImapSession,
    inbox: Inbox,
    config: Config,
    *,
    should_stop: object = None,
) -> IngestCounts:
    """Search, fetch and ingest every pending message; one bad message never stops the rest."""
    counts = IngestCounts()
    state = session.state or session.select()
    pending = session.search_pending()
    known = inbox.known_uids(state.folder, state.uidvalidity)
    done_before = [uid for uid in pending if uid in known]
    if done_before:
        # Ingested before a crash, or the server cannot keep our keyword: just mark them.
        session.mark_processed(done_before)
    todo = [uid for uid in pending if uid not in known]
    stopping = getattr(should_stop, "is_set", lambda: False)
    vault = inbox.book.vault
    for group in plan_batches(todo, session.sizes(todo)):
        if len(group) == 1 and group[0][1] > STREAM_OVER:
            arrival = _fetch_into_vault(session, group[0][0], vault)
            batch = [arrival] if arrival is not None else []
        else:
            uids = [uid for uid, _ in group]
            batch = [
                Arrival(f.folder, f.uidvalidity, f.uid, f.raw)
                for f in session.fetch(uids, batch_size=len(uids))
            ]
        if batch:
            _ingest_batch(batch, session, inbox, config, counts)
        if stopping():
            return counts
    return counts


def plan_batches(uids: Sequence[int], sizes: dict[int, int]) -> list[list[tuple[int, int]]]:
    """UIDs in order, grouped: small ones up to BATCH and BATCH_BYTES, each big one alone."""
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    held = 0
    for uid in uids:
        size = sizes.get(uid)
        if size is None:
            continue  # expunged by someone else since the search
        if size > STREAM_OVER:
            if current:
                groups.append(current)
                current, held = [], 0
            groups.append([(uid, size)])
            continue
        if current and (len(current) >= BATCH or held + size > BATCH_BYTES):
            groups.append(current)
            current, held = [], 0
        current.append((uid, size))
        held += size
    if current:
        groups.append(current)
    return groups


def _fetch_into_vault(session: ImapSession, uid: int, vault: Vault) -> Arrival | None:
    """Fetch one big message in chunks straight into the vault; None if it has gone."""
    with VaultWriter(vault) as writer:
        fetched = session.fetch_into(uid, writer.write)
        if fetched is None:
            return None
        sha = writer.commit()
    return Arrival(fetched.folder, fetched.uidvalidity, uid, b"", vaulted=sha, size=fetched.size)


def _ingest_batch(
    batch: list[Arrival], session: ImapSession, inbox: Inbox, config: Config, counts: IngestCounts
) -> None:
    """Ingest a batch, then set the keyword on every message the store now knows."""
    handled = ingest_messages(batch, inbox, config)
    for h in handled:
        counts.add(h)
    done = sorted(h.uid for h in handled if h.settled)
    if done:
        session.mark_processed(done)


def ingest_raw(
    raw: bytes, inbox: Inbox, config: Config, *, folder: str, uidvalidity: int, uid: int
) -> Handled:
    """Ingest one message (a retry from quarantine): the same route as a batch of one."""
    return ingest_messages([Arrival(folder, uidvalidity, uid, raw)], inbox, config)[0]


def ingest_vaulted(
    sha256: str, size: int, inbox: Inbox, config: Config, *, folder: str, uidvalidity: int, uid: int
) -> Handled:
    """Ingest one message already in the vault, read as a stream (a big one from quarantine)."""
    arrival = Arrival(folder, uidvalidity, uid, b"", vaulted=sha256, size=size)
    return ingest_messages([arrival], inbox, config)[0]


def ingest_messages(arrivals: Sequence[Arrival], inbox: Inbox, config: Config) -> list[Handled]:
    """Vault every message, commit them in one transaction, and say what became of each.

    If the transaction fails, the messages are committed one at a time so that only the one
    that breaks it is quarantined. The caller sets the keyword afterwards.
    """
    return _commit([_prepare(a, inbox, config) for a in arrivals], inbox)


@record
class _Prepared:
    arrival: Arrival
    sha: str | None  # None: the vault could not take it
    mail: IncomingMail | None  # None: it could not be parsed into one
    skip_reason: str | None
    parsed: ParsedMessage | None
    error: str


def _prepare(arrival: Arrival, inbox: Inbox, config: Config) -> _Prepared:
    """Raw bytes into the vault, then parse; a parse error is kept to quarantine the message."""
    if arrival.vaulted:
        return _prepare_streamed(arrival, inbox, config)
    try:
        sha = inbox.book.vault.put(arrival.raw)
    except OSError as exc:
        log.error("cannot store message UID %s in the vault: %s", arrival.uid, exc)
        return _Prepared(arrival, None, None, None, None, str(exc))
    parsed: ParsedMessage | None = None
    try:
        parsed = parse_message(arrival.raw)
        mail = incoming(parsed, arrival, sha, inbox.book.vault, config)
        # The attachments are in the vault now: keep no second copy while the batch commits.
        parsed = replace(parsed, attachments=())
        return _Prepared(arrival, sha, mail, auto_reply_reason(parsed), parsed, "")
    except Exception as exc:  # quarantined with its raw bytes; the rest keep flowing
        return _Prepared(arrival, sha, None, None, parsed, f"{type(exc).__name__}: {exc}")


def _prepare_streamed(arrival: Arrival, inbox: Inbox, config: Config) -> _Prepared:
    """A big message already in the vault: read it back in chunks, attachments into the vault."""
    vault = inbox.book.vault
    writers: list[VaultWriter] = []

    def open_sink(content_type: str) -> Sink:
        writer = VaultWriter(vault)
        writers.append(writer)
        return writer

    parsed: ParsedMessage | None = None
    try:
        streamer = MimeStreamer(open_sink)
        for chunk in read_chunks(vault, arrival.vaulted):
            streamer.feed(chunk)
        parsed, parts = parse_skeleton(streamer.close())
        limit = _attachment_limit(config)
        attachments = tuple(
            AttachmentRef(
                name=p.filename,
                sha256=_committed(p.sink),
                size=p.size,
                content_type=p.content_type,
                oversize=p.size > limit,
            )
            for p in parts
        )
        mail = _incoming(parsed, arrival, arrival.vaulted, attachments)
        return _Prepared(arrival, arrival.vaulted, mail, auto_reply_reason(parsed), parsed, "")
    except Exception as exc:  # the raw message is in the vault: quarantined with the error
        return _Prepared(
            arrival, arrival.vaulted, None, None, parsed, f"{type(exc).__name__}: {exc}"
        )
    finally:
        for writer in writers:
            writer.abort()  # a no-op for those committed


def _committed(sink: Sink) -> str:
    assert isinstance(sink, VaultWriter)
    return sink.commit()


def _commit(prepared: list[_Prepared], inbox: Inbox) -> list[Handled]:
    """One store transaction for every parsed message; on failure, one at a time."""
    ready = {i: p.mail for i, p in enumerate(prepared) if p.mail is not None}
    done: dict[int, Handled] = {}
    try:
        if ready:
            items = [(mail, prepared[i].skip_reason) for i, mail in ready.items()]
            results = inbox.ingest_many(items)
            done = {i: _handled(prepared[i], r) for i, r in zip(ready, results, strict=True)}
    except Exception as exc:
        if len(ready) > 1:
            # One of them broke the transaction: take them one at a time so only it is set aside.
            log.warning("batch of %d failed (%s); ingesting one by one", len(ready), exc)
            done = {i: _commit([prepared[i]], inbox)[0] for i in ready}
        else:
            done = {
                i: _quarantine(inbox, prepared[i], f"{type(exc).__name__}: {exc}") for i in ready
            }
    out: list[Handled] = []
    for i, p in enumerate(prepared):
        if p.sha is None:
            out.append(Handled(p.arrival.uid, Fate.FAILED))
        elif i in done:
            out.append(done[i])
        else:
            out.append(_quarantine(inbox, p, p.error))
    return out


def _handled(p: _Prepared, result: Ingested) -> Handled:
    uid = p.arrival.uid
    if result.duplicate:
        return Handled(uid, Fate.DUPLICATE, result.case_ref)
    log.info(
        "message UID %s %s %s (%s)", uid, result.outcome.value, result.case_ref or "", result.rule
    )
    return Handled(uid, Fate(result.outcome.value), result.case_ref)


def _quarantine(inbox: Inbox, p: _Prepared, error: str) -> Handled:
    """Set one message aside with its error; FAILED if even that cannot be written."""
    a = p.arrival
    log.warning("message UID %s quarantined: %s", a.uid, error)
    assert p.sha is not None  # a message the vault refused is never quarantined
    try:
        inbox.quarantine(
            sha256=p.sha,
            folder=a.folder,
            uidvalidity=a.uidvalidity,
            uid=a.uid,
            error=error,
            subject=p.parsed.bounded_subject if p.parsed else "",
            sender=p.parsed.sender.address if p.parsed and p.parsed.sender else "",
            message_id=p.parsed.message_id if p.parsed else None,
            size=a.length,
        )
    except Exception as again:
        log.error("message UID %s could not be quarantined either: %s", a.uid, again)
        return Handled(a.uid, Fate.FAILED)
    return Handled(a.uid, Fate.QUARANTINED)


def incoming(
    parsed: ParsedMessage, arrival: Arrival, sha: str, vault: Vault, config: Config
) -> IncomingMail:
    """The store's view of a parsed message: bounded text; attachments go to the vault, none dropped."""
    limit = _attachment_limit(config)
    attachments = tuple(
        AttachmentRef(
            name=a.filename,
            sha256=vault.put(a.data),
            size=a.size,
            content_type=a.content_type,
            # Kept whatever its size; flagged so the office sees it is unusually large.
            oversize=a.size > limit,
        )
        for a in parsed.attachments
    )
    return _incoming(parsed, arrival, sha, attachments)


def _attachment_limit(config: Config) -> int:
    return (config.mail.attachment_limit_mb if config.mail else 25) * 1024 * 1024


def _incoming(
    parsed: ParsedMessage, arrival: Arrival, sha: str, attachments: tuple[AttachmentRef, ...]
) -> IncomingMail:
    return IncomingMail(
        sha256=sha,
        folder=arrival.folder,
        uidvalidity=arrival.uidvalidity,
        uid=arrival.uid,
        message_id=parsed.message_id,
        sender_address=parsed.sender.address if parsed.sender else "",
        sender_name=parsed.bounded_sender_name,
        # The store keeps bounded text (a 5 MB subject must not make 36 MB of records);
        # the vault keeps the whole message.
        subject=parsed.bounded_subject,
        date=parsed.date,
        in_reply_to=(parsed.in_reply_to,) if parsed.in_reply_to else (),
        references=parsed.bounded_references,
        text=parsed.excerpt,
        attachments=attachments,
        size=arrival.length,
    )
