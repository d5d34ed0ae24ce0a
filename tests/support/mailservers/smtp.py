"""A real aiosmtpd server on loopback that records what it receives and can misbehave on request.

Faults (``Knobs``, each used once): a reply to RCPT, to the DATA command, to the final dot
or to QUIT; silence after the dot (the message kept, as a slow server that delivers it
anyway would); a hang-up after the dot (kept too); a hang-up part way through the DATA.
``reply_delay`` slows every answer to the dot, and ``file_in_sent`` files each accepted
message somewhere, as Microsoft 365 files what it is given in Sent Items.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from casework.mailconfig import Secret, Smtp
from mailer.embedded_imap import free_port


@dataclass(frozen=True)
class Received:
    """One accepted message: the envelope, who logged in, and the exact bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    login: str | None


@dataclass
class Knobs:
    """What the server does with the next message; each knob is used once and reset."""

    reply_next: str | None = None  # the answer to the final dot, e.g. "421 4.3.2 Try later"
    drop_next_in_data: bool = False  # hang up after the first line of DATA
    auth_reply_next: str | None = None  # e.g. "535 5.7.139 Authentication unsuccessful, ..."
    rcpt_reply_next: str | None = None  # the answer to the next RCPT
    data_command_reply_next: str | None = None  # the answer to the DATA command itself
    quit_reply_next: str | None = None  # the answer to QUIT, e.g. "421 4.4.2 Closing"
    silent_after_dot_next: bool = False  # keep the message, never answer the dot
    hangup_after_dot_next: bool = False  # keep the message, hang up instead of answering
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, name: str) -> Any:
        """Read a knob and reset it, atomically."""
        with self.lock:
            value = getattr(self, name)
            setattr(self, name, False if isinstance(value, bool) else None)
            return value

    def take_auth_reply(self) -> str | None:
        reply: str | None = self.take("auth_reply_next")
        return reply

    def take_reply(self) -> str | None:
        reply: str | None = self.take("reply_next")
        return reply

    def take_drop(self) -> bool:
        return bool(self.take("drop_next_in_data"))


class _Handler:
    def __init__(self, server: RecordingSmtp) -> None:
        self.server = server

    async def handle_MAIL(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self.server.knobs.lock:
            self.server.transactions += 1
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply: str | None = self.server.knobs.take("rcpt_reply_next")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        reply: str | None = self.server.knobs.take("quit_reply_next")
        return reply or "221 Bye"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        reply = self.server.knobs.take_reply()
        if reply is not None:
            return reply
        login = session.login_data.decode() if isinstance(session.login_data, bytes) else None
        received = Received(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.original_content or b""),
            login=login,
        )
        # The server has the letter now (it is delivered even if the client never hears so).
        self.server.messages.append(received)
        if self.server.file_in_sent is not None:
            # On the loop itself, so that the client's hanging up cannot cancel it: filing is
            # part of taking the letter, as it is for Microsoft 365.
            self.server.file_in_sent(received.data)
        if self.server.reply_delay:
            await asyncio.sleep(self.server.reply_delay)
        if self.server.knobs.take("hangup_after_dot_next"):
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()
            await asyncio.sleep(3600)  # cancelled when the connection goes
        if self.server.knobs.take("silent_after_dot_next"):
            await asyncio.sleep(3600)  # until the client gives up and hangs up
        return "250 2.0.0 OK queued"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        """XOAUTH2 (RFC-less but universal): base64 of ``user=U^Aauth=Bearer T^A^A``."""
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if not isinstance(blob, bytes):
                return AuthResult(success=False)
        else:
            blob = base64.b64decode(args[1])
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if "=" in part)
        user, auth = fields.get("user", ""), fields.get("auth", "")
        token = auth.removeprefix("Bearer ")
        refusal = self.server.knobs.take_auth_reply()
        if refusal is not None:
            await server.push(refusal)
            return AuthResult(success=False, handled=True)
        if self.server.tokens.get(user) == token:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        if self.server.jwt_key is not None:
            # The same check Dovecot's oauth2 passdb makes: signature, expiry, issuer, user.
            try:
                claims = jwt.decode(
                    token,
                    self.server.jwt_key,
                    algorithms=["RS256"],
                    issuer=self.server.jwt_issuer,
                    options={"verify_aud": False},
                )
            except jwt.ExpiredSignatureError:
                await server.push(
                    "535 5.7.3 Authentication unsuccessful: the access token has expired"
                )
                return AuthResult(success=False, handled=True)
            except jwt.PyJWTError:
                await server.push("535 5.7.3 Authentication unsuccessful")
                return AuthResult(success=False, handled=True)
            if str(claims.get("email", "")).lower() == user.lower():
                self.server.xoauth2_logins.append(user)
                return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
            await server.push("535 5.7.3 Authentication unsuccessful")
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False)


