"""Every sign-in failure tells the school who must do what, from the real error it came from.

The token errors are Microsoft's real bodies, served by the loopback identity platform
that msal talks to; the SMTP refusals are Exchange's replies, sent by aiosmtpd.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.clock import process_clock
from casework.mailauth import OAuth, default_scopes
from casework.mailrecords import DaemonState
from mailer.credentials import SignIn
from mailer.daemon import Daemon
from mailer.errors import SignInError, TokenNetworkError
from mailer.oauth import AccessToken, MicrosoftDelegated, TokenKeeper, device_sign_in, renew_margin
from mailer.smtp_send import SmtpLoginError, open_smtp
from store.casebook import Casebook
from store.maillog import MailLog
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.mailservers.token_server import TENANT, TokenServer
from tests.support.oauth import MAILBOX, oauth_school


def _delegated(tmp_path: Path, idp: TokenServer) -> OAuth:
    idp.register_app("staff-app")
    oauth = OAuth(
        provider="microsoft",
        flow="delegated",
        mailbox=MAILBOX,
        client_id="staff-app",
        tenant=TENANT,
        authority=idp.authority,
        scopes=default_scopes("microsoft", "delegated", idp.authority),
        token_cache=tmp_path / "oauth" / "token-cache.json",
        ca_file=idp.ca_file,
    )

    def approve() -> None:
        deadline = time.monotonic() + 30
        while not idp.pending_user_codes() and time.monotonic() < deadline:
            time.sleep(0.05)
        idp.approve(idp.pending_user_codes()[0], MAILBOX)

    threading.Thread(target=approve, daemon=True).start()
    device_sign_in(oauth, lambda message: None)
    return oauth


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        (
            700082,
            "lapsed after 90 days without use: the member of staff who connected it must sign in again",
        ),
        (
            50173,
            "was changed or reset, which cancels our sign-in: that member of staff must sign in again",
        ),
        (70043, "the tenant admin must exclude the app staff-app from that policy"),
        (65001, "the tenant admin must grant admin consent"),
        (7000222, "have expired: run `conduct mail connect microsoft"),
    ],
)
def test_each_microsoft_token_error_becomes_one_sentence(
    tmp_path: Path, token_server: TokenServer, code: int, sentence: str
) -> None:
    oauth = _delegated(tmp_path, token_server)
    token_server.fail_refresh_with = code
    with pytest.raises(SignInError) as err:
        MicrosoftDelegated(oauth).fetch(force=True)
    text = str(err.value)
    assert sentence in text and f"AADSTS{code}" in text
    assert "\n" not in text and "Trace ID" not in text


def test_an_expired_grant_is_a_failed_sign_in_with_the_sentence_in_health(
    tmp_path: Path, dovecot_oauth: Dovecot, oauth_smtp: RecordingSmtp, token_server: TokenServer
) -> None:
    # A short-lived access token, so the daemon has to use the refresh token at once.
    token_server.lifetime = 60
    oauth = _delegated(tmp_path, token_server)
    config = oauth_school(
        tmp_path,
        token_server,
        imap_host=dovecot_oauth.host,
        imap_port=dovecot_oauth.port,
        smtp=oauth_smtp,
    )
    assert config.mail is not None
    config = replace(config, mail=replace(config.mail, oauth=oauth))
    token_server.fail_refresh_with = 700082
    assert Daemon(config).run(once=True) == 3
    health = MailLog(Casebook(config).store).health()
    assert health is not None and "lapsed after 90 days" in health.last_error


def test_an_unknown_certificate_and_a_missing_consent_name_the_admin(
    tmp_path: Path, dovecot_oauth: Dovecot, oauth_smtp: RecordingSmtp, token_server: TokenServer
) -> None:
    config = oauth_school(
        tmp_path,
        token_server,
        imap_host=dovecot_oauth.host,
        imap_port=dovecot_oauth.port,
        smtp=oauth_smtp,
    )
    assert config.mail is not None
    token_server.apps["app-1"].consent = False
    with pytest.raises(SignInError, match="the tenant admin must grant admin consent"):
        SignIn(config.mail, clock=process_clock().now).imap()
    token_server.apps["app-1"].consent = True
    token_server.apps["app-1"].certificates = []  # the admin uploaded another certificate
    with pytest.raises(SignInError, match="the tenant admin must upload the certificate"):
        SignIn(config.mail, clock=process_clock().now).imap()


def test_an_unreachable_identity_platform_is_a_network_fault(
    tmp_path: Path, dovecot_oauth: Dovecot, oauth_smtp: RecordingSmtp, token_server: TokenServer
) -> None:
    config = oauth_school(
        tmp_path,
        token_server,
        imap_host=dovecot_oauth.host,
        imap_port=dovecot_oauth.port,
        smtp=oauth_smtp,
    )
    assert config.mail is not None
    token_server.stop()
    with pytest.raises(TokenNetworkError, match="cannot reach"):
        SignIn(config.mail, clock=process_clock().now).imap()
    daemon = Daemon(config)
    states: list[DaemonState] = []
    original = daemon.set_health
    daemon.set_health = lambda s, **kw: (states.append(s), original(s, **kw))[1]  # type: ignore[method-assign, func-returns-value]
    assert daemon.run(once=True) == 1
    assert DaemonState.BACKING_OFF in states and DaemonState.LOGIN_FAILED not in states


@pytest.mark.parametrize(
    ("reply", "sentence"),
    [
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
            f"Set-CASMailbox -Identity {MAILBOX} -SmtpClientAuthenticationDisabled $false",
        ),
        (
            "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.",
            "Security defaults",
        ),
        (
            "535 5.7.30 Authentication unsuccessful, basic authentication is not supported for Client Submission.",
            "no longer accepts a password for SMTP",
        ),
        (
            "535 5.7.3 Authentication unsuccessful [LO4P123CA0001.GBRP123.PROD.OUTLOOK.COM]",
            "the tenant admin must grant SMTP.SendAsApp with admin consent, FullAccess",
        ),
    ],
)
def test_exchange_smtp_refusals_say_who_must_do_what(
    tmp_path: Path,
    dovecot_oauth: Dovecot,
    oauth_smtp: RecordingSmtp,
    token_server: TokenServer,
    reply: str,
    sentence: str,
) -> None:
    config = oauth_school(
        tmp_path,
        token_server,
        imap_host=dovecot_oauth.host,
        imap_port=dovecot_oauth.port,
        smtp=oauth_smtp,
    )
    assert config.mail is not None
    oauth_smtp.knobs.auth_reply_next = reply
    with pytest.raises(SmtpLoginError) as err:
        open_smtp(config.mail.smtp, SignIn(config.mail, clock=process_clock().now).smtp())
    assert sentence in str(err.value)


def test_an_expired_token_gets_535_from_smtp(
    tmp_path: Path, dovecot_oauth: Dovecot, oauth_smtp: RecordingSmtp, token_server: TokenServer
) -> None:
    config = oauth_school(
        tmp_path,
        token_server,
        imap_host=dovecot_oauth.host,
        imap_port=dovecot_oauth.port,
        smtp=oauth_smtp,
    )
    assert config.mail is not None
    from mailer.credentials import Credential

    expired = Credential(MAILBOX, token_server.mint(MAILBOX, lifetime=-30), oauth=True)
    with pytest.raises(
        SmtpLoginError, match="535 5.7.3 Authentication unsuccessful: the access token has expired"
    ):
        open_smtp(config.mail.smtp, expired)


# --- the keeping logic alone (a fake source and clock: pure logic, no protocol) ---


class _Source:
    describe = "test source"

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self.calls: list[bool] = []

    def fetch(self, *, force: bool) -> tuple[str, float]:
        self.calls.append(force)
        return f"token-{len(self.calls)}", self.lifetime


@pytest.mark.parametrize(("lifetime", "renew_after"), [(120.0, 90.0), (3600.0, 3360.0), (4.0, 3.0)])
def test_the_keeper_renews_before_expiry(lifetime: float, renew_after: float) -> None:
    clock = [1000.0]
    source = _Source(lifetime)
    keeper = TokenKeeper(
        source, clock=lambda: datetime(2026, 11, 2, tzinfo=UTC), monotonic=lambda: clock[0]
    )
    first = keeper.current()
    assert renew_margin(lifetime) == lifetime - renew_after
    clock[0] += renew_after - 0.01
    assert keeper.current() is first and source.calls == [False]
    clock[0] += 0.02
    assert keeper.current().value == "token-2"
    keeper.invalidate("the server refused it")
    assert keeper.current().value == "token-3" and source.calls == [False, False, True]
    status = keeper.status()
    assert status.renewals == 3 and status.source == "test source"


def test_an_access_token_never_shows_its_value() -> None:
    token = AccessToken("secret-token", 60.0, 0.0, datetime(2026, 11, 2, tzinfo=UTC))
    assert "secret-token" not in repr(token)
