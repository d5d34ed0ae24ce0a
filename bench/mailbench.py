"""Shared set-up for the mail benchmarks: a private Dovecot and a school pointing at it."""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

from mailservers.dovecot import Dovecot  # noqa: E402

from casework.config import Config, Mail, Smtp, load_config  # noqa: E402
from tests.support.school import write_config  # noqa: E402

PASSWORD_ENV = "CONDUCT_BENCH_IMAP_PASSWORD"


def start_dovecot() -> Dovecot:
    """A private Dovecot on loopback with one user."""
    os.environ[PASSWORD_ENV] = "bench-secret"
    return Dovecot.create({"office": "bench-secret"})


def school(dovecot: Dovecot, workdir: Path | None = None, folder: str = "INBOX") -> Config:
    """A warning-first school whose inbox is the bench Dovecot."""
    base = workdir or Path(tempfile.mkdtemp(prefix="conduct-bench-"))
    config = load_config(write_config(base, "warning-first"))
    imap = dovecot.imap_settings(PASSWORD_ENV, folder=folder)
    smtp = Smtp(
        host="127.0.0.1",
        port=1,
        security="plain",
        user="office",
        secret=imap.secret,
        from_address="office@stockham.sch.uk",
        from_name="Office",
    )
    return replace(config, mail=Mail(imap=imap, smtp=smtp))


def report(n: int) -> bytes:
    """A parent's email, different each time."""
    return (
        f"From: Parent {n} <parent{n}@example.org>\r\nTo: office@stockham.sch.uk\r\n"
        f"Subject: Report {n}\r\nMessage-ID: <bench-{n}-{os.urandom(4).hex()}@example.org>\r\n"
        f"Date: Mon, 02 Nov 2026 09:30:00 +0000\r\n\r\nSomething happened at the gate ({n}).\r\n"
    ).encode()