class _MisbehavingSMTP(SMTP):
    """aiosmtpd's SMTP, able to hang up after reading part of the DATA."""

    # An XOAUTH2 initial response carries a whole JWT: Exchange takes lines that long.
    line_length_limit = 16384
    command_size_limit = 16384

    def __init__(self, handler: Any, knobs: Knobs, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._knobs = knobs
        # The class-wide default would be aiosmtpd's 512 bytes for every command.
        self.command_size_limits = collections.defaultdict(lambda: self.command_size_limit)

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802
        if self.envelope is not None and self.envelope.rcpt_tos:
            reply: str | None = self._knobs.take("data_command_reply_next")
            if reply is not None:
                await self.push(reply)
                return
        if self.envelope is not None and self.envelope.rcpt_tos and self._knobs.take_drop():
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            # Hang up mid-message, as a crashing or overloaded server would.
            assert isinstance(self.transport, asyncio.Transport)
            self.transport.abort()
            return
        await super().smtp_DATA(arg)


class _Controller(Controller):
    def __init__(self, handler: Any, knobs: Knobs, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._knobs = knobs

    def factory(self) -> SMTP:
        return _MisbehavingSMTP(self.handler, self._knobs, **self.SMTP_kwargs)


class RecordingSmtp:
    """The test SMTP server: ``messages`` fills as letters arrive; ``knobs`` make it fail."""

    def __init__(
        self,
        users: dict[str, str],
        tokens: dict[str, str] | None = None,
        tls_context: ssl.SSLContext | None = None,
        *,
        jwt_key: bytes | None = None,
        jwt_issuer: str = "",
        auth_required: bool = True,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.users = dict(users)
        self.tokens = dict(tokens or {})
        self.messages: list[Received] = []
        self.knobs = Knobs()
        self.transactions = 0  # MAIL FROM commands seen: letters the server began to take
        self.reply_delay = 0.0  # seconds between taking a letter and answering its final dot
        self.file_in_sent: Callable[[bytes], None] | None = None
        self.jwt_key = jwt_key
        self.jwt_issuer = jwt_issuer
        self.xoauth2_logins: list[str] = []
        self.ca_file: str | None = None
        kwargs: dict[str, Any] = {
            "hostname": self.host,
            "port": self.port,
            "authenticator": self._authenticate,
            # A relay that authorises by address takes mail with no AUTH at all.
            "auth_required": auth_required,
            # AUTH over plain text is allowed only because this is loopback in a test.
            "auth_require_tls": tls_context is not None,
            "data_size_limit": 100 * 1024 * 1024,
        }
        if tls_context is not None:
            kwargs["tls_context"] = tls_context
            kwargs["require_starttls"] = True
        self._controller = _Controller(_Handler(self), self.knobs, **kwargs)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.users.get(user) == password:
                return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    def start(self) -> RecordingSmtp:
        """Start the server thread (the Controller waits until it answers)."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop the server thread."""
        self._controller.stop()

    def smtp_settings(
        self,
        password_env: str,
        *,
        user: str | None = None,
        security: str = "plain",
        secret: Secret | None = None,
        **kw: object,
    ) -> Smtp:
        """Config pointing at this server."""
        fields: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "security": security,
            "user": user or next(iter(self.users)),
            "secret": secret or Secret(password_env=password_env),
            "from_address": "office@school.example",
            "from_name": "Hillside Primary School",
            "timeout_seconds": 10,
        }
        fields.update(kw)
        return Smtp(**fields)  # type: ignore[arg-type]
