"""One pass over the inbox: every flagged, unprocessed message becomes case evidence, once.

The order for each message is fixed: raw bytes into the vault (fsynced), then one store
transaction (case opened or extended, message identity recorded), then our keyword on the
server. A crash between any two steps is repaired by the next pass: the vault is
content-addressed, the store recognises the message by UID, Message-ID or hash, and the
keyword is only a hint that saves a fetch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from casework.config import Config
from casework.mailrecords import MailOutcome
from casework.mailthread import AttachmentRef, IncomingMail
from mailer.autoreply import auto_reply_reason
from mailer.imap_conn import FetchedMessage, ImapSession
from mailer.parse import ParsedMessage, parse_message
from store.inbox import Inbox
from store.vault import Vault

log = logging.getLogger("conduct.mailer")


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
    batch: list[FetchedMessage] = []
    for fetched in session.fetch(todo, batch_size=BATCH):
        batch.append(fetched)
        if len(batch) == BATCH:
            _ingest_batch(batch, session, inbox, config, counts)
            batch = []
            if stopping():
                return counts
    if batch:
        _ingest_batch(batch, session, inbox, config, counts)
    return counts


# Messages committed per transaction in a backlog: fewer fsyncs, same order of steps.
BATCH = 10


@dataclass(frozen=True)
class _Prepared:
    fetched: FetchedMessage
    sha: str
    mail: IncomingMail | None
    skip_reason: str | None
    error: str
    parsed: ParsedMessage | None


def _ingest_batch(
    batch: list[FetchedMessage],
    session: ImapSession,
    inbox: Inbox,
    config: Config,
    counts: IngestCounts,
) -> None:
    """Vault every message, commit the batch in one transaction, then set the keyword."""
    prepared = [p for p in (_prepare(f, inbox, config) for f in batch) if p is not None]
    if len(prepared) < len(batch):
        counts.failed += len(batch) - len(prepared)
    good = [p for p in prepared if p.mail is not None]
    outcomes: dict[int, tuple[MailOutcome, str | None, bool] | None] = {}
    try:
        results = inbox.ingest_many([(p.mail, p.skip_reason) for p in good if p.mail is not None])
        for p, r in zip(good, results, strict=True):
            outcomes[p.fetched.uid] = (r.outcome, r.case_ref, r.duplicate)
            if not r.duplicate:
                log.info(
                    "message UID %s %s %s (%s)",
                    p.fetched.uid,
                    r.outcome.value,
                    r.case_ref or "",
                    r.rule,
                )
    except Exception as exc:
        # One of them broke the transaction: take them one at a time so only it is set aside.
        log.warning("batch of %d failed (%s); ingesting one by one", len(good), exc)
        for p in good:
            outcomes[p.fetched.uid] = ingest_raw(
                p.fetched.raw,
                p.sha,
                inbox,
                config,
                folder=p.fetched.folder,
                uidvalidity=p.fetched.uidvalidity,
                uid=p.fetched.uid,
            )
    for p in prepared:
        if p.mail is None:
            outcomes[p.fetched.uid] = _quarantine(
                inbox,
                p.fetched.raw,
                p.sha,
                p.error,
                p.parsed,
                p.fetched.folder,
                p.fetched.uidvalidity,
                p.fetched.uid,
            )
    for p in prepared:
        _count(counts, outcomes.get(p.fetched.uid))
    done = [uid for uid, outcome in outcomes.items() if outcome is not None]
    if done:
        session.mark_processed(sorted(done))


def _prepare(fetched: FetchedMessage, inbox: Inbox, config: Config) -> _Prepared | None:
    """Raw bytes into the vault, then parse; a parse error is kept to quarantine the message."""
    try:
        sha = inbox.book.vault.put(fetched.raw)
    except OSError as exc:
        log.error("cannot store message UID %s in the vault: %s", fetched.uid, exc)
        return None
    parsed: ParsedMessage | None = None
    try:
        parsed = parse_message(fetched.raw)
        mail = incoming(
            parsed,
            fetched.raw,
            sha,
            inbox.book.vault,
            config,
            fetched.folder,
            fetched.uidvalidity,
            fetched.uid,
        )
        return _Prepared(fetched, sha, mail, auto_reply_reason(fetched.raw), "", parsed)
    except Exception as exc:  # quarantined below with its raw bytes; the rest keep flowing
        return _Prepared(fetched, sha, None, None, f"{type(exc).__name__}: {exc}", parsed)


def _count(counts: IngestCounts, outcome: tuple[MailOutcome, str | None, bool] | None) -> None:
    if outcome is None:
        counts.failed += 1
        return
    kind, ref, duplicate = outcome
    if duplicate:
        counts.duplicates += 1
    elif kind is MailOutcome.OPENED:
        counts.opened += 1
    elif kind is MailOutcome.ATTACHED:
        counts.attached += 1
    elif kind is MailOutcome.SKIPPED:
        counts.skipped += 1
    elif kind is MailOutcome.QUARANTINED:
        counts.quarantined += 1
    if ref and not duplicate:
        counts.refs.append(ref)


def ingest_raw(
    raw: bytes,
    sha: str,
    inbox: Inbox,
    config: Config,
    *,
    folder: str,
    uidvalidity: int,
    uid: int,
) -> tuple[MailOutcome, str | None, bool] | None:
    """Parse and record a message whose raw bytes are in the vault; quarantine it on any error."""
    parsed: ParsedMessage | None = None
    try:
        parsed = parse_message(raw)
        mail = incoming(parsed, raw, sha, inbox.book.vault, config, folder, uidvalidity, uid)
        result = inbox.ingest(mail, skip_reason=auto_reply_reason(raw))
        if not result.duplicate:
            log.info(
                "message UID %s %s %s (%s)",
                uid,
                result.outcome.value,
                result.case_ref or "",
                result.rule,
            )
        return result.outcome, result.case_ref, result.duplicate
    except Exception as exc:  # any failure quarantines this one message; the rest keep flowing
        return _quarantine(
            inbox, raw, sha, f"{type(exc).__name__}: {exc}", parsed, folder, uidvalidity, uid
        )


def _quarantine(
    inbox: Inbox,
    raw: bytes,
    sha: str,
    error: str,
    parsed: ParsedMessage | None,
    folder: str,
    uidvalidity: int,
    uid: int,
) -> tuple[MailOutcome, str | None, bool] | None:
    """Set one message aside with its error; None if even that cannot be written."""
    log.warning("message UID %s quarantined: %s", uid, error)
    try:
        inbox.quarantine(
            sha256=sha,
            folder=folder,
            uidvalidity=uidvalidity,
            uid=uid,
            error=error,
            subject=parsed.subject if parsed else "",
            sender=parsed.sender.address if parsed and parsed.sender else "",
            message_id=parsed.message_id if parsed else None,
            size=len(raw),
        )
    except Exception as again:
        log.error("message UID %s could not be quarantined either: %s", uid, again)
        return None
    return MailOutcome.QUARANTINED, None, False


def incoming(
    parsed: ParsedMessage,
    raw: bytes,
    sha: str,
    vault: Vault,
    config: Config,
    folder: str,
    uidvalidity: int,
    uid: int,
) -> IncomingMail:
    """The store's view of a parsed message; attachments go to the vault, none dropped."""
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
    sender = parsed.sender
    return IncomingMail(
        sha256=sha,
        folder=folder,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=parsed.message_id,
        sender_address=sender.address if sender else "",
        sender_name=sender.name if sender else "",
        subject=parsed.subject,
        date=parsed.date,
        in_reply_to=(parsed.in_reply_to,) if parsed.in_reply_to else (),
        references=parsed.references,
        text=parsed.text,
        attachments=attachments,
        size=len(raw),
    )
