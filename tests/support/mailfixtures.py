"""Mail servers and settings on loopback, and sample mail, for the mail tests and benchmarks."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from casework.config import Config, load_config
from casework.mailconfig import Imap, Mail, Smtp
from tests.support.mailservers.dovecot import Dovecot
from tests.support.school import write_config


def start_dovecot(users: dict[str, str], tls: bool = False) -> Dovecot:
    """A private Dovecot on loopback with these users (name: password); destroy() it after."""
    return Dovecot.create(users, tls=tls)


def school_config(
    tmp_path: Path, imap: Imap, smtp: Smtp | None = None, preset: str = "warning-first"
) -> Config:
    """A school on a preset whose mail settings point at the test servers."""
    base = load_config(write_config(tmp_path, preset))
    smtp = smtp or Smtp(
        host="127.0.0.1",
        port=1,
        security="plain",
        user="office",
        secret=imap.secret,
        from_address="office@stockham.sch.uk",
        from_name="Stockham Office",
    )
    return replace(base, mail=Mail(imap=imap, smtp=smtp, attachment_limit_mb=25))


def unique_folder() -> str:
    """A folder of one's own on the shared Dovecot, so tests never see each other's mail."""
    return f"T{uuid.uuid4().hex[:10]}"


def message(
    subject: str,
    sender: str = "Pat Parent <pat@example.org>",
    body: str = "I am writing about what happened at the gate.",
    *,
    message_id: str | None = "auto",
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A realistic email as raw bytes."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "office@stockham.sch.uk"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    if message_id == "auto":
        msg["Message-ID"] = make_msgid(domain="example.org")
    elif message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(body)
    return msg.as_bytes()


def loopback_mail_toml(
    *,
    imap_port: int,
    imap_user: str,
    imap_env: str,
    smtp_port: int,
    smtp_user: str = "office",
    smtp_env: str | None = None,
    folder: str = "INBOX",
) -> str:
    """The [mail] tables of a config.toml pointing at test servers on loopback (plain text)."""
    return f"""
[mail.imap]
host = "127.0.0.1"
port = {imap_port}
security = "plain"
user = "{imap_user}"
password_env = "{imap_env}"
folder = "{folder}"
poll_seconds = 5
[mail.smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "plain"
user = "{smtp_user}"
password_env = "{smtp_env or imap_env}"
from_address = "office@stockham.sch.uk"
"""


def write_mail_config(tmp_path: Path, imap_port: int, env: str, folder: str) -> Path:
    """Add [mail] tables (alice on a test IMAP server) to the config.toml in ``tmp_path``.

    For a `conduct` subprocess; school_config() wrote the file without them.
    """
    path = tmp_path / "config.toml"
    text = path.read_text() if path.exists() else ""
    if "[mail.imap]" not in text:
        text += loopback_mail_toml(
            imap_port=imap_port, imap_user="alice", imap_env=env, smtp_port=2, folder=folder
        )
        path.write_text(text)
    return path
