"""A store written by schema 1 (the code before typed events) opens, migrated, with nothing lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.config import load_config
from casework.payloads import (
    CaseOpened,
    Closed,
    EvidenceAdded,
    Incident,
    MeetingScheduled,
    Statement,
)
from casework.workflow import replay
from store.casebook import Casebook
from store.db import SCHEMA_VERSION
from store.maillog import MailLog
from tests.support.school import write_config

V1 = Path(__file__).resolve().parent.parent / "data" / "store-v1"


@pytest.fixture
def v1_school(tmp_path: Path) -> Path:
    """A school whose data directory is a copy of the schema-1 store."""
    shutil.copytree(V1, tmp_path / "data")
    for path in (tmp_path / "data").rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    return write_config(tmp_path, "warning-first")


def _events_on_disk(data: Path) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    return {
        p.stem: list(json.loads(p.read_text())["events"].values())
        for p in sorted((data / "events").glob("*.json"))
    }


def test_a_schema_1_store_is_migrated_and_every_event_is_kept(v1_school: Path) -> None:
    before = _events_on_disk(v1_school.parent / "data")
    book = Casebook(load_config(v1_school))
    meta = json.loads((v1_school.parent / "data" / "meta.json").read_text())
    assert meta["meta"]["1"]["schema"] == SCHEMA_VERSION == 2
    after = _events_on_disk(v1_school.parent / "data")
    # Same events, same ids, times, actors, types and summaries: only their details typed.
    for ref, events in before.items():
        assert [{k: v for k, v in e.items() if k != "data"} for e in after[ref]] == [
            {k: v for k, v in e.items() if k != "data"} for e in events
        ]
    cases = book.cases("all")
    assert [c.ref for c in cases] == [f"C-2026-000{n}" for n in range(1, 6)]
    for case in cases:
        file = book.file(case.ref)
        assert replay(file.events) == file.case
    # The audit chain still verifies and records the migration.
    count, broken = book.store.audit.verify()
    assert broken is None
    last = list(book.store.audit.entries())[-1]
    assert any("schema 2" in line for line in last["what"])
    assert count == 43


def test_schema_1_details_become_typed_payloads(v1_school: Path) -> None:
    book = Casebook(load_config(v1_school))
    opened = book.file("C-2026-0004").events[0].data
    assert isinstance(opened, CaseOpened)
    assert [s.name for s in opened.subject_records] == ["Lee Marsh"] == list(opened.subjects)
    # The demo's incidents kept their words only in the summary line.
    incident = next(e for e in book.file("C-2026-0001").events if isinstance(e.data, Incident))
    assert incident.data.text == "Raised voice at Mrs Patel at the classroom door"
    # A statement recorded without its author says so rather than inventing one.
    statement = next(e for e in book.file("C-2026-0002").events if isinstance(e.data, Statement))
    assert statement.data.by == "(not recorded)"
    # A meeting is the school's wall-clock time (schema 1 kept the demo's in UTC).
    meeting = next(
        e for e in book.file("C-2026-0003").events if isinstance(e.data, MeetingScheduled)
    )
    # (schema 1 wrote 15:30 UTC; the school's wall clock is the machine's local time)
    school_time = datetime(2026, 3, 15, 15, 30, tzinfo=UTC).astimezone().replace(tzinfo=None)
    assert meeting.data.at == school_time
    assert book.get("C-2026-0003").meetings[0].at == meeting.data.at
    email = next(e for e in book.file("C-2026-0001").events if isinstance(e.data, EvidenceAdded))
    assert email.data.sender == "dana.whitlock@example.org"
    assert email.data.attachments[0].name == "p.jpg"
    closed = next(e for e in book.file("C-2026-0005").events if isinstance(e.data, Closed))
    assert closed.data.outcome == "No further action"
    skipped = MailLog(book.store).skipped()
    assert skipped and skipped[0].rule is None


def test_the_command_line_reads_a_migrated_store(v1_school: Path) -> None:
    Casebook(load_config(v1_school))
    shown = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(v1_school), "case", "show",
         "C-2026-0004", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    detail = json.loads(shown.stdout)
    assert detail["case"]["bans"][0]["status"] == "confirmed"
    assert [e["type"] for e in detail["events"]][0] == "case-opened"
    verify = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(v1_school), "audit", "verify"],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr
