"""Helpers for the OAuth scenarios: the `conduct` command in a subprocess, configs, keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from casework.clock import process_clock
from casework.config import Config, load_config
from casework.mailauth import OAuth, default_scopes
from casework.mailconfig import Imap, Mail, Secret, Smtp
from mailer.mail_connect import app_keys
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.mailservers.token_server import TENANT, TokenServer
from tests.support.school import SCHOOL, write_config

ROOT = Path(__file__).resolve().parents[2]
MAILBOX = "office@hillside.example"

# A config.toml as a school would have it before connecting: comments of its own, and the
# old password sign-in that the connect replaces.
BEFORE = (
    SCHOOL
    + """
[policy]
preset = "warning-first"

# Our mailbox: ask Jo in the office before changing anything here.
[mail]
attachment_limit_mb = 30   # the governors asked for 30

[mail.imap]
host = "old.example"
user = "office@hillside.example"
password_env = "OLD_PASSWORD"   # the old way
folder = "INBOX"               # the watched folder

[mail.smtp]
host = "old.example"
user = "office@hillside.example"
password_env = "OLD_PASSWORD"
from_address = "office@hillside.example"
from_name = "Hillside Office"
"""
)


def conduct(*args: str) -> list[str]:
    """The argv of `conduct ARGS` run from this checkout."""
    return [sys.executable, "-m", "conduct.cli", *args]


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `conduct ARGS` to the end."""
    return subprocess.run(
        conduct(*args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ},
    )


def start(*args: str) -> subprocess.Popen[str]:
    """Start `conduct ARGS`, its output readable line by line."""
    return subprocess.Popen(
        conduct(*args),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ},
    )


def server_args(dovecot: Dovecot, smtp: RecordingSmtp, idp: TokenServer) -> list[str]:
    """The --authority, --ca-file and server options pointing at the loopback servers."""
    return [
        "--authority", idp.authority,
        "--ca-file", str(idp.ca_file),
        "--imap-host", dovecot.host, "--imap-port", str(dovecot.port), "--imap-security", "plain",
        "--smtp-host", smtp.host, "--smtp-port", str(smtp.port), "--smtp-security", "plain",
    ]  # fmt: skip


def microsoft_connect(
    cfg: Path, dovecot: Dovecot, smtp: RecordingSmtp, idp: TokenServer, *extra: str
) -> list[str]:
    """`conduct mail connect microsoft ...` against the loopback servers."""
    return [
        "--config", str(cfg), "mail", "connect", "microsoft",
        "--mailbox", MAILBOX, "--tenant", TENANT,
        *server_args(dovecot, smtp, idp),
        "--retry-seconds", "0.5", "--wait-minutes", "2", *extra,
    ]  # fmt: skip


def service_account(directory: Path, idp: TokenServer, *, delegated: bool) -> Path:
    """A Google service account KEY.json whose token_uri is the loopback endpoint."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    email = "conduct-desk@hillside-mail.iam.gserviceaccount.com"
    idp.register_service_account(email, public.decode(), delegated=delegated)
    path = directory / "KEY.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "hillside-mail",
                "private_key_id": "0123456789abcdef",
                "private_key": pem,
                "client_email": email,
                "client_id": "104857600000000000001",
                "token_uri": f"{idp.base}/google/token",
            }
        ),
        encoding="utf-8",
    )
    return path


def oauth_school(
    tmp_path: Path,
    idp: TokenServer,
    *,
    imap_host: str,
    imap_port: int,
    smtp: RecordingSmtp,
    folder: str = "INBOX",
    client_id: str = "app-1",
) -> Config:
    """A school whose mailbox signs in app-only (certificate) through the loopback platform."""
    keys = app_keys(tmp_path / "keys", MAILBOX, now=process_clock().now())
    # The tenant admin has uploaded the certificate, consented and given FullAccess.
    idp.register_app(client_id, keys.certificate, mailbox=MAILBOX)
    oauth = OAuth(
        provider="microsoft",
        flow="app",
        mailbox=MAILBOX,
        client_id=client_id,
        tenant=TENANT,
        authority=idp.authority,
        scopes=default_scopes("microsoft", "app", idp.authority),
        certificate=keys.certificate,
        private_key=keys.private_key,
        ca_file=idp.ca_file,
    )
    signin = Secret(auth="oauth")
    imap = Imap(
        host=imap_host,
        port=imap_port,
        security="plain",
        user=MAILBOX,
        secret=signin,
        folder=folder,
        sent_folder="Sent Items",
    )
    out = Smtp(
        host=smtp.host,
        port=smtp.port,
        security="plain",
        user=MAILBOX,
        secret=signin,
        from_address=MAILBOX,
        from_name="Hillside Office",
        timeout_seconds=10,
    )
    base = load_config(write_config(tmp_path, "warning-first"))
    return replace(base, mail=Mail(imap=imap, smtp=out, oauth=oauth))
