"""Hostile mail: forged senders, direction tricks, enormous headers, and CPython's test corpus."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from mailtext import (
    DISPLAY_NAME_LIMIT,
    EXCERPT_LIMIT,
    REFERENCES_LIMIT,
    SUBJECT_LIMIT,
    ParseError,
    auto_reply_reason,
    parse_message,
)

FORGED = (
    b"From: =?utf-8?q?Evil=0D=0ABcc=3A_head=40example=2Esch=2Euk?= <evil@parents.example>\r\n"
    b"To: office@example.sch.uk\r\nSubject: About the trip\r\n"
    b"Message-ID: <forged@parents.example>\r\n\r\nHello.\r\n"
)


def test_a_decoded_line_break_in_a_display_name_cannot_forge_the_sender() -> None:
    m = parse_message(FORGED)
    assert m.sender is not None
    assert m.sender.address == "evil@parents.example"
    assert "\r" not in m.sender.name and "\n" not in m.sender.name
    assert m.sender.name == "Evil Bcc: head@example.sch.uk"  # a name, shown as text
    assert any("From display name: control characters removed" in d for d in m.defects)
    assert [a.address for a in m.recipients] == ["office@example.sch.uk"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # An unquoted address in the display part: the address is what is in <...>.
        (b"head@example.sch.uk <evil@parents.example>", "evil@parents.example"),
        (b'"head@example.sch.uk" <evil@parents.example>', "evil@parents.example"),
        # An encoded word may stand for display text only, never for an address.
        (b"=?utf-8?q?head=40example=2Esch=2Euk?=", None),
        (b"=?utf-8?q?head=40example=2Esch=2Euk?= <evil@parents.example>", "evil@parents.example"),
        (b"Pat <pat@parents.example> (copy head@example.sch.uk)", "pat@parents.example"),
        (b"<<<not an address", None),
    ],
)
def test_the_sender_comes_only_from_the_address_part(header: bytes, expected: str | None) -> None:
    m = parse_message(b"From: " + header + b"\r\nSubject: x\r\n\r\nbody\r\n")
    assert (m.sender.address if m.sender else None) == expected


def test_escape_sequences_in_a_display_name_are_removed_and_flagged() -> None:
    m = parse_message(b"From: =?utf-8?q?Pat=1B=5B2J_Parent?= <pat@x.example>\r\n\r\nhi\r\n")
    assert m.sender is not None and m.sender.name == "Pat[2J Parent"
    assert any("control characters removed" in d for d in m.defects)


def test_right_to_left_override_in_names_is_removed_and_flagged() -> None:
    raw = (
        b"From: =?utf-8?b?UGF0IOKArnRuZXJhUA==?= <pat@x.example>\r\n"  # "Pat \u202etneraP"
        b"Subject: photo\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--B\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''invoice%E2%80%AEfdp.exe\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nTVo=\r\n--B--\r\n"
    )
    m = parse_message(raw)
    assert m.sender is not None and m.sender.name == "Pat tneraP"
    [att] = m.attachments
    assert att.filename == "invoicefdp.exe"  # shown as what it is: an .exe
    assert any(d.startswith("From display name: right-to-left") for d in m.defects)
    assert any(d.startswith("an attachment's file name: right-to-left") for d in m.defects)


@pytest.mark.parametrize(
    "char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f"]
)
def test_every_direction_control_is_removed(char: str) -> None:
    raw = f"From: Pat{char} Parent <pat@x.example>\r\n\r\nhi\r\n".encode()
    m = parse_message(raw)
    assert m.sender is not None and m.sender.name == "Pat Parent"
    assert m.defects


def test_the_store_gets_bounded_excerpts_and_the_limits_hold() -> None:
    subject = "S" * 5_000_000
    name = "N" * 100_000
    refs = " ".join(f"<r{i}@x.example>" for i in range(5_000))
    raw = (
        f"From: {name} <pat@x.example>\r\nSubject: {subject}\r\nReferences: {refs}\r\n\r\n".encode()
        + b"body " * 1_000_000
    )
    m = parse_message(raw)
    assert len(m.subject) == 5_000_000  # the parse itself loses nothing
    assert len(m.bounded_subject) == SUBJECT_LIMIT and m.bounded_subject.endswith("\u2026")
    assert len(m.bounded_sender_name) == DISPLAY_NAME_LIMIT
    assert len(m.excerpt) <= EXCERPT_LIMIT and m.excerpt.startswith("body body")
    assert len(m.bounded_references) == REFERENCES_LIMIT
    assert m.bounded_references[0] == "<r0@x.example>"
    assert m.bounded_references[-1] == "<r4999@x.example>"


def test_short_text_is_kept_whole() -> None:
    m = parse_message(b"From: Pat <pat@x.example>\r\nSubject: Gate\r\n\r\nShort.\r\n")
    assert (m.bounded_subject, m.bounded_sender_name, m.excerpt) == ("Gate", "Pat", "Short.")


def _corpus() -> Path:
    """CPython's email test messages, found through the running interpreter."""
    try:
        package = importlib.import_module("test.test_email")
    except ImportError:
        pytest.fail(
            "CPython's email test corpus (test.test_email) is not installed for this Python; "
            "on Debian install libpython3.X-testsuite (./run setup does it as root)",
            pytrace=False,
        )
    assert package.__file__ is not None
    data = Path(package.__file__).parent / "data"
    if not sorted(data.glob("msg_*.txt")):
        pytest.fail(f"no msg_*.txt in {data}: the email test corpus is incomplete", pytrace=False)
    return data


def test_every_message_of_cpythons_email_corpus_parses() -> None:
    data = _corpus()
    messages = sorted(data.glob("msg_*.txt"))
    assert len(messages) >= 40
    parsed = 0
    for path in sorted(data.iterdir()):  # the images and sounds there too: junk to a mail parser
        raw = path.read_bytes()
        # Whole, and cut short at a few places (a truncated download is common).
        for cut in (len(raw), len(raw) // 2, len(raw) // 3, 200, 50):
            try:
                m = parse_message(raw[:cut])
            except ParseError:
                continue
            auto_reply_reason(m)
            assert len(m.bounded_subject) <= SUBJECT_LIMIT and len(m.excerpt) <= EXCERPT_LIMIT
            parsed += 1
    # Only msg_19.txt (a digest body with no header at all) is not an email.
    unreadable = []
    for path in messages:
        try:
            parse_message(path.read_bytes())
        except ParseError:
            unreadable.append(path.name)
    assert unreadable == ["msg_19.txt"]
    assert parsed > len(messages) * 4
