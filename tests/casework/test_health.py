"""The monitoring thresholds and the alert rule, as pure logic (the real servers: tests/mail)."""

from __future__ import annotations

from datetime import timedelta

from casework.health import (
    ONCE_DETAIL,
    Counts,
    Incident,
    Level,
    alert_moves,
    assess,
)
from casework.mailrecords import DaemonState, Health
from tests.support.clock import FIXED

ALL = frozenset(Incident)


def _health(state: DaemonState, *, ago: float = 0, failing_min: float | None = None) -> Health:
    since = FIXED - timedelta(minutes=failing_min) if failing_min is not None else None
    return Health(
        state,
        FIXED - timedelta(seconds=ago),
        pid=1,
        last_error="the server refused the login",
        login_failing_since=since,
    )


def test_each_threshold_gives_its_level() -> None:
    none = Counts()
    cases = [
        (_health(DaemonState.IDLE), none, Level.OK),
        (_health(DaemonState.IDLE, ago=119), none, Level.OK),
        (_health(DaemonState.IDLE, ago=121), none, Level.CRITICAL),  # heartbeat stale
        (_health(DaemonState.STOPPED), none, Level.CRITICAL),
        (_health(DaemonState.GONE), none, Level.CRITICAL),
        (None, none, Level.CRITICAL),  # never run
        (_health(DaemonState.LOGIN_FAILED, failing_min=29), none, Level.WARNING),
        (_health(DaemonState.LOGIN_FAILED, failing_min=31), none, Level.CRITICAL),
        (_health(DaemonState.BACKING_OFF), none, Level.WARNING),
        (_health(DaemonState.IDLE), Counts(failed_letters=1), Level.WARNING),
        (_health(DaemonState.IDLE), Counts(unknown_letters=2), Level.WARNING),
        (_health(DaemonState.IDLE), Counts(quarantined=1), Level.WARNING),
    ]
    for health, counts, level in cases:
        assert assess(health, FIXED, counts).level is level, (health, counts)


def test_the_line_names_every_problem_worst_first() -> None:
    report = assess(
        _health(DaemonState.LOGIN_FAILED, failing_min=45),
        FIXED,
        Counts(failed_letters=2, unknown_letters=1, quarantined=3),
    )
    line = report.line()
    assert "\n" not in line
    assert line.startswith("CONDUCT CRITICAL - mailbox sign-in failing since ")
    assert "(45 min): the server refused the login" in line
    assert line.endswith(
        "; 2 failed letters; 1 letter whose delivery is unknown; 3 quarantined messages"
    )
    assert assess(None, FIXED, Counts(), mail_configured=False).line() == (
        "CONDUCT OK - daemon not needed (no [mail] section)"
    )


def test_the_school_may_set_how_long_sign_in_may_fail() -> None:
    health = _health(DaemonState.LOGIN_FAILED, failing_min=20)
    assert assess(health, FIXED, Counts(), signin_minutes=15).level is Level.CRITICAL
    assert assess(health, FIXED, Counts(), signin_minutes=30).level is Level.WARNING


def test_an_incident_alerts_once_and_resolves_only_when_known_to_be_over() -> None:
    failing = assess(_health(DaemonState.LOGIN_FAILED, failing_min=40), FIXED, Counts())
    assert alert_moves(failing, frozenset(), ALL).alert == (Incident.SIGNIN_FAILING,)
    told = frozenset({Incident.SIGNIN_FAILING})
    assert alert_moves(failing, told, ALL).alert == ()
    # Restarting (or stopped) with the mailbox still refusing: not resolved.
    for state in (DaemonState.STARTING, DaemonState.STOPPED, DaemonState.GONE):
        report = assess(_health(state, failing_min=45), FIXED, Counts())
        assert alert_moves(report, told, ALL).resolve == (), state
    signed_in = assess(_health(DaemonState.IDLE), FIXED, Counts())
    assert alert_moves(signed_in, told, ALL).resolve == (Incident.SIGNIN_FAILING,)
    # The daemon alerts only for what it watches.
    down = assess(_health(DaemonState.STOPPED), FIXED, Counts())
    assert alert_moves(down, frozenset(), frozenset({Incident.SIGNIN_FAILING})).alert == ()
    assert alert_moves(down, frozenset(), ALL).alert == (Incident.DAEMON_DOWN,)


def test_a_daemon_run_from_cron_is_healthy_while_its_last_pass_is_recent() -> None:
    def once(minutes: float, failing: float | None = None) -> Health:
        h = _health(DaemonState.STOPPED, ago=minutes * 60, failing_min=failing)
        return Health(h.state, h.updated, pid=1, detail=ONCE_DETAIL, login_failing_since=h.login_failing_since)  # fmt: skip

    assert assess(once(30), FIXED, Counts()).level is Level.OK
    assert assess(once(30), FIXED, Counts()).line().startswith("CONDUCT OK - daemon last pass (--once) at ")
    late = assess(once(61), FIXED, Counts())
    assert late.level is Level.CRITICAL and late.incidents == {Incident.DAEMON_DOWN}
    refused = assess(once(5, failing=40), FIXED, Counts())
    assert refused.level is Level.CRITICAL and refused.incidents == {Incident.SIGNIN_FAILING}


def test_an_error_over_several_lines_still_makes_one_line() -> None:
    health = Health(
        DaemonState.BACKING_OFF, FIXED, pid=1, last_error="connection reset\r\n* BYE going away"
    )
    assert assess(health, FIXED, Counts()).line() == (
        "CONDUCT WARNING - mail server trouble, backing off: connection reset * BYE going away"
    )
