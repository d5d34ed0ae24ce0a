"""Case rules: the ladder, bans, harassment and the defamation time limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from casework.bans import BanKind, BanRuleError, BanStatus, check_ban, proposed_ban
from casework.cases import IncidentMark
from casework.config import Periods
from casework.events import EventType
from casework.fold import CaseRuleError
from casework.ladder import StepOrderError
from casework.payloads import Incident, MeetingOutcome
from casework.rules import defamation_limit, harassment_targets, limitation_date, next_due
from store.casebook import Casebook
from tests.support.school import MakeConfig


def test_out_of_order_step_needs_a_reason(make_config: MakeConfig) -> None:
    book = Casebook(make_config("meeting-first"))
    case = book.open_case(name="Pat Parent", behaviours=["dogs"], summary="Dog again")
    with pytest.raises(StepOrderError, match="does not follow 'report'"):
        book.step(case.ref, "stop-and-warn")
    moved = book.step(
        case.ref, "stop-and-warn", reason="Head asked to escalate: third report this week"
    )
    assert moved.step == "stop-and-warn"
    last = book.file(case.ref).events[-1]
    assert last.type is EventType.STEP_CHANGED
    assert last.data.in_order is False and "third report" in last.data.reason


def test_refused_meeting_suggests_stop_and_warn(make_config: MakeConfig) -> None:
    book = Casebook(make_config("meeting-first"))
    case = book.open_case(name="Pat", behaviours=["dogs"], summary="Dog on site")
    assert book.file(case.ref).suggestion.step == "meeting-invitation"  # type: ignore[union-attr]
    book.step(case.ref, "meeting-invitation")
    book.add(case.ref, EventType.MEETING_REFUSED, "Refused to attend", MeetingOutcome())
    suggestion = book.file(case.ref).suggestion
    assert suggestion is not None and suggestion.step == "stop-and-warn"


def test_criminal_behaviour_suggests_the_police_first(make_config: MakeConfig) -> None:
    book = Casebook(make_config("meeting-first"))
    case = book.open_case(name="Pat", behaviours=["threats"], summary="Threatened a teacher")
    suggestion = book.file(case.ref).suggestion
    assert suggestion is not None and suggestion.step == "referral-police"


def test_second_incident_toward_same_target_raises_harassment(book: Casebook) -> None:
    first = book.open_case(
        name="Sam Smith", email="sam@example.org", behaviours=["swearing"], summary="a"
    )
    book.add(
        first.ref,
        EventType.INCIDENT,
        "Swore at Mrs Khan",
        Incident("Swore at Mrs Khan", date(2026, 10, 1), "Mrs Khan", ("swearing",)),
    )
    assert "harassment" not in book.get(first.ref).flags
    # A separate case about the same parent, toward the same person, written differently.
    second = book.open_case(
        name="Sam Smith", email="SAM@example.org", behaviours=["threats"], summary="b"
    )
    book.add(
        second.ref,
        EventType.INCIDENT,
        "Threatened Mrs Khan",
        Incident("Threatened Mrs Khan", date(2026, 10, 8), "mrs  khan", ("threats",)),
    )
    assert "harassment" in book.get(second.ref).flags
    # Another parent toward the same target is not a course of conduct by one person.
    other = book.open_case(name="Alex Other", behaviours=["swearing"], summary="c")
    book.add(
        other.ref,
        EventType.INCIDENT,
        "Swore at Mrs Khan",
        Incident("Swore at Mrs Khan", date(2026, 10, 9), "Mrs Khan"),
    )
    assert "harassment" not in book.get(other.ref).flags


def test_the_harassment_flag_suggests_the_police_as_seed_000_says(
    make_config: MakeConfig,
) -> None:
    # Seed 000: "anything that could be seen as a sign of harassment" goes to the police.
    book = Casebook(make_config("meeting-first"))
    case = book.open_case(name="Pat", behaviours=["offensive-language"], summary="Shouted")
    assert book.file(case.ref).suggestion.step == "meeting-invitation"  # type: ignore[union-attr]
    for day in (1, 8):
        book.add(
            case.ref,
            EventType.INCIDENT,
            "Shouted at Mrs Khan",
            Incident("Shouted at Mrs Khan", date(2026, 10, day), "Mrs Khan"),
        )
    assert "harassment" in book.get(case.ref).flags
    suggestion = book.file(case.ref).suggestion
    assert suggestion is not None and suggestion.step == "referral-police"
    assert "harassment" in suggestion.why
    # Once referred, the ladder carries on.
    book.step(case.ref, "referral-police", fields={"reference": "TVP-1"})
    suggestion = book.file(case.ref).suggestion
    assert suggestion is None or suggestion.step != "referral-police"


def test_a_ban_step_without_a_ban_is_refused(book: Casebook) -> None:
    case = book.open_case(name="Pat", behaviours=["swearing"], summary="x")
    with pytest.raises(CaseRuleError, match="no ban in place"):
        book.step(case.ref, "ban-review", reason="testing")


def test_social_media_incident_shows_the_date_one_year_on(book: Casebook) -> None:
    case = book.open_case(name="Pat", behaviours=["defamatory-posts"], summary="Facebook post")
    book.add(
        case.ref,
        EventType.INCIDENT,
        "Post naming the class teacher",
        Incident(
            "Post naming the class teacher",
            date(2026, 3, 1),
            "Mr Teacher",
            ("defamatory-posts",),
            published_on=date(2026, 3, 1),
        ),
    )
    due = next_due(book.get(case.ref), date(2026, 4, 1), book.config.policy)
    assert due is not None and due.on == date(2027, 3, 1) and due.what == "defamation time limit"
    assert limitation_date(date(2028, 2, 29)) == date(2029, 2, 28)


def test_a_photo_upload_has_no_defamation_time_limit(make_config: MakeConfig, clock) -> None:
    # Posting images of pupils is an online activity (seed 000), but not a libel: its
    # publication date is kept, and no defamation limit is shown for it.
    book = Casebook(make_config("meeting-first"), clock=clock)
    case = book.open_case(name="Pat", behaviours=["pupil-images"], summary="Photos on Facebook")
    incident = Incident(
        "Class photo posted",
        date(2026, 3, 1),
        "Year 3",
        ("pupil-images",),
        published_on=date(2026, 3, 1),
    )
    book.add(case.ref, EventType.INCIDENT, "Class photo posted", incident)
    current = book.get(case.ref)
    policy = book.config.policy
    assert next_due(current, date(2026, 4, 1), policy) is None
    assert defamation_limit(policy, current, current.incidents[0]) is None
    # The same publication under a defamation-route behaviour does have one.
    libel = replace(current.incidents[0], behaviours=("defamatory-posts",))
    assert defamation_limit(policy, current, libel) == date(2027, 3, 1)


def test_ban_rules_follow_the_guidance() -> None:
    periods = Periods(representations_days=10, ban_length_days=90, ban_review_days=28)
    today = date(2026, 11, 2)
    intent = proposed_ban("B1", "p-1", "Pat", BanKind.INTENT, today, periods, reasons="Threats")
    assert intent.status is BanStatus.INTENDED
    assert intent.representations_deadline == today + timedelta(days=10)
    assert not intent.in_force(today)  # notice of intent bars nobody yet
    provisional = proposed_ban("B2", "p-1", "Pat", BanKind.PROVISIONAL, today, periods, reasons="x")
    assert provisional.in_force(today) and provisional.review_on == today + timedelta(days=28)
    from dataclasses import replace

    with pytest.raises(BanRuleError, match="representations deadline"):
        check_ban(replace(intent, representations_deadline=None))
    with pytest.raises(BanRuleError, match="review date"):
        check_ban(replace(provisional, review_on=provisional.ends_on + timedelta(days=1)))


def test_harassment_needs_two_incidents_to_the_same_target() -> None:
    def mark(target: str) -> IncidentMark:
        return IncidentMark("e", date(2026, 1, 1), target, ())

    assert harassment_targets([mark("A"), mark("B")]) == []
    assert harassment_targets([mark("A"), mark(" a ")]) == ["A"]
