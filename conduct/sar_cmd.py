"""`conduct sar ...`: subject access requests: open, stop, restart, extend, list, export."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casework.config import Config
from casework.fields import parse_date
from casework.sar import StopReason
from casework.sar_requests import SarRequest, Via, open_requests

if TYPE_CHECKING:
    from store.casebook import Casebook
    from store.sar_book import SarBook


def register(sub: Any) -> None:
    """Add `sar` and its actions to the parser."""
    p = sub.add_parser("sar", help="subject access requests: due dates and the bundle")
    ss = p.add_subparsers(dest="sar_command", metavar="ACTION", required=True)

    o = ss.add_parser("open", help="record a request; prints its id and due date")
    o.add_argument("person", help="the person's id (p-...) or email address")
    o.add_argument("--received", required=True, metavar="YYYY-MM-DD", help="day one")
    o.add_argument("--via", choices=[v.value for v in Via], default=Via.EMAIL.value)
    o.set_defaults(handler=sar_open)

    s = ss.add_parser(
        "stop", help="stop the clock: identity, authority, fee or clarification asked for"
    )
    s.add_argument("request", help="the request id (SAR-...) or the person with one open request")
    s.add_argument("--reason", required=True, choices=[r.value for r in StopReason])
    s.add_argument("--on", metavar="YYYY-MM-DD", help="the day the school asked (default today)")
    s.set_defaults(handler=sar_stop)

    r = ss.add_parser("restart", help="restart the clock: what was asked for arrived")
    r.add_argument("request")
    r.add_argument("--on", metavar="YYYY-MM-DD", help="the day it arrived (default today)")
    r.set_defaults(handler=sar_restart)

    e = ss.add_parser("extend", help="extend by one or two months, within the first month")
    e.add_argument("request")
    e.add_argument("--months", type=int, choices=[1, 2], required=True)
    e.add_argument("--reason", required=True, help="the reason given to the requester")
    e.add_argument(
        "--on", metavar="YYYY-MM-DD", help="the day the requester was told (default today)"
    )
    e.set_defaults(handler=sar_extend)

    li = ss.add_parser("list", help="open requests with their due dates")
    li.add_argument("--all", action="store_true", help="answered requests too")
    li.set_defaults(handler=sar_list)

    x = ss.add_parser("export", help="the bundle (PDF, originals) and the redaction worklist")
    x.add_argument("person", help="the person's id (p-...) or email address")
    x.add_argument("--out", type=Path, required=True, metavar="DIR")
    x.add_argument(
        "--worklist", type=Path, metavar="FILE.csv", help="decisions (default DIR/worklist.csv)"
    )
    x.add_argument("--request", help="the request answered (default: the person's open one)")
    x.add_argument(
        "--final",
        action="store_true",
        help="this is the bundle sent: record the disclosure (when, its SHA-256) on the request",
    )
    x.set_defaults(handler=sar_export)


def _books(config: Config) -> tuple[Casebook, SarBook]:
    # The store is loaded when a handler runs, not when the parser is built.
    from store.casebook import Casebook
    from store.sar_book import SarBook

    book = Casebook(config)
    return book, SarBook(book)


def _day(book: Casebook, key: str, value: str | None) -> Any:
    return parse_date(key, value) if value else book.clock.today()


def _say(request: SarRequest) -> None:
    clock = request.clock
    due = clock.respond_by()
    state = "clock stopped" if due is None else f"due {clock.due()}, respond by {due}"
    print(f"{request.id}: received {request.received_on}; {state}")


def sar_open(args: argparse.Namespace, config: Config) -> int:
    """Record a subject access request."""
    book, sars = _books(config)
    request = sars.open(
        args.person, parse_date("--received", args.received), Via(args.via)
    )
    _say(request)
    return 0


def sar_stop(args: argparse.Namespace, config: Config) -> int:
    """Stop a request's clock."""
    book, sars = _books(config)
    request = sars.stop(args.request, StopReason(args.reason), _day(book, "--on", args.on))
    _say(request)
    return 0


def sar_restart(args: argparse.Namespace, config: Config) -> int:
    """Restart a request's clock."""
    book, sars = _books(config)
    request = sars.restart(args.request, _day(book, "--on", args.on))
    _say(request)
    return 0


def sar_extend(args: argparse.Namespace, config: Config) -> int:
    """Extend a request."""
    book, sars = _books(config)
    request = sars.extend(
        args.request, args.months, args.reason, _day(book, "--on", args.on)
    )
    _say(request)
    return 0


def sar_list(args: argparse.Namespace, config: Config) -> int:
    """Open requests, soonest due first."""
    book, sars = _books(config)
    requests = sars.all()
    rows = open_requests(requests, book.clock.today())
    if not rows:
        print("No open subject access request.")
    for row in rows:
        print(f"{row.describe()}  ({row.person_id})")
    if args.all:
        for r in requests:
            if not r.open:
                print(f"{r.id}: answered on {r.answered_on}  ({r.person_id})")
    return 0


def sar_export(args: argparse.Namespace, config: Config) -> int:
    """Write the bundle and the worklist; with --final, record the disclosure."""
    from conduct.sar_export import export
    from store.casebook import Casebook

    book = Casebook(config)
    done = export(
        book,
        args.person,
        args.out,
        worklist_path=args.worklist,
        request_id=args.request,
        final=args.final,
    )
    decided = sum(1 for r in done.worklist if r.action.value != "disclose")
    print(
        f"{done.bundle}: {done.items} item(s), {done.pages} page(s), {done.originals} original "
        f"file(s); SHA-256 {done.sha256}"
    )
    print(
        f"{args.out / 'worklist.csv'}: {len(done.worklist)} other person(s) named, "
        f"{decided} redacted or withheld ({done.redactions} place(s) in the bundle)"
    )
    if done.recorded and done.request is not None:
        print(f"{done.request.id}: disclosure recorded (answered {done.request.answered_on})")
    else:
        print("Draft: review worklist.csv, then export again with --final for the bundle you send.")
    return 0
