"""`conduct check --mail`: log in to IMAP and SMTP and report what the servers offer."""

from __future__ import annotations

import smtplib

from casework.config import Config
from mailer.credentials import resolve
from mailer.errors import MailError
from mailer.imap_conn import connect
from mailer.smtp_send import open_smtp


def check_mail(config: Config) -> int:
    """Print each server's answer; exit status 1 if either fails."""
    if config.mail is None:
        print("mail: no [mail] section to check")
        return 1
    ok = True
    imap = config.mail.imap
    try:
        with connect(imap) as session:
            state = session.select()
            caps = sorted(session.capabilities)
            print(f"IMAP {imap.host}:{imap.port} ({imap.security}): logged in as {imap.user}")
            print(
                f"  IDLE: {'yes' if 'IDLE' in session.capabilities else f'no (will poll every {imap.poll_seconds} s)'}"
            )
            print(
                f"  folder {state.folder}: {state.exists} messages, UIDVALIDITY {state.uidvalidity}"
            )
            print(
                f"  keywords allowed: {'yes' if state.keywords_allowed else 'no (messages are tracked in the store only)'}"
            )
            print(f"  pending (flagged, not yet logged): {len(session.search_pending())}")
            print(f"  capabilities: {' '.join(caps)}")
    except MailError as exc:
        ok = False
        print(f"IMAP {imap.host}:{imap.port}: FAILED: {exc}")
    smtp = config.mail.smtp
    try:
        cred = resolve(smtp.user, smtp.secret)
        with open_smtp(smtp, cred) as conn:
            features = sorted(f.upper() for f in conn.esmtp_features)
            print(f"SMTP {smtp.host}:{smtp.port} ({smtp.security}): logged in as {smtp.user}")
            print(f"  extensions: {' '.join(features)}")
    except (MailError, smtplib.SMTPException, OSError) as exc:
        ok = False
        print(f"SMTP {smtp.host}:{smtp.port}: FAILED: {exc}")
    return 0 if ok else 1
