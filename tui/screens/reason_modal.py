"""A step out of order: ask why, because the reason is recorded with the move."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea


class ReasonModal(ModalScreen[str | None]):
    """Explains that the move skips the ladder and asks for the reason to record."""

    CSS_PATH = "reason_modal.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Save"),
    ]

    def __init__(self, step_label: str, problem: str) -> None:
        super().__init__()
        self.step_label = step_label
        self.problem = problem

    def compose(self) -> ComposeResult:
        """The problem, the reason box and the buttons."""
        with Vertical(id="reason-dialog"):
            yield Label(Text(f"Out of order: {self.step_label}"), id="reason-title")
            yield Static(Text(self.problem), id="reason-problem")
            yield Label("Why is this step right for this case? (recorded on the timeline)")
            yield TextArea(id="reason-text", soft_wrap=True)
            yield Static("", id="reason-error")
            with Horizontal(id="reason-buttons"):
                yield Static(Text("ctrl+s save · esc cancel"), id="reason-keys")
                yield Button("Cancel", id="cancel")
                yield Button("Move anyway", id="submit", variant="warning")

    def on_mount(self) -> None:
        """Type straight away."""
        self.query_one(TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The two buttons."""
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        """Move with the reason, or ask again when it is empty."""
        reason = self.query_one(TextArea).text.strip()
        if not reason:
            self.query_one("#reason-error", Static).update(Text("Please give the reason."))
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        """Do not move."""
        self.dismiss(None)
