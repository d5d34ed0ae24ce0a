"""`conduct demo`: a fictional school, alive: mail arrives, is flagged, becomes cases.

It makes (or reuses, with --dir) a workspace with the warning-first preset, seeds a few
cases, starts an embedded IMAP server (pymap) and an SMTP sink (aiosmtpd) on loopback, runs
the real daemon against them, delivers and flags a few messages over the first minute, and
opens the dashboard. Quitting the dashboard stops everything the demo started.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from casework.config import Config, load_config
from conduct.admin_cmd import reference_config
from conduct.demo_mail import feed
from conduct.demo_seed import seed_demo_cases
from conduct.demo_sink import MailSink
from mailer.embedded_imap import EmbeddedImap, free_port
from store.casebook import Casebook
from store.files import make_dir

DEMO_SCHOOL = "Exampleton Primary School (demo)"
PASSWORD_ENV = "CONDUCT_DEMO_PASSWORD"
DEMO_PASSWORD = "demo-pass"  # only ever used on loopback, for the demo's own servers


def demo_config_text(imap_port: int, smtp_port: int) -> str:
    """The reference config for the demo school, its mail pointing at the demo's servers."""
    text = reference_config()
    text = re.sub(
        r'^name = "Example Primary School"', f'name = "{DEMO_SCHOOL}"', text, count=1, flags=re.M
    )
    # In the demo you are the headteacher, so you can approve the letters you draft.
    text = re.sub(
        r'^# name = "Mrs D. Office"', 'name = "Mrs A. Example"', text, count=1, flags=re.M
    )
    text = re.sub(r'^role = "office"', 'role = "headteacher"', text, count=1, flags=re.M)
    text = text[: text.index("[mail]")]
    return (
        text
        + f"""[mail]
# The demo's own servers on loopback: plain text is allowed only there.
[mail.imap]
host = "127.0.0.1"
port = {imap_port}
security = "plain"
user = "office"
password_env = "{PASSWORD_ENV}"
poll_seconds = 5

[mail.smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "plain"
user = "office"
password_env = "{PASSWORD_ENV}"
from_address = "office@example.sch.uk"
from_name = "Exampleton Primary School Office"
"""
    )


def workspace_made(directory: Path, now: datetime) -> datetime:
    """When the workspace was made (``now`` the first time): its demo mail is dated from it."""
    stamp = directory / "demo.json"
    try:
        return datetime.fromisoformat(json.loads(stamp.read_text(encoding="utf-8"))["made"])
    except (OSError, ValueError, KeyError, TypeError):
        stamp.write_text(json.dumps({"made": now.isoformat()}), encoding="utf-8")
        return now


def make_workspace(directory: Path, imap_port: int = 1, smtp_port: int = 2) -> tuple[Path, bool]:
    """Write the demo's config.toml (its ports change each run); True when the data is new."""
    make_dir(directory)
    config_path = directory / "config.toml"
    fresh = not (directory / "data").exists()
    config_path.write_text(demo_config_text(imap_port, smtp_port), encoding="utf-8")
    config_path.chmod(0o600)
    return config_path, fresh


def demo(args: argparse.Namespace) -> int:
    """Start the demo's servers and daemon, feed it mail, show the dashboard, stop it all."""
    directory: Path = (args.dir or Path(tempfile.mkdtemp(prefix="conduct-demo-"))).resolve()
    imap_port, smtp_port = free_port(), free_port()
    config_path, fresh = make_workspace(directory, imap_port, smtp_port)
    os.environ[PASSWORD_ENV] = DEMO_PASSWORD
    config = load_config(config_path)
    book = Casebook(config)
    if fresh:
        seed_demo_cases(book)
    imap = EmbeddedImap.start(
        user="office", password=DEMO_PASSWORD, port=imap_port, log_path=directory / "imap.log"
    )
    sink = MailSink(directory / "sent-mail", smtp_port, "office", DEMO_PASSWORD).start()
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conduct.cli",
            "--config",
            str(config_path),
            "daemon",
            "--log",
            str(directory / "daemon.log"),
        ],
        stdin=subprocess.DEVNULL,
    )
    stop = threading.Event()
    feeder = threading.Thread(
        target=feed,
        args=(
            imap.host,
            imap.port,
            "office",
            DEMO_PASSWORD,
            _reply_ref(book),
            stop,
            workspace_made(directory, book.clock.now()),
            args.speed,
        ),
        name="demo-feeder",
        daemon=True,
    )
    feeder.start()
    try:
        if args.headless is not None:
            _headless(config, args.headless)
        else:
            from tui.app import ConductApp

            ConductApp(config, book=book).run()
    finally:
        stop.set()
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(10)
        except subprocess.TimeoutExpired:
            daemon.kill()
        sink.stop()
        imap.stop()
    print(f"Demo workspace: {directory}")
    print(f"  letters sent by email: {directory / 'sent-mail'}  (each a .eml file)")
    print(f"  daemon log: {directory / 'daemon.log'}")
    print(f"  run it again with: ./run demo --dir {directory}")
    return 0


def _reply_ref(book: Casebook) -> str:
    """The case a parent replies to in the demo (the warning letter to Chris Doyle)."""
    for case in book.cases("all"):
        if any(s.name == "Chris Doyle" for s in case.subjects):
            return case.ref
    return "C-0000-0000"


def _headless(config: Config, seconds: float) -> None:
    """Let the demo run without the dashboard, printing cases as they arrive."""
    book = Casebook(config)
    seen = {c.ref for c in book.cases("all")}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(1.0)
        for case in book.cases("all"):
            if case.ref not in seen:
                seen.add(case.ref)
                print(f"new case {case.ref}: {case.summary} ({case.subjects[0].name})", flush=True)
