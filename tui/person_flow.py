"""From a case: edit its person's details, or identify who a case about 'To be identified' is about."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from casework.people import Person
from casework.person_fields import person_from_fields
from store.casebook import CaseFile
from store.register import Register
from tui.desk import Desk
from tui.person_forms import NEW, answers_text, identify_choice, identify_search, person_form
from tui.screens.form_modal import FormResult


class PersonFlow:
    """The questions, in order, and the writes they lead to; the case screen reloads after."""

    def __init__(self, screen: Screen[Any], desk: Desk, file: CaseFile) -> None:
        self.screen = screen
        self.app = screen.app
        self.desk = desk
        self.file = file

    def start(self, field: str = "") -> None:
        """Edit the person (starting in ``field``), or, when the case's person is not known yet,
        find them first."""
        person = self.file.people[0] if self.file.people else None
        if person is None or person.placeholder:
            self.app.push_screen(identify_search(), self._searched)
        else:
            form = person_form(person)
            form.start_in = field
            self.app.push_screen(form, lambda a: self._edited(person, a))

    def _run(self, job: Callable[[], None]) -> None:
        # Store writes run in a thread; a failure is reported by the app's one handler.
        self.screen.run_worker(job, thread=True, exit_on_error=False, group="case-write")

    def _edited(self, person: Person, answers: FormResult | None) -> None:
        if not answers:
            return

        def job() -> None:
            changed = person_from_fields(person, answers_text(answers))
            saved = Register(self.desk.book).save(changed)
            words = ", ".join(c.field for c in saved.changes) or "nothing"
            self._done(f"{saved.person.name}: {words} changed")

        self._run(job)

    def _searched(self, answers: FormResult | None) -> None:
        if answers is None:
            return
        search = str(answers["search"]).strip()

        def job() -> None:
            found = Register(self.desk.book).find(search) if search else []
            self.app.call_from_thread(
                self.app.push_screen,
                identify_choice(found, search),
                lambda a: self._chosen(a, search),
            )

        self._run(job)

    def _chosen(self, answers: FormResult | None, search: str) -> None:
        if answers is None:
            return
        if answers["person"] == NEW:
            form = person_form(Person("", search), title="Who the case is about")
            self.app.push_screen(form, self._new_answered)
        else:
            self._identify(str(answers["person"]), None)

    def _new_answered(self, answers: FormResult | None) -> None:
        if answers:
            self._identify("", answers)

    def _identify(self, person_id: str, new: FormResult | None) -> None:
        """Point the case at the person (added first when new)."""

        def job() -> None:
            register = Register(self.desk.book)
            pid = person_id
            if new is not None:
                pid = register.add(person_from_fields(Person("", ""), answers_text(new))).person.id
            case = register.identify(self.file.case.ref, pid)
            self._done(f"{case.ref} is about {', '.join(s.name for s in case.subjects)}")

        self._run(job)

    def _done(self, words: str) -> None:
        done = getattr(self.screen, "_written", None)
        if callable(done):
            self.app.call_from_thread(done, words)
