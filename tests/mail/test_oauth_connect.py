"""`conduct mail connect`: a newcomer connects Microsoft 365 and Google mailboxes, guided.

Everything is real but the internet: msal and google-auth talk HTTPS to the loopback
identity platform, Dovecot's oauth2 passdb and aiosmtpd check the tokens they are given.
"""

from __future__ import annotations

import stat
import time
import tomllib
from pathlib import Path

from mailer.mail_connect import CERT_NAME, KEY_NAME
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.mailservers.token_server import TokenServer
from tests.support.oauth import (
    BEFORE,
    MAILBOX,
    microsoft_connect,
    run,
    server_args,
    service_account,
    start,
)

GIVE_UP_S = 120  # only to stop a hung test


def _school(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BEFORE, encoding="utf-8")
    return cfg


def _lines_until(proc: object, needle: str, seen: list[str]) -> str:
    """Read the command's output until a line holds ``needle``; return that line."""
    out = proc.stdout  # type: ignore[attr-defined]
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        line = out.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return str(line)
    raise AssertionError(f"{needle!r} never appeared:\n{''.join(seen)}")


def test_app_only_connect_guides_the_admin_then_waits_until_imap_and_smtp_work(
    tmp_path: Path, dovecot_oauth: Dovecot, oauth_smtp: RecordingSmtp, token_server: TokenServer
) -> None:
    cfg = _school(tmp_path)
    proc = start(
        *microsoft_connect(cfg, dovecot_oauth, oauth_smtp, token_server, "--client-id", "app-1")
    )
    seen: list[str] = []
    try:
        # Until the admin has registered the app the command keeps trying, and says why.
        _lines_until(proc, "not yet", seen)
        keys = cfg.parent / "data" / "oauth"
        # The admin follows the checklist: uploads the certificate, consents, gives FullAccess.
        token_server.register_app("app-1", keys / CERT_NAME, mailbox=MAILBOX)
        out, _ = proc.communicate(timeout=GIVE_UP_S)
    finally:
        proc.kill()
    text = "".join(seen) + out
    assert proc.returncode == 0, text
    for step in (
        "IMAP.AccessAsApp",
        "SMTP.SendAsApp",
        "Grant admin consent",
        "New-ServicePrincipal",
        f"Add-MailboxPermission -Identity {MAILBOX}",
        "FullAccess",
        f"Set-CASMailbox -Identity {MAILBOX} -SmtpClientAuthenticationDisabled $false",
        "30 minutes",
        "Connected.",
    ):
        assert step in text, step
    assert stat.S_IMODE((keys / KEY_NAME).stat().st_mode) == 0o600
    written = cfg.read_text(encoding="utf-8")
    # The school's own comments and choices stay; the old password sign-in is gone.
    assert "# Our mailbox: ask Jo in the office" in written
    assert "# the governors asked for 30" in written and "# the watched folder" in written
    assert "OLD_PASSWORD" not in written
    data = tomllib.loads(written)
    imap, smtp, oauth = data["mail"]["imap"], data["mail"]["smtp"], data["mail"]["oauth"]
    assert (imap["host"], imap["port"], imap["auth"]) == ("127.0.0.1", dovecot_oauth.port, "oauth")
    assert (smtp["port"], smtp["auth"], smtp["from_name"]) == (
        oauth_smtp.port,
        "oauth",
        "Hillside Office",
    )
    # Found by its SPECIAL-USE attribute: Exchange calls it "Sent Items".
    assert imap["sent_folder"] == "Sent Items"
    assert (oauth["provider"], oauth["flow"], oauth["client_id"]) == ("microsoft", "app", "app-1")
    assert oauth["private_key"] == f"data/oauth/{KEY_NAME}"

    check = run("--config", str(cfg), "check", "--mail")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"logged in as {MAILBOX}" in check.stdout
    assert "Microsoft 365 app-only (client credentials, certificate" in check.stdout
    assert "this check's token expires:" in check.stdout
    assert f"SMTP 127.0.0.1:{oauth_smtp.port} (plain): logged in as {MAILBOX}" in check.stdout


