"""`conduct demo` shows the whole system alive: flagged mail becomes cases, and it all stops."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from casework.config import load_config
from casework.mailrecords import DaemonState, MailOutcome
from store.casebook import Casebook
from store.maillog import MailLog

ROOT = Path(__file__).resolve().parents[2]


def run_demo(workspace: Path) -> subprocess.CompletedProcess[str]:
    """`conduct demo --dir WORKSPACE` for 14 seconds without the dashboard, mail 4x faster."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "conduct.cli",
            "demo",
            "--dir",
            str(workspace),
            "--headless",
            "14",
            "--speed",
            "4",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_turns_flagged_mail_into_cases_then_stops_everything(tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    run = run_demo(workspace)
    assert run.returncode == 0, run.stderr
    assert "new case" in run.stdout and "Your teachers are a disgrace" in run.stdout
    book = Casebook(load_config(workspace / "config.toml"))
    summaries = {c.summary: c for c in book.cases("all")}
    # Seeded cases plus the flagged arrivals; the unflagged newsletter is not a case.
    assert "Your teachers are a disgrace" in summaries
    assert (
        summaries["Fwd: parent swearing at the lunchtime gate"].subjects[0].name
        == "To be identified"
    )
    assert "Autumn term newsletter" not in summaries
    doyle = next(c for c in book.cases("all") if c.subjects[0].name == "Chris Doyle")
    rules = [
        e.data.rule for e in book.file(doyle.ref).events if e.type.value == "evidence-added"
    ]
    assert rules == ["tag"]  # the parent's reply threaded into the case by its tag
    log = MailLog(book.store)
    assert [r.outcome for r in log.skipped()] == [MailOutcome.SKIPPED]
    health = log.health()
    assert health is not None and health.state is DaemonState.STOPPED and health.last_good_check
    # Everything the demo started has stopped: its ports are free again.
    config = load_config(workspace / "config.toml")
    assert config.mail is not None
    import socket

    for port in (config.mail.imap.port, config.mail.smtp.port):
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open"


def test_running_the_demo_again_on_its_folder_makes_no_second_case(tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    assert run_demo(workspace).returncode == 0
    book = Casebook(load_config(workspace / "config.toml"))
    first = sorted((c.ref, c.summary) for c in book.cases("all"))
    again = run_demo(workspace)
    assert again.returncode == 0, again.stderr
    assert "new case" not in again.stdout
    assert sorted((c.ref, c.summary) for c in book.cases("all")) == first
