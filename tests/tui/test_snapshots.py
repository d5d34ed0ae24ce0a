"""Snapshots of every screen and modal at 100x30, and the dashboard at 80x24.

Deterministic: demo cases seeded at a fixed date, a fixed clock, no daemon record, UTC.
Update with: .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from email.message import EmailMessage
from typing import Any

import pytest
from textual.pilot import Pilot

from casework.events import EventType
from casework.payloads import EvidenceAdded, EvidenceKind
from casework.staff import Role
from tests.support.pilot import fill, settle
from tui.screens.dashboard import DashboardScreen
from tui.screens.letter_modal import LetterModal

Snap = Callable[..., bool]
SIZE = (100, 30)


def keys_then_settle(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def open_case(ref: str, keys: Sequence[str] = ()) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DashboardScreen)
        screen.open_case(ref)
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=6)

    return run


def test_dashboard(snap_compare: Snap, make_app: Any) -> None:
    app, _ = make_app(demo=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle())


def test_dashboard_80x24(snap_compare: Snap, make_app: Any) -> None:
    app, _ = make_app(demo=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys_then_settle())


def test_dashboard_light_theme_filtering(snap_compare: Snap, make_app: Any) -> None:
    app, _ = make_app(demo=True)
    run = keys_then_settle("ctrl+t", "slash", "o", "k", "a")
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_dashboard_bans(snap_compare: Snap, make_app: Any) -> None:
    app, _ = make_app(demo=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("3"))


def test_new_case_modal(snap_compare: Snap, make_app: Any) -> None:
    app, _ = make_app(demo=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("n"))


def test_help_modal(snap_compare: Snap, make_app: Any) -> None:
    app, _ = make_app(demo=True)
    run = keys_then_settle("question_mark")
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


@pytest.mark.parametrize("tab", ["1", "2", "3", "4", "5"])
def test_case_screen_tabs(snap_compare: Snap, make_app: Any, tab: str) -> None:
    app, _ = make_app(demo=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_case("C-2026-0004", [tab]))


def test_step_modal(snap_compare: Snap, make_app: Any) -> None:
    app, _ = make_app(demo=True, role=Role.HEADTEACHER)  # who may take every step
    assert snap_compare(app, terminal_size=SIZE, run_before=open_case("C-2026-0003", ["t"]))


def test_ban_form_modal(snap_compare: Snap, make_app: Any) -> None:
    app, _ = make_app(demo=True, role=Role.HEADTEACHER)  # bans are the head's (or deputy's)
    run = open_case("C-2026-0003", ["b", "ctrl+s"])
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_reason_modal(snap_compare: Snap, make_app: Any) -> None:
    app, config = make_app("meeting-first")
    ref = app.desk.book.open_case(name="Pat", behaviours=["dogs"], summary="A dog").ref

    async def run(pilot: Pilot[Any]) -> None:
        await open_case(ref, ["t"])(pilot)
        modal = pilot.app.screen
        modal.set_value("step", "stop-and-warn")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_evidence_modal(snap_compare: Snap, make_app: Any) -> None:
    app, config = make_app(demo=True)
    book = app.desk.book
    msg = EmailMessage()
    msg["From"] = "Dana Whitlock <dana.whitlock@example.org>"
    msg["To"] = "office@example.org"
    msg["Subject"] = "[red]About Tuesday[/red]"
    msg["Date"] = "Tue, 10 Mar 2026 08:00:00 +0000"
    msg["Message-ID"] = "<tuesday@example.org>"
    msg.set_content("I was upset on Tuesday.\n\n[link=http://x]click[/link]")
    msg.add_attachment(b"photo bytes", maintype="image", subtype="jpeg", filename="gate.jpg")
    msg.set_boundary("fixed-boundary")  # the raw bytes, and so their hash, stay the same
    sha = book.vault.put(bytes(msg))
    book.add(
        "C-2026-0001",
        EventType.EVIDENCE_ADDED,
        "Email: About Tuesday",
        EvidenceAdded(EvidenceKind.EMAIL, sha, "[red]About Tuesday[/red]"),
    )
    run = open_case("C-2026-0001", ["4", "enter"])
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_letter_modal(snap_compare: Snap, make_app: Any) -> None:
    app, _ = make_app(demo=True)

    async def run(pilot: Pilot[Any]) -> None:
        await open_case("C-2026-0002", ["d", "ctrl+s"])(pilot)
        await fill(
            pilot,
            {"incident_date": "2026-03-02", "incident_summary": "Shouted at the class teacher"},
        )
        modal = pilot.app.screen
        assert isinstance(modal, LetterModal)
        for _ in range(400):  # WeasyPrint takes its time on a busy machine
            if modal.preview is not None:
                break
            await pilot.pause(0.05)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)
