"""The people the school deals with: found as you type, added and edited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Input

from casework.people import Person, matches
from casework.person_fields import person_from_fields
from store.register import PersonFile, Register
from tui.desk import Desk
from tui.person_forms import answers_text, person_form
from tui.screens.form_modal import FormResult
from tui.widgets.record_table import Column, RecordTable

PEOPLE_COLUMNS: list[Column[Person]] = [
    Column("Name", 16, lambda p: Text(p.name), lambda p: p.name.lower(), flex=2),
    Column("Email", 16, lambda p: Text(p.email or ""), lambda p: p.email or "", flex=2),
    Column("Phone", 13, lambda p: Text(p.phone), None),
    Column(
        "Children",
        14,
        lambda p: Text(", ".join(c.name for c in p.children)),
        lambda p: ", ".join(c.name for c in p.children),
        flex=2,
    ),
    Column("By", 5, lambda p: p.channel.value, lambda p: p.channel.value),
]


def file_intro(file: PersonFile) -> str:
    """What the edit form says above the details: the other adults responsible, the cases."""
    lines = [f"Also responsible for {child.name}: {other.name}" for child, other in file.co_parents]
    lines += [f"Case {c.ref} ({c.status.value}): {c.summary}" for c in file.cases]
    return "\n".join(lines)


class PeopleScreen(Screen[None]):
    """Parents, carers and other adults: type to find, n to add, enter to edit."""

    CSS_PATH = "people.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("n", "new_person", "New person"),
        Binding("e", "edit_person", "Edit"),
        Binding("slash", "filter", "Find"),
    ]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.words: list[str] = []

    def compose(self) -> ComposeResult:
        """The finder, the list, the keys."""
        yield Header()
        yield Input(
            placeholder="Find by name, email, phone or a child's name",
            id="people-filter",
            compact=True,
        )
        yield RecordTable[Person](
            PEOPLE_COLUMNS,
            key=lambda p: p.id,
            empty="Loading…",
            sort_column=0,
            id="people-table",
        )
        yield Footer()

    def on_mount(self) -> None:
        """Load everyone."""
        self.title = "Conduct Desk"
        self.sub_title = "People"
        self.query_one("#people-filter").focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="people-load")
    def load(self) -> None:
        """Read the people in a thread."""
        people = [p for p in Register(self.desk.book).everyone() if not p.placeholder]
        self.app.call_from_thread(self.show, people)

    def show(self, people: list[Person]) -> None:
        """Put the people on screen, keeping the cursor."""
        self.table.set_rows(people, empty="Nobody matches (n adds a person).")

    def store_changed(self) -> None:
        """Something was committed: reload."""
        self.load()

    @property
    def table(self) -> RecordTable[Person]:
        """The list of people."""
        return self.query_one("#people-table", RecordTable)

    @on(Input.Changed, "#people-filter")
    def _filter(self, event: Input.Changed) -> None:
        words = event.value.lower().split()
        self.table.set_filter((lambda p: matches(p, words)) if words else None)

    @on(Input.Submitted, "#people-filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def action_filter(self) -> None:
        """Type to find someone."""
        self.query_one("#people-filter").focus()

    def action_back(self) -> None:
        """Back to the dashboard."""
        self.app.pop_screen()

    def action_new_person(self) -> None:
        """Ask for a new person's details and add them."""
        self.app.push_screen(person_form(None), self._added)

    def _added(self, answers: FormResult | None) -> None:
        if answers:
            self.save(
                lambda reg: reg.add(person_from_fields(Person("", ""), answers_text(answers)))
            )

    @on(RecordTable.RowChosen, "#people-table")
    def action_edit_person(self) -> None:
        """Edit the person under the cursor (their cases and co-parents shown above)."""
        person = self.table.cursor_row
        if isinstance(person, Person):
            self.open_form(person.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="people-write")
    def open_form(self, person_id: str) -> None:
        """Read the person's file, then show their form."""
        file = Register(self.desk.book).file(person_id)
        form = person_form(file.person, intro=file_intro(file))

        def answered(answers: FormResult | None) -> None:
            if answers:
                base = file.person
                self.save(lambda reg: reg.save(person_from_fields(base, answers_text(answers))))

        self.app.call_from_thread(self.app.push_screen, form, answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="people-write")
    def save(self, change: Callable[[Register], Any]) -> None:
        """Write in a thread, say what was done, reload."""
        saved = change(Register(self.desk.book))
        words = (
            "added"
            if saved.added
            else (
                "changed: " + ", ".join(c.field for c in saved.changes)
                if saved.changes
                else "unchanged"
            )
        )
        self.app.call_from_thread(self.notify, f"{saved.person.name} {words}", markup=False)
        self.app.call_from_thread(self.load)
