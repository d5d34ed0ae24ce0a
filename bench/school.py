"""The school the benchmarks work in, and a store seeded with as many cases as asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from casework import fold, workflow
from casework.cases import Severity, format_ref
from casework.config import Config, load_config
from casework.events import EventType, make_event
from casework.payloads import Text
from casework.people import Person, Subject
from store.db import Store
from store.records import Cases, Counters, Events, People
from tests.support.school import write_config

# Seeded cases start here, one a minute: a fixed date, so no run depends on the wall clock.
SEED_START = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)


def school_config(root: Path) -> Config:
    """The tests' warning-first school, its config.toml and data under ``root``."""
    return load_config(write_config(root, "warning-first"))


def seed(
    config: Config, n_cases: int, events_per_case: int = 10, start: datetime = SEED_START
) -> None:
    """Write ``n_cases`` open cases of ``events_per_case`` events each, in one transaction."""
    store = Store(config.store.data_dir)
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
                ev = make_event(ref, "bench", EventType.NOTE, f"note {k}", Text(f"note {k}"), at=at)
                case = fold.apply(case, ev)
                events.add(ev)
            cases.put(case)
