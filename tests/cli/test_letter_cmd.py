"""`conduct letter render` drafts a real case's letter: PDF on disk, in the vault, on the timeline."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pypdf import PdfReader

from casework.config import load_config
from casework.outbox import LetterMove
from casework.staff import Actor, Role, os_account
from store.casebook import Casebook
from store.outbox import Outbox
from tests.support.cli import conduct, open_case, show
from tests.support.school import write_config


def test_render_records_the_draft_and_keeps_the_pdf(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    ref = open_case(cfg, "swearing", summary="Swore at the gate")
    conduct(
        cfg,
        "case",
        "record",
        ref,
        "incident",
        "Swore at the gate",
        "--set",
        "occurred_on=2026-11-02",
        "--set",
        "target=Mrs Khan",
        "--set",
        "behaviours=swearing",
    )
    out = tmp_path / "warning.pdf"
    missing = conduct(
        cfg, "letter", "render", ref, "meeting-invitation", "--out", str(out), ok=False
    )
    # The letter belongs to the policy's meeting-senior step (meeting_with comes from it); no
    # meeting is scheduled yet.
    assert missing.returncode == 1 and "meeting_date" in missing.stderr and not out.exists()
    conduct(cfg, "letter", "render", ref, "warning", "--out", str(out))
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Pat Parent" in text and ref in text and "Swearing, or using offensive language" in text
    assert "Mrs Helen Head" in text  # the signatory
    data = show(cfg, ref)
    (letter,) = data["letters"]
    assert letter["status"] == "drafted" and letter["needs_approval"] is True
    assert letter["pdf_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    drafted = [e for e in data["events"] if e["type"] == "letter-drafted"]
    assert drafted and drafted[0]["data"]["sha256"] == letter["pdf_sha256"]
    vault = (
        tmp_path
        / "data"
        / "vault"
        / letter["pdf_sha256"][:2]
        / letter["pdf_sha256"][2:4]
        / letter["pdf_sha256"]
    )
    assert vault.read_bytes() == out.read_bytes()
    # This account becomes the office (a headteacher, hhead, stays on the register).
    me = os_account()
    conduct(cfg, "staff", "add", me, "--name", "Olive Office", "--email", "o@stockham.sch.uk", "--role", "headteacher")
    conduct(cfg, "staff", "add", "hhead", "--name", "Mrs Helen Head", "--email", "h@stockham.sch.uk", "--role", "headteacher")
    conduct(cfg, "staff", "edit", me, "--role", "office")
    # The office cannot queue it before the headteacher approves.
    refused = conduct(cfg, "letter", "queue", ref, letter["id"], ok=False)
    assert refused.returncode == 1 and "approval" in refused.stderr
    conduct(cfg, "letter", "submit", ref, letter["id"])
    assert (
        "awaiting-approval"
        in conduct(cfg, "letter", "list", "--status", "awaiting-approval").stdout
    )
    # Only the headteacher (or deputy) approves: the office is refused in one line.
    refused = conduct(cfg, "letter", "approve", ref, letter["id"], ok=False)
    assert refused.stderr.strip().endswith(
        f"letter {letter['id']} (warning) cannot be approved: only the deputy or the "
        f"headteacher may; you are {me} (office)"
    )
    head = Casebook(load_config(cfg), actor=Actor("hhead", Role.HEADTEACHER))
    Outbox(head).move(ref, letter["id"], LetterMove.APPROVE)
    conduct(cfg, "letter", "queue", ref, letter["id"])
    events = [(e["type"], e["actor"]) for e in show(cfg, ref)["events"]][-3:]
    assert events == [
        ("letter-submitted", me),
        ("letter-approved", "hhead"),
        ("letter-queued", me),
    ]


def test_kinds_lists_every_letter_with_required_fields(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "meeting-first")
    kinds = json.loads(conduct(cfg, "letter", "kinds", "--json").stdout)
    assert {
        "information-request",
        "warning",
        "meeting-invitation",
        "stop-and-warn",
        "ban-provisional",
        "ban-intent",
        "ban-confirmed",
        "ban-review",
        "ban-lifted",
    } <= set(kinds)
    assert "meeting_date" in kinds["meeting-invitation"]["required"]


def test_set_takes_several_pairs_and_refuses_a_misspelt_key_naming_the_fields(
    tmp_path: Path,
) -> None:
    cfg = write_config(tmp_path, "warning-first")
    ref = open_case(cfg, "swearing")
    out = tmp_path / "request.pdf"
    # Several pairs after one --set, as the README shows: each one reaches the letter.
    conduct(
        cfg, "letter", "render", ref, "information-request", "--out", str(out),
        "--set", "incident_date=2026-03-09", "incident_summary=Shouted at Mrs Khan at the gate",
    )  # fmt: skip
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out).pages).split())
    assert "9 March 2026" in text and "Shouted at Mrs Khan at the gate" in text
    # A misspelt key is refused, naming the fields there are; nothing is drafted.
    wrong = tmp_path / "wrong.pdf"
    refused = conduct(
        cfg, "letter", "render", ref, "information-request", "--out", str(wrong),
        "--set", "incident_summary=Shouted", "incident_dat=2026-03-09", ok=False,
    )  # fmt: skip
    assert refused.returncode == 1 and not wrong.exists()
    assert "a letter has no field 'incident_dat'" in refused.stderr
    assert "incident_date" in refused.stderr.partition("the fields are:")[2]
    assert [x["kind"] for x in show(cfg, ref)["letters"]] == ["information-request"]


def test_a_meeting_typed_for_the_letter_is_on_a_school_day_in_school_hours(
    tmp_path: Path,
) -> None:
    # Issue 11: meetings went out for a Saturday, in the letter and its .ics. A meeting recorded
    # on the case is checked (another day needs a reason); one typed for the letter is too.
    cfg = write_config(tmp_path, "meeting-first")
    ref = open_case(cfg, "offensive-language")
    conduct(cfg, "case", "step", ref, "meeting-invitation")
    out = tmp_path / "invitation.pdf"
    for when, says in (
        (("meeting_date=2026-03-14", "meeting_time=15:30"), "2026-03-14 is a Saturday, not a school day"),
        (("meeting_date=2026-03-16", "meeting_time=19:00"), "19:00 is outside school hours"),
    ):
        refused = conduct(
            cfg, "letter", "render", ref, "meeting-invitation", "--out", str(out),
            "--set", *when, "meeting_place=Head's office", ok=False,
        )  # fmt: skip
        assert refused.returncode == 1 and says in refused.stderr, refused.stderr
        assert "meeting-scheduled" in refused.stderr  # where the office records another day
        assert not out.exists()
    assert show(cfg, ref)["letters"] == []
    conduct(
        cfg, "letter", "render", ref, "meeting-invitation", "--out", str(out),
        "--set", "meeting_date=2026-03-16", "meeting_time=15:30", "meeting_place=Head's office",
    )  # fmt: skip
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out).pages).split())
    assert "Monday 16 March 2026" in text and "3:30pm" in text
