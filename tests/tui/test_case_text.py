"""The case screen's texts and forms, built from a case file without running the app."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casework.config import Config, load_config
from casework.events import EventType
from casework.payloads import PayloadError
from conduct.demo_seed import seed_demo_cases
from store.casebook import Casebook, CaseFile
from tests.support.clock import FIXED_CLOCK
from tests.support.school import write_config
from tui import forms, ladder_forms
from tui.case_text import ALERT, ladder_text, person_text, summary_text

TODAY = FIXED_CLOCK.today()  # Tuesday 10 March 2026


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Config, dict[str, CaseFile]]:
    """The demo's four cases on the warning-first ladder, by the name of the person."""
    config = load_config(write_config(tmp_path, "warning-first"))
    book = Casebook(config, clock=FIXED_CLOCK)
    files = [book.file(ref) for ref in seed_demo_cases(book)]
    return config, {f.case.subjects[0].name: f for f in files}


def test_summary_says_who_where_what_next_and_what_is_due(
    demo: tuple[Config, dict[str, CaseFile]],
) -> None:
    config, files = demo
    text = summary_text(config.policy, files["Lee Marsh"], TODAY)
    assert text.plain.splitlines() == [
        "C-2026-0004  Lee Marsh  · open · serious",
        "Threatened the office manager at the front desk",
        "Step: Ban reviewed: continued or lifted",
        # The review's letter has not gone: the ladder waits rather than propose another review.
        "Waiting for: the ban-review letter to be sent",
        "Behaviours: threats, aggression   Due: 26 Mar 2026 ban review",
        "Ban: confirmed, 11 Jan 2026 to 11 Apr 2026, review 26 Mar 2026",
    ]
    # Not overdue on 10 March; red once the review date has gone.
    assert not [s for s in text.spans if s.style == ALERT]
    late = summary_text(config.policy, files["Lee Marsh"], TODAY.replace(month=4, day=1))
    red = [late.plain[s.start : s.end] for s in late.spans if s.style == ALERT]
    assert red == [
        "26 Mar 2026 ban review",
        "confirmed, 11 Jan 2026 to 11 Apr 2026, review 26 Mar 2026",
    ]


def test_person_text_lists_contact_details_children_and_the_signed_code(
    demo: tuple[Config, dict[str, CaseFile]],
) -> None:
    _, files = demo
    assert person_text(files["Dana Whitlock"]).plain.splitlines() == [
        "Dana Whitlock",
        "  Email:           dana.whitlock@example.org",
        "  Phone:           07700 900123",
        "  Address:         14 Orchard Close, Exampleton, EX2 4QT",
        "  Letters by:      email",
        "  Code of conduct: signed on 4 Sep 2025",
        "  Children:",
        "    Milo Whitlock — Year 3 (Kestrels)",
        "  P edits these details.",
        "",
    ]


def test_ladder_marks_current_suggested_following_and_out_of_order_steps(
    demo: tuple[Config, dict[str, CaseFile]],
) -> None:
    config, files = demo
    lines = ladder_text(config.policy, files["Sam Okafor"], TODAY).plain.splitlines()
    marks = {line.split()[1]: line.split()[0] for line in lines if line.startswith(" ")}
    assert marks["meeting-chair"] == "▶"
    # The meeting has not happened (nor its letter gone): nothing is suggested yet.
    assert "★" not in marks.values()
    assert marks["ban-intent"] == "→"
    assert marks["ban-provisional"] == "→" and marks["close"] == "→"
    assert marks["warning"] == "·" and marks["ban-confirmed"] == "·"
    assert "  16 Mar 2026 15:30  Headteacher's office  no outcome yet" in lines
    assert "Published 17 Feb 2026: a defamation claim must start by 17 Feb 2027." in lines


def test_text_from_outside_is_never_markup(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "warning-first"))
    book = Casebook(config, clock=FIXED_CLOCK)
    case = book.open_case(name="[red]Pat[/red]", behaviours=["swearing"], summary="[b]x[/b]")
    text = summary_text(config.policy, book.file(case.ref), TODAY)
    assert "[red]Pat[/red]" in text.plain and "[b]x[/b]" in text.plain


def test_the_step_form_offers_the_suggestion_first_then_what_follows(
    demo: tuple[Config, dict[str, CaseFile]],
) -> None:
    config, files = demo
    form = ladder_forms.take_step(config.policy, files["Sam Okafor"])
    (step,) = form.fields
    # Nothing is suggested before the meeting: the steps that follow come first, in order.
    assert step.value == "ban-provisional"
    assert "waiting for the meeting-invitation letter to be sent" in str(form.intro)
    tags = [label.rsplit("[", 1)[1].rstrip("]") for _, label in step.options]
    steps = [value for value, _ in step.options]
    assert steps[:5] == [
        "ban-provisional",
        "ban-intent",
        "referral-authorities",
        "referral-legal",
        "close",
    ]
    assert tags[:5] == ["next", "next", "next", "next", "next"]
    assert set(tags[5:]) == {"out of order"} and "meeting-chair" not in steps


