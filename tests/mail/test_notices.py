"""Internal notices through a real SMTP server: waiting for an address, refused, sent once."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

from casework.clock import Clock
from casework.config import Config, load_config
from casework.notices import FixedDirectory, NoticeStatus
from mailer.notices import send_due_notices
from store.casebook import Casebook
from store.notices import NoticeBox
from tests.support.clock import FIXED
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.school import SCHOOL

POLICY = """
[policy]
id = "tell"
name = "Tell the Chair"
first_step = "start"
[[policy.behaviours]]
id = "shouting"
label = "Shouting"
[[policy.steps]]
id = "start"
label = "Start"
next = ["tell"]
[[policy.steps]]
id = "tell"
label = "Tell the Chair of Governors"
notify = ["chair"]
next = ["start"]
"""


def school(tmp_path: Path, smtp_server: RecordingSmtp, env: str) -> Config:
    smtp = smtp_server.smtp_settings(env)
    mail = f"""
[mail.imap]
host = "127.0.0.1"
port = 1
security = "plain"
user = "office"
password_env = "{env}"
[mail.smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "plain"
user = "{smtp.user}"
password_env = "{env}"
from_address = "office@stockham.sch.uk"
"""
    cfg = tmp_path / "config.toml"
    cfg.write_text(SCHOOL + POLICY + mail, encoding="utf-8")
    return load_config(cfg)


def test_a_notice_waits_for_an_address_then_goes_once(
    tmp_path: Path, smtp_server: RecordingSmtp, smtp_password_env: str
) -> None:
    config = school(tmp_path, smtp_server, smtp_password_env)
    now = [FIXED]
    book = Casebook(config, clock=Clock(lambda: now[0]))
    case = book.open_case(name="Pat", behaviours=["shouting"], summary="Shouted")
    book.step(case.ref, "tell")
    box = NoticeBox(book)
    (due,) = box.due()

    # Nobody holds the role yet (no staff register): it waits, says why, and sends nothing.
    waiting = send_due_notices(book, config, FixedDirectory())
    assert (waiting.sent, waiting.waiting) == (0, 1)
    (held,) = box.with_status(NoticeStatus.DUE)
    assert held.last_error == "nobody to send it to: no address for chair"
    assert box.due() == [] and smtp_server.messages == []

    # An hour on, the Chair has an address: it goes, once.
    now[0] = FIXED + timedelta(hours=1, minutes=1)
    chair = FixedDirectory((("chair", ("chair@stockham.sch.uk",)),))
    assert send_due_notices(book, config, chair).sent == 1
    assert send_due_notices(book, config, chair).sent == 0
    (message,) = smtp_server.messages
    assert message.rcpt_tos == ("chair@stockham.sch.uk",)
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Message-ID"] == box.with_status(NoticeStatus.SENT)[0].message_id
    events = [e.type.value for e in book.file(case.ref).events]
    assert events[-2:] == ["notice-due", "notice-sent"]


def test_a_refused_notice_is_failed_and_shows_on_the_case(
    tmp_path: Path, smtp_server: RecordingSmtp, smtp_password_env: str
) -> None:
    config = school(tmp_path, smtp_server, smtp_password_env)
    book = Casebook(config, clock=Clock.fixed(FIXED))
    case = book.open_case(name="Pat", behaviours=["shouting"], summary="Shouted")
    book.step(case.ref, "tell")
    smtp_server.knobs.reply_next = "550 5.1.1 No such user"
    counts = send_due_notices(
        book, config, FixedDirectory((("chair", ("nobody@stockham.sch.uk",)),))
    )
    assert counts.failed == 1
    (failed,) = NoticeBox(book).with_status(NoticeStatus.FAILED)
    assert "550" in failed.last_error
    assert book.file(case.ref).events[-1].type.value == "notice-failed"
