"""The IMAP side of the daemon: connect, find flagged-unprocessed mail, fetch it, mark it, wait.

Rules this module keeps (see DESIGN.md, "Mail"):

- messages are read with ``BODY.PEEK[]``; we never set \\Seen, move, delete or unflag;
- our only mark on an incoming message is the processed keyword, and only where
  PERMANENTFLAGS says keywords stick (pymap's dict backend silently drops them);
- IDLE payloads are never parsed (``mailer.imap_idle`` says why);
- a connection that stops carrying traffic (a NAT or firewall dropping it) is noticed:
  TCP keepalive on the socket, IDLE re-issued every ``LIVENESS_SECONDS`` so the server must
  answer DONE within the response timeout, and ``last_answer_mono`` for the health record;
- big messages are fetched in chunks straight into a file (``mailer.imap_fetch``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from types import TracebackType
from typing import Any

from imapclient import IMAPClient
from imapclient import exceptions as imap_exc

from casework.mailconfig import LOOPBACK_HOSTS, Imap
from mailer import imap_fetch, imap_sent
from mailer.credentials import Credential, resolve
from mailer.errors import (
    ImapLoginError,
    ImapNetworkError,
    ImapProtocolError,
    ImapTokenExpired,
)
from mailer.imap_idle import (
    WaitResult,
    end_idle,
    sleep_or_stop,
    start_idle,
    take_news,
    wait_readable,
)
from mailer.imap_types import (
    FetchedMessage,
    FolderState,
    as_text,
    search_criteria,
    ssl_context,
    text_of,
    translated,
)
from mailer.signin_errors import Who, explain_imap

__all__ = [
    "FetchedMessage",
    "FolderState",
    "ImapSession",
    "WaitResult",
    "connect",
    "search_criteria",
    "ssl_context",
]

# RFC 2177: clients must re-issue IDLE at least every 29 minutes or risk being logged out.
MAX_IDLE_SECONDS = 29 * 60
# IDLE is ended and re-issued at least this often, so that a connection silently dropped on
# the way (NAT, firewall) is noticed within two minutes: DONE must be answered within the
# response timeout, or the connection is dead.
LIVENESS_SECONDS = 60.0
# How long any command (DONE included) may wait for the server's answer.
RESPONSE_TIMEOUT_SECONDS = 30.0
# TCP keepalive: probes after a minute without traffic, every 15 s, four unanswered = dead.
KEEPALIVE = (60, 15, 4)
FETCH_BATCH = 10


def connect(
    settings: Imap,
    *,
    credential: Credential | None = None,
    timeout: float = RESPONSE_TIMEOUT_SECONDS,
    use_idle: bool | None = None,
    liveness: float = LIVENESS_SECONDS,
) -> ImapSession:
    """Open, secure and log in; raise ImapLoginError, ImapNetworkError or SecretError.

    ``credential`` defaults to resolving ``settings.secret``; ``use_idle=False`` forces polling.
    """
    cred = credential if credential is not None else resolve(settings.user, settings.secret)
    where = f"IMAP {settings.host}:{settings.port}"
    if settings.security == "plain" and settings.host not in LOOPBACK_HOSTS:
        # The config loader refuses this too; checked again because settings can be built in code.
        raise ImapProtocolError(f'{where}: "plain" is allowed only to loopback')
    if settings.security not in ("tls", "starttls", "plain"):
        raise ImapProtocolError(f"{where}: unknown security {settings.security!r}")
    client: IMAPClient | None = None
    with translated(where):
        try:
            context = None if settings.security == "plain" else ssl_context(settings.ca_file)
            client = IMAPClient(
                settings.host,
                port=settings.port,
                ssl=settings.security == "tls",
                ssl_context=context,
                timeout=timeout,
            )
            keepalive(client.socket())
            if settings.security == "starttls":
                if not client.has_capability("STARTTLS"):
                    raise ImapProtocolError(f"{where}: the server does not offer STARTTLS")
                client.starttls(context)
            try:
                if cred.oauth:
                    client.oauth2_login(cred.user, cred.value)
                else:
                    client.login(cred.user, cred.value)
            except imap_exc.LoginError as exc:
                reply = text_of(exc)
                hint = explain_imap(reply, Who(cred.user), oauth=cred.oauth)
                said = f"the server refused the login: {reply}"
                raise ImapLoginError(
                    f"{where}: {hint} ({said})" if hint else f"{where}: {said}"
                ) from exc
            # Keep the server's time zone: INTERNALDATE is evidence of when a message arrived.
            client.normalise_times = False
        except BaseException:
            if client is not None:
                _close_quietly(client)
            raise
    session = ImapSession(
        client, settings, use_idle=use_idle, liveness=liveness, response_timeout=timeout
    )
    session.renew_at_mono = cred.renew_at_mono
    return session


def keepalive(sock: socket.socket) -> None:
    """TCP keepalive on the socket: keeps NAT state alive and lets the kernel see a dead peer."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    idle, interval, count = KEEPALIVE
    # Linux names; other systems keep their defaults (the IDLE cycle still notices).
    for name, value in (
        ("TCP_KEEPIDLE", idle),
        ("TCP_KEEPINTVL", interval),
        ("TCP_KEEPCNT", count),
    ):
        option = getattr(socket, name, None)
        if option is not None:
            with suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, option, value)


