"""A parent's reply to a closed case is never attached silently: it asks for attention."""

from __future__ import annotations

import hashlib
from typing import Any

from casework.mailthread import IncomingMail
from casework.rules import REPLY_AFTER_CLOSE
from store.inbox import Inbox
from tests.support.pilot import fill, press, settle, shown_text
from tui.screens.case import CaseScreen
from tui.widgets.record_table import RecordTable
from tui.widgets.status_bar import StatusBar


def reply(ref: str) -> IncomingMail:
    subject = f"Re: [{ref}] Warning letter"
    return IncomingMail(
        sha256=hashlib.sha256(subject.encode()).hexdigest(),
        folder="INBOX",
        uidvalidity=1,
        uid=7,
        message_id="<reply-7@example.org>",
        sender_address="pat@example.org",
        sender_name="Pat Parent",
        subject=subject,
        date=None,
        text="I do not accept what the letter says.",
    )


async def test_a_reply_to_a_closed_case_shows_as_needing_attention(make_app: Any) -> None:
    app, _ = make_app("warning-first")
    book = app.desk.book
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Swore"
    )
    book.step(case.ref, "close", fields={"outcome": "Apologised"})
    Inbox(book).ingest(reply(case.ref))
    assert REPLY_AFTER_CLOSE in book.get(case.ref).flags
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#case-table", RecordTable)
        # Closed cases are hidden by default; this one is shown, saying why.
        assert [r.ref for r in table.rows] == [case.ref]
        listed = shown_text(table)
        assert "reply after close" in listed
        assert "1 reply after close" in shown_text(app.screen.query_one(StatusBar))
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        assert "u reopens the case" in shown_text(screen.query_one("#case-summary"))
        assert screen.check_action("reopen", ()) is True
        await press(pilot, "u")
        await fill(pilot, {"reason": "The parent disputes the outcome"})
    reopened = book.get(case.ref)
    assert reopened.is_open and REPLY_AFTER_CLOSE not in reopened.flags


async def test_a_reply_read_can_leave_the_case_closed(make_app: Any) -> None:
    app, _ = make_app("warning-first", watch=True)
    book = app.desk.book
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Swore"
    )
    book.step(case.ref, "close", fields={"outcome": "Apologised"})
    Inbox(book).ingest(reply(case.ref))
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, "z")
        await fill(pilot, {"reason": "A thank-you note; nothing to act on"})
        await press(pilot, "escape")
        table = app.screen.query_one("#case-table", RecordTable)
        for _ in range(100):  # the store watcher tells the dashboard
            if not table.rows:
                break
            await pilot.pause(0.05)
        assert table.rows == []
    after = book.get(case.ref)
    assert not after.is_open and REPLY_AFTER_CLOSE not in after.flags
