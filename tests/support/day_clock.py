"""A clock a test moves from day to day: a ladder walked through the dashboard over weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime

from casework.clock import Clock


class DayClock:
    """Reads 09:00 (UTC) on the day the test last moved it to; ``clock`` is handed to the store."""

    def __init__(self, day: str) -> None:
        self.moment = datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=UTC)
        self.clock = Clock(lambda: self.moment)

    def go(self, day: str) -> date:
        """Move on to 09:00 on ``day`` (never back: the store's history only moves forward)."""
        moment = datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=UTC)
        assert moment >= self.moment, f"the clock goes forward only, not to {day}"
        self.moment = moment
        return moment.date()
