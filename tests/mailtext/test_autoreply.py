"""Auto-replies, bounces and list mail are recognised on realistic samples; people's mail is not."""

from __future__ import annotations

import pytest

from mailtext import auto_reply_reason, parse_message

GMAIL_VACATION = b"""\
Return-Path: <pat@parents.example>
From: Pat Parent <pat@parents.example>
To: office@school.example
Subject: Away until Monday
Auto-Submitted: auto-replied
Precedence: bulk
Message-ID: <vac-1@parents.example>

I am away.
"""

OUTLOOK_OOF = b"""\
From: Sam Smith <sam@parents.example>
To: office@school.example
Subject: Automatic reply: [C-2026-0007] Warning letter
X-Auto-Response-Suppress: All
X-MS-Exchange-Inbox-Rules-Loop: sam@parents.example
Content-Type: text/plain; charset="us-ascii"

I am out of the office.
"""

BOUNCE = b"""\
Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.parents.example>
To: office@school.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BND"

--BND
Content-Type: text/plain

This is the mail system. I'm sorry to have to inform you...
--BND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.parents.example
Final-Recipient: rfc822; nobody@parents.example
Action: failed
Status: 5.1.1
--BND--
"""

POSTMASTER = b"""\
From: postmaster@parents.example
To: office@school.example
Subject: Delivery delayed

Your message is delayed.
"""

READ_RECEIPT = b"""\
From: pat@parents.example
To: office@school.example
Subject: Read: Warning letter
Content-Type: multipart/report; report-type=disposition-notification; boundary="R"

--R
Content-Type: text/plain

Your message was read.
--R--
"""

NEWSLETTER = b"""\
From: PTA News <news@pta.example>
To: office@school.example
Subject: Bake sale!
List-Id: PTA announcements <announce.pta.example>
List-Unsubscribe: <mailto:leave@pta.example>

Cakes.
"""

PARENT = b"""\
Return-Path: <pat@parents.example>
From: Pat Parent <pat@parents.example>
To: office@school.example
Subject: Re: [C-2026-0007] Warning letter
Auto-Submitted: no
Date: Mon, 12 Jan 2026 09:30:00 +0000

I was not shouting at the gate.
"""


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (GMAIL_VACATION, "auto-replied"),
        (OUTLOOK_OOF, "X-Auto-Response-Suppress"),
        (BOUNCE, "Return-Path"),
        (POSTMASTER, "postmaster"),
        (READ_RECEIPT, "read receipt"),
        (NEWSLETTER, "List-Id"),
        (b"From: a@b.example\nPrecedence: junk\n\nx\n", "junk"),
        (b"From: Delivery <mailer-daemon@x.example>\n\nx\n", "mailer-daemon"),
        (
            b"From: a@b.example\nContent-Type: multipart/report; report-type=delivery-status;"
            b' boundary="x"\n\n--x--\n',
            "delivery status",
        ),
    ],
)
def test_automatic_mail_is_recognised(raw: bytes, fragment: str) -> None:
    reason = auto_reply_reason(parse_message(raw.replace(b"\n", b"\r\n")))
    assert reason is not None and fragment.lower() in reason.lower()


def test_a_parent_writing_is_not_automatic() -> None:
    assert auto_reply_reason(parse_message(PARENT.replace(b"\n", b"\r\n"))) is None


def test_junk_headers_do_not_raise() -> None:
    raw = b"From: \xff\xfe<<<\r\nAuto-Submitted: \r\nContent-Type: multipart/report;;;\r\n\r\n"
    assert auto_reply_reason(parse_message(raw)) == "multipart/report (unknown type)"
