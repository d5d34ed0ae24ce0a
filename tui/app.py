"""The Conduct Desk app: its screens, global keys and theme. Nothing else lives here."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from casework.clock import Clock
from casework.config import Config
from store.casebook import Casebook
from store.listing import commit_mark
from tui.desk import Desk
from tui.screens.dashboard import DashboardScreen
from tui.settings import load_theme, save_theme

if TYPE_CHECKING:
    from store.watch import StoreWatcher

DARK, LIGHT = "textual-dark", "textual-light"


class ConductApp(App[None]):
    """The office manager's dashboard for code-of-conduct cases."""

    # The dashboard's .tcss is listed because the default screen is installed without loading
    # its CSS_PATH; every other screen names its own, which Textual reads when it is first
    # shown (parsing all of them before the first frame cost it a tenth of its time).
    CSS_PATH: ClassVar[list[str | PurePath]] = ["app.tcss", "screens/dashboard.tcss"]
    TITLE = "Conduct Desk"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys"),
        Binding("ctrl+t", "toggle_theme", "Light/dark"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        watch: bool = True,
        book: Casebook | None = None,
    ) -> None:
        super().__init__()
        self.desk = Desk(config, book or Casebook(config, clock=clock))
        self.watch_store = watch
        self._watcher: StoreWatcher | None = None
        # Taken before the dashboard's first read: see _start_watching.
        self._mark = commit_mark(self.desk.book)
        self.theme = load_theme(DARK)

    def get_default_screen(self) -> Screen[None]:
        """The dashboard is home."""
        return DashboardScreen(self.desk)

    def on_mount(self) -> None:
        """Listen for commits by any process (the daemon, the command line, this app)."""
        if self.watch_store:
            self.call_after_refresh(self._start_watching)

    def _start_watching(self) -> None:
        # After the first frame: watchdog takes a while to load. A commit made since start-up
        # shows in the store's commit mark, and the screens reload as for any other change.
        from store.watch import StoreWatcher

        self._watcher = StoreWatcher(self.desk.book.store.root, self._changed_elsewhere)
        self._watcher.start()
        if commit_mark(self.desk.book) != self._mark:
            self.store_changed()

    def on_unmount(self) -> None:
        """Stop listening, and let go of the letter renderer while its libraries are alive."""
        if self._watcher is not None:
            self._watcher.stop()
        # WeasyPrint's Pango objects are freed by cffi finalisers; left to the interpreter's
        # last collection, after the libraries have started to unload, they crash the process.
        self.desk.cache.clear()
        gc.collect()

    def _changed_elsewhere(self) -> None:
        # Called from the watcher's thread.
        with contextlib.suppress(RuntimeError):  # the app is shutting down
            self.call_from_thread(self.store_changed)

    def store_changed(self) -> None:
        """Tell every screen on the stack that the store has moved on."""
        for screen in self.screen_stack:
            hook = getattr(screen, "store_changed", None)
            if callable(hook):
                hook()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed background job becomes a message for the office."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(
                str(error) or type(error).__name__,
                title="Not done",
                severity="error",
                timeout=8,
                markup=False,
            )

    def action_help(self) -> None:
        """Show every key of the screen in front."""
        from tui.screens.help_modal import HelpModal

        if not isinstance(self.screen, HelpModal):
            self.push_screen(HelpModal(self.screen))

    def action_toggle_theme(self) -> None:
        """Switch between the dark and light themes."""
        self.theme = LIGHT if self.theme == DARK else DARK
        save_theme(self.theme)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette lists every action of the screen in front, with its key."""
        seen: set[tuple[int, str]] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or not active.enabled or binding.system:
                continue
            if not binding.show and not isinstance(active.node, Screen):
                continue  # a widget's own movement keys (up, page down) are not actions
            mark = (id(active.node), binding.action)
            if mark in seen:
                continue
            seen.add(mark)
            shown = self.get_key_display(binding) or key
            yield SystemCommand(
                binding.description,
                f"key: {shown}" + (f" — {binding.tooltip}" if binding.tooltip else ""),
                partial(self.call_later, self.run_action, binding.action, active.node),
            )
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit the application", "Keys"):
                yield command
