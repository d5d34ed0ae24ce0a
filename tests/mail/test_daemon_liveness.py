"""The daemon is never quietly stuck: a retry goes out when due, a silent connection is noticed,
and a killed daemon is not shown as running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from rich.text import Text

from casework.mailrecords import DaemonState, Health
from casework.outbox import LetterStatus
from mailer.daemon import Daemon
from mailer.imap_conn import connect
from store.casebook import Casebook
from store.liveness import checked, mark_of
from store.maillog import MailLog
from tests.support.clock import FIXED
from tests.support.mailfixtures import loopback_mail_toml, message, school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.proxy import SplittingProxy
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.outbox_letters import queued_letter
from tests.support.waiting import wait_until
from tui.widgets.status_bar import health_text

ROOT = Path(__file__).resolve().parents[2]
FLAG = ("\\Flagged",)


@contextmanager
def running(daemon: Daemon) -> Iterator[list[DaemonState]]:
    """The daemon in a thread; yields the states it reports, in order."""
    states: list[DaemonState] = []
    original = daemon.set_health

    def spy(state: DaemonState, **kw: object) -> None:
        states.append(state)
        original(state, **kw)  # type: ignore[arg-type]

    daemon.set_health = spy  # type: ignore[method-assign]
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: DaemonState.IDLE in states, "the daemon idling")
        yield states
    finally:
        daemon.stop.set()
        daemon.wake.set()
        thread.join(15)
    assert not thread.is_alive()


def test_a_retry_goes_out_when_due_though_the_mailbox_says_nothing(
    tmp_path: Path,
    dovecot: Dovecot,
    smtp_server: RecordingSmtp,
    imap_password_env: str,
    smtp_password_env: str,
) -> None:
    # IDLE renewed every 25 minutes and no liveness cycle within the test: while the
    # letter waits, the mailbox sends nothing (Dovecot's keepalive comes after 2 minutes).
    folder = unique_folder()
    dovecot.recreate_folder(folder)
    imap = dovecot.imap_settings(imap_password_env, folder=folder, idle_seconds=1500)
    config = school_config(tmp_path, imap, smtp_server.smtp_settings(smtp_password_env))
    daemon = Daemon(config, liveness=3600)
    with running(daemon):
        smtp_server.knobs.rcpt_reply_next = "450 4.2.1 Mailbox busy, try again"
        outbox, letter = queued_letter(config)
        # The server has the message a moment before the daemon records its 250.
        wait_until(
            lambda: outbox.get(letter.case_ref, letter.id).status is LetterStatus.SENT,
            "the letter recorded as sent",
        )
        sent = outbox.get(letter.case_ref, letter.id)
    assert sent.status is LetterStatus.SENT and sent.attempts == 2
    assert len(smtp_server.messages) == 1


def test_a_connection_that_goes_silent_is_noticed_and_the_waiting_mail_taken(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    dovecot.deliver(message("Before the silence"), flags=FLAG, folder=folder)
    relay = SplittingProxy(dovecot.host, dovecot.port)
    imap = dovecot.imap_settings(
        imap_password_env, folder=folder, port=relay.port, idle_seconds=1500
    )
    config = school_config(tmp_path, imap)
    book = Casebook(config)
    # IDLE renewed every 2 s, each DONE answered within 3 s, or the connection is dead.
    daemon = Daemon(config, liveness=2, response_timeout=3)
    try:
        with running(daemon) as states:
            wait_until(lambda: len(book.cases()) == 1, "the first case")
            first = MailLog(book.store).health()
            assert first is not None and first.last_answer is not None
            assert first.answer_within > 0
            # A NAT forgets the connection: nothing arrives, nothing is refused.
            assert relay.go_silent() == 1
            dovecot.deliver(message("During the silence", sender="S <s@example.org>"),
                            flags=FLAG, folder=folder)  # fmt: skip
            wait_until(lambda: len(book.cases()) == 2, "the mail flagged in the silence")
            assert DaemonState.BACKING_OFF in states
            wait_until(lambda: states[-1] is DaemonState.IDLE, "the daemon idling again")
            assert relay.connections == 2
            later = MailLog(book.store).health()
            assert later is not None and later.last_answer is not None
            assert later.last_answer > first.last_answer
    finally:
        relay.close()
    assert sorted(c.summary for c in book.cases()) == ["Before the silence", "During the silence"]


def test_the_imap_socket_uses_tcp_keepalive(dovecot: Dovecot, imap_password_env: str) -> None:
    with connect(dovecot.imap_settings(imap_password_env)) as session:
        sock = session.client.socket()
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        if hasattr(socket, "TCP_KEEPIDLE"):
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) <= 60


def test_a_killed_daemon_is_shown_as_not_running(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    dovecot.recreate_folder(folder)
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    cfg = config.path
    cfg.write_text(
        cfg.read_text()
        + loopback_mail_toml(
            imap_port=dovecot.port,
            imap_user="alice",
            imap_env=imap_password_env,
            smtp_port=2,
            folder=folder,
        )  # fmt: skip
    )
    cmd = [sys.executable, "-m", "conduct.cli", "--config", str(cfg)]
    proc = subprocess.Popen([*cmd, "daemon"], cwd=ROOT, stderr=subprocess.DEVNULL)
    log = MailLog(Casebook(config).store)
    try:
        wait_until(
            lambda: (h := log.health()) is not None and h.state is DaemonState.IDLE,
            "the daemon idling",
        )
        health = log.health()
        assert health is not None and checked(health) == health  # running: shown as it is
        running_line = check(cmd)
        assert f"daemon: idle (pid {proc.pid} on {socket.gethostname()})" in running_line
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = log.health()
    assert left is not None and left.state is DaemonState.IDLE  # what it left behind
    shown = checked(left)
    assert shown is not None and shown.state is DaemonState.GONE
    assert str(proc.pid) in shown.detail
    words = health_text(shown, left.updated + timedelta(minutes=10))  # old, and still clear
    assert "not running" in words.plain and "red" in styles(words)
    assert "daemon: NOT RUNNING" in check(cmd)


def check(cmd: list[str]) -> str:
    done = subprocess.run([*cmd, "check"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_reused_pid_or_a_reboot_is_not_taken_for_the_daemon() -> None:
    me = mark_of(os.getpid())
    alive = Health(
        DaemonState.IDLE, FIXED, pid=os.getpid(), host=me.host, boot_id=me.boot_id,
        started=me.started,
    )  # fmt: skip
    assert checked(alive) == alive
    # The same pid, but another process started it (pids wrap) or the machine restarted.
    if me.started:
        assert checked(replace(alive, started="1")).state is DaemonState.GONE  # type: ignore[union-attr]
    if me.boot_id:
        assert checked(replace(alive, boot_id="another-boot")).state is DaemonState.GONE  # type: ignore[union-attr]
    # Another host's process cannot be checked from here: the record's age decides.
    elsewhere = replace(alive, host="another-host", pid=1)
    assert checked(elsewhere) == elsewhere


def test_a_server_silent_too_long_turns_the_status_amber() -> None:
    healthy = Health(
        DaemonState.IDLE, FIXED, last_good_check=FIXED, last_answer=FIXED, answer_within=120
    )
    assert "has not answered" not in health_text(healthy, FIXED + timedelta(seconds=60)).plain
    later = FIXED + timedelta(seconds=150)
    quiet = health_text(replace(healthy, updated=later), later)
    assert "has not answered since" in quiet.plain and "yellow" in styles(quiet)


def styles(text: Text) -> str:
    """Every style a Rich Text carries, whole or on a span."""
    return " ".join([str(text.style), *(str(span.style) for span in text.spans)])
