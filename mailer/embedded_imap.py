"""A throwaway IMAP server for the demo and tests: pymap's in-memory "dict" backend on loopback.

Usage::

    with EmbeddedImap.start(user="office", password="demo-pass") as server:
        deliver(server.host, server.port, "office", "demo-pass", raw_bytes, flags=["\\\\Flagged"])
        settings = server.imap_settings(password_env="CONDUCT_IMAP_PASSWORD")

Users: the dict backend knows exactly one user, the one given at start (pymap's
``--demo-user``/``--demo-password``); its mail lives in memory and vanishes when the
process stops. For a second user, start a second server. (pymap can add users through
its gRPC admin service, but that needs extra packages we do not install.)

Delivering mail: there is no SMTP side; ``deliver`` APPENDs raw bytes with flags, which
is exactly what a mail client does when a member of staff drags a message in.

Keywords: pymap's PERMANENTFLAGS has no ``\\*``, so it silently drops keywords such as
ConductLogged; the daemon must rely on its own record of UIDVALIDITY+UID there.

The child runs ``python -m mailer.embedded_imap``; the password reaches it through the
environment, never the command line (which any local user can read).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import field
from datetime import datetime
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient

from casework.mailconfig import Imap, Secret
from casework.record import record

_PASSWORD_ENV = "CONDUCT_EMBEDDED_IMAP_PASSWORD"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_imap(host: str, port: int, timeout: float = 15.0) -> None:
    """Block until an IMAP greeting (``* OK``) arrives; raise TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1.0) as s:
                greeting = s.recv(1024)
                if greeting.startswith(b"* OK"):
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise TimeoutError(f"no IMAP server answered on {host}:{port} within {timeout:g} s ({last})")


@record
class EmbeddedImap:
    """A running pymap child process; stop it with ``stop()`` or by leaving a ``with`` block."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    process: subprocess.Popen[bytes] = field(repr=False, compare=False)

    @classmethod
    def start(
        cls,
        *,
        user: str = "office",
        password: str = "demo-pass",
        host: str = "127.0.0.1",
        port: int | None = None,
        log_path: Path | None = None,
        startup_timeout: float = 20.0,
    ) -> EmbeddedImap:
        """Start the server and wait until it greets; raise RuntimeError if it dies first."""
        chosen = port if port is not None else free_port(host)
        env = dict(os.environ)
        env[_PASSWORD_ENV] = password
        log = open(log_path, "ab") if log_path is not None else subprocess.DEVNULL  # noqa: SIM115
        try:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "mailer.embedded_imap",
                    "--host",
                    host,
                    "--port",
                    str(chosen),
                    "--user",
                    user,
                ],  # fmt: skip
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()  # type: ignore[union-attr]
        server = cls(host, chosen, user, password, proc)
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the embedded IMAP server exited with status {proc.returncode} "
                    f"(port {chosen} in use?{' see ' + str(log_path) if log_path else ''})"
                )
            try:
                wait_for_imap(host, chosen, timeout=min(1.0, deadline - time.monotonic()))
                return server
            except TimeoutError:
                if time.monotonic() >= deadline:
                    server.stop()
                    raise

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the child, killing it if it does not stop in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)

    def __enter__(self) -> EmbeddedImap:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def imap_settings(self, password_env: str, **overrides: object) -> Imap:
        """Config for connecting to this server (plain text, which is allowed to loopback)."""
        base: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "security": "plain",
            "user": self.user,
            "secret": Secret(password_env=password_env),
            "poll_seconds": 5,
        }
        base.update(overrides)
        return Imap(**base)  # type: ignore[arg-type]


def deliver(
    host: str,
    port: int,
    user: str,
    password: str,
    raw: bytes,
    *,
    flags: Sequence[str] = (),
    folder: str = "INBOX",
    when: datetime | None = None,
) -> int | None:
    """APPEND one message with flags over plain IMAP to loopback; return its UID if told."""
    with IMAPClient(host, port=port, ssl=False, timeout=30) as client:
        client.login(user, password)
        if not client.folder_exists(folder):
            client.create_folder(folder)
        reply = client.append(folder, raw, flags=tuple(flags), msg_time=when)
    # "[APPENDUID <uidvalidity> <uid>] ..." (UIDPLUS) tells us the new message's UID.
    text = reply.decode("ascii", "replace") if isinstance(reply, bytes) else str(reply)
    if "APPENDUID" in text:
        try:
            return int(text.split("APPENDUID", 1)[1].split("]")[0].split()[1])
        except (IndexError, ValueError):
            return None
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """Child-process entry point: run pymap's dict backend until SIGTERM."""
    parser = argparse.ArgumentParser(description="Run pymap's in-memory IMAP server on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="office")
    args = parser.parse_args(argv)
    password = os.environ.get(_PASSWORD_ENV)
    if not password:
        parser.error(f"set {_PASSWORD_ENV} to the user's password")
    from pymap.main import main as pymap_main

    # pymap reads sys.argv; changing it here does not change what `ps` shows.
    sys.argv = ["pymap", "--host", args.host, "--port", str(args.port), "--no-tls",
                "dict", "--demo-user", args.user, "--demo-password", password]  # fmt: skip
    pymap_main()


if __name__ == "__main__":
    main()
