"""When the daemon next has something to tell staff: never, with nobody to tell."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from casework.clock import Clock
from casework.config import load_config
from casework.staff import Actor, Role, StaffMember
from mailer.staff_notify import next_staff_due
from store.casebook import Casebook
from store.staff import StaffBook
from tests.support.mailfixtures import loopback_mail_toml
from tests.support.school import write_config

AFTERNOON = Clock.fixed(datetime(2026, 11, 23, 14, 50, tzinfo=UTC))  # after the 07:30 digest


def test_a_single_user_install_has_no_digest_due_so_the_daemon_waits(tmp_path: Path) -> None:
    # The daemon ends its wait when staff are next due to be told. With nobody on the register
    # the digest is never sent, so a digest "due" at 07:30 ended every wait at once: the
    # daemon rewrote its health each second and the dashboard reloaded with it.
    mail = loopback_mail_toml(imap_port=1, imap_user="office", imap_env="UNUSED", smtp_port=2)
    config = load_config(write_config(tmp_path, "warning-first", mail))
    book = Casebook(config, clock=AFTERNOON, actor=Actor("hhead", Role.HEADTEACHER))
    assert next_staff_due(book, config) is None

    StaffBook(book.store, book.actor).add(
        StaffMember("hhead", "Mrs Helen Head", "head@stockham.sch.uk", Role.HEADTEACHER)
    )
    assert next_staff_due(book, config) == datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
