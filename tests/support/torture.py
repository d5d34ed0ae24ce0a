"""The ingest torture run's machinery, shared by tests/mail/test_ingest_torture.py and
bench/ingest_kills.py: the mailbox as the server holds it, and a daemon killed at random.
"""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from casework.config import Config
from casework.mailrecords import MailOutcome
from store.casebook import Casebook
from store.integrity import verify
from store.maillog import MailLog
from tests.support.mailfixtures import message
from tests.support.mailservers.dovecot import Dovecot

ROOT = Path(__file__).resolve().parents[2]
FLAG = ("\\Flagged",)
KEYWORD = "ConductLogged"


def mailbox(dovecot: Dovecot, folder: str) -> dict[int, tuple[frozenset[str], bytes]]:
    """Every message in a folder: its flags and its bytes, read without changing anything."""
    with dovecot.client() as c:
        c.select_folder(folder, readonly=True)
        uids = c.search("ALL")
        got = c.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
    return {
        uid: (
            # \Recent belongs to whichever session saw the message first: not a change.
            frozenset(str(f, "ascii") for f in data[b"FLAGS"]) - {"\\Recent"},
            bytes(data[b"BODY[]"]),
        )
        for uid, data in got.items()
    }


def deliver_all(dovecot: Dovecot, folder: str, raws: list[bytes]) -> None:
    """APPEND every message flagged, over one connection."""
    with dovecot.client() as c:
        if not c.folder_exists(folder):
            c.create_folder(folder)
        for raw in raws:
            c.append(folder, raw, flags=FLAG)


def accounted_for(config: Config, box: dict[int, tuple[frozenset[str], bytes]]) -> dict[str, Any]:
    """Check every message in the mailbox has exactly one fate in the store; return counts."""
    book = Casebook(config)
    records = {r.sha256: r for r in MailLog(book.store).records()}
    shas = {hashlib.sha256(raw).hexdigest() for _, raw in box.values()}
    assert set(records) == shas, "a message in the mailbox has no record, or one too many"
    evidence: dict[str, list[str]] = {}
    for case in book.cases("all"):
        for e in book.file(case.ref).events:
            if e.type.value == "evidence-added" and e.data.kind.value == "email":
                evidence.setdefault(e.data.sha256, []).append(case.ref)
    fates: dict[str, int] = {}
    for sha, r in records.items():
        fates[r.outcome.value] = fates.get(r.outcome.value, 0) + 1
        if r.outcome in (MailOutcome.OPENED, MailOutcome.ATTACHED):
            assert evidence.get(sha) == [r.case_ref], f"{sha[:12]}: evidence {evidence.get(sha)}"
        else:
            assert sha not in evidence and r.reason, f"{sha[:12]} {r.outcome}: no reason"
        assert book.vault.get(sha)  # the raw bytes are kept, whatever the fate
    opened = fates.get("opened", 0)
    assert len(book.cases("all")) == opened, "a case was opened twice, or without its email"
    report = verify(book.store)
    assert report.ok, report.problems
    return fates


DAEMON_CMD = [sys.executable, "-m", "conduct.cli", "--config"]


def kill_test_mail(count: int) -> list[bytes]:
    """Distinct parents writing; every fifth message a reply to an earlier one."""
    raws: list[bytes] = []
    for i in range(count):
        if i % 5 == 4:
            raws.append(
                message(
                    f"Re: report {i - 1}",
                    sender=f"Partner {i} <partner{i}@example.net>",
                    message_id=f"<k{i}@example.net>",
                    in_reply_to=f"<k{i - 1}@example.org>",
                )
            )
        else:
            raws.append(
                message(
                    f"Report {i}",
                    sender=f"Parent {i} <p{i}@example.org>",
                    message_id=f"<k{i}@example.org>",
                )
            )
    return raws


def pending(dovecot: Dovecot, folder: str) -> int:
    """Messages on the server without our keyword yet."""
    with dovecot.client() as c:
        c.select_folder(folder, readonly=True)
        return len(c.search(["UNKEYWORD", KEYWORD]))


def run_with_kills(
    dovecot: Dovecot, folder: str, cfg_path: Path, kills: int, rng: random.Random
) -> tuple[int, int]:
    """Start the daemon and SIGKILL it at a random moment while it ingests, ``kills`` times.

    The moment is 0-250 ms after it logs its first message of the round, so every kill lands
    in the middle of the work (a fetch, the vault, a commit, the keyword). Returns how many
    kills caught it with mail still to do, and how much was left at the end.
    """
    deliver_all(dovecot, folder, kill_test_mail(30 * kills))
    with_work = 0
    for _ in range(kills):
        proc = subprocess.Popen(
            [*DAEMON_CMD, str(cfg_path), "daemon"], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        working = threading.Event()
        drain = threading.Thread(target=_watch, args=(proc, working), daemon=True)
        drain.start()
        working.wait(timeout=60)
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        drain.join(10)
        assert proc.returncode == -signal.SIGKILL, "the daemon exited before it was killed"
        with_work += pending(dovecot, folder) > 0
    return with_work, pending(dovecot, folder)


def _watch(proc: subprocess.Popen[str], working: threading.Event) -> None:
    """Read the daemon's log as it goes (a full pipe would stall it); flag its first message."""
    assert proc.stderr is not None
    for line in proc.stderr:
        if "message UID" in line:
            working.set()
    working.set()
