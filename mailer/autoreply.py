"""Recognise auto-replies, bounces and list mail so they never open cases (and never get answers)."""

from __future__ import annotations

import email.utils
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

# Local parts that only ever send delivery reports.
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
_BULK_PRECEDENCE = {"bulk", "junk", "list"}
# Values of X-Auto-Response-Suppress that Exchange writes on messages it generated itself.
_SUPPRESS_IGNORED = {"", "none"}


def auto_reply_reason(raw: bytes) -> str | None:
    """Why this message is automatic (a short reason for the log), or None for a person's mail."""
    # Headers only, with the lenient legacy policy: junk headers must not stop the check.
    headers = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
    return auto_reply_reason_headers(headers)


def auto_reply_reason_headers(msg: Message) -> str | None:
    """As auto_reply_reason, for an already parsed message."""
    auto = _get(msg, "Auto-Submitted")
    if auto is not None:
        kind = auto.split(";")[0].strip().lower()
        if kind and kind != "no":
            return f"Auto-Submitted: {kind} (RFC 3834)"
    suppress = _get(msg, "X-Auto-Response-Suppress")
    if suppress is not None and suppress.strip().lower() not in _SUPPRESS_IGNORED:
        return f"X-Auto-Response-Suppress: {suppress.strip()}"
    for legacy in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        value = _get(msg, legacy)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            return f"{legacy} header"
    precedence = _get(msg, "Precedence")
    if precedence is not None and precedence.strip().lower() in _BULK_PRECEDENCE:
        return f"Precedence: {precedence.strip().lower()}"
    if _get(msg, "List-Id") is not None:
        return "mailing list (List-Id)"
    return_path = _get(msg, "Return-Path")
    if return_path is not None and return_path.strip().strip("<>").strip() == "":
        return "empty Return-Path <> (a bounce or automatic notice)"
    sender = _get(msg, "From")
    if sender is not None:
        addr = email.utils.parseaddr(sender)[1].lower()
        local = addr.split("@", 1)[0]
        if local in _BOUNCE_SENDERS:
            return f"sent by {local} (a bounce)"
    try:
        ctype = msg.get_content_type()
        report = (msg.get_param("report-type") or "").__str__().lower()
    except Exception:
        ctype, report = "", ""
    if ctype == "multipart/report":
        if report == "delivery-status":
            return "delivery status report (a bounce)"
        if report == "disposition-notification":
            return "read receipt"
        return f"multipart/report ({report or 'unknown type'})"
    if ctype == "message/delivery-status":
        return "delivery status report (a bounce)"
    return None


def _get(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:
        return None
    return None if value is None else str(value)
