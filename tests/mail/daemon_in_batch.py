"""The real daemon, halted inside an ingest batch so a test can kill it there.

``python -m tests.mail.daemon_in_batch CONFIG N`` runs `conduct daemon` on CONFIG. When the
Nth batch reaches the store (every message of it already in the vault, nothing of it
committed), it prints one JSON line, ``{"batch": N, "vaulted": [sha256, ...]}``, and waits
to be killed.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence

from casework.mailthread import IncomingMail
from conduct.cli import main as conduct
from store.inbox import Inbox, Ingested


def main() -> None:
    """Wrap the batch's commit so that the Nth one stops before it starts, then run the daemon."""
    config, stop_at = sys.argv[1], int(sys.argv[2])
    commit = Inbox.ingest_many
    batches = 0

    def ingest_many(
        inbox: Inbox, items: Sequence[tuple[IncomingMail, str | None]]
    ) -> list[Ingested]:
        nonlocal batches
        batches += 1
        if batches == stop_at:
            vaulted = [mail.sha256 for mail, _ in items]
            print(json.dumps({"batch": batches, "vaulted": vaulted}), flush=True)
            while True:  # between the batch's vault writes and its commit, until SIGKILL
                time.sleep(60)
        return commit(inbox, items)

    Inbox.ingest_many = ingest_many  # type: ignore[method-assign]
    sys.exit(conduct(["--config", config, "daemon"]))


if __name__ == "__main__":
    main()
