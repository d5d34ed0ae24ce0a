"""Subject access requests, worked in store transactions: open, stop, restart, extend, list.

Audit notes name the request id only: the person is in the request record, which the chain
vouches for by hash.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from casework.people import Person
from casework.sar import StopReason
from casework.sar_requests import (
    DueRequest,
    SarRequest,
    SarStep,
    Via,
    open_requests,
    requests_due,
)
from store.casebook import Casebook, NotFound
from store.db import Transaction
from store.records import People
from store.sar_records import REQUEST_PREFIX, Requests


def find_person(tx: Transaction, text: str) -> Person:
    """A person by id (``p-jane-smith``) or by one of their email addresses."""
    people = People(tx)
    found = people.get(text.strip()) or (people.by_email(text) if "@" in text else None)
    if found is None:
        raise NotFound(
            f"no person {text!r}: give a person id (see `conduct case show REF --json`, "
            "people) or an email address the store knows"
        )
    return found


class SarBook:
    """Subject access requests on top of a casebook (its store, clock and actor)."""

    def __init__(self, book: Casebook) -> None:
        self.book = book

    def open(self, person: str, received_on: date, via: Via) -> SarRequest:
        """Record a request received on ``received_on``; its due date follows from it."""
        today = self.book.clock.today()
        if received_on > today:
            raise ValueError(f"--received: {received_on} is after today ({today})")
        at = self.book.clock.now()
        with self.book.store.transaction(self.book.actor.name) as tx:
            who = find_person(tx, person)
            requests = Requests(tx)
            request_id = requests.next_id(at.year)
            step = SarStep(at, tx.actor, f"received on {received_on} by {via.value}")
            request = SarRequest(request_id, who.id, received_on, via, history=(step,))
            requests.put(request)
            tx.note(f"{request_id} opened")
        return request

    def change(self, which: str, how: Callable[[SarRequest], SarRequest], what: str) -> SarRequest:
        """Apply one change to a request (by id, or a person's only open one) and store it."""
        with self.book.store.transaction(self.book.actor.name) as tx:
            request = self._find(tx, which)
            changed = how(request)
            Requests(tx).put(changed)
            tx.note(f"{request.id} {what}")
        return changed

    def stop(self, which: str, reason: StopReason, on: date) -> SarRequest:
        """Stop the clock: the school asked for identity, authority, a fee or clarification."""
        now, actor = self.book.clock.now(), self.book.actor.name
        return self.change(which, lambda r: r.stopped(reason, on, now, actor), "clock stopped")

    def restart(self, which: str, on: date) -> SarRequest:
        """Restart the clock: what was asked for arrived on ``on``."""
        now, actor = self.book.clock.now(), self.book.actor.name
        return self.change(which, lambda r: r.restarted(on, now, actor), "clock restarted")

    def extend(self, which: str, months: int, reason: str, on: date) -> SarRequest:
        """Extend by one or two months, with the reason given to the requester."""
        now, actor = self.book.clock.now(), self.book.actor.name
        return self.change(which, lambda r: r.extended(months, reason, on, now, actor), "extended")

    def all(self) -> list[SarRequest]:
        """Every request."""
        with self.book.store.reading() as tx:
            return Requests(tx).all()

    def open_requests(self) -> list[DueRequest]:
        """Every unanswered request with its due date."""
        return open_requests(self.all(), self.book.clock.today())

    def due(self) -> list[DueRequest]:
        """Unanswered requests due within a week, or overdue."""
        return requests_due(self.all(), self.book.clock.today())

    def _find(self, tx: Transaction, which: str) -> SarRequest:
        requests = Requests(tx)
        if which.upper().startswith(REQUEST_PREFIX + "-"):
            found = requests.get(which)
            if found is None:
                raise NotFound(f"no subject access request {which!r}")
            return found
        person = find_person(tx, which)
        current = [r for r in requests.of_person(person.id) if r.open]
        if len(current) != 1:
            ids = ", ".join(r.id for r in current) or "none"
            raise NotFound(
                f"{which}: expected one open request to change, found {len(current)} ({ids}); "
                "name the request id"
            )
        return current[0]
