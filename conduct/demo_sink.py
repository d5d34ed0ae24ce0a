"""The demo's SMTP server: accepts the school's letters on loopback and keeps each as a file."""

from __future__ import annotations

import itertools
import logging
import warnings
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


class _Keep:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.numbers = itertools.count(len(list(folder.glob("*.eml"))) + 1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        data = (
            envelope.content
            if isinstance(envelope.content, bytes)
            else str(envelope.content).encode()
        )
        path = self.folder / f"{next(self.numbers):04d}.eml"
        path.write_bytes(data)
        return "250 Message accepted for delivery"


class MailSink:
    """aiosmtpd on 127.0.0.1 with one login; every message lands in ``folder`` as NNNN.eml."""

    def __init__(self, folder: Path, port: int, user: str, password: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = port
        self._user, self._password = user, password

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (
                data.login.decode(),
                data.password.decode(),
            ) == (user, password)
            return AuthResult(success=ok, handled=ok)

        self._controller = Controller(
            _Keep(folder),
            hostname="127.0.0.1",
            port=port,
            authenticator=authenticate,
            auth_required=True,
            # Plain-text AUTH only because this server listens on loopback for the demo.
            auth_require_tls=False,
        )

    def start(self) -> MailSink:
        """Start listening."""
        with warnings.catch_warnings():
            # aiosmtpd warns (and logs) about AUTH without TLS: right in general, moot on loopback.
            warnings.simplefilter("ignore", UserWarning)
            logging.getLogger("mail.log").setLevel(logging.ERROR)
            self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()
