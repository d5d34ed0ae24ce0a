"""`conduct bans`: the bans in force today, for the front gate (a printable page and a CSV)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from casework.config import Config


def register(sub: Any) -> None:
    """Add `bans` to the parser."""
    p = sub.add_parser(
        "bans", help="the bans in force today, for reception: print them, or --pdf / --csv"
    )
    p.add_argument("--pdf", type=Path, metavar="FILE", help="write one printable A4 page")
    p.add_argument(
        "--csv", type=Path, metavar="FILE", help="write a CSV for a visitor-management system"
    )
    p.set_defaults(handler=bans)


def bans(args: argparse.Namespace, config: Config) -> int:
    """Print the list, or write it as PDF and/or CSV."""
    from casework.clock import process_clock
    from casework.gate import gate_csv, gate_list
    from store.db import Store
    from store.files import write_synced
    from store.records import Cases

    clock = process_clock()
    today = clock.today()
    with Store(config.store.data_dir, clock).reading() as tx:
        cases = Cases(tx).all()
    entries = gate_list(cases, today, config.school, config.front_gate)
    if args.csv is not None:
        write_synced(args.csv, gate_csv(entries).encode("utf-8"))
        print(f"Wrote {args.csv}: {len(entries)} ban(s) in force on {today.isoformat()}.")
    if args.pdf is not None:
        from letters.front_gate import gate_pdf

        page = gate_pdf(entries, config.school.name, today)
        write_synced(args.pdf, page.pdf)
        pages = "" if page.pages == 1 else f" ({page.pages} pages: too many to fit on one)"
        print(f"Wrote {args.pdf}: {len(entries)} ban(s) in force on {today.isoformat()}{pages}.")
    if args.csv is None and args.pdf is None:
        if not entries:
            print(f"No one is barred from the premises on {today.isoformat()}.")
        for e in entries:
            print(f"{e.name}  until {e.until.isoformat()}  [{e.reference}]")
            print(f"    barred from: {e.scope}")
            print(f"    collecting a child: {e.collection}")
        if entries:
            print(f"Call {entries[0].call} if one of them arrives.")
    return 0
