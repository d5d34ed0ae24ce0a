"""SIGKILL the daemon while it sends, again and again; then count what each parent received.

The daemon (`conduct daemon --once`, a child process) sends queued letters to a recording
aiosmtpd that takes a moment to answer each final dot, as a server that scans mail does;
the harness kills it at a random moment after it starts a letter, and starts it again.
At the end every letter must have reached the server at most once; a letter marked sent,
exactly once; a letter held as "outcome unknown", at most once. With ``file_in_sent`` the
server files what it accepts in the Sent folder, as Microsoft 365 does, and the daemon
finds there the letters a kill left undecided.

Used by tests/mail/test_send_torture.py (a few kills) and bench/send_torture.py (200).
"""

from __future__ import annotations

import email
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from casework.config import Config
from casework.outbox import LetterStatus
from store.casebook import Casebook
from store.outbox import Outbox
from tests.support.mailfixtures import loopback_mail_toml, school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.mailservers.smtp import RecordingSmtp
from tests.support.outbox_letters import queued_letter

ROOT = Path(__file__).resolve().parents[2]
IMAP_ENV, SMTP_ENV = "CONDUCT_TORTURE_IMAP_PW", "CONDUCT_TORTURE_SMTP_PW"
SMTP_USER, SMTP_PASSWORD = "office", "torture-pass"
# How long the server takes to answer a final dot (it has the letter meanwhile).
REPLY_DELAY_S = 0.2
# A kill lands at a random moment up to this long after the daemon starts a letter.
KILL_WINDOW_S = 0.4


@dataclass
class TortureResult:
    """What the kills did: letters by final status and how often each reached the server."""

    kills: int = 0
    rounds: int = 0
    letters: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    deliveries: dict[str, int] = field(default_factory=dict)  # letter id -> copies received
    held: set[str] = field(default_factory=set)  # ids of letters held as "outcome unknown"
    problems: list[str] = field(default_factory=list)

    @property
    def sent_twice(self) -> int:
        """Letters the server received more than once."""
        return sum(1 for n in self.deliveries.values() if n > 1)

    def summary(self) -> str:
        """One paragraph for a person."""
        states = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items()))
        held_delivered = sum(1 for i in self.held if self.deliveries.get(i))
        return (
            f"{self.kills} SIGKILLs in {self.rounds} runs over {self.letters} letters: "
            f"{self.sent_twice} delivered twice; final states: {states} "
            f"({held_delivered} of the held had in fact arrived)"
        )


def run_torture(
    dovecot: Dovecot,
    workdir: Path,
    *,
    kills: int,
    imap_password: str,
    imap_user: str,
    file_in_sent: bool = False,
    seed: int | None = None,
) -> TortureResult:
    """Kill the sending daemon ``kills`` times, finish cleanly, and count deliveries."""
    rng = random.Random(seed)
    folder, sent_folder = unique_folder(), unique_folder()
    dovecot.recreate_folder(folder)
    dovecot.recreate_folder(sent_folder)
    os.environ[IMAP_ENV], os.environ[SMTP_ENV] = imap_password, SMTP_PASSWORD
    smtp = RecordingSmtp({SMTP_USER: SMTP_PASSWORD}).start()
    smtp.reply_delay = REPLY_DELAY_S
    if file_in_sent:
        smtp.file_in_sent = lambda raw: _file(dovecot, imap_user, sent_folder, raw)
    try:
        config = _school(workdir, dovecot, smtp, folder, sent_folder, imap_user)
        result = TortureResult()
        while result.kills < kills:
            _top_up(config, rng)
            result.rounds += 1
            if _killed_round(config, smtp, rng):
                result.kills += 1
        # Then the daemon runs undisturbed until nothing is left to settle.
        for _ in range(5):
            _daemon_once(config)
            if not Outbox(Casebook(config)).with_status(LetterStatus.QUEUED, LetterStatus.SENDING):
                break
        _count(config, smtp, result)
    finally:
        smtp.stop()
    return result


def _school(
    workdir: Path, dovecot: Dovecot, smtp: RecordingSmtp, folder: str, sent: str, user: str
) -> Config:
    base = school_config(workdir, dovecot.imap_settings(IMAP_ENV, folder=folder))
    toml = loopback_mail_toml(
        imap_port=dovecot.port,
        imap_user=user,
        imap_env=IMAP_ENV,
        smtp_port=smtp.port,
        smtp_user=SMTP_USER,
        smtp_env=SMTP_ENV,
        folder=folder,
    ).replace('folder = "', f'sent_folder = "{sent}"\nfolder = "', 1)
    base.path.write_text(base.path.read_text() + toml)
    from casework.config import load_config

    return load_config(base.path)


def _file(dovecot: Dovecot, user: str, folder: str, raw: bytes) -> None:
    with dovecot.client(user) as c:
        c.append(folder, raw, flags=(b"\\Seen",))


def _top_up(config: Config, rng: random.Random) -> None:
    """Keep a few letters queued, so that every kill finds one to interrupt."""
    waiting = Outbox(Casebook(config)).with_status(LetterStatus.QUEUED)
    for _ in range(max(0, 4 - len(waiting))):
        n = rng.randrange(10**9)
        queued_letter(config, name=f"Parent {n}", email=f"p{n}@example.org")


def _command(config: Config) -> list[str]:
    return [sys.executable, "-m", "conduct.cli", "--config", str(config.path), "daemon", "--once"]


def _killed_round(config: Config, smtp: RecordingSmtp, rng: random.Random) -> bool:
    """Start the daemon; once it begins a letter, kill it at a random moment. True if it died."""
    before = smtp.transactions
    proc = subprocess.Popen(
        _command(config), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while smtp.transactions == before and proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError("the daemon never began a letter")
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, KILL_WINDOW_S))
        if proc.poll() is not None:
            return False
        proc.send_signal(signal.SIGKILL)
        return True
    finally:
        proc.wait()


def _daemon_once(config: Config) -> None:
    done = subprocess.run(_command(config), cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise AssertionError(f"daemon --once exited {done.returncode}: {done.stderr[-2000:]}")


def _count(config: Config, smtp: RecordingSmtp, result: TortureResult) -> None:
    letters = Outbox(Casebook(config)).with_status(*LetterStatus)
    received = Counter(
        str(email.message_from_bytes(m.data)["Message-ID"]) for m in smtp.messages
    )
    by_id = {x.message_id: x for x in letters if x.message_id}
    result.letters = len(letters)
    for letter in letters:
        result.statuses[letter.status.value] += 1
        copies = received.get(letter.message_id, 0) if letter.message_id else 0
        result.deliveries[letter.id] = copies
        if letter.status is LetterStatus.OUTCOME_UNKNOWN:
            result.held.add(letter.id)
        if letter.status is LetterStatus.SENT and copies != 1:
            result.problems.append(f"{letter.id} is marked sent but arrived {copies} times")
        if letter.status is LetterStatus.OUTCOME_UNKNOWN and copies > 1:
            result.problems.append(f"{letter.id} is held but arrived {copies} times")
        if letter.status not in (LetterStatus.SENT, LetterStatus.OUTCOME_UNKNOWN):
            result.problems.append(f"{letter.id} was left {letter.status.value}")
    for mid in received:
        if mid not in by_id:
            result.problems.append(f"the server received {mid}, which no letter has")