def test_a_ban_form_is_prefilled_from_the_schools_periods(
    demo: tuple[Config, dict[str, CaseFile]],
) -> None:
    config, files = demo
    step = config.policy.step("ban-intent")
    form = ladder_forms.ban(step, files["Sam Okafor"], TODAY, config.periods)
    values = {f.name: f.value for f in form.fields}
    # A notice of intent bars nobody before the deadline for representations (10 days).
    assert values["representations_deadline"] == "2026-03-20"
    assert values["starts_on"] == "2026-03-20"
    assert values["review_on"] == "2026-04-17"  # 28 days on
    assert values["ends_on"] == "2026-06-18"  # 90 days on
    required = {f.name for f in form.fields if f.required}
    assert "representations_deadline" in required


def test_a_ban_forms_reasons_are_the_heads_to_write_never_the_case_summary(
    demo: tuple[Config, dict[str, CaseFile]],
) -> None:
    config, files = demo
    sam = files["Sam Okafor"]
    form = ladder_forms.ban(config.policy.step("ban-provisional"), sam, TODAY, config.periods)
    reasons = next(f for f in form.fields if f.name == "reasons")
    # The case's summary (an email's subject, often) is never offered as the ban's reasons.
    assert sam.case.summary and reasons.value != sam.case.summary
    assert reasons.value == "" and reasons.required


def test_answers_become_entries_as_the_command_line_would_record_them() -> None:
    outcome = forms.meeting_outcome_entry(
        {"outcome": "refused", "text": "Will not come in\nat all"}
    )
    assert (outcome.type, outcome.summary) == (
        EventType.MEETING_REFUSED,
        "Meeting refused: Will not come in",
    )
    meeting = forms.meeting_entry(
        {"on": "2026-03-16", "at": "15:30", "place": "Office", "attendees": ""}
    )
    assert meeting.summary == "Meeting on 16 Mar 2026 15:30 at Office"
    assert forms.strings(meeting.fields) == {"at": "2026-03-16T15:30", "place": "Office"}
    with pytest.raises(PayloadError, match="at"):
        forms.meeting_entry({"on": "2026-02-30", "at": "15:30", "place": "x", "attendees": ""})
    incident = forms.incident_entry(
        {
            "text": "Shouted",
            "occurred_on": "2026-03-09",
            "target": "",
            "behaviours": ("swearing", "aggression"),
            "published_on": "",
        }
    )
    assert forms.strings(incident.fields) == {
        "occurred_on": "2026-03-09",
        "behaviours": "swearing;aggression",
    }
    assert forms.first_line("x" * 80) == "x" * 69 + "…"


def test_a_meeting_is_offered_on_a_school_day_after_the_notice(
    demo: tuple[Config, dict[str, CaseFile]],
) -> None:
    config, files = demo
    # A Monday plus five days is a Saturday: the form offers the Monday after.
    assert forms.meeting_day(config, date(2026, 3, 9)) == date(2026, 3, 16)
    # Maundy Thursday plus five days is Easter Tuesday; Good Friday and Easter Monday are shut.
    assert forms.meeting_day(config, date(2026, 4, 2)) == date(2026, 4, 7)
    modal = forms.meeting(config, files["Dana Whitlock"], date(2026, 3, 9))
    values = {f.name: f.value for f in modal.fields}
    assert (values["on"], values["at"]) == ("2026-03-16", "15:30")
    assert forms.check_entry(
        forms.meeting_entry,
        config,
        date(2026, 3, 9),
        "gather-information",
        {**values, "on": "2026-03-14"},
    ) == (
        "meeting-scheduled: at: 2026-03-14 is a Saturday, not a school day; offer a school day "
        "within school hours, or say why in off_day_reason"
    )


def test_the_chair_meeting_form_names_the_chair_and_the_head(
    demo: tuple[Config, dict[str, CaseFile]],
) -> None:
    config, files = demo
    sam = files["Sam Okafor"]  # at meeting-chair
    modal = forms.meeting(config, sam, TODAY)
    values = {f.name: f.value for f in modal.fields}
    assert values["attendees"] == (
        "Mrs Helen Head, Headteacher; Mr Colin Chair, Chair of Governors"
    )
    only_head = {**values, "attendees": "Mrs Helen Head"}
    assert forms.check_entry(forms.meeting_entry, config, TODAY, sam.case.step, only_head) == (
        "meeting-scheduled: attendees: this step's meeting is with Mrs Helen Head and "
        "Mr Colin Chair; add Mr Colin Chair (names separated by ;)"
    )
    assert forms.check_entry(forms.meeting_entry, config, TODAY, sam.case.step, values) is None
