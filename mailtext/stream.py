"""A big message read in chunks, in bounded memory: attachments decoded into sinks as they pass,
and a small "skeleton" of the message (its headers, the start of each text part, an empty
stand-in for each attachment) for ``parse_message`` to read as usual.

The daemon feeds this a message of any size straight from the evidence vault. Which part is
an attachment, and its file name, are decided by the same rules as ``parse_message``
(``leaf_role``, ``safe_filename``), so the store gets the same names and types as for a
small message, and each attachment's bytes go to the vault without ever being held whole.
Memory stays near SEGMENT_LIMIT plus the skeleton (at most SKELETON_LIMIT), whatever the
message's size.

Pure: reads and writes nothing itself; the caller supplies the bytes and the sinks.
"""

from __future__ import annotations

import binascii
import email
import email.message
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from mailtext.filenames import safe_filename, unique_filename
from mailtext.message import ParsedMessage
from mailtext.parse import MAX_NESTING, leaf_role, parse_message
from mailtext.text import flag_unsafe

# Lines longer than this are handled in pieces (no boundary is that long).
SEGMENT_LIMIT = 64 * 1024
# Of a text part (or a preamble), the skeleton keeps this much: the store needs an excerpt.
BODY_KEEP = 256 * 1024
# One header field, and one part's header block, are kept up to these sizes.
FIELD_LIMIT = 16 * 1024
HEADER_LIMIT = 256 * 1024
# The whole skeleton, and the parts streamed: beyond either, parts are left to the raw copy.
SKELETON_LIMIT = 4 * 1024 * 1024
MAX_STREAMED_PARTS = 1000

# What the stdlib parser takes for a header line (email.feedparser.headerRE).
_HEADER_LINE = re.compile(rb"^(From |[\041-\071\073-\176]*:|[\t ])")
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_B64 = bytes(b for b in range(256) if b not in _B64_ALPHABET)


class Sink(Protocol):
    """Where an attachment's decoded bytes go (the caller's vault writer)."""

    def write(self, data: bytes, /) -> object:
        """Take the next bytes."""


@dataclass(frozen=True)
class StreamedPart:
    """One attachment decoded into its sink: its safe file name, declared type and size."""

    filename: str
    content_type: str
    sink: Sink
    size: int


@dataclass(frozen=True)
class Skeleton:
    """What ``MimeStreamer.close`` gives: the small message to parse, the streamed parts."""

    raw: bytes
    parts: tuple[StreamedPart, ...]
    defects: tuple[str, ...] = ()


def parse_skeleton(skeleton: Skeleton) -> tuple[ParsedMessage, tuple[StreamedPart, ...]]:
    """Parse the skeleton for headers and text; the attachments are the streamed parts."""
    parsed = parse_message(skeleton.raw)
    defects = tuple(dict.fromkeys((*parsed.defects, *skeleton.defects)))
    # The skeleton holds only empty stand-ins for attachments: its own list means nothing.
    return replace(parsed, attachments=(), defects=defects), skeleton.parts


class _Decoder:
    """An attachment's body on its way to a sink: undoes the transfer encoding as it passes."""

    def __init__(self, sink: Sink, encoding: str) -> None:
        self.sink = sink
        self.encoding = encoding
        self.size = 0
        self._rest = b""  # base64: characters short of a whole quantum
        self._eol = b""  # raw and QP: the last line end, which may belong to the boundary

    def _out(self, data: bytes) -> None:
        if data:
            self.sink.write(data)
            self.size += len(data)

    def lines(self, block: bytes) -> None:
        """Whole lines (each ending in LF), or a piece of an overlong line."""
        if self.encoding == "base64":
            data = self._rest + block.translate(None, _NOT_B64)
            cut = len(data) // 4 * 4
            self._rest = data[cut:]
            self._out(_b64(data[:cut]))
            return
        self._out(self._eol)
        self._eol = b""
        body = block
        if block.endswith(b"\n"):
            eol = b"\r\n" if block.endswith(b"\r\n") else b"\n"
            body = block[: -len(eol)]
            if self.encoding != "quoted-printable" or not body.endswith(b"="):
                self._eol = eol
        if self.encoding == "quoted-printable":
            self._out(binascii.a2b_qp(body))
        else:
            self._out(body)

    def end(self, at_boundary: bool) -> None:
        """The part is over: the last line end goes with a boundary, stays at the message's end."""
        if self.encoding == "base64" and self._rest:
            rest = self._rest.rstrip(b"=")
            if len(rest) % 4 != 1:  # one stray character cannot make a byte
                self._out(_b64(rest + b"=" * (-len(rest) % 4)))
        elif not at_boundary:
            self._out(self._eol)
        self._rest = self._eol = b""


