"""Raw message bytes into a frozen ParsedMessage: best effort on junk, never fetching anything."""

from __future__ import annotations

import email
import email.policy
import email.utils
from email.message import Message

from mailtext.filenames import safe_filename, unique_filename
from mailtext.headers import addresses, first_id, message_ids, parse_date
from mailtext.message import Attachment, ParsedMessage, ParseError
from mailtext.text import (
    Flag,
    clean_line,
    decode_bytes,
    field_text,
    fix_surrogates,
    flag_unsafe,
    html_to_text,
)

# Fields always read as address lists: their display names are flagged one by one instead.
_ADDRESS_FIELDS = {"from", "to", "cc"}
# More than this many defects says no more than the first ones do.
MAX_DEFECTS = 50
MAX_NESTING = 50


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw RFC 5322 bytes; raise ParseError only when nothing usable is there."""
    if not isinstance(raw, bytes | bytearray):
        raise ParseError("expected the raw bytes of a message")
    if not raw.strip():
        raise ParseError("the message is empty")
    try:
        msg = email.message_from_bytes(bytes(raw), policy=email.policy.default)
        items = [(str(k), str(v)) for k, v in msg.raw_items()]
    except Exception as exc:  # the stdlib parser is lenient; anything escaping it is fatal.
        raise ParseError(f"cannot parse message: {exc}") from exc
    if not items:
        raise ParseError("no header fields found: this is not an email")
    defects = [type(d).__name__ for d in msg.defects]
    flag: Flag = defects.append
    headers = tuple(
        (name, clean_line(field_text(value), name, _field_flag(name, flag)))
        for name, value in items
    )

    def raws(name: str) -> list[str]:
        return [v for k, v in items if k.lower() == name.lower()]

    def first(name: str) -> str | None:
        return next(iter(raws(name)), None)

    def shown(name: str) -> str | None:
        return next((v for k, v in headers if k.lower() == name.lower()), None)

    text, attachments = _body_and_attachments(msg, flag)
    senders = addresses("From", raws("From"), flag) or addresses("Sender", raws("Sender"), flag)
    return ParsedMessage(
        sender=senders[0] if senders else None,
        to=addresses("To", raws("To"), flag),
        cc=addresses("Cc", raws("Cc"), flag),
        date=parse_date(shown("Date")),
        subject=shown("Subject") or "",
        message_id=first_id("Message-ID", first("Message-ID"), flag),
        in_reply_to=first_id("In-Reply-To", first("In-Reply-To"), flag),
        references=message_ids("References", first("References"), flag),
        text=text,
        attachments=attachments,
        defects=_bounded_defects(defects),
        headers=headers,
        content_type=_content_type(msg),
        report_type=_param(msg, "report-type"),
    )


def _bounded_defects(defects: list[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(defects))
    if len(unique) > MAX_DEFECTS:
        unique = [*unique[:MAX_DEFECTS], f"... and {len(unique) - MAX_DEFECTS} more defects"]
    return tuple(unique)


def _field_flag(name: str, flag: Flag) -> Flag | None:
    return None if name.lower() in _ADDRESS_FIELDS else flag


# --- structure ---


def _body_and_attachments(msg: Message, flag: Flag) -> tuple[str, tuple[Attachment, ...]]:
    """The body text (plain parts, else HTML reduced to text) and every other part as a file."""
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[Attachment] = []
    used_names: set[str] = set()
    for part in _leaves(msg, flag):
        ctype, name, role = leaf_role(part)
        if role == "text":
            text_parts.append(_decode_text(part))
        elif role == "html":
            html_parts.append(html_to_text(_decode_text(part)))
        else:
            if name is not None:
                flag_unsafe(name, "an attachment's file name", flag)
            data = _payload_bytes(part)
            fname = unique_filename(safe_filename(name, ctype, len(attachments) + 1), used_names)
            attachments.append(Attachment(fname, ctype, data, len(data)))
    text_src = text_parts if text_parts else html_parts
    text = "\n\n".join(t.strip("\r\n") for t in text_src if t.strip())
    return text.replace("\r\n", "\n"), tuple(attachments)


def leaf_role(part: Message) -> tuple[str, str | None, str]:
    """A leaf part's content type, declared file name, and role: "text", "html" or "attachment"."""
    ctype = _content_type(part)
    if ctype.startswith("multipart/"):
        # A multipart whose boundary never appears: its body is all we have; read it as text.
        ctype = "text/plain"
    name = _filename(part)
    is_body = _disposition(part) != "attachment" and name is None
    if is_body and ctype == "text/plain":
        return ctype, name, "text"
    if is_body and ctype == "text/html":
        return ctype, name, "html"
    return ctype, name, "attachment"


def _leaves(msg: Message, flag: Flag) -> list[Message]:
    """Every non-multipart part, depth first; an attached message counts as one leaf."""
    out: list[Message] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if depth > MAX_NESTING:
            flag("NestingTooDeep")
            continue
        if part.is_multipart() and _content_type(part).startswith("multipart/"):
            payload = part.get_payload()
            children = payload if isinstance(payload, list) else []
            stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
        else:
            out.append(part)
    return out


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    if isinstance(value, tuple):
        value = email.utils.collapse_rfc2231_value(value)
    return str(value or "").strip().lower()


def _disposition(part: Message) -> str | None:
    try:
        d = part.get_content_disposition()
    except Exception:
        return None
    return d.lower() if d else None


def _filename(part: Message) -> str | None:
    """The declared file name (RFC 2231 and RFC 2047 decoded), or None."""
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        # Some mailers put the name only in Content-Type; get_filename looks there too,
        # but a broken Content-Disposition makes it give up early.
        try:
            name = part.get_param("name")  # type: ignore[assignment]
        except Exception:
            name = None
        if isinstance(name, tuple):
            name = email.utils.collapse_rfc2231_value(name)
    if name is None:
        return None
    return fix_surrogates(str(name))


def _payload_bytes(part: Message) -> bytes:
    if _content_type(part) == "message/rfc822" or part.is_multipart():
        try:
            inner = part.get_payload(0) if part.is_multipart() else part.get_payload()
            if isinstance(inner, Message):
                return inner.as_bytes(policy=email.policy.compat32)
        except Exception:  # fall through to the raw payload below.
            pass
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _decode_text(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(_payload_bytes(part), charset)


def looks_like_email(raw: bytes) -> bool:
    """Raw bytes that start with RFC 5322 headers (an email, not a PDF or a photo)."""
    head = raw[:2000].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    names = {line.split(b":", 1)[0].strip().lower() for line in head.splitlines() if b":" in line}
    return bool(names & {b"from", b"subject", b"message-id"}) and bool(
        names & {b"date", b"to", b"from"}
    )
