"""Monitoring and alerts with real parts: Dovecot refusing the password, aiosmtpd receiving.

`conduct check --health` runs as the IT provider's monitoring would (a subprocess, one line,
exit 0/1/2); the daemon runs in a thread with a clock the test moves, so half an hour of
failed sign-ins passes without waiting for it.
"""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from casework.clock import CLOCK_ENV, Clock
from casework.config import Config, load_config
from casework.mailrecords import DaemonState
from casework.outbox import LetterStatus
from mailer.daemon import Daemon
from store.casebook import Casebook
from store.maillog import MailLog
from tests.support.clock import FIXED
from tests.support.mailfixtures import loopback_mail_toml, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.outbox_letters import queued_letter
from tests.support.school import write_config
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
IT_SUPPORT = "itsupport@stockham.sch.uk"
IMAP_ENV = "CONDUCT_TEST_HEALTH_IMAP_PASSWORD"
BEAT = 0.1  # the daemon's heartbeat in these tests: each one looks at the alerts


def _school(tmp_path: Path, dovecot: Dovecot, smtp: RecordingSmtp, smtp_env: str) -> Path:
    folder = unique_folder()
    dovecot.recreate_folder(folder)
    mail = loopback_mail_toml(
        imap_port=dovecot.port,
        imap_user="alice",
        imap_env=IMAP_ENV,
        smtp_port=smtp.port,
        smtp_env=smtp_env,
        folder=folder,
    )
    return write_config(tmp_path, "warning-first", mail + f'\n[alerts]\naddress = "{IT_SUPPORT}"\n')


def health(config: Path, at: datetime, *alert: str) -> tuple[int, str]:
    """`conduct check --health` as monitoring runs it, at ``at``: the exit status and stdout."""
    env = {**os.environ, CLOCK_ENV: at.isoformat()}
    result = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(config), "check", "--health", *alert],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.stdout.count("\n") == 1, result.stdout + result.stderr
    return result.returncode, result.stdout.strip()


