"""Waiting for another thread or process to get somewhere: a guard against a hang, not a timer."""

from __future__ import annotations

import time
from collections.abc import Callable

GIVE_UP_S = 60.0  # only stops a hung test; no assertion is about speed (that is bench/'s)


def wait_until(predicate: Callable[[], bool], what: str, seconds: float = GIVE_UP_S) -> None:
    """Return once ``predicate()`` holds; fail naming ``what`` if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what} after {seconds:.0f} s")
