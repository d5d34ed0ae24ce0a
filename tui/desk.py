"""What every screen is handed by the app: the configuration, the casebook and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from casework.config import Config
from store.casebook import Casebook
from store.outbox import Outbox


def local_now() -> datetime:
    """The wall clock, timezone-aware in local time."""
    return datetime.now().astimezone()


@dataclass
class Desk:
    """The office's desk: configuration, casebook, outbox and a clock (fixed in tests)."""

    config: Config
    book: Casebook
    clock: Callable[[], datetime] = field(default=local_now)
    # Things worth making once per session (the letter renderer).
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def outbox(self) -> Outbox:
        """Letters and their states."""
        return Outbox(self.book)

    def now(self) -> datetime:
        """The current time by this desk's clock."""
        return self.clock()

    def today(self) -> date:
        """Today's date by this desk's clock."""
        return self.clock().date()

    @property
    def is_headteacher(self) -> bool:
        """The operator may approve letters."""
        op = self.config.operator
        return op.is_headteacher or op.name == self.config.school.headteacher
