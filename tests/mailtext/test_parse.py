"""Parsing raw mail into ParsedMessage: odd charsets, broken MIME, hostile file names, big files."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from mailtext import ParseError, html_to_text, parse_message, safe_filename


def test_plain_message_fields() -> None:
    raw = (
        b'From: "Pat O\'Parent" <Pat@Parents.Example>\r\n'
        b"To: Office <office@school.example>, head@school.example\r\n"
        b"Cc: governor@school.example\r\n"
        b"Subject: Re: [C-2026-0007] Your letter\r\n"
        b"Date: Mon, 12 Jan 2026 09:30:00 +0100\r\n"
        b"Message-ID: <abc.123@parents.example>\r\n"
        b"In-Reply-To: <letter-1@school.example>\r\n"
        b"References: <first@school.example>\r\n <letter-1@school.example>\r\n"
        b"\r\nI disagree.\r\n"
    )
    m = parse_message(raw)
    assert m.sender is not None
    assert (m.sender.name, m.sender.address) == ("Pat O'Parent", "pat@parents.example")
    assert [a.address for a in m.to] == ["office@school.example", "head@school.example"]
    assert [a.address for a in m.recipients][-1] == "governor@school.example"
    assert m.subject == "Re: [C-2026-0007] Your letter"
    assert m.date == datetime(2026, 1, 12, 8, 30, tzinfo=UTC)
    assert m.message_id == "<abc.123@parents.example>"
    assert m.in_reply_to == "<letter-1@school.example>"
    assert m.references == ("<first@school.example>", "<letter-1@school.example>")
    assert m.text == "I disagree."
    assert m.attachments == ()


def test_missing_message_id_and_date() -> None:
    m = parse_message(b"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n")
    assert m.message_id is None and m.date is None and m.in_reply_to is None


def test_windows_1252_labelled_latin1() -> None:
    raw = (
        b"From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"He said \x93you\x92ll regret this\x94 \x96 at the gate\r\n"
    )
    assert (
        parse_message(raw).text == "He said \u201cyou\u2019ll regret this\u201d \u2013 at the gate"
    )


def test_undeclared_8bit_body_and_header() -> None:
    raw = (
        b"From: Ren\xc3\xa9e <renee@b.example>\r\nSubject: caf\xc3\xa9 meeting\r\n\r\n"
        b"See you at the caf\xe9 gate\r\n"
    )
    m = parse_message(raw)
    assert m.subject == "caf\u00e9 meeting"
    assert m.sender is not None and m.sender.name == "Ren\u00e9e"
    assert m.text == "See you at the caf\u00e9 gate"


def test_unknown_charset_falls_back() -> None:
    raw = (
        b"From: a@b.example\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"na\xc3\xafve\r\n"
    )
    assert parse_message(raw).text == "na\u00efve"


def test_html_only_is_converted_without_remote_content() -> None:
    raw = (
        b"From: a@b.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        b"<body><p>Hello &amp; welcome</p><img src='http://tracker.example/x.png'>"
        b"<ul><li>one</li><li>two</li></ul></body></html>\r\n"
    )
    text = parse_message(raw).text
    assert "Hello & welcome" in text
    assert "- one" in text and "- two" in text
    assert "alert" not in text and "color" not in text and "tracker" not in text


def test_alternative_prefers_plain() -> None:
    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg.set_content("plain version")
    msg.add_alternative("<p>html version</p>", subtype="html")
    m = parse_message(msg.as_bytes())
    assert m.text == "plain version"
    assert m.attachments == ()


def test_rfc2231_file_names() -> None:
    raw = (
        b"From: a@b.example\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
        b"--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
        b"--XX\r\nContent-Type: image/jpeg\r\n"
        b"Content-Disposition: attachment; filename*0*=UTF-8''photo%20of%20;\r\n"
        b" filename*1*=the%20car.jpg\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n/9j/\r\n"
        b"--XX--\r\n"
    )
    m = parse_message(raw)
    assert m.text == "see attached"
    assert [(a.filename, a.content_type, a.data) for a in m.attachments] == [
        ("r\u00e9sum\u00e9 final.pdf", "application/pdf", b"%PDF-"),
        ("photo of the car.jpg", "image/jpeg", b"\xff\xd8\xff"),
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\pat\\evil.exe", "evil.exe"),
        (".htaccess", "htaccess"),
        ("...", "attachment-1.pdf"),
        ("", "attachment-1.pdf"),
        (None, "attachment-1.pdf"),
        ("CON.txt", "_CON.txt"),
        ("a\r\nb\x00c.txt", "abc.txt"),
        ('what?"*<>|.doc', "what______.doc"),
    ],
)
def test_safe_filename(given: str | None, expected: str) -> None:
    assert safe_filename(given, "application/pdf") == expected


def test_safe_filename_long_keeps_extension() -> None:
    name = safe_filename("x" * 300 + ".pdf")
    assert len(name) <= 100 and name.endswith(".pdf") and "/" not in name


def test_duplicate_attachment_names_are_made_unique() -> None:
    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg.set_content("two photos")
    for data in (b"one", b"two"):
        msg.add_attachment(data, maintype="image", subtype="png", filename="photo.png")
    m = parse_message(msg.as_bytes())
    assert [a.filename for a in m.attachments] == ["photo.png", "photo-2.png"]
    assert [a.data for a in m.attachments] == [b"one", b"two"]


def test_malformed_mime_is_best_effort() -> None:
    raw = (
        b"From: a@b.example\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="NOPE"\r\n\r\n'
        b"--WRONG\r\nContent-Type: text/plain\r\n\r\nstill readable\r\n"
    )
    m = parse_message(raw)
    assert "still readable" in m.text
    assert m.defects  # the problems are recorded, not raised


def test_broken_base64_and_bad_headers() -> None:
    raw = (
        b"From: <<<not an address\r\nTo: ,,,@@@\r\nDate: yesterday-ish\r\n"
        b"Message-ID: no-brackets@x\r\nSubject: =?utf-8?B?broken?=\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8gd29ybGQ!!!*\r\n"
    )
    m = parse_message(raw)
    assert m.date is None
    assert m.message_id == "<no-brackets@x>"
    assert m.text.startswith("Hello world")


def test_attached_email_is_kept_as_eml() -> None:
    inner = b"From: x@y.example\r\nSubject: forwarded\r\n\r\ninner body\r\n"
    raw = (
        b"From: a@b.example\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nFYI\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--B--\r\n"
    )
    m = parse_message(raw)
    assert m.text == "FYI"
    [att] = m.attachments
    assert att.content_type == "message/rfc822" and b"inner body" in att.data
    assert att.filename == "attachment-1.eml"


@pytest.mark.parametrize("junk", [b"", b"   \r\n", b"\x00\x01\x02 no headers here at all"])
def test_junk_raises_parse_error(junk: bytes) -> None:
    with pytest.raises(ParseError):
        parse_message(junk)


def test_thirty_megabyte_attachment() -> None:
    blob = os.urandom(30 * 1024 * 1024)
    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg["Subject"] = "CCTV"
    msg.set_content("footage attached")
    msg.add_attachment(blob, maintype="video", subtype="mp4", filename="gate.mp4")
    [att] = parse_message(msg.as_bytes()).attachments
    assert att.size == len(blob) and att.data == blob and att.filename == "gate.mp4"


def test_html_to_text_handles_broken_markup() -> None:
    assert html_to_text("<p>unclosed <b>bold <div>and more") == "unclosed bold\nand more"
