"""Store benchmark: committed-write latency and load time at 100, 1,000 and 10,000 cases.

Each case has 10 events. A "committed write" is one `case note`: one event appended and its
case updated, fsynced and chained in the audit log, timed from call to return.

Run: .venv/bin/python bench/store_bench.py [--sizes 100,1000,10000] [--writes 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casework import workflow  # noqa: E402
from casework.cases import Severity, format_ref  # noqa: E402
from casework.clock import process_clock  # noqa: E402
from casework.config import Config, parse_config  # noqa: E402
from casework.events import EventType, make_event  # noqa: E402
from casework.payloads import Text  # noqa: E402
from casework.people import Person, Subject  # noqa: E402
from store.casebook import Casebook  # noqa: E402
from store.db import Store  # noqa: E402
from store.records import Cases, Counters, Events, People  # noqa: E402


def config_for(root: Path) -> Config:
    """A minimal school configuration with its data under ``root``."""
    return parse_config(
        {
            "school": {
                "name": "Bench Primary",
                "address": ["1 Bench Road"],
                "headteacher": "Ms Head",
                "chair_of_governors": "Mr Chair",
            },
            "policy": {"preset": "warning-first"},
            "store": {"data_dir": str(root / "data")},
        },
        root / "config.toml",
    )


def seed(config: Config, n_cases: int, events_per_case: int = 10) -> None:
    """Write ``n_cases`` cases of ``events_per_case`` events in one transaction."""
    store = Store(config.store.data_dir)
    start = process_clock().now() - timedelta(days=400)
    with store.transaction("bench") as tx:
        cases, events, people, counters = Cases(tx), Events(tx), People(tx), Counters(tx)
        for i in range(n_cases):
            at = start + timedelta(minutes=i)
            person = Person(id=f"p-{i}", name=f"Parent {i}", emails=(f"parent{i}@example.org",))
            people.put(person)
            ref = format_ref(at.year, counters.next(f"case-{at.year}"))
            case, opened = workflow.open_case(
                ref,
                config.policy,
                summary=f"Incident {i}",
                subjects=[Subject(person.id, person.name)],
                reporter="bench",
                behaviours=["swearing"],
                severity=Severity.MEDIUM,
                actor="bench",
                at=at,
            )
            events.add(opened)
            for k in range(events_per_case - 1):
                ev = make_event(
                    ref, "bench", EventType.NOTE, f"note {k}", Text(f"note {k}"), at=at
                )
                case = workflow.apply(case, ev)
                events.add(ev)
            cases.put(case)


def measure(n_cases: int, writes: int) -> tuple[float, float, float, float]:
    """(median write ms, p95 write ms, cold load s, warm list s) at ``n_cases`` cases."""
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        config = config_for(Path(tmp))
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
