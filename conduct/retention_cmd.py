"""`conduct retention due|dispose`: what has reached review, and disposal the school decides."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from casework.config import Config
from casework.retention import RecordClass
from casework.retention_due import DisposalRefused, held, mail_reviews, review_of, reviews_due

if TYPE_CHECKING:
    from store.casebook import Casebook


def register(sub: Any) -> None:
    """Add `retention` and its actions to the parser."""
    p = sub.add_parser("retention", help="the retention schedule: reviews due, disposal")
    rs = p.add_subparsers(dest="retention_command", metavar="ACTION", required=True)

    d = rs.add_parser(
        "due", help="closed cases, and mail kept on no case, that have reached retention review"
    )
    d.add_argument(
        "--all", action="store_true", help="every closed case and unfiled message with its date"
    )
    d.set_defaults(handler=retention_due)

    x = rs.add_parser(
        "dispose",
        help="delete closed cases, their events, letters and the evidence no other record uses",
    )
    x.add_argument("refs", nargs="*", metavar="REF")
    x.add_argument(
        "--unfiled-mail",
        action="store_true",
        help="also the mail kept on no case (quarantined or skipped) that has reached review",
    )
    x.add_argument("--reason", required=True, help="why (kept in the disposal record)")
    x.add_argument(
        "--early",
        action="store_true",
        help="before the review date (an erasure request the school has agreed to)",
    )
    x.set_defaults(handler=retention_dispose)


def retention_due(args: argparse.Namespace, config: Config) -> int:
    """List closed cases whose review date has come (longest overdue first), and holds."""
    from store.casebook import Casebook

    book = Casebook(config)
    today = book.clock.today()
    cases = book.cases("all")
    if not config.retention.confirmed:
        print(
            "Note: the school has not confirmed this schedule ([retention] confirmed = true); "
            "the periods are the IRMS toolkit's defaults."
        )
    rows = (
        sorted(
            (review_of(c, config.policy, config.retention) for c in cases if not c.is_open),
            key=lambda r: (r.review_on, r.ref),
        )
        if args.all
        else reviews_due(cases, config.policy, config.retention, today)
    )
    if not rows:
        print("No closed case has reached retention review.")
    for r in rows:
        state = "on hold" if r.hold else ("due" if r.due(today) else "not yet")
        print(
            f"{r.ref}  {r.record_class.value:<16}  last action {r.last_action}  "
            f"review {r.review_on}  {state}"
        )
    if not args.all:  # --all shows them in the list already
        for case in held(cases):
            print(f"{case.ref}  under legal hold: {case.hold}")
    _unfiled_mail_due(book, config, today, every=args.all)
    return 0


def _unfiled_mail_due(book: Casebook, config: Config, today: date, *, every: bool) -> None:
    """Mail the daemon kept on no case, by the first 12 characters of its SHA-256."""
    from store.maillog import MailLog

    reviews = mail_reviews(MailLog(book.store).records(), config.retention)
    rows = reviews if every else [m for m in reviews if m.due(today)]
    if not rows:
        print("No unfiled mail has reached retention review.")
    for m in rows:
        state = "due" if m.due(today) else "not yet"
        print(
            f"mail {m.sha256[:12]}  {RecordClass.UNFILED_MAIL.value:<16}  arrived {m.last_action}  "
            f"review {m.review_on}  {state} ({m.outcome.value})"
        )
    if any(m.due(today) for m in rows):
        print("Dispose of it with: conduct retention dispose --unfiled-mail --reason ...")


def retention_dispose(args: argparse.Namespace, config: Config) -> int:
    """Dispose of the named cases, and with --unfiled-mail the unfiled mail at review."""
    from store.casebook import Casebook
    from store.disposal import dispose, dispose_unfiled_mail

    if not args.refs and not args.unfiled_mail:
        raise DisposalRefused("name the case references to dispose of, or --unfiled-mail")
    book = Casebook(config)
    if args.refs:
        done = dispose(
            book, args.refs, args.reason, early=args.early, print_queue=config.letters.print_queue
        )
        print(
            f"Disposed of {', '.join(done.refs)}: {len(done.files)} store file(s) changed or "
            f"removed, {len(done.blobs)} evidence file(s) removed, {done.people} person record(s) "
            f"removed"
            + (f", {len(done.print_files)} from the print queue" if done.print_files else "")
        )
    if args.unfiled_mail:
        try:
            mail = dispose_unfiled_mail(book, args.reason)
        except DisposalRefused:
            if not args.refs:
                raise
            # The cases above are disposed of already: say only that no mail was.
            print("No unfiled mail has reached retention review; none was disposed of.")
            return 0
        print(
            f"Disposed of {len(mail.messages)} unfiled message(s): {len(mail.blobs)} file(s) "
            "removed from the vault; only each message's hash and place in the mailbox are kept, "
            "so the daemon never takes it again"
        )
    print("The disposal record names the references, the evidence hashes and the reason.")
    return 0
