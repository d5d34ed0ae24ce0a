"""A school's own policy in config.toml: every part it can say, and every mistake named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from casework.config import load_config
from casework.policy import PRESETS, load_preset, new_policy_text, preset_text, read_policy
from casework.staff import Actor, Role
from casework.tomlread import ConfigError
from casework.workflow import move, open_case
from tests.support.clock import FIXED
from tests.support.school import SCHOOL

HEAD = Actor("hhead", Role.HEADTEACHER)

BASE = """
[policy]
id = "ours"
name = "Our code"
first_step = "start"

[[policy.behaviours]]
id = "shouting"
label = "Shouting at staff"

[[policy.steps]]
id = "start"
label = "Start"
next = ["tell-chair", "warn"]

[[policy.steps]]
id = "tell-chair"
label = "Tell the Chair of Governors"
notify = ["chair", "dsl", "clerk@school.example"]
next = ["warn"]

[[policy.steps]]
id = "warn"
label = "Warning letter"
letter = "warning"
signed_by = "chair"
representations_to = "the Clerk to the Governors"
next = ["ban"]

[[policy.steps]]
id = "ban"
label = "Notice of intent"
letter = "ban-intent"
ban = "intent"
representations_days = 20
next = ["end"]

[[policy.steps]]
id = "end"
label = "Closed"
closes = true
"""


def problems(toml: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        read_policy(tomllib.loads(toml)["policy"])
    return [str(p) for p in info.value.problems]


def test_a_policy_says_who_signs_who_hears_representations_and_who_is_told() -> None:
    policy = read_policy(tomllib.loads(BASE)["policy"])
    assert policy.step("tell-chair").notify == ("chair", "dsl", "clerk@school.example")
    assert policy.step("tell-chair").letter is None  # a step may notify and write nothing
    warn = policy.terms_for("warn")
    assert (warn.signed_by, warn.decided_by) == ("chair", "headteacher")
    assert warn.representations_to == "the Clerk to the Governors"
    # A step's own terms win; the policy's (here the built-in) fill the rest.
    assert policy.terms_for("ban").representations_days == 20
    assert policy.terms_for("ban").representations_to == "headteacher"


def test_a_step_that_notifies_makes_a_notice_due_and_its_ban_uses_the_steps_period() -> None:
    policy = read_policy(tomllib.loads(BASE)["policy"])
    from casework.cases import Severity
    from casework.config import Periods
    from casework.people import Subject

    case, _ = open_case(
        "C-2026-0001", policy, summary="Shouted", subjects=[Subject("p-1", "Pat")],
        reporter="office", behaviours=["shouting"], severity=Severity.LOW, actor="o", at=FIXED,
    )
    events = move(policy, case, "tell-chair", actor=HEAD, at=FIXED, today=FIXED.date(), periods=Periods())
    assert [e.type.value for e in events] == ["step-changed", "notice-due"]
    assert events[1].data.to == ("chair", "dsl", "clerk@school.example")  # type: ignore[attr-defined]
    events = move(
        policy, case, "ban", actor=HEAD, at=FIXED, today=FIXED.date(), periods=Periods(),
        reason="serious", fields={"reasons": "Threats"},
    )
    ban = events[1].data.ban  # type: ignore[attr-defined]
    assert (ban.representations_deadline - FIXED.date()).days == 20


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('label = "Start"\n', 'label = "Start"\nwhen = { meeting-refussed = "warn" }\n'),
            "policy.steps[0].when.meeting-refussed: is not an event; expected one of "
            "meeting-refused",
        ),
        (
            ('letter = "warning"', 'letter = "warnign"'),
            "policy.steps[2].letter: unknown letter kind 'warnign'; expected one of "
            "information-request, warning, meeting-invitation, stop-and-warn, ban-provisional, "
            "ban-intent, ban-confirmed, ban-review, ban-lifted",
        ),
        (
            ('letter = "warning"', 'letter = "warning"\nletter_options = { meeting_whit = "chair" }'),
            "policy.steps[2].letter_options.meeting_whit: unused: the warning letter reads no "
            "field 'meeting_whit'",
        ),
        (
            ('notify = ["chair",', 'notify = ["chiar",'),
            "policy.steps[1].notify: expected a role (headteacher, chair, dsl, office, deputy, "
            "senior-staff) or an email address, got 'chiar'",
        ),
        (
            ('signed_by = "chair"', 'signed_by = "dsl"'),
            'policy.steps[2].signed_by: expected one of "headteacher", "chair", got "dsl"',
        ),
        (
            ('first_step = "start"', 'first_step = "start"\nimmediate_ban = true'),
            "policy.immediate_ban: no longer used",
        ),
    ],
)
def test_each_mistake_is_named(change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in BASE
    found = problems(BASE.replace(old, new, 1))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_schools_letter_kind_cannot_take_a_built_in_name() -> None:
    toml = BASE + """
[[policy.letter_kinds]]
id = "warning"
label = "Our warning"
template = "our-warning.html.j2"
"""
    assert problems(toml) == [
        "policy.letter_kinds[0].id: 'warning' is a built-in letter kind; choose another id"
    ]


def test_a_step_may_write_a_letter_of_the_schools_own_kind() -> None:
    toml = BASE.replace('letter = "ban-intent"', 'letter = "ban-intent"') + """
[[policy.letter_kinds]]
id = "appeal-outcome"
label = "Outcome of your appeal"
template = "appeal-outcome.html.j2"
required = ["appeal_result"]
cy = { label = "Canlyniad eich apêl" }
"""
    toml = toml.replace('letter = "warning"', 'letter = "appeal-outcome"\nletter_options = { panel = "x" }')
    policy = read_policy(tomllib.loads(toml)["policy"])
    kind = policy.letter_kind("appeal-outcome")
    assert kind is not None and kind.words.subject == "Outcome of your appeal"
    assert kind.words.about == "outcome of your appeal"
    assert kind.words_in("cy").label == "Canlyniad eich apêl"
    # Options of a school's own kind are checked against its template by `conduct check`.
    assert dict(policy.step("warn").letter_options) == {"panel": "x"}


@pytest.mark.parametrize("preset", PRESETS)
def test_a_preset_pastes_into_config_toml_as_it_is(tmp_path: Path, preset: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(SCHOOL + preset_text(preset), encoding="utf-8")
    assert load_config(path).policy == load_preset(preset)


@pytest.mark.parametrize("preset", PRESETS)
def test_policy_new_is_complete_and_valid_in_config_toml(tmp_path: Path, preset: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(SCHOOL + new_policy_text(preset, "our-code", "Our code of conduct"), "utf-8")
    policy = load_config(path).policy
    assert (policy.id, policy.name) == ("our-code", "Our code of conduct")
    assert policy.steps == load_preset(preset).steps
    with pytest.raises(ConfigError, match="lower-case letters"):
        new_policy_text(preset, "Our Code")
