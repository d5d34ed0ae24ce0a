"""Build a letter email (PDF attached, case tag in the subject) and send it, classifying failures."""

from __future__ import annotations

import io
import re
import smtplib
import ssl
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import NoReturn

from casework.mailconfig import LOOPBACK_HOSTS, Smtp
from casework.record import record
from mailer.credentials import Credential, resolve
from mailer.errors import OutcomeUnknown, PermanentSendError, RecordingFailed, TransientSendError
from mailer.signin_errors import Who, explain_smtp

# Deliberately narrower than RFC 5322: one address, no comments, no quoting, no spaces.
_ADDR = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,252})$")
_MESSAGE_ID = re.compile(r"^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9.\-]+>$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# RFC 5321 4.5.3.2.6: a client waits ten minutes for the reply to the final dot, because a
# server may still be checking the message; giving up sooner risks sending it twice.
DOT_TIMEOUT_SECONDS = 600.0
_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")
# QUIT comes after the letter was accepted: no reason to wait long for its answer.
QUIT_TIMEOUT_SECONDS = 10.0


class SmtpLoginError(TransientSendError):
    """The server refused our credentials: fix the config; the letter itself stays queued."""


@record
class OutgoingLetter:
    """Everything needed to email one letter; the Message-ID is assigned (and stored) by the caller."""

    case_ref: str
    kind: str
    to_name: str
    to_address: str
    subject: str
    body_text: str
    pdf: bytes
    message_id: str
    date: datetime  # when it is sent, by the daemon's clock
    cc: tuple[str, ...] = ()
    ics: bytes | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()

    @property
    def attachment_name(self) -> str:
        """The PDF's file name, e.g. ``C-2026-0007-warning.pdf``."""
        return f"{self.case_ref}-{self.kind}.pdf"


@record
class SendResult:
    """What the server accepted: the envelope recipients, and any it refused."""

    message_id: str
    accepted: tuple[str, ...]
    refused: tuple[tuple[str, int, str], ...]


def make_message_id(from_address: str) -> str:
    """A fresh, globally unique Message-ID in the sender's domain, to be stored before sending."""
    domain = from_address.rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def tagged_subject(case_ref: str, subject: str) -> str:
    """``[C-2026-0007] subject``, without doubling a tag already there."""
    tag = f"[{case_ref}]"
    clean = " ".join(_CONTROL.sub(" ", subject).split())
    return clean if tag in clean else f"{tag} {clean}".strip()


def _address(name: str, addr: str, what: str) -> Address:
    addr = addr.strip()
    if not _ADDR.match(addr) or ".." in addr:
        raise PermanentSendError(f"{what} address {addr!r} is not a plain email address", 0, "")
    # Names come from outside (parents type them); control characters would only ever be mischief.
    clean = " ".join(_CONTROL.sub(" ", name).split())
    local, _, domain = addr.partition("@")
    return Address(display_name=clean, username=local, domain=domain)


def build_letter(letter: OutgoingLetter, smtp: Smtp) -> EmailMessage:
    """The letter as an EmailMessage: headers made safe by construction, PDF and .ics attached."""
    if not _MESSAGE_ID.match(letter.message_id):
        raise PermanentSendError(f"bad Message-ID {letter.message_id!r}", 0, "")
    msg = EmailMessage()
    msg["From"] = _address(smtp.from_name, smtp.from_address, "From")
    msg["To"] = _address(letter.to_name, letter.to_address, "To")
    cc = [_address("", a, "Cc") for a in (*smtp.cc, *letter.cc)]
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = tagged_subject(letter.case_ref, letter.subject)
    msg["Date"] = format_datetime(letter.date)
    msg["Message-ID"] = letter.message_id
    # Threading headers only carry well-formed ids: they are copied from incoming mail.
    refs = [r for r in letter.references if _MESSAGE_ID.match(r)]
    if letter.in_reply_to and _MESSAGE_ID.match(letter.in_reply_to):
        msg["In-Reply-To"] = letter.in_reply_to
        refs.append(letter.in_reply_to)
    if refs:
        msg["References"] = " ".join(dict.fromkeys(refs))
    # We never want replies from robots, and RFC 3834 lets us say so.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(letter.body_text)
    msg.add_attachment(
        letter.pdf, maintype="application", subtype="pdf", filename=letter.attachment_name
    )
    if letter.ics is not None:
        msg.add_attachment(
            letter.ics,
            maintype="text",
            subtype="calendar",
            filename=f"{letter.case_ref}-{letter.kind}.ics",
            params={"method": "REQUEST"},
        )
    return msg


def envelope_recipients(msg: EmailMessage) -> list[str]:
    """The To and Cc addresses of a built letter (we never use Bcc)."""
    out: list[str] = []
    for name in ("To", "Cc"):
        header = msg.get(name)
        for a in getattr(header, "addresses", ()):
            if a.addr_spec not in out:
                out.append(a.addr_spec)
    return out


def send_letter(
    msg: EmailMessage,
    smtp: Smtp,
    *,
    credential: Credential | None = None,
    timeout: float | None = None,
    dot_timeout: float = DOT_TIMEOUT_SECONDS,
    before_dot: Callable[[], None] | None = None,
    on_accepted: Callable[[SendResult], None] | None = None,
) -> SendResult:
    """Send one message; raise TransientSendError (retry) or PermanentSendError (a person must look).

    The 250 that answers the final dot is what "sent" means: ``on_accepted`` runs the moment
    it arrives, before QUIT, and nothing QUIT answers can undo it. ``before_dot`` runs just
    before the final dot goes out. After the dot, a timeout (``dot_timeout``, RFC 5321's ten
    minutes) or a dropped connection raises OutcomeUnknown: the server may have the letter.
    An exception raised by either callback comes out as RecordingFailed.
    """
    message_id = str(msg["Message-ID"] or "")
    recipients = envelope_recipients(msg)
    if not recipients:
        raise PermanentSendError("the letter has no recipients", 0, "")
    cred = credential if credential is not None else resolve(smtp.user, smtp.secret)
    where = f"SMTP {smtp.host}:{smtp.port}"
    wait = float(timeout if timeout is not None else smtp.timeout_seconds)
    conn: smtplib.SMTP | None = None
    try:
        conn = _open(smtp, wait, where)
        _login(conn, cred, where)
        result = _transaction(
            conn, msg, smtp.from_address, recipients, where, dot_timeout, before_dot
        )
    except (TransientSendError, PermanentSendError, RecordingFailed):
        _close(conn)
        raise
    except smtplib.SMTPResponseException as exc:
        _close(conn)
        raise _classify(exc.smtp_code, exc.smtp_error, where) from exc
    except ssl.SSLCertVerificationError as exc:
        _close(conn)
        raise TransientSendError(
            f"{where}: the server's TLS certificate could not be verified "
            f"({exc.verify_message}); set ca_file for a private CA"
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        # Disconnected, refused, reset, timed out, TLS failure before the final dot: the
        # server cannot have accepted the letter, so trying again is safe.
        _close(conn)
        raise TransientSendError(f"{where}: {exc.__class__.__name__}: {exc}") from exc
    assert conn is not None
    try:
        if on_accepted is not None:
            try:
                on_accepted(result)
            except Exception as exc:
                raise RecordingFailed("accepted", exc) from exc
    finally:
        _quit(conn)
    return SendResult(message_id, result.accepted, result.refused)


def _transaction(
    conn: smtplib.SMTP,
    msg: EmailMessage,
    sender: str,
    recipients: list[str],
    where: str,
    dot_timeout: float,
    before_dot: Callable[[], None] | None,
) -> SendResult:
    """MAIL, RCPT, DATA and the final dot, each reply checked; the dot's with its own timeout."""
    data = _flatten(msg)
    options: list[str] = []
    if conn.has_extn("8bitmime") and any(b > 127 for b in data):
        options.append("BODY=8BITMIME")
    code, reply = conn.mail(sender, options)
    if code != 250:
        raise _classify(code, reply, where)
    refused: dict[str, tuple[int, bytes]] = {}
    for rcpt in recipients:
        code, reply = conn.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, reply)
    if len(refused) == len(recipients):
        _all_refused(refused, where)
    code, reply = conn.docmd("DATA")
    if code != 354:
        raise _classify(code, reply, where)
    body = _DOT_AT_LINE_START.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    # Everything but the final dot: a failure here leaves the letter undelivered.
    conn.send(body)
    if before_dot is not None:
        try:
            before_dot()
        except Exception as exc:
            raise RecordingFailed("before-dot", exc) from exc
    conn.send(b".\r\n")
    sent_at = time.monotonic()
    assert conn.sock is not None
    conn.sock.settimeout(dot_timeout)
    try:
        code, reply = conn.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        waited = time.monotonic() - sent_at
        why = (
            f"no answer within {dot_timeout:g} s"
            if "timed out" in str(exc)
            else f"the connection closed after {waited:.0f} s without an answer"
        )
        raise OutcomeUnknown(
            f"{where}: the whole letter reached the server, then {why}; "
            "the server may or may not have delivered it"
        ) from exc
    if not 200 <= code <= 299:
        raise _classify(code, reply, where)
    bad = tuple((addr, c, _reply(text)) for addr, (c, text) in refused.items())
    accepted = tuple(r for r in recipients if r not in refused)
    return SendResult(str(msg["Message-ID"] or ""), accepted, bad)


def _flatten(msg: EmailMessage) -> bytes:
    # As smtplib.send_message does: CRLF line ends, 8-bit bytes kept as they are.
    buf = io.BytesIO()
    BytesGenerator(buf).flatten(msg, linesep="\r\n")
    return buf.getvalue()


def _quit(conn: smtplib.SMTP) -> None:
    """QUIT after the letter was accepted: whatever it answers (421, 5xx, nothing) changes nothing."""
    try:
        assert conn.sock is not None
        conn.sock.settimeout(QUIT_TIMEOUT_SECONDS)
        conn.quit()
    except Exception:  # the letter is delivered; how the server says goodbye is its business.
        pass
    finally:
        _close(conn)


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        with suppress(Exception):
            conn.close()


def open_smtp(smtp: Smtp, credential: Credential, timeout: float | None = None) -> smtplib.SMTP:
    """A secured, logged-in connection (for `conduct check --mail`); close it with ``with``."""
    where = f"SMTP {smtp.host}:{smtp.port}"
    conn = _open(smtp, float(timeout if timeout is not None else smtp.timeout_seconds), where)
    try:
        _login(conn, credential, where)
    except BaseException:
        conn.close()
        raise
    return conn


def _open(smtp: Smtp, timeout: float, where: str) -> smtplib.SMTP:
    if smtp.security == "tls":
        return smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=timeout, context=_context(smtp.ca_file)
        )
    if smtp.security == "plain":
        if smtp.host not in LOOPBACK_HOSTS:
            raise PermanentSendError(f'{where}: "plain" is allowed only to loopback', 0, "")
        return smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    if smtp.security != "starttls":
        raise PermanentSendError(f"{where}: unknown security {smtp.security!r}", 0, "")
    conn = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    try:
        conn.ehlo()
        if not conn.has_extn("starttls"):
            # Never fall back to plain text: a stripped STARTTLS may be an attack.
            raise TransientSendError(f"{where}: the server does not offer STARTTLS")
        conn.starttls(context=_context(smtp.ca_file))
        conn.ehlo()
    except BaseException:
        conn.close()
        raise
    return conn


