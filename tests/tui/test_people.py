"""People in the dashboard: found, added and edited; a case's person identified before letters."""

from __future__ import annotations

from typing import Any

from casework.people import Channel, Person
from store.register import Register
from tests.support.pilot import fill, press, settle, shown_text
from tests.tui.test_ladders import open_new_case
from tui.screens.case import CaseScreen
from tui.screens.form_modal import FormModal
from tui.screens.letter_modal import LetterModal
from tui.screens.people import PeopleScreen
from tui.widgets.record_table import RecordTable


async def test_a_person_is_added_found_and_edited_from_the_dashboard(make_app: Any) -> None:
    app, _ = make_app("warning-first", demo=True)
    book = app.desk.book
    async with app.run_test(size=(110, 34)) as pilot:
        await settle(pilot)
        await press(pilot, "P")
        assert isinstance(app.screen, PeopleScreen)
        await press(pilot, "escape")  # from the finder to the list's keys? esc leaves the screen
        assert not isinstance(app.screen, PeopleScreen)
        await press(pilot, "P")
        app.screen.query_one("#people-table").focus()
        await press(pilot, "n")
        await fill(
            pilot,
            {
                "name": "Jane Smith",
                "emails": "jane@example.org",
                "phones": "07700 900001",
                "address": "12 Acacia Avenue\nStockham\nOX1 2AB",
                "channel": "post",
                "large_print": "yes",
                "children": "Amy Smith; Year 3 (Kestrels); yes",
                "signed_code_on": "2025-09-04",
            },
        )
        jane = next(p for p in Register(book).everyone() if p.name == "Jane Smith")
        assert jane.channel is Channel.POST and jane.large_print
        assert jane.address == ("12 Acacia Avenue", "Stockham", "OX1 2AB")
        assert jane.children[0].class_name == "Year 3 (Kestrels)"
        # Find her by her child's name, then correct the address.
        box = app.screen.query_one("#people-filter")
        box.focus()
        await pilot.press(*"amy")
        await settle(pilot)
        table = app.screen.query_one("#people-table", RecordTable)
        assert [p.name for p in table.rows] == ["Jane Smith"]
        table.focus()
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, FormModal)
        assert form.value_of(form.fields[0]) == "Jane Smith"
        await fill(pilot, {"address": "14 Acacia Avenue\nStockham\nOX1 2AB"})
        # A mistake is refused on the form, naming the field.
        await press(pilot, "enter")
        await fill(pilot, {"emails": "jane at example"})
        assert isinstance(app.screen, FormModal)
        assert "emails: 'jane' is not an email address" in shown_text(
            app.screen.query_one("#form-error")
        )
        await press(pilot, "escape")
    assert book.person(jane.id).address[0] == "14 Acacia Avenue"


async def test_a_forwarded_report_is_identified_before_any_letter(make_app: Any) -> None:
    app, _ = make_app("warning-first")
    book = app.desk.book
    known = (
        Register(book)
        .add(Person("", "Chris Doyle", emails=("chris@example.org",), address=("31 Station Road",)))
        .person
    )
    case = book.open_case(name=None, behaviours=["swearing"], summary="Forwarded by a TA")
    async with app.run_test(size=(110, 34)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)
        await press(pilot, "d")
        assert isinstance(app.screen, CaseScreen), "no letter form for an unknown person"
        assert not book.letters(case.ref)
        await press(pilot, "P")
        await fill(pilot, {"search": "doyle"})
        choice = app.screen
        assert isinstance(choice, FormModal)
        assert choice.value_of(choice.fields[0]) == known.id
        await fill(pilot, {})
        assert book.get(case.ref).subjects[0].name == "Chris Doyle"
        await press(pilot, "d")
        assert isinstance(app.screen, FormModal), "now a letter can be drafted"


async def test_someone_new_is_added_while_identifying(make_app: Any) -> None:
    app, _ = make_app("warning-first")
    book = app.desk.book
    case = book.open_case(name=None, behaviours=["swearing"], summary="Forwarded by a TA")
    async with app.run_test(size=(110, 34)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, "P")
        await fill(pilot, {"search": "Morgan"})
        await fill(pilot, {"person": "(new)"})
        form = app.screen
        assert isinstance(form, FormModal) and form.value_of(form.fields[0]) == "Morgan"
        await fill(pilot, {"name": "Morgan Lee", "address": "2 High Street\nStockham"})
    subject = book.get(case.ref).subjects[0]
    assert subject.name == "Morgan Lee"
    assert book.person(subject.person_id).address == ("2 High Street", "Stockham")


async def test_a_letter_for_the_post_without_an_address_is_kept_not_sent(make_app: Any) -> None:
    app, _ = make_app("warning-first")
    book = app.desk.book
    async with app.run_test(size=(110, 34)) as pilot:
        ref = await open_new_case(pilot, ["swearing"])
        await press(pilot, "P")
        await fill(pilot, {"channel": "post"})
        assert book.file(ref).people[0].channel is Channel.POST
        await press(pilot, "d")
        await fill(pilot, {})
        await fill(pilot, {"incident_date": "2026-03-09", "incident_summary": "Shouted at the gate"})
        modal = app.screen
        assert isinstance(modal, LetterModal)
        for _ in range(400):
            if modal.preview is not None:
                break
            await pilot.pause(0.05)
        assert "no postal address" in shown_text(modal.query_one("#letter-status"))
        assert modal.check_action("keep", ("queue",)) is False
        await press(pilot, "k")
    assert [x.status.value for x in book.letters(ref)] == ["drafted"]
