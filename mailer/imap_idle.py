"""IDLE without trusting imapclient's ``idle_check``, and the small waits around it.

imapclient's ``idle_check`` reads lines from a non-blocking socket, so a response split
across TCP reads is lost or raises "unterminated line" (imapclient issue #519), and at EOF
it returns ``[]`` forever (issue #565). We only wait for the socket to become readable, end
IDLE with a blocking read, and then ask the server with a real UID SEARCH.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from contextlib import suppress
from enum import StrEnum
from typing import Any

from mailer.errors import ImapProtocolError
from mailer.imap_types import as_text

# How often a wait looks at the stop Event; also bounds how late a stop is noticed.
STOP_CHECK_SECONDS = 0.25
_NEWS = ("EXISTS", "RECENT", "FETCH", "EXPUNGE", "VANISHED")


class WaitResult(StrEnum):
    """Why a wait ended: the server said something, time ran out, or we were asked to stop."""

    ACTIVITY = "activity"
    TIMEOUT = "timeout"
    STOPPED = "stopped"


def start_idle(imap: Any) -> tuple[Any, bool]:
    """Send IDLE; return its tag and whether the server had news before "+ idling"."""
    tag = imap._command("IDLE")
    early = False
    while True:
        # Untagged lines may come before the "+ idling" continuation (Dovecot sends the
        # changes since our last command there); they are news, so the wait is over.
        resp = imap._get_response()
        if imap.tagged_commands.get(tag):
            typ, data = imap.tagged_commands.pop(tag)
            raise ImapProtocolError(f"IDLE refused: {typ} {as_text(data[0]) if data else ''}")
        if resp is None:
            return tag, early or take_news(imap)
        early = True


def wait_readable(
    imap: Any, sock: socket.socket, seconds: float, stop: threading.Event | None
) -> WaitResult:
    """Wait in IDLE until the server writes, ``seconds`` pass, or ``stop`` is set."""
    deadline = time.monotonic() + seconds
    while True:
        if has_buffered_input(imap, sock):
            return WaitResult.ACTIVITY
        if stop is not None and stop.is_set():
            return WaitResult.STOPPED
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return WaitResult.TIMEOUT
        readable, _, _ = select.select([sock], [], [], min(remaining, STOP_CHECK_SECONDS))
        if readable:
            return WaitResult.ACTIVITY


def end_idle(imap: Any, tag: Any) -> None:
    """Send DONE and read up to IDLE's tagged answer: the proof that the server still answers."""
    try:
        imap.send(b"DONE\r\n")
    except OSError:
        # The server hung up; read what it said first (a BYE naming the reason).
        with suppress(Exception):
            while True:
                imap._get_response()
        raise
    # Blocking reads (with the socket's timeout) handle responses split across TCP segments
    # correctly, and a server that no longer answers times out here. The lines are not
    # parsed beyond imaplib's framing because we never use their content.
    while not imap.tagged_commands.get(tag):
        imap._get_response()
    typ, data = imap.tagged_commands.pop(tag)
    # imaplib keeps every untagged response (EXISTS, FETCH ...) until someone asks for
    # it; nobody will, so drop them rather than let a long-lived session grow.
    imap.untagged_responses.clear()
    if typ != "OK":
        raise ImapProtocolError(f"IDLE ended with {typ} {as_text(data[0]) if data else ''}")


def has_buffered_input(imap: Any, sock: socket.socket) -> bool:
    """True if bytes already sit in imaplib's read buffer or the TLS layer, where select misses them."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    previous = sock.gettimeout()
    sock.settimeout(0.0)
    try:
        # peek never consumes: whatever it pulls from the socket stays in the buffer for imaplib.
        return bool(imap.file.peek(1))
    except (BlockingIOError, ssl.SSLWantReadError, InterruptedError):
        return False
    except OSError:
        # The link is broken: report activity so ending IDLE surfaces the real error.
        return True
    finally:
        sock.settimeout(previous)


def take_news(imap: Any) -> bool:
    """Whether imaplib holds untagged mailbox news; clears what it holds either way."""
    news = any(imap.untagged_responses.get(kind) for kind in _NEWS)
    imap.untagged_responses.clear()
    return news


def sleep_or_stop(seconds: float, stop: threading.Event | None) -> bool:
    """Sleep, waking early if stop is set; True when stopped."""
    if stop is None:
        time.sleep(max(0.0, seconds))
        return False
    return stop.wait(max(0.0, seconds))
