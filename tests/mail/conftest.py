"""Fixtures that start real mail servers on loopback for the mail tests.

The servers and the helpers behind them live in ``tests/support`` (``mailservers``,
``mailfixtures``); tests import those, never this file.

- ``dovecot``: a private Dovecot (session-scoped), users alice/secret and bob/hunter2;
  yields a ``Dovecot`` (``.port``, ``.deliver()``, ``.set_flags()``, ``.restart()``,
  ``.recreate_folder()``, ``.imap_settings()``). Missing Dovecot is a FAILURE, not a skip.
- ``dovecot_tls``: the same with a self-signed certificate; ``.tls_port`` (implicit TLS),
  ``.port`` (STARTTLS) and ``.ca_file``.
- ``fresh_dovecot``: a function-scoped Dovecot for tests that restart or break it.
- ``pymap_server``: mailer.embedded_imap's pymap dict backend, user office/demo-pass.
- ``smtp_server``: a ``RecordingSmtp`` (aiosmtpd) with user office/smtp-pass and an
  XOAUTH2 token; ``.messages`` and ``.knobs`` (``reply_next``, ``drop_next_in_data``).
- ``imap_password_env`` / ``smtp_password_env``: names of environment variables that hold
  the passwords, as the config's ``password_env`` expects.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mailer.embedded_imap import EmbeddedImap
from tests.support.mailfixtures import start_dovecot
from tests.support.mailservers.dovecot import MISSING_MESSAGE, Dovecot, find_dovecot
from tests.support.mailservers.smtp import RecordingSmtp

DOVECOT_USERS = {"alice": "secret", "bob": "hunter2"}
PYMAP_USER, PYMAP_PASSWORD = "office", "demo-pass"
SMTP_USER, SMTP_PASSWORD, SMTP_TOKEN = "office", "smtp-pass", "ya29.test-token"


def _start_dovecot(tls: bool) -> Dovecot:
    if find_dovecot() is None:
        pytest.fail(MISSING_MESSAGE, pytrace=False)
    return start_dovecot(DOVECOT_USERS, tls=tls)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A private Dovecot shared by the session (plain text to loopback)."""
    server = _start_dovecot(tls=False)
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def dovecot_tls() -> Iterator[Dovecot]:
    """A private Dovecot with a self-signed certificate (STARTTLS and implicit TLS)."""
    server = _start_dovecot(tls=True)
    yield server
    server.destroy()


@pytest.fixture
def fresh_dovecot() -> Iterator[Dovecot]:
    """A Dovecot of its own, for tests that restart or damage it."""
    server = _start_dovecot(tls=False)
    yield server
    server.destroy()


@pytest.fixture
def imap_password_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """Env var holding alice's Dovecot password (and the same name for pymap's user)."""
    monkeypatch.setenv("CONDUCT_TEST_IMAP_PASSWORD", DOVECOT_USERS["alice"])
    return "CONDUCT_TEST_IMAP_PASSWORD"


@pytest.fixture
def pymap_password_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """Env var holding the pymap user's password."""
    monkeypatch.setenv("CONDUCT_TEST_PYMAP_PASSWORD", PYMAP_PASSWORD)
    return "CONDUCT_TEST_PYMAP_PASSWORD"


@pytest.fixture
def pymap_server(tmp_path: Path) -> Iterator[EmbeddedImap]:
    """pymap's in-memory IMAP server (fresh per test: its mail lives only in memory)."""
    with EmbeddedImap.start(
        user=PYMAP_USER, password=PYMAP_PASSWORD, log_path=tmp_path / "pymap.log"
    ) as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[RecordingSmtp]:
    """aiosmtpd on loopback, requiring AUTH (LOGIN/PLAIN/XOAUTH2), recording messages."""
    server = RecordingSmtp({SMTP_USER: SMTP_PASSWORD}, tokens={SMTP_USER: SMTP_TOKEN}).start()
    yield server
    server.stop()


@pytest.fixture
def smtp_password_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """Env var holding the SMTP password."""
    monkeypatch.setenv("CONDUCT_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    return "CONDUCT_TEST_SMTP_PASSWORD"
