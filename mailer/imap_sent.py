"""The Sent folder: where a copy of each letter goes, and where a crash's outcome is looked up."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from imapclient import exceptions as imap_exc

from mailer.imap_types import as_text

if TYPE_CHECKING:
    from mailer.imap_conn import ImapSession

_MESSAGE_ID = re.compile(r"^<[^<>\s\"\\]{1,900}>$")


def special_folder(session: ImapSession, use: str = "\\Sent") -> str | None:
    """The folder carrying a SPECIAL-USE attribute (RFC 6154), e.g. \\Sent; or a usual name."""
    with session.op("LIST"):
        found = session.client.find_special_folder(use.encode())
    return as_text(found) if found is not None else None


def append_sent(session: ImapSession, raw: bytes, when: datetime | None = None) -> None:
    """Store a copy of a letter we sent in the Sent folder (created if missing), marked \\Seen."""
    folder = session.settings.sent_folder
    client = session.client
    with session.op(f"APPEND {folder}"):
        if not client.folder_exists(folder):
            try:
                client.create_folder(folder)
            except imap_exc.IMAPClientError:
                # Another client may have created it between our check and our CREATE.
                if not client.folder_exists(folder):
                    raise
        # Our own copy is the one place \Seen is right: the office has "read" what it sent.
        client.append(folder, raw, flags=(b"\\Seen",), msg_time=when)


def find_sent(session: ImapSession, message_id: str) -> bool:
    """True if the Sent folder holds a message with exactly this Message-ID header."""
    if not _MESSAGE_ID.match(message_id):
        raise ValueError(f"not a Message-ID we generate: {message_id!r}")
    folder = session.settings.sent_folder
    client = session.client
    previous = session.state
    with session.op(f"SEARCH {folder}"):
        if not client.folder_exists(folder):
            return False
        client.select_folder(folder, readonly=True)
        try:
            uids = client.search(["HEADER", "Message-ID", message_id])
            found = False
            if uids:
                # HEADER search is a substring match: confirm the exact value.
                data = client.fetch(list(uids), [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
                for item in data.values():
                    for key, value in item.items():
                        if as_text(key).startswith("BODY[HEADER") and _header_has(
                            value, message_id
                        ):
                            found = True
        finally:
            if previous is not None:
                session.reselect(previous.folder)
            elif "UNSELECT" in session.capabilities:
                client.unselect_folder()
    return found


def _header_has(value: Any, message_id: str) -> bool:
    text = as_text(value)
    for line in text.replace("\r\n ", " ").splitlines():
        name, _, rest = line.partition(":")
        if name.strip().lower() == "message-id" and rest.strip() == message_id:
            return True
    return False
