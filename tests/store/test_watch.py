"""A commit by another process reaches a watching process as a change event."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from casework.config import load_config
from store.casebook import Casebook
from store.watch import StoreWatcher
from tests.support.school import write_config

ROOT = Path(__file__).resolve().parents[2]


def test_a_commit_by_another_process_is_announced(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    book = Casebook(load_config(cfg))
    ref = book.open_case(name="Pat", behaviours=["swearing"], summary="x").ref
    fired = threading.Event()
    watcher = StoreWatcher(book.store.root, fired.set)
    watcher.start()
    try:
        time.sleep(0.2)
        assert not fired.is_set()
        subprocess.run(
            [sys.executable, "-m", "tests.store.writer", str(cfg), ref, "1", "other"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        # The wait only stops a hang: how fast the dashboard sees it is bench/tui_bench.py's.
        assert fired.wait(60), "no change event after another process committed"
    finally:
        watcher.stop()
    assert book.file(ref).events[-1].summary == "other 0"
