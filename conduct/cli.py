"""`conduct [--config PATH] COMMAND`: parse arguments, load the configuration, run the command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from casework.config import Config, find_config, load_config
from casework.ladder import StepOrderError
from casework.outbox import LetterStateError
from casework.tomlread import ConfigError
from casework.workflow import CaseRuleError
from conduct import (
    admin_cmd,
    backup_cmd,
    case_cmd,
    daemon_cmd,
    demo,
    letter_cmd,
    mail_cmd,
    retention_cmd,
    sar_cmd,
    tui_cmd,
)
from store.casebook import NotFound
from store.db import StoreError
from store.files import describe_os_error
from store.records import BadReference
from store.vault import VaultError

Handler = Callable[[argparse.Namespace, Config], int]

# Mistakes a person can make, reported in one line without a traceback.
USER_ERRORS = (
    NotFound,
    BadReference,
    CaseRuleError,
    StepOrderError,
    LetterStateError,
    StoreError,
    VaultError,
    ValueError,
)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, with --help on every command."""
    parser = argparse.ArgumentParser(
        prog="conduct",
        description="Conduct Desk: the school office's casework for breaches of the "
        "parent/carer code of conduct.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config.toml to use (default: $CONDUCT_CONFIG, else ./config.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    admin_cmd.register(sub)
    backup_cmd.register(sub)
    case_cmd.register(sub)
    demo.register(sub)
    daemon_cmd.register(sub)
    letter_cmd.register(sub)
    mail_cmd.register(sub)
    retention_cmd.register(sub)
    sar_cmd.register(sub)
    tui_cmd.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `conduct` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Bare `conduct` opens the dashboard: the office manager's everyday command.
    handler: Callable[..., int] = tui_cmd.handler if args.command is None else args.handler
    try:
        if getattr(args, "needs_config", True):
            config = load_config(find_config(args.config))
            return handler(args, config)
        return handler(args)
    except ConfigError as exc:
        print(f"conduct: the configuration has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except USER_ERRORS as exc:
        print(f"conduct: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # A full disk, a missing directory, a file that cannot be read: one line, the file named.
        print(f"conduct: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