def _b64(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        # Padding in the middle of the data (two encodings glued together): decode each run.
        out = []
        for run in data.replace(b"=", b" ").split():
            run = run[: len(run) - len(run) % 4] if len(run) % 4 == 1 else run
            try:
                out.append(binascii.a2b_base64(run + b"=" * (-len(run) % 4)))
            except binascii.Error:
                continue
        return b"".join(out)


@dataclass
class _Frame:
    """A part being read: its header block, then its body in one of four modes."""

    depth: int
    headers: bytearray = field(default_factory=bytearray)
    in_headers: bool = True
    field_len: int = 0
    boundary: bytes | None = None  # set for a multipart whose parts we follow
    mode: str = ""  # "keep" (text, preamble), "stream" (attachment), "skip"
    kept: int = 0
    decoder: _Decoder | None = None
    ctype: str = ""
    omitted: bool = False  # beyond the limits: not in the skeleton at all
    name: str = ""  # an attachment's safe file name
    delimiter: bytes = b""  # written with the part's headers, once they say what it is
    in_digest: bool = False  # a part of multipart/digest: message/rfc822 unless it says


class MimeStreamer:
    """Feed a message's bytes in chunks of any size; ``close`` returns its Skeleton."""

    def __init__(self, open_sink: Callable[[str], Sink]) -> None:
        self._open_sink = open_sink
        self._buf = b""
        self._line_start = True
        self._frames: list[_Frame] = [_Frame(depth=0)]
        self._skeleton = bytearray()
        self._parts: list[StreamedPart] = []
        self._defects: list[str] = []
        self._names: set[str] = set()

    # -- input --------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        """The next bytes of the message."""
        data = self._buf + chunk if self._buf else bytes(chunk)
        pos, n = 0, len(data)
        while pos < n:
            frame = self._frames[-1]
            if self._line_start and not frame.in_headers and not data.startswith(b"--", pos):
                # A run of whole lines none of which can be a boundary: one block.
                k = data.find(b"\n--", pos)
                end = k + 1 if k >= 0 else data.rfind(b"\n", pos) + 1
                if end > pos:
                    self._body(frame, data[pos:end])
                    pos = end
                    continue
            i = data.find(b"\n", pos, pos + SEGMENT_LIMIT)
            if i >= 0:
                self._segment(data[pos : i + 1], self._line_start)
                self._line_start = True
                pos = i + 1
            elif n - pos >= SEGMENT_LIMIT:
                self._segment(data[pos : pos + SEGMENT_LIMIT], self._line_start)
                self._line_start = False
                pos += SEGMENT_LIMIT
            else:
                break
        self._buf = data[pos:]

    def close(self) -> Skeleton:
        """The end of the message: finish every open part and return the skeleton."""
        if self._buf:
            self._segment(self._buf, self._line_start)
            self._buf = b""
        while self._frames:
            self._finish(self._frames.pop(), at_boundary=False)
        return Skeleton(bytes(self._skeleton), tuple(self._parts), tuple(self._defects))

    # -- lines --------------------------------------------------------------------------

    def _segment(self, seg: bytes, line_start: bool) -> None:
        if line_start and seg.startswith(b"--") and self._boundary(seg):
            return
        frame = self._frames[-1]
        if frame.in_headers:
            self._header_line(frame, seg, line_start)
        else:
            self._body(frame, seg)

    def _boundary(self, line: bytes) -> bool:
        """A delimiter of any open multipart: end the parts inside it. True if it was one."""
        word = line.rstrip(b"\r\n").rstrip(b" \t")
        for index in range(len(self._frames) - 1, -1, -1):
            b = self._frames[index].boundary
            if b is None or not word.startswith(b"--" + b):
                continue
            tail = word[len(b) + 2 :]
            if tail not in (b"", b"--"):
                continue
            while len(self._frames) > index + 1:
                self._finish(self._frames.pop(), at_boundary=True)
            parent = self._frames[index]
            if parent.omitted:
                pass
            elif tail == b"--":
                self._keep(b"--" + b + b"--\r\n")
            if tail == b"--":
                # The epilogue: nothing in it is read; later delimiters of outer parts still are.
                # Outer multiparts' delimiters are still recognised, and end it.
                parent.boundary, parent.mode, parent.in_headers = None, "skip", False
                parent.decoder = None
            else:
                child = _Frame(
                    depth=parent.depth + 1,
                    omitted=parent.omitted,
                    delimiter=b"--" + b + b"\r\n",
                    in_digest=parent.ctype == "multipart/digest",
                )
                self._frames.append(child)
            return True
        return False

    def _header_line(self, frame: _Frame, seg: bytes, line_start: bool) -> None:
        if line_start and seg.strip(b"\r\n") == b"":
            self._headers_done(frame)
            return
        if line_start and not _HEADER_LINE.match(seg):
            # No blank line before the body (as the stdlib parser reads it): the body starts here.
            self._headers_done(frame)
            self._body(frame, seg)
            return
        if line_start and seg[:1] not in (b" ", b"\t"):
            frame.field_len = 0  # a new field
            if frame.headers and not frame.headers.endswith(b"\n"):
                frame.headers += b"\r\n"  # the field before was cut short
        room = min(FIELD_LIMIT - frame.field_len, HEADER_LIMIT - len(frame.headers))
        if len(seg) > room:
            if "HeaderTruncated" not in self._defects:
                self._defects.append("HeaderTruncated")
            seg = seg[: max(0, room)]
        frame.headers += seg
        frame.field_len += len(seg)

    def _headers_done(self, frame: _Frame) -> None:
        frame.in_headers = False
        if frame.headers and not frame.headers.endswith(b"\n"):
            frame.headers += b"\r\n"
        head = bytes(frame.headers)
        frame.headers = bytearray()
        part = email.message_from_bytes(head + b"\r\n", policy=email.policy.default)
        if frame.in_digest:
            part.set_default_type("message/rfc822")
        ctype = _ctype(part)
        boundary = part.get_boundary() if ctype.startswith("multipart/") else None
        leaf_type, name, role = leaf_role(part)
        attachment = boundary is None and role == "attachment"
        inherited = frame.omitted
        if not frame.omitted and (
            len(self._skeleton) + len(head) > SKELETON_LIMIT
            or (attachment and len(self._parts) >= MAX_STREAMED_PARTS)
        ):
            # Too much to follow: this part stays only in the raw copy in the vault.
            frame.omitted = True
            if "TooManyParts" not in self._defects:
                self._defects.append("TooManyParts")
        frame.ctype = ctype
        if frame.depth and (frame.omitted or attachment):
            # An empty stand-in keeps the skeleton's structure whole (an attachment's bytes
            # and name come from the stream, not from the skeleton).
            if not inherited:
                self._keep(frame.delimiter + b"Content-Type: text/plain\r\n\r\n")
        else:
            self._keep(frame.delimiter + head + b"\r\n")
        if frame.depth > MAX_NESTING or frame.omitted:
            frame.mode = "skip"
            if frame.depth > MAX_NESTING and "NestingTooDeep" not in self._defects:
                self._defects.append("NestingTooDeep")
        elif boundary:
            frame.boundary = boundary.encode("utf-8", "surrogateescape")
            frame.mode = "keep"  # the preamble, which is the text if no part ever starts
        elif attachment:
            frame.mode = "stream"
            if name is not None:
                flag_unsafe(name, "an attachment's file name", self._flag)
            index = len(self._parts) + 1
            frame.ctype = leaf_type
            frame.name = unique_filename(safe_filename(name, leaf_type, index), self._names)
            encoding = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
            frame.decoder = _Decoder(self._open_sink(leaf_type), encoding)
        else:
            frame.mode = "keep"

    def _flag(self, defect: str) -> None:
        if defect not in self._defects:
            self._defects.append(defect)

    def _body(self, frame: _Frame, block: bytes) -> None:
        if frame.in_headers:
            # Only reached for a message that ends inside its headers.
            self._header_line(frame, block, True)
        elif frame.mode == "stream" and frame.decoder is not None:
            frame.decoder.lines(block)
        elif frame.mode == "keep" and not frame.omitted:
            room = BODY_KEEP - frame.kept
            if room > 0:
                piece = block[:room]
                if len(block) > room and not piece.endswith(b"\n"):
                    piece += b"\r\n"
                self._keep(piece)
                frame.kept += len(piece)

    def _finish(self, frame: _Frame, at_boundary: bool) -> None:
        if frame.in_headers and frame.headers:
            self._headers_done(frame)
        if frame.decoder is not None:
            frame.decoder.end(at_boundary)
            self._parts.append(
                StreamedPart(frame.name, frame.ctype, frame.decoder.sink, frame.decoder.size)
            )
            frame.decoder = None
        elif (
            frame.mode == "keep"
            and frame.kept
            and at_boundary
            and not frame.omitted
            and not self._skeleton.endswith(b"\n")
        ):
            # The delimiter that follows needs a line end of its own before it.
            self._keep(b"\r\n")

    def _keep(self, data: bytes) -> None:
        self._skeleton += data


def _ctype(part: email.message.Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"
