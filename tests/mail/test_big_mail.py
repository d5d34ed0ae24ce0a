"""Big messages come through whole but never whole in memory: fetched in chunks into the vault."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

from casework.mailrecords import MailOutcome
from mailer.daemon import Daemon
from mailer.imap_conn import connect
from mailer.ingest import BATCH, BATCH_BYTES, STREAM_OVER, Fate, ingest_vaulted, plan_batches
from store.casebook import Casebook
from store.inbox import Inbox
from store.maillog import MailLog
from store.vault_stream import VaultWriter
from tests.support.mailfixtures import loopback_mail_toml, message, school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot

FLAG = ("\\Flagged",)
MB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


def with_video(subject: str, video: bytes, sender: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "office@stockham.sch.uk"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{hashlib.sha1(subject.encode()).hexdigest()}@example.org>"
    msg.set_content("The video is attached.")
    msg.add_attachment(video, maintype="video", subtype="mp4", filename="gate.mp4")
    return msg.as_bytes()


def test_big_and_small_messages_in_one_pass_arrive_whole(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    videos = {f"Big {n}": os.urandom(5 * MB + n) for n in (1, 2)}
    uids = {
        "Small 1": dovecot.deliver(message("Small 1", sender="A <a@example.org>"), FLAG, folder),
        "Big 1": dovecot.deliver(with_video("Big 1", videos["Big 1"], "B <b@example.org>"), FLAG, folder),
        "Small 2": dovecot.deliver(message("Small 2", sender="C <c@example.org>"), FLAG, folder),
        "Big 2": dovecot.deliver(with_video("Big 2", videos["Big 2"], "D <d@example.org>"), FLAG, folder),
    }  # fmt: skip
    assert Daemon(config).run(once=True) == 0
    book = Casebook(config)
    assert sorted(c.summary for c in book.cases()) == ["Big 1", "Big 2", "Small 1", "Small 2"]
    records = {r.subject: r for r in MailLog(book.store).records()}
    with dovecot.client() as other:
        other.select_folder(folder, readonly=True)
        served = other.fetch(list(uids.values()), [b"BODY.PEEK[]"])
    for subject, uid in uids.items():
        # Byte for byte what the server holds, whether fetched whole or in chunks.
        raw = bytes(served[uid][b"BODY[]"])
        assert records[subject].sha256 == hashlib.sha256(raw).hexdigest()
        assert book.vault.get(records[subject].sha256) == raw
        assert records[subject].size == len(raw)
    for subject, video in videos.items():
        case = next(c for c in book.cases() if c.summary == subject)
        (event,) = [e for e in book.file(case.ref).events if e.type.value == "evidence-added"]
        (attachment,) = event.data.attachments
        assert (attachment.name, attachment.size) == ("gate.mp4", len(video))
        assert book.vault.get(attachment.sha256) == video
    assert all(r.outcome is MailOutcome.OPENED for r in records.values())


def test_a_pass_is_bounded_by_bytes_as_well_as_count() -> None:
    small, big = 3 * MB, STREAM_OVER + 1
    sizes = {1: small, 2: small, 3: small, 4: small, 5: small, 6: small, 7: big, 8: 10}
    sizes |= {100 + n: 1000 for n in range(25)}
    groups = plan_batches(sorted(sizes), sizes)
    assert [uid for g in groups for uid, _ in g] == sorted(sizes)  # every one, in order
    assert [(7, big)] in groups  # a big message alone
    for g in groups:
        assert len(g) <= BATCH
        assert len(g) == 1 or sum(size for _, size in g) <= BATCH_BYTES
    assert plan_batches([1, 2], {2: 5}) == [[(2, 5)]]  # one expunged meanwhile: skipped


def test_chunked_fetch_reads_exactly_the_message(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    raw = with_video("Chunks", os.urandom(3 * MB), "E <e@example.org>")
    uid = dovecot.deliver(raw, folder=folder)
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    vault = Casebook(config).vault
    with connect(dovecot.imap_settings(imap_password_env, folder=folder)) as session:
        session.select()
        served = bytes(next(iter(session.fetch([uid]))).raw)
        for chunk in (MB, 1000, len(served), len(served) + 1):
            with VaultWriter(vault) as writer:
                fetched = session.fetch_into(uid, writer.write, chunk=chunk)
                assert fetched is not None and fetched.size == len(served)
                assert writer.commit() == hashlib.sha256(served).hexdigest()
        assert session.fetch_into(uid + 1000, lambda data: None) is None  # not there


def test_a_big_message_that_cannot_be_parsed_is_quarantined_and_retried_from_the_vault(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    junk = b"\r\n\r\n" + os.urandom(5 * MB)  # no headers at all: not an email
    dovecot.deliver(junk, FLAG, folder)
    dovecot.deliver(message("Still flows"), FLAG, folder)
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    assert Daemon(config).run(once=True) == 0
    book = Casebook(config)
    assert [c.summary for c in book.cases()] == ["Still flows"]
    (q,) = MailLog(book.store).quarantined()
    assert q.size >= 5 * MB and book.vault.has(q.sha256)
    again = ingest_vaulted(
        q.sha256, q.size, Inbox(book), config, folder=q.folder, uidvalidity=q.uidvalidity, uid=q.uid
    )
    assert again.fate is Fate.QUARANTINED


# Runs `conduct ARGS...` and, as it exits, copies its /proc/self/status into the file named first.
LAUNCHER = (
    "import atexit, runpy, sys; out = sys.argv[1]; "
    "atexit.register(lambda: open(out, 'w').write(open('/proc/self/status').read())); "
    "sys.argv = ['conduct', *sys.argv[2:]]; runpy.run_module('conduct.cli', run_name='__main__')"
)


def test_a_pass_over_big_messages_stays_small_in_memory(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    for n in range(3):
        raw = with_video(f"Video {n}", os.urandom(15 * MB), f"P{n} <p{n}@example.org>")
        dovecot.deliver(raw, FLAG, folder)
    config.path.write_text(
        config.path.read_text()
        + loopback_mail_toml(
            imap_port=dovecot.port, imap_user="alice", imap_env=imap_password_env, smtp_port=2,
            folder=folder,
        )  # fmt: skip
    )
    status = tmp_path / "status.txt"
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(status), "--config", str(config.path)]
        + ["daemon", "--once"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert len(Casebook(config).cases()) == 3
    # Three 20 MB messages in one pass; held whole (as they once were) they need 300 MB and more.
    found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
    assert found is not None
    assert int(found.group(1)) < 150 * 1024, f"peak RSS {int(found.group(1)) // 1024} MB"
