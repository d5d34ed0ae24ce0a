"""Queuing from the command line says when the letter will not go out now; cancel says why."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import conduct, open_case, show
from tests.support.school import write_config


def test_queuing_while_the_daemon_is_stopped_says_so_and_cancel_records_why(
    tmp_path: Path,
) -> None:
    cfg = write_config(tmp_path, "warning-first")
    ref = open_case(cfg, "swearing")
    out = conduct(
        cfg,
        "letter",
        "render",
        ref,
        "information-request",
        "--out",
        str(tmp_path / "a.pdf"),
        "--set",
        "incident_date=2026-03-09",
        "incident_summary=Shouted at Mrs Khan at the gate",
    ).stdout
    letter_id = out.split("letter ")[1].split()[0]
    queued = conduct(cfg, "letter", "queue", ref, letter_id)
    assert f"{ref}: letter {letter_id} is now queued" in queued.stdout
    assert "NOT sent yet: the mail daemon is not running" in queued.stderr
    no_reason = conduct(cfg, "letter", "cancel", ref, letter_id, ok=False)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    conduct(cfg, "letter", "cancel", ref, letter_id, "--reason", "Spoke to the parent instead")
    events = [e["summary"] for e in show(cfg, ref)["events"]]
    assert "Letter information-request cancelled, not sent: Spoke to the parent instead" in events
    again = conduct(cfg, "letter", "queue", ref, letter_id, ok=False)
    assert "cannot be queued: it is cancelled" in again.stderr
