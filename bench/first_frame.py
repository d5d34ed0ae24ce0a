"""Child process of bench/cli_bench.py: start the dashboard as `conduct` does, headless, and
print the monotonic clock when its first frame shows the case list, then quit.

Run: python -m bench.first_frame CONFIG N_CASES (prints "imports T" and "frame T").
"""

from __future__ import annotations

import sys
import time
from typing import Any


def main() -> None:
    """Open the dashboard on CONFIG and report when the case list is first painted."""
    config_path, expected = sys.argv[1], int(sys.argv[2])
    # What bare `conduct --config CONFIG` does before the dashboard (conduct.cli.main): the
    # dashboard's part of the parser, then the configuration.
    from conduct.cli import build_parser, line_words

    argv = ["--config", config_path]
    args = build_parser("tui", line_words(argv)).parse_args(argv)
    from casework.config import find_config, load_config

    config = load_config(find_config(args.config))
    # Then, as conduct/tui_cmd.py's handler: the collector off, and Textual imported.
    import gc

    gc.disable()
    from tui.app import ConductApp
    from tui.widgets.record_table import RecordTable

    gc.enable()

    print(f"imports {time.monotonic()}", flush=True)
    app = ConductApp(config)
    render_line = RecordTable.render_line
    done = False

    def spy(table: RecordTable[Any], y: int) -> Any:
        nonlocal done
        if not done and table.id == "case-table" and len(table.rows) == expected:
            done = True
            print(f"frame {time.monotonic()}", flush=True)
            app.call_later(app.exit)
        return render_line(table, y)

    RecordTable.render_line = spy  # type: ignore[method-assign]
    app.run(headless=True, size=(100, 30))


if __name__ == "__main__":
    main()