class MovableClock:
    """A clock the test sets; the daemon reads it as its one clock."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.clock = Clock(lambda: self.at)


@contextmanager
def daemon_running(config: Config, clock: Clock, until: DaemonState) -> Iterator[Daemon]:
    """A daemon in a thread, heartbeat BEAT, once it has reported ``until``."""
    daemon = Daemon(config, clock=clock, heartbeat=BEAT)
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    maillog = MailLog(Casebook(config).store)
    try:
        wait_until(lambda: getattr(maillog.health(), "state", None) is until, until.value)
        yield daemon
    finally:
        daemon.stop.set()
        daemon.wake.set()
        thread.join(15)
    assert not thread.is_alive()


def beats(daemon: Daemon, n: int = 5) -> None:
    """Let the daemon look at the alerts ``n`` more times."""
    calls = [0]
    original = daemon.check_alerts

    def counting() -> None:
        original()
        calls[0] += 1

    daemon.check_alerts = counting  # type: ignore[method-assign]
    wait_until(lambda: calls[0] >= n, f"{n} heartbeats")
    daemon.check_alerts = original  # type: ignore[method-assign]


def mails(smtp: RecordingSmtp) -> list[EmailMessage]:
    """What reached the alert address, parsed."""
    got = [
        email.message_from_bytes(m.data, _class=EmailMessage, policy=email.policy.default)
        for m in smtp.messages
        if IT_SUPPORT in m.rcpt_tos
    ]
    assert len(got) == len(smtp.messages)  # nothing went anywhere else
    return got


def test_healthy_and_then_stopped_and_the_timer_alerts_once_then_resolves(
    tmp_path: Path,
    dovecot: Dovecot,
    smtp_server: RecordingSmtp,
    smtp_password_env: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(IMAP_ENV, "secret")
    path = _school(tmp_path, dovecot, smtp_server, smtp_password_env)
    config = load_config(path)
    clock = MovableClock(FIXED)

    code, line = health(path, FIXED)
    assert code == 2 and "the data directory cannot be read" in line, line
    Casebook(config)  # `conduct init` made it
    code, line = health(path, FIXED)
    assert (code, line) == (2, "CONDUCT CRITICAL - the daemon has never run")

    with daemon_running(config, clock.clock, DaemonState.IDLE) as daemon:
        code, line = health(path, FIXED + timedelta(seconds=5))
        assert code == 0 and line.startswith("CONDUCT OK - daemon idle (pid "), line
        beats(daemon)
    assert mails(smtp_server) == []  # healthy: nobody is told anything

    # The daemon stopped: critical; the timer's run tells IT support once, however often it runs.
    later = FIXED + timedelta(minutes=10)
    code, line = health(path, later, "--alert")
    assert code == 2 and line.startswith("CONDUCT CRITICAL - daemon stopped at "), line
    for _ in range(2):
        assert health(path, later + timedelta(minutes=5), "--alert")[0] == 2
    [alert] = mails(smtp_server)
    assert alert["Subject"] == (
        "[Conduct Desk] CRITICAL: the Conduct Desk daemon is not running (Stockham Primary School)"
    )
    assert alert["Auto-Submitted"] == "auto-generated"
    body = alert.get_content()
    assert "daemon stopped at" in body and "systemctl status conduct-daemon" in body

    # Started again: the next look says "resolved", once.
    clock.at = later + timedelta(minutes=20)
    with daemon_running(config, clock.clock, DaemonState.IDLE) as daemon:
        assert health(path, clock.at + timedelta(seconds=1), "--alert")[0] == 0
        beats(daemon)
    first, resolved = mails(smtp_server)
    assert resolved["Subject"] == (
        "[Conduct Desk] RESOLVED: the Conduct Desk daemon is not running (Stockham Primary School)"
    )
    assert "daemon stopped at" in resolved.get_content()


def test_a_refused_password_warns_then_alerts_after_half_an_hour_once_across_a_restart(
    tmp_path: Path,
    dovecot: Dovecot,
    smtp_server: RecordingSmtp,
    smtp_password_env: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(IMAP_ENV, "not-the-password")  # Dovecot refuses it
    path = _school(tmp_path, dovecot, smtp_server, smtp_password_env)
    config = load_config(path)
    clock = MovableClock(FIXED)

    with daemon_running(config, clock.clock, DaemonState.LOGIN_FAILED) as daemon:
        clock.at = FIXED + timedelta(minutes=10)
        beats(daemon)
        code, line = health(path, clock.at)
        assert code == 1, line
        assert line.startswith("CONDUCT WARNING - mailbox sign-in failing since "), line
        assert "(10 min)" in line
        assert mails(smtp_server) == []  # ten minutes is not yet an alert

        clock.at = FIXED + timedelta(minutes=31)
        wait_until(lambda: len(smtp_server.messages) == 1, "the alert")
        code, line = health(path, clock.at)
        assert code == 2 and "CONDUCT CRITICAL - mailbox sign-in failing since" in line, line
        assert "(31 min)" in line
        beats(daemon)

    # Restarted with the password still wrong: the same incident, no second alert.
    clock.at = FIXED + timedelta(minutes=40)
    with daemon_running(config, clock.clock, DaemonState.LOGIN_FAILED) as daemon:
        beats(daemon)
        record = MailLog(Casebook(config).store).health()
        assert record is not None and record.login_failing_since == FIXED
    [alert] = mails(smtp_server)
    assert alert["Subject"] == (
        "[Conduct Desk] CRITICAL: the school mailbox refuses the daemon's sign-in "
        "(Stockham Primary School)"
    )
    assert alert["To"] == IT_SUPPORT
    body = alert.get_content()
    assert "mailbox sign-in failing since" in body and "conduct check --mail" in body

    # The password put right: signed in, "resolved" once, and monitoring is happy again.
    monkeypatch.setenv(IMAP_ENV, "secret")
    clock.at = FIXED + timedelta(minutes=50)
    with daemon_running(config, clock.clock, DaemonState.IDLE) as daemon:
        wait_until(lambda: len(smtp_server.messages) == 2, "the resolved message")
        beats(daemon)
        assert health(path, clock.at)[0] == 0
    _, resolved = mails(smtp_server)
    assert resolved["Subject"].startswith("[Conduct Desk] RESOLVED: the school mailbox refuses")


def test_a_letter_the_server_refused_is_a_warning_and_no_alert(
    tmp_path: Path,
    dovecot: Dovecot,
    smtp_server: RecordingSmtp,
    smtp_password_env: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(IMAP_ENV, "secret")
    path = _school(tmp_path, dovecot, smtp_server, smtp_password_env)
    config = load_config(path)
    clock = MovableClock(FIXED)
    with daemon_running(config, clock.clock, DaemonState.IDLE) as daemon:
        smtp_server.knobs.rcpt_reply_next = "550 5.1.1 The email account does not exist"
        outbox, letter = queued_letter(config)
        wait_until(
            lambda: outbox.get(letter.case_ref, letter.id).status is LetterStatus.FAILED,
            "the letter failed",
        )
        code, line = health(path, FIXED + timedelta(seconds=5))
        assert (code, line) == (1, "CONDUCT WARNING - 1 failed letter")
        beats(daemon)
    assert smtp_server.messages == []  # a warning is for monitoring, not an alert email
