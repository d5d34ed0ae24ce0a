"""Evidence made safe to show: an email parsed with the stdlib into plain text and hashes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from html.parser import HTMLParser

SHOWN_HEADERS = ("From", "To", "Cc", "Date", "Subject", "Message-ID", "In-Reply-To")
# Terminal control characters (escape sequences in a subject could repaint the screen).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Text with control characters replaced, so it can only ever show as characters."""
    return _CONTROL.sub("\ufffd", text.replace("\r\n", "\n"))


@dataclass(frozen=True)
class Attachment:
    """One attachment: its name, type, size and SHA-256 (its name in the vault)."""

    name: str
    content_type: str
    size: int
    sha256: str
    data: bytes

    @property
    def key(self) -> str:
        """The row's identity in tables."""
        return self.sha256


@dataclass(frozen=True)
class ShownEmail:
    """An email reduced to what the office reads: headers, body text, attachments."""

    headers: tuple[tuple[str, str], ...]
    body: str
    attachments: tuple[Attachment, ...]

    @property
    def subject(self) -> str:
        """The Subject header, or empty."""
        return dict(self.headers).get("Subject", "")

    @property
    def message_id(self) -> str:
        """The Message-ID header, or empty."""
        return dict(self.headers).get("Message-ID", "")

    @property
    def sender(self) -> str:
        """The From header, or empty."""
        return dict(self.headers).get("From", "")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in ("br", "p", "div", "li", "tr", "h1", "h2", "h3"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The readable text of an HTML body: tags dropped, nothing fetched or run."""
    parser = _Text()
    parser.feed(html)
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def decode_header_text(raw: str) -> str:
    """A header's text with encoded words decoded; the raw text when that fails."""
    try:
        return str(make_header(decode_header(raw)))
    except Exception:
        return raw


def looks_like_email(raw: bytes) -> bool:
    """Raw bytes that start with RFC 5322 headers."""
    head = raw[:2000].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    names = {line.split(b":", 1)[0].strip().lower() for line in head.splitlines() if b":" in line}
    return bool(names & {b"from", b"subject", b"message-id"}) and bool(
        names & {b"date", b"to", b"from"}
    )


def _content(part: Message) -> str:
    try:
        assert isinstance(part, EmailMessage)
        return str(part.get_content())
    except Exception:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        return data.decode(part.get_content_charset() or "utf-8", errors="replace")


def parse_email(raw: bytes) -> ShownEmail:
    """Headers, the plain-text body (or HTML reduced to text) and the attachments."""
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    # Headers as the sender wrote them (RFC 2047 decoded), not as the address parser
    # understood them: evidence must not lose what a malformed header said.
    raw_headers: dict[str, str] = {}
    for name, value in msg.raw_items():
        raw_headers.setdefault(name.lower(), str(value))
    headers = []
    for name in SHOWN_HEADERS:
        if name.lower() in raw_headers:
            headers.append(
                (name, clean(" ".join(decode_header_text(raw_headers[name.lower()]).split())))
            )
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        body = _content(body_part)
        if body_part.get_content_type() == "text/html":
            body = html_text(body)
    attachments = []
    for i, part in enumerate(msg.iter_attachments(), start=1):
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        attachments.append(
            Attachment(
                name=clean(part.get_filename() or f"attachment-{i}"),
                content_type=part.get_content_type(),
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
            )
        )
    return ShownEmail(tuple(headers), clean(body), tuple(attachments))
