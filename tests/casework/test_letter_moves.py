"""Who may move a letter, and where to: the one rule every screen and command asks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casework.config import load_config
from casework.outbox import (
    MOVES,
    LetterMove,
    LetterRecord,
    LetterStateError,
    LetterStatus,
    allowed_moves,
    check_move,
    may_approve,
    moved,
    moves_for,
    needs_approval,
)
from casework.people import Channel
from casework.policy import load_preset
from casework.staff import Actor, Role, StaffMember, StaffRegister, current_actor
from casework.tomlread import ConfigError
from tests.support.school import write_config

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
OFFICE = Actor("Olive Office", Role.OFFICE)
HEAD = Actor("Mrs Helen Head", Role.HEADTEACHER)
SENIOR = Actor("Mr Sam Senior", Role.SENIOR_STAFF)
M = LetterMove
S = LetterStatus


def letter(status: LetterStatus = S.DRAFTED, approval: bool = True) -> LetterRecord:
    return LetterRecord(
        id="L1",
        case_ref="C-2026-0001",
        kind="warning",
        status=status,
        created=NOW,
        recipient_name="Pat Parent",
        recipient_email="pat@example.org",
        channel=Channel.EMAIL,
        pdf_sha256="0" * 64,
        needs_approval=approval,
    )


# (status, needs approval) -> moves for the office, and for the headteacher.
TABLE = [
    (S.DRAFTED, True, (M.SUBMIT, M.CANCEL), (M.APPROVE, M.CANCEL)),
    (S.DRAFTED, False, (M.QUEUE, M.CANCEL), (M.QUEUE, M.CANCEL)),
    (S.AWAITING_APPROVAL, True, (M.CANCEL,), (M.APPROVE, M.CANCEL)),
    (S.APPROVED, True, (M.QUEUE, M.CANCEL), (M.QUEUE, M.CANCEL)),
    # Queued: the daemon's now, but the office may still stop it.
    (S.QUEUED, True, (M.CANCEL,), (M.CANCEL,)),
    (S.SENDING, False, (), ()),
    (S.FAILED, True, (M.RETRY, M.CANCEL), (M.RETRY, M.CANCEL)),
    # It may have arrived: the office confirms it did, sends it again, or lets it be.
    (
        S.OUTCOME_UNKNOWN,
        True,
        (M.RETRY, M.CONFIRM_SENT, M.CANCEL),
        (M.RETRY, M.CONFIRM_SENT, M.CANCEL),
    ),
    # Its moment passed before it went: send it anyway, or cancel it.
    (S.HELD, True, (M.RETRY, M.CANCEL), (M.RETRY, M.CANCEL)),
    (S.TO_POST, False, (M.POSTED, M.CANCEL), (M.POSTED, M.CANCEL)),
    (S.SENT, True, (), ()),
    (S.POSTED, False, (), ()),
    (S.CANCELLED, True, (), ()),
]


@pytest.mark.parametrize(("status", "approval", "office", "head"), TABLE)
def test_each_state_offers_each_role_exactly_these_moves(
    status: LetterStatus,
    approval: bool,
    office: tuple[LetterMove, ...],
    head: tuple[LetterMove, ...],
) -> None:
    assert allowed_moves(letter(status, approval), OFFICE) == office
    assert allowed_moves(letter(status, approval), SENIOR) == office
    assert allowed_moves(letter(status, approval), HEAD) == head
    assert moves_for(status, approval, HEAD) == head


def test_every_status_is_in_the_table() -> None:
    assert {row[0] for row in TABLE} == set(LetterStatus)


def test_only_the_headteacher_or_deputy_approves() -> None:
    assert [r for r in Role if may_approve(Actor("x", r))] == [Role.HEADTEACHER, Role.DEPUTY]
    with pytest.raises(LetterStateError) as err:
        check_move(letter(S.AWAITING_APPROVAL), M.APPROVE, OFFICE)
    assert str(err.value) == (
        "letter L1 (warning) cannot be approved: only the deputy or the headteacher may; "
        "you are Olive Office (office)"
    )
    # A letter whose step names the Chair as approver is the Chair's, not the head's.
    chairs = replace(letter(S.AWAITING_APPROVAL), approvers=("chair",))
    assert M.APPROVE in allowed_moves(chairs, Actor("cchair", Role.CHAIR))
    assert M.APPROVE not in allowed_moves(chairs, HEAD)
    # Someone not on the staff register may do nothing with a letter.
    assert allowed_moves(letter(S.DRAFTED, approval=False), Actor("bob", None)) == ()
    assert check_move(letter(S.AWAITING_APPROVAL), M.APPROVE, HEAD) is S.APPROVED


def test_a_letter_needing_approval_is_not_queued_before_it() -> None:
    with pytest.raises(LetterStateError, match="needs the approval of the deputy or the headteacher first"):
        check_move(letter(S.DRAFTED, approval=True), M.QUEUE, HEAD)
    assert check_move(letter(S.DRAFTED, approval=False), M.QUEUE, OFFICE) is S.QUEUED


def test_the_head_does_not_ask_herself_and_nobody_approves_what_needs_no_approval() -> None:
    with pytest.raises(LetterStateError, match="you may approve it yourself"):
        check_move(letter(S.DRAFTED), M.SUBMIT, HEAD)
    with pytest.raises(LetterStateError, match="it needs no approval"):
        check_move(letter(S.DRAFTED, approval=False), M.APPROVE, HEAD)
    with pytest.raises(LetterStateError, match="cannot be retried: it is sent"):
        check_move(letter(S.SENT), M.RETRY, HEAD)


def test_the_senders_moves_are_never_offered_to_a_person() -> None:
    senders = {m for m, rule in MOVES.items() if not rule.by_person}
    assert senders == {M.CLAIM, M.SENT, M.DEFER, M.FAIL, M.TO_POST, M.HOLD, M.HOLD_BACK}
    for status in LetterStatus:
        for approval in (True, False):
            assert not senders & set(moves_for(status, approval, HEAD))


def test_what_each_move_records() -> None:
    approved = moved(letter(S.AWAITING_APPROVAL), M.APPROVE, HEAD, NOW)
    assert (approved.status, approved.approved_by) == (S.APPROVED, "Mrs Helen Head")
    queued = moved(approved, M.QUEUE, OFFICE, NOW)
    claimed = moved(queued, M.CLAIM, OFFICE, NOW, message_id="<a@school>")
    assert (claimed.status, claimed.message_id, claimed.attempts) == (S.SENDING, "<a@school>", 1)
    later = NOW + timedelta(minutes=5)
    deferred = moved(claimed, M.DEFER, OFFICE, NOW, error="421 busy", retry_at=later)
    assert (deferred.status, deferred.last_error, deferred.next_attempt) == (
        S.QUEUED,
        "421 busy",
        later,
    )
    again = moved(deferred, M.CLAIM, OFFICE, NOW, message_id="<b@school>")
    # The first Message-ID is kept: a resend is recognisable as the same letter.
    assert (again.message_id, again.attempts) == ("<a@school>", 2)
    failed = moved(again, M.FAIL, OFFICE, NOW, error="550 no such user")
    retried = moved(failed, M.RETRY, OFFICE, NOW)
    assert (retried.status, retried.last_error, retried.next_attempt) == (S.QUEUED, "", None)
    sent = moved(moved(retried, M.CLAIM, OFFICE, NOW), M.SENT, OFFICE, later)
    assert (sent.status, sent.sent_at) == (S.SENT, later)


def test_which_letters_need_the_headteacher_follow_the_policy() -> None:
    warning_first = load_preset("warning-first")
    approved_kinds = {s.letter for s in warning_first.steps if s.approval}
    assert "warning" in approved_kinds and "information-request" not in approved_kinds
    assert needs_approval(warning_first, "warning") is True
    assert needs_approval(warning_first, "information-request") is False


def test_the_actor_is_the_account_with_its_role_on_the_register() -> None:
    office = StaffMember("ooffice", "Olive Office", "office@stockham.sch.uk", Role.OFFICE)
    register = StaffRegister((office,), shared=True)
    assert current_actor(register, "ooffice") == Actor("ooffice", Role.OFFICE)
    # Not on the register of a shared install: no role, so no step and no letter move.
    assert current_actor(register, "stranger") == Actor("stranger", None)
    # A single-user install with nobody registered yet: its one user is the headteacher.
    assert current_actor(StaffRegister(), "helen") == Actor("helen", Role.HEADTEACHER)
    assert current_actor(StaffRegister(shared=True), "helen").role is None


def test_operator_in_config_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = write_config(tmp_path, "warning-first", '[operator]\nrole = "headteacher"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "operator: no longer used" in str(err.value) and "conduct staff add" in str(err.value)


def test_an_actor_has_a_name_and_a_known_role() -> None:
    with pytest.raises(ValueError, match="needs a name"):
        Actor(" ")
    with pytest.raises(ValueError):
        Actor("x", "caretaker")  # type: ignore[arg-type]


def test_a_held_letter_keeps_its_facts_until_the_office_decides() -> None:
    claimed = moved(letter(S.QUEUED), M.CLAIM, OFFICE, NOW, message_id="<h@school>")
    at_dot = replace(claimed, dot_sent_at=NOW)
    held = moved(at_dot, M.HOLD, OFFICE, NOW, error="Outcome unknown: no answer")
    assert (held.status, held.last_error, held.dot_sent_at) == (
        S.OUTCOME_UNKNOWN,
        "Outcome unknown: no answer",
        NOW,
    )
    confirmed = moved(held, M.CONFIRM_SENT, OFFICE, NOW)
    assert (confirmed.status, confirmed.sent_at, confirmed.dot_sent_at) == (S.SENT, NOW, None)
    again = moved(held, M.RETRY, OFFICE, NOW)
    assert (again.status, again.last_error, again.dot_sent_at) == (S.QUEUED, "", None)
    assert again.message_id == "<h@school>"  # the same letter, so one thread for the parent


def test_a_letter_for_the_post_without_an_address_is_never_queued() -> None:
    unaddressed = replace(letter(S.APPROVED), channel=Channel.POST)
    assert allowed_moves(unaddressed, HEAD) == (M.CANCEL,)
    with pytest.raises(LetterStateError, match="goes by post and has no postal address"):
        check_move(unaddressed, M.QUEUE, HEAD)
    addressed = replace(unaddressed, recipient_address=("1 Road", "Town"))
    assert check_move(addressed, M.QUEUE, HEAD) is S.QUEUED
    no_email = replace(letter(S.APPROVED), recipient_email=None)
    assert M.QUEUE not in allowed_moves(no_email, HEAD), "no email address: it goes by post"


def test_a_letter_sent_anyway_after_a_hold_remembers_who_said_so() -> None:
    held = moved(letter(S.QUEUED), M.HOLD_BACK, OFFICE, NOW, error="its meeting is past")
    assert (held.status, held.last_error) == (S.HELD, "its meeting is past")
    again = moved(held, M.RETRY, HEAD, NOW)
    assert (again.status, again.confirmed_by, again.queued_at) == (S.QUEUED, HEAD.name, NOW)
