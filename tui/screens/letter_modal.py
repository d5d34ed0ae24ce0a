"""A drafted letter: its text to read, its PDF to open, then ask the head, approve or send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
from casework.letter_facts import Fact, ban_letter_refusal, letter_facts
from casework.outbox import LetterMove, LetterStatus, draft_refusal, moves_for, needs_approval
from store.casebook import CaseFile
from tui import forms
from tui.desk import Desk
from tui.opener import open_copy
from tui.screens.form_modal import Field, FormResult

# Fields the office may type for a letter, with how the form asks for each.
SETTABLE: Mapping[str, Field] = {
    "incident_date": Field("incident_date", "Date of the incident", "date", required=True),
    "incident_summary": Field(
        "incident_summary", "What happened (as the letter says it)", "area", required=True
    ),
    "meeting_with": Field(
        "meeting_with",
        "Meeting with",
        "choice",
        options=(
            ("senior", "A senior member of staff"),
            ("chair", "The Chair of Governors and the head"),
            ("formal", "Formal meeting"),
        ),
        required=True,
    ),
    "meeting_date": Field("meeting_date", "Meeting date", "date", required=True),
    "meeting_time": Field("meeting_time", "Meeting time", "time", required=True),
    "meeting_place": Field("meeting_place", "Meeting place", required=True),
    "meeting_outcome": Field(
        "meeting_outcome",
        "The meeting was",
        "choice",
        options=(("refused", "Refused"), ("no-show", "Not attended")),
        required=True,
    ),
    "outcome": Field(
        "outcome",
        "Review outcome",
        "choice",
        options=(("continued", "The ban continues"), ("lifted", "The ban is lifted")),
        required=True,
    ),
    "next_review_on": Field("next_review_on", "Next review", "date", required=True),
    "lifted_on": Field("lifted_on", "Lifted on", "date", required=True),
}


# Fields a ban letter takes from the ban's record when it holds them (casework.ban_record).
RECORDED = ("outcome", "next_review_on", "lifted_on")

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


@dataclass(frozen=True)
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


def facts_text(facts: tuple[Fact, ...]) -> Text:
    """Each fact the letter states, where it came from, and how to correct it (never markup)."""
    text = Text()
    text.append("Facts in this letter (e corrects a fact marked *)\n", style="bold")
    for fact in facts:
        mark = "*" if fact.field else " "
        text.append(f"{mark} {fact.label}: ", style="bold")
        text.append(fact.value)
        text.append(f"\n    from {fact.source}; {fact.fix}\n", style="dim")
    return text


def suggested_kind(desk: Desk, file: CaseFile) -> str | None:
    """The letter of the step the case is at, else of the step the ladder suggests."""
    policy = desk.config.policy
    for step_id in (file.case.step, file.suggestion.step if file.suggestion else None):
        if step_id:
            step = policy.step(step_id)
            if step.letter:
                return step.letter
    return None


def letter_fields(
    desk: Desk,
    file: CaseFile,
    kind: str,
    typed: Mapping[str, str] | None = None,
    also: tuple[str, ...] = (),
) -> list[Field]:
    """The kind's required fields (and ``also``) the office can type, prefilled from the case
    and from what was already typed for this letter."""
    from letters.kinds import kinds_for, letter_kind

    person = file.people[0] if file.people else None
    typed = dict(typed or {})
    try:
        ctx = build_context(desk.config, file.case, person, kind, typed, desk.today()).as_mapping()
    except ValueError:
        ctx = {}
    fields = []
    required = letter_kind(kind, kinds_for(desk.config.policy.letter_kinds)).required
    for name in dict.fromkeys((*required, *also)):
        if name not in SETTABLE:
            continue
        value = ctx.get(name)
        if name in RECORDED and value:
            continue  # the ban's record says it: the letter follows, nothing to ask
        if value is not None and hasattr(value, "isoformat"):
            shown = value.isoformat()[:5] if name == "meeting_time" else value.isoformat()
        else:
            shown = str(value or "")
        base = SETTABLE[name]
        helptext = ""
        if name == "incident_summary" and not shown:
            # Offered, never used silently: the words the case was opened with (an email's
            # subject, often) are a starting point the office reads and rewrites.
            helptext = f"No incident is recorded. The case was opened as: {file.case.summary}"
        fields.append(
            Field(
                base.name,
                base.label,
                base.kind,
                value=shown or base.value,
                options=base.options,
                required=base.required,
                help=helptext,
            )
        )
    return fields


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
        # What a person may do with the draft once kept, by the rules in casework.outbox.
        person = file.people[0] if file.people else None
        # A letter for the post with no address on it may be kept, never sent.
        self.unaddressed = person is None or (person.by_post and not person.address)
        policy = desk.config.policy
        self.moves = moves_for(
            LetterStatus.DRAFTED,
            needs_approval(policy, kind),
            desk.actor,
            unaddressed=self.unaddressed,
            approvers=approvers_for(policy, kind),
        )

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
        """Correct the letter's own facts here (typed for this letter), then preview again."""
        if self.busy:
            return
        also = tuple(f.field for f in (self.preview.facts if self.preview else ()) if f.field)
        fields = letter_fields(self.desk, self.file, self.kind, self.fields, also)
        if not fields:
            self.notify("Every fact here comes from the case: correct it there.", markup=False)
            return

        def corrected(answers: FormResult | None) -> None:
            if answers is None:
                return
            self.fields.update(changed_fields(fields, answers))
            self.preview, self.busy = None, True
            self.query_one("#letter-status", Static).update(Text("Preparing the letter…"))
            self.render_letter()

        self.app.push_screen(forms.letter_details(self.kind, fields), corrected)

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


def kind_options(desk: Desk, file: CaseFile) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The suggested kind and every kind that fits the case, the suggested one first.

    A ban letter is offered only for a ban in the state it describes (casework.letter_facts).
    """
    from letters.kinds import kinds_for

    kinds = kinds_for(desk.config.policy.letter_kinds)
    suggested = suggested_kind(desk, file)
    fitting = [k for k in kinds if ban_letter_refusal(k, file.case) is None]
    if suggested not in fitting:
        suggested = None
    names = sorted(fitting, key=lambda k: k != suggested)
    options = tuple(
        (k, f"{kinds[k].english_title}" + ("  [suggested]" if k == suggested else ""))
        for k in names
    )
    return suggested, options


def changed_fields(asked: list[Field], answers: Mapping[str, Any]) -> dict[str, str]:
    """What the office typed for the letter: answers that differ from what the case gave the
    form (an answer left as prefilled stays the case's fact, and the preview says so)."""
    prefilled = {f.name: str(f.value) for f in asked}
    return {k: v for k, v in any_field(answers).items() if v.strip() != prefilled.get(k, "").strip()}


def any_field(values: Mapping[str, Any]) -> dict[str, str]:
    """Answers as the strings build_context takes."""
    return {k: str(v) for k, v in values.items() if v not in ("", None) and k != "kind"}


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
