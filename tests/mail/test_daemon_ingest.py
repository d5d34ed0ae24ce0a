"""The daemon against a real Dovecot: flagged mail becomes cases exactly once, whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from casework.mailrecords import DaemonState, MailOutcome
from mailer.daemon import Daemon, DaemonLocked
from mailer.embedded_imap import EmbeddedImap, deliver
from store.casebook import Casebook
from store.maillog import MailLog
from tests.support.mailfixtures import message, school_config, unique_folder, write_mail_config
from tests.support.mailservers.dovecot import Dovecot
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
FLAG = ("\\Flagged",)


def run_once(config) -> int:  # type: ignore[no-untyped-def]
    return Daemon(config).run(once=True)


def evidence_count(book: Casebook) -> int:
    return sum(
        1
        for c in book.cases("all")
        for e in book.file(c.ref).events
        if e.type.value == "evidence-added"
    )


def test_flagged_message_becomes_a_case_and_a_second_run_adds_nothing(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    flagged = dovecot.deliver(message("Rude comments at pick-up"), flags=FLAG, folder=folder)
    plain = dovecot.deliver(message("Lunch menu", sender="Other <o@example.org>"), folder=folder)
    assert run_once(config) == 0
    book = Casebook(config)
    (case,) = book.cases()
    assert case.summary == "Rude comments at pick-up"
    assert case.subjects[0].name == "Pat Parent"
    evidence = [e for e in book.file(case.ref).events if e.type.value == "evidence-added"]
    assert len(evidence) == 1
    raw = book.vault.get(evidence[0].data.sha256)
    assert b"Rude comments at pick-up" in raw
    # Our only mark on the server is the keyword: not \Seen, still flagged, nothing moved.
    flags = dovecot.flags_of(flagged, folder=folder)
    assert "\\Seen" not in flags and "\\Flagged" in flags and "ConductLogged" in flags
    assert "ConductLogged" not in dovecot.flags_of(plain, folder=folder)
    assert run_once(config) == 0
    assert len(book.cases("all")) == 1 and evidence_count(book) == 1


def test_three_messages_of_one_thread_make_one_case(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    first = message("Complaint", message_id="<t1@example.org>")
    second = message(
        "Re: Complaint",
        sender="Pat's partner <alex@example.net>",
        message_id="<t2@example.net>",
        in_reply_to="<t1@example.org>",
        references="<t1@example.org>",
    )
    third = message(
        "Re: Re: Complaint",
        sender="Someone <s@example.com>",
        message_id="<t3@example.com>",
        references="<t1@example.org> <t2@example.net>",
    )
    for raw in (first, second, third):
        dovecot.deliver(raw, flags=FLAG, folder=folder)
    run_once(config)
    book = Casebook(config)
    (case,) = book.cases()
    rules = [e.data.rule for e in book.file(case.ref).events if e.type.value == "evidence-added"]
    # The third has no In-Reply-To: its References (newest first) name the second.
    assert rules == ["new", "in-reply-to", "references"]


def test_no_message_id_and_the_same_message_delivered_twice(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    no_id = message("No id here", sender="Nobody <n@example.org>", message_id=None)
    twice = message("Sent twice", sender="Twice <t@example.org>", message_id="<twice@example.org>")
    dovecot.deliver(no_id, flags=FLAG, folder=folder)
    dovecot.deliver(twice, flags=FLAG, folder=folder)
    dovecot.deliver(twice, flags=FLAG, folder=folder)  # the server holds two copies, two UIDs
    dovecot.deliver(no_id, flags=FLAG, folder=folder)  # same bytes: same hash
    run_once(config)
    book = Casebook(config)
    assert sorted(c.summary for c in book.cases()) == ["No id here", "Sent twice"]
    assert evidence_count(book) == 2
    records = MailLog(book.store).records()
    assert len(records) == 2  # one record per message, not per copy


def test_mailbox_recreated_with_new_uidvalidity_imports_nothing_twice(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    raw = message("Before the move", message_id="<move@example.org>")
    dovecot.deliver(raw, flags=FLAG, folder=folder)
    run_once(config)
    dovecot.recreate_folder(folder)
    dovecot.deliver(raw, flags=FLAG, folder=folder)
    dovecot.deliver(
        message("After the move", sender="New <new@example.org>"), flags=FLAG, folder=folder
    )
    run_once(config)
    book = Casebook(config)
    assert sorted(c.summary for c in book.cases()) == ["After the move", "Before the move"]
    assert evidence_count(book) == 2


def test_auto_replies_and_bounces_never_open_cases(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    dovecot.deliver(
        message("Out of office", headers={"Auto-Submitted": "auto-replied"}),
        flags=FLAG,
        folder=folder,
    )
    bounce = message(
        "Undelivered Mail Returned to Sender",
        sender="MAILER-DAEMON@mx.example.org",
        headers={"Return-Path": "<>"},
    )
    dovecot.deliver(bounce, flags=FLAG, folder=folder)
    run_once(config)
    book = Casebook(config)
    assert book.cases("all") == []
    skipped = MailLog(book.store).skipped()
    assert len(skipped) == 2 and all(r.reason for r in skipped)


def test_a_30_mb_attachment_is_kept_and_flagged(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    from email.message import EmailMessage

    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    msg = EmailMessage()
    msg["From"] = "Pat <pat@example.org>"
    msg["Subject"] = "Video of the incident"
    msg["Message-ID"] = "<big@example.org>"
    msg.set_content("Video attached.")
    video = os.urandom(30 * 1024 * 1024)
    msg.add_attachment(video, maintype="video", subtype="mp4", filename="gate.mp4")
    dovecot.deliver(msg.as_bytes(), flags=FLAG, folder=folder)
    run_once(config)
    book = Casebook(config)
    (case,) = book.cases()
    (ev,) = [e for e in book.file(case.ref).events if e.type.value == "evidence-added"]
    (att,) = ev.data.attachments
    assert att.name == "gate.mp4" and att.oversize is True and att.size == len(video)
    assert book.vault.get(att.sha256) == video


def test_malformed_mime_and_odd_charsets_keep_flowing(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    cp1252 = (
        b"From: Zoe <zoe@example.org>\r\nSubject: Caf\xe9 \x93quote\x94\r\nMessage-ID: <cp@example.org>\r\n"
        b"Content-Type: text/plain; charset=windows-1252\r\n\r\nShe said \x93no\x94 \x96 twice.\r\n"
    )
    undeclared = (
        b"From: Ugo <ugo@example.org>\r\nSubject: na\xefve\r\nMessage-ID: <u8@example.org>\r\n\r\n"
        b"Body with 8-bit \xe9\xe8 bytes\r\n"
    )
    rfc2231 = (
        b"From: Ann <ann@example.org>\r\nSubject: Letter\r\nMessage-ID: <r2231@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b"Content-Type: text/plain\r\n\r\nSee attached.\r\n--XX\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9%20final.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n"
    )
    broken = b"From: Broken <b@example.org>\r\nSubject: Broken\r\nContent-Type: multipart/mixed\r\n\r\n\xff\xfe garbage"
    for raw in (cp1252, undeclared, rfc2231, broken):
        dovecot.deliver(raw, flags=FLAG, folder=folder)
    run_once(config)
    book = Casebook(config)
    subjects = sorted(c.summary for c in book.cases())
    assert "Café “quote”" in subjects and "Letter" in subjects and len(subjects) == 4
    letter_case = next(c for c in book.cases() if c.summary == "Letter")
    (ev,) = [e for e in book.file(letter_case.ref).events if e.type.value == "evidence-added"]
    name = ev.data.attachments[0].name
    assert name == "résumé final.pdf"
    naive = next(c for c in book.cases() if c.summary.startswith("na"))
    assert naive.summary == "naïve"  # undeclared 8-bit header: UTF-8 if it decodes, else 1252


def test_unparseable_message_is_quarantined_and_the_rest_flow(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    dovecot.deliver(b"\r\n\r\n   \r\n", flags=FLAG, folder=folder)  # no headers at all
    dovecot.deliver(message("A real report"), flags=FLAG, folder=folder)
    run_once(config)
    book = Casebook(config)
    assert [c.summary for c in book.cases()] == ["A real report"]
    (q,) = MailLog(book.store).quarantined()
    assert q.reason and book.vault.get(q.sha256).strip() == b""
    # Retrying a message that still cannot be parsed leaves it in quarantine, with a clear word.
    cfg_path = write_mail_config(tmp_path, dovecot.port, imap_password_env, folder)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "conduct.cli",
            "--config",
            str(cfg_path),
            "quarantine",
            "retry",
            q.quarantine_id,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
    )
    assert out.returncode == 1 and "failed again" in out.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(cfg_path), "quarantine", "list"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert q.quarantine_id in listed.stdout


def test_sigterm_stops_the_daemon_within_5_seconds(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    cfg_path = write_mail_config(tmp_path, dovecot.port, imap_password_env, folder)
    dovecot.deliver(message("Before stop"), flags=FLAG, folder=folder)
    proc = subprocess.Popen(
        [sys.executable, "-m", "conduct.cli", "--config", str(cfg_path), "daemon"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    book = Casebook(config)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        health = MailLog(book.store).health()
        if health and health.state is DaemonState.IDLE:
            break
        time.sleep(0.1)
    second = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(cfg_path), "daemon", "--once"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 1 and "already running" in second.stderr
    proc.send_signal(signal.SIGTERM)
    # The timeout only stops a hang; how fast it stops is bench/ingest_latency.py's figure.
    assert proc.wait(timeout=60) == 0
    health = MailLog(book.store).health()
    assert health is not None and health.state is DaemonState.STOPPED
    assert [c.summary for c in book.cases()] == ["Before stop"]


def test_dovecot_restarted_during_idle(
    tmp_path: Path, fresh_dovecot: Dovecot, imap_password_env: str
) -> None:
    config = school_config(tmp_path, fresh_dovecot.imap_settings(imap_password_env))
    daemon = Daemon(config)
    states: list[DaemonState] = []
    original = daemon.set_health

    def spy(state: DaemonState, **kw: object) -> None:
        states.append(state)
        original(state, **kw)  # type: ignore[arg-type]

    daemon.set_health = spy  # type: ignore[method-assign]
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    book = Casebook(config)
    try:
        wait_until(lambda: DaemonState.IDLE in states, "the daemon to idle")
        fresh_dovecot.restart()
        fresh_dovecot.deliver(message("After the restart"), flags=FLAG)
        wait_until(lambda: [c.summary for c in book.cases()] == ["After the restart"], "the case")
        # Back off, reconnect, and wait in IDLE again.
        wait_until(
            lambda: DaemonState.BACKING_OFF in states and states[-1] is DaemonState.IDLE,
            "idle again after backing off",
        )
        after = states[states.index(DaemonState.BACKING_OFF) :]
        assert DaemonState.CONNECTED in after and after[-1] is DaemonState.IDLE
    finally:
        daemon.stop.set()
        daemon.wake.set()
        thread.join(10)
    assert not thread.is_alive()


def test_idle_picks_up_a_flag_without_waiting_for_a_poll(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    # Polls an hour apart and IDLE renewed every 25 minutes: within the test, only the
    # server's IDLE notice can bring the flag in. (Latency is bench/ingest_latency.py's.)
    imap = dovecot.imap_settings(
        imap_password_env, folder=folder, poll_seconds=3600, idle_seconds=1500
    )
    config = school_config(tmp_path, imap)
    uid = dovecot.deliver(message("Flag me later"), folder=folder)
    daemon = Daemon(config)
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    book = Casebook(config)
    try:
        wait_until(
            lambda: (h := MailLog(book.store).health()) is not None and h.state is DaemonState.IDLE,
            "the daemon to idle",
        )
        assert book.cases() == []
        dovecot.set_flags(uid, FLAG, folder=folder)
        wait_until(lambda: len(book.cases()) == 1, "the flagged message's case")
        assert [c.summary for c in book.cases()] == ["Flag me later"]
    finally:
        daemon.stop.set()
        daemon.wake.set()
        thread.join(10)


def test_the_embedded_server_used_by_the_demo(
    tmp_path: Path, pymap_server: EmbeddedImap, pymap_password_env: str
) -> None:
    config = school_config(tmp_path, pymap_server.imap_settings(pymap_password_env))
    for i in range(3):
        deliver(
            pymap_server.host,
            pymap_server.port,
            "office",
            "demo-pass",
            message(f"Demo report {i}", sender=f"D{i} <d{i}@example.org>"),
            flags=FLAG,
        )
    deliver(pymap_server.host, pymap_server.port, "office", "demo-pass", message("Not flagged"))
    assert run_once(config) == 0
    assert run_once(config) == 0  # pymap keeps no keywords: the store alone prevents doubles
    book = Casebook(config)
    assert sorted(c.summary for c in book.cases()) == [
        "Demo report 0",
        "Demo report 1",
        "Demo report 2",
    ]
    assert evidence_count(book) == 3
    assert all(r.outcome is MailOutcome.OPENED for r in MailLog(book.store).records())


def test_wrong_password_is_reported_as_login_failed(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONDUCT_TEST_BAD_PW", "not-the-password")
    config = school_config(tmp_path, dovecot.imap_settings("CONDUCT_TEST_BAD_PW"))
    assert Daemon(config).run(once=True) == 3
    health = MailLog(Casebook(config).store).health()
    assert health is not None
    # After the run the daemon is stopped, but the failure is still on record.
    refused = f"IMAP 127.0.0.1:{dovecot.port}: the server refused the login: "
    assert health.last_error.startswith(refused)
    assert "AUTHENTICATIONFAILED" in health.last_error  # Dovecot's own words follow




def test_a_second_daemon_on_the_same_store_is_refused(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    from filelock import FileLock

    config = school_config(
        tmp_path, dovecot.imap_settings(imap_password_env, folder=unique_folder())
    )
    holder = FileLock(str(Casebook(config).store.root / "daemon.lock"))
    with holder:
        try:
            Daemon(config).run(once=True)
        except DaemonLocked as exc:
            assert "already running" in str(exc)
        else:
            raise AssertionError("a second daemon ran")
