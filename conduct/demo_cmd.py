"""`conduct demo`: its arguments; the demo itself (servers, daemon, mail) is in conduct.demo."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add `demo` to the parser."""
    p = sub.add_parser("demo", help="a fictional school with live mail, in a throwaway workspace")
    p.add_argument(
        "--dir", type=Path, help="workspace to create or reuse (default: a temporary one)"
    )
    p.add_argument(
        "--headless",
        type=float,
        metavar="SECONDS",
        help="run the servers and the daemon for SECONDS without the dashboard, then stop",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="N",
        help="deliver the demo's emails N times faster (default 1: over about a minute)",
    )
    p.set_defaults(handler=demo, needs_config=False)


def demo(args: argparse.Namespace) -> int:
    """Run the demo until the dashboard is quit (or --headless SECONDS have passed)."""
    from conduct.demo import demo as run_demo

    return run_demo(args)
