"""A loopback TCP proxy that can split every server reply in two with a pause between halves.

This reproduces, on a real connection, the condition behind imapclient issue #519: an
IMAP response arriving in two TCP segments some time apart.
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
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, from_server: bool) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
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
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()
