"""What the daemon has told staff (digests, approval reminders), so each goes at most once.

A message is claimed (its key written, committed and audited) before the first byte goes to
the server, as letters are: a crash or a restart after the claim never sends it again. The
records live in meta.json's ``staff_mail`` table; entries older than 60 days are dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tinydb import Query

from casework.digest import SAR_DUE, DigestFacts
from casework.health import daemon_summary
from casework.outbox import LetterStatus
from casework.record import record
from casework.sar_requests import requests_due
from store.casebook import Casebook
from store.db import META, Store
from store.layout import CHAIN
from store.liveness import checked
from store.maillog import MailLog, Messages, quarantined
from store.records import Cases, Letters
from store.sar_records import Requests

TABLE = "staff_mail"
KEEP = timedelta(days=60)


@record
class SentRecord:
    """One message to staff: its key, when it was claimed, to whom, and how it ended."""

    key: str
    at: datetime
    to: tuple[str, ...]
    status: str  # "sending", "sent" or "failed"
    error: str = ""


class SentLog:
    """The staff messages claimed and sent, in the store."""

    def __init__(self, store: Store, actor: str) -> None:
        self.store = store
        self.actor = actor

    def get(self, key: str) -> SentRecord | None:
        """The record of ``key``, if it was ever claimed."""
        with self.store.reading() as tx:
            docs = [d for d in tx.docs(META, TABLE) if d.get("key") == key]
        return _record(docs[0]) if docs else None

    def latest(self, prefix: str) -> SentRecord | None:
        """The most recent record whose key starts with ``prefix``."""
        with self.store.reading() as tx:
            docs = [_record(d) for d in tx.docs(META, TABLE) if str(d.get("key", "")).startswith(prefix)]
        return max(docs, key=lambda r: r.at) if docs else None

    def claim(self, keys: tuple[str, ...], to: tuple[str, ...], at: datetime) -> bool:
        """Record ``keys`` as being sent now, unless one was already: True when claimed."""
        with self.store.transaction(self.actor) as tx:
            table = tx.table(META, TABLE)
            known = {d.get("key") for d in tx.docs(META, TABLE)}
            if known & set(keys):
                return False
            old = Query().at < (at - KEEP).isoformat()
            table.remove(old)
            for key in keys:
                table.insert({"key": key, "at": at.isoformat(), "to": list(to), "status": "sending", "error": ""})
            tx.note(f"staff mail {keys[0]} to {', '.join(to)}")
        return True

    def release(self, keys: tuple[str, ...]) -> None:
        """Forget a claim whose message never reached the server whole (sent again later)."""
        with self.store.transaction(self.actor) as tx:
            table = tx.table(META, TABLE)
            for key in keys:
                table.remove(Query().key == key)
            tx.note(f"staff mail {keys[0]} not sent; to be tried again")

    def finish(self, keys: tuple[str, ...], error: str = "") -> None:
        """Mark claimed ``keys`` sent, or failed with the server's words."""
        with self.store.transaction(self.actor) as tx:
            table = tx.table(META, TABLE)
            for key in keys:
                table.update({"status": "failed" if error else "sent", "error": error}, Query().key == key)
            tx.note(f"staff mail {keys[0]} {'failed: ' + error if error else 'sent'}")


def _record(doc: dict[str, object]) -> SentRecord:
    to = doc.get("to") or []
    return SentRecord(
        key=str(doc["key"]),
        at=datetime.fromisoformat(str(doc["at"])),
        to=tuple(str(x) for x in to) if isinstance(to, list) else (),
        status=str(doc.get("status", "")),
        error=str(doc.get("error", "")),
    )


def digest_facts(book: Casebook) -> DigestFacts:
    """Everything the digest reads, in one consistent view of the store."""
    today = book.clock.today()
    with book.store.reading() as tx:
        cases = tuple(Cases(tx).all())
        letters = tuple(
            Letters(tx).with_status(
                LetterStatus.AWAITING_APPROVAL, LetterStatus.FAILED, LetterStatus.OUTCOME_UNKNOWN
            )
        )
        waiting = tuple(quarantined(Messages(tx).all()))
        # Request ids and dates only: the digest names no one.
        sar_due = "\n".join(d.describe() for d in requests_due(Requests(tx).all(), today))
        chain = next(iter(tx.docs(META, CHAIN)), None)
    health = checked(MailLog(book.store).health())
    # The same words as `conduct check` (casework.health); the error too, when there is one.
    words = daemon_summary(health, book.clock.now()) if health is not None else ""
    if health is not None and health.last_error:
        words += f"; last error: {health.last_error}"
    return DigestFacts(
        school=book.config.school.name,
        today=today,
        cases=cases,
        letters=letters,
        quarantined=waiting,
        health=health,
        health_words=words,
        audit_head=str(chain["head"]) if chain else "",
        audit_length=int(chain["seq"]) if chain else 0,
        extra=((SAR_DUE, sar_due),),
        calendar=book.config.calendar,
    )
