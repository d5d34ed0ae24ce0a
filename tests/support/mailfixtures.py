"""Mail servers and mail settings on loopback, shared by the mail tests and the benchmarks."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.mail.mailservers.dovecot import Dovecot


def start_dovecot(users: dict[str, str]) -> Dovecot:
    """A private Dovecot on loopback with these users (name: password); destroy() it after."""
    # Imported here: the mail tests load this package as `mailservers` (tests/mail/conftest.py),
    # and a second copy of the module under another name would be a trap.
    from tests.mail.mailservers.dovecot import Dovecot

    return Dovecot.create(users)


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
