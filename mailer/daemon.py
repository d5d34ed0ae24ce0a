"""`conduct daemon`: watch the inbox, send the outbox, report health; survive every fault.

The shape is django-mailer's: passes that can be tested on their own (`ingest_pending`,
`send_pending`) and a loop around them with a stop Event that SIGTERM and SIGINT set.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType

from filelock import FileLock, Timeout

from casework.clock import Clock, process_clock
from casework.config import Config, load_config
from casework.health import ONCE_DETAIL
from casework.mailrecords import DaemonState
from casework.outbox import LetterStatus
from casework.staff import Actor
from casework.tomlread import ConfigError
from mailer.alerts import daemon_alerts
from mailer.backoff import backoff_delay
from mailer.credentials import SignIn
from mailer.daemon_health import HEARTBEAT_S, HealthRecorder
from mailer.errors import (
    ImapError,
    ImapLoginError,
    ImapTokenExpired,
    SecretError,
    TokenNetworkError,
)
from mailer.imap_conn import LIVENESS_SECONDS, RESPONSE_TIMEOUT_SECONDS, ImapSession, connect
from mailer.ingest import ingest_pending
from mailer.sender import next_due, recover_sending, send_pending
from mailer.staff_notify import next_staff_due, staff_pass
from mailer.watchers import FileWatcher, Watcher
from store.alert_log import ALERTS_FILE
from store.casebook import Casebook
from store.db import StoreError
from store.files import file_mode
from store.inbox import DAEMON, Inbox
from store.maillog import HEALTH_FILE, MailLog
from store.outbox import Outbox
from store.watch import StoreWatcher

log = logging.getLogger("conduct.mailer")
# The daemon records what the mail brings and what it sends, never a decision.
DAEMON_ACTOR = Actor(DAEMON, None, service=True)

LOGIN_FAILED_MIN_WAIT_S = 60.0
# A server that keeps saying "token expired" to fresh tokens is refusing us: after this many
# in a row it is a failed sign-in (with backoff), not a renewal.
MAX_TOKEN_EXPIRED_IN_A_ROW = 3
# The shortest wait between passes: a letter that stays due (a store fault) must not spin.
MIN_WAIT_S = 0.5


class DaemonLocked(Exception):
    """Another daemon already runs on this store."""


class Daemon:
    """The long-running process; `run(once=True)` is one pass for cron and tests."""

    def __init__(
        self,
        config: Config,
        *,
        stop: threading.Event | None = None,
        clock: Clock | None = None,
        response_timeout: float = RESPONSE_TIMEOUT_SECONDS,
        liveness: float = LIVENESS_SECONDS,
        heartbeat: float = HEARTBEAT_S,
    ) -> None:
        self.config = config
        self.clock = clock or process_clock()
        self.stop = stop or threading.Event()
        self.wake = threading.Event()
        self.reload_requested = threading.Event()
        # How long the server may take to answer, and how often IDLE proves it still does.
        self.response_timeout = response_timeout
        self.liveness = liveness
        # How often the health record is rewritten and the alerts looked at.
        self.heartbeat = heartbeat
        self._session: ImapSession | None = None
        self.signin = self._sign_in(self.config)
        self._open_store()
        self._health = HealthRecorder(self.clock, self.maillog.health())

    def _sign_in(self, config: Config) -> SignIn | None:
        # One SignIn for the daemon's life: it holds the OAuth token and renews it.
        return SignIn(config.mail, clock=self.clock.now) if config.mail is not None else None

    def _open_store(self) -> None:
        # The daemon records what the mail brings and what it sends, never a decision.
        self.book = Casebook(self.config, clock=self.clock, actor=DAEMON_ACTOR)
        self.inbox = Inbox(self.book)
        self.outbox = Outbox(self.book)
        self.maillog = MailLog(self.book.store)

    # -- health -------------------------------------------------------------------------

    def set_health(
        self, state: DaemonState, *, error: str | None = None, good: bool = False, detail: str = ""
    ) -> None:
        """Record the watcher's state for the dashboard; a good check stamps the time."""
        keeper = self.signin.keeper if self.signin else None
        health = self._health.record(
            state,
            error=error,
            good=good,
            detail=detail,
            token=keeper.status() if keeper else None,
            session=self._session,
        )
        try:
            self.maillog.write_health(health)
        except OSError as exc:
            log.warning("cannot write the health record: %s", exc)

    def _heartbeat(self) -> None:
        while not self.stop.wait(self.heartbeat):
            self.set_health(self._health.state)
            self.check_alerts()

    def check_alerts(self) -> None:
        """Email the alert address when sign-in has failed too long, and when that clears."""
        daemon_alerts(self.config, self.book.store, stopping=self.stop.is_set())

    # -- signals and watchers -----------------------------------------------------------

    def install_signals(self) -> None:
        """SIGTERM/SIGINT stop after the current message; SIGHUP reloads config.toml."""

        def stop(signum: int, frame: FrameType | None) -> None:
            log.info("signal %s: stopping", signal.Signals(signum).name)
            self.stop.set()
            self.wake.set()

        def hup(signum: int, frame: FrameType | None) -> None:
            self.reload_requested.set()
            self.wake.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, hup)

    def _watchers(self) -> list[Watcher]:
        store_watch = StoreWatcher(
            self.book.store.root, self._store_changed, ignore=frozenset({HEALTH_FILE, ALERTS_FILE})
        )
        config_path = self.config.path.resolve()

        def config_changed() -> None:
            self.reload_requested.set()
            self.wake.set()

        config_watch = FileWatcher(config_path, config_changed)
        return [store_watch, config_watch]

    def _store_changed(self) -> None:
        # Our own commits change the store too; wake only when a letter is waiting to go.
        try:
            waiting = self.outbox.with_status(LetterStatus.QUEUED)
        except StoreError:
            waiting = []
        at = self.clock.now()
        if any(x.next_attempt is None or x.next_attempt <= at for x in waiting):
            self.wake.set()

    def reload(self) -> None:
        """Re-read config.toml; a bad edit is logged and the running configuration kept."""
        self.reload_requested.clear()
        try:
            fresh = load_config(self.config.path)
        except ConfigError as exc:
            log.error(
                "config.toml changed but has problems; keeping the running configuration:\n%s", exc
            )
            return
        if fresh == self.config:
            return
        mail_changed = fresh.mail != self.config.mail
        self.config = fresh
        if mail_changed:
            self.signin = self._sign_in(fresh)
        self._open_store()
        log.info("configuration reloaded from %s", fresh.path)
        if mail_changed:
            self._drop_session()

    # -- the loop -----------------------------------------------------------------------

    def run(self, *, once: bool = False) -> int:
        """Run until stopped (or one pass with ``once``); the exit status for the command."""
        if self.config.mail is None:
            log.error("no [mail] section in %s: nothing to watch", self.config.path)
            return 2
        lock = FileLock(str(self.book.store.root / "daemon.lock"), timeout=0, mode=file_mode())
        try:
            lock.acquire()
        except Timeout:
            raise DaemonLocked(
                f"another conduct daemon is already running on {self.book.store.root}"
            ) from None
        watchers = [] if once else self._watchers()
        beat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        try:
            for w in watchers:
                w.start()
            if not once:
                beat.start()
            return self._loop(once)
        finally:
            self.stop.set()
            for w in watchers:
                w.stop()
            self._drop_session()
            self.set_health(DaemonState.STOPPED, detail=ONCE_DETAIL if once else "stopped")
            lock.release()

    def _loop(self, once: bool) -> int:
        failures = 0
        expired_in_a_row = 0
        while not self.stop.is_set():
            if self.reload_requested.is_set():
                self.reload()
            try:
                session = self._connected()
                self._pass(session)
                failures = 0
                expired_in_a_row = 0
                if once:
                    return 0
                self.set_health(
                    DaemonState.IDLE if session.uses_idle else DaemonState.POLLING,
                    good=True,
                    detail="waiting for flagged mail",
                )
                self.wake.clear()
                # Stop may have come just before the clear: never start a long wait after it.
                if self.stop.is_set():
                    break
                session.wait(timeout=self._wait_seconds(session), stop=self.wake)
                if self._relogin_due(session):
                    self._sign_in_again()
            except ImapTokenExpired as exc:
                # Exchange ends a session whose token expired: renew and sign in again at
                # once. It is a sign-in event, never a network fault, and needs no backoff.
                expired_in_a_row += 1
                self._drop_session()
                if self.signin is not None and self.signin.keeper is not None:
                    self.signin.keeper.invalidate("the server said the token had expired; renewed")
                log.info("sign-in: %s; renewing the token and signing in again", exc)
                self.set_health(
                    DaemonState.SIGNING_IN,
                    detail="the server ended the session (access token expired); signing in again",
                )
                if expired_in_a_row >= MAX_TOKEN_EXPIRED_IN_A_ROW or once:
                    failures += 1
                    self.set_health(DaemonState.LOGIN_FAILED, error=str(exc))
                    if once:
                        return 3
                    self._sleep(max(LOGIN_FAILED_MIN_WAIT_S, backoff_delay(failures)))
            except (ImapLoginError, SecretError) as exc:
                failures += 1
                self._drop_session()
                if isinstance(exc, ImapLoginError) and self.signin and self.signin.keeper:
                    # A revoked token can look valid to us: the next try fetches a new one.
                    self.signin.keeper.invalidate("the IMAP server refused the token; renewing")
                log.error(
                    "LOGIN FAILED for %s: %s. Check the password or token; retrying.",
                    self._who(),
                    exc,
                )
                self.set_health(DaemonState.LOGIN_FAILED, error=str(exc))
                if once:
                    return 3
                self._send_without_imap()
                self._sleep(max(LOGIN_FAILED_MIN_WAIT_S, backoff_delay(failures)))
            except (ImapError, TokenNetworkError, OSError, StoreError) as exc:
                failures += 1
                self._drop_session()
                delay = backoff_delay(failures)
                log.warning("mail server trouble (%s); backing off %.0f s", exc, delay)
                self.set_health(
                    DaemonState.BACKING_OFF, error=str(exc), detail=f"retry in {delay:.0f} s"
                )
                if once:
                    return 1
                self._send_without_imap()
                self._sleep(delay)
            except Exception as exc:
                # A fault we did not foresee must not end a daemon that runs for weeks:
                # log it in full, drop the connection and try again after a pause.
                failures += 1
                self._drop_session()
                delay = backoff_delay(failures)
                log.exception("unexpected error; backing off %.0f s", delay)
                self.set_health(DaemonState.BACKING_OFF, error=f"{type(exc).__name__}: {exc}")
                if once:
                    return 1
                self._sleep(delay)
        return 0

    def _who(self) -> str:
        imap = self.config.mail.imap if self.config.mail else None
        return f"{imap.user} at {imap.host}:{imap.port}" if imap else "IMAP"

    def _connected(self) -> ImapSession:
        if self._session is None:
            self._session = self._open_session()
            log.info(
                "connected to %s (%s)",
                self._who(),
                "IDLE" if self._session.uses_idle else "polling",
            )
            self.set_health(DaemonState.CONNECTED, error="", detail="connected")
        return self._session

    def _open_session(self) -> ImapSession:
        assert self.config.mail is not None and self.signin is not None
        session = connect(
            self.config.mail.imap,
            credential=self.signin.imap(),
            timeout=self.response_timeout,
            liveness=self.liveness,
        )
        try:
            session.select()
        except BaseException:
            session.close()
            raise
        return session

    def _wait_seconds(self, session: ImapSession) -> float | None:
        """The wait ends at the earliest of: IMAP news (IDLE), the store changing (``wake``),
        the next letter's retry time, and the token's renewal time (None: IMAP alone)."""
        limits = [self._until_letter_due(), self._until_relogin(session)]
        known = [x for x in limits if x is not None]
        return max(MIN_WAIT_S, min(known)) if known else None

    def _until_letter_due(self) -> float | None:
        """Seconds until the next letter's retry or the next staff message (the digest)."""
        try:
            dues = [next_due(self.outbox), next_staff_due(self.book, self.config)]
        except StoreError:
            return None
        known = [d for d in dues if d is not None]
        if not known:
            return None
        return max(0.0, (min(known) - self.clock.now()).total_seconds())

    @staticmethod
    def _until_relogin(session: ImapSession) -> float | None:
        if session.renew_at_mono is None:
            return None
        return max(0.0, session.renew_at_mono - time.monotonic())

    @staticmethod
    def _relogin_due(session: ImapSession) -> bool:
        return session.renew_at_mono is not None and time.monotonic() >= session.renew_at_mono

    def _sign_in_again(self) -> None:
        """Log in with a renewed token before the server would end the session.

        The new session is opened before the old one is closed, so the mailbox is never
        unwatched; the next pass searches it, so nothing flagged meanwhile is missed.
        """
        old, self._session = self._session, None
        try:
            self._session = self._open_session()
            log.info("signed in again to %s with a renewed token", self._who())
        finally:
            if old is not None:
                old.close()

    def _pass(self, session: ImapSession) -> None:
        # Letters an interruption left in "sending" (a crash, a store fault): none is being
        # sent now, since passes never overlap. Cheap when there are none.
        recover_sending(self.outbox, self.config, session, signin=self.signin)
        counts = ingest_pending(session, self.inbox, self.config, should_stop=self.stop)
        if counts.handled or counts.failed:
            log.info(
                "inbox: %d opened, %d attached, %d skipped, %d quarantined, %d already known, %d failed",
                counts.opened,
                counts.attached,
                counts.skipped,
                counts.quarantined,
                counts.duplicates,
                counts.failed,
            )
        sent = send_pending(self.outbox, self.config, session, signin=self.signin)
        if sent.sent or sent.to_post or sent.failed or sent.retrying:
            log.info(
                "outbox: %d sent, %d to post, %d to retry, %d failed",
                sent.sent,
                sent.to_post,
                sent.retrying,
                sent.failed,
            )
        self._tell_staff()

    def _send_without_imap(self) -> None:
        # SMTP may work while IMAP is down: letters should not wait for the inbox.
        try:
            send_pending(self.outbox, self.config, None, signin=self.signin)
        except (StoreError, OSError) as exc:
            log.warning("outbox pass failed: %s", exc)
        self._tell_staff()

    def _tell_staff(self) -> None:
        # Notices, approval reminders and the digest: a failure here never stops the mail.
        try:
            told = staff_pass(self.book, self.config, signin=self.signin)
        except (StoreError, OSError) as exc:
            log.warning("staff messages pass failed: %s", exc)
            return
        for error in told.errors:
            log.warning("staff messages: %s", error)

    def _drop_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _sleep(self, seconds: float) -> None:
        """Back off for ``seconds``, still sending each letter when it falls due (SMTP may work)."""
        end = time.monotonic() + seconds
        due = self._until_letter_due()
        due_at = None if due is None else time.monotonic() + max(MIN_WAIT_S, due)
        while not self.stop.is_set():
            now = time.monotonic()
            if due_at is not None and now >= due_at:
                self._send_without_imap()
                due = self._until_letter_due()
                due_at = None if due is None else time.monotonic() + max(MIN_WAIT_S, due)
                continue
            remaining = end - now
            if remaining <= 0:
                return
            limit = remaining if due_at is None else min(remaining, due_at - now)
            self.wake.clear()
            if self.stop.is_set():
                return
            if self.wake.wait(min(limit, 1.0)):
                if self.stop.is_set():
                    return
                # The store changed (a letter queued): look again when it is due.
                due = self._until_letter_due()
                due_at = None if due is None else time.monotonic() + max(MIN_WAIT_S, due)
