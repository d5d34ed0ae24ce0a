"""Restore drill: back up a busy store while the real daemon ingests from Dovecot, restore it
elsewhere, and show that everything in each backup is there, consistent and verified."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import signal
import subprocess
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from casework.config import load_config
from conduct.cli import main
from store.db import Store
from store.maillog import MailLog
from tests.support.mailfixtures import loopback_mail_toml, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.openpgp import make_key_pair, stop_agent
from tests.support.school import write_config
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
FLAG = ("\\Flagged",)


def conduct_json(cfg: Path, *args: str) -> Any:
    """Run a read-only command in this process and parse its JSON output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--config", str(cfg), *args, "--json"]) == 0
    return json.loads(out.getvalue())


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real `conduct` command in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "conduct.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


class Office:
    """Staff and parents sending mail to the watched folder, some of it flagged."""

    def __init__(self, dovecot: Dovecot, folder: str) -> None:
        self.dovecot = dovecot
        self.folder = folder
        self.n = 0
        self.flagged = 0
        self.ids: list[str] = []

    def send(self) -> None:
        """One more message: new parents, replies, attachments, auto-replies, late flags."""
        i = self.n
        self.n += 1
        msg = EmailMessage()
        parent = i % 9 if i % 3 == 1 else i
        msg["From"] = f"Parent {parent} <p{parent}@example.org>"
        msg["To"] = "office@stockham.sch.uk"
        msg["Subject"] = f"About the gate, message {i}"
        msg["Message-ID"] = mid = make_msgid(domain="example.org")
        if i % 3 == 1 and self.ids:
            # A reply in a thread we already know: it joins an existing case.
            msg["In-Reply-To"] = self.ids[-1]
            msg["References"] = self.ids[-1]
        if i % 7 == 6:
            msg["Auto-Submitted"] = "auto-replied"  # skipped, never a case
        msg.set_content(f"Message {i}: what happened at pick-up today.")
        if i % 4 == 0:
            data = hashlib.sha256(f"photo {i}".encode()).digest() * 600
            msg.add_attachment(data, maintype="image", subtype="jpeg", filename=f"gate-{i}.jpg")
        self.ids.append(mid)
        if i % 5 == 2:
            # Staff flag it a moment after it arrived, as they would in their mail program.
            uid = self.dovecot.deliver(msg.as_bytes(), folder=self.folder)
            self.dovecot.set_flags(uid, FLAG, folder=self.folder)
        else:
            self.dovecot.deliver(msg.as_bytes(), flags=FLAG, folder=self.folder)
        self.flagged += 1
        if i % 6 == 3:
            # Unflagged mail: the daemon must leave it alone.
            self.dovecot.deliver(msg.as_bytes().replace(b"message", b"menu"), folder=self.folder)


def backup_while_sending(office: Office, cfg: Path, dest: Path, *extra: str) -> int:
    """Run `conduct backup` in its own process while mail keeps arriving; messages sent meanwhile."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "conduct.cli", "--config", str(cfg), "backup", str(dest), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sent = 0
    while True:
        office.send()  # at least one message arrives while the backup runs
        sent += 1
        if proc.poll() is not None:
            break
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "Backed up" in out and "files linked" in out
    return sent


def vault_blob(data: Path, sha: str) -> Path:
    return data / "vault" / sha[:2] / sha[2:4] / sha


def evidence_hashes(shown: dict[str, Any]) -> set[str]:
    """Every vault hash a case names: its evidence list and each email's attachments."""
    found = {item["sha256"] for item in shown["evidence"]}
    for event in shown["events"]:
        for attachment in event["data"].get("attachments", ()):
            found.add(attachment["sha256"])
    return found


def check_restored_copy(restored: Path, live_cfg: Path, live_data: Path) -> int:
    """Everything in the restored copy is whole and is a true moment of the live store."""
    cfg, data = restored / "config.toml", restored / "data"
    assert cli("--config", str(cfg), "audit", "verify").returncode == 0
    # The copy's audit log is exactly the live log as it stood at that moment.
    assert (live_data / "audit.jsonl").read_bytes().startswith((data / "audit.jsonl").read_bytes())
    cases = conduct_json(cfg, "case", "list", "--status", "all")
    live_refs = {c["ref"] for c in conduct_json(live_cfg, "case", "list", "--status", "all")}
    copy_evidence: dict[str, set[str]] = {}
    for row in cases:
        shown = conduct_json(cfg, "case", "show", row["ref"])
        live = conduct_json(live_cfg, "case", "show", row["ref"])
        assert row["ref"] in live_refs
        # Timelines only grow: the copy's events are the first events of the live case.
        assert live["events"][: len(shown["events"])] == shown["events"]
        hashes = evidence_hashes(shown)
        copy_evidence[row["ref"]] = {item["sha256"] for item in shown["evidence"]}
        for sha in hashes:
            blob = vault_blob(data, sha)
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == sha, row["ref"]
    for blob in (data / "vault").rglob("*"):
        if blob.is_file():
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
    # No half transaction: each message the copy says was filed is on its case, in the copy.
    records = MailLog(Store(data)).records()
    for record in records:
        if record.outcome.value in ("opened", "attached"):
            assert record.case_ref in copy_evidence
            assert record.sha256 in copy_evidence[record.case_ref]
            assert vault_blob(data, record.sha256).exists()
    return len(cases)


def test_restore_drill_backups_taken_while_the_daemon_ingests(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    school = tmp_path / "school"
    school.mkdir()
    cfg = write_config(school, "warning-first")
    cfg.write_text(
        cfg.read_text()
        + loopback_mail_toml(
            imap_port=dovecot.port,
            imap_user="alice",
            imap_env=imap_password_env,
            smtp_port=2,
            folder=folder,
        )
    )
    live_data = load_config(cfg).store.data_dir
    home, public = make_key_pair(tmp_path)
    office = Office(dovecot, folder)
    for _ in range(30):
        office.send()  # a backlog, so the daemon is busy from the start
    daemon = subprocess.Popen(
        [sys.executable, "-m", "conduct.cli", "--config", str(cfg), "daemon"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    backups = tmp_path / "backups"
    backups.mkdir()
    try:
        mail_log = MailLog(Store(live_data))
        wait_until(lambda: len(mail_log.records()) >= 10, "the daemon filing its first mail")
        plain = backups / "first.tar.gz"
        encrypted = backups / "second.tar.gz.gpg"
        third = backups / "third.tar.gz"
        backup_while_sending(office, cfg, plain)
        backup_while_sending(office, cfg, encrypted, "--encrypt-to", str(public))
        backup_while_sending(office, cfg, third)
        for _ in range(5):
            office.send()  # after the last backup: never in it
        wait_until(lambda: len(mail_log.records()) == office.flagged, "the daemon catching up", 120)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    outcomes = {r.outcome.value for r in mail_log.records()}
    assert outcomes == {"opened", "attached", "skipped"}

    counts = []
    try:
        for archive, extra in (
            (plain, ()),
            (encrypted, ("--gnupg-home", str(home))),
            (third, ()),
        ):
            restored = tmp_path / f"restored-{archive.name.split('.')[0]}"
            done = cli("restore", str(archive), str(restored), *extra)
            assert done.returncode == 0, done.stderr
            assert done.stdout.endswith("Done.\n")
            counts.append(check_restored_copy(restored, cfg, live_data))
    finally:
        stop_agent(home)
    live_cases = len(conduct_json(cfg, "case", "list", "--status", "all"))
    assert counts[0] >= 1
    assert counts[0] <= counts[1] <= counts[2] < live_cases
