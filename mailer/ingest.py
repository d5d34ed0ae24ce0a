"""One pass over the inbox: every flagged, unprocessed message becomes case evidence, once.

The order for each message is fixed: raw bytes into the vault (fsynced), then one store
transaction (case opened or extended, message identity recorded), then our keyword on the
server. A crash between any two steps is repaired by the next pass: the vault is
content-addressed, the store recognises the message by UID, Message-ID or hash, and the
keyword is only a hint that saves a fetch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from casework.config import Config
from casework.mailthread import AttachmentRef, IncomingMail
from mailer.imap_conn import ImapSession
from mailtext import ParsedMessage, auto_reply_reason, parse_message
from store.inbox import Inbox, Ingested
from store.vault import Vault

log = logging.getLogger("conduct.mailer")

# Messages committed per transaction in a backlog: fewer fsyncs, same order of steps.
BATCH = 10


class Fate(StrEnum):
    """What a pass did with one message."""

    OPENED = "opened"  # a new case
    ATTACHED = "attached"  # joined an existing case
    SKIPPED = "skipped"  # an auto-reply or bounce: recorded, never a case
    QUARANTINED = "quarantined"  # set aside with its raw bytes and the error
    DUPLICATE = "duplicate"  # known already (by UID, Message-ID or bytes): nothing new
    FAILED = "failed"  # not even quarantined (vault or store failed): retried next pass


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Arrival:
    """A message to ingest: where it sits on the server, and its raw bytes."""

    folder: str
    uidvalidity: int
    uid: int
    raw: bytes


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
    batch: list[Arrival] = []
    for fetched in session.fetch(todo, batch_size=BATCH):
        batch.append(Arrival(fetched.folder, fetched.uidvalidity, fetched.uid, fetched.raw))
        if len(batch) == BATCH:
            _ingest_batch(batch, session, inbox, config, counts)
            batch = []
            if stopping():
                return counts
    if batch:
        _ingest_batch(batch, session, inbox, config, counts)
    return counts


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


def ingest_messages(arrivals: Sequence[Arrival], inbox: Inbox, config: Config) -> list[Handled]:
    """Vault every message, commit them in one transaction, and say what became of each.

    If the transaction fails, the messages are committed one at a time so that only the one
    that breaks it is quarantined. The caller sets the keyword afterwards.
    """
    return _commit([_prepare(a, inbox, config) for a in arrivals], inbox)


@dataclass(frozen=True)
class _Prepared:
    arrival: Arrival
    sha: str | None  # None: the vault could not take it
    mail: IncomingMail | None  # None: it could not be parsed into one
    skip_reason: str | None
    parsed: ParsedMessage | None
    error: str


def _prepare(arrival: Arrival, inbox: Inbox, config: Config) -> _Prepared:
    """Raw bytes into the vault, then parse; a parse error is kept to quarantine the message."""
    try:
        sha = inbox.book.vault.put(arrival.raw)
    except OSError as exc:
        log.error("cannot store message UID %s in the vault: %s", arrival.uid, exc)
        return _Prepared(arrival, None, None, None, None, str(exc))
    parsed: ParsedMessage | None = None
    try:
        parsed = parse_message(arrival.raw)
        mail = incoming(parsed, arrival, sha, inbox.book.vault, config)
        return _Prepared(arrival, sha, mail, auto_reply_reason(parsed), parsed, "")
    except Exception as exc:  # quarantined with its raw bytes; the rest keep flowing
        return _Prepared(arrival, sha, None, None, parsed, f"{type(exc).__name__}: {exc}")


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
            size=len(a.raw),
        )
    except Exception as again:
        log.error("message UID %s could not be quarantined either: %s", a.uid, again)
        return Handled(a.uid, Fate.FAILED)
    return Handled(a.uid, Fate.QUARANTINED)


def incoming(
    parsed: ParsedMessage, arrival: Arrival, sha: str, vault: Vault, config: Config
) -> IncomingMail:
    """The store's view of a parsed message: bounded text; attachments go to the vault, none dropped."""
    limit = (config.mail.attachment_limit_mb if config.mail else 25) * 1024 * 1024
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
        size=len(arrival.raw),
    )
