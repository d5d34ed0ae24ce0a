"""`conduct audit verify [--against HASH]` and `conduct audit repair`."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from casework.config import Config

HASH = re.compile(r"^[0-9a-f]{64}$")


def register(sub: Any) -> None:
    """Add `audit` and its actions to the parser."""
    p = sub.add_parser("audit", help="the hash-chained audit log")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = audit_sub.add_parser(
        "verify",
        help="check every link of the audit log and every store file against it; exit 1 if not",
    )
    v.add_argument(
        "--against",
        metavar="HASH",
        help="a head hash taken earlier (the daily digest): the chain must still contain it",
    )
    v.set_defaults(handler=audit_verify)
    r = audit_sub.add_parser(
        "repair",
        help="set a damaged end of the audit log aside and record it (never removes an entry)",
    )
    r.set_defaults(handler=audit_repair)


def audit_verify(args: argparse.Namespace, config: Config) -> int:
    """Walk the chain and the files; name every problem."""
    against = args.against.strip().lower() if args.against else None
    if against is not None and not HASH.match(against):
        raise ValueError(
            f"--against expects a SHA-256 head hash (64 hex digits), got {args.against!r}"
        )
    from store.db import Store
    from store.integrity import verify

    store = Store(config.store.data_dir)
    report = verify(store, against)
    for note in report.notes:
        print(note)
    if report.ok:
        print(
            f"audit log intact: {report.entries} entries verified and every store file matches "
            f"them ({store.audit.path}); head {report.head}"
        )
        return 0
    print(f"audit log BROKEN: {len(report.problems)} problem(s):", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def audit_repair(args: argparse.Namespace, config: Config) -> int:
    """Set aside a damaged end of the log and record the repair."""
    from casework.staff import os_account
    from store.db import Store
    from store.integrity import repair

    # Not upgraded first: an upgrade is a write, and a damaged log refuses writes.
    store = Store(config.store.data_dir, upgrade=False)
    done = repair(store, os_account())
    if not done:
        print(f"nothing to repair: {store.audit.path} ends with a whole entry that meta.json names")
        return 0
    for line in done:
        print(f"repaired: {line}")
    print("recorded in the audit log; `conduct audit verify` checks the rest")
    return 0
