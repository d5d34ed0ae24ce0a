"""The store's lock excludes other processes and threads, gives up after its timeout, and nests."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from store.lock import FileLock, LockTimeout

# Another process takes the lock, says so, and holds it until its stdin closes.
HOLDER = """
import sys
from pathlib import Path
from store.lock import FileLock
lock = FileLock(Path(sys.argv[1]), timeout=10)
lock.acquire()
print("held", flush=True)
sys.stdin.read()
lock.release()
"""


def test_a_lock_held_by_another_process_times_out_then_comes_free(tmp_path: Path) -> None:
    path = tmp_path / "store.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        lock = FileLock(path, timeout=0.2)
        with pytest.raises(LockTimeout, match="stayed locked"):
            lock.acquire()
        assert not lock.is_locked
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
        lock.timeout = 30
        lock.acquire()
        assert lock.is_locked
        lock.release()
    finally:
        holder.kill()
        holder.wait()


def test_threads_exclude_each_other_and_one_thread_may_nest(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "store.lock", timeout=0.2)
    outcomes: list[str] = []

    def other() -> None:
        try:
            lock.acquire()
        except LockTimeout:
            outcomes.append("timed out")
            return
        outcomes.append("got it")
        lock.release()

    def try_in_another_thread() -> str:
        # join() without a timeout: timed waits on thread primitives hang under faketime,
        # which ./run test uses; the lock's own timeout ends the attempt.
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        return outcomes[-1]

    lock.acquire()
    lock.acquire()  # the same thread again: nested, not a deadlock
    assert try_in_another_thread() == "timed out"
    lock.release()
    assert try_in_another_thread() == "timed out", "still held once by this thread"
    lock.release()
    assert try_in_another_thread() == "got it"
    with pytest.raises(RuntimeError, match="without being held"):
        lock.release()


def test_the_lock_file_is_private(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "store.lock", timeout=1)
    lock.acquire()
    lock.release()
    assert (tmp_path / "store.lock").stat().st_mode & 0o777 == 0o600
