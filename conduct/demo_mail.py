"""Fictional emails the demo delivers and flags, as staff would, over its first minute.

Each message is the same bytes every time the demo runs on a workspace (its date and
Message-ID come from the moment the workspace was made), so a second run delivers mail the
store already knows and opens no second case.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from mailer.embedded_imap import deliver

log = logging.getLogger("conduct.demo")

FLAGGED = ("\\Flagged",)


def _email(
    made: datetime, n: int, sender: str, subject: str, body: str, **headers: str
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Exampleton Office <office@example.sch.uk>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(made + timedelta(minutes=n))
    domain = sender.rpartition("@")[2].rstrip(">")
    msg["Message-ID"] = f"<demo-{n}.{made:%Y%m%d%H%M%S}@{domain}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def script(tagged_ref: str, made: datetime) -> list[tuple[float, bytes, bool]]:
    """(seconds after start, raw message, flagged?) for the demo's first minute.

    ``made`` is when the workspace was made: every run on it builds the same messages.
    """
    return [
        (
            4.0,
            _email(
                made,
                1,
                "Jordan Blake <jordan.blake@example.com>",
                "Your teachers are a disgrace",
                "I was shouted at by nobody and ignored by everybody at the gate this morning.\n"
                "If this happens again I will make sure every parent on the class page hears about it.\n",
            ),
            True,
        ),
        (
            12.0,
            _email(
                made,
                2,
                "Lunchtime Supervisor <r.hughes@example.sch.uk>",
                "Fwd: parent swearing at the lunchtime gate",
                "Forwarding this as asked. A parent (I don't know the name, tall, red coat) swore at me\n"
                "and at two Year 4 pupils at 12:40 when I asked him not to film the children.\n",
            ),
            True,
        ),
        (
            20.0,
            _email(
                made,
                3,
                "Office newsletter <news@example.org>",
                "Autumn term newsletter",
                "Not flagged: the daemon leaves this one alone.\n",
            ),
            False,
        ),
        (
            28.0,
            _email(
                made,
                4,
                "Chris Doyle <chris.doyle@example.org>",
                f"Re: [{tagged_ref}] Warning letter",
                "I have read your letter. I accept I lost my temper and I am sorry.\n",
            ),
            True,
        ),
        (
            40.0,
            _email(
                made,
                5,
                "Jordan Blake <jordan.blake@example.com>",
                "Automatic reply: Your teachers are a disgrace",
                "I am away until Monday.\n",
                Auto_Submitted="auto-replied",
            ),
            True,
        ),
    ]


def feed(
    host: str,
    port: int,
    user: str,
    password: str,
    tagged_ref: str,
    stop: threading.Event,
    made: datetime,
    speed: float = 1.0,
) -> None:
    """Deliver the script's messages on time (``speed`` times faster) until done or stopped."""
    started = time.monotonic()
    for at, raw, flagged in script(tagged_ref, made):
        if stop.wait(max(0.0, started + at / max(speed, 0.01) - time.monotonic())):
            return
        try:
            deliver(host, port, user, password, raw, flags=FLAGGED if flagged else ())
        except OSError as exc:
            log.warning("demo: could not deliver a message: %s", exc)
