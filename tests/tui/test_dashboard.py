"""The dashboard: live updates from other processes, filtering, markup shown literally."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from casework.cases import Severity
from casework.events import EventType
from casework.payloads import EvidenceAdded, EvidenceKind
from casework.staff import Role
from store.listing import CaseLine
from tests.support.pilot import fill, press, settle, shown_text
from tui.app import ConductApp
from tui.screens.case import CaseScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.evidence_modal import EvidenceModal
from tui.screens.help_modal import HelpModal
from tui.widgets.record_table import RecordTable

ROOT = Path(__file__).resolve().parents[2]


def table_text(app: ConductApp, table_id: str) -> str:
    table = app.screen.query_one(f"#{table_id}", RecordTable)
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


def case_table(app: ConductApp) -> RecordTable[CaseLine]:
    return app.screen.query_one("#case-table", RecordTable)


async def test_a_case_opened_by_another_process_appears_without_a_keypress(
    make_app: Any,
) -> None:
    app, config = make_app("warning-first", demo=True, watch=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = case_table(app)
        await pilot.press("down")
        kept = table.cursor_key
        assert kept is not None
        before = {r.ref for r in table.rows}
        out = subprocess.run(
            [sys.executable, "-m", "tests.tui.open_case", str(config.path), "Remote Parent"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        new_ref = out.stdout.strip()
        assert new_ref not in before
        # No key is pressed: the store's change event alone must bring the case in. (How
        # fast is bench/tui_bench.py's business; the deadline only stops a hang.)
        deadline = time.monotonic() + 30
        while new_ref not in {r.ref for r in table.rows} and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert new_ref in {r.ref for r in table.rows}, "the new case never appeared"
        assert table.cursor_key == kept, "the cursor stays on the case it was on"
        assert "Remote Parent" in table_text(app, "case-table")


async def test_a_case_opened_before_the_store_is_watched_appears_too(make_app: Any) -> None:
    """The dashboard watches the store only after its first frame: nothing committed in
    between (here, just before watching starts) is lost."""
    app, config = make_app("warning-first", demo=True, watch=True)
    start_watching = app._start_watching
    opened: list[str] = []

    def commit_then_watch() -> None:
        out = subprocess.run(
            [sys.executable, "-m", "tests.tui.open_case", str(config.path), "Early Parent"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        opened.append(out.stdout.strip())
        start_watching()

    app._start_watching = commit_then_watch
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = case_table(app)
        deadline = time.monotonic() + 30  # only stops a hang
        while not (opened and opened[0] in {r.ref for r in table.rows}):
            assert time.monotonic() < deadline, "the case opened during start-up never appeared"
            await asyncio.sleep(0.05)


async def test_filter_keeps_matching_cases_as_you_type(make_app: Any) -> None:
    app, _ = make_app("warning-first", demo=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(case_table(app).rows) == 4
        await pilot.press("slash", *"okafor")
        assert [r.people for r in case_table(app).rows] == [("Sam Okafor",)]
        await pilot.press("escape")
        assert len(case_table(app).rows) == 4
        await pilot.press("slash", *"swearing")
        assert [r.people for r in case_table(app).rows] == [("Chris Doyle",)]
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)


async def test_sorting_by_column(make_app: Any) -> None:
    app, _ = make_app("warning-first", demo=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = case_table(app)
        table.sort_by(1)
        names = ["Chris Doyle", "Dana Whitlock", "Lee Marsh", "Sam Okafor"]
        assert [", ".join(r.people) for r in table.rows] == names
        await pilot.press("S")
        assert [", ".join(r.people) for r in table.rows] == names[::-1]


async def test_bans_tab_lists_bans_with_review_dates(make_app: Any) -> None:
    app, _ = make_app("warning-first", demo=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        text = table_text(app, "ban-table")
        assert "Lee Marsh" in text
        assert "banned (confirmed)" in text


async def test_markup_in_names_and_summaries_shows_literally(make_app: Any) -> None:
    app, config = make_app("warning-first")
    book = app.desk.book
    case = book.open_case(
        name="[red]x[/red]",
        behaviours=["swearing"],
        summary="[link=http://x]y[/link]",
        severity=Severity.LOW,
    )
    raw = EmailMessage()
    raw["From"] = "[bold]Evil[/bold] <evil@example.org>"
    raw["To"] = "office@example.org"
    raw["Subject"] = "[red]x[/red] \x1b[2J"
    raw["Date"] = "Tue, 10 Mar 2026 08:00:00 +0000"
    raw["Message-ID"] = "<m1@example.org>"
    raw.set_content("Body with [link=http://x]y[/link]")
    raw.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="[bold red]note.pdf"
    )
    sha = book.vault.put(bytes(raw))
    book.add(
        case.ref,
        EventType.EVIDENCE_ADDED,
        "Email: [red]x[/red]",
        EvidenceAdded(
            EvidenceKind.EMAIL,
            sha,
            "[red]x[/red]",
            subject="[red]x[/red]",
            message_id="<m1@example.org>",
        ),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "[red]x[/red]" in table_text(app, "case-table")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        lines = shown_text(app.screen.query_one("#case-summary"))
        assert "[red]x[/red]" in lines
        assert "[link=http://x]y[/link]" in lines
        await press(pilot, "4", "enter")
        assert isinstance(app.screen, EvidenceModal)
        shown = shown_text(app.screen.query_one("#evidence-text"))
        assert "Subject: [red]x[/red]" in shown
        assert "\x1b" not in shown
        assert "[link=http://x]y[/link]" in shown
        assert "[bold]Evil[/bold]" in shown
        assert "[bold red]note.pdf" in table_text(app, "attachments")


async def test_split_an_email_into_a_new_case(make_app: Any) -> None:
    app, config = make_app("warning-first")
    book = app.desk.book
    case = book.open_case(name="Dana", behaviours=["swearing"], summary="Gate")
    msg = EmailMessage()
    msg["From"] = "Other Parent <other@example.org>"
    msg["Subject"] = "About something else"
    msg["Date"] = "Tue, 10 Mar 2026 08:00:00 +0000"
    msg["Message-ID"] = "<other@example.org>"
    msg.set_content("Unrelated")
    sha = book.vault.put(bytes(msg))
    book.add(
        case.ref,
        EventType.EVIDENCE_ADDED,
        "Email: About something else",
        EvidenceAdded(
            EvidenceKind.EMAIL,
            sha,
            "About something else",
            message_id="<other@example.org>",
            sender="other@example.org",
        ),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await fill(pilot, {"name": "Other Parent", "behaviours": ["aggression"]})
    split = [e for e in book.file(case.ref).events if e.type is EventType.EMAIL_SPLIT]
    assert len(split) == 1
    new_ref = split[0].data.to_case
    new = book.file(new_ref)
    assert new.case.subjects[0].name == "Other Parent"
    assert [e.data.sha256 for e in new.events if e.type is EventType.EVIDENCE_ADDED] == [sha]
    assert new.case.message_ids == ("<other@example.org>",)


async def test_help_lists_the_keys_and_the_palette_every_action(make_app: Any) -> None:
    app, _ = make_app("warning-first", demo=True, role=Role.HEADTEACHER)  # who may do all
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        case_screen = app.screen
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpModal)
        await pilot.press("escape")
        titles = {c.title for c in app.get_system_commands(case_screen)}
        for action in (
            "Step",
            "Incident",
            "Statement",
            "Note",
            "Contact",
            "Letter",
            "Meeting",
            "Outcome",
            "Ban",
            "Referral",
            "Complaint",
            "Close case",
        ):
            assert action in titles, action


async def test_theme_toggles(make_app: Any) -> None:
    app, _ = make_app("warning-first")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_person_details_on_the_case(make_app: Any) -> None:
    app, config = make_app("warning-first", demo=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        screen.open_case("C-2026-0001")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        text = str(app.screen.query_one("#person-text").render())
        assert "Milo Whitlock" in text and "signed on 4 Sep 2025" in text


async def test_the_case_list_has_the_keyboard_when_the_dashboard_opens(make_app: Any) -> None:
    app, _ = make_app("warning-first", demo=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = case_table(app)
        assert app.focused is table
        first = table.cursor_key
        await pilot.press("down")
        assert table.cursor_key not in (None, first), "down moves through the cases"
