"""The status bar: the mail daemon's health and the counts the office watches."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widget import Widget

from casework.mailrecords import DaemonState, Health, sending_trouble
from casework.record import record
from store.listing import Counts


@record
class Colours:
    """The theme's alert colours, as Rich styles."""

    error: str = "red"
    warning: str = "yellow"
    success: str = "green"


STATE_WORDS = {
    DaemonState.STARTING: "starting",
    DaemonState.CONNECTED: "connected",
    DaemonState.IDLE: "idle (waiting for mail)",
    DaemonState.POLLING: "polling",
    DaemonState.SIGNING_IN: "signing in again (token renewed)",
    DaemonState.BACKING_OFF: "backing off",
    DaemonState.LOGIN_FAILED: "login failed",
    DaemonState.STOPPED: "stopped",
    DaemonState.GONE: "daemon not running (it ended without stopping: killed or crashed)",
}


def clock_text(at: datetime | None, now: datetime) -> str:
    """A time as the office reads it: ``10:42`` today, ``3 Mar 10:42`` before."""
    if at is None:
        return "never"
    local, today = at.astimezone(), now.astimezone()
    if local.date() == today.date():
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def health_text(health: Health | None, now: datetime, colours: Colours | None = None) -> Text:
    """The daemon's state in words, red when it is failing or has gone quiet."""
    c = colours or Colours()
    if health is None:
        return Text("● mail daemon not running", style=f"bold {c.warning}")
    checked = clock_text(health.last_good_check, now)
    words = STATE_WORDS.get(health.state, health.state.value)
    if health.state is DaemonState.GONE:
        # Its process is gone (killed, crashed, the machine restarted): however old the
        # record, that is the news, not its age.
        return Text(f"● mail {words}, last check {checked}", style=f"bold {c.error}")
    if health.stale(now):
        return Text(
            f"● mail daemon silent since {clock_text(health.updated, now)} "
            f"(last good check {checked})",
            style=f"bold {c.error}",
        )
    if health.server_silent(now):
        # Connected on paper, but nothing heard from the server: a dropped connection the
        # daemon is about to notice. Amber, not green.
        return Text(
            f"● mail {words}, but the server has not answered since "
            f"{clock_text(health.last_answer, now)} (checking the connection)",
            style=f"bold {c.warning}",
        )
    text = Text(f"● mail {words}, last check {checked}")
    if health.failing:
        text.stylize(f"bold {c.error}")
        if health.last_error:
            text.append(f": {health.last_error}")
    else:
        text.stylize(c.success, 0, 1)
    return text


def counts_text(counts: Counts | None, colours: Colours | None = None) -> Text:
    """Open cases, bans in force, reviews due and letters awaiting approval."""
    c = colours or Colours()
    if counts is None:
        return Text("loading…")
    text = Text()
    parts: list[tuple[int, str, bool]] = [
        (counts.open_cases, "open", False),
        (counts.bans_in_force, "banned", False),
        (counts.reviews_due, "reviews due", counts.reviews_due > 0),
        (counts.awaiting_approval, "to approve", counts.awaiting_approval > 0),
    ]
    if counts.attention:
        parts.append((counts.attention, "reply after close", True))
    if counts.held:
        parts.append((counts.held, "letters held", True))
    if counts.sar_due:
        # Shown only when there is one: a subject access request due within a week or late.
        parts.append((counts.sar_due, "SAR due", True))
    for i, (n, words, alert) in enumerate(parts):
        if i:
            text.append(" · ")
        text.append(f"{n} {words}", style=f"bold {c.warning}" if alert else "")
    return text


class StatusBar(Widget):
    """One line: daemon health on the left, the counts on the right."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, now: datetime, id: str | None = None) -> None:
        super().__init__(id=id)
        self.health: Health | None = None
        self.counts: Counts | None = None
        self.now = now

    def show(self, health: Health | None, counts: Counts | None, now: datetime) -> None:
        """Update what the bar says."""
        self.health, self.counts, self.now = health, counts, now
        self.refresh()

    def render(self) -> Text:
        """Health, then the counts pushed to the right when there is room."""
        theme = self.app.current_theme
        colours = Colours(theme.error or "red", theme.warning or "yellow", theme.success or "green")
        left = health_text(self.health, self.now, colours)
        waiting = self.counts.queued if self.counts else 0
        if waiting and sending_trouble(self.health, self.now):
            # Letters queued while the daemon is down would otherwise wait unseen.
            left.append(f" · {waiting} letter(s) waiting, not sent", style=f"bold {colours.error}")
        right = counts_text(self.counts, colours)
        width = self.content_region.width or 80
        gap = width - left.cell_len - right.cell_len
        if gap < 2:
            left.truncate(max(10, width - right.cell_len - 3), overflow="ellipsis")
            gap = max(2, width - left.cell_len - right.cell_len)
        return Text.assemble(left, " " * gap, right, no_wrap=True, end="")
