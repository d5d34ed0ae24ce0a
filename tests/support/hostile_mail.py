"""Crafted hostile mail for the ingest torture run: forged senders, tricks, junk, reuse."""

from __future__ import annotations

import base64


def _msg(headers: str, body: bytes = b"Hello.\r\n") -> bytes:
    return headers.replace("\n", "\r\n").encode("utf-8") + b"\r\n" + body


def hostile_messages() -> list[bytes]:
    """Messages meant to confuse a parser or the store; each must still be accounted for."""
    rlo = "\u202e"
    nested = b"".join(
        f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode()
        for i in range(60)
    )
    return [
        # A decoded CRLF in the display name must not become a Bcc or the sender.
        _msg(
            "From: =?utf-8?q?Evil=0D=0ABcc=3A_head=40stockham=2Esch=2Euk?= <evil@parents.example>\n"
            "Subject: About the trip\nMessage-ID: <forged@parents.example>\n"
        ),
        # Right-to-left override in the name, the subject and an attachment's name.
        _msg(
            f"From: {rlo}Pat Parent <pat.rlo@parents.example>\nSubject: invoice{rlo}fdp.exe\n"
            "Message-ID: <rlo@parents.example>\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=XX\n",
            (
                "--XX\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--XX\r\n"
                "Content-Type: application/octet-stream\r\n"
                f'Content-Disposition: attachment; filename="photo{rlo}gpj.exe"\r\n'
                "Content-Transfer-Encoding: base64\r\n\r\n"
                + base64.b64encode(b"MZ not really a program").decode()
                + "\r\n--XX--\r\n"
            ).encode("utf-8"),
        ),
        # Two different emails with one Message-ID: both kept, the clash shown.
        _msg(
            "From: Ann <ann@parents.example>\nSubject: First with this id\n"
            "Message-ID: <reused@parents.example>\n",
            b"The first one.\r\n",
        ),
        _msg(
            "From: Someone Else <else@elsewhere.example>\nSubject: You will regret this\n"
            "Message-ID: <reused@parents.example>\n",
            b"A threat reusing the id.\r\n",
        ),
        # The same bytes twice: two UIDs on the server, one message in the store.
        _msg(
            "From: Twice <twice@parents.example>\nSubject: Sent twice\nMessage-ID: <t@p.example>\n"
        ),
        _msg(
            "From: Twice <twice@parents.example>\nSubject: Sent twice\nMessage-ID: <t@p.example>\n"
        ),
        # No headers at all: quarantined with its bytes.
        b"\r\n\r\njust a body, no header\r\n",
        # No From header.
        _msg("Subject: nobody sent this\nMessage-ID: <nofrom@x.example>\n"),
        # An auto-reply and a bounce: skipped, never a case.
        _msg(
            "From: Pat <pat@parents.example>\nSubject: Out of office\nAuto-Submitted: auto-replied\n"
            "Message-ID: <ooo@parents.example>\n"
        ),
        _msg(
            "From: MAILER-DAEMON@mx.parents.example\nSubject: Undelivered Mail Returned to Sender\n"
            "Return-Path: <>\nMessage-ID: <bounce@mx.parents.example>\n"
        ),
        # A tag naming a case that does not exist, and an encoded CRLF in the subject.
        _msg(
            "From: Tagger <tag@parents.example>\n"
            "Subject: =?utf-8?q?Re=3A_=5BC-2026-9999=5D_hello=0D=0ABcc=3A_x=40y=2Ez?=\n"
            "Message-ID: <tag@parents.example>\n"
        ),
        # An enormous References header and a long subject.
        _msg(
            "From: Long <long@parents.example>\nSubject: "
            + "S" * 20_000
            + "\nMessage-ID: <long@parents.example>\nReferences: "
            + " ".join(f"<r{i}@x.example>" for i in range(3000))
            + "\n"
        ),
        # Broken base64, a bogus charset and deeply nested multiparts.
        _msg(
            "From: Junk <junk@parents.example>\nSubject: junk\nMessage-ID: <junk@parents.example>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=x-no-such\n"
            "Content-Transfer-Encoding: base64\n",
            b"!!!! not base64 at all ####\r\n",
        ),
        _msg(
            "From: Nest <nest@parents.example>\nSubject: nested\nMessage-ID: <nest@parents.example>\n"
            "MIME-Version: 1.0\n",
            nested,
        ),
        # 8-bit junk in the headers.
        b"From: \xff\xfe <bytes@parents.example>\r\nSubject: \xc0\xc1\xf5\r\n\r\nbody\r\n",
    ]