def _context(ca_file: object | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)


def _login(conn: smtplib.SMTP, cred: Credential, where: str) -> None:
    conn.ehlo_or_helo_if_needed()
    if cred.anonymous:
        # A relay that authorises by address (a Microsoft 365 connector, Google's SMTP
        # relay, an on-site relay): no AUTH, whatever the server offers.
        return
    try:
        if cred.oauth:
            payload = f"user={cred.user}\x01auth=Bearer {cred.value}\x01\x01"

            def xoauth2(challenge: bytes | None = None) -> str:
                # On failure the server sends a JSON error as a challenge; an empty answer ends it.
                return payload if challenge is None else ""

            conn.auth("XOAUTH2", xoauth2, initial_response_ok=True)
        else:
            conn.login(cred.user, cred.value)
    except smtplib.SMTPAuthenticationError as exc:
        reply = f"{exc.smtp_code} {_reply(exc.smtp_error)}"
        hint = explain_smtp(exc.smtp_code, reply, Who(cred.user))
        if hint:
            raise SmtpLoginError(f"{where}: {hint} (server said: {reply})") from exc
        raise SmtpLoginError(f"{where}: the server refused the login ({reply})") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SmtpLoginError(f"{where}: the server offers no usable AUTH mechanism") from exc
    except smtplib.SMTPException as exc:
        if "No suitable authentication method" in str(exc):
            raise SmtpLoginError(f"{where}: no AUTH mechanism we support is offered") from exc
        raise


def _reply(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _classify(code: int, text: bytes | str, where: str) -> Exception:
    reply = _reply(text)
    if 500 <= code <= 599:
        return PermanentSendError(f"{where}: rejected: {code} {reply}", code, reply)
    return TransientSendError(f"{where}: temporary failure: {code} {reply}")


def _all_refused(recipients: dict[str, tuple[int, bytes]], where: str) -> NoReturn:
    codes = [code for code, _ in recipients.values()]
    texts = "; ".join(f"{a}: {c} {_reply(t)}" for a, (c, t) in recipients.items())
    # If any refusal was temporary the letter may yet go; only all-permanent is final.
    if codes and all(500 <= c <= 599 for c in codes):
        raise PermanentSendError(f"{where}: every recipient refused: {texts}", codes[0], texts)
    raise TransientSendError(f"{where}: recipients refused for now: {texts}")
