"""How Conduct Desk is doing, in one line with an exit status, for the IT provider's monitoring.

Pure: the daemon's health record, the clock and a few counts in; findings out. The
thresholds (documented in the README, "Monitoring"):

- critical (2): the daemon is not running (killed, crashed or stopped), has never run, or
  its heartbeat is stale (no word for more than ``STALE_SECONDS``; a daemon run from cron
  with ``--once``: no pass for ``ONCE_STALE_MINUTES``); the mailbox's sign-in
  has been failing for longer than ``[alerts] signin_minutes`` (30 by default); the data
  directory cannot be read.
- warning (1): sign-in failing for less than that; the daemon backing off (the server
  unreachable) or the server silent on a connection; letters that failed; letters whose
  outcome is unknown (held for the office); quarantined mail nobody has resolved.
- ok (0): none of these.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from casework.mailrecords import DaemonState, Health
from casework.ops import DEFAULT_SIGNIN_MINUTES
from casework.record import record

# A healthy daemon rewrites its record every 30 s (mailer.daemon_health.HEARTBEAT_S): four
# missed heartbeats is more than a slow disk.
STALE_SECONDS = 120.0
# A daemon run from cron (`conduct daemon --once`) leaves this word in its record; such a
# school is healthy while the last pass is younger than ONCE_STALE_MINUTES.
ONCE_DETAIL = "one pass done (conduct daemon --once)"
ONCE_STALE_MINUTES = 60


class Level(IntEnum):
    """A finding's weight, as monitoring plugins exit: 0 ok, 1 warning, 2 critical."""

    OK = 0
    WARNING = 1
    CRITICAL = 2


class Incident(StrEnum):
    """A problem that emails the alert address once, and again when it clears."""

    DAEMON_DOWN = "daemon-down"  # not running, or its heartbeat is stale
    SIGNIN_FAILING = "signin-failing"  # the mailbox has refused us for too long


@record
class Finding:
    """One thing found: its level, a few words, and the incident it is (if it alerts)."""

    level: Level
    text: str
    incident: Incident | None = None


@record
class Counts:
    """What waits for the office: failed letters, letters held unknown, quarantined mail."""

    failed_letters: int = 0
    unknown_letters: int = 0
    quarantined: int = 0


@record
class HealthReport:
    """Every finding, and the daemon's line as `conduct check` prints it."""

    findings: tuple[Finding, ...]
    daemon: str
    # Incidents known to be over: the daemon runs; the mailbox took the daemon's sign-in
    # since it last refused it. (A daemon starting again has not signed in yet.)
    cleared: frozenset[Incident] = frozenset()

    @property
    def level(self) -> Level:
        """The worst finding's level (ok when there is none)."""
        return max((f.level for f in self.findings), default=Level.OK)

    @property
    def incidents(self) -> frozenset[Incident]:
        """The incidents open now (those that alert when critical)."""
        return frozenset(
            f.incident for f in self.findings if f.incident and f.level is Level.CRITICAL
        )

    def line(self) -> str:
        """One line for monitoring: ``CONDUCT WARNING - 2 failed letters; daemon: idle ...``."""
        worst = sorted(self.findings, key=lambda f: -f.level)
        problems = "; ".join(f.text for f in worst if f.level > Level.OK)
        head = f"CONDUCT {self.level.name}"
        text = f"{head} - {problems}" if problems else f"{head} - daemon {self.daemon}"
        # A server's error may span lines; monitoring reads exactly one.
        return " ".join(text.split())

    def finding(self, incident: Incident) -> Finding | None:
        """The finding behind an incident, if it is open."""
        return next((f for f in self.findings if f.incident is incident), None)


