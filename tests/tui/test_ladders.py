"""Both presets' ladders walked through the dashboard, checked in the store."""

from __future__ import annotations

from typing import Any

from casework.events import EventType
from casework.outbox import LetterStatus
from casework.staff import Role
from store.casebook import Casebook
from tests.support.pilot import fill, settle
from tui.screens.case import CaseScreen
from tui.screens.form_modal import FormModal
from tui.screens.letter_modal import LetterModal
from tui.screens.reason_modal import ReasonModal


async def open_new_case(pilot: Any, behaviours: list[str]) -> str:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    await fill(
        pilot,
        {
            "name": "Pat Parent",
            "email": "pat@example.org",
            "behaviours": behaviours,
            "summary": "Shouted at the gate",
        },
    )
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


async def test_warning_first_ladder_from_new_case_to_lifted_ban(make_app: Any) -> None:
    app, config = make_app("warning-first", role=Role.HEADTEACHER)
    book = app.desk.book
    async with app.run_test(size=(100, 30)) as pilot:
        ref = await open_new_case(pilot, ["swearing", "temper-shouting"])
        assert book.get(ref).step == "gather-information"

        # The information request: draft, preview, queue (no approval at this step).
        await pilot.press("d")
        await settle(pilot)
        kind = pilot.app.screen
        assert isinstance(kind, FormModal)
        assert kind.value_of(kind.fields[0]) == "information-request"
        await fill(pilot, {})
        # No incident recorded: the account is asked for, the case's summary only offered.
        details = pilot.app.screen
        assert isinstance(details, FormModal)
        summary_field = next(f for f in details.fields if f.name == "incident_summary")
        assert details.value_of(summary_field) == ""
        assert "Shouted at the gate" in summary_field.help  # offered, not used
        account = "Pat shouted at Mrs Khan at the main gate in front of pupils"
        await fill(pilot, {"incident_date": "2026-03-09", "incident_summary": account})
        assert isinstance(pilot.app.screen, LetterModal)
        for _ in range(400):  # WeasyPrint takes its time on a busy machine
            if pilot.app.screen.preview is not None:
                break
            await pilot.pause(0.05)
        preview = pilot.app.screen.preview
        assert preview is not None, "the letter rendered"
        words = " ".join(preview.text.split())
        assert account in words and "9 March 2026" in words
        facts = {f.label: f for f in preview.facts}
        assert facts["What happened"].value == account
        assert facts["What happened"].source == "what was typed for this letter"
        assert facts["To"].value == "Pat Parent"
        # Corrected there: e asks again for the letter's own facts, and the preview follows.
        await pilot.press("e")
        await settle(pilot)
        corrected = "Pat shouted at Mrs Khan and Mr Lee at the main gate"
        await fill(pilot, {"incident_summary": corrected})
        modal = pilot.app.screen
        assert isinstance(modal, LetterModal)
        for _ in range(400):
            if modal.preview is not None:
                break
            await pilot.pause(0.05)
        assert modal.preview is not None
        assert corrected in " ".join(modal.preview.text.split())
        await pilot.press("g")
        await settle(pilot)
        letters = book.letters(ref)
        assert [(x.kind, x.status) for x in letters] == [
            ("information-request", LetterStatus.QUEUED)
        ]
        # The email the daemon will send carries the letter's own subject and covering note.
        assert "incident" in letters[0].subject.lower()
        assert letters[0].body_text.strip() and "attached" in letters[0].body_text.lower()

        for step in ("warning", "meeting-senior", "meeting-chair"):
            await take_step(pilot, step)
            assert book.get(ref).step == step

        await pilot.press("b")
        await settle(pilot)
        await fill(pilot, {"step": "ban-provisional"})
        await fill(pilot, {"reasons": "Repeated shouting at staff"})
        case = book.get(ref)
        assert case.step == "ban-provisional"
        assert case.bans[0].reasons == "Repeated shouting at staff"
        assert case.bans[0].status.value == "provisional"

        await pilot.press("v")
        await settle(pilot)
        await fill(
            pilot,
            {"outcome": "continued", "next_review_on": "2026-05-01", "reason": "Still shouting"},
        )
        case = book.get(ref)
        assert case.step == "ban-review"
        assert case.bans[0].review_on.isoformat() == "2026-05-01"

        await pilot.press("l")
        await settle(pilot)
        await fill(pilot, {})  # no reason: the form refuses it and stays
        assert isinstance(pilot.app.screen, FormModal)
        await fill(pilot, {"reason": "No incidents since the review"})
        case = book.get(ref)
        assert case.step == "ban-lifted"
        assert case.bans[0].status.value == "lifted"
        assert case.bans[0].lift_reason == "No incidents since the review"
        assert case.bans[0].review_log[0].reason == "Still shouting"

    events = types(book, ref)
    for expected in (
        "case-opened",
        "letter-drafted",
        "letter-queued",
        "step-changed",
        "ban-imposed",
        "ban-reviewed",
        "ban-lifted",
    ):
        assert expected in events
    moves = [e.data.to for e in book.file(ref).events if e.type is EventType.STEP_CHANGED]
    assert moves == [
        "warning",
        "meeting-senior",
        "meeting-chair",
        "ban-provisional",
        "ban-review",
        "ban-lifted",
    ]


async def test_meeting_first_refused_meeting_leads_to_stop_and_warn_then_ban(
    make_app: Any,
) -> None:
    app, config = make_app("meeting-first", role=Role.HEADTEACHER)
    book = app.desk.book
    async with app.run_test(size=(100, 30)) as pilot:
        ref = await open_new_case(pilot, ["offensive-language"])
        assert book.get(ref).step == "report"
        await take_step(pilot, "meeting-invitation")

        await pilot.press("m")
        await settle(pilot)
        await fill(pilot, {"on": "2026-03-17", "at": "15:30", "place": "Head's office"})
        assert book.get(ref).meetings[0].at.isoformat().startswith("2026-03-17T15:30")

        await pilot.press("o")
        await settle(pilot)
        await fill(pilot, {"outcome": "refused", "text": "Said they would not come in"})
        file = book.file(ref)
        assert file.case.meetings[0].outcome == "refused"
        assert file.suggestion is not None and file.suggestion.step == "stop-and-warn"

        await take_step(pilot, "stop-and-warn")
        assert book.get(ref).step == "stop-and-warn"

        await pilot.press("b")
        await settle(pilot)
        await fill(pilot, {"step": "ban-provisional"})
        await fill(pilot, {})
        assert isinstance(pilot.app.screen, FormModal), "a ban states the head's reasons"
        await fill(pilot, {"reasons": "Continued offensive language after our letter"})
        case = book.get(ref)
        assert case.step == "ban-provisional"
        assert len(case.bans) == 1

    events = types(book, ref)
    assert events.index("meeting-scheduled") < events.index("meeting-refused")
    assert "ban-imposed" in events


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
