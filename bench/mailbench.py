"""Shared set-up for the mail benchmarks: a private Dovecot and a school pointing at it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from casework.config import Config, load_config
from tests.support.mailfixtures import loopback_mail_toml, start_dovecot
from tests.support.school import write_config

if TYPE_CHECKING:
    from tests.support.mailservers.dovecot import Dovecot

PASSWORD_ENV = "CONDUCT_BENCH_IMAP_PASSWORD"
PASSWORD = "bench-secret"


def bench_dovecot() -> Dovecot:
    """A private Dovecot on loopback with one user, office."""
    os.environ[PASSWORD_ENV] = PASSWORD
    return start_dovecot({"office": PASSWORD})


def school(dovecot: Dovecot, workdir: Path | None = None, folder: str = "INBOX") -> Config:
    """A warning-first school (config.toml in ``workdir``) whose inbox is the bench Dovecot."""
    base = workdir or Path(tempfile.mkdtemp(prefix="conduct-bench-"))
    mail = loopback_mail_toml(
        imap_port=dovecot.port,
        imap_user="office",
        imap_env=PASSWORD_ENV,
        smtp_port=1,
        folder=folder,
    )
    return load_config(write_config(base, "warning-first", mail))


def report(n: int) -> bytes:
    """A parent's email, different each time."""
    return (
        f"From: Parent {n} <parent{n}@example.org>\r\nTo: office@stockham.sch.uk\r\n"
        f"Subject: Report {n}\r\nMessage-ID: <bench-{n}-{os.urandom(4).hex()}@example.org>\r\n"
        f"Date: Mon, 02 Nov 2026 09:30:00 +0000\r\n\r\nSomething happened at the gate ({n}).\r\n"
    ).encode()
