"""Gather what `conduct check --health` and the alerts judge: the daemon's record and the counts."""

from __future__ import annotations

from casework.clock import Clock
from casework.config import Config
from casework.health import Counts, HealthReport, assess, unreadable
from casework.outbox import LetterStatus
from store.db import Store
from store.errors import StoreError
from store.liveness import daemon_health
from store.maillog import MailLog
from store.records import Letters


def counts(store: Store) -> Counts:
    """Failed letters, letters held with their outcome unknown, and unresolved quarantined mail."""
    with store.reading() as tx:
        letters = Letters(tx)
        failed = len(letters.with_status(LetterStatus.FAILED))
        unknown = len(letters.with_status(LetterStatus.OUTCOME_UNKNOWN))
    return Counts(failed, unknown, len(MailLog(store).quarantined()))


def health_report(config: Config, clock: Clock, store: Store | None = None) -> HealthReport:
    """The report for this school now; critical when its data directory cannot be read."""
    root = config.store.data_dir
    if not root.is_dir():
        return unreadable(f"{root} does not exist")
    try:
        store = store or Store(root, clock)
        return assess(
            daemon_health(store),
            clock.now(),
            counts(store),
            mail_configured=config.mail is not None,
            signin_minutes=config.alerts.signin_minutes,
        )
    except (OSError, StoreError) as exc:
        return unreadable(str(exc))
