"""The store's inter-process lock: an exclusive flock(2) on a file, with a timeout.

The `filelock` package did this before, but importing it (with asyncio and logging) took
longer than everything else `conduct case list` needs. This is the same lock: flock on
the same file, so an older process and a newer one still exclude each other.
"""

from __future__ import annotations

import fcntl
import os
import time
from _thread import get_ident  # threading itself costs start-up, and only this is needed
from pathlib import Path

# Waits between tries start short (a transaction usually takes a few milliseconds) and
# grow to this, which is what filelock polled at.
MAX_POLL_S = 0.05


class LockTimeout(TimeoutError):
    """The lock stayed held by someone else for longer than the timeout."""


class FileLock:
    """An exclusive lock on ``path`` shared by processes and threads, re-entrant per thread.

    Each thread opens the file itself: flock locks belong to an open file, so two threads
    exclude each other just as two processes do. The file is never deleted (deleting a lock
    file lets a waiter lock an inode that nobody else will ever look at).
    """

    def __init__(self, path: Path, timeout: float, mode: int = 0o600) -> None:
        self.path = path
        self.timeout = timeout
        self.mode = mode
        # Per thread: (open descriptor, how many times that thread holds the lock).
        self._held: dict[int, tuple[int, int]] = {}

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout`` seconds; LockTimeout after that."""
        me = get_ident()
        held = self._held.get(me)
        if held is not None:
            self._held[me] = (held[0], held[1] + 1)
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, self.mode)
        deadline = time.monotonic() + self.timeout
        pause = 0.001
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise LockTimeout(
                            f"{self.path} stayed locked for {self.timeout:g} s"
                        ) from None
                    time.sleep(min(pause, remaining))
                    pause = min(pause * 2, MAX_POLL_S)
        except BaseException:
            os.close(fd)
            raise
        self._held[me] = (fd, 1)

    def release(self) -> None:
        """Let go once for each acquire; the last release unlocks."""
        me = get_ident()
        held = self._held.get(me)
        if held is None:
            raise RuntimeError(f"{self.path} released without being held")
        fd, depth = held
        if depth > 1:
            self._held[me] = (fd, depth - 1)
            return
        del self._held[me]
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @property
    def is_locked(self) -> bool:
        """True when this thread holds the lock."""
        return get_ident() in self._held
