"""Subject access from the command line: requests and their due dates, and the export of a
seeded parent (three cases, twenty emails, attachments, a letter) as a PDF bundle, its
originals and a redaction worklist naming every other person."""

from __future__ import annotations

import csv
import hashlib
import subprocess
from pathlib import Path

import pytest

from casework.config import load_config
from store.casebook import Casebook
from store.listing import read_listing
from store.sar_book import SarBook
from tests.support.cli import conduct
from tests.support.clock import FIXED_CLOCK
from tests.support.sar_seed import (
    CHILD,
    LETTER_PDF,
    OTHER_CHILD,
    OTHER_EMAIL,
    OTHER_PARENT,
    OTHERS,
    PARENT_EMAIL,
    Seeded,
    seed,
)
from tests.support.school import write_config


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Seeded]:
    cfg = write_config(tmp_path, "warning-first")
    return cfg, seed(Casebook(load_config(cfg), clock=FIXED_CLOCK))


def pdf_text(path: Path) -> str:
    """The bundle's text as a reader's tool extracts it (one line per line)."""
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_requests_due_dates_stop_restart_extend_and_the_dashboard_count(
    seeded: tuple[Path, Seeded],
) -> None:
    cfg, _ = seeded
    # The tests' today is 10 March 2026. Received 31 January: due 28 February, overdue now.
    out = conduct(cfg, "sar", "open", PARENT_EMAIL, "--received", "2026-01-31", "--via", "letter")
    assert (
        out.stdout.strip()
        == "SAR-2026-0001: received 2026-01-31; due 2026-02-28, respond by 2026-03-02"
    )
    listed = conduct(cfg, "sar", "list").stdout
    assert "SAR-2026-0001: OVERDUE since 2026-03-02 (8 day(s))  (p-pat-parent)" in listed
    # Another about Dana, received 3 March: stopped for clarification 4-5 March, then extended.
    conduct(cfg, "sar", "open", OTHER_EMAIL, "--received", "2026-03-03")
    stopped = conduct(
        cfg, "sar", "stop", OTHER_EMAIL, "--reason", "clarification", "--on", "2026-03-04"
    )
    assert "clock stopped" in stopped.stdout
    assert "SAR-2026-0002: clock stopped" in conduct(cfg, "sar", "list").stdout
    restarted = conduct(cfg, "sar", "restart", "SAR-2026-0002", "--on", "2026-03-05")
    assert "due 2026-04-05" in restarted.stdout  # 3 April plus the two days stopped
    late = conduct(
        cfg, "sar", "extend", "SAR-2026-0002", "--months", "2", "--reason", " ", ok=False
    )
    assert late.returncode == 1 and "a reason is required" in late.stderr
    extended = conduct(
        cfg,
        "sar",
        "extend",
        "SAR-2026-0002",
        "--months",
        "2",
        "--reason",
        "complex",
        "--on",
        "2026-03-10",
    )
    assert "due 2026-06-05" in extended.stdout
    # Two open requests for Pat would be ambiguous; by person works while there is one.
    bad = conduct(cfg, "sar", "open", "nobody@example.org", "--received", "2026-03-01", ok=False)
    assert bad.returncode == 1 and "no person 'nobody@example.org'" in bad.stderr
    # The dashboard's count and the digest's function see the overdue one only.
    book = Casebook(load_config(cfg), clock=FIXED_CLOCK)
    assert read_listing(book, book.clock.today()).counts.sar_due == 1
    assert [d.id for d in SarBook(book).due()] == ["SAR-2026-0001"]
    # Audit notes name the request, never the person.
    audit = (book.store.root / "audit.jsonl").read_text()
    assert "SAR-2026-0002 extended" in audit and "p-dana-other" not in audit


def test_export_is_complete_and_the_worklist_names_every_other_person(
    seeded: tuple[Path, Seeded], tmp_path: Path
) -> None:
    cfg, s = seeded
    out = tmp_path / "sar"
    conduct(cfg, "sar", "export", PARENT_EMAIL, "--out", str(out))
    rows = read_rows(out / "worklist.csv")
    named = {r["name"] for r in rows}
    # Events are recorded by the OS account that ran the command (issue 13): staff too.
    operator = Casebook(load_config(cfg)).actor.name
    assert named == (OTHERS - {"Olive Office"}) | {operator}  # everyone else, nobody twice
    assert OTHER_CHILD not in named and "Pat Parent" not in named
    roles = {r["name"]: r["role"] for r in rows}
    assert roles[OTHER_PARENT] == "parent" and roles[CHILD] == "child"
    assert roles["Mrs Helen Head"] == "staff"
    # Disclose everything: the bundle then carries every item and every original file.
    for r in rows:
        r["action"] = "disclose"
    write_rows(out / "worklist.csv", rows)
    conduct(cfg, "sar", "export", PARENT_EMAIL, "--out", str(out))
    text = pdf_text(out / "subject-access-bundle.pdf")
    flat = " ".join(text.split())
    for ref in s.refs:
        assert f"Case {ref}" in flat
    assert s.other_ref in flat  # Dana's email that names Pat
    assert "Parking" not in flat  # and not the one that does not
    for subject in s.subjects:
        assert f"{subject}\n" in text.replace(" \n", "\n") or subject in flat
        assert f"Email {subject.split()[-1]} from Pat Parent" in flat
    for name in s.attachments:
        assert name in flat
    assert "Statement from Mrs Kamala Khan" in flat and "Letter: warning" in flat
    assert "Notes for email 5" in flat  # a text attachment's content
    originals = sorted(p.name for p in (out / "originals").iterdir())
    assert len([n for n in originals if n.endswith(".eml")]) == 21
    assert len(originals) == 21 + len(s.attachments) + 1  # emails, attachments, the letter
    sums = dict(
        reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines()
    )
    for rel, digest in sums.items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest
    letter = next(n for n in originals if n.endswith("-warning.pdf"))
    assert (out / "originals" / letter).read_bytes() == LETTER_PDF


