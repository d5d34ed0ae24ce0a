"""Both presets' ladders walked through the dashboard, day by day, from the first report to the
lifted ban: every letter's words (read back from its PDF) are checked against the facts entered
through the dashboard, with the command-line walk's checks (tests/support/ladder_facts.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from casework.config import load_config
from casework.events import EventType
from casework.outbox import LetterMove, LetterStatus
from casework.payloads import StepChanged
from casework.staff import Actor, Role
from store.casebook import Casebook
from tests.support import ladder_facts as facts
from tests.support.day_clock import DayClock
from tests.support.ladder_facts import ACCOUNT, PARENT, SUBJECT_LINE
from tests.support.pilot import fill, press, settle
from tests.support.school import write_config
from tui.app import ConductApp
from tui.screens.case import CaseScreen
from tui.screens.form_modal import FormModal
from tui.screens.letter_modal import LetterModal
from tui.screens.people import PeopleScreen
from tui.screens.reason_modal import ReasonModal

HEAD, CHAIR = "Mrs Helen Head", "Mr Colin Chair"  # tests/support/school.py


async def open_new_case(pilot: Any, behaviours: list[str], summary: str = "Shouted at the gate",
                        name: str = "Pat Parent", email: str = "pat@example.org") -> str:
    """Open a case from the dashboard (n) and return its reference."""
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    await fill(pilot, {"name": name, "email": email, "behaviours": behaviours, "summary": summary})
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return screen.ref


async def take_step(pilot: Any, step: str, expect_suggested: bool = True) -> FormModal:
    await pilot.press("t")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, FormModal)
    if expect_suggested:
        assert modal.value_of(modal.fields[0]) == step, "the ladder's suggestion is preselected"
    return await fill(pilot, {"step": step})


def types(book: Casebook, ref: str) -> list[str]:
    return [e.type.value for e in book.file(ref).events]


def walk_app(tmp_path: Path, preset: str, day: str) -> tuple[ConductApp, DayClock]:
    """The dashboard on a fresh school, as the headteacher, on a clock the walk moves."""
    config = load_config(write_config(tmp_path, preset))
    days = DayClock(day)
    book = Casebook(config, clock=days.clock, actor=Actor(HEAD, Role.HEADTEACHER))
    return ConductApp(config, book=book), days


async def add_parent(pilot: Any) -> None:
    """The parent, entered in the people editor (P, n) before any report about them."""
    await settle(pilot)
    await press(pilot, "P")
    assert isinstance(pilot.app.screen, PeopleScreen)
    pilot.app.screen.query_one("#people-table").focus()
    await press(pilot, "n")
    await fill(
        pilot,
        {
            "name": PARENT.name,
            "emails": PARENT.email,
            "address": "\n".join(PARENT.address),
            "children": f"{PARENT.child}; {PARENT.child_class}; yes",
        },
    )
    await press(pilot, "escape")


async def step_to(pilot: Any, step: str, answers: dict[str, Any] | None = None,
                  reason: str = "") -> None:
    """Move the case (t), answering what the step asks; out of order, give ``reason``."""
    await press(pilot, "t")
    await fill(pilot, {"step": step})
    if answers is not None:
        await fill(pilot, answers)
    if isinstance(pilot.app.screen, ReasonModal):
        assert reason, f"{step} is out of order here"
        await pilot.press(*reason)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert isinstance(pilot.app.screen, CaseScreen), pilot.app.screen


async def preview_of(pilot: Any) -> LetterModal:
    """The letter modal in front, once its letter is rendered."""
    modal = pilot.app.screen
    assert isinstance(modal, LetterModal), modal
    for _ in range(600):  # WeasyPrint takes its time on a busy machine
        if modal.preview is not None or not modal.busy:
            break
        await pilot.pause(0.05)
    assert modal.preview is not None, modal.query_one("#letter-status").render()
    return modal


async def draft(pilot: Any, kind: str, answers: dict[str, Any] | None = None) -> LetterModal:
    """Draft the letter the ladder suggests (d), checking it is ``kind``; its preview."""
    await press(pilot, "d")
    form = pilot.app.screen
    assert isinstance(form, FormModal)
    assert form.value_of(form.fields[0]) == kind, "the step's letter is suggested"
    await fill(pilot, {})
    if isinstance(pilot.app.screen, FormModal):  # what the case does not record
        await fill(pilot, answers or {})
    return await preview_of(pilot)


async def send(pilot: Any, modal: LetterModal) -> None:
    """Approve and send (the head's key), or send where no approval is needed."""
    key = "a" if LetterMove.APPROVE in modal.moves else "g"
    await pilot.press(key)
    for _ in range(400):
        if pilot.app.screen is not modal:
            break
        await pilot.pause(0.05)
    await settle(pilot)
    assert isinstance(pilot.app.screen, CaseScreen)


async def letter_words(checked: list[str], pilot: Any, day: date, kind: str,
                       answers: dict[str, Any] | None = None) -> str:
    """Draft the letter, read its PDF back, check it is dated ``day`` and addressed to the
    parent entered, and send it; its words (also added to ``checked``)."""
    modal = await draft(pilot, kind, answers)
    assert modal.preview is not None
    text = facts.words(modal.preview.pdf)
    facts.recipient_checks(text, day)
    await send(pilot, modal)
    checked.append(text)
    return text


async def schedule(pilot: Any, on: str, at: str, place: str) -> list[str]:
    """Schedule the meeting (m) with whom the form offers for the step; those attendees."""
    await press(pilot, "m")
    form = pilot.app.screen
    assert isinstance(form, FormModal)
    attendees = str(form.value_of(next(f for f in form.fields if f.name == "attendees")))
    await fill(pilot, {"on": on, "at": at, "place": place})
    entered = [a.strip() for a in attendees.split(";") if a.strip()]
    # One attendee per name entered, commas and all ("Mrs H Head, Headteacher" is one person).
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    assert list(screen.desk.book.get(screen.ref).meetings[-1].attendees) == entered
    return entered


def sent_as_checked(app: ConductApp, ref: str, checked: list[str], out: Path) -> None:
    """Each letter kept is the one whose words were checked (written to ``out`` to look at)."""
    outbox = app.desk.outbox
    letters = app.desk.book.letters(ref)
    assert len(letters) == len(checked)
    for n, (letter, text) in enumerate(zip(letters, checked, strict=True), 1):
        pdf = outbox.pdf(letter)
        (out / f"{n}-{letter.kind}.pdf").write_bytes(pdf)
        assert facts.words(pdf) == text, f"the {letter.kind} letter kept is the one checked"


def ban_answers(reasons: str, starts: date, ends: date, review: date, deadline: date) -> dict[str, str]:
    """The ban form's answers: the head's reasons and every date typed in."""
    return {
        "reasons": reasons,
        "starts_on": starts.isoformat(),
        "ends_on": ends.isoformat(),
        "review_on": review.isoformat(),
        "representations_deadline": deadline.isoformat(),
    }


# A walk drafts and reads back five to seven letters (WeasyPrint each time): on a loaded
# shared machine that can pass the suite's 300 s limit for a hung test without anything hanging.
WALK_LIMIT = pytest.mark.timeout(900)


@WALK_LIMIT
async def test_warning_first_ladder_every_letter_states_the_facts_entered(tmp_path: Path) -> None:
    app, days = walk_app(tmp_path, "warning-first", "2026-03-09")
    book = app.desk.book
    checked: list[str] = []
    async with app.run_test(size=(110, 36)) as pilot:
        await add_parent(pilot)
        ref = await open_new_case(pilot, ["swearing", "temper-shouting"], SUBJECT_LINE)
        case_file = book.file(ref)
        assert case_file.people[0].address == PARENT.address, "the case found the parent's record"

        # No incident yet: the letter asks for the account; the email's subject is only offered.
        day = days.go("2026-03-10")
        await press(pilot, "d")
        await fill(pilot, {})
        details = pilot.app.screen
        assert isinstance(details, FormModal)
        summary_field = next(f for f in details.fields if f.name == "incident_summary")
        assert details.value_of(summary_field) == ""
        assert SUBJECT_LINE in summary_field.help
        await press(pilot, "escape")
        await press(pilot, "i")
        await fill(pilot, {"text": ACCOUNT, "occurred_on": "2026-03-09", "target": "Mrs Khan"})
        text = await letter_words(checked, pilot, day, "information-request")
        facts.incident_checks(text, ACCOUNT, date(2026, 3, 9))
        sent = book.letters(ref)[0]
        assert sent.status is LetterStatus.QUEUED and "attached" in sent.body_text.lower()

        day = days.go("2026-03-11")
        await step_to(pilot, "warning")
        text = await letter_words(checked, pilot, day, "warning")
        facts.incident_checks(text, ACCOUNT, date(2026, 3, 9))

        day = days.go("2026-03-12")
        await step_to(pilot, "meeting-senior")
        await step_to(pilot, "meeting-chair", reason="The head asked for the Chair")
        attendees = await schedule(pilot, "2026-03-24", "15:30", "Head's office")
        # The step says the Chair of Governors and the headteacher attend: the form offers both.
        assert set(attendees) == {f"{HEAD}, Headteacher", f"{CHAIR}, Chair of Governors"}
        text = await letter_words(checked, pilot, day, "meeting-invitation")
        facts.meeting_checks(text, datetime(2026, 3, 24, 15, 30), "Head's office", attendees)
        facts.incident_checks(text, ACCOUNT, date(2026, 3, 9))

        days.go("2026-03-24")
        await press(pilot, "o")
        await fill(pilot, {"outcome": "no-show", "text": "Did not come"})

        # A notice of intent, every date typed in.
        day = days.go("2026-03-25")
        reasons = "Repeated shouting and swearing at staff at the gate"
        starts, ends = date(2026, 3, 25), date(2026, 7, 17)
        review, deadline = date(2026, 4, 24), date(2026, 4, 3)
        await press(pilot, "b")
        await fill(pilot, {"step": "ban-intent"})
        await fill(pilot, ban_answers(reasons, starts, ends, review, deadline))
        assert book.get(ref).step == "ban-intent"
        text = await letter_words(checked, pilot, day, "ban-intent")
        facts.intent_checks(text, reasons, starts, ends, review, deadline)

        days.go("2026-03-30")
        await press(pilot, "p")
        await fill(pilot, {"received_on": "2026-03-30", "text": "Pat's letter"})

        # Confirmed: a notice of intent bars nobody until then, so its dates move with its start.
        day = days.go("2026-03-31")
        await step_to(pilot, "ban-confirmed")
        shift = day - starts
        starts, ends, review = day, ends + shift, review + shift
        text = await letter_words(checked, pilot, day, "ban-confirmed")
        facts.confirmed_checks(text, reasons, day, starts, ends, review, received_on=date(2026, 3, 30))

        day = days.go("2026-04-28")
        why = "Two further reports of shouting at the gate since the ban began"
        await press(pilot, "v")
        await fill(pilot, {"outcome": "continued", "next_review_on": "2026-05-20", "reason": why})
        text = await letter_words(checked, pilot, day, "ban-review")
        facts.review_checks(text, reasons, day, why, starts, ends, date(2026, 5, 20))

        day = days.go("2026-05-20")
        why = "No incidents since the review, and a good meeting with the head"
        await press(pilot, "l")
        await fill(pilot, {})  # no reason: the form refuses it and stays
        assert isinstance(pilot.app.screen, FormModal)
        await fill(pilot, {"reason": why})
        text = await letter_words(checked, pilot, day, "ban-lifted")
        facts.lifted_checks(text, reasons, day, why, starts)

    sent_as_checked(app, ref, checked, tmp_path)
    letters = book.letters(ref)
    assert [x.kind for x in letters] == [
        "information-request",
        "warning",
        "meeting-invitation",
        "ban-intent",
        "ban-confirmed",
        "ban-review",
        "ban-lifted",
    ]
    assert {x.status for x in letters} == {LetterStatus.QUEUED}
    moves = [e.data.to for e in book.file(ref).events if isinstance(e.data, StepChanged)]
    assert moves == [
        "warning",
        "meeting-senior",
        "meeting-chair",
        "ban-intent",
        "ban-confirmed",
        "ban-review",
        "ban-lifted",
    ]


@WALK_LIMIT
async def test_meeting_first_ladder_every_letter_states_the_facts_entered(tmp_path: Path) -> None:
    app, days = walk_app(tmp_path, "meeting-first", "2026-03-09")
    book = app.desk.book
    checked: list[str] = []
    async with app.run_test(size=(110, 36)) as pilot:
        await add_parent(pilot)
        day = days.go("2026-03-10")
        ref = await open_new_case(pilot, ["offensive-language"], SUBJECT_LINE)
        assert book.get(ref).step == "report"
        await take_step(pilot, "meeting-invitation")
        attendees = await schedule(pilot, "2026-03-17", "09:15", "the school office")
        assert attendees, "the form names who meets the parent"
        # The meeting's facts are prefilled from the meeting recorded, and kept as they are.
        text = await letter_words(checked, pilot, day, "meeting-invitation")
        facts.meeting_checks(text, datetime(2026, 3, 17, 9, 15), "the school office", attendees)
        # No incident logged: the invitation is about a concern, with no empty date or account.
        assert "about a concern, which" in text and "incident ," not in text

        days.go("2026-03-17")
        await press(pilot, "o")
        await fill(pilot, {"outcome": "refused", "text": "Said they would not come in"})
        file = book.file(ref)
        assert file.suggestion is not None and file.suggestion.step == "stop-and-warn"

        day = days.go("2026-03-18")
        await take_step(pilot, "stop-and-warn")
        await press(pilot, "i")
        await fill(pilot, {"text": ACCOUNT, "occurred_on": "2026-03-16", "target": "Mrs Khan"})
        text = await letter_words(checked, pilot, day, "stop-and-warn")
        facts.incident_checks(text, ACCOUNT, date(2026, 3, 16))

        # A provisional ban, every date typed in; it bars from its first day.
        day = days.go("2026-03-19")
        reasons = "Offensive language to staff after being asked to stop"
        starts, ends = day, date(2026, 6, 19)
        review, deadline = date(2026, 4, 16), date(2026, 3, 29)
        await press(pilot, "b")
        await fill(pilot, {"step": "ban-provisional"})
        await fill(pilot, {})
        assert isinstance(pilot.app.screen, FormModal), "a ban states the head's reasons"
        await fill(pilot, ban_answers(reasons, starts, ends, review, deadline))
        text = await letter_words(checked, pilot, day, "ban-provisional")
        facts.provisional_checks(text, reasons, starts, ends, review, deadline)

        day = days.go("2026-03-30")
        await step_to(pilot, "ban-confirmed")
        text = await letter_words(checked, pilot, day, "ban-confirmed")
        facts.confirmed_checks(text, reasons, day, starts, ends, review, deadline=deadline)

        day = days.go("2026-04-15")
        why = "The parent apologised in writing and met the Chair of Governors"
        await press(pilot, "v")
        await fill(pilot, {"outcome": "lifted", "reason": why})
        text = await letter_words(checked, pilot, day, "ban-review")
        facts.review_checks(text, reasons, day, why, starts, ends, next_review_on=None)
        assert day - starts == timedelta(days=27)

    sent_as_checked(app, ref, checked, tmp_path)
    assert [x.kind for x in book.letters(ref)] == [
        "meeting-invitation",
        "stop-and-warn",
        "ban-provisional",
        "ban-confirmed",
        "ban-review",
    ]
    events = types(book, ref)
    assert events.index("meeting-scheduled") < events.index("meeting-refused")


async def test_a_step_out_of_order_asks_for_the_reason_and_records_it(make_app: Any) -> None:
    app, config = make_app("meeting-first", role=Role.HEADTEACHER)
    book = app.desk.book
    async with app.run_test(size=(100, 30)) as pilot:
        ref = await open_new_case(pilot, ["offensive-language"])
        await take_step(pilot, "stop-and-warn", expect_suggested=False)
        assert isinstance(pilot.app.screen, ReasonModal)
        assert book.get(ref).step == "report", "nothing moves before the reason is given"
        await pilot.press("ctrl+s")  # empty: refused
        assert isinstance(pilot.app.screen, ReasonModal)
        await pilot.press(*"second warning from the head")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CaseScreen)
    case = book.get(ref)
    assert case.step == "stop-and-warn"
    moved = [e for e in book.file(ref).events if e.type is EventType.STEP_CHANGED][-1]
    assert moved.data.reason == "second warning from the head"
    assert moved.data.in_order is False