def _close_quietly(client: IMAPClient) -> None:
    # The connection is being thrown away; a failure to close it has nothing to tell us.
    with suppress(Exception):
        client.shutdown()


class ImapSession:
    """A logged-in connection; after an ImapNetworkError it is dead: close it and connect again."""

    def __init__(
        self,
        client: IMAPClient,
        settings: Imap,
        *,
        use_idle: bool | None = None,
        liveness: float = LIVENESS_SECONDS,
        response_timeout: float = RESPONSE_TIMEOUT_SECONDS,
    ) -> None:
        self._client = client
        self._response_timeout = response_timeout
        self._settings = settings
        self._liveness = liveness
        # When the server last answered us (time.monotonic()): it just did, at login.
        self.last_answer_mono = time.monotonic()
        self._state: FolderState | None = None
        self._broken = False
        caps = client.capabilities()
        self._capabilities = frozenset(as_text(c).upper() for c in caps)
        self._use_idle = ("IDLE" in self._capabilities) if use_idle is None else use_idle
        self._where = f"IMAP {settings.host}:{settings.port}"
        # When the OAuth token we logged in with is due for renewal: log in again before then.
        self.renew_at_mono: float | None = None

    def __enter__(self) -> ImapSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def capabilities(self) -> frozenset[str]:
        """Capabilities after login, upper-cased (``IDLE``, ``UIDPLUS`` ...)."""
        return self._capabilities

    @property
    def uses_idle(self) -> bool:
        """True when waits use IDLE; False means polling every ``poll_seconds``."""
        return self._use_idle

    @property
    def state(self) -> FolderState | None:
        """The selected watch folder, or None before ``select``."""
        return self._state

    @property
    def client(self) -> IMAPClient:
        """The imapclient connection, for this package's helpers (use inside ``op``)."""
        return self._client

    @property
    def settings(self) -> Imap:
        """The [mail.imap] settings this session was opened with."""
        return self._settings

    @property
    def answer_within(self) -> float:
        """The longest a healthy session goes without hearing from the server, in seconds."""
        if self._use_idle:
            period = min(float(self._settings.idle_seconds), MAX_IDLE_SECONDS, self._liveness)
        else:
            period = float(self._settings.poll_seconds)
        return period + self._response_timeout

    @contextmanager
    def op(self, what: str) -> Iterator[None]:
        """Run IMAP commands: errors become ours, and a success records that the server answered."""
        if self._broken:
            raise ImapNetworkError(f"{self._where}: connection already lost; reconnect")
        try:
            with translated(f"{self._where} {what}"):
                yield
            self.last_answer_mono = time.monotonic()
        except ImapNetworkError as exc:
            self._broken = True
            bye = self._bye(exc)
            if "accesstokenexpired" in bye.lower():
                # Exchange ends a session whose token has expired; that is a sign-in event.
                raise ImapTokenExpired(
                    f"{self._where}: the server ended the session: {bye}"
                ) from exc
            raise

    def _bye(self, exc: BaseException) -> str:
        """The server's BYE text, if it said why it hung up."""
        byes = self._client._imap.untagged_responses.get("BYE") or []
        texts = [as_text(b) for b in byes if b]
        return " ".join([*texts, str(exc)])

    def close(self) -> None:
        """Log out politely if we can; never raises."""
        if not self._broken:
            try:
                self._client.logout()
                return
            except Exception:  # logout after trouble is best effort.
                pass
        _close_quietly(self._client)
        self._broken = True

    def select(self, folder: str | None = None) -> FolderState:
        """Select the watch folder (read-write, for the keyword) and read UIDVALIDITY."""
        name = folder if folder is not None else self._settings.folder
        with self.op(f"SELECT {name}"):
            info = self._client.select_folder(name)
        # What SELECT reported is the state we start from, not news to wake a wait.
        self._client._imap.untagged_responses.clear()
        self._state = self._folder_state(name, info)
        return self._state

    def reselect(self, folder: str) -> FolderState:
        """Select a folder again after looking elsewhere (inside an ``op``)."""
        info = self._client.select_folder(folder)
        self._state = self._folder_state(folder, info)
        return self._state

    def _folder_state(self, name: str, info: dict[bytes, Any]) -> FolderState:
        kw = self._settings.processed_keyword
        perm = info.get(b"PERMANENTFLAGS")
        if perm is None:
            # RFC 3501 7.1: without PERMANENTFLAGS, the FLAGS list is what may be stored.
            allowed = kw.lower() in {as_text(f).lower() for f in info.get(b"FLAGS", ())}
        else:
            names = {as_text(f).lower() for f in perm}
            allowed = "\\*" in names or kw.lower() in names
        uidnext = info.get(b"UIDNEXT")
        return FolderState(
            folder=name,
            uidvalidity=int(info[b"UIDVALIDITY"]),
            uidnext=int(uidnext) if uidnext is not None else None,
            exists=int(info.get(b"EXISTS", 0)),
            keywords_allowed=allowed,
        )

    def selected(self) -> FolderState:
        """The selected folder; ImapProtocolError before ``select``."""
        return self._selected()

    def _selected(self) -> FolderState:
        if self._state is None:
            raise ImapProtocolError(f"{self._where}: no folder selected; call select() first")
        return self._state

    def search_pending(self) -> list[int]:
        """UIDs carrying the watch flag and lacking the processed keyword, oldest first."""
        state = self._selected()
        criteria = search_criteria(
            self._settings.watch_flag,
            self._settings.processed_keyword,
            watch=self._settings.watch,
            keywords=state.keywords_allowed,
        )
        with self.op("UID SEARCH"):
            # Messages another client added since our last command are not in our view of
            # the mailbox until the server syncs it; NOOP makes it do so before we search.
            self._client.noop()
            uids = self._client.search(criteria)
        # The search has seen everything reported so far; only later news should end a wait.
        self._client._imap.untagged_responses.clear()
        return sorted(int(u) for u in uids)

    def fetch(self, uids: Sequence[int], batch_size: int = FETCH_BATCH) -> Iterator[FetchedMessage]:
        """Fetch raw bytes, INTERNALDATE and FLAGS in small batches, without setting \\Seen."""
        return imap_fetch.fetch_whole(self, uids, batch_size)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """Each message's size in bytes (RFC822.SIZE); a message expunged meanwhile is left out."""
        return imap_fetch.sizes(self, uids)

    def fetch_into(
        self, uid: int, write: Callable[[bytes], object], chunk: int = imap_fetch.CHUNK_BYTES
    ) -> FetchedMessage | None:
        """Fetch one message in chunks, each handed to ``write``; its ``raw`` is empty."""
        return imap_fetch.fetch_into(self, uid, write, chunk)

    def mark_processed(self, uids: Sequence[int]) -> bool:
        """Add the processed keyword (+FLAGS.SILENT); False when the server cannot keep keywords."""
        state = self._selected()
        if not uids:
            return True
        if not state.keywords_allowed:
            return False
        search_criteria(self._settings.watch_flag, self._settings.processed_keyword)
        with self.op("UID STORE"):
            self._client.add_flags(list(uids), [self._settings.processed_keyword], silent=True)
        return True

    def noop(self) -> None:
        """Ask the server for news and prove the connection is alive."""
        with self.op("NOOP"):
            self._client.noop()

    def wait(self, timeout: float | None = None, stop: threading.Event | None = None) -> WaitResult:
        """Block until the server may have news, ``timeout`` passes, or ``stop`` is set.

        With IDLE the wait is capped at ``idle_seconds`` (<= 29 min) and at the liveness
        period, and ends early on any server output; without IDLE it sleeps ``poll_seconds``
        and sends NOOP. Either way the caller should search again afterwards.
        """
        self._selected()
        if self._use_idle:
            limit = min(float(self._settings.idle_seconds), MAX_IDLE_SECONDS, self._liveness)
            return self._idle(min(timeout, limit) if timeout is not None else limit, stop)
        limit = float(self._settings.poll_seconds)
        period = min(timeout, limit) if timeout is not None else limit
        if sleep_or_stop(period, stop):
            return WaitResult.STOPPED
        self.noop()
        return WaitResult.TIMEOUT

    def _idle(self, seconds: float, stop: threading.Event | None) -> WaitResult:
        imap = self._client._imap
        with self.op("IDLE"):
            # News that came with our last commands (another client's STORE or APPEND) will
            # not be announced again in IDLE: search again at once instead of waiting.
            if take_news(imap):
                return WaitResult.ACTIVITY
            tag, early = start_idle(imap)
            try:
                if early:
                    result = WaitResult.ACTIVITY
                else:
                    result = wait_readable(imap, self._client.socket(), seconds, stop)
            finally:
                end_idle(imap, tag)
        return result

    # --- the Sent folder, for sending at most once (mailer.imap_sent) ---

    def special_folder(self, use: str = "\\Sent") -> str | None:
        """The folder carrying a SPECIAL-USE attribute (RFC 6154), e.g. \\Sent; or a usual name."""
        return imap_sent.special_folder(self, use)

    def append_sent(self, raw: bytes, when: datetime | None = None) -> None:
        """Store a copy of a letter we sent in the Sent folder (created if missing), marked \\Seen."""
        imap_sent.append_sent(self, raw, when)

    def find_sent(self, message_id: str) -> bool:
        """True if the Sent folder holds a message with exactly this Message-ID header."""
        return imap_sent.find_sent(self, message_id)
