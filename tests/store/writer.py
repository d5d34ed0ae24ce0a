"""A writer process for the concurrency and kill tests: appends notes and reports each commit."""

from __future__ import annotations

import sys
from pathlib import Path

from casework.config import load_config
from store.casebook import Casebook


def main() -> None:
    """Usage: writer.py CONFIG REF COUNT LABEL; prints "done N" after note N has committed."""
    config_path, ref, count, label = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    book = Casebook(load_config(Path(config_path)))
    print("ready", flush=True)
    for i in range(count):
        book.note(ref, f"{label} {i}")
        print(f"done {i}", flush=True)


if __name__ == "__main__":
    main()
