"""Exponential backoff with full jitter, capped at five minutes."""

from __future__ import annotations

import random

MAX_DELAY_SECONDS = 300.0


def backoff_delay(
    attempt: int,
    *,
    base: float = 2.0,
    cap: float = MAX_DELAY_SECONDS,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based): random in [ceiling/2, ceiling]."""
    if attempt < 1:
        return 0.0
    # Bound the exponent so a long outage cannot overflow the float.
    ceiling = min(cap, base * (2.0 ** min(attempt - 1, 32)))
    # Half fixed, half random: spreads retries from many clients yet never retries instantly.
    r = rng if rng is not None else random
    return ceiling / 2.0 + r.uniform(0.0, ceiling / 2.0)
