"""What every screen is handed by the app: the configuration, the casebook and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from casework.clock import Clock
from casework.config import Config
from casework.staff import Actor
from store.casebook import Casebook

if TYPE_CHECKING:  # letters load when the office first moves one, not at start-up
    from store.outbox import Outbox


@dataclass
class Desk:
    """The office's desk: configuration, casebook, outbox, and the casebook's clock."""

    config: Config
    book: Casebook
    # Things worth making once per session (the letter renderer).
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def clock(self) -> Clock:
        """The one clock, shared with the store (fixed in tests)."""
        return self.book.clock

    @property
    def outbox(self) -> Outbox:
        """Letters and their states."""
        from store.outbox import Outbox

        return Outbox(self.book)

    def now(self) -> datetime:
        """The current time by this desk's clock, in local time for the screen."""
        return self.clock.now().astimezone()

    def today(self) -> date:
        """Today's date at the school."""
        return self.clock.today()

    @property
    def actor(self) -> Actor:
        """Who is at the desk: the rules in casework are asked what this actor may do."""
        return self.book.actor
