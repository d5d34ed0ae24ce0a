"""Evidence made safe to show: an email exactly as mailtext parsed it for the daemon."""

from __future__ import annotations

import re

from mailtext import ParsedMessage, ParseError, looks_like_email, parse_message

SHOWN_HEADERS = ("From", "To", "Cc", "Date", "Subject", "Message-ID", "In-Reply-To")
# Terminal control characters (escape sequences in a body could repaint the screen). mailtext
# already removes them from header lines; the body keeps them, so the screen marks each one.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Text with control characters replaced, so it can only ever show as characters."""
    return _CONTROL.sub("\ufffd", text.replace("\r\n", "\n"))


def read_email(raw: bytes) -> ParsedMessage | None:
    """The email held in a piece of evidence, parsed as the daemon parsed it; None for a file."""
    if not looks_like_email(raw):
        return None
    try:
        return parse_message(raw)
    except ParseError:
        return None


def shown_headers(parsed: ParsedMessage) -> tuple[tuple[str, str], ...]:
    """The headers the office reads, as the sender wrote them (decoded, one line each)."""
    return tuple(
        (name, clean(value)) for name in SHOWN_HEADERS if (value := parsed.header(name)) is not None
    )
