"""A message read as a stream gives what the parser gives, in bounded memory, whatever its size."""

from __future__ import annotations

import base64
import hashlib
import importlib
import os
import tracemalloc
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailtext import ParsedMessage, ParseError, parse_message
from mailtext.stream import SKELETON_LIMIT, MimeStreamer, Skeleton, StreamedPart, parse_skeleton


class HashSink:
    """Keeps only a running hash and a count, as the vault writer does."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def stream(raw: bytes, chunk: int) -> tuple[ParsedMessage, tuple[StreamedPart, ...], Skeleton]:
    streamer = MimeStreamer(lambda content_type: HashSink())
    for start in range(0, len(raw), chunk):
        streamer.feed(raw[start : start + chunk])
    skeleton = streamer.close()
    parsed, parts = parse_skeleton(skeleton)
    return parsed, parts, skeleton


def files(parts: tuple[StreamedPart, ...]) -> list[tuple[str, str, int, str]]:
    out = []
    for p in parts:
        assert isinstance(p.sink, HashSink)
        out.append((p.filename, p.content_type, p.size, p.sink.digest.hexdigest()))
    return out


def fields(m: ParsedMessage) -> tuple[object, ...]:
    return (
        m.subject,
        m.sender,
        m.to,
        m.cc,
        m.date,
        m.message_id,
        m.in_reply_to,
        m.references,
        m.excerpt,
    )


def corpus() -> list[Path]:
    package = importlib.import_module("test.test_email")
    assert package.__file__ is not None
    return sorted((Path(package.__file__).parent / "data").iterdir())


# Where the stream is the more faithful reader: an attached message or delivery report is
# kept as the bytes that came (the parser writes its own rendering of it), and nested parts
# that reuse their parent's boundary are all found (the parser loses some).
FAITHFUL = {"message/rfc822", "message/delivery-status"}


def test_cpythons_email_corpus_reads_the_same_streamed_in_any_chunks() -> None:
    checked = 0
    for path in corpus():
        raw = path.read_bytes()
        try:
            whole = parse_message(raw)
        except ParseError:
            with pytest.raises(ParseError):
                stream(raw, 4096)
            continue
        expected = [
            (a.filename, a.content_type, a.size, a.sha256)
            for a in whole.attachments
            if a.content_type not in FAITHFUL
        ]
        for chunk in (1, 7, 4096, len(raw) + 1):
            parsed, parts, _ = stream(raw, chunk)
            assert fields(parsed) == fields(whole), (path.name, chunk)
            got = [f for f in files(parts) if f[1] not in FAITHFUL]
            if len(got) == len(expected):
                assert got == expected, (path.name, chunk)
            else:  # a boundary reused by a nested part: every part the parser saw is found
                assert set(expected) <= set(got), (path.name, chunk)
            checked += 1
    assert checked > 100


def big_message(video: bytes, pdf: bytes, notes: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Pat Parent <pat@example.org>"
    msg["To"] = "office@school.example"
    msg["Subject"] = "Video of the incident at the gate"
    msg["Message-ID"] = "<big-1@example.org>"
    msg.set_content("The video and my letter are attached.\n\nPat")
    msg.add_alternative(
        "<p>The video and my letter are <b>attached</b>.</p><p>Pat</p>", subtype="html"
    )
    msg.add_attachment(video, maintype="video", subtype="mp4", filename="gate.mp4")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="letter.pdf")
    msg.add_attachment(notes, subtype="plain", filename="notes.txt", cte="quoted-printable")
    msg.add_attachment(notes, subtype="plain", filename="notes.txt", cte="8bit")
    return msg.as_bytes()


def test_a_big_message_streamed_has_the_same_attachments_byte_for_byte() -> None:
    notes = "Café at 8:15 = the gate.\n" * 20000 + "no newline at the end"
    raw = big_message(os.urandom(6 * 1024 * 1024 + 7), os.urandom(300_001), notes)
    whole = parse_message(raw)
    parsed, parts, skeleton = stream(raw, 1024 * 1024)
    assert fields(parsed) == fields(whole)
    assert files(parts) == [
        (a.filename, a.content_type, a.size, a.sha256) for a in whole.attachments
    ]
    assert [p.filename for p in parts] == ["gate.mp4", "letter.pdf", "notes.txt", "notes-2.txt"]
    assert len(skeleton.raw) < 64 * 1024  # headers and text: the attachments are not in it


def test_streaming_holds_little_in_memory_whatever_the_size() -> None:
    raw = big_message(os.urandom(30 * 1024 * 1024), b"%PDF-1.4", "x")
    view = memoryview(raw)
    tracemalloc.start()
    try:
        streamer = MimeStreamer(lambda content_type: HashSink())
        for start in range(0, len(raw), 1024 * 1024):
            streamer.feed(bytes(view[start : start + 1024 * 1024]))
        parse_skeleton(streamer.close())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A 40 MB message (base64) read in 1 MB chunks: a few chunks' worth at any moment.
    assert peak < 8 * 1024 * 1024, peak


def test_a_line_without_end_and_a_header_bomb_stay_bounded() -> None:
    payload = os.urandom(3 * 1024 * 1024)
    one_line = base64.b64encode(payload)  # no line breaks at all
    raw = (
        b"From: Pat <pat@example.org>\r\nSubject: " + b"A" * (5 * 1024 * 1024) + b"\r\n"
        b"Message-ID: <bomb@example.org>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
        b"See attached.\r\n--B\r\nContent-Type: application/octet-stream; name=blob.bin\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + one_line + b"\r\n--B--\r\n"
    )
    parsed, parts, skeleton = stream(raw, 256 * 1024)
    assert len(skeleton.raw) < SKELETON_LIMIT
    assert parsed.subject.startswith("AAAA") and parsed.message_id == "<bomb@example.org>"
    assert parsed.excerpt == "See attached." and "HeaderTruncated" in parsed.defects
    assert files(parts) == [
        ("blob.bin", "application/octet-stream", len(payload), hashlib.sha256(payload).hexdigest())
    ]


def test_too_deep_and_too_many_parts_are_flagged_not_followed() -> None:
    deep = b"".join(
        f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode()
        for i in range(60)
    )
    raw = (
        b"From: a@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + deep + b"\r\nbottom\r\n"
    )
    parsed, parts, _ = stream(raw, 100)
    assert parts == () and "NestingTooDeep" in parsed.defects
    many = b"".join(
        b"--M\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n" for _ in range(1100)
    )
    raw = (
        b"From: a@example.org\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=M\r\n\r\n" + many + b"--M--\r\n"
    )
    parsed, parts, _ = stream(raw, 4096)
    assert len(parts) == 1000 and "TooManyParts" in parsed.defects


def test_a_hostile_attachment_name_is_cleaned_and_flagged_as_the_parser_does() -> None:
    raw = (
        b"From: a@example.org\r\nSubject: names\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=N\r\n\r\n--N\r\n"
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''invoice%E2%80%AEfdp.exe\r\n\r\n"
        b"%PDF\r\n--N--\r\n"
    )
    whole = parse_message(raw)
    parsed, parts, _ = stream(raw, 3)
    assert [p.filename for p in parts] == [a.filename for a in whole.attachments]
    assert set(whole.defects) <= set(parsed.defects)
