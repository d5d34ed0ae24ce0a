"""Backlog: 1,000 flagged messages already waiting; time and peak memory to ingest them all.

The messages are appended to a private Dovecot first (not timed); then `conduct daemon
--once` runs in a child process, timed from start to exit, and its peak RSS is read from
the kernel. Target: <= 20 s and <= 250 MB.

Run from the repository root: .venv/bin/python -m bench.backlog [--count 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.mailbench import bench_dovecot, report, school
from store.casebook import Casebook

# BACKLOG_PROFILE=FILE runs the daemon under cProfile, to see where the time goes.
PROFILE = (
    ["-m", "cProfile", "-o", os.environ["BACKLOG_PROFILE"]]
    if os.environ.get("BACKLOG_PROFILE")
    else []
)


def main() -> None:
    """Print the time and peak RSS of ingesting the backlog."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    dovecot = bench_dovecot()
    work = Path(tempfile.mkdtemp(prefix="conduct-backlog-"))
    try:
        config = school(dovecot, work)
        with dovecot.client() as c:
            for n in range(args.count):
                c.append("INBOX", report(n), flags=(b"\\Flagged",))
        cfg = config.path
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                *PROFILE,
                "-m",
                "conduct.cli",
                "--config",
                str(cfg),
                "daemon",
                "--once",
            ],
            env={**os.environ},
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            print(done.stderr[-2000:])
            raise SystemExit(f"daemon --once exited {done.returncode}")
        cases = len(Casebook(config).cases())
    finally:
        dovecot.destroy()
    print(f"{args.count} flagged messages waiting -> {cases} cases")
    print(
        f"time {elapsed:.1f} s ({elapsed / args.count * 1000:.1f} ms per message)   peak RSS {peak_mb:.0f} MB"
    )
    print("target: <= 20 s and <= 250 MB")


if __name__ == "__main__":
    main()
