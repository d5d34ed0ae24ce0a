"""build_context: what it fills from the config and the case."""

from __future__ import annotations

from datetime import date, time

from casework.letter_context import build_context, uk_day, uk_time
from casework.policy import load_preset
from tests.support.letters import TODAY, make_case, make_config, make_person


def test_context_from_config_case_and_person(logo):
    config = make_config("meeting-first", logo)
    person = make_person()
    case = make_case("ban-provisional", config, person)
    ctx = build_context(config, case, person, "ban-provisional", {}, TODAY)
    assert ctx.school.name == "Stockham Primary School"
    assert ctx.signatory.name == "Mrs Helen Carter"
    assert ctx.recipient.address == ("14 Orchard Close", "Wantage", "OX12 8QQ")
    assert [c.described for c in ctx.recipient.children] == [
        "Amy Smith (Year 3)",
        "Ben Smith (Reception)",
    ]
    assert ctx.case.ref == "C-2026-0007"
    policy = load_preset("meeting-first")
    assert [b.label for b in ctx.case.behaviours] == [
        policy.behaviour("offensive-language").label,
        policy.behaviour("disruption").label,
    ]
    assert ctx.incident_date == date(2026, 2, 24)
    assert ctx.ban is not None and ctx.ban.review_on == case.bans[-1].review_on
    assert ctx.ban.representations_to == ""  # the ban says nothing: the policy decides
    assert (ctx.representations_to.name, ctx.representations_to.title) == (
        "Mrs Helen Carter",
        "Headteacher",
    )
    assert ctx.periods.representations_days == 10
    mapping = ctx.as_mapping()
    assert mapping["recipient"] is ctx.recipient and "fields" in mapping


def test_no_person_uses_the_case_subject(logo):
    config = make_config("warning-first", logo)
    case = make_case("warning", config, make_person("Sam Jones"))
    ctx = build_context(config, case, None, "warning", {}, TODAY)
    assert ctx.recipient.name == "Sam Jones"
    assert ctx.recipient.address == ()
    assert ctx.recipient.salutation == "Dear Sam Jones"


def test_meeting_comes_from_the_case(logo):
    config = make_config("meeting-first", logo)
    person = make_person()
    case = make_case("meeting-invitation", config, person, step="meeting-invitation")
    ctx = build_context(config, case, person, "meeting-invitation", {}, TODAY)
    assert (ctx.meeting_date, ctx.meeting_time) == (date(2026, 3, 10), time(15, 30))
    assert ctx.meeting_with == "formal"


def test_uk_day_and_time():
    assert uk_day(date(2026, 3, 10)) == "Tuesday 10 March 2026"
    assert uk_time(time(15, 30)) == "3:30pm"
    assert uk_time(time(10, 0)) == "10am"
    assert uk_time(time(12, 0)) == "midday"
