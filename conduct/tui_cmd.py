"""`conduct tui`: open the dashboard (bare `conduct` opens it too, once wired in cli.py)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casework.config import Config


def register(sub: Any) -> None:
    """Add `tui` to the parser."""
    p = sub.add_parser("tui", help="open the dashboard (the default when no command is given)")
    p.set_defaults(handler=handler)


def handler(args: argparse.Namespace, config: Config) -> int:
    """Run the dashboard until the office quits it."""
    import gc

    # The collector off while Textual loads: its modules live as long as the process, and
    # collections during the import would walk them again and again. On again straight
    # after, whatever happens; the dashboard holds it itself from its screen to its first
    # frame (tui/screens/dashboard.py). Imported here so the other commands never pay for
    # loading Textual.
    gc.disable()
    try:
        from tui.app import ConductApp
    finally:
        gc.enable()

    ConductApp(config).run()
    return 0
