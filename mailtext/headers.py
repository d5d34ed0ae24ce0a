"""Header fields read safely: addresses only from the address part, IDs and dates from the raw.

An address is never taken from decoded text. Encoded words (RFC 2047) may only stand for
display text, so a display name that decodes to ``Evil\\r\\nBcc: head@school`` stays a
(cleaned, flagged) name and can never become the sender.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from mailtext.text import Flag, clean_line, decode_words, fix_surrogates, has_unsafe

# RFC 5321 4.5.3.1.3: a path is at most 256 octets with its angle brackets.
MAX_ADDRESS_CHARS = 254
# RFC 5322 2.1.1: no line, so no Message-ID, is longer than 998 characters.
MAX_MESSAGE_ID_CHARS = 998

_MSGID = re.compile(r"<[^<>\s]+>")
# local@domain with nothing that could separate, quote or hide a second address.
_ADDRESS = re.compile(r'[^\s@<>()\[\],;:\\"]+@[^\s@<>()\[\],;:\\"]+')
# An address list's tokens: a run of plain text, or one character that starts or ends a part.
_TOKEN = re.compile(r'[^"(<,;:]+|["(<,;:]')
_QUOTED = re.compile(r'((?:[^"\\]+|\\.)*)"?', re.S)
_ESCAPED = re.compile(r"\\(.)", re.S)
_COMMENT_STOP = re.compile(r"\\.?|[()]", re.S)


@dataclass(frozen=True)
class Address:
    """A mailbox: display name (may be empty) and lower-cased address."""

    name: str
    address: str


@dataclass
class _Mailbox:
    phrase: str = ""
    comment: str = ""
    angle: str | None = None


def addresses(field: str, raws: list[str], flag: Flag) -> tuple[Address, ...]:
    """The mailboxes of an address field (all its occurrences), as written by the sender."""
    out: list[Address] = []
    for raw in raws:
        for box in _mailboxes("".join(fix_surrogates(raw).splitlines())):
            if box.angle is not None:
                # Drop an obsolete source route (<@relay:pat@example.org>).
                addr = box.angle.rpartition(":")[2].strip()
                display = box.phrase.strip() or box.comment
            else:
                addr, display = box.phrase.strip(), box.comment
            if not addr and not display.strip():
                continue  # an empty list element (",,"), or a group with no members
            if not _is_address(addr):
                shown = clean_line(addr or display)[:80]
                flag(f"{field}: {shown!r} is not an address and was ignored")
                continue
            name = clean_line(decode_words(display), f"{field} display name", flag)
            out.append(Address(name, addr.lower()))
    return tuple(out)


def _is_address(addr: str) -> bool:
    return (
        len(addr) <= MAX_ADDRESS_CHARS
        and _ADDRESS.fullmatch(addr) is not None
        and not has_unsafe(addr)
    )


def _mailboxes(value: str) -> list[_Mailbox]:
    """Split an address list at top-level commas, honouring quotes, comments and <...>."""
    boxes = [_Mailbox()]
    phrase: list[str] = []
    i = 0
    while (token := _TOKEN.match(value, i)) is not None:
        c, i = token.group(), token.end()
        box = boxes[-1]
        if c == '"':
            quoted = _QUOTED.match(value, i)
            assert quoted is not None  # it matches the empty string
            phrase.append(_ESCAPED.sub(r"\1", quoted.group(1)))
            i = quoted.end()
        elif c == "(":
            text, i = _comment(value, i)
            box.comment = f"{box.comment} {text}".strip()
        elif c == "<":
            end = value.find(">", i)
            end = len(value) if end < 0 else end
            box.angle, i = value[i:end], end + 1
        elif c in ",;":
            box.phrase = "".join(phrase)
            boxes.append(_Mailbox())
            phrase = []
        elif c == ":" and box.angle is None:
            phrase, box.comment = [], ""  # "Group name: a@b, c@d;": the group's name is no mailbox
        else:
            phrase.append(c)
    boxes[-1].phrase = "".join(phrase)
    return boxes


def _comment(value: str, i: int) -> tuple[str, int]:
    """A (possibly nested) comment's text from just after its "(", and where it ends."""
    out: list[str] = []
    depth = 1
    for stop in _COMMENT_STOP.finditer(value, i):
        out.append(value[i : stop.start()])
        c, i = stop.group(), stop.end()
        if c.startswith("\\"):
            out.append(c[1:])
            continue
        depth += 1 if c == "(" else -1
        if depth == 0:
            return "".join(out), i
        out.append(c)
    out.append(value[i:])
    return "".join(out), len(value)


def message_ids(field: str, raw: str | None, flag: Flag) -> tuple[str, ...]:
    """The <...> message IDs in a raw field (never decoded: IDs are ASCII tokens)."""
    if not raw:
        return ()
    found = _MSGID.findall("".join(fix_surrogates(raw).splitlines()))
    kept = tuple(m for m in found if len(m) <= MAX_MESSAGE_ID_CHARS)
    if len(kept) < len(found):
        flag(f"{field}: a message ID longer than {MAX_MESSAGE_ID_CHARS} characters was ignored")
    return kept


def first_id(field: str, raw: str | None, flag: Flag) -> str | None:
    """The first message ID in a field; a bare token (no brackets) is read as one."""
    found = message_ids(field, raw, flag)
    if found:
        return found[0]
    words = "".join(fix_surrogates(raw or "").splitlines()).split()
    token = words[0].strip("<>") if words else ""
    if not token or len(token) + 2 > MAX_MESSAGE_ID_CHARS:
        return None
    return f"<{token}>"


def parse_date(text: str | None) -> datetime | None:
    """The Date field as an aware datetime, or None when it cannot be read."""
    if not text:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # RFC 5322 "-0000" means "time zone unknown": UTC is the honest reading.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt
