"""The daemon signed in with OAuth: renewed tokens, Exchange's BYE, and every refusal named.

Dovecot's oauth2 passdb checks each token locally (signature, expiry, issuer, user); the
SMTP server checks the same JWT; the proxy in front of Dovecot ends a session at its
token's expiry, or on demand, with Exchange's ``* BYE Session invalidated - AccessTokenExpired``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from test_daemon_outbox import queued_letter

from casework.config import Config, load_config
from casework.mailconfig import Secret
from casework.mailrecords import DaemonState
from casework.outbox import LetterStatus
from casework.tomlread import ConfigError
from mailer.daemon import Daemon
from mailer.mail_connect import write_mail_config
from store.casebook import Casebook
from store.maillog import MailLog
from tests.support.mailfixtures import loopback_mail_toml, message, school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.exchange_proxy import ExchangeProxy
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.mailservers.token_server import TokenServer
from tests.support.oauth import MAILBOX, oauth_school, run
from tests.support.school import write_config
from tests.support.waiting import wait_until

FLAG = ("\\Flagged",)


class Running:
    """A daemon in a thread, with every health state it reported."""

    def __init__(self, config: Config) -> None:
        self.daemon = Daemon(config)
        self.states: list[DaemonState] = []
        self.errors: list[str] = []
        original = self.daemon.set_health

        def spy(state: DaemonState, **kw: object) -> None:
            self.states.append(state)
            if kw.get("error"):
                self.errors.append(str(kw["error"]))
            original(state, **kw)  # type: ignore[arg-type]

        self.daemon.set_health = spy  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.daemon.run, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.daemon.stop.set()
        self.daemon.wake.set()
        self.thread.join(15)
        assert not self.thread.is_alive()


@pytest.fixture
def proxy(dovecot_oauth: Dovecot) -> Iterator[ExchangeProxy]:
    """Exchange's behaviour in front of Dovecot: a session ends when its token expires."""
    p = ExchangeProxy(dovecot_oauth.host, dovecot_oauth.port)
    yield p
    p.close()


def test_bye_access_token_expired_during_idle_is_a_sign_in_event(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    proxy: ExchangeProxy,
    oauth_smtp: RecordingSmtp,
    token_server: TokenServer,
) -> None:
    folder = unique_folder()
    dovecot_oauth.recreate_folder(folder)
    config = oauth_school(
        tmp_path,
        token_server,
        imap_host=proxy.host,
        imap_port=proxy.port,
        smtp=oauth_smtp,
        folder=folder,
    )
    book = Casebook(config)
    with Running(config) as r:
        wait_until(lambda: DaemonState.IDLE in r.states, "the daemon to idle")
        tokens_before = len(token_server.issued)
        assert proxy.inject_bye() == 1
        # Flagged the moment the session died: it must still be taken, once.
        dovecot_oauth.deliver(message("Right after the BYE"), flags=FLAG, folder=folder)
        wait_until(lambda: [c.summary for c in book.cases()] == ["Right after the BYE"], "the case")
        wait_until(lambda: r.states[-1] is DaemonState.IDLE, "idle again")
    assert DaemonState.SIGNING_IN in r.states
    assert DaemonState.BACKING_OFF not in r.states and DaemonState.LOGIN_FAILED not in r.states
    # The token was renewed, not reused: the server had said it had expired.
    assert len(token_server.issued) > tokens_before
    health = MailLog(book.store).health()
    assert health is not None and health.token is not None
    assert "expired" in health.token.last_event


def test_short_lived_tokens_through_three_lifetimes_no_gap_and_no_failed_send(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    proxy: ExchangeProxy,
    oauth_smtp: RecordingSmtp,
    token_server: TokenServer,
) -> None:
    token_server.lifetime = 8  # renewed at 6 s; the proxy ends any session still on it at 8 s
    folder = unique_folder()
    dovecot_oauth.recreate_folder(folder)
    config = oauth_school(
        tmp_path,
        token_server,
        imap_host=proxy.host,
        imap_port=proxy.port,
        smtp=oauth_smtp,
        folder=folder,
    )
    book = Casebook(config)
    subjects: list[str] = []
    letters = []
    with Running(config) as r:
        wait_until(lambda: DaemonState.IDLE in r.states, "the daemon to idle")
        end = time.monotonic() + 3 * token_server.lifetime
        n = 0
        while time.monotonic() < end:
            n += 1
            subjects.append(f"Report {n}")
            dovecot_oauth.deliver(
                message(f"Report {n}", sender=f"P{n} <p{n}@example.org>"), flags=FLAG, folder=folder
            )
            if n % 4 == 0:
                letters.append(queued_letter(config))
            time.sleep(1.0)
        wait_until(
            lambda: (
                sorted(c.summary for c in book.cases() if c.summary.startswith("Report"))
                == sorted(subjects)
            ),
            "every report",
        )
        wait_until(
            lambda: all(o.get(x.case_ref, x.id).status is LetterStatus.SENT for o, x in letters),
            "every letter sent",
        )
    renewals = MailLog(book.store).health().token.renewals  # type: ignore[union-attr]
    assert renewals >= 3
    assert DaemonState.BACKING_OFF not in r.states and DaemonState.LOGIN_FAILED not in r.states
    assert len(oauth_smtp.messages) == len(letters)
    assert proxy.sessions >= 3  # signed in again with each renewed token
    # `check --mail` says where the token comes from and when the daemon last renewed it.
    write_mail_config(config.path, config.mail, config.path.parent)  # type: ignore[arg-type]
    check = run("--config", str(config.path), "check", "--mail")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "comes from: Microsoft 365 app-only" in check.stdout
    assert "the daemon's token expires:" in check.stdout
    assert (
        "the daemon last renewed it:" in check.stdout and f"({renewals} renewals)" in check.stdout
    )


