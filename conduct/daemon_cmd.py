"""`conduct daemon` and `conduct quarantine`: the mail daemon and what it set aside."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from casework.config import Config


def register(sub: Any) -> None:
    """Add `daemon` and `quarantine` to the parser."""
    p = sub.add_parser("daemon", help="watch the inbox for flagged mail and send queued letters")
    p.add_argument(
        "--once", action="store_true", help="process the backlog and the outbox, then exit"
    )
    p.add_argument("--log", type=Path, metavar="FILE", help="log to FILE instead of stderr")
    p.add_argument("--verbose", "-v", action="store_true", help="log every step")
    p.set_defaults(handler=daemon)

    q = sub.add_parser("quarantine", help="messages the daemon could not handle")
    qs = q.add_subparsers(dest="quarantine_command", metavar="ACTION", required=True)
    li = qs.add_parser("list", help="list quarantined messages with their errors")
    li.set_defaults(handler=quarantine_list)
    r = qs.add_parser("retry", help="try a quarantined message again from its stored raw bytes")
    r.add_argument("id", help="the quarantine id shown by `quarantine list` (Q...)")
    r.set_defaults(handler=quarantine_retry)


def setup_logging(log_file: Path | None, verbose: bool) -> None:
    """Log lines with time and level, to stderr or a file."""
    import logging

    if log_file is not None:
        # The log names parents and subjects: private, like everything else of the school's.
        os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        if log_file.is_file():
            os.chmod(log_file, 0o600)
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger("conduct")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def daemon(args: argparse.Namespace, config: Config) -> int:
    """Run the daemon in the foreground."""
    from mailer.daemon import Daemon, DaemonLocked

    setup_logging(args.log, args.verbose)
    runner = Daemon(config)
    runner.install_signals()
    try:
        return runner.run(once=args.once)
    except DaemonLocked as exc:
        print(f"conduct: {exc}", file=sys.stderr)
        return 1


def quarantine_list(args: argparse.Namespace, config: Config) -> int:
    """Print what is waiting in quarantine."""
    from store.casebook import Casebook
    from store.maillog import MailLog

    items = MailLog(Casebook(config).store).quarantined()
    if not items:
        print("Quarantine is empty.")
        return 0
    for r in items:
        print(
            f"{r.quarantine_id}  {r.recorded:%Y-%m-%d %H:%M}  {r.folder}/{r.uid}  from {r.sender or '?'}"
        )
        print(f"    subject: {r.subject or '(none)'}")
        print(f"    error:   {r.reason}")
        print(f"    raw:     {r.sha256}")
    return 0


def quarantine_retry(args: argparse.Namespace, config: Config) -> int:
    """Parse and ingest a quarantined message again, from the vault."""
    from mailer.ingest import STREAM_OVER, Fate, ingest_raw, ingest_vaulted
    from store.casebook import Casebook, NotFound
    from store.inbox import Inbox
    from store.maillog import MailLog
    from store.vault_stream import blob_size

    book = Casebook(config)
    inbox = Inbox(book)
    matches = [r for r in MailLog(book.store).quarantined() if r.quarantine_id == args.id]
    if not matches:
        raise NotFound(f"nothing in quarantine with id {args.id!r}")
    record = matches[0]
    folder, uidvalidity, uid = record.folder, record.uidvalidity, record.uid
    size = blob_size(book.vault, record.sha256)
    if size > STREAM_OVER:
        # Read as a stream from the vault, as the daemon does: never whole in memory.
        handled = ingest_vaulted(
            record.sha256, size, inbox, config, folder=folder, uidvalidity=uidvalidity, uid=uid
        )
    else:
        raw = book.vault.get(record.sha256)
        handled = ingest_raw(raw, inbox, config, folder=folder, uidvalidity=uidvalidity, uid=uid)
    if handled.fate in (Fate.QUARANTINED, Fate.FAILED):
        print(f"conduct: {args.id} failed again; it stays in quarantine", file=sys.stderr)
        return 1
    print(f"{args.id}: {handled.fate.value} {handled.case_ref or ''}".rstrip())
    return 0
