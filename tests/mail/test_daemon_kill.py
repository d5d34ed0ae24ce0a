"""The daemon killed inside an ingest batch, twice, loses nothing and doubles nothing."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
from pathlib import Path

from store.casebook import Casebook
from store.maillog import MailLog
from tests.support.mailfixtures import message, school_config, unique_folder, write_mail_config
from tests.support.mailservers.dovecot import Dovecot

ROOT = Path(__file__).resolve().parents[2]
FLAG = ("\\Flagged",)
KEYWORD = "ConductLogged"
BATCH = 10  # mailer.ingest.BATCH: messages committed per transaction in a backlog


def halted_in_batch(config: Path, batch: int) -> tuple[subprocess.Popen[str], list[str]]:
    """Start the daemon and wait until it stands inside its ``batch``th batch; say what it vaulted."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.mail.daemon_in_batch", str(config), str(batch)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 120)  # a guard against a hang only
    assert ready, "the daemon never reached the batch"
    report = json.loads(proc.stdout.readline())
    assert report["batch"] == batch
    return proc, report["vaulted"]


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def test_daemon_killed_inside_a_batch_and_restarted_loses_and_doubles_nothing(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    cfg_path = write_mail_config(tmp_path, dovecot.port, imap_password_env, folder)
    n = 4 * BATCH
    uids = [
        dovecot.deliver(
            message(f"Report {i}", sender=f"P{i} <p{i}@example.org>"), flags=FLAG, folder=folder
        )
        for i in range(n)
    ]
    book = Casebook(config)

    def keyworded() -> int:
        with dovecot.client() as c:
            c.select_folder(folder, readonly=True)
            flags = c.get_flags(uids)
        return sum(1 for uid in uids if KEYWORD.encode() in flags[uid])

    def known() -> set[str]:
        return {r.sha256 for r in MailLog(book.store).records()}

    # First run: killed inside its second batch. The first batch is committed and marked on
    # the server; the second is in the vault and nowhere else.
    proc, vaulted = halted_in_batch(cfg_path, 2)
    assert len(vaulted) == BATCH
    assert all(book.vault.path_for(sha).is_file() for sha in vaulted)
    assert len(known()) == BATCH and not known() & set(vaulted)
    kill(proc)
    assert len(book.cases()) == BATCH and keyworded() == BATCH

    # Second run: killed inside its first batch, which vaults the same messages again.
    proc, again = halted_in_batch(cfg_path, 1)
    assert again == vaulted
    assert len(known()) == BATCH
    kill(proc)

    done = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(cfg_path), "daemon", "--once"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(c.summary for c in book.cases()) == sorted(f"Report {i}" for i in range(n))
    evidence = [
        e for c in book.cases() for e in book.file(c.ref).events if e.type.value == "evidence-added"
    ]
    assert len(evidence) == n
    assert len(known()) == n and set(vaulted) <= known()
    assert keyworded() == n
    assert book.store.audit.verify()[1] is None
