"""Big mail: ten 50 MB flagged messages in one pass; the daemon's peak memory.

Ten messages, each a short note with a 37 MB video attached (50 MB as sent, base64), are
appended to a private Dovecot first (not measured); then `conduct daemon --once` runs in a
child process, which reports its own peak RSS (VmHWM in /proc/self/status) as it exits:
the kernel's figure for children would count this process's memory too, copied at fork.
Before the fix one pass held them whole, several times over (1.6 GB). Target: peak RSS
under 300 MB whatever the sizes.

Run from the repository root: .venv/bin/python -m bench.bigmail [--count 10] [--mb 50]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from casework.config import load_config
from store.casebook import Casebook
from tests.support.mailfixtures import loopback_mail_toml, school_config
from tests.support.mailservers.dovecot import Dovecot

ROOT = Path(__file__).resolve().parent.parent
# Runs `conduct ARGS...` and, as it exits, copies its /proc/self/status into the file named first.
LAUNCHER = (
    "import atexit, runpy, sys; out = sys.argv[1]; "
    "atexit.register(lambda: open(out, 'w').write(open('/proc/self/status').read())); "
    "sys.argv = ['conduct', *sys.argv[2:]]; runpy.run_module('conduct.cli', run_name='__main__')"
)
USER, PASSWORD, PASSWORD_ENV = "office", "bench-pass", "CONDUCT_BENCH_IMAP_PW"


def big_message(n: int, megabytes: int) -> tuple[bytes, str]:
    """A parent's email with a video of about ``megabytes`` MB as sent; and the video's hash."""
    video = os.urandom(megabytes * 1024 * 1024 * 3 // 4)
    msg = EmailMessage()
    msg["From"] = f"Parent {n} <parent{n}@example.org>"
    msg["To"] = "office@school.example"
    msg["Subject"] = f"Video {n} of the incident at the gate"
    msg["Message-ID"] = f"<video-{n}@example.org>"
    msg.set_content("The video of what happened is attached.")
    msg.add_attachment(video, maintype="video", subtype="mp4", filename=f"gate-{n}.mp4")
    return msg.as_bytes(), hashlib.sha256(video).hexdigest()


def main() -> None:
    """Print the messages' sizes, the time, and the daemon's peak RSS."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    os.environ[PASSWORD_ENV] = PASSWORD
    dovecot = Dovecot.create({USER: PASSWORD})
    work = Path(tempfile.mkdtemp(prefix="conduct-bigmail-"))
    try:
        config = school_config(work, dovecot.imap_settings(PASSWORD_ENV, user=USER))
        config.path.write_text(
            config.path.read_text()
            + loopback_mail_toml(
                imap_port=dovecot.port, imap_user=USER, imap_env=PASSWORD_ENV, smtp_port=1
            )
        )
        videos = []
        total = 0
        with dovecot.client() as c:
            for n in range(args.count):
                raw, sha = big_message(n, args.mb)
                total += len(raw)
                videos.append(sha)
                c.append("INBOX", raw, flags=(b"\\Flagged",))
                del raw
        status = work / "daemon-status.txt"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(status)]
            + ["--config", str(config.path), "daemon", "--once"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
        assert found, "the daemon did not report its memory"
        peak_mb = int(found.group(1)) / 1024
        if done.returncode != 0:
            print(done.stderr[-2000:])
            raise SystemExit(f"daemon --once exited {done.returncode}")
        book = Casebook(load_config(config.path))
        cases = len(book.cases())
        whole = sum(1 for sha in videos if book.vault.has(sha))
    finally:
        dovecot.destroy()
        subprocess.run(["rm", "-rf", str(work)], check=False)
    print(
        f"{args.count} flagged messages of {total / args.count / 1e6:.0f} MB each "
        f"({total / 1e6:.0f} MB) -> {cases} cases, {whole}/{args.count} videos whole in the vault"
    )
    print(f"time {elapsed:.1f} s   peak RSS {peak_mb:.0f} MB")
    print("target: peak RSS < 300 MB")


if __name__ == "__main__":
    main()
