"""`--set KEY=VALUE ...`: the one option every command that takes fields shares."""

from __future__ import annotations

import argparse


def add_set_option(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--set KEY=VALUE [KEY=VALUE ...]`` (repeatable) to a command."""
    parser.add_argument(
        "--set", action="extend", nargs="+", default=[], metavar="KEY=VALUE", help=what
    )


def parse_sets(pairs: list[str]) -> dict[str, str]:
    """KEY=VALUE pairs from --set; a pair without '=' is a clear error."""
    fields: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        fields[key.strip()] = value
    return fields
