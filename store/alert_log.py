"""Which alerts have gone out, kept in the store so a restart never sends one twice.

alerts.json is operational, like health.json: rewritten whole, kept out of the audit log and
out of backups. The daemon and `conduct check --health --alert` (the timer) both send alerts;
a lock beside the file makes each decide, send and record in turn.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from filelock import FileLock

from casework.health import Incident
from casework.record import record
from casework.serial import from_json, to_json
from store.files import dump_json, replace_atomically

ALERTS_FILE = "alerts.json"
ALERTS_LOCK = "alerts.lock"
# Sending one alert takes one SMTP conversation; the other sender waits for it.
LOCK_TIMEOUT_S = 180.0


@record
class AlertRecord:
    """An incident the alert address has been told about: when, and in what words."""

    incident: Incident
    alerted: datetime
    text: str


class AlertLog:
    """The open incidents already alerted, under a lock shared by every sender."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / ALERTS_FILE

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the alert lock: decide, send and record without another sender in between."""
        with FileLock(str(self.root / ALERTS_LOCK), timeout=LOCK_TIMEOUT_S):
            yield

    def read(self) -> dict[Incident, AlertRecord]:
        """The incidents alerted and not yet resolved (none when the file is missing)."""
        try:
            docs = json.loads(self.path.read_bytes())
            records = [from_json(AlertRecord, d) for d in docs]
        except FileNotFoundError:
            return {}
        except (ValueError, KeyError, TypeError):
            # A damaged record: telling IT support again beats never telling them.
            return {}
        return {r.incident: r for r in records}

    def write(self, records: dict[Incident, AlertRecord]) -> None:
        """Replace the file with these records."""
        docs = [to_json(r) for r in sorted(records.values(), key=lambda r: r.incident.value)]
        replace_atomically(self.path, dump_json(docs), self.root / "tmp")
