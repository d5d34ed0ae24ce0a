"""The ingest torture run against a real Dovecot: CPython's email test messages and crafted
hostile mail, then random SIGKILLs of the daemon. Every message is accounted for as a case,
a thread, a skip or a quarantine; nothing is lost, nothing is doubled, and the mailbox is
left as it was apart from our keyword.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

from mailer.daemon import Daemon
from store.casebook import Casebook
from store.maillog import MailLog
from tests.support.corpus import cpython_email_corpus
from tests.support.hostile_mail import hostile_messages
from tests.support.mailfixtures import loopback_mail_toml, school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.stores import snapshot
from tests.support.torture import (
    DAEMON_CMD,
    KEYWORD,
    ROOT,
    accounted_for,
    deliver_all,
    mailbox,
    run_with_kills,
)

# Kills in the suite; bench/ingest_kills.py runs the full 100.
KILLS = int(os.environ.get("CONDUCT_TORTURE_KILLS", "5"))


def test_cpython_corpus_and_hostile_mail_are_all_accounted_for(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    corpus = [p.read_bytes() for p in sorted(cpython_email_corpus().glob("msg_*.txt"))]
    deliver_all(dovecot, folder, corpus + hostile_messages())
    before = mailbox(dovecot, folder)
    assert len(before) == len(corpus) + len(hostile_messages())

    assert Daemon(config).run(once=True) == 0
    after = mailbox(dovecot, folder)
    # The mailbox is as it was, bytes and flags, apart from our keyword on every message.
    assert after.keys() == before.keys()
    for uid, (flags, raw) in before.items():
        assert after[uid] == (flags | {KEYWORD}, raw), f"UID {uid} changed"
    fates = accounted_for(config, after)
    assert fates["quarantined"] >= 2 and fates["skipped"] >= 2 and fates["attached"] >= 1
    book = Casebook(config)
    # The five corpus messages that share Message-IDs, and the crafted reuse, are all kept.
    log = MailLog(book.store)
    assert len(log.clashes()) >= 2
    # The forged sender is the real one; the injected Bcc address is only a name.
    forged = next(r for r in log.records() if r.message_id == "<forged@parents.example>")
    assert forged.sender == "evil@parents.example"

    # A second run changes nothing, in the store or on the server.
    facts = snapshot(config)
    assert Daemon(config).run(once=True) == 0
    assert snapshot(config) == facts
    assert mailbox(dovecot, folder) == after


def test_random_sigkills_during_ingest_lose_and_double_nothing(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    cfg_path = tmp_path / "config.toml"
    cfg_path.write_text(
        cfg_path.read_text()
        + loopback_mail_toml(
            imap_port=dovecot.port,
            imap_user="alice",
            imap_env=imap_password_env,
            smtp_port=2,
            folder=folder,
        )
    )
    with_work, remaining = run_with_kills(dovecot, folder, cfg_path, KILLS, random.Random(9))
    assert with_work == KILLS, f"only {with_work} kills caught the daemon with mail to do"
    final = subprocess.run(
        [*DAEMON_CMD, str(cfg_path), "daemon", "--once"], cwd=ROOT, capture_output=True, text=True
    )
    assert final.returncode == 0, final.stderr
    box = mailbox(dovecot, folder)
    assert all(KEYWORD in flags for flags, _ in box.values())
    fates = accounted_for(config, box)
    assert fates.get("quarantined", 0) == 0 and fates.get("skipped", 0) == 0
    assert fates["opened"] == 24 * KILLS and fates["attached"] == 6 * KILLS
    assert remaining > 0
