"""Who may take each step and approve each letter, role by role, as the policy (or the default) says."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from casework.authority import AuthorityError, approvers_for, check_step, may_take_step
from casework.outbox import LetterMove, LetterRecord, LetterStatus, allowed_moves
from casework.people import Channel
from casework.policy import load_preset, read_policy
from casework.staff import Actor, Role

WF = load_preset("warning-first")
BAN_STEPS = ("ban-provisional", "ban-intent", "ban-confirmed", "ban-review", "ban-lifted")
ORDINARY = ("warning", "meeting-senior", "meeting-chair", "referral-authorities", "close")

# What each role may do by default: ban decisions and approvals are the head's or deputy's.
EXPECTED = {
    Role.HEADTEACHER: (True, True, True),
    Role.DEPUTY: (True, True, True),
    Role.OFFICE: (True, False, False),
    Role.SENIOR_STAFF: (True, False, False),
    Role.DSL: (True, False, False),
    Role.CHAIR: (False, False, False),
}


def _letter(approvers: tuple[str, ...] = ()) -> LetterRecord:
    return LetterRecord(
        id="L1",
        case_ref="C-2026-0001",
        kind="ban-intent",
        status=LetterStatus.AWAITING_APPROVAL,
        created=datetime(2026, 3, 10, tzinfo=UTC),
        recipient_name="Pat",
        recipient_email="pat@example.org",
        channel=Channel.EMAIL,
        pdf_sha256="0" * 64,
        needs_approval=True,
        approvers=approvers,
    )


@pytest.mark.parametrize("role", list(Role))
def test_each_role_by_default(role: Role) -> None:
    actor = Actor(f"u-{role}", role)
    ordinary, bans, approves = EXPECTED[role]
    assert all(may_take_step(WF.step(s), actor) == ordinary for s in ORDINARY)
    assert all(may_take_step(WF.step(s), actor) == bans for s in BAN_STEPS)
    assert (LetterMove.APPROVE in allowed_moves(_letter(), actor)) == approves
    # Whoever may not approve may ask the head (submit); whoever may, approves instead.
    if role is not Role.CHAIR:
        assert (LetterMove.SUBMIT in allowed_moves(replace(_letter(), status=LetterStatus.DRAFTED), actor)) != approves


def test_a_refusal_says_who_may_and_what_to_do_instead() -> None:
    with pytest.raises(AuthorityError) as err:
        check_step(WF, "ban-confirmed", Actor("ooffice", Role.OFFICE))
    assert str(err.value).startswith(
        "only the deputy or the headteacher may take the step 'Ban confirmed after "
        "representations or the deadline'; you are ooffice (office): prepare it and ask them"
    )
    with pytest.raises(AuthorityError, match="not on the staff register.*conduct staff add bob"):
        check_step(WF, "warning", Actor("bob", None))


def test_a_policy_names_its_own_takers_and_approvers() -> None:
    source = {
        "id": "own",
        "name": "Own",
        "first_step": "start",
        "behaviours": [{"id": "shouting", "label": "Shouting"}],
        "steps": [
            {"id": "start", "label": "Start", "next": ["appeal"]},
            {
                "id": "appeal",
                "label": "Appeal heard by the Chair",
                "ban": "review",
                "letter": "ban-review",
                "approval": True,
                "taken_by": ["chair"],
                "approved_by": ["chair"],
            },
        ],
    }
    policy = read_policy(source)
    assert may_take_step(policy.step("appeal"), Actor("cchair", Role.CHAIR))
    assert not may_take_step(policy.step("appeal"), Actor("hhead", Role.HEADTEACHER))
    assert approvers_for(policy, "ban-review") == ("chair",)
    assert approvers_for(WF, "ban-review") == ("deputy", "headteacher")
    with pytest.raises(Exception, match="taken_by: expected roles"):
        read_policy({**source, "steps": [{**source["steps"][0], "taken_by": ["caretaker"]}]})