# --- Dovecot's local validation of each kind of token, through check --mail and the daemon ---


def _token_file(tmp_path: Path, token: str) -> str:
    path = tmp_path / "token.txt"
    path.write_text(token, encoding="utf-8")
    return f"cat {path}"


def _minted(kind: str, idp: TokenServer) -> str:
    if kind == "valid":
        return idp.mint(MAILBOX)
    if kind == "expired":
        return idp.mint(MAILBOX, lifetime=-60)
    if kind == "wrong key":
        return idp.mint(MAILBOX, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    if kind == "wrong issuer":
        return idp.mint(MAILBOX, issuer="https://evil.example/")
    assert kind == "wrong user"
    return idp.mint("someone-else@hillside.example")


@pytest.mark.parametrize("kind", ["valid", "expired", "wrong key", "wrong issuer", "wrong user"])
def test_each_token_through_check_mail_and_the_daemon(
    tmp_path: Path,
    kind: str,
    dovecot_oauth: Dovecot,
    oauth_smtp: RecordingSmtp,
    token_server: TokenServer,
) -> None:
    command = _token_file(tmp_path, _minted(kind, token_server))
    section = loopback_mail_toml(
        imap_port=dovecot_oauth.port,
        imap_user=MAILBOX,
        imap_env="UNUSED",
        smtp_port=oauth_smtp.port,
    ).replace('password_env = "UNUSED"', f'token_command = "{command}"')
    section = section.replace('user = "office"', f'user = "{MAILBOX}"')
    cfg = write_config(tmp_path, "warning-first", section)
    check = run("--config", str(cfg), "check", "--mail")
    config = load_config(cfg)
    status = Daemon(config).run(once=True)
    health = MailLog(Casebook(config).store).health()
    assert health is not None
    if kind == "valid":
        assert check.returncode == 0, check.stdout
        assert f"logged in as {MAILBOX}" in check.stdout
        assert status == 0 and health.last_error == ""
        return
    assert check.returncode == 1
    # IMAP refused, with who must do what; SMTP checked the same JWT (535 5.7.3).
    assert "IMAP 127.0.0.1" in check.stdout and "FAILED" in check.stdout
    assert "the tenant admin must grant IMAP.AccessAsApp" in check.stdout
    assert "535 5.7.3" in check.stdout
    assert status == 3 and "refused our token" in health.last_error
    if kind == "expired":
        assert "token expired" in check.stdout or "has expired" in check.stdout


def test_relay_that_authorises_by_address_needs_no_sign_in(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    relay = RecordingSmtp({"nobody": "unused"}, auth_required=False).start()
    try:
        smtp = replace(relay.smtp_settings("UNUSED", secret=Secret(auth="none")), user="")
        config = school_config(tmp_path, dovecot.imap_settings(imap_password_env), smtp)
        outbox, letter = queued_letter(config)
        assert Daemon(config).run(once=True) == 0
    finally:
        relay.stop()
    assert outbox.get(letter.case_ref, letter.id).status is LetterStatus.SENT
    assert [(m.login, m.rcpt_tos) for m in relay.messages] == [(None, ("pat@example.org",))]


def test_relay_config_needs_no_user_but_imap_always_signs_in(tmp_path: Path) -> None:
    section = loopback_mail_toml(imap_port=1, imap_user="office", imap_env="X", smtp_port=2)
    relay = section.replace(
        'user = "office"\npassword_env = "X"\nfrom_address', 'auth = "none"\nfrom_address'
    )
    assert 'auth = "none"' in relay
    config = load_config(write_config(tmp_path, "warning-first", relay))
    assert config.mail is not None and config.mail.smtp.secret.auth == "none"
    bad = section.replace('password_env = "X"\nfolder', 'auth = "none"\nfolder')
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, "warning-first", bad))
    assert any(p.key == "mail.imap.auth" for p in err.value.problems)
