"""Text from outside made safe: one decoding of 8-bit bytes and encoded words, one line rule."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from html.parser import HTMLParser

# C0 and C1 controls except TAB (whitespace, folded like a space) and DEL: a terminal can act
# on any of them (ESC repaints the screen, U+009B is a one-character CSI), and decoded CR/LF
# in a header is how a forged "Bcc:" or address gets in.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# Bidirectional controls (embeddings, overrides, isolates, LRM/RLM): they make
# "invoice\u202efdp.exe" read as "invoiceexe.pdf" and can reorder a name on screen.
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\udc80-\udcff]")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
# Only white space between two encoded words is dropped (RFC 2047 section 6.2).
_BETWEEN_WORDS = re.compile(r"(?<=\?=)[ \t]+(?==\?)")
# Labels mail clients write for Western European text; WHATWG maps them to windows-1252,
# and real mail labelled Latin-1 often carries Windows "smart quotes" (0x80-0x9f).
_CP1252_ALIASES = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso_8859-1"}

Flag = Callable[[str], None]


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
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    # Undeclared or mislabelled 8-bit: Windows-1252 is what Western mail almost always is.
    return data.decode("cp1252", "replace")


def fix_surrogates(text: str) -> str:
    """Undeclared 8-bit bytes in headers arrive as surrogates: decode them as decode_bytes does."""
    if not _SURROGATES.search(text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"), None)


def decode_words(text: str) -> str:
    """RFC 2047 encoded words decoded with decode_bytes' rule; a broken word stays as written."""
    if "=?" not in text:
        return text
    return _ENCODED_WORD.sub(_decode_word, _BETWEEN_WORDS.sub("", text))


def _decode_word(match: re.Match[str]) -> str:
    charset, kind, payload = match.group(1), match.group(2).lower(), match.group(3)
    charset = charset.split("*", 1)[0]  # RFC 2231 adds a language: utf-8*en
    try:
        if kind == "b":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
        else:
            data = binascii.a2b_qp(payload.replace("_", " "), header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_bytes(data, charset)


def field_text(raw: str) -> str:
    """A raw header value as one line of text: unfolded, 8-bit and encoded words decoded."""
    unfolded = "".join(fix_surrogates(raw).splitlines())
    return decode_words(unfolded)


def clean_line(text: str, what: str = "", flag: Flag | None = None) -> str:
    """One line safe to keep and show: controls and bidi controls removed, spaces folded.

    When something was removed, ``flag`` is told (naming ``what``): the office must know
    that the text on screen is not exactly what the sender's bytes said.
    """
    if flag is not None:
        flag_unsafe(text, what, flag)
    # Line breaks read as spaces (a decoded CR LF must not glue two words); other controls go.
    spaced = " ".join(text.split())
    return " ".join(_BIDI.sub("", _CONTROL.sub("", spaced)).split())


def flag_unsafe(text: str, what: str, flag: Flag) -> None:
    """Tell ``flag`` which kinds of unsafe characters ``text`` holds (they will be removed)."""
    if _CONTROL.search(text):
        flag(f"{what}: control characters removed (they can forge a header or an address)")
    if _BIDI.search(text):
        flag(f"{what}: right-to-left or other direction controls removed")


def has_unsafe(text: str) -> bool:
    """Whether clean_line would remove anything but white space."""
    return bool(_CONTROL.search(text) or _BIDI.search(text))


def strip_unsafe(text: str) -> str:
    """Controls and bidi controls removed, nothing else touched (for file names)."""
    return _BIDI.sub("", _CONTROL.sub("", text))


def bounded(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut text ends in an ellipsis so the cut shows."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "\u2026"


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
