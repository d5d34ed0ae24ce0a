"""The outbox tab sends, retries and cancels; the status bar says when letters are not going out."""

from __future__ import annotations

from typing import Any

from casework.outbox import LetterMove, LetterStatus
from casework.staff import Actor, Role
from store.casebook import Casebook
from store.outbox import Outbox
from tests.support.pilot import fill, press, settle, shown_text
from tui.screens.form_modal import FormModal
from tui.widgets.record_table import RecordTable
from tui.widgets.status_bar import StatusBar

PDF = b"%PDF-1.7 test"


def letters(app: Any) -> tuple[Outbox, list[tuple[str, str]]]:
    book = Casebook(
        app.desk.config, app.desk.book.store, actor=Actor("Mrs Helen Head", Role.HEADTEACHER)
    )
    outbox = Outbox(book)
    made = []
    for name in ("Pat Parent", "Sam Other", "Alex Third"):
        case = book.open_case(
            name=name,
            email=f"{name.split()[0].lower()}@example.org",
            behaviours=["swearing"],
            summary="x",
        )
        letter = outbox.add_draft(case.ref, "information-request", PDF, subject="Request")
        outbox.move(case.ref, letter.id, LetterMove.QUEUE)
        made.append((case.ref, letter.id))
    # The first two were held by the sender: their moment passed while the daemon was down.
    for ref, lid in made[:2]:
        outbox.move(ref, lid, LetterMove.HOLD_BACK, error="the case has moved on")
    return outbox, made


async def test_held_letters_are_sent_anyway_or_cancelled_from_the_outbox(make_app: Any) -> None:
    app, _ = make_app("warning-first")
    outbox, made = letters(app)
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        bar = shown_text(app.screen.query_one(StatusBar))
        assert "mail daemon not running" in bar
        assert "1 letter(s) waiting, not sent" in bar
        assert "2 letters held" in bar
        await press(pilot, "4")
        table = app.screen.query_one("#outbox-table", RecordTable)
        assert "the case has moved on" in shown_text(table)
        (ref, held), (ref2, held2), _ = made
        assert table.move_to(held)
        await settle(pilot)
        await press(pilot, "g")
        assert outbox.get(ref, held).status is LetterStatus.QUEUED
        assert outbox.get(ref, held).confirmed_by
        table = app.screen.query_one("#outbox-table", RecordTable)
        assert table.move_to(held2)
        await settle(pilot)
        await press(pilot, "x")
        assert isinstance(app.screen, FormModal)
        await fill(pilot, {"reason": "The parent came in and we spoke"})
        assert outbox.get(ref2, held2).status is LetterStatus.CANCELLED
        assert outbox.get(ref2, held2).last_error == "The parent came in and we spoke"
        table = app.screen.query_one("#outbox-table", RecordTable)
        assert held2 not in {x.id for x in table.rows}


async def test_a_held_or_failed_letter_is_retried_from_the_outbox_saying_it_is_not_sent_yet(
    make_app: Any,
) -> None:
    app, _ = make_app("warning-first")
    outbox, made = letters(app)
    (ref, held), _, (ref3, queued) = made
    # The third letter went to the server and was refused for good.
    for move in (LetterMove.CLAIM, LetterMove.FAIL):
        outbox.move(ref3, queued, move, error="550 mailbox unavailable")
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "4")
        for ref_, lid in ((ref, held), (ref3, queued)):
            table = app.screen.query_one("#outbox-table", RecordTable)
            assert table.move_to(lid)
            await settle(pilot)
            assert app.screen.check_action("retry", ()) is True
            await press(pilot, "r")
            assert outbox.get(ref_, lid).status is LetterStatus.QUEUED
        # The daemon is not running: the office is told the letter has not gone, there and then.
        said = [n.message for n in app._notifications]
        assert any(
            f"{ref} information-request letter queued again, but NOT sent yet: "
            "the mail daemon is not running" in m
            for m in said
        ), said
