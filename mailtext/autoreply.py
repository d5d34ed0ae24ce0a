"""Recognise auto-replies, bounces and list mail so they never open cases (and never get answers)."""

from __future__ import annotations

from mailtext.message import ParsedMessage

# Local parts that only ever send delivery reports.
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
_BULK_PRECEDENCE = {"bulk", "junk", "list"}
# Values of X-Auto-Response-Suppress that Exchange writes on messages it generated itself.
_SUPPRESS_IGNORED = {"", "none"}


def auto_reply_reason(msg: ParsedMessage) -> str | None:
    """Why this message is automatic (a short reason for the log), or None for a person's mail."""
    auto = msg.header("Auto-Submitted")
    if auto is not None:
        kind = auto.split(";")[0].strip().lower()
        if kind and kind != "no":
            return f"Auto-Submitted: {kind} (RFC 3834)"
    suppress = msg.header("X-Auto-Response-Suppress")
    if suppress is not None and suppress.strip().lower() not in _SUPPRESS_IGNORED:
        return f"X-Auto-Response-Suppress: {suppress.strip()}"
    for legacy in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        value = msg.header(legacy)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            return f"{legacy} header"
    precedence = msg.header("Precedence")
    if precedence is not None and precedence.strip().lower() in _BULK_PRECEDENCE:
        return f"Precedence: {precedence.strip().lower()}"
    if msg.header("List-Id") is not None:
        return "mailing list (List-Id)"
    return_path = msg.header("Return-Path")
    if return_path is not None and return_path.strip().strip("<>").strip() == "":
        return "empty Return-Path <> (a bounce or automatic notice)"
    if msg.sender is not None:
        local = msg.sender.address.split("@", 1)[0]
    else:  # "From: MAILER-DAEMON (Mail Delivery Subsystem)": a local name is no address
        local = (msg.header("From") or "").split("(")[0].strip().strip("<>").lower()
    if local in _BOUNCE_SENDERS:
        return f"sent by {local} (a bounce)"
    if msg.content_type == "multipart/report":
        if msg.report_type == "delivery-status":
            return "delivery status report (a bounce)"
        if msg.report_type == "disposition-notification":
            return "read receipt"
        return f"multipart/report ({msg.report_type or 'unknown type'})"
    if msg.content_type == "message/delivery-status":
        return "delivery status report (a bounce)"
    return None
