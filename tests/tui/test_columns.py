"""The outbox's columns show what the office needs to read, whole."""

from __future__ import annotations

from casework.outbox import LetterStatus
from tui.columns import letter_columns


def test_the_outbox_status_column_shows_every_state_whole() -> None:
    status = next(c for c in letter_columns(with_status=True) if c.label == "Status")
    # "outcome-unknown" was cut to "outcome-u…": the one state the office must act on.
    assert all(len(s.value) <= status.width for s in LetterStatus)
