"""Ingest under random SIGKILLs: the daemon killed 100 times while flagged mail waits.

3,000 flagged messages (distinct parents, every fifth a reply) are appended to a private
Dovecot; `conduct daemon` is started in a child process and SIGKILLed at a random moment
0-250 ms after it logs its first message, 100 times; then `daemon --once` finishes the
backlog. Prints the kills that caught it with mail still to do, and the messages lost and
cases doubled (target: 0 and 0). The suite runs the same with 5 kills
(tests/mail/test_ingest_torture.py).

Run: .venv/bin/python bench/ingest_kills.py [--kills 100] [--seed 9]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.mailbench import PASSWORD_ENV, bench_dovecot, school
from tests.support.mailfixtures import loopback_mail_toml
from tests.support.torture import DAEMON_CMD, ROOT, accounted_for, mailbox, run_with_kills


def main() -> None:
    """Kill the daemon at random while it ingests; print what was lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    dovecot = bench_dovecot()
    work = Path(tempfile.mkdtemp(prefix="conduct-kills-"))
    try:
        config = school(dovecot, work)
        cfg = work / "config.toml"
        cfg.write_text(
            cfg.read_text()
            + loopback_mail_toml(
                imap_port=dovecot.port, imap_user="office", imap_env=PASSWORD_ENV, smtp_port=1
            )
        )
        started = time.perf_counter()
        with_work, left = run_with_kills(
            dovecot, "INBOX", cfg, args.kills, random.Random(args.seed)
        )
        final = subprocess.run(
            [*DAEMON_CMD, str(cfg), "daemon", "--once"], cwd=ROOT, capture_output=True, text=True
        )
        assert final.returncode == 0, final.stderr
        # accounted_for raises on any lost message or doubled case; reaching the print is 0/0.
        fates = accounted_for(config, mailbox(dovecot, "INBOX"))
        print(
            f"{args.kills} SIGKILLs during ingest ({with_work} with mail still waiting, "
            f"{left} messages left for the final --once): {sum(fates.values())} messages, "
            f"{fates.get('opened', 0)} cases opened, {fates.get('attached', 0)} threaded; "
            f"0 lost, 0 cases doubled, audit verified; "
            f"{time.perf_counter() - started:.0f} s"
        )
    finally:
        dovecot.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
