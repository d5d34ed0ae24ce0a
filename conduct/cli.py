"""`conduct [--config PATH] COMMAND`: parse arguments, load the configuration, run the command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from casework.config import Config, find_config, load_config
from casework.tomlread import ConfigError

# The command modules hold only their arguments at module level: each handler imports
# what it works with (the store, the mailer, Textual, WeasyPrint) when it runs, so a
# command never pays for another's libraries. tests/test_startup.py keeps it so.
from conduct import admin_cmd, case_cmd, daemon_cmd, demo_cmd, letter_cmd, tui_cmd

Handler = Callable[[argparse.Namespace, Config], int]


def user_errors() -> tuple[type[Exception], ...]:
    """Mistakes a person can make, reported in one line without a traceback."""
    # Imported once something has gone wrong: they live in modules a command may not need.
    from casework.ladder import StepOrderError
    from casework.outbox import LetterStateError
    from casework.workflow import CaseRuleError
    from store.casebook import NotFound
    from store.db import StoreError
    from store.vault import VaultError

    return (
        NotFound,
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
    case_cmd.register(sub)
    demo_cmd.register(sub)
    daemon_cmd.register(sub)
    letter_cmd.register(sub)
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
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not isinstance(exc, user_errors()):
            raise
        print(f"conduct: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
