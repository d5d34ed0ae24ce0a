"""``[mail]``: the school inbox the daemon watches and the server letters go through.

Read only when config.toml has a ``[mail]`` section, so a command that does not touch mail
never builds these classes.
"""

from __future__ import annotations

from pathlib import Path

from casework.mailauth import OAuth, parse_oauth
from casework.record import record
from casework.tomlread import Problem, TableReader

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@record
class Secret:
    """Where a mail password or OAuth token comes from; never the secret itself."""

    password_env: str | None = None
    password_command: str | None = None
    token_command: str | None = None
    # auth = "oauth": tokens from [mail.oauth]; auth = "none": a relay that trusts our address.
    auth: str = ""

    @property
    def is_oauth(self) -> bool:
        """XOAUTH2 with a token from a command or from [mail.oauth]."""
        return self.token_command is not None or self.auth == "oauth"

    @property
    def describe(self) -> str:
        """Where the secret comes from, never the secret."""
        if self.auth == "oauth":
            return "OAuth2 (XOAUTH2) with tokens from [mail.oauth]"
        if self.auth == "none":
            return "no sign-in (a relay that authorises by address)"
        if self.token_command:
            return f"OAuth2 (XOAUTH2) with a token from the command {self.token_command!r}"
        if self.password_command:
            return f"a password from the command {self.password_command!r}"
        return f"a password from the environment variable {self.password_env}"


@record
class Imap:
    """The school inbox the daemon watches."""

    host: str
    port: int
    security: str
    user: str
    secret: Secret
    folder: str = "INBOX"
    # "flag": messages carrying watch_flag; "folder": every message in the folder.
    watch: str = "flag"
    watch_flag: str = "\\Flagged"
    processed_keyword: str = "ConductLogged"
    sent_folder: str = "Sent"
    ca_file: Path | None = None
    poll_seconds: int = 60
    idle_seconds: int = 1500


@record
class Smtp:
    """The server letters are sent through."""

    host: str
    port: int
    security: str
    user: str
    secret: Secret
    from_address: str
    from_name: str
    cc: tuple[str, ...] = ()
    ca_file: Path | None = None
    timeout_seconds: int = 60


@record
class Mail:
    """Mail settings: inbox, outgoing server and limits."""

    imap: Imap
    smtp: Smtp
    attachment_limit_mb: int = 25
    oauth: OAuth | None = None



def _secret(r: TableReader, *, relay: bool = False) -> Secret:
    if r.has("password"):
        r._used.add("password")
        r.problems.append(
            Problem(
                r.key("password"),
                "a literal password is never accepted: use password_env, password_command, "
                'token_command or auth = "oauth"',
            )
        )
    sources = [k for k in ("password_env", "password_command", "token_command", "auth") if r.has(k)]
    kinds = ("oauth", "none") if relay else ("oauth",)
    secret = Secret(
        password_env=r.text("password_env", None),
        password_command=r.text("password_command", None),
        token_command=r.text("token_command", None),
        auth=r.choice("auth", kinds, "") if r.has("auth") else "",
    )
    if len(sources) != 1:
        found = ", ".join(sources) if sources else "none"
        r.problems.append(
            Problem(
                r.key("password_env"),
                f"expected exactly one of password_env, password_command, token_command, "
                f"auth, got {found}",
            )
        )
    return secret


def _security(r: TableReader, default: str) -> tuple[str, str]:
    host = r.text("host")
    security = r.choice("security", ("tls", "starttls", "plain"), default)
    if security == "plain" and host not in LOOPBACK_HOSTS:
        r.problems.append(
            Problem(r.key("security"), f'"plain" is allowed only to loopback, not to {host!r}')
        )
    return host, security


def _imap(r: TableReader) -> Imap:
    host, security = _security(r, "tls")
    imap = Imap(
        host=host,
        port=r.integer("port", 1, 65535, 993),
        security=security,
        user=r.text("user"),
        secret=_secret(r),
        folder=r.text("folder", "INBOX"),
        watch=r.choice("watch", ("flag", "folder"), "flag"),
        watch_flag=r.text("watch_flag", "\\Flagged"),
        processed_keyword=r.text("processed_keyword", "ConductLogged"),
        sent_folder=r.text("sent_folder", "Sent"),
        ca_file=r.file("ca_file", Path.cwd()),
        poll_seconds=r.integer("poll_seconds", 5, 3600, 60),
        idle_seconds=r.integer("idle_seconds", 30, 1740, 1500),
    )
    r.finish()
    return imap


def _smtp(r: TableReader) -> Smtp:
    host, security = _security(r, "starttls")
    smtp = Smtp(
        host=host,
        port=r.integer("port", 1, 65535, 587),
        security=security,
        user=r.text("user", ""),
        secret=_secret(r, relay=True),
        from_address=r.text("from_address"),
        from_name=r.text("from_name", "School Office"),
        cc=r.texts("cc", []),
        ca_file=r.file("ca_file", Path.cwd()),
        timeout_seconds=r.integer("timeout_seconds", 5, 600, 60),
    )
    r.finish()
    return smtp


def parse_mail(r: TableReader, base: Path) -> Mail:
    """Read ``[mail]`` with its ``imap``, ``smtp`` and ``oauth`` tables."""
    mail = Mail(
        imap=_imap(r.sub("imap", required=True)),
        smtp=_smtp(r.sub("smtp", required=True)),
        attachment_limit_mb=r.integer("attachment_limit_mb", 1, 1024, 25),
        oauth=parse_oauth(r.sub("oauth"), base) if r.has("oauth") else None,
    )
    for name, server in (("imap", mail.imap), ("smtp", mail.smtp)):
        if server.secret.auth == "oauth" and mail.oauth is None:
            r.problems.append(
                Problem(
                    r.key(f"{name}.auth"),
                    'expected a [mail.oauth] table with auth = "oauth" '
                    "(conduct mail connect writes it)",
                )
            )
    if not mail.smtp.user and mail.smtp.secret.auth != "none":
        r.bad("smtp.user", 'a string (only a relay with auth = "none" needs no user)')
    r.finish()
    return mail
