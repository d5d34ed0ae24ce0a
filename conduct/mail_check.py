"""`conduct check --mail`: sign in to IMAP and SMTP and report what the servers offer."""

from __future__ import annotations

import smtplib
from datetime import datetime

from casework.clock import process_clock
from casework.config import Config
from casework.mailrecords import TokenStatus
from mailer.credentials import SignIn
from mailer.errors import MailError
from mailer.imap_conn import connect
from mailer.smtp_send import open_smtp
from store.db import Store
from store.maillog import MailLog


def _when(at: datetime | None, ref: datetime) -> str:
    if at is None:
        return "never"
    minutes = round((at - ref).total_seconds() / 60)
    rel = f"in {minutes} min" if minutes >= 0 else f"{-minutes} min ago"
    return f"{at.astimezone():%Y-%m-%d %H:%M:%S %Z} ({rel})"


def _daemon_token(config: Config) -> TokenStatus | None:
    try:
        health = MailLog(Store(config.store.data_dir)).health()
    except (OSError, ValueError):
        return None
    return health.token if health is not None else None


def check_mail(config: Config) -> int:
    """Print each server's answer and where the token comes from; exit status 1 if either fails."""
    if config.mail is None:
        print("mail: no [mail] section to check")
        return 1
    ok = True
    signin = SignIn(config.mail, clock=process_clock().now)
    imap = config.mail.imap
    print(f"sign-in (IMAP): {imap.secret.describe}")
    if config.mail.oauth is not None:
        print(f"  token from: {config.mail.oauth.describe}")
    try:
        with connect(imap, credential=signin.imap()) as session:
            state = session.select()
            caps = sorted(session.capabilities)
            print(f"IMAP {imap.host}:{imap.port} ({imap.security}): logged in as {imap.user}")
            print(
                f"  IDLE: {'yes' if 'IDLE' in session.capabilities else f'no (will poll every {imap.poll_seconds} s)'}"
            )
            print(
                f"  folder {state.folder}: {state.exists} messages, UIDVALIDITY {state.uidvalidity}"
            )
            watching = (
                "every message in the folder"
                if imap.watch == "folder"
                else f"messages flagged {imap.watch_flag}"
            )
            print(f"  watching: {watching}")
            print(
                f"  keywords allowed: {'yes' if state.keywords_allowed else 'no (messages are tracked in the store only)'}"
            )
            print(f"  pending (not yet logged): {len(session.search_pending())}")
            sent = session.special_folder()
            same = sent == imap.sent_folder
            print(
                f"  Sent folder: {imap.sent_folder}"
                + ("" if same else f" (the server marks {sent!r} as \\Sent)" if sent else "")
            )
            print(f"  capabilities: {' '.join(caps)}")
    except MailError as exc:
        ok = False
        print(f"IMAP {imap.host}:{imap.port}: FAILED: {exc}")
    _report_token(signin, config)
    smtp = config.mail.smtp
    try:
        cred = signin.smtp()
        with open_smtp(smtp, cred) as conn:
            features = sorted(f.upper() for f in conn.esmtp_features)
            who = "no sign-in (relay)" if cred.anonymous else f"logged in as {smtp.user}"
            print(f"SMTP {smtp.host}:{smtp.port} ({smtp.security}): {who}")
            print(f"  extensions: {' '.join(features)}")
    except (MailError, smtplib.SMTPException, OSError) as exc:
        ok = False
        print(f"SMTP {smtp.host}:{smtp.port}: FAILED: {exc}")
    return 0 if ok else 1


def _report_token(signin: SignIn, config: Config) -> None:
    keeper = signin.keeper
    if keeper is None:
        return
    ref = process_clock().now()
    mine = keeper.status()
    print("OAuth token:")
    print(f"  comes from: {mine.source}")
    if mine.expires is not None:
        print(f"  this check's token expires: {_when(mine.expires, ref)}")
    daemon = _daemon_token(config)
    if daemon is None or daemon.renewed is None:
        print("  the daemon has not renewed a token yet (is it running?)")
        return
    print(f"  the daemon's token expires: {_when(daemon.expires, ref)}")
    print(
        f"  the daemon last renewed it: {_when(daemon.renewed, ref)} ({daemon.renewals} renewals)"
    )
    if daemon.last_event:
        print(f"  last sign-in event: {daemon.last_event} at {_when(daemon.last_event_at, ref)}")
