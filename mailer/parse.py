"""Raw message bytes into a frozen ParsedMessage: best effort on junk, never fetching anything."""

from __future__ import annotations

import email
import email.policy
import email.utils
import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from mailer.errors import ParseError

MAX_FILENAME_CHARS = 100
_MSGID = re.compile(r"<[^<>\s]+>")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_SURROGATES = re.compile(r"[\udc80-\udcff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Windows refuses these names whatever the extension; a school office may save attachments there.
_RESERVED = (
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)
# Labels mail clients write for Western European text; WHATWG maps them to windows-1252,
# and real mail labelled Latin-1 often carries Windows "smart quotes" (0x80-0x9f).
_CP1252_ALIASES = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso_8859-1"}


@dataclass(frozen=True)
class Address:
    """A mailbox: display name (may be empty) and lower-cased address."""

    name: str
    address: str


@dataclass(frozen=True)
class Attachment:
    """One attached file: a safe file name, its declared type and exact bytes."""

    filename: str
    content_type: str
    data: bytes
    size: int


@dataclass(frozen=True)
class ParsedMessage:
    """What we keep from an email besides its raw bytes (which go to the evidence vault)."""

    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None
    subject: str
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    text: str
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...] = ()

    @property
    def recipients(self) -> tuple[Address, ...]:
        """To and Cc together."""
        return self.to + self.cc


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw RFC 5322 bytes; raise ParseError only when nothing usable is there."""
    if not isinstance(raw, bytes | bytearray):
        raise ParseError("expected the raw bytes of a message")
    if not raw.strip():
        raise ParseError("the message is empty")
    try:
        msg = email.message_from_bytes(bytes(raw), policy=email.policy.default)
    except Exception as exc:  # the stdlib parser is lenient; anything escaping it is fatal.
        raise ParseError(f"cannot parse message: {exc}") from exc
    if not list(msg.raw_items()):
        raise ParseError("no header fields found: this is not an email")
    defects = [type(d).__name__ for d in msg.defects]
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[Attachment] = []
    used_names: set[str] = set()
    for part in _leaves(msg, defects):
        ctype = _content_type(part)
        if ctype.startswith("multipart/"):
            # A multipart whose boundary never appears: its body is all we have; read it as text.
            ctype = "text/plain"
        disposition = _disposition(part)
        name = _filename(part)
        is_body = disposition != "attachment" and name is None
        if is_body and ctype == "text/plain":
            text_parts.append(_decode_text(part))
        elif is_body and ctype == "text/html":
            html_parts.append(html_to_text(_decode_text(part)))
        else:
            data = _payload_bytes(part)
            fname = _unique(safe_filename(name, ctype, len(attachments) + 1), used_names)
            attachments.append(Attachment(fname, ctype, data, len(data)))
    text_src = text_parts if text_parts else html_parts
    text = "\n\n".join(t.strip("\r\n") for t in text_src if t.strip())
    return ParsedMessage(
        sender=_first(_addresses(msg, "From")) or _first(_addresses(msg, "Sender")),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        date=_date(msg),
        subject=_clean_line(_header(msg, "Subject") or ""),
        message_id=_first_id(_header(msg, "Message-ID")),
        in_reply_to=_first_id(_header(msg, "In-Reply-To")),
        references=tuple(_MSGID.findall(_header(msg, "References") or "")),
        text=text.replace("\r\n", "\n"),
        attachments=tuple(attachments),
        defects=tuple(dict.fromkeys(defects)),
    )


# --- structure ---


def _leaves(msg: Message, defects: list[str]) -> list[Message]:
    """Every non-multipart part, depth first; an attached message counts as one leaf."""
    out: list[Message] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if depth > 50:
            defects.append("NestingTooDeep")
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
    return _fix_surrogates(str(name))


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
    data = _payload_bytes(part)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(data, charset)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode text with its declared charset, else UTF-8, else Windows-1252; never raises."""
    candidates: list[str] = []
    if charset:
        label = charset.strip().strip('"').lower()
        candidates.append("cp1252" if label in _CP1252_ALIASES else label)
    candidates.append("utf-8")
    for cs in candidates:
        try:
            return data.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    # Undeclared or mislabelled 8-bit: Windows-1252 is what Western mail almost always is.
    return data.decode("cp1252", "replace")


# --- headers ---


