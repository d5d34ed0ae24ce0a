"""A ban's dated record: decided only when the guidance allows, its dates never contradicting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.clock import Clock
from casework.events import EventType
from casework.fold import CaseRuleError
from casework.payloads import Representations
from store.casebook import Casebook
from tests.support.clock import FIXED
from tests.support.school import MakeConfig


def book_at(make_config: MakeConfig, days: int = 0) -> Casebook:
    return Casebook(make_config("warning-first"), clock=Clock.fixed(FIXED + timedelta(days=days)))


def test_a_notice_of_intent_is_confirmed_only_after_its_deadline_or_representations(
    make_config: MakeConfig,
) -> None:
    book = book_at(make_config)
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Swore")
    ban = book.step(case.ref, "ban-intent", fields={"reasons": "Shouting"}).bans[0]
    assert ban.representations_deadline == date(2026, 3, 20)
    with pytest.raises(CaseRuleError, match="the deadline for representations is 2026-03-20"):
        book_at(make_config, 3).step(case.ref, "ban-confirmed")
    with pytest.raises(CaseRuleError, match="deadline for representations"):
        book_at(make_config, 10).step(case.ref, "ban-confirmed")  # on the deadline day itself
    after = book_at(make_config, 11).step(case.ref, "ban-confirmed").bans[0]
    # A notice of intent bars nobody until the decision: it starts the day it is confirmed.
    assert (after.confirmed_on, after.starts_on) == (date(2026, 3, 21), date(2026, 3, 21))
    assert after.ends_on - after.starts_on == ban.ends_on - ban.starts_on
    assert after.review_on > after.starts_on


def test_representations_received_allow_an_earlier_decision_and_are_on_the_record(
    make_config: MakeConfig,
) -> None:
    book = book_at(make_config)
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Swore")
    book.step(case.ref, "ban-intent", fields={"reasons": "Shouting"})
    later = book_at(make_config, 3)
    later.add(
        case.ref,
        EventType.REPRESENTATIONS_RECEIVED,
        "Letter from Pat",
        Representations("I dispute the second incident", date(2026, 3, 12)),
    )
    ban = later.step(case.ref, "ban-confirmed").bans[0]
    assert ban.representations_received == (date(2026, 3, 12),)
    assert ban.confirmed_on == date(2026, 3, 13) == ban.starts_on


def test_a_lift_never_ends_a_ban_before_it_began(make_config: MakeConfig) -> None:
    book = book_at(make_config)
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Swore")
    book.step(case.ref, "ban-intent", fields={"reasons": "Shouting"})
    later = book_at(make_config, 2)
    with pytest.raises(CaseRuleError, match="reason: lifting a ban states why"):
        later.step(case.ref, "ban-lifted")
    ban = later.step(case.ref, "ban-lifted", fields={"reason": "Apologised in person"}).bans[0]
    assert ban.lifted_on == date(2026, 3, 12)
    assert ban.lift_reason == "Apologised in person"
    assert ban.ends_on >= ban.starts_on, "no 'from 20 March until 12 March'"


def test_an_intended_ban_is_decided_before_it_is_reviewed(make_config: MakeConfig) -> None:
    book = book_at(make_config)
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Swore")
    book.step(case.ref, "ban-intent", fields={"reasons": "Shouting"})
    with pytest.raises(CaseRuleError, match="only intended"):
        book.step(case.ref, "ban-review", reason="a review", fields={"outcome": "continued"})


def test_each_review_is_on_the_record(make_config: MakeConfig) -> None:
    book = book_at(make_config)
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Swore")
    book.step(case.ref, "ban-provisional", fields={"reasons": "Threats"})
    at_20 = book_at(make_config, 20)
    with pytest.raises(CaseRuleError, match="reason: a review states why"):
        at_20.step(case.ref, "ban-review", fields={"outcome": "continued"})
    continued = {"outcome": "continued", "next_review_on": "2026-05-01", "reason": "Still shouting"}
    at_20.step(case.ref, "ban-review", fields=continued)
    lifted = {"outcome": "lifted", "reason": "No incidents since"}
    ban = book_at(make_config, 50).step(case.ref, "ban-review", fields=lifted).bans[0]
    assert [(r.on, r.outcome, r.next_review_on, r.reason) for r in ban.review_log] == [
        (date(2026, 3, 30), "continued", date(2026, 5, 1), "Still shouting"),
        (date(2026, 4, 29), "lifted", None, "No incidents since"),
    ]
    assert ban.lift_reason == "No incidents since"
    assert ban.lifted_on == date(2026, 4, 29) == ban.ends_on


def test_a_ban_states_the_heads_reasons_never_the_case_summary(make_config: MakeConfig) -> None:
    book = book_at(make_config)
    subject = "Fwd: FW: incident at gate!!"  # the email the case was opened from
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary=subject)
    with pytest.raises(CaseRuleError, match="reasons: a ban states its reasons in the headteacher"):
        book.step(case.ref, "ban-provisional")
    assert book.get(case.ref).bans == () and book.get(case.ref).step == "gather-information"
    ban = book.step(case.ref, "ban-provisional", fields={"reasons": " Shouted at staff "}).bans[0]
    assert ban.reasons == "Shouted at staff"
