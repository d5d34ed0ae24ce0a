"""The status bar's words for the daemon's health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from casework.mailrecords import DaemonState, Health
from tui.widgets.status_bar import Colours, health_text

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
RED = Colours().error


def test_no_record_means_not_running() -> None:
    assert "daemon not running" in health_text(None, NOW).plain


def test_idle_shows_the_last_good_check() -> None:
    h = Health(DaemonState.IDLE, NOW - timedelta(seconds=20), NOW - timedelta(seconds=20))
    text = health_text(h, NOW)
    assert "idle" in text.plain and "08:59" in text.plain
    assert RED not in str(text.spans)


def test_failing_and_stale_are_red() -> None:
    failing = Health(DaemonState.LOGIN_FAILED, NOW, NOW - timedelta(hours=1), "bad password")
    text = health_text(failing, NOW)
    assert text.plain == "● mail login failed, last check 08:00: bad password"
    # The state and its time are red; the server's own words after them are not styled.
    red = [text.plain[s.start : s.end] for s in text.spans if s.style == f"bold {RED}"]
    assert red == ["● mail login failed, last check 08:00"]
    stale = Health(DaemonState.IDLE, NOW - timedelta(minutes=10), NOW - timedelta(minutes=10))
    text = health_text(stale, NOW)
    assert text.plain == "● mail daemon silent since 08:50 (last good check 08:50)"
    assert text.style == f"bold {RED}" and text.spans == []


def test_subject_access_requests_due_show_only_when_there_are_some() -> None:
    from store.listing import Counts
    from tui.widgets.status_bar import counts_text

    quiet = counts_text(Counts(3, 1, 0, 0))
    assert quiet.plain == "3 open · 1 banned · 0 reviews due · 0 to approve"
    due = counts_text(Counts(3, 1, 0, 0, sar_due=2))
    assert due.plain.endswith(" · 2 SAR due")
    warn = [due.plain[s.start : s.end] for s in due.spans if s.style == f"bold {Colours().warning}"]
    assert warn == ["2 SAR due"]
