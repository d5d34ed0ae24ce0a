"""What the daemon keeps about each message it has seen, and about itself."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from casework.mailthread import ThreadRule
from casework.record import record


class MailOutcome(StrEnum):
    """What became of a flagged message."""

    OPENED = "opened"  # a new case
    ATTACHED = "attached"  # joined an existing case
    SKIPPED = "skipped"  # an auto-reply or bounce: never opens a case
    QUARANTINED = "quarantined"  # could not be parsed or stored
    # Its case was disposed of, or it reached the end of its retention period unfiled: only its
    # identity (hash, folder, UID) is kept, so the daemon never takes the same message again.
    DISPOSED = "disposed"


@record
class MailRecord:
    """One message, known by folder + UIDVALIDITY + UID, by Message-ID and by SHA-256."""

    sha256: str
    folder: str
    uidvalidity: int
    uid: int
    message_id: str | None
    outcome: MailOutcome
    recorded: datetime
    case_ref: str | None = None
    rule: ThreadRule | None = None  # which threading rule put it on its case
    reason: str = ""  # why it was skipped or quarantined
    subject: str = ""
    sender: str = ""
    size: int = 0
    quarantine_id: str = ""
    resolved: bool = False
    # Another, different email recorded earlier with the same Message-ID (its SHA-256): both
    # are kept, and the office is shown the clash.
    id_clash: str = ""


class DaemonState(StrEnum):
    """The watcher's health, as the dashboard's status bar shows it."""

    STARTING = "starting"
    CONNECTED = "connected"
    IDLE = "idle"
    POLLING = "polling"
    SIGNING_IN = "signing in"  # renewing a token the server said had expired: not a fault
    BACKING_OFF = "backing off"
    LOGIN_FAILED = "login failed"
    STOPPED = "stopped"
    # Not written by the daemon: the record says it runs, but its process is gone (killed).
    GONE = "not running"


# States in which the daemon holds a connection the server should keep answering.
CONNECTED_STATES = frozenset({DaemonState.CONNECTED, DaemonState.IDLE, DaemonState.POLLING})


@record
class TokenStatus:
    """Where the mailbox's access token comes from, when it expires and when it was renewed."""

    source: str
    expires: datetime | None = None
    renewed: datetime | None = None
    renewals: int = 0
    last_event: str = ""  # the last sign-in event: "renewed", "server said token expired" ...
    last_event_at: datetime | None = None


@record
class Health:
    """The daemon's last word about itself."""

    state: DaemonState
    updated: datetime
    last_good_check: datetime | None = None
    last_error: str = ""
    pid: int = 0
    detail: str = ""
    token: TokenStatus | None = None
    # Which process wrote this, so a reader can tell it still runs: the host, the kernel's
    # boot id and the process's start time (a pid alone may be reused after a reboot or so).
    host: str = ""
    boot_id: str = ""
    started: str = ""
    # When the mail server last answered, and the longest a healthy session goes without.
    last_answer: datetime | None = None
    answer_within: float = 0.0
    # When the mailbox first refused the daemon's sign-in in this run of failures (kept across
    # a restart), so monitoring can tell a blip from half an hour without mail.
    login_failing_since: datetime | None = None

    def stale(self, at: datetime, seconds: float = 120.0) -> bool:
        """No word for longer than a healthy daemon ever stays silent."""
        return (at - self.updated).total_seconds() > seconds

    def server_silent(self, at: datetime) -> bool:
        """Connected, yet the server has not answered for longer than a healthy session allows."""
        if self.state not in CONNECTED_STATES or self.last_answer is None or not self.answer_within:
            return False
        return (at - self.last_answer).total_seconds() > self.answer_within

    @property
    def failing(self) -> bool:
        """A state that needs someone to look."""
        return self.state in (
            DaemonState.BACKING_OFF,
            DaemonState.LOGIN_FAILED,
            DaemonState.STOPPED,
            DaemonState.GONE,
        )


def sending_trouble(health: Health | None, now: datetime) -> str | None:
    """Why letters queued now would not go out now (the daemon stopped, silent, failing), or None."""
    if health is None:
        return "the mail daemon is not running"
    heard = f"{health.updated.astimezone():%d %b %H:%M}"
    if health.state in (DaemonState.STOPPED, DaemonState.GONE):
        return f"the mail daemon is not running (last heard from {heard})"
    if health.stale(now):
        return f"the mail daemon has been silent since {heard}"
    if health.state in (DaemonState.LOGIN_FAILED, DaemonState.BACKING_OFF):
        detail = f": {health.last_error}" if health.last_error else ""
        return f"the mail daemon cannot reach the mail server ({health.state.value}{detail})"
    return None
