"""A drafted letter: its text to read, its PDF to open, then ask the head, approve or send."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Label, Static
from textual.worker import Worker, WorkerState

from casework.authority import approvers_for
from casework.letter_context import build_context
from casework.letter_facts import Fact, letter_facts
from casework.outbox import LetterMove, LetterStatus, draft_refusal, moves_for, needs_approval
from casework.record import record
from store.casebook import CaseFile
from tui import forms
from tui.desk import Desk
from tui.letter_parts import changed_fields, facts_text, kind_options, letter_fields
from tui.opener import open_copy
from tui.screens.form_modal import Field, FormResult

# What each key does to the draft once kept, and how the office is told.
KEEP_MOVES: Mapping[LetterMove | None, tuple[LetterMove, ...]] = {
    None: (),
    LetterMove.SUBMIT: (LetterMove.SUBMIT,),
    LetterMove.APPROVE: (LetterMove.APPROVE, LetterMove.QUEUE),
    LetterMove.QUEUE: (LetterMove.QUEUE,),
}
KEEP_WORDS: Mapping[LetterMove | None, str] = {
    None: "kept as a draft",
    LetterMove.SUBMIT: "sent to the headteacher for approval",
    LetterMove.APPROVE: "approved and queued to send",
    LetterMove.QUEUE: "queued to send",
}


@record
class Preview:
    """A rendered letter, not yet kept."""

    pdf: bytes
    text: str
    title: str
    pages: int
    subject: str = ""
    covering_note: str = ""
    ics: bytes | None = None
    facts: tuple[Fact, ...] = ()


class LetterModal(ModalScreen[None]):
    """Renders the letter, shows its text, and keeps it as a draft going on its way."""

    CSS_PATH = "letter_modal.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Discard"),
        Binding("f", "open_pdf", "Open PDF"),
        Binding("w", "keep('submit')", "Ask head to approve"),
        Binding("a", "keep('approve')", "Approve & send"),
        Binding("g", "keep('queue')", "Send"),
        Binding("k", "keep('')", "Keep as draft"),
        Binding("e", "correct", "Correct a fact"),
    ]

    def __init__(self, desk: Desk, file: CaseFile, kind: str, fields: Mapping[str, str]) -> None:
        super().__init__()
        self.desk = desk
        self.file = file
        self.kind = kind
        self.fields = dict(fields)
        self.preview: Preview | None = None
        self.busy = True
        self.moves, self.unaddressed = self._moves()

    def _moves(self) -> tuple[tuple[LetterMove, ...], bool]:
        """What may be done with the draft once kept (casework.outbox), and whether it lacks the
        postal address it needs (a letter for the post with none may be kept, never sent)."""
        person = self.file.people[0] if self.file.people else None
        unaddressed = person is None or (person.by_post and not person.address)
        policy = self.desk.config.policy
        moves = moves_for(
            LetterStatus.DRAFTED,
            needs_approval(policy, self.kind),
            self.desk.actor,
            unaddressed=unaddressed,
            approvers=approvers_for(policy, self.kind),
        )
        return tuple(moves), unaddressed

    def compose(self) -> ComposeResult:
        """The title, the letter's text and the keys."""
        with Vertical(id="letter-dialog"):
            yield Label(Text(f"{self.file.case.ref}: {self.kind} letter"), id="letter-title")
            yield Static(Text("Preparing the letter…"), id="letter-status")
            with VerticalScroll(id="letter-body"):
                yield Static("", id="letter-facts")
                yield Static("", id="letter-text")
        yield Footer()

    def on_mount(self) -> None:
        """Render in a thread: WeasyPrint takes a moment."""
        self.render_letter()

    @work(thread=True, exclusive=True, exit_on_error=False, group="letter-render")
    def render_letter(self) -> None:
        """Build the context from the case and the typed fields, and render the PDF."""
        from letters.compose import compose
        from letters.kinds import LetterError
        from letters.render import renderer_for

        person = self.file.people[0] if self.file.people else None
        try:
            renderer = self.desk.cache.get("renderer")
            if renderer is None:
                renderer = self.desk.cache["renderer"] = renderer_for(self.desk.config)
            composed = compose(
                renderer,
                self.desk.config,
                self.file.case,
                person,
                self.kind,
                self.fields,
                self.desk.today(),
            )
            ctx = build_context(
                self.desk.config, self.file.case, person, self.kind, self.fields, self.desk.today()
            )
            facts = letter_facts(ctx, self.file.case, person, self.fields)
        except (LetterError, ValueError) as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        letter = composed.rendered
        # The email carries the covering note, a subject naming the letter, and the .ics.
        preview = Preview(
            letter.pdf,
            letter.text,
            letter.title,
            letter.pages,
            composed.subject,
            letter.covering_note,
            composed.ics,
            facts,
        )
        self.app.call_from_thread(self.rendered, preview)

    def rendered(self, preview: Preview) -> None:
        """Show the letter's text and what can happen next."""
        self.preview, self.busy = preview, False
        if LetterMove.APPROVE in self.moves:
            nxt = "a approve & send"
        elif LetterMove.SUBMIT in self.moves:
            nxt = "w ask the head to approve"
        else:
            nxt = "g send"
        if self.unaddressed and LetterMove.QUEUE not in self.moves:
            nxt = "no postal address: it can be kept, not sent"
        status = Text(
            f"{preview.title} · {preview.pages} page(s) · f open the PDF · {nxt} · "
            "k keep as a draft · esc discard"
        )
        self.query_one("#letter-status", Static).update(status)
        self.query_one("#letter-facts", Static).update(facts_text(preview.facts))
        self.query_one("#letter-text", Static).update(Text(preview.text))
        self.query_one("#letter-body").focus()
        self.refresh_bindings()

    def failed(self, problem: str) -> None:
        """The letter cannot be made yet: say why (esc goes back)."""
        self.busy = False
        self.query_one("#letter-status", Static).update(
            Text(f"This letter cannot be made yet: {problem}", style="bold red")
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer the moves the letter can make, once it is rendered."""
        if action == "close":
            return True
        if action == "correct":
            return not self.busy
        if self.preview is None:
            return False
        if action == "keep" and parameters and parameters[0]:
            return LetterMove(str(parameters[0])) in self.moves
        return True

    def action_close(self) -> None:
        """Back to the case without keeping the letter."""
        self.dismiss(None)

    def action_correct(self) -> None:
        """Ask which fact is wrong, and open the form where it is kept (tui.fact_fix)."""
        if self.busy:
            return
        from tui import fact_fix

        facts = self.preview.facts if self.preview else ()
        if not facts:
            self.correct_own()
            return

        def chosen(answers: FormResult | None) -> None:
            if answers is not None:
                fact_fix.correct(self, facts[int(answers["fact"])], self.correct_own)

        self.app.push_screen(fact_fix.which_fact(facts), chosen)

    def correct_own(self) -> None:
        """Correct the letter's own facts (typed for this letter), then preview again."""
        also = tuple(f.field for f in (self.preview.facts if self.preview else ()) if f.field)
        fields = letter_fields(self.desk, self.file, self.kind, self.fields, also)
        if not fields:
            self.notify("Every fact here comes from the case: correct it there.", markup=False)
            return

        def corrected(answers: FormResult | None) -> None:
            if answers is None:
                return
            self.fields.update(changed_fields(fields, answers))
            self.render_again()

        self.app.push_screen(forms.letter_details(self.kind, fields), corrected)

    def render_again(self, file: CaseFile | None = None) -> None:
        """Render the letter again (from the case as reloaded, when given)."""
        if file is not None:
            self.file = file
            self.moves, self.unaddressed = self._moves()
        self.preview, self.busy = None, True
        self.query_one("#letter-status", Static).update(Text("Preparing the letter…"))
        self.refresh_bindings()
        self.render_letter()

    def write_then_render(self, done: str, change: Callable[[], object]) -> None:
        """Record a correction in a thread, then render the letter from the case as it is now."""
        self.run_worker(
            partial(self._write, done, change), thread=True, exit_on_error=False, group="case-write"
        )

    def _write(self, done: str, change: Callable[[], object]) -> None:
        change()
        self._reload(done)

    def _written(self, done: str) -> None:
        """A correction was saved elsewhere (tui.person_flow): reload the case and render again."""
        self.run_worker(
            partial(self._reload, done), thread=True, exit_on_error=False, group="case-write"
        )

    def _reload(self, done: str) -> None:
        file = self.desk.book.file(self.file.case.ref)
        self.app.call_from_thread(self.notify, done, markup=False)
        self.app.call_from_thread(self.render_again, file)

    def action_open_pdf(self) -> None:
        """Open the PDF in the system viewer."""
        if self.preview is not None:
            pdf = self.preview.pdf
            open_copy(self, lambda: pdf, f"{self.file.case.ref}-{self.kind}.pdf")

    def action_keep(self, move: str) -> None:
        """Keep the letter as a draft and move it on (ask the head, approve, or send)."""
        if self.preview is not None and not self.busy:
            self.busy = True
            self.keep(self.preview, LetterMove(move) if move else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="letter-keep")
    def keep(self, preview: Preview, move: LetterMove | None) -> None:
        """Store the draft, then make the chosen move, in a thread."""
        outbox = self.desk.outbox
        ref = self.file.case.ref
        try:
            letter = outbox.add_draft(
                ref,
                self.kind,
                preview.pdf,
                fields=self.fields,
                subject=preview.subject,
                body_text=preview.covering_note,
                ics=preview.ics,
            )
            # Approving from here sends too: the head has read the letter on screen.
            words = KEEP_WORDS[move]
            for step in KEEP_MOVES[move]:
                if step is LetterMove.QUEUE and letter.unaddressed:
                    words = "approved; not queued: it goes by post and has no postal address"
                    break
                letter = outbox.move(ref, letter.id, step)
            if letter.status is LetterStatus.QUEUED and (trouble := outbox.sending_trouble()):
                words += f", but NOT sent yet: {trouble}. It goes when the daemon runs"
        finally:
            self.busy = False
        self.app.call_from_thread(self.notify, f"{ref}: {self.kind} letter {words}")
        # The modal closes once this worker has finished (on_worker_state_changed): closing it
        # from inside the worker would cancel the worker that is closing it.

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Close once the letter is kept."""
        if event.worker.group == "letter-keep" and event.state is WorkerState.SUCCESS:
            self.dismiss(None)


def draft_letter(screen: Screen[Any], desk: Desk, file: CaseFile) -> None:
    """Ask which letter (the ladder's first), then what the case does not record, then preview."""
    refusal = draft_refusal(file.case, file.people)
    if refusal:
        screen.notify(refusal, title="No letter yet", severity="warning", markup=False)
        return
    suggested, options = kind_options(desk, file)

    def preview(kind: str, asked: list[Field], answers: FormResult | None) -> None:
        if answers is not None:
            typed = changed_fields(asked, answers)
            screen.app.push_screen(LetterModal(desk, file, kind, typed))

    def kind_chosen(answers: FormResult | None) -> None:
        if answers is None:
            return
        kind = answers["kind"]
        fields = letter_fields(desk, file, kind)
        if fields:
            screen.app.push_screen(
                forms.letter_details(kind, fields), partial(preview, kind, fields)
            )
        else:
            preview(kind, [], {})

    screen.app.push_screen(forms.letter_kind(suggested, options), kind_chosen)
