"""Statements and incident accounts can be read in full after saving."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from casework.config import load_config
from casework.payloads import Incident, Statement
from store.casebook import Casebook
from tests.support.cli import conduct, open_case
from tests.support.clock import FIXED_CLOCK
from tests.support.pilot import fill, press, settle, shown_text
from tests.support.school import write_config
from tests.tui.test_ladders import open_new_case
from tui import forms
from tui.screens.event_modal import EventModal
from tui.widgets.record_table import RecordTable

STATEMENT = (
    "At 08:40 I was at the Reception gate when Mr Parent arrived late.\n"
    "He shouted at Mrs Khan that she was useless and swore twice.\n"
    "Two Reception children were standing beside her and began to cry; "
    "I took them inside before he left at about 08:50, still shouting from the car park."
)


async def test_a_statement_is_read_in_full_from_the_timeline(make_app: Any) -> None:
    app, _ = make_app("warning-first")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_new_case(pilot, ["swearing"])
        await press(pilot, "s")
        await fill(pilot, {"by": "Mr Grant (site manager)", "text": STATEMENT})
        table = app.screen.query_one("#timeline-table", RecordTable)
        table.focus()
        statement = next(e for e in table.rows if e.type.value == "statement-taken")
        assert table.move_to(statement.id)
        await press(pilot, "enter")
        modal = app.screen
        assert isinstance(modal, EventModal)
        shown = " ".join(shown_text(modal.query_one("#event-text")).split())
        assert " ".join(STATEMENT.split()) in shown
        assert "By: Mr Grant (site manager)" in shown
        await press(pilot, "escape")
        await settle(pilot)
        assert not isinstance(app.screen, EventModal)


def test_case_show_prints_statements_and_accounts_whole(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "warning-first")
    ref = open_case(cfg, "swearing")
    # Recorded as the dashboard records them: a one-line summary, the words in the payload.
    book = Casebook(load_config(cfg), clock=FIXED_CLOCK)
    entry = forms.statement_entry({"by": "Mr Grant", "text": STATEMENT})
    book.add(ref, entry.type, entry.summary, Statement(STATEMENT, "Mr Grant"))
    account = "Swore at two staff at the gate.\nThen threw a bag at the fence."
    incident = forms.incident_entry(
        {
            "text": account,
            "occurred_on": "2026-03-09",
            "target": "",
            "behaviours": (),
            "published_on": "",
        }
    )
    book.add(ref, incident.type, incident.summary, Incident(account, date(2026, 3, 9)))
    out = conduct(cfg, "case", "show", ref).stdout
    for line in (*STATEMENT.splitlines(), *account.splitlines()):
        assert line in out
