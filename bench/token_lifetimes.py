"""Connected for months: the daemon through ten token lifetimes, with no gap and no failed send.

The daemon signs in app-only (msal, client credentials with a certificate) through the
loopback HTTPS identity platform, whose tokens live ``--lifetime`` seconds (two minutes by
default, against Microsoft's 60-90). IMAP goes through a proxy that, as Exchange Online
does, ends a session with ``* BYE Session invalidated - AccessTokenExpired`` the moment its
token expires; SMTP is aiosmtpd checking the same token. Every few seconds a parent's
email is flagged and, now and then, a letter queued. At the end every email must be a case
and every letter sent.

Prints: tokens issued, IMAP sessions, BYEs the proxy had to send (0 means the daemon always
signed in again before the server would have dropped it), the longest wait from flag to
case, emails, letters, and any backing off or failed sign-in.

Run: .venv/bin/python bench/token_lifetimes.py [--lifetime 120] [--lifetimes 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.mailbench import report
from casework.mailrecords import DaemonState
from casework.outbox import LetterStatus
from casework.staff import Actor, Role
from mailer.daemon import Daemon
from store.casebook import Casebook
from store.maillog import MailLog
from store.outbox import Outbox
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.exchange_proxy import ExchangeProxy
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.mailservers.token_server import ISSUER, TokenServer
from tests.support.oauth import MAILBOX, oauth_school


def queue_letter(book: Casebook, n: int) -> tuple[str, str]:
    """A warning letter to parent ``n``, approved and queued, as the dashboard would."""
    import weasyprint

    head = Casebook(book.config, actor=Actor("hhead", Role.HEADTEACHER))
    case = head.open_case(
        name=f"Letter Parent {n}",
        email=f"lp{n}@example.org",
        behaviours=["swearing"],
        summary=f"Letter {n}",
    )
    outbox = Outbox(head)
    pdf = bytes(weasyprint.HTML(string=f"<p>Letter {n}</p>").write_pdf())
    letter = outbox.add_draft(
        case.ref, "warning", pdf, subject="Warning", body_text="Dear parent,\n"
    )
    outbox.approve(case.ref, letter.id)
    outbox.queue(case.ref, letter.id)
    return case.ref, letter.id


def main() -> None:
    """Run the daemon through the lifetimes and print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifetime", type=int, default=120, help="seconds a token lives")
    parser.add_argument("--lifetimes", type=int, default=10)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between emails")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="conduct-bench-oauth-"))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    dovecot = Dovecot.create({MAILBOX: "delivery-only"}, oauth_key=public, oauth_issuer=ISSUER)
    idp = TokenServer(work / "idp", lifetime=args.lifetime, key=key)
    proxy = ExchangeProxy(dovecot.host, dovecot.port)
    smtp = RecordingSmtp({}, jwt_key=public, jwt_issuer=ISSUER).start()
    try:
        config = oauth_school(work, idp, imap_host=proxy.host, imap_port=proxy.port, smtp=smtp)
        daemon = Daemon(config)
        states: list[DaemonState] = []
        original = daemon.set_health

        def spy(state: DaemonState, **kw: object) -> None:
            states.append(state)
            original(state, **kw)  # type: ignore[arg-type]

        daemon.set_health = spy  # type: ignore[method-assign]
        thread = threading.Thread(target=daemon.run, daemon=True)
        thread.start()
        book = Casebook(config)
        flagged: dict[str, float] = {}
        seen: dict[str, float] = {}
        letters: list[tuple[str, str]] = []
        duration = args.lifetime * args.lifetimes
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < duration:
            n += 1
            subject = f"Report {n}"
            dovecot.deliver(
                report(n).replace(f"Report {n}".encode(), subject.encode()), flags=("\\Flagged",)
            )
            flagged[subject] = time.monotonic()
            if n % 5 == 0:
                letters.append(queue_letter(book, n))
            time.sleep(args.every)
            for c in book.cases():
                if c.summary in flagged and c.summary not in seen:
                    seen[c.summary] = time.monotonic()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(seen) < len(flagged):
            for c in book.cases():
                if c.summary in flagged and c.summary not in seen:
                    seen[c.summary] = time.monotonic()
            time.sleep(0.2)
        outbox = Outbox(book)
        while time.monotonic() < deadline and any(
            outbox.get(ref, lid).status is not LetterStatus.SENT for ref, lid in letters
        ):
            time.sleep(0.2)
        daemon.stop.set()
        daemon.wake.set()
        thread.join(15)
        # A case is noticed at the next poll of this loop (every --every seconds): the figure
        # is an upper bound on the gap, not the daemon's latency.
        waits = [seen[s] - flagged[s] for s in seen]
        sent = sum(1 for ref, lid in letters if outbox.get(ref, lid).status is LetterStatus.SENT)
        health = MailLog(book.store).health()
        print(
            f"token lifetime {args.lifetime} s x {args.lifetimes} lifetimes ({duration / 60:.1f} min)"
        )
        print(
            f"tokens issued: {len(idp.issued)}; renewals by the daemon: {health.token.renewals if health and health.token else 0}"
        )
        print(
            f"IMAP sessions: {proxy.sessions}; BYE AccessTokenExpired sent by the proxy: {proxy.byes_sent}"
        )
        print(
            f"emails flagged: {len(flagged)}; became cases: {len(seen)}; missing: {len(flagged) - len(seen)}"
        )
        if waits:
            print(
                f"flag -> case seen by this loop: median {statistics.median(waits):.2f} s, worst {max(waits):.2f} s"
            )
        print(
            f"letters queued: {len(letters)}; sent: {sent}; failed or waiting: {len(letters) - sent}; SMTP accepted {len(smtp.messages)}"
        )
        bad = [s for s in states if s in (DaemonState.BACKING_OFF, DaemonState.LOGIN_FAILED)]
        print(
            f"health states: {sorted({s.value for s in states})}; backing off / login failed: {len(bad)}"
        )
    finally:
        smtp.stop()
        proxy.close()
        idp.stop()
        dovecot.destroy()


if __name__ == "__main__":
    main()
