"""Queuing from the command line says when the letter will not go out now; cancel says why."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import conduct, draft_information_request, open_case, show
from tests.support.school import write_config


def test_queuing_while_the_daemon_is_stopped_says_so_and_cancel_records_why(
    tmp_path: Path,
) -> None:
    cfg = write_config(tmp_path, "warning-first")
    ref = open_case(cfg, "swearing")
    letter_id = draft_information_request(cfg, ref, tmp_path / "a.pdf")
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
