"""The IMAP side of the daemon: connect, find flagged-unprocessed mail, fetch it, mark it, wait.

Rules this module keeps (see DESIGN.md, "Mail"):

- messages are read with ``BODY.PEEK[]``; we never set \\Seen, move, delete or unflag;
- our only mark on an incoming message is the processed keyword, and only where
  PERMANENTFLAGS says keywords stick (pymap's dict backend silently drops them);
- IDLE payloads are never parsed. imapclient's ``idle_check`` reads lines from a
  non-blocking socket, so a response split across TCP reads is lost or raises
  "unterminated line" (imapclient issue #519), and at EOF it returns ``[]`` forever
  (issue #565). We only wait for the socket to become readable, end IDLE with a
  blocking read, and then ask the server with a real UID SEARCH.
"""

from __future__ import annotations

import imaplib
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any

from imapclient import IMAPClient
from imapclient import exceptions as imap_exc

from casework.config import LOOPBACK_HOSTS, Imap
from mailer.credentials import Credential, resolve
from mailer.errors import (
    ImapError,
    ImapLoginError,
    ImapNetworkError,
    ImapProtocolError,
    ImapTokenExpired,
)
from mailer.signin_errors import Who, explain_imap

# RFC 2177: clients must re-issue IDLE at least every 29 minutes or risk being logged out.
MAX_IDLE_SECONDS = 29 * 60
FETCH_BATCH = 10
# How often a wait looks at the stop Event; also bounds how late a stop is noticed.
STOP_CHECK_SECONDS = 0.25

# System flags have their own SEARCH keys; anything else is searched as KEYWORD.
_SYSTEM_FLAG_SEARCH = {
    "\\flagged": ("FLAGGED", "UNFLAGGED"),
    "\\answered": ("ANSWERED", "UNANSWERED"),
    "\\draft": ("DRAFT", "UNDRAFT"),
}
# A keyword is an IMAP atom: refuse anything that could change the command's meaning.
_ATOM = re.compile(r"^[A-Za-z0-9$_.\-]{1,64}$")
_MESSAGE_ID = re.compile(r"^<[^<>\s\"\\]{1,900}>$")


class WaitResult(StrEnum):
    """Why a wait ended: the server said something, time ran out, or we were asked to stop."""

    ACTIVITY = "activity"
    TIMEOUT = "timeout"
    STOPPED = "stopped"


@dataclass(frozen=True)
class FolderState:
    """What SELECT told us about the watched folder."""

    folder: str
    uidvalidity: int
    uidnext: int | None
    exists: int
    keywords_allowed: bool


@dataclass(frozen=True)
class FetchedMessage:
    """One message as fetched: its identity on the server, raw bytes, arrival time and flags."""

    folder: str
    uidvalidity: int
    uid: int
    raw: bytes
    internaldate: datetime | None
    flags: tuple[str, ...]


def ssl_context(ca_file: object | None) -> ssl.SSLContext:
    """A verifying TLS context; ``ca_file`` adds a private CA (a self-signed school server)."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn imaplib/imapclient/socket exceptions into our three named kinds."""
    try:
        yield
    except ImapError:
        raise
    except imap_exc.LoginError as exc:
        raise ImapLoginError(f"{what}: the server refused the login: {_text(exc)}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise ImapNetworkError(
            f"{what}: the server's TLS certificate could not be verified "
            f"({exc.verify_message}); set ca_file for a private CA"
        ) from exc
    except imaplib.IMAP4.abort as exc:
        # abort is a subclass of error, so it must be caught first: it means the link is gone.
        raise ImapNetworkError(f"{what}: connection lost: {_text(exc)}") from exc
    except (TimeoutError, OSError, EOFError) as exc:
        raise ImapNetworkError(f"{what}: {exc.__class__.__name__}: {exc}") from exc
    except (imaplib.IMAP4.error, imap_exc.IMAPClientError) as exc:
        raise ImapProtocolError(f"{what}: {_text(exc)}") from exc


