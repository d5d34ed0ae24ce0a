"""A loopback IMAP proxy that ends sessions the way Exchange Online does when a token expires.

Exchange checks the access token of a session and, once it has expired, sends
``* BYE Session invalidated - AccessTokenExpired`` and hangs up, even in the middle of
IDLE. Dovecot keeps a session whatever its token, so this proxy does it: it reads the
XOAUTH2 response each client sends, takes the token's ``exp``, and at that moment injects
the BYE. ``inject_bye()`` does it at once, for a test.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field

import jwt

BYE = b"* BYE Session invalidated - AccessTokenExpired\r\n"


@dataclass
class _Link:
    client: socket.socket
    server: socket.socket
    expires: float | None = None  # wall-clock exp of the token this session logged in with
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class ExchangeProxy:
    """Forward 127.0.0.1:``port`` to an IMAP server, dropping sessions whose token expired."""

    def __init__(
        self, upstream_host: str, upstream_port: int, *, enforce_expiry: bool = True
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.enforce_expiry = enforce_expiry
        self.byes_sent = 0
        self.sessions = 0
        self._links: list[_Link] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = "127.0.0.1", int(self._listener.getsockname()[1])
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()
        threading.Thread(target=self._expire, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            link = _Link(client, server)
            self._links.append(link)
            self.sessions += 1
            threading.Thread(target=self._from_client, args=(link,), daemon=True).start()
            threading.Thread(target=self._from_server, args=(link,), daemon=True).start()

    def _from_client(self, link: _Link) -> None:
        buf = b""
        with contextlib.suppress(OSError):
            while data := link.client.recv(65536):
                buf = (buf + data)[-65536:]
                while b"\r\n" in buf:
                    line, buf = buf.split(b"\r\n", 1)
                    self._look_for_token(link, line)
                link.server.sendall(data)
        self._close(link)

    def _look_for_token(self, link: _Link, line: bytes) -> None:
        # The XOAUTH2 response is one base64 line: user=...^Aauth=Bearer TOKEN^A^A.
        try:
            decoded = base64.b64decode(line.split(b" ")[-1], validate=True)
        except (binascii.Error, ValueError):
            return
        if b"auth=Bearer " not in decoded:
            return
        token = decoded.split(b"auth=Bearer ", 1)[1].split(b"\x01", 1)[0].decode()
        try:
            exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
        except jwt.PyJWTError:
            return
        link.expires = float(exp) if exp is not None else None

    def _from_server(self, link: _Link) -> None:
        with contextlib.suppress(OSError):
            while data := link.server.recv(65536):
                with link.lock:
                    if link.closed:
                        return
                    link.client.sendall(data)
        self._close(link)

    def _expire(self) -> None:
        while not self._stopped.wait(0.2):
            if not self.enforce_expiry:
                continue
            now = time.time()  # the token's exp is wall-clock time, as the server's check is
            for link in list(self._links):
                if not link.closed and link.expires is not None and now >= link.expires:
                    self._bye(link)

    def _bye(self, link: _Link) -> None:
        with link.lock:
            if link.closed:
                return
            with contextlib.suppress(OSError):
                link.client.sendall(BYE)
            self.byes_sent += 1
            link.closed = True
        self._close(link)

    def inject_bye(self) -> int:
        """Send every open session the BYE now (as during IDLE); return how many got it."""
        live = [link for link in self._links if not link.closed]
        for link in live:
            self._bye(link)
        return len(live)

    def open_sessions(self) -> int:
        """Sessions still connected."""
        return sum(1 for link in self._links if not link.closed)

    @staticmethod
    def _close(link: _Link) -> None:
        link.closed = True
        for s in (link.client, link.server):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()

    def close(self) -> None:
        """Stop accepting and close every session."""
        self._stopped.set()
        self._listener.close()
        for link in self._links:
            self._close(link)
