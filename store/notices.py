"""Internal notices through their life: due, sending, sent or failed, each move on the case.

A step with ``notify`` makes a notice due (``Casebook.record_in``); a sender (the daemon,
issue 13) takes the due ones, stores the Message-ID before sending, and marks each sent or
failed here, so a notice goes at most once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from casework.events import EventType, make_event
from casework.notices import NoticeRecord, NoticeStatus
from casework.payloads import NoticeMoved
from store.casebook import Casebook, NotFound
from store.records import Events, Notices


class NoticeBox:
    """The notices of every case, and the only place their status changes."""

    def __init__(self, book: Casebook) -> None:
        self.book = book
        self.store = book.store

    def due(self) -> list[NoticeRecord]:
        """Notices waiting to go (a retry's time has come, or there is none)."""
        now = self.book.clock.now()
        with self.store.reading() as tx:
            waiting = Notices(tx).with_status(NoticeStatus.DUE)
        return [n for n in waiting if n.next_attempt is None or n.next_attempt <= now]

    def with_status(self, *statuses: NoticeStatus) -> list[NoticeRecord]:
        """Notices in these states."""
        with self.store.reading() as tx:
            return Notices(tx).with_status(*statuses)

    def of_case(self, ref: str) -> list[NoticeRecord]:
        """A case's notices."""
        with self.store.reading() as tx:
            return Notices(tx).of_case(ref.upper())

    def claim(self, notice_id: str, message_id: str, recipients: tuple[str, ...]) -> NoticeRecord:
        """Store the Message-ID and the addresses before the first byte goes out."""
        return self._move(
            notice_id,
            NoticeStatus.SENDING,
            None,
            message_id=message_id,
            recipients=recipients,
        )

    def sent(self, notice_id: str) -> NoticeRecord:
        """The server accepted the notice."""
        return self._move(
            notice_id,
            NoticeStatus.SENT,
            EventType.NOTICE_SENT,
            sent_at=self.book.clock.now(),
            last_error="",
        )

    def retry_later(self, notice_id: str, error: str, when: datetime) -> NoticeRecord:
        """Not sent yet (no address for a role, a network fault): due again at ``when``."""
        current = self._get(notice_id)
        return self._move(
            notice_id,
            NoticeStatus.DUE,
            None,
            last_error=error,
            next_attempt=when,
            attempts=current.attempts + 1,
        )

    def failed(self, notice_id: str, error: str) -> NoticeRecord:
        """The server refused it for good: a person must look."""
        return self._move(notice_id, NoticeStatus.FAILED, EventType.NOTICE_FAILED, last_error=error)

    def _get(self, notice_id: str) -> NoticeRecord:
        with self.store.reading() as tx:
            notice = Notices(tx).get(notice_id)
        if notice is None:
            raise NotFound(f"no notice {notice_id!r}")
        return notice

    def _move(
        self, notice_id: str, to: NoticeStatus, etype: EventType | None, **changes: Any
    ) -> NoticeRecord:
        with self.store.transaction(self.book.actor.name) as tx:
            notices = Notices(tx)
            notice = notices.get(notice_id)
            if notice is None:
                raise NotFound(f"no notice {notice_id!r}")
            updated = replace(notice, status=to, **changes)
            notices.put(updated)
            if etype is not None:
                moved = NoticeMoved(notice_id, updated.recipients, updated.last_error)
                words = (
                    f"Notice sent to {', '.join(updated.recipients)}: {updated.step_label}"
                    if to is NoticeStatus.SENT
                    else f"Notice failed: {updated.last_error}"
                )
                event = make_event(
                    notice.case_ref, tx.actor, etype, words, moved, at=self.book.clock.now()
                )
                Events(tx).add(event)
            tx.note(f"{notice.case_ref} notice {notice_id} {to.value}")
        return updated
