"""The daemon's health record: its state, the process that writes it, when the server answered."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

from casework.clock import Clock
from casework.mailrecords import CONNECTED_STATES, DaemonState, Health, TokenStatus
from mailer.imap_conn import ImapSession
from store.liveness import mark_of

# How often the daemon rewrites its record while nothing changes.
HEARTBEAT_S = 30.0


class HealthRecorder:
    """Builds each new health record from the last one; safe to use from several threads."""

    def __init__(self, clock: Clock, previous: Health | None = None) -> None:
        self.clock = clock
        self._pid = os.getpid()
        # Host, boot id and start time: a reader can tell this process from a later one.
        self._mark = mark_of(self._pid)
        self._lock = threading.Lock()
        self._health = Health(
            DaemonState.STARTING,
            clock.now(),
            pid=self._pid,
            host=self._mark.host,
            boot_id=self._mark.boot_id,
            started=self._mark.started,
            # A restart does not end a run of failed sign-ins: the mailbox still refuses us.
            login_failing_since=previous.login_failing_since if previous else None,
        )

    @property
    def state(self) -> DaemonState:
        """The state last recorded."""
        with self._lock:
            return self._health.state

    def record(
        self,
        state: DaemonState,
        *,
        error: str | None,
        good: bool,
        detail: str,
        token: TokenStatus | None,
        session: ImapSession | None,
    ) -> Health:
        """The new record: a good check stamps the time; the session says when the server spoke."""
        with self._lock:
            h = self._health
            at = self.clock.now()
            last_answer, within = h.last_answer, h.answer_within
            failing_since = h.login_failing_since
            if state is DaemonState.LOGIN_FAILED:
                failing_since = failing_since or at
            elif good or state in CONNECTED_STATES:
                failing_since = None
            if session is not None:
                ago = max(0.0, time.monotonic() - session.last_answer_mono)
                last_answer = at - timedelta(seconds=ago)
                # The record is rewritten every HEARTBEAT_S: allow for it before calling the
                # server silent.
                within = session.answer_within + HEARTBEAT_S
            self._health = Health(
                state=state,
                updated=at,
                last_good_check=at if good else h.last_good_check,
                last_error=h.last_error if error is None else error,
                pid=self._pid,
                detail=detail or h.detail,
                token=token,
                host=self._mark.host,
                boot_id=self._mark.boot_id,
                started=self._mark.started,
                last_answer=last_answer,
                answer_within=within,
                login_failing_since=failing_since,
            )
            return self._health
