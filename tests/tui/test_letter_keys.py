"""The letter keys each screen offers are the moves casework allows this person, and no others."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from casework.config import Config, load_config
from casework.outbox import LetterMove, LetterStatus
from casework.staff import Actor, Role
from store.casebook import Casebook
from store.outbox import Outbox
from tests.support.clock import FIXED_CLOCK
from tests.support.pilot import press, settle
from tests.support.school import write_config
from tui.app import ConductApp
from tui.screens.case import CaseScreen
from tui.screens.dashboard import DashboardScreen

OFFICE = Actor("Olive Office", Role.OFFICE)
HEAD = Actor("Mrs Helen Head", Role.HEADTEACHER)


def school_with_a_warning(tmp_path: Path) -> tuple[Config, str, str]:
    """A warning-first school with one drafted warning letter (the head approves warnings)."""
    config = load_config(write_config(tmp_path, "warning-first"))
    book = Casebook(config, clock=FIXED_CLOCK)
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Swore"
    )
    letter = Outbox(book).add_draft(case.ref, "warning", b"%PDF-1.4 stand-in")
    assert letter.needs_approval
    return config, case.ref, letter.id


def app_for(config: Config, actor: Actor) -> ConductApp:
    return ConductApp(config, book=Casebook(config, clock=FIXED_CLOCK, actor=actor), watch=False)


def offered(app: ConductApp, *keys: str) -> dict[str, bool]:
    """Which of these keys the screen in front offers (shown and enabled)."""
    bindings = app.screen.active_bindings
    return {k: k in bindings and bindings[k].enabled for k in keys}


async def open_letters_tab(app: ConductApp, pilot: Pilot[None], ref: str) -> None:
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    screen.open_case(ref)
    await settle(pilot)
    assert isinstance(app.screen, CaseScreen)
    await press(pilot, "5")


async def test_office_asks_the_head_and_the_head_approves_and_sends(tmp_path: Path) -> None:
    config, ref, letter_id = school_with_a_warning(tmp_path)
    book = Casebook(config, clock=FIXED_CLOCK)

    office = app_for(config, OFFICE)
    async with office.run_test(size=(100, 30)) as pilot:
        await open_letters_tab(office, pilot, ref)
        assert offered(office, "w", "a", "g") == {"w": True, "a": False, "g": False}
        await press(pilot, "w")
        assert offered(office, "w", "a", "g") == {"w": False, "a": False, "g": False}
    assert Outbox(book).get(ref, letter_id).status is LetterStatus.AWAITING_APPROVAL

    head = app_for(config, HEAD)
    async with head.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "2")  # the letters waiting for the headteacher
        assert offered(head, "a") == {"a": True}
        await press(pilot, "enter")
        await press(pilot, "5")
        assert offered(head, "w", "a", "g") == {"w": False, "a": True, "g": False}
        await press(pilot, "a")
        assert Outbox(book).get(ref, letter_id).status is LetterStatus.APPROVED
        assert offered(head, "w", "a", "g") == {"w": False, "a": False, "g": True}
        await press(pilot, "g")
    assert Outbox(book).get(ref, letter_id).status is LetterStatus.QUEUED


async def test_the_office_cannot_approve_from_the_dashboard(tmp_path: Path) -> None:
    config, ref, letter_id = school_with_a_warning(tmp_path)
    book = Casebook(config, clock=FIXED_CLOCK, actor=OFFICE)
    Outbox(book).move(ref, letter_id, LetterMove.SUBMIT)
    office = app_for(config, OFFICE)
    async with office.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        assert offered(office, "a", "o") == {"a": False, "o": True}
        await press(pilot, "a")
    assert Outbox(book).get(ref, letter_id).status is LetterStatus.AWAITING_APPROVAL
