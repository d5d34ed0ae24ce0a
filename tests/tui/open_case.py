"""Another process opening a case: ``python -m tests.tui.open_case CONFIG NAME``."""

from __future__ import annotations

import sys
from pathlib import Path

from casework.config import load_config
from store.casebook import Casebook


def main() -> None:
    """Open one case and print its reference."""
    book = Casebook(load_config(Path(sys.argv[1])))
    behaviour = book.config.policy.behaviours[0].id
    case = book.open_case(name=sys.argv[2], behaviours=[behaviour], summary="From elsewhere")
    print(case.ref, flush=True)


if __name__ == "__main__":
    main()
