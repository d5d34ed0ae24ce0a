"""`conduct check --mail` logs in to both servers and says what it found, or what failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.mailfixtures import loopback_mail_toml
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.school import write_config

ROOT = Path(__file__).resolve().parents[2]


def mail_section(dovecot: Dovecot, smtp: RecordingSmtp, imap_env: str, smtp_env: str) -> str:
    return loopback_mail_toml(
        imap_port=dovecot.port,
        imap_user="alice",
        imap_env=imap_env,
        smtp_port=smtp.port,
        smtp_env=smtp_env,
    )


def check(cfg: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(cfg), "check", "--mail"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=60,
    )


def test_check_mail_reports_both_servers(
    tmp_path: Path,
    dovecot: Dovecot,
    smtp_server: RecordingSmtp,
    imap_password_env: str,
    smtp_password_env: str,
) -> None:
    cfg = write_config(
        tmp_path,
        "warning-first",
        mail_section(dovecot, smtp_server, imap_password_env, smtp_password_env),
    )
    result = check(cfg)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "logged in as alice" in result.stdout and "IDLE: yes" in result.stdout
    assert "keywords allowed: yes" in result.stdout
    assert "SMTP 127.0.0.1" in result.stdout and "AUTH" in result.stdout


def test_check_mail_names_a_failed_login(
    tmp_path: Path, dovecot: Dovecot, smtp_server: RecordingSmtp, smtp_password_env: str
) -> None:
    os.environ["CONDUCT_TEST_WRONG"] = "wrong-password"
    try:
        cfg = write_config(
            tmp_path,
            "warning-first",
            mail_section(dovecot, smtp_server, "CONDUCT_TEST_WRONG", smtp_password_env),
        )
        result = check(cfg)
    finally:
        del os.environ["CONDUCT_TEST_WRONG"]
    assert result.returncode == 1
    assert "IMAP 127.0.0.1" in result.stdout and "FAILED" in result.stdout
    assert "Traceback" not in result.stderr