def test_rerun_reuses_the_key_the_admin_uploaded(
    tmp_path: Path, dovecot_oauth: Dovecot, oauth_smtp: RecordingSmtp, token_server: TokenServer
) -> None:
    cfg = _school(tmp_path)
    first = run(
        *microsoft_connect(cfg, dovecot_oauth, oauth_smtp, token_server, "--wait-minutes", "0")
    )
    # No client ID yet and nobody at the keyboard: the checklist, then a clear next step.
    assert first.returncode == 1
    assert "--client-id" in first.stderr and "Traceback" not in first.stderr
    cert = (cfg.parent / "data" / "oauth" / CERT_NAME).read_text()
    token_server.register_app("app-2", cfg.parent / "data" / "oauth" / CERT_NAME, mailbox=MAILBOX)
    second = run(
        *microsoft_connect(cfg, dovecot_oauth, oauth_smtp, token_server, "--client-id", "app-2")
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Using the key pair" in second.stdout
    assert (cfg.parent / "data" / "oauth" / CERT_NAME).read_text() == cert


def test_delegated_device_code_sign_in_keeps_a_private_cache_that_rotates(
    tmp_path: Path, dovecot_oauth: Dovecot, oauth_smtp: RecordingSmtp, token_server: TokenServer
) -> None:
    token_server.register_app("staff-app")
    # Short-lived tokens, so every later use refreshes and rotates the refresh token.
    token_server.lifetime = 120
    cfg = _school(tmp_path)
    proc = start(
        *microsoft_connect(
            cfg, dovecot_oauth, oauth_smtp, token_server, "--delegated", "--client-id", "staff-app"
        )
    )
    seen: list[str] = []
    try:
        line = _lines_until(proc, "https://microsoft.com/devicelogin", seen)
        code = line.split("enter the code ")[1].split()[0]
        token_server.approve(code, MAILBOX)
        out, _ = proc.communicate(timeout=GIVE_UP_S)
    finally:
        proc.kill()
    assert proc.returncode == 0, "".join(seen) + out
    cache = cfg.parent / "data" / "oauth" / "token-cache.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    data = tomllib.loads(cfg.read_text())
    assert data["mail"]["oauth"]["flow"] == "delegated"
    # Two later processes in turn (the daemon, the dashboard): each refresh rotates the
    # refresh token, and the old one no longer works, so the second succeeds only if the
    # first stored the rotated one in the shared cache.
    refreshes = token_server.requests.count("refresh_token")
    for _ in range(2):
        check = run("--config", str(cfg), "check", "--mail")
        assert check.returncode == 0, check.stdout + check.stderr
    assert token_server.requests.count("refresh_token") >= refreshes + 2


def test_delegated_without_consent_says_who_must_consent(
    tmp_path: Path, dovecot_oauth: Dovecot, oauth_smtp: RecordingSmtp, token_server: TokenServer
) -> None:
    token_server.register_app("staff-app", consent=False)
    cfg = _school(tmp_path)
    proc = start(
        *microsoft_connect(
            cfg, dovecot_oauth, oauth_smtp, token_server, "--delegated", "--client-id", "staff-app"
        )
    )
    seen: list[str] = []
    try:
        line = _lines_until(proc, "enter the code", seen)
        token_server.approve(line.split("enter the code ")[1].split()[0], MAILBOX)
        out, _ = proc.communicate(timeout=GIVE_UP_S)
    finally:
        proc.kill()
    assert proc.returncode == 1
    assert "the tenant admin must grant admin consent" in out and "AADSTS65001" in out
    assert "Traceback" not in out


def test_google_service_account_connects_once_delegation_is_granted(
    tmp_path: Path, dovecot_oauth: Dovecot, oauth_smtp: RecordingSmtp, token_server: TokenServer
) -> None:
    key = service_account(tmp_path, token_server, delegated=False)
    cfg = _school(tmp_path)
    args = [
        "--config", str(cfg), "mail", "connect", "google", "--mailbox", "office@hillside.example",
        "--service-account", str(key), *server_args(dovecot_oauth, oauth_smtp, token_server),
        "--retry-seconds", "0.5", "--wait-minutes", "2",
    ]  # fmt: skip
    args.remove("--authority")
    args.remove(token_server.authority)
    proc = start(*args)
    seen: list[str] = []
    try:
        _lines_until(proc, "not yet", seen)
        # The super admin adds the client ID and scope under domain-wide delegation.
        token_server.register_service_account(
            "conduct-desk@hillside-mail.iam.gserviceaccount.com",
            token_server.service_accounts["conduct-desk@hillside-mail.iam.gserviceaccount.com"][0],
            delegated=True,
        )
        out, _ = proc.communicate(timeout=GIVE_UP_S)
    finally:
        proc.kill()
    text = "".join(seen) + out
    assert proc.returncode == 0, text
    assert "Domain-wide delegation" in text and "104857600000000000001" in text
    assert "https://mail.google.com/" in text
    kept = cfg.parent / "data" / "oauth" / "google-service-account.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    oauth = tomllib.loads(cfg.read_text())["mail"]["oauth"]
    assert (oauth["provider"], oauth["flow"]) == ("google", "service-account")
    check = run("--config", str(cfg), "check", "--mail")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Google service account" in check.stdout
