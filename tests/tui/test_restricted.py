"""A restricted case on the dashboard: the office sees only that it exists; the DSL sees it, once logged."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from casework.config import load_config
from casework.events import EventType
from casework.outbox import LetterMove
from casework.staff import Actor, Role
from store.casebook import Casebook
from store.listing import read_listing
from store.outbox import Outbox
from tests.support.clock import FIXED_CLOCK
from tests.support.pilot import settle
from tests.support.school import write_config
from tui.app import ConductApp
from tui.screens.case import CaseScreen
from tui.screens.dashboard import DashboardScreen

OFFICE = Actor("ooffice", Role.OFFICE)
DSL = Actor("ddsl", Role.DSL)


async def _open(config_path: Path, actor: Actor, ref: str) -> tuple[str, bool]:
    """What the case screen's summary says, and whether it offers the ban key."""
    config = load_config(config_path)
    app = ConductApp(config, book=Casebook(config, clock=FIXED_CLOCK, actor=actor), watch=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        screen.open_case(ref)
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        ban_key = "b" in app.screen.active_bindings and app.screen.active_bindings["b"].enabled
        return str(app.screen.query_one("#case-summary", Static).render()), ban_key


async def test_the_office_sees_that_it_exists_and_the_dsl_sees_it_logged(tmp_path: Path) -> None:
    path = write_config(tmp_path, "warning-first")
    book = Casebook(load_config(path), clock=FIXED_CLOCK)
    case = book.open_case(name="Sam Sender", behaviours=["threats"], summary="Threatened a teacher")
    dsl_outbox = Outbox(Casebook(book.config, clock=FIXED_CLOCK, actor=DSL))
    waiting = dsl_outbox.add_draft(case.ref, "warning", b"%PDF-1.4 stand-in")
    dsl_outbox.move(case.ref, waiting.id, LetterMove.SUBMIT)
    office_sees = read_listing(Casebook(book.config, clock=FIXED_CLOCK, actor=OFFICE), FIXED_CLOCK.today())
    assert [(x.people, x.summary) for x in office_sees.cases] == [(("restricted record",), "restricted record")]
    assert [x.recipient_name for x in office_sees.approvals] == ["restricted record"]
    dsl_sees = read_listing(Casebook(book.config, clock=FIXED_CLOCK, actor=DSL), FIXED_CLOCK.today())
    assert [x.people for x in dsl_sees.cases] == [("Sam Sender",)]

    shown, _ = await _open(path, OFFICE, case.ref)
    assert "restricted record" in shown and "Threatened" not in shown
    assert not [e for e in book.file(case.ref).events if e.type is EventType.RESTRICTED_VIEWED]

    shown, ban_key = await _open(path, DSL, case.ref)
    assert "Sam Sender" in shown
    assert not ban_key  # ban decisions are the head's or the deputy's: not offered to the DSL
    views = [e for e in book.file(case.ref).events if e.type is EventType.RESTRICTED_VIEWED]
    assert [(e.actor, e.summary) for e in views] == [("ddsl", "Restricted record viewed (case screen): the case")]
    assert (await _open(path, Actor("hhead", Role.HEADTEACHER), case.ref))[1]  # the head's
