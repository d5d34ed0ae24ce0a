"""Small truths the dashboard must tell: counts that match their lists, a theme that stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TabbedContent

from tests.support.pilot import press, settle
from tui.app import ConductApp
from tui.widgets.record_table import RecordTable


async def test_all_cases_heads_a_list_of_as_many_cases(make_app: Any) -> None:
    app, _ = make_app("warning-first", demo=True)
    book = app.desk.book
    done = book.open_case(name="Alex Closed", behaviours=["swearing"], summary="Done with")
    book.step(done.ref, "close", fields={"outcome": "Resolved by phone"})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        table = app.screen.query_one("#case-table", RecordTable)
        shown = len(table.rows)
        label = app.screen.query_one(TabbedContent).get_tab("cases").label.plain
        assert shown == 5
        assert label == f"All cases ({shown})"
        await press(pilot, "c")
        label = app.screen.query_one(TabbedContent).get_tab("cases").label.plain
        assert label == f"Open cases ({len(table.rows)})" == "Open cases (4)"


async def test_the_theme_is_kept_for_next_time(
    make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home-config"))
    app, config = make_app("warning-first")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await press(pilot, "ctrl+t")
        assert app.theme == "textual-light"
    again = ConductApp(config, book=app.desk.book, watch=False)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert again.theme == "textual-light"
