"""What every part of the IMAP side shares: folder state, a fetched message, search words,
and the translation of imaplib/imapclient/socket exceptions into our named kinds."""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from imapclient import exceptions as imap_exc

from casework.record import record
from mailer.errors import (
    ImapError,
    ImapLoginError,
    ImapNetworkError,
    ImapProtocolError,
)

# System flags have their own SEARCH keys; anything else is searched as KEYWORD.
_SYSTEM_FLAG_SEARCH = {
    "\\flagged": ("FLAGGED", "UNFLAGGED"),
    "\\answered": ("ANSWERED", "UNANSWERED"),
    "\\draft": ("DRAFT", "UNDRAFT"),
}
# A keyword is an IMAP atom: refuse anything that could change the command's meaning.
_ATOM = re.compile(r"^[A-Za-z0-9$_.\-]{1,64}$")


@record
class FolderState:
    """What SELECT told us about the watched folder."""

    folder: str
    uidvalidity: int
    uidnext: int | None
    exists: int
    keywords_allowed: bool


@record
class FetchedMessage:
    """One message as fetched: its identity on the server, raw bytes, arrival time and flags."""

    folder: str
    uidvalidity: int
    uid: int
    raw: bytes  # empty when fetched in chunks into a file (``fetch_into``)
    internaldate: datetime | None
    flags: tuple[str, ...]
    size: int = 0


def ssl_context(ca_file: object | None) -> ssl.SSLContext:
    """A verifying TLS context; ``ca_file`` adds a private CA (a self-signed school server)."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Turn imaplib/imapclient/socket exceptions into our three named kinds."""
    try:
        yield
    except ImapError:
        raise
    except imap_exc.LoginError as exc:
        raise ImapLoginError(f"{what}: the server refused the login: {text_of(exc)}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise ImapNetworkError(
            f"{what}: the server's TLS certificate could not be verified "
            f"({exc.verify_message}); set ca_file for a private CA"
        ) from exc
    except imaplib.IMAP4.abort as exc:
        # abort is a subclass of error, so it must be caught first: it means the link is gone.
        raise ImapNetworkError(f"{what}: connection lost: {text_of(exc)}") from exc
    except (TimeoutError, OSError, EOFError) as exc:
        raise ImapNetworkError(f"{what}: {exc.__class__.__name__}: {exc}") from exc
    except (imaplib.IMAP4.error, imap_exc.IMAPClientError) as exc:
        raise ImapProtocolError(f"{what}: {text_of(exc)}") from exc


def text_of(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else exc
    if isinstance(arg, bytes):
        return arg.decode("utf-8", "replace")
    return str(arg)


def as_text(value: Any) -> str:
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
