"""Both ladders walked on the command line, day by day, with every letter read back: each date,
name, address and account in it is the one entered, and no letter describes a ban as it is not."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from casework.clock import CLOCK_ENV
from tests.support import ladder_facts as facts
from tests.support.cli import show
from tests.support.ladder_facts import ACCOUNT, PARENT, SUBJECT_LINE, on_day, words
from tests.support.school import write_config


def on(config: Path, day: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `conduct ARGS...` as the office would on ``day`` (09:00 at the school)."""
    env = {**os.environ, CLOCK_ENV: f"{day}T09:00:00+00:00"}
    result = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def letter(config: Path, day: str, ref: str, kind: str, *sets: str) -> str:
    """Draft the letter on ``day`` and return its words, as one line of text; it is dated
    that day and addressed to the parent entered (facts.recipient_checks)."""
    out = config.parent / f"{kind}-{day}.pdf"
    args = ["letter", "render", ref, kind, "--out", str(out)]
    if sets:
        args += ["--set", *sets]
    on(config, day, *args)
    text = words(out.read_bytes())
    facts.recipient_checks(text, on_day(day))
    return text


def refused(config: Path, day: str, ref: str, kind: str, *sets: str) -> str:
    """Try to draft a letter that must be refused; the one-line reason."""
    out = config.parent / f"refused-{kind}.pdf"
    args = ["letter", "render", ref, kind, "--out", str(out)]
    if sets:
        args += ["--set", *sets]
    result = on(config, day, *args, ok=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert not out.exists()
    return result.stderr.strip()


def add_parent(config: Path) -> None:
    on(
        config,
        "2026-03-09",
        "person",
        "add",
        "--name",
        PARENT.name,
        "--email",
        PARENT.email,
        *[arg for line in PARENT.address for arg in ("--address", line)],
        "--child",
        f"{PARENT.child}; {PARENT.child_class}; yes",
    )


def ban_dates(cfg: Path, ref: str) -> tuple[date, date, date]:
    """The ban's start, end and review dates as the step set them from the school's periods."""
    ban = show(cfg, ref)["case"]["bans"][0]
    return (on_day(ban["starts_on"]), on_day(ban["ends_on"]), on_day(ban["review_on"]))


def test_warning_first_ladder_letters_state_the_facts_entered(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    add_parent(cfg)
    ref = on(
        cfg,
        "2026-03-10",
        "case",
        "open",
        "--name",
        PARENT.name,
        "--email",
        PARENT.email,
        "--behaviour",
        "swearing",
        "--summary",
        SUBJECT_LINE,
    ).stdout.strip()
    # No incident recorded: the letter asks for one rather than quote the email's subject.
    assert "record an incident" in refused(cfg, "2026-03-10", ref, "information-request")
    assert "no incident is recorded" in refused(
        cfg, "2026-03-10", ref, "information-request", "incident_date=2026-03-09"
    )
    on(cfg, "2026-03-10", "case", "record", ref, "incident", ACCOUNT, "--set",
       "occurred_on=2026-03-09", "target=Mrs Khan", "place=the main gate")
    text = letter(cfg, "2026-03-10", ref, "information-request")
    facts.incident_checks(text, ACCOUNT, date(2026, 3, 9))
    assert "the main gate" in text

    on(cfg, "2026-03-11", "case", "step", ref, "warning")
    text = letter(cfg, "2026-03-11", ref, "warning")
    facts.incident_checks(text, ACCOUNT, date(2026, 3, 9))

    on(cfg, "2026-03-12", "case", "step", ref, "meeting-senior")
    on(cfg, "2026-03-12", "case", "step", ref, "meeting-chair", "--reason", "Head asked")
    on(cfg, "2026-03-12", "case", "record", ref, "meeting-scheduled", "With the chair",
       "--set", "at=2026-03-24T15:30", "place=Head's office",
       "attendees=Mrs Helen Head;Mr Colin Chair")
    text = letter(cfg, "2026-03-12", ref, "meeting-invitation")
    # The step says the Chair of Governors and the headteacher: the letter names both.
    facts.meeting_checks(
        text, datetime(2026, 3, 24, 15, 30), "Head's office", ["Mrs Helen Head", "Mr Colin Chair"]
    )
    on(cfg, "2026-03-24", "case", "record", ref, "meeting-no-show", "Did not come")

    on(cfg, "2026-03-25", "case", "step", ref, "ban-intent", "--set",
       "reasons=Repeated shouting and swearing at staff at the gate")
    text = letter(cfg, "2026-03-25", ref, "ban-intent")
    ban = show(cfg, ref)["case"]["bans"][0]
    assert ban["representations_deadline"] == "2026-04-04"
    starts, ends, review = ban_dates(cfg, ref)
    reasons = "Repeated shouting and swearing at staff at the gate"
    facts.intent_checks(text, reasons, starts, ends, review, date(2026, 4, 4))
    # Nothing has been decided yet: no decision letter can be written.
    assert "only intended" in refused(cfg, "2026-03-25", ref, "ban-confirmed")
    assert "ban-intent" in refused(cfg, "2026-03-25", ref, "ban-provisional")
    # A letter cannot state a ban's terms the record does not hold.
    assert "part of the ban's record" in refused(
        cfg, "2026-03-25", ref, "ban-intent", "representations_to=Someone Else"
    )

    on(cfg, "2026-03-30", "case", "record", ref, "representations-received", "Pat's letter",
       "--set", "received_on=2026-03-30")
    on(cfg, "2026-03-31", "case", "step", ref, "ban-confirmed")
    text = letter(cfg, "2026-03-31", ref, "ban-confirmed")
    # A notice of intent bars nobody until it is decided: the ban starts the day it is confirmed.
    starts, ends, review = ban_dates(cfg, ref)
    assert starts == date(2026, 3, 31)
    facts.confirmed_checks(
        text, reasons, date(2026, 3, 31), starts, ends, review, received_on=date(2026, 3, 30)
    )
    assert "ban-confirmed" in refused(cfg, "2026-03-31", ref, "ban-intent")

    reason = "Two further reports of shouting at the gate since the ban began"
    on(cfg, "2026-04-28", "case", "step", ref, "ban-review", "--set", "outcome=continued",
       "next_review_on=2026-05-20", f"reason={reason}")
    text = letter(cfg, "2026-04-28", ref, "ban-review")
    facts.review_checks(
        text, reasons, date(2026, 4, 28), reason, starts, ends, next_review_on=date(2026, 5, 20)
    )
    assert "ban's record says continued" in refused(
        cfg, "2026-04-28", ref, "ban-review", "outcome=lifted"
    )
    assert "ban-review" in refused(cfg, "2026-04-28", ref, "ban-confirmed")

    why = "No incidents since the review, and a good meeting with the head"
    assert "reason" in on(cfg, "2026-05-20", "case", "step", ref, "ban-lifted", ok=False).stderr
    on(cfg, "2026-05-20", "case", "step", ref, "ban-lifted", "--set", f"reason={why}")
    text = letter(cfg, "2026-05-20", ref, "ban-lifted")
    facts.lifted_checks(text, reasons, date(2026, 5, 20), why, starts)
    assert "ban-lifted" in refused(cfg, "2026-05-20", ref, "ban-review")


def test_meeting_first_ladder_letters_state_the_facts_entered(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "meeting-first")
    add_parent(cfg)
    ref = on(
        cfg,
        "2026-03-10",
        "case",
        "open",
        "--name",
        PARENT.name,
        "--email",
        PARENT.email,
        "--behaviour",
        "offensive-language",
        "--summary",
        SUBJECT_LINE,
    ).stdout.strip()
    on(cfg, "2026-03-10", "case", "step", ref, "meeting-invitation")
    on(cfg, "2026-03-10", "case", "record", ref, "meeting-scheduled", "Formal meeting",
       "--set", "at=2026-03-17T09:15", "place=the school office")
    text = letter(cfg, "2026-03-10", ref, "meeting-invitation")
    # No incident logged: the invitation is about a concern, with no empty date or account.
    assert "about a concern, which" in text and "incident ," not in text
    facts.meeting_checks(text, datetime(2026, 3, 17, 9, 15), "the school office", [])
    on(cfg, "2026-03-17", "case", "record", ref, "meeting-refused", "Said they will not come")

    on(cfg, "2026-03-18", "case", "step", ref, "stop-and-warn")
    on(cfg, "2026-03-18", "case", "record", ref, "incident", ACCOUNT, "--set",
       "occurred_on=2026-03-16", "target=Mrs Khan", "behaviours=offensive-language")
    text = letter(cfg, "2026-03-18", ref, "stop-and-warn")
    facts.incident_checks(text, ACCOUNT, date(2026, 3, 16))

    on(cfg, "2026-03-19", "case", "step", ref, "ban-provisional", "--set",
       "reasons=Offensive language to staff after being asked to stop")
    text = letter(cfg, "2026-03-19", ref, "ban-provisional")
    reasons = "Offensive language to staff after being asked to stop"
    starts, ends, review = ban_dates(cfg, ref)
    assert starts == date(2026, 3, 19)
    facts.provisional_checks(text, reasons, starts, ends, review, date(2026, 3, 29))
    # Before the deadline, and with no representations, the ban cannot be confirmed.
    early = on(cfg, "2026-03-20", "case", "step", ref, "ban-confirmed", ok=False)
    assert "deadline for representations is 2026-03-29" in early.stderr
    on(cfg, "2026-03-30", "case", "step", ref, "ban-confirmed")
    text = letter(cfg, "2026-03-30", ref, "ban-confirmed")
    facts.confirmed_checks(
        text, reasons, date(2026, 3, 30), starts, ends, review, deadline=date(2026, 3, 29)
    )

    why = "The parent apologised in writing and met the Chair of Governors"
    on(cfg, "2026-04-15", "case", "step", ref, "ban-review", "--set", "outcome=lifted",
       f"reason={why}")
    text = letter(cfg, "2026-04-15", ref, "ban-review")
    facts.review_checks(text, reasons, date(2026, 4, 15), why, starts, ends, next_review_on=None)
    assert "ban-review" in refused(cfg, "2026-04-15", ref, "ban-provisional")


def open_about_pat(cfg: Path, day: str) -> str:
    return on(
        cfg, day, "case", "open", "--name", "Pat Parent", "--email", "pat@example.org",
        "--behaviour", "swearing", "--summary", SUBJECT_LINE,
    ).stdout.strip()  # fmt: skip


def test_ban_letters_dated_before_the_deadline_agree_with_the_record(tmp_path: Path) -> None:
    # Issue 11: a confirmation dated before the deadline cited 'representations received by'
    # the deadline and never the ones received; a review dated 16 March said the ban 'began
    # on 20 March'; a lift read 'From 20 March until 12 March'.
    cfg = write_config(tmp_path, "warning-first")
    add_parent(cfg)
    ref = open_about_pat(cfg, "2026-03-10")
    on(cfg, "2026-03-10", "case", "step", ref, "ban-intent", "--reason", "Threats at the gate",
       "--set", "reasons=Threats made to staff at the gate")
    assert show(cfg, ref)["case"]["bans"][0]["representations_deadline"] == "2026-03-20"
    on(cfg, "2026-03-12", "case", "record", ref, "representations-received", "Pat's letter",
       "--set", "received_on=2026-03-12")
    on(cfg, "2026-03-13", "case", "step", ref, "ban-confirmed")
    text = letter(cfg, "2026-03-13", ref, "ban-confirmed")
    assert "received on 12 March 2026" in text and "on 13 March 2026" in text
    assert "any representations received by 20 March 2026" not in text
    assert "From 13 March 2026 until" in text
    on(cfg, "2026-03-16", "case", "step", ref, "ban-review", "--set", "outcome=continued",
       "next_review_on=2026-04-16", "reason=Still needed")
    text = letter(cfg, "2026-03-16", ref, "ban-review")
    assert "that began on 13 March 2026" in text and "20 March 2026" not in text

    # A notice of intent lifted before the day it would have begun never came into force.
    other = open_about_pat(cfg, "2026-03-10")
    on(cfg, "2026-03-10", "case", "step", other, "ban-intent", "--reason", "Threats at the gate",
       "--set", "reasons=Threats made to staff at the gate")
    on(cfg, "2026-03-12", "case", "step", other, "ban-lifted", "--set", "reason=Apologised")
    text = letter(cfg, "2026-03-12", other, "ban-lifted")
    assert "never came into force" in text and "until 12 March 2026" not in text
