"""The tests' one moment: every test that writes to a store writes at this clock."""

from __future__ import annotations

from datetime import UTC, datetime

from casework.clock import CLOCK_ENV, Clock

# A Tuesday in term time; nothing in the suite depends on the real date.
FIXED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
FIXED_CLOCK = Clock.fixed(FIXED)


def clock_env(moment: datetime = FIXED) -> dict[str, str]:
    """Environment entries that start a `conduct` subprocess at ``moment``."""
    return {CLOCK_ENV: moment.isoformat()}
