"""A store written by schema 1 (the code before typed events) opens, migrated, with nothing lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from casework.config import load_config
from casework.fold import replay
from casework.payloads import (
    CaseOpened,
    Closed,
    EvidenceAdded,
    Incident,
    MeetingScheduled,
    Statement,
)
from store.casebook import Casebook
from store.db import SCHEMA_VERSION
from store.integrity import verify
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
    assert meta["meta"]["1"]["schema"] == SCHEMA_VERSION == 4
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
    report = verify(book.store)
    assert report.ok, report.problems
    count = report.entries
    last = list(book.store.audit.entries())[-1]
    assert any("schema 2" in line for line in last["what"])
    assert any("schema 3" in line for line in last["what"])
    assert any("schema 4" in line for line in last["what"])
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
        [
            sys.executable,
            "-m",
            "conduct.cli",
            "--config",
            str(v1_school),
            "case",
            "show",
            "C-2026-0004",
            "--json",
        ],
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


def test_a_persons_one_telephone_number_becomes_their_list_of_numbers(v1_school: Path) -> None:
    raw = (v1_school.parent / "data" / "people").glob("*.json")
    stored = [d for p in raw for d in json.loads(p.read_text())["people"].values()]
    assert {d["name"]: d["phone"] for d in stored}["Dana Whitlock"] == "07700 900123"
    book = Casebook(load_config(v1_school))
    assert book.person("p-dana-whitlock").phones == ("07700 900123",)
    assert book.person("p-lee-marsh").phones == ()
    for path in (v1_school.parent / "data" / "people").glob("*.json"):
        for doc in json.loads(path.read_text())["people"].values():
            assert "phone" not in doc


def test_a_migrated_ban_keeps_its_dated_record(v1_school: Path) -> None:
    book = Casebook(load_config(v1_school))
    ban = book.get("C-2026-0004").bans[0]
    # Schema 1 folded no dates of decision; they are read again from the timeline.
    assert ban.confirmed_on is not None
    assert ban.representations_received
    assert ban.review_log and ban.review_log[0].outcome == "continued"


def test_schema_3_records_every_file_so_an_old_untouched_file_is_covered(
    v1_school: Path,
) -> None:
    data = v1_school.parent / "data"
    leftover = data / "vault" / "4a" / "4a" / ".4a4a-partial.123.beef"
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_bytes(b"half an email")
    book = Casebook(load_config(v1_school))
    last = list(book.store.audit.entries())[-1]
    assert any("schema 3" in line for line in last["what"])
    # Files the migration did not rewrite are in its baseline; those it did, in its files.
    covered = set(last["baseline"]) | set(last["files"])
    on_disk = {str(p.relative_to(data)) for p in data.rglob("*.json") if p.parent.name != "tmp"}
    assert on_disk <= covered
    assert not leftover.exists()
    # A letters shard untouched since schema 1, edited now: the chain notices.
    letters = data / "letters" / "07.json"
    letters.write_text(letters.read_text().replace("Chris Doyle", "Someone Else"))
    report = verify(book.store)
    assert not report.ok
    assert any(str(letters) in p and "changed outside" in p for p in report.problems)


def _torn_v1(v1_school: Path, pending: bool) -> tuple[Path, bytes]:
    """The schema-1 store as a full disk left it under the old code: a torn last audit line
    (and, with ``pending``, the journal of the commit whose entry it was)."""
    data = v1_school.parent / "data"
    log = data / "audit.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    last = json.loads(lines[-1])
    entry = {k: v for k, v in last.items() if k not in ("seq", "prev", "hash")}
    log.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    if pending:
        (data / "journal.json").write_text(
            json.dumps({"tx": entry["tx"], "renames": [], "audit": entry})
        )
    return log, b"".join(lines)


def test_an_old_store_torn_by_a_full_disk_is_finished_on_upgrade(v1_school: Path) -> None:
    log, whole = _torn_v1(v1_school, pending=True)
    book = Casebook(load_config(v1_school))
    # The interrupted entry is written again whole, then the upgrade's own entry.
    assert log.read_bytes().startswith(whole)
    assert verify(book.store).ok


def test_an_old_store_with_a_torn_log_is_repaired_before_the_upgrade(
    v1_school: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conduct.cli import main

    log, whole = _torn_v1(v1_school, pending=False)
    config = ["--config", str(v1_school)]
    assert main([*config, "case", "list"]) == 1
    assert f"{log}: its last" in capsys.readouterr().err
    assert main([*config, "audit", "repair"]) == 0
    assert "set aside in audit-damaged-1.bin" in capsys.readouterr().out
    assert main([*config, "case", "list"]) == 0
    assert main([*config, "audit", "verify"]) == 0
    assert len(log.read_bytes().splitlines()) == len(whole.splitlines()) + 1


V3 = Path(__file__).resolve().parent.parent / "data" / "store-v3"


@pytest.fixture
def v3_school(tmp_path: Path) -> Path:
    """A school whose data directory is a copy of a schema-3 store written by main's code."""
    shutil.copytree(V3, tmp_path / "data")
    for path in (tmp_path / "data").rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    return write_config(tmp_path, "warning-first")


def test_a_schema_3_store_is_upgraded_through_schema_4_only(v3_school: Path) -> None:
    data = v3_school.parent / "data"
    assert json.loads((data / "meta.json").read_text())["meta"]["1"]["schema"] == 3
    book = Casebook(load_config(v3_school))
    assert json.loads((data / "meta.json").read_text())["meta"]["1"]["schema"] == SCHEMA_VERSION
    report = verify(book.store)
    assert report.ok, report.problems
    assert report.entries == 47
    what = list(book.store.audit.entries())[-1]["what"]
    assert any("schema 4" in line for line in what)
    assert not any("schema 3" in line or "schema 2" in line for line in what)
    # Written by schema 3's code: a person with one number, representations on the ban.
    assert book.person("p-sam-ortiz").phones == ("01632 960111",)
    assert book.person("p-dana-whitlock").phones == ("07700 900123",)
    ban = book.get("C-2026-0004").bans[0]
    assert ban.representations_received
    assert ban.representations_received[-1] == date(2026, 3, 11)
    for ref in ("C-2026-0001", "C-2026-0004"):
        file = book.file(ref)
        assert replay(file.events) == file.case
