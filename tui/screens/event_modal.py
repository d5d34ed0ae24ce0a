"""One entry of a case's timeline, read in full: a statement, an account, a note, a decision."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from casework.events import Event
from casework.readable import event_details, event_words
from tui.formatting import when


def event_text(event: Event) -> Text:
    """Who recorded it and when, its details, then its words in full: all literal text."""
    text = Text()
    text.append("Recorded: ", style="bold")
    text.append(f"{when(event.at)} by ")
    text.append(event.actor)
    text.append("\n")
    for label, value in event_details(event):
        text.append(f"{label[:1].upper() + label[1:]}: ", style="bold")
        text.append(value)
        text.append("\n")
    words = event_words(event)
    text.append("─" * 40 + "\n", style="dim")
    text.append(words or event.summary)
    return text


class EventModal(ModalScreen[None]):
    """Shows one timeline entry whole; esc closes it."""

    CSS_PATH = "event_modal.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    def compose(self) -> ComposeResult:
        """The entry's kind and summary, then everything it records."""
        with Vertical(id="event-dialog"):
            yield Label(Text(f"{self.event.type.value}: {self.event.summary}"), id="event-title")
            with VerticalScroll(id="event-body"):
                yield Static(event_text(self.event), id="event-text")
        yield Footer()

    def on_mount(self) -> None:
        """Scroll with the keys at once."""
        self.query_one("#event-body").focus()

    def action_close(self) -> None:
        """Back to the case."""
        self.dismiss(None)
