"""`--set KEY=VALUE ...`: the one option every command that takes fields shares."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def add_set_option(parser: argparse.ArgumentParser, what: str | Callable[[], str]) -> None:
    """Add ``--set KEY=VALUE [KEY=VALUE ...]`` (repeatable) to a command.

    ``what`` may be a function giving the help text, called only when the help is shown.
    """
    if callable(what):
        parser.add_argument(
            "--set", action=_ExtendHelpLater, describe=what, nargs="+", default=[], metavar="KEY=VALUE"
        )
        return
    parser.add_argument(
        "--set", action="extend", nargs="+", default=[], metavar="KEY=VALUE", help=what
    )


class _ExtendHelpLater(argparse._ExtendAction):
    """``--set`` whose help is written when it is shown (by --help), not when the line is built.

    `case record` lists every event type's fields, which means loading every payload class:
    a cost every `case` command would pay at start-up for a text only --help prints.
    """

    def __init__(self, *args: Any, describe: Callable[[], str], **kwargs: Any) -> None:
        self.describe = describe
        super().__init__(*args, **kwargs)

    @property
    def help(self) -> str | None:
        """The help text, worked out now."""
        return self.describe()

    @help.setter
    def help(self, value: str | None) -> None:
        pass  # argparse sets help=None on construction; the text comes from describe()


def parse_sets(pairs: list[str]) -> dict[str, str]:
    """KEY=VALUE pairs from --set; a pair without '=' is a clear error."""
    fields: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        fields[key.strip()] = value
    return fields
