"""Resolve a configured Secret into the password or OAuth token, without ever storing it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import field

from casework.mailconfig import Mail, Secret
from casework.record import record
from mailer.errors import SecretError
from mailer.oauth import Now, TokenKeeper, token_source

COMMAND_TIMEOUT_SECONDS = 30.0
# What is kept of a failing command's stderr: one line, this long at most, secrets masked.
STDERR_LINE_LIMIT = 200
# Anything that looks like a token or a password: a long unbroken run of token characters,
# the value after "Bearer", and the value of a key=value or key: value naming a secret.
_LONG_WORD = re.compile(
    r"(?<![A-Za-z0-9._~+/=\-])(?:[A-Za-z0-9._~+/=\-]{24,}"
    r"|(?=[A-Za-z._~+/=\-]*[0-9])(?=[0-9._~+/=\-]*[A-Za-z])[A-Za-z0-9._~+/=\-]{12,})"
    r"(?![A-Za-z0-9._~+/=\-])"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+\S+")
_SECRET_VALUE = re.compile(
    r"(?i)\b([\w-]*(?:pass(?:word|wd)?|secret|token|key|auth\w*|credential)s?)"
    r"(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
)
REDACTED = "[redacted]"


@record
class Credential:
    """A resolved secret: a password for LOGIN/AUTH, or an OAuth2 access token for XOAUTH2."""

    user: str
    value: str = field(repr=False)
    oauth: bool = False
    anonymous: bool = False  # a relay that authorises by address: no AUTH at all
    # An OAuth token's renewal time (time.monotonic()): sign in to IMAP again before it.
    renew_at_mono: float | None = None


class SignIn:
    """Credentials for the IMAP and SMTP servers; one OAuth token, kept and renewed, for both."""

    def __init__(self, mail: Mail, *, clock: Now, environ: Mapping[str, str] | None = None) -> None:
        self.mail = mail
        self._environ = environ
        self.keeper = (
            TokenKeeper(token_source(mail.oauth, clock), clock=clock) if mail.oauth else None
        )

    def imap(self) -> Credential:
        """The credential to log in to IMAP with."""
        return self._for(self.mail.imap.user, self.mail.imap.secret)

    def smtp(self) -> Credential:
        """The credential for SMTP AUTH (``anonymous`` for a relay)."""
        return self._for(self.mail.smtp.user, self.mail.smtp.secret)

    def _for(self, user: str, secret: Secret) -> Credential:
        if secret.auth == "oauth":
            if self.keeper is None:
                raise SecretError('auth = "oauth" needs a [mail.oauth] table')
            token = self.keeper.current()
            return Credential(user, token.value, oauth=True, renew_at_mono=token.renew_at_mono)
        return resolve(user, secret, environ=self._environ)


def resolve(
    user: str,
    secret: Secret,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> Credential:
    """Read the secret from its environment variable or command; raise SecretError if we cannot."""
    env = os.environ if environ is None else environ
    if secret.auth == "none":
        return Credential(user, "", anonymous=True)
    if secret.auth == "oauth":
        raise SecretError('auth = "oauth" takes its tokens from [mail.oauth] (use SignIn)')
    if secret.token_command is not None:
        return Credential(user, _run(secret.token_command, "token_command", timeout), oauth=True)
    if secret.password_command is not None:
        return Credential(user, _run(secret.password_command, "password_command", timeout))
    if secret.password_env is not None:
        value = env.get(secret.password_env)
        if not value:
            raise SecretError(f"environment variable {secret.password_env} is not set or empty")
        return Credential(user, value)
    raise SecretError("no password_env, password_command or token_command is configured")


def _run(command: str, what: str, timeout: float) -> str:
    # No shell: the command line is split like a shell would, but nothing in it is interpreted.
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(f"{what} cannot be split into words: {exc}") from None
    if not argv:
        raise SecretError(f"{what} is empty")
    try:
        done = subprocess.run(
            argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise SecretError(f"{what}: program {argv[0]!r} was not found") from None
    except PermissionError:
        raise SecretError(f"{what}: program {argv[0]!r} is not executable") from None
    except subprocess.TimeoutExpired:
        raise SecretError(f"{what}: {argv[0]!r} did not finish within {timeout:g} s") from None
    if done.returncode != 0:
        # stderr may explain ("token expired"), but it can also echo the token or password:
        # keep its first line only, with anything secret-looking masked. stdout is never shown.
        err = redacted_first_line(done.stderr.decode("utf-8", "replace"))
        detail = f": {err}" if err else ""
        raise SecretError(f"{what}: {argv[0]!r} exited with status {done.returncode}{detail}")
    value = done.stdout.decode("utf-8", "replace").strip()
    if not value:
        raise SecretError(f"{what}: {argv[0]!r} printed nothing")
    return value


def redacted_first_line(text: str) -> str:
    """The first non-empty line of ``text``, secrets masked and cut to STDERR_LINE_LIMIT."""
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    line = "".join(ch if ch.isprintable() else " " for ch in line)
    line = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", line)
    line = _SECRET_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", line)
    line = _LONG_WORD.sub(REDACTED, line)
    if len(line) > STDERR_LINE_LIMIT:
        line = line[: STDERR_LINE_LIMIT - 1] + "…"
    return line
