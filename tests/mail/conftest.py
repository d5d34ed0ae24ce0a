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
from typing import Any

import pytest

from mailer.embedded_imap import EmbeddedImap
from tests.support.mailfixtures import start_dovecot
from tests.support.mailservers.dovecot import MISSING_MESSAGE, Dovecot, find_dovecot
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.mailservers.token_server import TokenServer

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


# --- OAuth: a token endpoint msal talks to, and servers that check its tokens ---

OAUTH_MAILBOX = "office@hillside.example"
OAUTH_DELIVERY_PASSWORD = "delivery-only"  # the test's own deliveries, by password


@pytest.fixture(scope="session")
def oauth_signing_key() -> Any:
    """The identity platform's signing key; Dovecot and the SMTP server trust its public half."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


@pytest.fixture(scope="session")
def dovecot_oauth(oauth_signing_key: Any) -> Iterator[Dovecot]:
    """Dovecot whose oauth2 passdb validates our JWTs locally; "Sent Items" is marked \\Sent."""
    from tests.support.mailservers.token_server import ISSUER

    if find_dovecot() is None:
        pytest.fail(MISSING_MESSAGE, pytrace=False)
    server = Dovecot.create(
        {OAUTH_MAILBOX: OAUTH_DELIVERY_PASSWORD},
        oauth_key=_public_pem(oauth_signing_key),
        oauth_issuer=ISSUER,
    )
    yield server
    server.destroy()


@pytest.fixture
def token_server(tmp_path: Path, oauth_signing_key: Any) -> Iterator[TokenServer]:
    """The loopback HTTPS identity platform (tokens live an hour unless a test says)."""
    server = TokenServer(tmp_path / "idp", key=oauth_signing_key)
    yield server
    server.stop()


@pytest.fixture
def oauth_smtp(oauth_signing_key: Any) -> Iterator[RecordingSmtp]:
    """aiosmtpd checking XOAUTH2 tokens as Dovecot does (535 5.7.3 when expired)."""
    from tests.support.mailservers.token_server import ISSUER

    server = RecordingSmtp({}, jwt_key=_public_pem(oauth_signing_key), jwt_issuer=ISSUER).start()
    yield server
    server.stop()
