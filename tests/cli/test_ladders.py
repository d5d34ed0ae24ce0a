"""Both seed ladders can be walked with `conduct case ...`, end to end through the real command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import conduct, open_case, show
from tests.support.school import write_config


def test_warning_first_full_ladder(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    ref = open_case(cfg, "swearing", "temper-shouting")
    assert ref.startswith("C-") and ref.endswith("-0001")
    conduct(
        cfg,
        "case",
        "record",
        ref,
        "statement-taken",
        "Mrs Khan's account of the morning",
        "--set",
        "by=Mrs Khan",
    )
    conduct(cfg, "case", "record", ref, "parent-contacted", "Phoned Pat to hear their side")
    for step in ("warning", "meeting-senior", "meeting-chair"):
        conduct(cfg, "case", "step", ref, step)
    conduct(
        cfg,
        "case",
        "record",
        ref,
        "meeting-scheduled",
        "Meeting with chair and head",
        "--set",
        "at=2026-12-01T15:30",
        "--set",
        "place=Head's office",
        "--set",
        "attendees=Mrs Helen Head;Mr Colin Chair",
    )
    conduct(cfg, "case", "record", ref, "meeting-no-show", "Did not come")
    assert show(cfg, ref)["suggestion"]["step"] == "ban-intent"
    conduct(cfg, "case", "step", ref, "ban-intent", "--set", "reasons=Repeated shouting at staff")
    conduct(cfg, "case", "record", ref, "representations-received", "Letter from Pat")
    conduct(cfg, "case", "step", ref, "ban-confirmed")
    conduct(
        cfg, "case", "step", ref, "ban-review", "--set", "outcome=continued", "reason=Still needed"
    )
    conduct(cfg, "case", "step", ref, "ban-lifted", "--set", "reason=No further incidents")
    conduct(cfg, "case", "step", ref, "close", "--set", "outcome=Ban lifted after review")
    data = show(cfg, ref)
    assert data["case"]["status"] == "closed"
    assert data["case"]["outcome"] == "Ban lifted after review"
    assert [b["status"] for b in data["case"]["bans"]] == ["lifted"]
    steps = [e["data"]["to"] for e in data["events"] if e["type"] == "step-changed"]
    assert steps == [
        "warning",
        "meeting-senior",
        "meeting-chair",
        "ban-intent",
        "ban-confirmed",
        "ban-review",
        "ban-lifted",
        "close",
    ]
    listed = json.loads(conduct(cfg, "case", "list", "--status", "all", "--json").stdout)
    assert [row["ref"] for row in listed] == [ref]
    assert set(listed[0]) >= {
        "ref",
        "status",
        "step",
        "subjects",
        "behaviours",
        "next_due",
        "flags",
    }
    assert conduct(cfg, "audit", "verify").stdout.startswith("audit log intact: ")


def test_meeting_first_full_ladder_with_referral(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "meeting-first")
    ref = conduct(
        cfg,
        "case",
        "open",
        "--name",
        "Jo Bloggs",
        "--behaviour",
        "offensive-language",
        "--summary",
        "Loud and offensive language in the playground",
    ).stdout.strip()
    conduct(cfg, "case", "step", ref, "meeting-invitation")
    conduct(cfg, "case", "record", ref, "meeting-refused", "Said they will not come in")
    assert show(cfg, ref)["suggestion"]["step"] == "stop-and-warn"
    conduct(cfg, "case", "step", ref, "stop-and-warn")
    conduct(
        cfg,
        "case",
        "record",
        ref,
        "incident",
        "Shouted at the office again",
        "--set",
        "target=Office staff",
        "--set",
        "behaviours=offensive-language",
    )
    assert show(cfg, ref)["suggestion"]["step"] == "ban-provisional"
    conduct(
        cfg, "case", "step", ref, "ban-provisional", "--set", "reasons=Continued offensive language"
    )
    ban = show(cfg, ref)["case"]["bans"][0]
    assert ban["status"] == "provisional" and ban["review_on"] and ban["representations_deadline"]
    conduct(cfg, "case", "step", ref, "referral-police", "--set", "reference=TVP-123")
    data = show(cfg, ref)
    assert data["case"]["referrals"][0]["reference"] == "TVP-123"
    assert data["case"]["referrals"][0]["to"] == "police"


def test_step_out_of_order_is_refused_without_reason(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "meeting-first")
    ref = conduct(
        cfg, "case", "open", "--name", "Jo", "--behaviour", "dogs", "--summary", "Dog"
    ).stdout.strip()
    bad = conduct(cfg, "case", "step", ref, "ban-confirmed", ok=False)
    assert bad.returncode == 1 and "give a reason" in bad.stderr and "Traceback" not in bad.stderr
    conduct(cfg, "case", "step", ref, "stop-and-warn", "--reason", "Agreed with the head: repeated")


@pytest.mark.parametrize("preset", ["meeting-first", "warning-first"])
def test_init_writes_a_config_that_passes_check(tmp_path: Path, preset: str) -> None:
    school = tmp_path / "school"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "conduct.cli",
            "init",
            str(school),
            "--preset",
            preset,
            "--school",
            'St "Quoted" School',
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    checked = conduct(school / "config.toml", "check")
    assert f"policy: {preset}" in checked.stdout and 'St "Quoted" School' in checked.stdout
    assert (school / "data").stat().st_mode & 0o777 == 0o700
    assert (school / "config.toml").stat().st_mode & 0o777 == 0o600


def test_unknown_reference_is_a_clear_error(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    bad = conduct(cfg, "case", "show", "C-2026-0999", ok=False)
    assert bad.returncode == 1 and "C-2026-0999" in bad.stderr and "Traceback" not in bad.stderr
