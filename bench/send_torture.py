"""Sending under SIGKILL: 200 random kills of the daemon while it sends; letters delivered twice.

A private Dovecot and a recording aiosmtpd (which takes 0.2 s to answer each final dot, as a
server that scans mail does) on loopback; `conduct daemon --once` runs as a child process
and is killed at a random moment (0-0.4 s) after it starts each letter, then started again.
Afterwards the daemon runs undisturbed until every letter is settled, and the server's copies
are counted per letter. Run twice: against a server that files nothing in Sent, and against
one that files what it accepts there (as Microsoft 365 does). Target: 0 letters delivered twice.

Run from the repository root: .venv/bin/python -m bench.send_torture [--kills 200]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import warnings
from pathlib import Path

from tests.support.mailservers.dovecot import Dovecot
from tests.support.send_torture import run_torture

USER, PASSWORD = "office", "bench-pass"


def main() -> None:
    """Print, for each kind of server, the kills, the letters and how many arrived twice."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    # aiosmtpd's warnings about AUTH without TLS on loopback say nothing about the figure.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    dovecot = Dovecot.create({USER: PASSWORD})
    try:
        for file_in_sent in (False, True):
            with tempfile.TemporaryDirectory(prefix="conduct-send-torture-") as work:
                started = time.perf_counter()
                result = run_torture(
                    dovecot,
                    Path(work),
                    kills=args.kills,
                    imap_user=USER,
                    imap_password=PASSWORD,
                    file_in_sent=file_in_sent,
                    seed=args.seed,
                )
                took = time.perf_counter() - started
            server = "files accepted mail in Sent" if file_in_sent else "files nothing in Sent"
            print(f"server that {server}: {result.summary()} [{took:.0f} s]")
            for problem in result.problems:
                print(f"  PROBLEM: {problem}")
    finally:
        dovecot.destroy()
    print("target: 0 delivered twice")


if __name__ == "__main__":
    main()
