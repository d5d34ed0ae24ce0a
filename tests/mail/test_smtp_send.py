"""Sending letters through a real aiosmtpd server, and what each failure becomes."""

from __future__ import annotations

import email
import email.policy
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from casework.mailconfig import Secret, Smtp
from mailer.embedded_imap import free_port
from mailer.errors import PermanentSendError, TransientSendError
from mailer.smtp_send import (
    OutgoingLetter,
    SmtpLoginError,
    build_letter,
    make_message_id,
    send_letter,
)
from tests.support.mailservers.dovecot import make_self_signed_cert
from tests.support.mailservers.smtp import RecordingSmtp

# The test server takes AUTH over plain text to loopback on purpose; aiosmtpd warns each time.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
ICS = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


def letter(**kw: object) -> OutgoingLetter:
    fields: dict[str, object] = {
        "case_ref": "C-2026-0007",
        "kind": "warning",
        "to_name": "Pat Parent",
        "to_address": "pat@parents.example",
        "subject": "Warning about conduct on 12 January",
        "body_text": "Dear Pat,\n\nPlease find our letter attached.\n",
        "pdf": PDF,
        "message_id": make_message_id("office@school.example"),
        "date": datetime(2026, 1, 13, 9, 0, tzinfo=UTC),
    }
    fields.update(kw)
    return OutgoingLetter(**fields)  # type: ignore[arg-type]


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.fixture
def settings(smtp_server: RecordingSmtp, smtp_password_env: str) -> Smtp:
    return smtp_server.smtp_settings(smtp_password_env, cc=("records@school.example",))


def test_letter_arrives_with_pdf_intact(smtp_server: RecordingSmtp, settings: Smtp) -> None:
    out = letter(ics=ICS, in_reply_to="<abc@parents.example>")
    result = send_letter(build_letter(out, settings), settings)
    assert result.message_id == out.message_id
    assert result.refused == ()
    [got] = smtp_server.messages
    assert got.login == "office"
    assert got.mail_from == "office@school.example"
    assert set(got.rcpt_tos) == {"pat@parents.example", "records@school.example"}
    msg = parse(got.data)
    assert msg["From"] == "Hillside Primary School <office@school.example>"
    assert msg["To"] == "Pat Parent <pat@parents.example>"
    assert msg["Cc"] == "records@school.example"
    assert msg["Subject"] == "[C-2026-0007] Warning about conduct on 12 January"
    assert msg["Message-ID"] == out.message_id
    assert msg["In-Reply-To"] == "<abc@parents.example>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Bcc"] is None
    body = msg.get_body(("plain",))
    assert body is not None and "Please find our letter attached." in body.get_content()
    atts = {a.get_filename(): a for a in msg.iter_attachments()}
    assert set(atts) == {"C-2026-0007-warning.pdf", "C-2026-0007-warning.ics"}
    pdf = atts["C-2026-0007-warning.pdf"]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content() == PDF
    ics = atts["C-2026-0007-warning.ics"]
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"


def test_tag_not_doubled(settings: Smtp) -> None:
    msg = build_letter(letter(subject="[C-2026-0007] Meeting invitation"), settings)
    assert msg["Subject"] == "[C-2026-0007] Meeting invitation"


def test_header_injection_impossible(smtp_server: RecordingSmtp, settings: Smtp) -> None:
    out = letter(
        to_name="Pat\r\nBcc: evil@attacker.example",
        subject="Hello\r\nBcc: evil2@attacker.example",
    )
    send_letter(build_letter(out, settings), settings)
    [got] = smtp_server.messages
    assert "evil@attacker.example" not in got.rcpt_tos
    assert b"\nBcc:" not in got.data and b"\rBcc:" not in got.data
    msg = parse(got.data)
    assert msg["Bcc"] is None
    assert [a.addr_spec for a in msg["To"].addresses] == ["pat@parents.example"]
    assert "\n" not in msg["Subject"]


def test_bad_recipient_address_is_permanent(settings: Smtp) -> None:
    with pytest.raises(PermanentSendError):
        build_letter(letter(to_address="pat@parents.example>, evil@x.example"), settings)


def test_421_is_transient(smtp_server: RecordingSmtp, settings: Smtp) -> None:
    smtp_server.knobs.reply_next = "421 4.3.2 System shutting down, try later"
    with pytest.raises(TransientSendError) as err:
        send_letter(build_letter(letter(), settings), settings)
    assert not isinstance(err.value, PermanentSendError)
    assert smtp_server.messages == []
    # And the retry succeeds.
    send_letter(build_letter(letter(), settings), settings)
    assert len(smtp_server.messages) == 1


def test_550_is_permanent_with_reply_text(smtp_server: RecordingSmtp, settings: Smtp) -> None:
    smtp_server.knobs.reply_next = "550 5.1.1 <pat@parents.example>: mailbox unavailable"
    with pytest.raises(PermanentSendError) as err:
        send_letter(build_letter(letter(), settings), settings)
    assert err.value.code == 550
    assert "mailbox unavailable" in err.value.reply


def test_dropped_mid_data_is_transient(smtp_server: RecordingSmtp, settings: Smtp) -> None:
    smtp_server.knobs.drop_next_in_data = True
    with pytest.raises(TransientSendError):
        send_letter(build_letter(letter(pdf=PDF * 200), settings), settings)
    assert smtp_server.messages == []


def test_connection_refused_is_transient(settings: Smtp) -> None:
    from dataclasses import replace

    with pytest.raises(TransientSendError):
        send_letter(build_letter(letter(), settings), replace(settings, port=free_port()))


def test_wrong_password_is_a_login_error(
    settings: Smtp, monkeypatch: pytest.MonkeyPatch, smtp_password_env: str
) -> None:
    monkeypatch.setenv(smtp_password_env, "wrong")
    with pytest.raises(SmtpLoginError):
        send_letter(build_letter(letter(), settings), settings)


def test_xoauth2_with_token_command(smtp_server: RecordingSmtp) -> None:
    settings = smtp_server.smtp_settings(
        "UNUSED", secret=Secret(token_command="printf ya29.test-token")
    )
    send_letter(build_letter(letter(), settings), settings)
    assert smtp_server.messages[0].login == "office"
    bad = smtp_server.smtp_settings("UNUSED", secret=Secret(token_command="printf expired"))
    with pytest.raises(SmtpLoginError):
        send_letter(build_letter(letter(), bad), bad)


def test_starttls_verifies_with_private_ca(tmp_path: Path, smtp_password_env: str) -> None:
    cert, key = make_self_signed_cert(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = RecordingSmtp({"office": "smtp-pass"}, tls_context=ctx).start()
    try:
        good = server.smtp_settings(smtp_password_env, security="starttls", ca_file=cert)
        send_letter(build_letter(letter(), good), good)
        assert len(server.messages) == 1
        unverified = server.smtp_settings(smtp_password_env, security="starttls")
        with pytest.raises(TransientSendError, match="certificate"):
            send_letter(build_letter(letter(), unverified), unverified)
    finally:
        server.stop()
