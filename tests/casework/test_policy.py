"""Policy as data: the two presets match their seed documents; a school can write its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.config import load_config
from casework.policy import Route, load_preset
from casework.tomlread import ConfigError
from tests.support.school import write_config


def test_meeting_first_matches_seed_000() -> None:
    p = load_preset("meeting-first")
    assert len(p.behaviours) == 11 and len(p.online_activities) == 8
    assert p.police == "Thames Valley Police"
    assert "County Council" in p.legal
    meeting = p.step("meeting-invitation")
    assert meeting.letter == "meeting-invitation"
    assert dict(meeting.when)["meeting-refused"] == "stop-and-warn"
    assert dict(p.step("stop-and-warn").when)["incident"] == "ban-provisional"
    # A ban can be introduced without going through all the steps in more serious cases.
    assert {"ban-provisional", "ban-intent"} <= set(p.step("report").next)
    assert p.behaviour("dogs").label.startswith("Dogs being brought")
    assert p.behaviour("defamatory-posts").route is Route.DEFAMATION
    assert p.route_step(Route.CRIMINAL) == "referral-police"


def test_warning_first_matches_seed_001() -> None:
    p = load_preset("warning-first")
    assert len(p.behaviours) == 11 and p.online_activities == ()
    assert p.first_step == "gather-information"
    assert p.step("gather-information").letter == "information-request"
    assert p.step("warning").next[0] == "meeting-senior"
    assert dict(p.step("meeting-chair").letter_options)["meeting_with"] == "chair"
    assert p.final_decision == "headteacher"
    assert p.route_step(Route.DEFAMATION) == "referral-legal"
    labels = [s.label for s in p.steps]
    assert "Meeting with the Chair of Governors and the headteacher" in labels


def test_every_step_and_behaviour_has_what_the_product_needs(preset: str) -> None:
    p = load_preset(preset)
    for s in p.steps:
        assert s.id and s.label
        assert s.closes or s.next, f"{s.id} leads nowhere"
    for b in p.all_behaviours:
        assert b.id and b.label and isinstance(b.route, Route)


CUSTOM = """
[[policy.behaviours]]
id = "parking"
label = "Parking on the zig-zag lines"

[[policy.steps]]
id = "chat"
label = "A word at the gate"
next = ["letter"]

[[policy.steps]]
id = "letter"
label = "Warning letter"
letter = "warning"
approval = true
next = ["done"]

[[policy.steps]]
id = "done"
label = "Closed"
closes = true
"""


def test_school_writes_its_own_ladder(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = write_config(tmp_path, "warning-first").read_text()
    text = text.replace(
        'preset = "warning-first"', 'id = "ours"\nname = "Our ladder"\nfirst_step = "chat"'
    )
    path.write_text(text + CUSTOM, encoding="utf-8")
    p = load_config(path).policy
    assert [s.id for s in p.steps] == ["chat", "letter", "done"]
    assert p.step("letter").approval is True
    assert p.behaviour("parking").route is Route.ORDINARY


def test_custom_ladder_with_a_dangling_step_is_named(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = write_config(tmp_path, "warning-first").read_text()
    text = text.replace(
        'preset = "warning-first"', 'id = "ours"\nname = "Ours"\nfirst_step = "chat"'
    )
    path.write_text(text + CUSTOM.replace('next = ["done"]', 'next = ["dne"]'), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert [str(p) for p in info.value.problems] == [
        "policy.steps[1].next: names unknown step 'dne'"
    ]