def _text(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else exc
    if isinstance(arg, bytes):
        return arg.decode("utf-8", "replace")
    return str(arg)


def _s(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def search_criteria(
    watch_flag: str, processed_keyword: str, *, watch: str = "flag", keywords: bool = True
) -> list[str]:
    """The UID SEARCH for watched, not-yet-processed messages, e.g. ``FLAGGED UNKEYWORD X``.

    ``watch="folder"`` takes every message in the folder. Where the server keeps no keywords
    (Exchange Online) UNKEYWORD would match everything anyway: the store knows what is done.
    """
    if not _ATOM.match(processed_keyword):
        raise ImapProtocolError(f"processed_keyword {processed_keyword!r} is not a valid keyword")
    system = _SYSTEM_FLAG_SEARCH.get(watch_flag.lower())
    if watch == "folder":
        keys = ["ALL"]
    elif system is not None:
        keys = [system[0]]
    elif _ATOM.match(watch_flag):
        keys = ["KEYWORD", watch_flag]
    else:
        raise ImapProtocolError(f"watch_flag {watch_flag!r} is not a flag we can search for")
    return [*keys, "UNKEYWORD", processed_keyword] if keywords else keys


def connect(
    settings: Imap,
    *,
    credential: Credential | None = None,
    timeout: float = 30.0,
    use_idle: bool | None = None,
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
    with _translated(where):
        try:
            context = None if settings.security == "plain" else ssl_context(settings.ca_file)
            client = IMAPClient(
                settings.host,
                port=settings.port,
                ssl=settings.security == "tls",
                ssl_context=context,
                timeout=timeout,
            )
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
                reply = _text(exc)
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
    session = ImapSession(client, settings, use_idle=use_idle)
    session.renew_at_mono = cred.renew_at_mono
    return session


def _close_quietly(client: IMAPClient) -> None:
    # The connection is being thrown away; a failure to close it has nothing to tell us.
    with suppress(Exception):
        client.shutdown()


class ImapSession:
    """A logged-in connection; after an ImapNetworkError it is dead: close it and connect again."""

    def __init__(self, client: IMAPClient, settings: Imap, *, use_idle: bool | None = None) -> None:
        self._client = client
        self._settings = settings
        self._state: FolderState | None = None
        self._broken = False
        caps = client.capabilities()
        self._capabilities = frozenset(_s(c).upper() for c in caps)
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

    @contextmanager
    def _op(self, what: str) -> Iterator[None]:
        if self._broken:
            raise ImapNetworkError(f"{self._where}: connection already lost; reconnect")
        try:
            with _translated(f"{self._where} {what}"):
                yield
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
        texts = [_s(b) for b in byes if b]
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
        with self._op(f"SELECT {name}"):
            info = self._client.select_folder(name)
        # What SELECT reported is the state we start from, not news to wake a wait.
        self._client._imap.untagged_responses.clear()
        self._state = self._folder_state(name, info)
        return self._state

    def _folder_state(self, name: str, info: dict[bytes, Any]) -> FolderState:
        kw = self._settings.processed_keyword
        perm = info.get(b"PERMANENTFLAGS")
        if perm is None:
            # RFC 3501 7.1: without PERMANENTFLAGS, the FLAGS list is what may be stored.
            allowed = kw.lower() in {_s(f).lower() for f in info.get(b"FLAGS", ())}
        else:
            names = {_s(f).lower() for f in perm}
            allowed = "\\*" in names or kw.lower() in names
        uidnext = info.get(b"UIDNEXT")
        return FolderState(
            folder=name,
            uidvalidity=int(info[b"UIDVALIDITY"]),
            uidnext=int(uidnext) if uidnext is not None else None,
            exists=int(info.get(b"EXISTS", 0)),
            keywords_allowed=allowed,
        )

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
        with self._op("UID SEARCH"):
            # Messages another client added since our last command are not in our view of
            # the mailbox until the server syncs it; NOOP makes it do so before we search.
            self._client.noop()
            uids = self._client.search(criteria)
        # The search has seen everything reported so far; only later news should end a wait.
        self._client._imap.untagged_responses.clear()
        return sorted(int(u) for u in uids)

    def fetch(self, uids: Sequence[int], batch_size: int = FETCH_BATCH) -> Iterator[FetchedMessage]:
        """Fetch raw bytes, INTERNALDATE and FLAGS in small batches, without setting \\Seen."""
        state = self._selected()
        for start in range(0, len(uids), max(1, batch_size)):
            batch = list(uids[start : start + batch_size])
            with self._op("UID FETCH"):
                data = self._client.fetch(batch, [b"BODY.PEEK[]", b"INTERNALDATE", b"FLAGS"])
            for uid in batch:
                item = data.get(uid)
                # A message expunged by someone else since the search simply is not there.
                if item is None or b"BODY[]" not in item:
                    continue
                yield FetchedMessage(
                    folder=state.folder,
                    uidvalidity=state.uidvalidity,
                    uid=uid,
                    raw=bytes(item[b"BODY[]"]),
                    internaldate=_utc(item.get(b"INTERNALDATE")),
                    flags=tuple(_s(f) for f in item.get(b"FLAGS", ())),
                )

    def mark_processed(self, uids: Sequence[int]) -> bool:
        """Add the processed keyword (+FLAGS.SILENT); False when the server cannot keep keywords."""
        state = self._selected()
        if not uids:
            return True
        if not state.keywords_allowed:
            return False
        search_criteria(self._settings.watch_flag, self._settings.processed_keyword)
        with self._op("UID STORE"):
            self._client.add_flags(list(uids), [self._settings.processed_keyword], silent=True)
        return True

    def noop(self) -> None:
        """Ask the server for news and prove the connection is alive."""
        with self._op("NOOP"):
            self._client.noop()

    def wait(self, timeout: float | None = None, stop: threading.Event | None = None) -> WaitResult:
        """Block until the server may have news, ``timeout`` passes, or ``stop`` is set.

        With IDLE the wait is capped at ``idle_seconds`` (<= 29 min) and ends early on any
        server output; without IDLE it sleeps ``poll_seconds`` and sends NOOP. Either way
        the caller should search again afterwards: the wait carries no information.
        """
        self._selected()
        if self._use_idle:
            limit = min(float(self._settings.idle_seconds), float(MAX_IDLE_SECONDS))
            return self._idle(min(timeout, limit) if timeout is not None else limit, stop)
        limit = float(self._settings.poll_seconds)
        period = min(timeout, limit) if timeout is not None else limit
        if _sleep(period, stop):
            return WaitResult.STOPPED
        self.noop()
        return WaitResult.TIMEOUT

    # --- IDLE without trusting imapclient's idle_check (see module docstring) ---

    def _idle(self, seconds: float, stop: threading.Event | None) -> WaitResult:
        imap = self._client._imap
        with self._op("IDLE"):
            # News that came with our last commands (another client's STORE or APPEND) will
            # not be announced again in IDLE: search again at once instead of waiting.
            if _take_news(imap):
                return WaitResult.ACTIVITY
            tag, early = self._start_idle(imap)
            try:
                result = WaitResult.ACTIVITY if early else self._wait_readable(imap, seconds, stop)
            finally:
                self._end_idle(imap, tag)
        return result

    @staticmethod
    def _start_idle(imap: Any) -> tuple[Any, bool]:
        """Send IDLE; return its tag and whether the server had news before "+ idling"."""
        tag = imap._command("IDLE")
        early = False
        while True:
            # Untagged lines may come before the "+ idling" continuation (Dovecot sends the
            # changes since our last command there); they are news, so the wait is over.
            resp = imap._get_response()
            if imap.tagged_commands.get(tag):
                typ, data = imap.tagged_commands.pop(tag)
                raise ImapProtocolError(f"IDLE refused: {typ} {_s(data[0]) if data else ''}")
            if resp is None:
                return tag, early or _take_news(imap)
            early = True

    def _wait_readable(self, imap: Any, seconds: float, stop: threading.Event | None) -> WaitResult:
        sock = self._client.socket()
        deadline = time.monotonic() + seconds
        while True:
            if _has_buffered_input(imap, sock):
                return WaitResult.ACTIVITY
            if stop is not None and stop.is_set():
                return WaitResult.STOPPED
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return WaitResult.TIMEOUT
            readable, _, _ = select.select([sock], [], [], min(remaining, STOP_CHECK_SECONDS))
            if readable:
                return WaitResult.ACTIVITY

    @staticmethod
    def _end_idle(imap: Any, tag: Any) -> None:
        try:
            imap.send(b"DONE\r\n")
        except OSError:
            # The server hung up; read what it said first (a BYE naming the reason).
            with suppress(Exception):
                while True:
                    imap._get_response()
            raise
        # Blocking reads handle responses split across TCP segments correctly; the lines
        # are not parsed beyond imaplib's framing because we never use their content.
        while not imap.tagged_commands.get(tag):
            imap._get_response()
        typ, data = imap.tagged_commands.pop(tag)
        # imaplib keeps every untagged response (EXISTS, FETCH ...) until someone asks for
        # it; nobody will, so drop them rather than let a long-lived session grow.
        imap.untagged_responses.clear()
        if typ != "OK":
            raise ImapProtocolError(f"IDLE ended with {typ} {_s(data[0]) if data else ''}")

    # --- the Sent folder, for exactly-once sending ---

    def special_folder(self, use: str = "\\Sent") -> str | None:
        """The folder carrying a SPECIAL-USE attribute (RFC 6154), e.g. \\Sent; or a usual name."""
        with self._op("LIST"):
            found = self._client.find_special_folder(use.encode())
        return _s(found) if found is not None else None

    def append_sent(self, raw: bytes, when: datetime | None = None) -> None:
        """Store a copy of a letter we sent in the Sent folder (created if missing), marked \\Seen."""
        folder = self._settings.sent_folder
        with self._op(f"APPEND {folder}"):
            if not self._client.folder_exists(folder):
                try:
                    self._client.create_folder(folder)
                except imap_exc.IMAPClientError:
                    # Another client may have created it between our check and our CREATE.
                    if not self._client.folder_exists(folder):
                        raise
            # Our own copy is the one place \Seen is right: the office has "read" what it sent.
            self._client.append(folder, raw, flags=(b"\\Seen",), msg_time=when)

    def find_sent(self, message_id: str) -> bool:
        """True if the Sent folder holds a message with exactly this Message-ID header."""
        if not _MESSAGE_ID.match(message_id):
            raise ValueError(f"not a Message-ID we generate: {message_id!r}")
        folder = self._settings.sent_folder
        previous = self._state
        with self._op(f"SEARCH {folder}"):
            if not self._client.folder_exists(folder):
                return False
            self._client.select_folder(folder, readonly=True)
            try:
                uids = self._client.search(["HEADER", "Message-ID", message_id])
                found = False
                if uids:
                    # HEADER search is a substring match: confirm the exact value.
                    data = self._client.fetch(
                        list(uids), [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
                    )
                    for item in data.values():
                        for key, value in item.items():
                            if _s(key).startswith("BODY[HEADER") and _header_has(value, message_id):
                                found = True
            finally:
                if previous is not None:
                    info = self._client.select_folder(previous.folder)
                    self._state = self._folder_state(previous.folder, info)
                elif "UNSELECT" in self._capabilities:
                    self._client.unselect_folder()
        return found


def _header_has(value: Any, message_id: str) -> bool:
    text = _s(value)
    for line in text.replace("\r\n ", " ").splitlines():
        name, _, rest = line.partition(":")
        if name.strip().lower() == "message-id" and rest.strip() == message_id:
            return True
    return False


def _has_buffered_input(imap: Any, sock: socket.socket) -> bool:
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


_NEWS = ("EXISTS", "RECENT", "FETCH", "EXPUNGE", "VANISHED")


def _take_news(imap: Any) -> bool:
    """Whether imaplib holds untagged mailbox news; clears what it holds either way."""
    news = any(imap.untagged_responses.get(kind) for kind in _NEWS)
    imap.untagged_responses.clear()
    return news


def _sleep(seconds: float, stop: threading.Event | None) -> bool:
    """Sleep, waking early if stop is set; True when stopped."""
    if stop is None:
        time.sleep(max(0.0, seconds))
        return False
    return stop.wait(max(0.0, seconds))


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    # A server that sends no parsable INTERNALDATE: say so rather than invent a time.
    return None