def _header(msg: Message, name: str) -> str | None:
    for key, raw in msg.raw_items():
        # Undeclared 8-bit bytes survive only in the raw value (as surrogates); the parsed
        # header has already turned them into U+FFFD, so decode those headers ourselves.
        if key.lower() == name.lower():
            if _SURROGATES.search(str(raw)):
                return _decode_raw_header(str(raw).replace("\r\n", "").replace("\n", ""))
            break
    try:
        value = msg.get(name)
        if value is None:
            return None
        return _fix_surrogates(str(value))
    except Exception:
        # A header the modern parser chokes on: decode its raw text the old way.
        for key, raw in msg.raw_items():
            if key.lower() == name.lower():
                return _decode_raw_header(str(raw))
        return None


def _decode_raw_header(raw: str) -> str:
    # Bytes first (decode_header would escape the surrogates), then the encoded words.
    return _ENCODED_WORD.sub(_decode_word, _fix_surrogates(raw))


def _decode_word(match: re.Match[str]) -> str:
    try:
        return str(make_header(decode_header(match.group(0))))
    except Exception:
        return match.group(0)


def _fix_surrogates(text: str) -> str:
    """Undeclared 8-bit bytes in headers arrive as surrogates: decode them as UTF-8 or 1252."""
    if not _SURROGATES.search(text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    return decode_bytes(data, None)


def _clean_line(text: str) -> str:
    return " ".join(_CONTROL.sub("", text).split())


def _addresses(msg: Message, name: str) -> tuple[Address, ...]:
    out: list[Address] = []
    try:
        header = msg.get(name)
        groups = getattr(header, "addresses", None)
        if groups is not None:
            for a in groups:
                if a.addr_spec and "@" in a.addr_spec:
                    name = _clean_line(_fix_surrogates(a.display_name))
                    out.append(Address(name, _fix_surrogates(a.addr_spec).lower()))
            if out:
                return tuple(out)
    except Exception:  # fall back to the lenient parser below.
        pass
    raws = [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
    for display, addr in email.utils.getaddresses([_decode_raw_header(r) for r in raws]):
        if "@" in addr:
            out.append(Address(_clean_line(display), addr.strip().lower()))
    return tuple(out)


def _first(addresses: tuple[Address, ...]) -> Address | None:
    return addresses[0] if addresses else None


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    found = _MSGID.search(value)
    if found:
        return found.group(0)
    token = value.strip().split()[0] if value.strip() else ""
    return f"<{token.strip('<>')}>" if token.strip("<>") else None


def _date(msg: Message) -> datetime | None:
    raw = _header(msg, "Date")
    if not raw:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    # RFC 5322 "-0000" means "time zone unknown": UTC is the honest reading.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


# --- file names ---


def safe_filename(name: str | None, content_type: str = "", index: int = 1) -> str:
    """A file name safe to write anywhere: no paths, no leading dots, <= 100 chars, never empty."""
    text = unicodedata.normalize("NFC", name or "")
    # Keep only the last path component whichever separator the sender's system used.
    text = re.split(r"[\\/]", text)[-1]
    text = _CONTROL.sub("", text).replace("\r", "").replace("\n", "").replace("\t", " ")
    text = re.sub(r'[<>:"|?*\x00]', "_", text)
    text = " ".join(text.split())
    text = text.lstrip(". ").rstrip(". ")
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    if stem.lower() in _RESERVED or text.lower() in _RESERVED:
        text = f"_{text}"
    if not text:
        guessed = mimetypes.guess_extension(content_type) if content_type else None
        text = f"attachment-{index}{guessed or '.bin'}"
    if len(text) > MAX_FILENAME_CHARS:
        ext = f".{ext[:15]}" if dot and ext else ""
        text = text[: MAX_FILENAME_CHARS - len(ext)].rstrip(". ") + ext
    return text


def _unique(name: str, used: set[str]) -> str:
    # Two attachments called "photo.jpg" must not overwrite each other in the vault.
    candidate = name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while candidate.lower() in used:
        suffix = f"-{n}"
        candidate = f"{stem[: MAX_FILENAME_CHARS - len(suffix) - len(ext) - 1]}{suffix}"
        candidate += f".{ext}" if dot else ""
        n += 1
    used.add(candidate.lower())
    return candidate


# --- HTML ---


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "head", "title", "template", "noscript"}
    _BLOCK = {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "table", "ul", "ol", "hr", "section", "article",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.chunks.append("\n")
        if tag == "li":
            self.chunks.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body; nothing is fetched or executed (images, links are ignored)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; keep what was read so far.
        pass
    lines = [" ".join(line.split()) for line in "".join(parser.chunks).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def as_email_message(raw: bytes) -> EmailMessage:
    """The stdlib parse of raw bytes with the modern policy (for callers wanting headers)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg
