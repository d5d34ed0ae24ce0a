"""One case: who it is about, where it is on the ladder, its timeline, evidence and letters.

Keys, workers and the flow between forms; the texts, columns and forms it shows are built in
``tui.case_parts``, ``tui.case_text``, ``tui.case_columns``, ``tui.forms`` and ``tui.ladder_forms``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from casework.authority import decides_bans
from casework.events import Event
from casework.ladder import StepOrderError, in_order
from casework.outbox import LetterMove, LetterRecord, allowed_moves
from casework.payloads import PayloadError
from casework.policy import BanAction, Policy, Step
from store.access import view_case
from store.casebook import Casebook, CaseFile
from tui import case_columns, forms, ladder_forms
from tui.case_columns import EvidenceRow
from tui.case_keys import CASE_KEYS, LETTER_KEYS
from tui.case_parts import (
    NO_EVIDENCE,
    NO_LETTERS,
    TAB_TABLES,
    case_table,
    key_offered,
    moved_words,
    recorded_entry,
)
from tui.case_text import ladder_text, person_text, summary_text
from tui.desk import Desk
from tui.forms import Entry
from tui.opener import open_copy
from tui.screens.form_modal import FormModal, FormResult
from tui.screens.reason_modal import ReasonModal
from tui.widgets.record_table import RecordTable


class CaseScreen(Screen[None]):
    """Works one case: every action is a key, in the footer and the command palette."""

    CSS_PATH = "case.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(CASE_KEYS)

    def __init__(self, desk: Desk, ref: str) -> None:
        super().__init__()
        self.desk = desk
        self.ref = ref.upper()
        self.file: CaseFile | None = None
        self._announce = False
        self._viewed = False  # a restricted case's opening is recorded once, not each refresh
        self._decides_bans = decides_bans(desk.config.policy, desk.actor)

    # -- layout and data ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Summary on top, then tabs for the timeline, person, ladder, evidence, letters."""
        yield Header()
        yield Static(Text(f"{self.ref}  loading…"), id="case-summary")
        with TabbedContent(id="case-tabs", initial="timeline"):
            with TabPane("Timeline", id="timeline"):
                yield case_table(
                    case_columns.TIMELINE_COLUMNS, "timeline-table", "Loading…", True
                )
            with TabPane("Person", id="person"), VerticalScroll():
                yield Static("", id="person-text")
            with TabPane("Ladder", id="ladder"), VerticalScroll():
                yield Static("", id="ladder-text")
            with TabPane("Evidence", id="evidence"):
                yield case_table(case_columns.EVIDENCE_COLUMNS, "evidence-table", NO_EVIDENCE)
            with TabPane("Letters", id="letters"):
                yield case_table(case_columns.CASE_LETTER_COLUMNS, "letter-table", NO_LETTERS)
        yield Footer()

    def on_mount(self) -> None:
        """Load the case."""
        self.title = "Conduct Desk"
        self.sub_title = self.ref
        self.query_one("#timeline-table").focus()
        self.load()

    def load(self) -> None:
        """Read the case (as this member of staff may see it) and its letters in a thread."""
        # Decided here, on the screen's own thread: the first load's record of the viewing is
        # itself a write that triggers a refresh, and two loaders could both see it unrecorded.
        record, self._viewed = not self._viewed, True
        self._load(record)

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-load")
    def _load(self, record: bool) -> None:
        seen = view_case(self.desk.book, self.ref, "case screen", record=record)
        if seen.file is None:
            self.app.call_from_thread(self.withhold, seen.notice)
            return
        letters = self.desk.book.letters(self.ref)
        self.app.call_from_thread(self.show, seen.file, letters)

    def withhold(self, notice: str) -> None:
        """A restricted case this person may not see: that it exists, and whom to ask."""
        self.query_one("#case-summary", Static).update(Text(notice))
        self.query_one("#timeline-table", RecordTable).set_rows([], empty="Restricted record.")

    def show(self, file: CaseFile, letters: list[LetterRecord]) -> None:
        """Put the case on screen, keeping each table's cursor."""
        before = self.file.suggestion if self.file else None
        self.file = file
        today, policy = self.desk.today(), self.policy
        self.query_one("#case-summary", Static).update(summary_text(policy, file, today))
        self.query_one("#person-text", Static).update(person_text(file))
        self.query_one("#ladder-text", Static).update(ladder_text(policy, file, today))
        self.query_one("#timeline-table", RecordTable).set_rows(file.events)
        evidence = case_columns.evidence_rows(file.events)
        self.query_one("#evidence-table", RecordTable).set_rows(evidence)
        self.query_one("#letter-table", RecordTable).set_rows(letters)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("evidence").label = Text(f"Evidence ({len(evidence)})")
        tabs.get_tab("letters").label = Text(f"Letters ({len(letters)})")
        if self._announce and file.suggestion and file.suggestion != before:
            self.notify(
                f"The ladder now suggests: {policy.label(file.suggestion.step)} "
                f"({file.suggestion.why}). Press t.",
                markup=False,
            )
        self._announce = False
        self.refresh_bindings()

    def store_changed(self) -> None:
        """Something was committed (here or by another process): reload."""
        self.load()

    # -- helpers ------------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        """The school's policy."""
        return self.desk.config.policy

    def _step_where(self, test: Callable[[Step], bool]) -> Step | None:
        return next((s for s in self.policy.steps if test(s)), None)

    def ask(self, modal: FormModal, then: Callable[[FormResult], object]) -> None:
        """Show a form; run ``then`` with the answers unless it was cancelled."""

        def answered(answers: FormResult | None) -> None:
            if answers is not None:
                then(answers)

        self.app.push_screen(modal, answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-write")
    def write(self, done: str, change: Callable[[Casebook], object]) -> None:
        """Make a change to the store in a thread, then say so and reload."""
        change(self.desk.book)
        self.app.call_from_thread(self._written, done)

    def _written(self, done: str) -> None:
        self._announce = True
        self.notify(done, markup=False)
        self.load()

    def record(self, read: Callable[[FormResult], Entry], answers: FormResult) -> None:
        """Record what a form's answers say, checked as the command line checks them."""
        ref, case = self.ref, self.file.case if self.file else None
        try:
            entry, payload = recorded_entry(read, answers, self.desk.config, case, self.desk.today())
        except PayloadError as exc:
            self.notify(str(exc), title="Not recorded", severity="error", markup=False)
            return
        self.write(
            f"{ref}: {entry.type.value.replace('-', ' ')} recorded",
            lambda book: book.add(ref, entry.type, entry.summary, payload),
        )

    def _selected(self, table_id: str) -> object:
        return self.query_one(f"#{table_id}", RecordTable).cursor_row

    @property
    def active_tab(self) -> str:
        """The tab on show."""
        return self.query_one(TabbedContent).active or "timeline"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what makes sense for this case now."""
        file = self.file
        if file is None:
            return action in ("back", "tab") or None
        letter = self._letter() if action in ("letter", "open_letter") else None
        row = self._evidence() if action in ("split_email", "view_evidence") else None
        return key_offered(
            self.policy, file.case, action, parameters, self.desk.actor, self._decides_bans, letter, row
        )

    @on(RecordTable.RowHighlighted)
    @on(TabbedContent.TabActivated)
    def _moved(self) -> None:
        self.refresh_bindings()

    def action_back(self) -> None:
        """Back to the dashboard."""
        self.app.pop_screen()

    def action_tab(self, tab: str) -> None:
        """Switch tab."""
        self.query_one(TabbedContent).active = tab
        if tab in TAB_TABLES:
            self.query_one(f"#{TAB_TABLES[tab]}").focus()

    # -- the ladder ---------------------------------------------------------------------

    def action_take_step(self) -> None:
        """Choose a step (the suggested one first) and move the case to it."""
        if self.file is not None:
            self.ask(ladder_forms.take_step(self.policy, self.file, self.desk.actor), self._step_chosen)

    def _step_chosen(self, answers: FormResult) -> None:
        self.begin_step(answers["step"])

    def begin_step(self, step_id: str) -> None:
        """Ask what the step needs (ban dates, review outcome, reference, outcome), then move."""
        assert self.file is not None
        form = ladder_forms.step_form(self.desk.config, step_id, self.file, self.desk.today())
        if form is None:
            self.move(step_id, {})
        else:
            self.ask(form, lambda a: self.move(step_id, forms.strings(a)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-write")
    def move(self, step_id: str, fields: dict[str, str], reason: str | None = None) -> None:
        """Move the case in a thread; out of order, ask for the reason and try again."""
        try:
            case = self.desk.book.step(self.ref, step_id, reason=reason, fields=fields)
        except StepOrderError as exc:
            if reason:
                raise
            self.app.call_from_thread(self.ask_reason, step_id, fields, str(exc))
            return
        done = moved_words(self.policy, case)
        self.app.call_from_thread(self._written, done)

    def ask_reason(self, step_id: str, fields: dict[str, str], problem: str) -> None:
        """The move skips the ladder: ask why, and record it with the move."""

        def answered(reason: str | None) -> None:
            if reason:
                self.move(step_id, fields, reason)

        self.app.push_screen(ReasonModal(self.policy.label(step_id), problem), answered)

    def action_impose_ban(self) -> None:
        """Provisional ban, or notice of intent: pick one, then its dates."""
        form = ladder_forms.ban_kind(self.policy)
        if form is None:
            self.notify("This policy has no ban steps.", severity="warning")
        else:
            self.ask(form, self._step_chosen)

    def action_review_ban(self) -> None:
        """Review the ban: it continues (next review date) or is lifted."""
        step = self._step_where(lambda s: s.ban is BanAction.REVIEW)
        if step is not None:
            self.begin_step(step.id)

    def action_lift_ban(self) -> None:
        """Lift the ban from today."""
        step = self._step_where(lambda s: s.ban is BanAction.LIFT)
        if step is not None:
            self.begin_step(step.id)

    def action_close_case(self) -> None:
        """Close the case with an outcome."""
        step = self._step_where(lambda s: s.closes)
        if step is not None:
            self.begin_step(step.id)

    def action_reopen(self) -> None:
        """Reopen a closed case, saying why."""
        ref = self.ref
        self.ask(
            ladder_forms.reopen(),
            lambda a: self.write(f"{ref} reopened", lambda book: book.reopen(ref, a["reason"])),
        )

    def action_keep_closed(self) -> None:
        """A reply reached the closed case: record that it was read and the case stays closed."""
        ref = self.ref
        self.ask(
            ladder_forms.keep_closed(),
            lambda a: self.write(
                f"{ref} stays closed",
                lambda book: book.keep_closed(ref, a["reason"]),
            ),
        )

    def action_referral(self) -> None:
        """Refer to the police or legal advisors, with their reference number."""
        if self.file is not None:
            form = forms.referral(self.policy, self.file, self.desk.today())
            self.ask(form, self._referral_answered)

    def _referral_answered(self, a: FormResult) -> None:
        assert self.file is not None
        step = self._step_where(lambda s: s.referral == a["to"])
        if step is not None and in_order(self.policy, self.file.case, step.id):
            self.move(step.id, {"reference": a["reference"]})
        else:
            # Off the ladder here (a case under a ban, say): record it without moving the case.
            self.record(partial(forms.referral_entry, self.policy), a)

    # -- actions that record events -----------------------------------------------------

    def action_record(self, what: str) -> None:
        """Ask the questions for one kind of entry (forms.RECORDS) and record the answers."""
        if self.file is not None:
            form, read = forms.RECORDS[what]
            modal = form(self.desk.config, self.file, self.desk.today())
            # The form refuses, in place, what the command line would refuse.
            modal.validate = partial(
                forms.check_entry, read, self.desk.config, self.desk.today(), self.file.case.step
            )
            self.ask(modal, partial(self.record, read))

    def action_note(self) -> None:
        """Add a note to the timeline."""
        ref = self.ref
        self.ask(
            forms.note(),
            lambda a: self.write(f"{ref}: note added", lambda book: book.note(ref, a["text"])),
        )

    # -- evidence -----------------------------------------------------------------------

    def _evidence(self) -> EvidenceRow | None:
        row = self._selected("evidence-table") if self.active_tab == "evidence" else None
        return row if isinstance(row, EvidenceRow) else None

    def action_view_evidence(self) -> None:
        """Read the evidence under the cursor."""
        from tui.screens.evidence_modal import EvidenceModal

        row = self._evidence()
        if row is not None:
            self.app.push_screen(EvidenceModal(self.desk, row.sha256, row.name, row.name, self.ref))

    @on(RecordTable.RowChosen, "#timeline-table")
    def _event_chosen(self) -> None:
        """Enter on a timeline entry reads it in full (a statement, an account, a note)."""
        from tui.screens.event_modal import EventModal

        event = self._selected("timeline-table")
        if isinstance(event, Event):
            self.app.push_screen(EventModal(event))

    @on(RecordTable.RowChosen, "#evidence-table")
    def _evidence_chosen(self) -> None:
        self.action_view_evidence()

    def action_split_email(self) -> None:
        """An email threaded into this case belongs to another: open a new case with it."""
        row = self._evidence()
        if row is not None:
            d = row.evidence
            form = forms.split_email(self.policy, row.name, d.sender, d.subject or row.name)
            ref = self.ref

            def split(a: FormResult) -> None:
                self.write(
                    "The email is now evidence on a new case",
                    lambda book: book.split_email(
                        ref,
                        row.event.id,
                        name=a["name"],
                        email=a["email"] or None,
                        behaviours=a["behaviours"],
                        summary=a["summary"],
                    ),
                )

            self.ask(form, split)

    def action_person(self) -> None:
        """Edit the person's details, or identify who a case about 'To be identified' is about."""
        from tui.person_flow import PersonFlow

        if self.file is not None:
            PersonFlow(self, self.desk, self.file).start()

    # -- letters ------------------------------------------------------------------------

    def action_draft_letter(self) -> None:
        """Draft a letter: the kind the ladder suggests, its fields, a preview, then on."""
        from tui.screens.letter_modal import draft_letter

        if self.file is not None:
            draft_letter(self, self.desk, self.file)

    def _letter(self) -> LetterRecord | None:
        row = self._selected("letter-table") if self.active_tab == "letters" else None
        return row if isinstance(row, LetterRecord) else None

    def action_letter(self, key: str) -> None:
        """Approve, ask the head, or send the letter under the cursor, as the rules allow."""
        letter = self._letter()
        if letter is None:
            return
        allowed = allowed_moves(letter, self.desk.actor)
        moves, words = LETTER_KEYS[key]
        # The first the rules allow; if none is, the first, so that the refusal says why.
        move = next((m for m in moves if m in allowed), moves[0])
        self.letter_move(letter, move, words)

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-write")
    def letter_move(self, letter: LetterRecord, move: LetterMove, words: str) -> None:
        """Move a letter on in a thread."""
        outbox = self.desk.outbox
        outbox.move(letter.case_ref, letter.id, move)
        trouble = outbox.sending_trouble() if move in (LetterMove.QUEUE, LetterMove.RETRY) else None
        if trouble:
            words += f", but NOT sent yet: {trouble}"
        self.app.call_from_thread(self._written, f"{letter.kind} letter {words}")

    def action_open_letter(self) -> None:
        """Open the letter's PDF in the system viewer."""
        if (letter := self._letter()) is not None:
            outbox = self.desk.outbox
            open_copy(self, lambda: outbox.pdf(letter), letter.attachment_name)

    @on(RecordTable.RowChosen, "#letter-table")
    def _letter_chosen(self) -> None:
        self.action_open_letter()
