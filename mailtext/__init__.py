"""Raw email into safe text and parts: the one parser, used by the daemon and the dashboard.

Pure and stdlib only: imports nothing else of ours, reads and writes nothing.
"""

from mailtext.autoreply import auto_reply_reason
from mailtext.filenames import MAX_FILENAME_CHARS, safe_filename
from mailtext.headers import MAX_ADDRESS_CHARS, MAX_MESSAGE_ID_CHARS, Address
from mailtext.message import (
    DISPLAY_NAME_LIMIT,
    EXCERPT_LIMIT,
    REFERENCES_LIMIT,
    SUBJECT_LIMIT,
    Attachment,
    ParsedMessage,
    ParseError,
)
from mailtext.parse import looks_like_email, parse_message
from mailtext.text import bounded, decode_bytes, html_to_text

__all__ = [
    "DISPLAY_NAME_LIMIT",
    "EXCERPT_LIMIT",
    "MAX_ADDRESS_CHARS",
    "MAX_FILENAME_CHARS",
    "MAX_MESSAGE_ID_CHARS",
    "REFERENCES_LIMIT",
    "SUBJECT_LIMIT",
    "Address",
    "Attachment",
    "ParseError",
    "ParsedMessage",
    "auto_reply_reason",
    "bounded",
    "decode_bytes",
    "html_to_text",
    "looks_like_email",
    "parse_message",
    "safe_filename",
]
