"""`conduct retention due|dispose`: what has reached review, and disposal the school decides."""

from __future__ import annotations

import argparse
from typing import Any

from casework.config import Config
from casework.retention_due import held, review_of, reviews_due


def register(sub: Any) -> None:
    """Add `retention` and its actions to the parser."""
    p = sub.add_parser("retention", help="the retention schedule: reviews due, disposal")
    rs = p.add_subparsers(dest="retention_command", metavar="ACTION", required=True)

    d = rs.add_parser("due", help="closed cases that have reached retention review")
    d.add_argument("--all", action="store_true", help="every closed case with its review date")
    d.set_defaults(handler=retention_due)

    x = rs.add_parser(
        "dispose",
        help="delete closed cases, their events, letters and the evidence no other record uses",
    )
    x.add_argument("refs", nargs="+", metavar="REF")
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
    return 0


def retention_dispose(args: argparse.Namespace, config: Config) -> int:
    """Dispose of the named cases in one recorded transaction."""
    from store.casebook import Casebook
    from store.disposal import dispose

    book = Casebook(config)
    done = dispose(
        book, args.refs, args.reason, early=args.early, print_queue=config.letters.print_queue
    )
    print(
        f"Disposed of {', '.join(done.refs)}: {len(done.files)} store file(s) changed or "
        f"removed, {len(done.blobs)} evidence file(s) removed, {done.people} person record(s) "
        f"removed" + (f", {len(done.print_files)} from the print queue" if done.print_files else "")
    )
    print("The disposal record names the references, the evidence hashes and the reason.")
    return 0