def _local(at: datetime, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return f"{at.astimezone():{fmt}}"


def daemon_summary(health: Health | None, now: datetime) -> str:
    """What the daemon's health record says, as the daemon line of `conduct check`."""
    if health is None:
        return "has never run"
    at = _local(health.updated)
    if health.state is DaemonState.GONE:
        return f"NOT RUNNING: {health.detail} (last record {at})"
    if health.state is DaemonState.STOPPED:
        return f"last pass (--once) at {at}" if health.detail == ONCE_DETAIL else f"stopped at {at}"
    where = f"pid {health.pid} on {health.host}" if health.host else f"pid {health.pid}"
    line = f"{health.state.value} ({where}), last record {at}"
    if health.server_silent(now) and health.last_answer is not None:
        line += f"; the server has not answered since {_local(health.last_answer, '%H:%M:%S')}"
    elif health.stale(now, STALE_SECONDS):
        line += "; no word since then (on another host, or hung)"
    return line


def signin_failing_minutes(health: Health, now: datetime) -> float | None:
    """How long the mailbox's sign-in has been failing, or None when it is not."""
    if health.login_failing_since is None:
        return None
    return max(0.0, (now - health.login_failing_since).total_seconds() / 60)


def daemon_findings(
    health: Health | None, now: datetime, *, signin_minutes: int = DEFAULT_SIGNIN_MINUTES
) -> list[Finding]:
    """What the daemon's record says that needs someone, each with its level."""
    down = Incident.DAEMON_DOWN
    if health is None:
        return [Finding(Level.CRITICAL, "the daemon has never run", down)]
    if health.state is DaemonState.GONE:
        return [Finding(Level.CRITICAL, f"daemon not running (killed or crashed, last record {_local(health.updated)})", down)]  # fmt: skip
    once = health.state is DaemonState.STOPPED and health.detail == ONCE_DETAIL
    if once and health.stale(now, ONCE_STALE_MINUTES * 60):
        return [Finding(Level.CRITICAL, f"no daemon pass (--once) since {_local(health.updated)}", down)]  # fmt: skip
    if health.state is DaemonState.STOPPED and not once:
        return [Finding(Level.CRITICAL, f"daemon stopped at {_local(health.updated)}", down)]
    if not once and health.stale(now, STALE_SECONDS):
        return [Finding(Level.CRITICAL, f"daemon heartbeat stale: no word since {_local(health.updated)}", down)]  # fmt: skip
    failing = signin_failing_minutes(health, now)
    if failing is not None:
        since = _local(health.login_failing_since or health.updated, "%Y-%m-%d %H:%M")
        text = f"mailbox sign-in failing since {since} ({failing:.0f} min): {health.last_error}"
        level = Level.CRITICAL if failing > signin_minutes else Level.WARNING
        return [Finding(level, text.strip().rstrip(":"), Incident.SIGNIN_FAILING)]
    if health.state is DaemonState.BACKING_OFF:
        return [Finding(Level.WARNING, f"mail server trouble, backing off: {health.last_error}")]
    if health.server_silent(now):
        return [Finding(Level.WARNING, "the mail server has stopped answering the daemon")]
    return []


def assess(
    health: Health | None,
    now: datetime,
    counts: Counts,
    *,
    mail_configured: bool = True,
    signin_minutes: int = DEFAULT_SIGNIN_MINUTES,
) -> HealthReport:
    """Every finding about the daemon and what waits for the office, and the daemon's line."""
    findings: list[Finding] = []
    if mail_configured:
        findings += daemon_findings(health, now, signin_minutes=signin_minutes)
    for n, what in (
        (counts.failed_letters, "failed letter"),
        (counts.unknown_letters, "letter whose delivery is unknown"),
        (counts.quarantined, "quarantined message"),
    ):
        if n:
            plural = what.replace("letter", "letters", 1) if "letter" in what else f"{what}s"
            findings.append(Finding(Level.WARNING, f"{n} {what if n == 1 else plural}"))
    daemon = daemon_summary(health, now) if mail_configured else "not needed (no [mail] section)"
    cleared = set()
    if not any(f.incident is Incident.DAEMON_DOWN for f in findings):
        cleared.add(Incident.DAEMON_DOWN)
    if not mail_configured or (health is not None and health.login_failing_since is None):
        cleared.add(Incident.SIGNIN_FAILING)
    return HealthReport(tuple(findings), daemon, frozenset(cleared))


def unreadable(reason: str) -> HealthReport:
    """The report when the data directory cannot be read: critical."""
    return HealthReport((Finding(Level.CRITICAL, f"the data directory cannot be read: {reason}"),), "unknown")


@record
class AlertMoves:
    """What to email the alert address now: incidents newly open, and those that have cleared."""

    alert: tuple[Incident, ...]
    resolve: tuple[Incident, ...]


def alert_moves(
    report: HealthReport, alerted: frozenset[Incident], handled: frozenset[Incident]
) -> AlertMoves:
    """Each incident alerts once while it lasts and says "resolved" once when it clears.

    ``alerted`` are the incidents already told; ``handled`` those this sender watches (the
    daemon watches its own sign-in; the timer watches both). An incident is resolved only
    when it is known to be over (``report.cleared``): a daemon restarting, or down, has not
    shown that the mailbox takes its sign-in again.
    """
    alert = tuple(sorted(i for i in report.incidents & handled if i not in alerted))
    resolve = tuple(sorted(alerted & handled & report.cleared))
    return AlertMoves(alert, resolve)
