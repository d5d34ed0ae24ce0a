"""Disposed mail stays disposed: the daemon never takes a message again whose records the
school disposed of, and mail kept on no case has its own retention period.

Against pymap, which keeps no keywords (as Exchange Online does not): there the store's record
of a message is all that stops the daemon fetching a still-flagged message again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.clock import CLOCK_ENV
from casework.mailrecords import MailOutcome
from mailer.daemon import Daemon
from mailer.embedded_imap import EmbeddedImap, deliver
from store.casebook import Casebook
from store.maillog import MailLog
from tests.support.cli import conduct
from tests.support.mailfixtures import message, school_config

FLAG = ("\\Flagged",)
A_YEAR_ON = datetime(2027, 3, 11, 9, 0, tzinfo=UTC)  # the tests run on 10 March 2026


def run_once(config) -> int:  # type: ignore[no-untyped-def]
    return Daemon(config).run(once=True)


def files_naming(root: Path, *needles: bytes) -> list[tuple[str, bytes]]:
    """Every file under the data directory that still holds one of ``needles``."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [(str(path.relative_to(root)), n) for n in needles if n in data]
    return found


def test_a_disposed_cases_email_still_flagged_never_opens_it_again(
    tmp_path: Path, pymap_server: EmbeddedImap, pymap_password_env: str
) -> None:
    config = school_config(tmp_path, pymap_server.imap_settings(pymap_password_env))
    cfg = tmp_path / "config.toml"
    raw = message("Shouting at the gate", body="Mr Pat Parent shouted at the gate.")
    deliver(pymap_server.host, pymap_server.port, "office", "demo-pass", raw, flags=FLAG)
    assert run_once(config) == 0
    (case,) = Casebook(config).cases("all")
    Casebook(config).step(case.ref, "close", reason="resolved", fields={"outcome": "Apology"})
    done = conduct(
        cfg, "retention", "dispose", case.ref, "--unfiled-mail", "--early", "--reason", "erasure"
    )
    assert f"Disposed of {case.ref}" in done.stdout
    # Asked for unfiled mail too, and none is at review: the cases still went, and it says so.
    assert "No unfiled mail has reached retention review; none was disposed of." in done.stdout

    # The message is still flagged in the mailbox, and pymap keeps no processed keyword.
    assert run_once(config) == 0
    assert Casebook(config).cases("all") == []
    (record,) = MailLog(Casebook(config).store).records()
    assert record.outcome is MailOutcome.DISPOSED
    assert (record.sender, record.subject, record.message_id, record.case_ref) == ("", "", None, None)
    root = config.store.data_dir
    assert files_naming(root, b"Pat Parent", b"pat@example.org", b"shouted at the gate") == []

    # A second copy of the same bytes (a new UID) is read to be recognised, then dropped again.
    deliver(pymap_server.host, pymap_server.port, "office", "demo-pass", raw, flags=FLAG)
    assert run_once(config) == 0
    assert Casebook(config).cases("all") == []
    assert [r.outcome for r in MailLog(Casebook(config).store).records()] == [MailOutcome.DISPOSED]
    assert files_naming(root, b"Pat Parent", b"pat@example.org", b"shouted at the gate") == []
    assert conduct(cfg, "audit", "verify").returncode == 0


def auto_reply() -> bytes:
    return message(
        "Out of office: back on Monday",
        sender="Sam Away <sam.away@example.org>",
        body="I am away until Monday.",
        headers={"Auto-Submitted": "auto-replied"},
    )


def test_unfiled_mail_reaches_review_after_its_period_and_is_disposed_of(
    tmp_path: Path,
    pymap_server: EmbeddedImap,
    pymap_password_env: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = school_config(tmp_path, pymap_server.imap_settings(pymap_password_env))
    cfg = tmp_path / "config.toml"
    deliver(pymap_server.host, pymap_server.port, "office", "demo-pass", auto_reply(), flags=FLAG)
    assert run_once(config) == 0
    (skipped,) = MailLog(Casebook(config).store).records()
    assert skipped.outcome is MailOutcome.SKIPPED and skipped.case_ref is None
    root = config.store.data_dir

    # Within its year (the default period for unfiled mail) it is listed, not yet due.
    listed = conduct(cfg, "retention", "due", "--all").stdout
    assert f"mail {skipped.sha256[:12]}  unfiled-mail" in listed
    assert "review 2027-03-10  not yet (skipped)" in listed
    early = conduct(cfg, "retention", "dispose", "--unfiled-mail", "--reason", "x", ok=False)
    assert early.returncode == 1 and "no unfiled mail has reached retention review" in early.stderr

    monkeypatch.setenv(CLOCK_ENV, A_YEAR_ON.isoformat())
    due = conduct(cfg, "retention", "due").stdout
    assert f"mail {skipped.sha256[:12]}  unfiled-mail" in due and "due (skipped)" in due
    done = conduct(
        cfg, "retention", "dispose", "--unfiled-mail", "--reason", "retention schedule"
    ).stdout
    assert "Disposed of 1 unfiled message(s): 1 file(s) removed from the vault" in done
    assert files_naming(root, b"Sam Away", b"sam.away@example.org", b"Out of office") == []
    assert "No unfiled mail has reached retention review." in conduct(
        cfg, "retention", "due"
    ).stdout

    # Still flagged in the mailbox: the daemon recognises it and keeps nothing of it again.
    assert run_once(config) == 0
    (record,) = MailLog(Casebook(config).store).records()
    assert record.outcome is MailOutcome.DISPOSED
    assert files_naming(root, b"Sam Away", b"Out of office") == []
    assert conduct(cfg, "audit", "verify").returncode == 0
