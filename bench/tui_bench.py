"""Dashboard benchmark: time to a ready dashboard and filter latency with 10,000 cases.

"Ready" is from creating the app (headless, 100x30; imports done) to the case list painted
with every case loaded. Filter latency is one keystroke in the `/` filter box, from the key
press to the case list's first repainted line; the Pilot round trip (key, handlers, repaint,
idle) is printed beside it. Last, live updates: a case committed elsewhere while the
dashboard watches the store, timed until the case list is repainted with it.

Run from the repository root: .venv/bin/python -m bench.tui_bench [--cases 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.school import school_config, seed
from casework.config import Config


def paint_times(table: Any) -> list[float]:
    """A list that gets the perf_counter() of every line the table paints from now on."""
    painted: list[float] = []
    render_line = table.render_line

    def spy(y: int) -> Any:
        painted.append(time.perf_counter())
        return render_line(y)

    table.render_line = spy
    return painted


async def measure(
    config: Config, n: int, query: str
) -> tuple[float, list[float], list[float], int]:
    """(s to ready, ms key-to-repaint per key, ms Pilot round trip per key, rows left)."""
    from tui.app import ConductApp
    from tui.widgets.record_table import RecordTable

    started = time.perf_counter()
    app = ConductApp(config, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.screen.query_one("#case-table", RecordTable)
        painted = paint_times(table)
        while len(table.rows) < n:
            await asyncio.sleep(0.002)
        mark = len(painted)
        while len(painted) == mark:
            await asyncio.sleep(0.002)
        ready = painted[mark] - started
        await pilot.press("slash")
        await pilot.pause()
        repaint, trips = [], []
        for ch in query:
            mark = len(painted)
            t = time.perf_counter()
            await pilot.press(ch)
            trips.append((time.perf_counter() - t) * 1000)
            if len(painted) > mark:
                repaint.append((painted[mark] - t) * 1000)
        left = len(table.rows)
    return ready, repaint, trips, left


async def measure_live(config: Config, n: int, commits: int) -> list[float]:
    """ms from a commit by another Casebook to the dashboard's repaint showing it, per commit.

    The dashboard watches the store as in real use; each case is opened from a thread with
    its own Casebook (the CLI or the daemon would be another process: the same inotify
    event), and the clock starts when that commit has returned.
    """
    from store.casebook import Casebook
    from tui.app import ConductApp
    from tui.widgets.record_table import RecordTable

    app = ConductApp(config)
    latencies: list[float] = []
    async with app.run_test(size=(100, 30)):
        table = app.screen.query_one("#case-table", RecordTable)
        painted = paint_times(table)
        while len(table.rows) < n:
            await asyncio.sleep(0.002)
        other = Casebook(config)
        for i in range(commits):
            before = len(table.rows)
            await asyncio.to_thread(
                other.open_case, name=f"Live {i}", behaviours=["swearing"], summary="live"
            )
            committed = time.perf_counter()
            while len(table.rows) == before:
                await asyncio.sleep(0.002)
            mark = len(painted)
            while len(painted) == mark:
                await asyncio.sleep(0.002)
            latencies.append((painted[mark] - committed) * 1000)
            await asyncio.sleep(0.5)  # let the reload's worker finish before the next commit
    return latencies


def main() -> None:
    """Seed a store, then print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--query", default="parent 999")
    parser.add_argument("--store", type=Path, help="reuse a store seeded by an earlier run")
    parser.add_argument("--commits", type=int, default=10, help="cases opened while watching")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        config = school_config(args.store or Path(tmp))
        if args.store is None:
            t = time.perf_counter()
            seed(config, args.cases, events_per_case=3)
            print(f"seeded {args.cases} cases in {time.perf_counter() - t:.1f}s")
        t = time.perf_counter()
        import tui.app  # noqa: F401

        imports = time.perf_counter() - t
        ready, repaint, trips, left = asyncio.run(measure(config, args.cases, args.query))
        live = asyncio.run(measure_live(config, args.cases, args.commits))
    print(f"importing the app (Textual, once per process): {imports:.2f}s")
    print(f"ready dashboard with {args.cases} cases: {ready:.2f}s (target <= 0.8 s)")
    print(
        f"filter, key to repaint ({len(repaint)} keys, {left} rows left): "
        f"median {statistics.median(repaint):.0f} ms, max {max(repaint):.0f} ms "
        "(target <= 100 ms)"
    )
    print(
        f"filter, Pilot round trip per key: median {statistics.median(trips):.0f} ms, "
        f"max {max(trips):.0f} ms"
    )
    print(
        f"case opened elsewhere -> on the dashboard ({len(live)} commits): "
        f"median {statistics.median(live):.0f} ms, max {max(live):.0f} ms (README: within a second)"
    )


if __name__ == "__main__":
    main()
