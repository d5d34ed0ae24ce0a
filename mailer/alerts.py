"""Email the alert address (the school's IT support) when the daemon or its sign-in fails.

Through SMTP, which often still works when IMAP does not. Each incident is told once while it
lasts and once more when it clears ("resolved"); what was told is kept in the store
(store/alert_log.py), so a restart, or the daemon and the timer both looking, never repeats
it. Plain text with the school's name, the host and what is wrong: no personal data.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from filelock import Timeout

from casework.clock import Clock
from casework.config import Config
from casework.health import HealthReport, Incident, alert_moves
from casework.record import record
from mailer.credentials import SignIn
from mailer.errors import MailError
from mailer.smtp_send import open_smtp
from store.alert_log import AlertLog, AlertRecord
from store.db import Store
from store.health_report import health_report

log = logging.getLogger("conduct.alerts")

TITLES = {
    Incident.DAEMON_DOWN: "the Conduct Desk daemon is not running",
    Incident.SIGNIN_FAILING: "the school mailbox refuses the daemon's sign-in",
}
ADVICE = {
    Incident.DAEMON_DOWN: (
        "Flagged mail is not being read and letters are not being sent. On the server, "
        "`systemctl status conduct-daemon` and `journalctl -u conduct-daemon` say why; "
        "`conduct check --health` says how things stand."
    ),
    Incident.SIGNIN_FAILING: (
        "Flagged mail is not being read. Check the mailbox's password or app registration "
        "(`conduct check --mail` shows the server's answer); letters still go out by SMTP."
    ),
}


@record
class AlertsSent:
    """What went to the alert address in one look: subjects, and an error if sending failed."""

    subjects: tuple[str, ...] = ()
    error: str = ""


def _message(config: Config, subject: str, body: str, at: str) -> EmailMessage:
    assert config.mail is not None
    smtp = config.mail.smtp
    msg = EmailMessage()
    msg["From"] = f"{smtp.from_name} <{smtp.from_address}>"
    msg["To"] = config.alerts.address
    msg["Subject"] = subject
    msg["Date"] = at
    msg["Message-ID"] = make_msgid(domain=smtp.from_address.rpartition("@")[2] or None)
    # Never answered by an out-of-office, never looped back into our own inbox as a case.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    return msg


def _alert_text(config: Config, incident: Incident, text: str, at: str) -> tuple[str, str]:
    school = config.school.name
    subject = f"[Conduct Desk] CRITICAL: {TITLES[incident]} ({school})"
    body = (
        f"Conduct Desk at {school}, on {socket.gethostname()}:\n\n"
        f"{text}\n\n{ADVICE[incident]}\n\n"
        f"Noticed at {at}. You will get one more message when this clears.\n"
    )
    return subject, body


def _resolved_text(config: Config, record: AlertRecord, at: str) -> tuple[str, str]:
    school = config.school.name
    subject = f"[Conduct Desk] RESOLVED: {TITLES[record.incident]} ({school})"
    body = (
        f"Conduct Desk at {school}, on {socket.gethostname()}:\n\n"
        f"Resolved at {at}. The alert sent at {format_datetime(record.alerted)} said:\n"
        f"{record.text}\n"
    )
    return subject, body


def send_alerts(
    config: Config, report: HealthReport, clock: Clock, handled: frozenset[Incident]
) -> AlertsSent:
    """Tell the alert address of each incident in ``handled`` that opened or cleared."""
    if not config.alerts.address or config.mail is None:
        return AlertsSent()
    alerts = AlertLog(config.store.data_dir)
    try:
        return _send_locked(config, report, clock, handled, alerts)
    except Timeout:
        return AlertsSent(error="another sender has held the alert lock for minutes")


def _send_locked(
    config: Config,
    report: HealthReport,
    clock: Clock,
    handled: frozenset[Incident],
    alerts: AlertLog,
) -> AlertsSent:
    assert config.mail is not None
    sent: list[str] = []
    with alerts.locked():
        records = alerts.read()
        moves = alert_moves(report, frozenset(records), handled)
        if not moves.alert and not moves.resolve:
            return AlertsSent()
        now = clock.now()
        at = format_datetime(now)
        texts = {i: getattr(report.finding(i), "text", TITLES[i]) for i in moves.alert}
        outgoing: list[tuple[Incident, str, str]] = []
        for incident in moves.alert:
            outgoing.append((incident, *_alert_text(config, incident, texts[incident], at)))
        for incident in moves.resolve:
            outgoing.append((incident, *_resolved_text(config, records[incident], at)))
        try:
            with open_smtp(config.mail.smtp, SignIn(config.mail, clock=clock.now).smtp()) as conn:
                for incident, subject, body in outgoing:
                    conn.send_message(_message(config, subject, body, at))
                    # Recorded after each acceptance: a fault part way never repeats one sent.
                    if incident in texts:
                        records[incident] = AlertRecord(incident, now, texts[incident])
                    else:
                        records.pop(incident, None)
                    alerts.write(records)
                    sent.append(subject)
        except (MailError, smtplib.SMTPException, OSError) as exc:
            log.warning("cannot email the alert address %s: %s", config.alerts.address, exc)
            return AlertsSent(tuple(sent), str(exc))
    return AlertsSent(tuple(sent))


def daemon_alerts(config: Config, store: Store, *, stopping: bool = False) -> None:
    """The daemon's look at the alerts, each heartbeat: its own sign-in, and "resolved".

    The daemon also says "resolved" for a daemon-down alert once it runs again; only
    something other than the daemon (the timer's `conduct check --health --alert`) can
    notice that it is down.
    """
    if not config.alerts.address:
        return
    try:
        report = health_report(config, store.clock, store)
        handled = {Incident.SIGNIN_FAILING}
        if report.finding(Incident.DAEMON_DOWN) is None and not stopping:
            handled.add(Incident.DAEMON_DOWN)
        send_alerts(config, report, store.clock, frozenset(handled))
    except Exception:
        # An alert that cannot go must never stop the daemon: it is tried again next beat.
        log.exception("alerts: cannot look at or send the alerts")