def test_decisions_apply_to_the_bundle_only_and_the_disclosure_is_recorded(
    seeded: tuple[Path, Seeded], tmp_path: Path
) -> None:
    cfg, s = seeded
    out = tmp_path / "sar"
    conduct(cfg, "sar", "open", PARENT_EMAIL, "--received", "2026-03-02")
    conduct(cfg, "sar", "export", PARENT_EMAIL, "--out", str(out))
    rows = read_rows(out / "worklist.csv")
    for r in rows:
        if r["name"] == "Mrs Kamala Khan":
            r["action"], r["reason"] = "withhold", "witness statement given in confidence"
        if r["name"] == OTHER_PARENT:
            r["action"], r["reason"] = "redact", "another parent"
        if r["name"] == CHILD:
            r["action"], r["reason"] = "disclose", "the requester's own child, with consent"
    write_rows(out / "worklist.csv", rows)
    book = Casebook(load_config(cfg), clock=FIXED_CLOCK)
    vault_before = {
        p.name: p.read_bytes() for p in (book.store.root / "vault").rglob("*") if p.is_file()
    }
    done = conduct(cfg, "sar", "export", PARENT_EMAIL, "--out", str(out), "--final").stdout
    assert "SAR-2026-0001: disclosure recorded" in done
    text = " ".join(pdf_text(out / "subject-access-bundle.pdf").split())
    assert OTHER_PARENT not in text and OTHER_EMAIL not in text
    assert "[redacted R" in text and CHILD in text
    assert "She shouted at me" not in text  # the withheld statement
    assert "[Withheld (R" in text and "witness statement given in confidence" in text
    # Emails copied to Dana go without their originals (they would disclose her).
    emls = [p.name for p in (out / "originals").iterdir() if p.suffix == ".eml"]
    assert len(emls) == 21 - len(s.cc_other) - 1  # and Dana's own email about Pat
    # The stored evidence is untouched.
    vault_after = {
        p.name: p.read_bytes() for p in (book.store.root / "vault").rglob("*") if p.is_file()
    }
    assert vault_after == vault_before
    # The disclosure: what was sent, when, its SHA-256.
    request = SarBook(book).all()[0]
    assert request.answered_on == FIXED_CLOCK.today()
    (disclosure,) = request.disclosures
    bundle = (out / "subject-access-bundle.pdf").read_bytes()
    assert disclosure.bundle_digest == hashlib.sha256(bundle).hexdigest()
    assert disclosure.at.date() == FIXED_CLOCK.today() and disclosure.redactions > 0
    assert "answered on 2026-03-10" in conduct(cfg, "sar", "list", "--all").stdout
    # A bad decision is one clear line naming the row.
    rows[0]["action"] = "shred"
    write_rows(out / "worklist.csv", rows)
    bad = conduct(cfg, "sar", "export", PARENT_EMAIL, "--out", str(out), ok=False)
    assert bad.returncode == 1
    assert (
        "worklist row 2: action: expected disclose, redact or withhold, got 'shred'" in bad.stderr
    )


def test_text_from_outside_is_never_markup(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    book = Casebook(load_config(cfg), clock=FIXED_CLOCK)
    case = book.open_case(
        name="Pat Parent",
        email=PARENT_EMAIL,
        behaviours=["swearing"],
        summary="<b>bold</b> {{ 7 * 7 }} <img src='http://example.org/x.png'>",
    )
    book.note(case.ref, "<script>alert(1)</script> {% if true %}yes{% endif %}")
    out = tmp_path / "sar"
    conduct(cfg, "sar", "export", PARENT_EMAIL, "--out", str(out))
    text = " ".join(pdf_text(out / "subject-access-bundle.pdf").split())
    assert "<b>bold</b> {{ 7 * 7 }}" in text and "49" not in text
    assert "<script>alert(1)</script> {% if true %}yes{% endif %}" in text


def test_the_daily_digest_lists_requests_due_by_id_and_date_only(
    seeded: tuple[Path, Seeded],
) -> None:
    from casework.digest import digest_text
    from store.staff_mail import digest_facts

    cfg, _ = seeded
    conduct(cfg, "sar", "open", PARENT_EMAIL, "--received", "2026-01-31")
    conduct(cfg, "sar", "open", OTHER_EMAIL, "--received", "2026-03-09")  # due in April: not yet
    _, body = digest_text(digest_facts(Casebook(load_config(cfg), clock=FIXED_CLOCK)))
    section = body.split("Subject access requests due\n")[1].split("\n\n")[0]
    assert section == "  - SAR-2026-0001: OVERDUE since 2026-03-02 (8 day(s))"
    assert "Pat Parent" not in body and "p-pat-parent" not in body
