"""Two processes share the store: nothing is lost, and a killed writer never damages it."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from casework.config import load_config
from store.casebook import Casebook
from store.integrity import verify
from tests.support.school import write_config

WRITER = [sys.executable, "-m", "tests.store.writer"]
ROOT = Path(__file__).resolve().parents[2]


def start_writer(cfg: Path, ref: str, count: int, label: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*WRITER, str(cfg), ref, str(count), label],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_two_processes_each_writing_500_events_end_with_1000(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    book = Casebook(load_config(cfg))
    ref = book.open_case(name="Pat", behaviours=["swearing"], summary="shared case").ref
    writers = [start_writer(cfg, ref, 500, label) for label in ("alpha", "beta")]
    for w in writers:
        out, _ = w.communicate(timeout=240)
        assert w.returncode == 0
        assert out.strip().endswith("done 499")
    texts = [e.summary for e in book.file(ref).events if e.type.value == "note"]
    assert len(texts) == 1000
    assert {f"alpha {i}" for i in range(500)} | {f"beta {i}" for i in range(500)} == set(texts)
    # Each writer's own notes are in the order it wrote them.
    assert [t for t in texts if t.startswith("alpha")] == [f"alpha {i}" for i in range(500)]
    for path in (tmp_path / "data").rglob("*.json"):
        json.loads(path.read_bytes())
    # One audit entry each: the store's creation, the case, and the 1,000 notes.
    report = verify(book.store)
    assert report.ok, report.problems
    assert report.entries == 1002


def test_writer_killed_mid_write_50_times_never_damages_or_loses(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    book = Casebook(load_config(cfg))
    ref = book.open_case(name="Pat", behaviours=["swearing"], summary="kill test").ref
    rng = random.Random(547)
    reported: list[str] = []
    for round_no in range(50):
        writer = start_writer(cfg, ref, 10_000, f"r{round_no}")
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        # One commit first, so that every kill finds work behind it however slow the machine
        # is; then the kill comes at a random moment of the writes that follow.
        first = writer.stdout.readline().strip()
        assert first == "done 0"
        time.sleep(rng.uniform(0.0, 0.08))
        os.kill(writer.pid, signal.SIGKILL)
        out, _ = writer.communicate()
        reported += [
            f"r{round_no} {line.split()[1]}"
            for line in [first, *out.splitlines()]
            if line.startswith("done")
        ]
        # Every store file still loads as the killed writer left it; tmp/ holds only versions
        # written before their commit point, which the store never reads.
        data = tmp_path / "data"
        for path in data.rglob("*.json"):
            if path.parent != data / "tmp":
                json.loads(path.read_bytes())
        # The next transaction recovers: it finishes or drops the interrupted commit.
        fresh = Casebook(load_config(cfg))
        notes = {e.summary for e in fresh.file(ref).events}
        assert list((data / "tmp").iterdir()) == []
        for path in data.rglob("*.json"):
            json.loads(path.read_bytes())
        missing = [r for r in reported if r not in notes]
        assert not missing, f"round {round_no}: reported done but lost: {missing[:5]}"
    report = verify(Casebook(load_config(cfg)).store)
    assert report.ok, report.problems
