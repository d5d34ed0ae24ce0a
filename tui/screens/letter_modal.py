"""A drafted letter: its text to read, its PDF to open, then ask the head, approve or send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from casework.letter_context import build_context
from store.casebook import CaseFile
from tui.desk import Desk
from tui.opener import open_in_viewer, write_copy
from tui.screens.form_modal import Field

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


def suggested_kind(desk: Desk, file: CaseFile) -> str | None:
    """The letter of the step the case is at, else of the step the ladder suggests."""
    policy = desk.config.policy
    for step_id in (file.case.step, file.suggestion.step if file.suggestion else None):
        if step_id:
            step = policy.step(step_id)
            if step.letter:
                return step.letter
    return None


def needs_approval(desk: Desk, kind: str) -> bool:
    """The policy says the headteacher approves this kind before it goes."""
    return any(s.letter == kind and s.approval for s in desk.config.policy.steps)


def letter_fields(desk: Desk, file: CaseFile, kind: str) -> list[Field]:
    """The kind's required fields the office can type, prefilled from what the case records."""
    from letters import kinds_for, letter_kind

    person = file.people[0] if file.people else None
    try:
        ctx = build_context(desk.config, file.case, person, kind, {}, desk.today()).as_mapping()
    except ValueError:
        ctx = {}
    fields = []
    for name in letter_kind(kind, kinds_for(desk.config.policy.letter_kinds)).required:
        if name not in SETTABLE:
            continue
        value = ctx.get(name)
        if value is not None and hasattr(value, "isoformat"):
            shown = value.isoformat()[:5] if name == "meeting_time" else value.isoformat()
        else:
            shown = str(value or "")
        base = SETTABLE[name]
        fields.append(
            Field(
                base.name,
                base.label,
                base.kind,
                value=shown or base.value,
                options=base.options,
                required=base.required,
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
        Binding("k", "keep('draft')", "Keep as draft"),
    ]

    def __init__(self, desk: Desk, file: CaseFile, kind: str, fields: Mapping[str, str]) -> None:
        super().__init__()
        self.desk = desk
        self.file = file
        self.kind = kind
        self.fields = dict(fields)
        self.preview: Preview | None = None
        self.busy = True
        self.approval = needs_approval(desk, kind)

    def compose(self) -> ComposeResult:
        """The title, the letter's text and the keys."""
        with Vertical(id="letter-dialog"):
            yield Label(Text(f"{self.file.case.ref}: {self.kind} letter"), id="letter-title")
            yield Static(Text("Preparing the letter…"), id="letter-status")
            with VerticalScroll(id="letter-body"):
                yield Static("", id="letter-text")
        yield Footer()

    def on_mount(self) -> None:
        """Render in a thread: WeasyPrint takes a moment."""
        self.render_letter()

    @work(thread=True, exclusive=True, exit_on_error=False, group="letter-render")
    def render_letter(self) -> None:
        """Build the context from the case and the typed fields, and render the PDF."""
        from letters import LetterError, renderer_for
        from letters.compose import compose

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
        )
        self.app.call_from_thread(self.rendered, preview)

    def rendered(self, preview: Preview) -> None:
        """Show the letter's text and what can happen next."""
        self.preview, self.busy = preview, False
        if self.approval:
            nxt = "a approve & send" if self.desk.is_headteacher else "w ask the head to approve"
        else:
            nxt = "g send"
        status = Text(
            f"{preview.title} · {preview.pages} page(s) · f open the PDF · {nxt} · "
            "k keep as a draft · esc discard"
        )
        self.query_one("#letter-status", Static).update(status)
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
        if self.preview is None:
            return False
        if action == "keep":
            move = parameters[0] if parameters else ""
            if move == "submit":
                return self.approval and not self.desk.is_headteacher
            if move == "approve":
                return self.approval and self.desk.is_headteacher
            if move == "queue":
                return not self.approval
        return True

    def action_close(self) -> None:
        """Back to the case without keeping the letter."""
        self.dismiss(None)

    def action_open_pdf(self) -> None:
        """Open the PDF in the system viewer."""
        if self.preview is not None:
            self.open_pdf(self.preview.pdf)

    @work(thread=True, exclusive=True, exit_on_error=False, group="letter-open")
    def open_pdf(self, pdf: bytes) -> None:
        """Write a private copy and open it."""
        path = write_copy(pdf, f"{self.file.case.ref}-{self.kind}.pdf")
        self.app.call_from_thread(self.notify, open_in_viewer(path), markup=False)

    def action_keep(self, move: str) -> None:
        """Keep the letter as a draft and move it on (ask the head, approve, or send)."""
        if self.preview is not None and not self.busy:
            self.busy = True
            self.keep(self.preview, move)

    @work(thread=True, exclusive=True, exit_on_error=False, group="letter-keep")
    def keep(self, preview: Preview, move: str) -> None:
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
            words = "kept as a draft"
            if move == "submit":
                outbox.submit(ref, letter.id)
                words = "sent to the headteacher for approval"
            elif move == "approve":
                outbox.approve(ref, letter.id)
                outbox.queue(ref, letter.id)
                words = "approved and queued to send"
            elif move == "queue":
                outbox.queue(ref, letter.id)
                words = "queued to send"
        finally:
            self.busy = False
        self.app.call_from_thread(self.notify, f"{ref}: {self.kind} letter {words}")
        self.app.call_from_thread(self.dismiss, None)


def kind_options(desk: Desk, file: CaseFile) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The suggested kind and every kind, the suggested one first."""
    from letters import kinds_for

    kinds = kinds_for(desk.config.policy.letter_kinds)
    suggested = suggested_kind(desk, file)
    names = sorted(kinds, key=lambda k: k != suggested)
    options = tuple(
        (k, f"{kinds[k].english_title}" + ("  [suggested]" if k == suggested else ""))
        for k in names
    )
    return suggested, options


def any_field(values: Mapping[str, Any]) -> dict[str, str]:
    """Answers as the strings build_context takes."""
    return {k: str(v) for k, v in values.items() if v not in ("", None) and k != "kind"}
