"""A loopback TCP proxy that can split every server reply in two, or go silent.

Splitting reproduces, on a real connection, the condition behind imapclient issue #519: an
IMAP response arriving in two TCP segments some time apart. ``go_silent`` is a NAT or
firewall that forgets a connection: what was open stops carrying anything, either way,
without being closed; new connections work as before.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class SplittingProxy:
    """Forward 127.0.0.1:``port`` to an upstream server; ``split`` toggles the splitting."""

    def __init__(self, upstream_host: str, upstream_port: int, pause: float = 0.3) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.pause = pause
        self.split = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = "127.0.0.1", int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._stopped = False
        self._silenced: set[int] = set()  # ids of connections that carry nothing any more
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets += [client, server]
                link = len(self._sockets)
            args = (client, server, False, link)
            threading.Thread(target=self._pump, args=args, daemon=True).start()
            args = (server, client, True, link)
            threading.Thread(target=self._pump, args=args, daemon=True).start()

    def go_silent(self) -> int:
        """Every connection open now stops forwarding (and nothing tells either end)."""
        with self._lock:
            links = {n for n in range(2, len(self._sockets) + 1, 2)}
            self._silenced |= links
        return len(links)

    @property
    def connections(self) -> int:
        """How many connections the proxy has accepted."""
        with self._lock:
            return len(self._sockets) // 2

    def _pump(self, src: socket.socket, dst: socket.socket, from_server: bool, link: int) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                if link in self._silenced:
                    continue  # swallowed: the other end waits for ever
                if from_server and self.split.is_set() and len(data) > 1:
                    cut = len(data) // 2
                    dst.sendall(data[:cut])
                    time.sleep(self.pause)
                    dst.sendall(data[cut:])
                else:
                    dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        """Stop accepting and close every forwarded connection."""
        self._stopped = True
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for s in sockets:
            with contextlib.suppress(OSError):
                s.close()
