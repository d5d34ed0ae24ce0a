"""`conduct [--config PATH] COMMAND`: parse arguments, load the configuration, run the command."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

from casework.tomlread import ConfigError
from conduct import tui_cmd
from conduct.parsing import Parser, needs_every_parser

if TYPE_CHECKING:
    from casework.config import Config

# Each command and the module (in conduct/) whose register() adds it with its siblings,
# in the order --help lists them. Only the module of the command asked for is imported,
# and a command module holds only its arguments at module level: each handler imports
# what it works with (the store, the mailer, Textual, WeasyPrint) when it runs, so a
# command never pays for another's libraries. tests/cli/test_startup.py keeps it so.
COMMANDS: dict[str, str] = {
    "init": "admin_cmd",
    "check": "admin_cmd",
    "audit": "admin_cmd",
    "policy": "admin_cmd",
    "backup": "backup_cmd",
    "restore": "backup_cmd",
    "case": "case_cmd",
    "staff": "staff_cmd",
    "digest": "staff_cmd",
    "bans": "bans_cmd",
    "demo": "demo_cmd",
    "daemon": "daemon_cmd",
    "quarantine": "daemon_cmd",
    "letter": "letter_cmd",
    "mail": "mail_cmd",
    "person": "person_cmd",
    "retention": "retention_cmd",
    "sar": "sar_cmd",
    "tui": "tui_cmd",
}

Handler = Callable[[argparse.Namespace, "Config"], int]


def user_errors() -> tuple[type[Exception], ...]:
    """Mistakes a person can make, reported in one line without a traceback."""
    # Imported once something has gone wrong: they live in modules a command may not need.
    from casework.fold import CaseRuleError
    from casework.ladder import StepOrderError
    from casework.outbox import LetterStateError
    from store.casebook import NotFound
    from store.db import StoreError
    from store.records import BadReference
    from store.vault import VaultError

    return (
        NotFound,
        BadReference,
        CaseRuleError,
        StepOrderError,
        LetterStateError,
        StoreError,
        VaultError,
        ValueError,
    )


def line_words(argv: Sequence[str]) -> list[str]:
    """The words of the line that are not options or the --config path: command, action..."""
    words = iter(argv)
    found = []
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            found.append(word)
    return found


def asks_for_help(argv: Sequence[str]) -> bool:
    """True for -h, --help or an abbreviation of it (argparse accepts --he)."""
    return any(w == "-h" or (len(w) > 2 and "--help".startswith(w)) for w in argv)


def build_parser(
    command: str | None = None, words: Sequence[str] | None = None
) -> argparse.ArgumentParser:
    """The whole command line, with --help on every command; only ``command``'s part if given.

    argparse takes about 0.3 ms per parser and the whole line has 60, and each command's
    module imports the domain types its arguments name; a word that is not a command gets
    the whole line (and argparse's error). ``words`` (the line's, from the command on) builds
    only the actions they name (conduct/parsing.py).
    """
    parser = Parser(
        prog="conduct",
        description="Conduct Desk: the school office's casework for breaches of the "
        "parent/carer code of conduct.",
        words=words,
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config.toml to use (default: $CONDUCT_CONFIG, else ./config.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else COMMANDS.values()
    for module in dict.fromkeys(modules):
        register: Callable[[Any], None] = import_module(f"conduct.{module}").register
        register(sub)
    if words is not None and needs_every_parser(parser):
        return build_parser(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `conduct` console script."""
    if argv is None:  # the `conduct` process itself, not a caller in a longer-lived one
        argv = sys.argv[1:]
        # What the interpreter made to start lives until it exits: collections need not walk
        # it again and again while the command imports and reads (5% of `case show`).
        gc.freeze()
    words = line_words(argv)
    command = words[0] if words else None
    if command is None and not asks_for_help(argv):
        command = "tui"  # bare `conduct`: only the dashboard's part of the line is needed
    # Help for a command lists all its actions; otherwise only the action named is built.
    args = build_parser(command, None if asks_for_help(argv) else words).parse_args(argv)
    # Bare `conduct` opens the dashboard: the office manager's everyday command.
    handler: Callable[..., int] = tui_cmd.handler if args.command is None else args.handler
    try:
        if getattr(args, "needs_config", True):
            # Here, not at the top: `letter kinds` and `--help` need no configuration.
            from casework.config import find_config, load_config

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
        if isinstance(exc, user_errors()):
            print(f"conduct: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError):
            # A full disk, a missing directory, a file that cannot be read: one line, the
            # file named.
            from store.files import describe_os_error

            print(f"conduct: {describe_os_error(exc)}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
