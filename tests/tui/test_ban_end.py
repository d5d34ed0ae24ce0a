"""The end of a ban in the dashboard: a review that lifts it, then the ladder's last steps."""

from __future__ import annotations

from typing import Any

from casework.bans import BanStatus
from casework.staff import Role
from tests.support.pilot import fill, press, settle
from tests.tui.test_ladders import open_new_case
from tui.screens.case import CaseScreen
from tui.screens.form_modal import FormModal


async def test_after_a_review_that_lifts_the_ban_the_step_form_cannot_crash(
    make_app: Any,
) -> None:
    app, _ = make_app("warning-first", role=Role.HEADTEACHER)
    book = app.desk.book
    async with app.run_test(size=(100, 30)) as pilot:
        ref = await open_new_case(pilot, ["swearing"])
        await press(pilot, "b")
        await fill(pilot, {"step": "ban-provisional"})
        await fill(pilot, {"reasons": "Repeated shouting at staff"})
        await press(pilot, "v")
        await fill(pilot, {"outcome": "lifted", "reason": "No further incidents"})
        assert book.get(ref).bans[0].status is BanStatus.LIFTED

        # t, then ctrl+s at once: whatever is preselected must be a step that can be taken.
        await press(pilot, "t")
        modal = pilot.app.screen
        assert isinstance(modal, FormModal)
        chosen = modal.value_of(modal.fields[0])
        assert chosen, "a step is always chosen in the step form"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app._exception, app._exception
        case = book.get(ref)
        assert case.step == chosen

    file = book.file(ref)
    # After the review lifted the ban, the ladder points to the letter saying so and the end.
    assert file.case.step in ("ban-lifted", "close")


async def test_a_case_whose_ban_a_review_lifted_still_reaches_ban_lifted(make_app: Any) -> None:
    app, _ = make_app("warning-first", role=Role.HEADTEACHER)
    book = app.desk.book
    async with app.run_test(size=(100, 30)) as pilot:
        ref = await open_new_case(pilot, ["swearing"])
        await press(pilot, "b")
        await fill(pilot, {"step": "ban-provisional"})
        await fill(pilot, {"reasons": "Repeated shouting at staff"})
        await press(pilot, "v")
        await fill(pilot, {"outcome": "lifted", "reason": "No further incidents"})
        # The review lifted it already: the lift step asks nothing more (no second reason).
        await press(pilot, "l")
        assert isinstance(pilot.app.screen, CaseScreen)
    case = book.get(ref)
    assert case.step == "ban-lifted"
    assert [b.status for b in case.bans] == [BanStatus.LIFTED]


async def test_a_ban_can_be_reviewed_twice(make_app: Any) -> None:
    app, _ = make_app("warning-first", role=Role.HEADTEACHER)
    book = app.desk.book
    async with app.run_test(size=(100, 30)) as pilot:
        ref = await open_new_case(pilot, ["swearing"])
        await press(pilot, "b")
        await fill(pilot, {"step": "ban-provisional"})
        await fill(pilot, {"reasons": "Repeated shouting at staff"})
        await press(pilot, "v")
        await fill(pilot, {"outcome": "continued", "next_review_on": "2026-04-20", "reason": "Still needed"})
        await press(pilot, "v")
        await fill(pilot, {"outcome": "continued", "next_review_on": "2026-05-20", "reason": "Still needed"})
    ban = book.get(ref).bans[0]
    assert ban.review_on.isoformat() == "2026-05-20"
    assert len(ban.reviews) == 2
