"""A refused form puts the cursor in the field that is wrong, marks it, and says what it expects."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from casework.staff import Role
from tests.support.pilot import fill, press, settle, shown_text
from tests.tui.test_ladders import open_new_case
from tui.screens.form_modal import FormModal


def error_text(modal: FormModal) -> str:
    return shown_text(modal.query_one("#form-error", Static))


def refused(modal: FormModal) -> list[str]:
    """The fields marked as refused, by name."""
    return [f.name for f in modal.fields if modal.query_one(f"#field-{f.name}").has_class("-refused")]


async def test_the_cursor_goes_to_the_field_refused_and_the_error_names_it(make_app: Any) -> None:
    app, _ = make_app("warning-first")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        modal = app.screen
        assert isinstance(modal, FormModal)
        # The office starts in the summary, then saves with nothing else filled in.
        modal.query_one("#field-summary").focus()
        await fill(pilot, {"summary": "Shouted at the gate"})
        assert app.screen is modal, "refused: the form stays"
        assert app.focused is modal.query_one("#field-name"), "the cursor is in the first bad field"
        assert refused(modal) == ["name", "behaviours"]
        assert modal.query_one("#label-name").has_class("-refused")
        words = " ".join(error_text(modal).split())
        assert "Who is it about? (parent or carer's name): please fill this in" in words
        assert "What did they do?" in words and "please choose one" in words

        # The name given: the mark moves on to what is still wrong, and the cursor with it.
        await fill(pilot, {"name": "Pat Parent"})
        assert refused(modal) == ["behaviours"]
        assert app.focused is modal.query_one("#field-behaviours")
        assert not modal.query_one("#label-name").has_class("-refused")


async def test_a_date_refused_says_what_a_date_looks_like_and_what_was_typed(make_app: Any) -> None:
    app, _ = make_app("meeting-first", role=Role.HEADTEACHER)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_new_case(pilot, ["offensive-language"])
        await press(pilot, "m")
        modal = app.screen
        assert isinstance(modal, FormModal)
        await fill(pilot, {"on": "17/03/2026"})
        assert app.focused is modal.query_one("#field-on")
        assert refused(modal) == ["on"]
        words = " ".join(error_text(modal).split())
        assert "Date: expected a date like 2026-03-14 (year-month-day), not '17/03/2026'" in words


async def test_a_refusal_from_the_shared_checks_goes_to_the_field_it_names(make_app: Any) -> None:
    app, _ = make_app("meeting-first", role=Role.HEADTEACHER)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_new_case(pilot, ["offensive-language"])
        await press(pilot, "P")
        modal = app.screen
        assert isinstance(modal, FormModal)
        modal.query_one("#field-name").focus()
        await fill(pilot, {"emails": "pat at example"})
        assert app.screen is modal
        assert app.focused is modal.query_one("#field-emails")
        assert refused(modal) == ["emails"]
        words = " ".join(error_text(modal).split())
        assert "Email addresses (the first gets letters): emails: 'pat' is not an email address" in words
