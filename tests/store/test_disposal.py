"""Retention and disposal against a real store: what has reached review, legal hold, and a
disposal that leaves no file behind (store, vault, letters) and a chain that still verifies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.clock import CLOCK_ENV, Clock
from casework.config import Config, load_config
from casework.events import EventType
from casework.mailthread import IncomingMail
from casework.payloads import EvidenceAdded, EvidenceKind
from casework.retention_due import DisposalRefused
from store import journal
from store.casebook import Casebook
from store.disposal import dispose, vault_rel
from store.inbox import Inbox
from store.integrity import verify
from store.listing import read_listing
from store.outbox import Outbox
from store.records import events_file
from store.shard_cache import CACHE_FILES
from tests.support.cli import conduct
from tests.support.clock import FIXED_CLOCK
from tests.support.school import write_config

LATER = datetime(2032, 4, 1, 9, 0, tzinfo=UTC)  # six years after the tests' March 2026
SHARED = b"a photo both parents sent\n"
RAW = (
    b"From: Pat Parent <pat@example.org>\r\nTo: office@stockham.sch.uk\r\n"
    b"Subject: [REF] About the gate\r\nMessage-ID: <gate@example.org>\r\n\r\nYou were rude.\r\n"
)


def seed(config: Config) -> tuple[str, str, list[str]]:
    """Pat's case (closed, with an email, files and a letter) and Dana's, sharing one file."""
    book = Casebook(config, clock=FIXED_CLOCK)
    pat = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Shouted"
    )
    dana = book.open_case(
        name="Dana Other", email="dana@example.org", behaviours=["swearing"], summary="Argued"
    )
    raw = RAW.replace(b"REF", pat.ref.encode())
    sha = book.vault.put(raw)
    Inbox(book).ingest(
        IncomingMail(
            sha,
            "INBOX",
            1,
            1,
            "<gate@example.org>",
            "pat@example.org",
            "Pat Parent",
            f"[{pat.ref}] About the gate",
            None,
            text="You were rude.",
            size=len(raw),
        )
    )
    only_pat = book.vault.put(b"Pat's own statement\n")
    shared = book.vault.put(SHARED)
    for ref, blob, name in (
        (pat.ref, only_pat, "statement.txt"),
        (pat.ref, shared, "photo.png"),
        (dana.ref, shared, "photo.png"),
    ):
        book.add(
            ref,
            EventType.EVIDENCE_ADDED,
            f"Evidence added: {name}",
            EvidenceAdded(EvidenceKind.FILE, blob, name, size=1),
        )
    letter = Outbox(book).add_draft(pat.ref, "warning", b"%PDF-1.4 Pat's warning letter\n")
    queue = config.letters.print_queue
    queue.mkdir(parents=True, exist_ok=True)
    (queue / f"{pat.ref}-warning-{letter.id}.pdf").write_bytes(b"%PDF-1.4 printed\n")
    book.step(pat.ref, "close", reason="resolved", fields={"outcome": "Resolved at a meeting"})
    return pat.ref, dana.ref, [sha, only_pat, letter.pdf_sha256]


@pytest.fixture
def school(tmp_path: Path) -> tuple[Path, Config]:
    cfg = write_config(tmp_path, "warning-first")
    return cfg, load_config(cfg)


def test_disposal_leaves_no_file_behind_and_the_chain_verifies(
    school: tuple[Path, Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, config = school
    pat, dana, only_pat = seed(config)
    root = config.store.data_dir
    monkeypatch.setenv(CLOCK_ENV, LATER.isoformat())
    due = conduct(cfg, "retention", "due").stdout
    assert f"{pat}  conduct-case" in due and "review 2032-03-10  due" in due
    assert dana not in due  # still open
    # A legal hold stops disposal until it is released.
    conduct(cfg, "case", "hold", pat, "--reason", "complaint to the governors open")
    refused = conduct(cfg, "retention", "dispose", pat, "--reason", "schedule", ok=False)
    assert (
        refused.returncode == 1
        and "under legal hold (complaint to the governors open)" in refused.stderr
    )
    assert f"{pat}  under legal hold" in conduct(cfg, "retention", "due").stdout
    conduct(cfg, "case", "release", pat, "--reason", "complaint closed")
    # A dashboard has listed the cases: its copy of the list (store/listing_cache.py) names Pat.
    listed = Casebook(load_config(cfg), clock=Clock.fixed(LATER))
    assert pat in {line.ref for line in read_listing(listed, listed.clock.today()).cases}
    # So has `case list`: its copy of the rows (store/case_rows.py) names Pat too.
    assert "Pat" in conduct(cfg, "case", "list", "--status", "all").stdout
    assert all((root / name).exists() for name in CACHE_FILES)
    open_one = conduct(cfg, "retention", "dispose", dana, "--reason", "schedule", ok=False)
    assert "is open: close it before" in open_one.stderr
    done = conduct(cfg, "retention", "dispose", pat, "--reason", "Review under the schedule")
    assert f"Disposed of {pat}" in done.stdout and "3 evidence file(s) removed" in done.stdout

    # Nothing of the case is left: its timeline, its record, its letters, its evidence.
    assert not (root / events_file(pat)).exists()
    for sha in only_pat:
        assert not (root / vault_rel(sha)).exists()
    book = Casebook(load_config(cfg), clock=Clock.fixed(LATER))
    assert [c.ref for c in book.cases("all")] == [dana]
    assert book.letters(pat) == []
    assert not any(config.letters.print_queue.iterdir())
    # The file Dana's case also uses stays, and her case reads whole.
    assert book.vault.get(book.vault.put(SHARED)) == SHARED
    assert len(book.file(dana).events) == 2
    # Nobody's name, address or person id is left anywhere in the data directory.
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in (b"Pat Parent", b"pat@example.org", b"p-pat-parent", b"You were rude"):
                assert needle not in data, (path, needle)
    verified = conduct(cfg, "audit", "verify")
    assert verified.returncode == 0, verified.stdout
    # The disposal record: references, hashes and the reason.
    audit = (root / "audit.jsonl").read_text()
    assert f"{pat} disposed of" in audit and "Review under the schedule" not in audit
    meta = (root / "meta.json").read_text()
    assert "Review under the schedule" in meta and only_pat[1] in meta


def test_before_review_needs_early(school: tuple[Path, Config]) -> None:
    _, config = school
    pat, _, _ = seed(config)
    book = Casebook(config, clock=FIXED_CLOCK)
    with pytest.raises(DisposalRefused, match=r"reaches review on 2032-03-10 \(conduct-case\)"):
        dispose(book, [pat], "asked to")
    with pytest.raises(DisposalRefused, match="--reason"):
        dispose(book, [pat], " ", early=True)
    dispose(book, [pat], "erasure request agreed", early=True)
    assert verify(book.store).ok


def test_a_disposal_cut_off_after_its_commit_point_is_finished(
    school: tuple[Path, Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, config = school
    pat, _, only_pat = seed(config)
    root = config.store.data_dir
    book = Casebook(config, clock=Clock.fixed(LATER))

    def killed(*_: object) -> None:
        raise SystemExit("killed after the commit point")

    monkeypatch.setattr(journal, "apply", killed)
    with pytest.raises(SystemExit):
        dispose(book, [pat], "schedule")
    monkeypatch.undo()
    assert (root / "journal.json").exists() and (root / events_file(pat)).exists()
    # The next command finishes it: every removal the journal names, and the audit entry.
    later = Casebook(config, clock=Clock.fixed(LATER))
    assert pat not in [c.ref for c in later.cases("all")]
    assert not (root / events_file(pat)).exists()
    assert not any((root / vault_rel(sha)).exists() for sha in only_pat)
    report = verify(later.store)
    assert report.ok, report.problems
