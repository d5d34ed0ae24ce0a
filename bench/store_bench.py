"""Store benchmark: committed-write latency and load time at 100, 1,000 and 10,000 cases.

Each case has 10 events. A "committed write" is one `case note`: one event appended and its
case updated, fsynced and chained in the audit log, timed from call to return.

Run from the repository root:
    .venv/bin/python -m bench.store_bench [--sizes 100,1000,10000] [--writes 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.school import school_config, seed
from store.casebook import Casebook


def measure(n_cases: int, writes: int) -> tuple[float, float, float, float]:
    """(median write ms, p95 write ms, cold load s, warm list s) at ``n_cases`` cases."""
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        config = school_config(Path(tmp))
        seed(config, n_cases)
        t0 = time.perf_counter()
        book = Casebook(config)
        cases = book.cases("all")
        cold_load = time.perf_counter() - t0
        assert len(cases) == n_cases, len(cases)
        refs = [c.ref for c in cases]
        latencies = []
        for i in range(writes):
            ref = refs[(i * 7919) % len(refs)]
            t = time.perf_counter()
            book.note(ref, f"bench write {i}")
            latencies.append((time.perf_counter() - t) * 1000)
        t1 = time.perf_counter()
        book.cases("all")
        warm = time.perf_counter() - t1
    latencies.sort()
    return (
        statistics.median(latencies),
        latencies[int(len(latencies) * 0.95) - 1],
        cold_load,
        warm,
    )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    print(
        f"{'cases':>7} {'events':>8} {'write p50':>10} {'write p95':>10} {'load (cold)':>12} {'list (warm)':>12}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        p50, p95, cold, warm = measure(n, args.writes)
        print(f"{n:>7} {n * 10:>8} {p50:>8.1f}ms {p95:>8.1f}ms {cold:>11.3f}s {warm:>11.3f}s")
    print("target: committed write at 10,000 cases <= 30 ms median")


if __name__ == "__main__":
    main()
