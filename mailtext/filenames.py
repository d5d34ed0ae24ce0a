"""Attachment file names safe to write anywhere and to show: no paths, controls or bidi tricks."""

from __future__ import annotations

import mimetypes
import re
import unicodedata

from mailtext.text import strip_unsafe

MAX_FILENAME_CHARS = 100
# Windows refuses these names whatever the extension; a school office may save attachments there.
_RESERVED = (
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)


def safe_filename(name: str | None, content_type: str = "", index: int = 1) -> str:
    """A file name safe to write anywhere: no paths, no leading dots, <= 100 chars, never empty."""
    text = unicodedata.normalize("NFC", name or "")
    # Keep only the last path component whichever separator the sender's system used.
    text = re.split(r"[\\/]", text)[-1]
    text = strip_unsafe(text.replace("\t", " "))
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


def unique_filename(name: str, used: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``...: two attachments never share a name (any case)."""
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
