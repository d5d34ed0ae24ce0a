"""The key help: every key of the screen underneath, with what it does."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

INTRO = (
    "Keys work on the screen behind this one. ctrl+p lists every action by name; "
    "type to search it. Esc closes windows; q quits."
)


class HelpModal(ModalScreen[None]):
    """A table of keys and actions for the screen underneath."""

    CSS_PATH = "help_modal.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def key_table(self) -> Table:
        """Key, action and, where there is one, a note on when it applies."""
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        seen: set[str] = set()
        for key, active in self.under.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.system or binding.action in seen:
                continue
            seen.add(binding.action)
            keys = self.app.get_key_display(binding) or key
            note = Text(binding.description)
            if not active.enabled:
                note.append("  (not here)", style="dim")
            table.add_row(Text(keys), note)
        table.add_row(Text("ctrl+p"), Text("Command palette: every action by name"))
        return table

    def compose(self) -> ComposeResult:
        """The title, the intro and the table."""
        with Vertical(id="help-dialog"):
            yield Label("Keys", id="help-title")
            yield Static(Text(INTRO), id="help-intro")
            with VerticalScroll():
                yield Static(self.key_table(), id="help-keys")

    def action_close(self) -> None:
        """Back to the screen."""
        self.dismiss(None)
