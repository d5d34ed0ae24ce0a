"""The argument parser: argparse, building only the sub-command parsers the line names.

Each argparse parser costs about 0.3 ms to build (gettext looks for a translation of its
headings on disk every time, and every argument makes a help formatter), and `conduct case`
alone has a dozen actions. ``conduct case list`` builds the parsers for `case` and `list`
only; the others are stand-ins that take their arguments and do nothing. A line that names
no action (`conduct case --help`) or an action that does not exist builds them all, so help
and argparse's own errors are exactly as before.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from functools import cache
from typing import Any


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose sub-command parsers are built only for ``words``."""

    def __init__(self, *args: Any, words: Sequence[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        # The words of the line still to be matched to a sub-command, or None for all.
        self.words = None if words is None else tuple(words)

    def add_subparsers(self, **kwargs: Any) -> Any:
        """As argparse's, choosing among sub-commands by the next word of the line."""
        kwargs.setdefault("action", _Choices)
        choices = super().add_subparsers(**kwargs)
        # A positional argument before the sub-command would take the word instead.
        positional_first = any(
            not action.option_strings for action in self._actions if action is not choices
        )
        if isinstance(choices, _Choices):
            choices.words = None if positional_first or not self.words else self.words
        return choices


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, told the terminal's width instead of asking shutil for it.

    argparse makes a formatter for every argument it adds and imports shutil to size it,
    which brings bz2, lzma and zlib with it (about 3% of `case show`'s instructions).
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        width = _terminal_columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, width)


@cache
def _terminal_columns() -> int:
    """The terminal's width as shutil.get_terminal_size() gives it: $COLUMNS, the terminal, 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or 80


class _Choices(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Sub-commands, each parser built only when the line names it."""

    words: tuple[str, ...] | None = None
    found = False

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        """A real parser for the word on the line; a stand-in for the others."""
        if self.words is None or name == self.words[0]:
            self.found = self.found or self.words is not None
            parser = super().add_parser(name, **kwargs)
            parser.words = None if self.words is None else self.words[1:]
            return parser
        self._name_parser_map[name] = _Skipped(name)
        return _Skipped(name)


class _Skipped:
    """A sub-command's parser that the line does not name: takes any call, builds nothing."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        if attribute == "parse_known_args":
            raise RuntimeError(f"the parser for {self.name!r} was not built")
        return lambda *args, **kwargs: self


def needs_every_parser(parser: argparse.ArgumentParser) -> bool:
    """Whether a word of the line named no sub-command, so the whole line must be built."""
    for action in parser._actions:
        if isinstance(action, _Choices):
            if action.words is not None and not action.found:
                return True
            for child in action._name_parser_map.values():
                if isinstance(child, argparse.ArgumentParser) and needs_every_parser(child):
                    return True
    return False
