"""The dashboard: open cases, letters to approve, bans, the outbox and mail needing a look."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, TabbedContent, TabPane

from casework.cases import Severity
from casework.mailrecords import MailRecord
from casework.outbox import LetterMove, LetterRecord, allowed_moves
from store.listing import BanLine, CaseLine, Listing, read_listing
from tui.columns import (
    ALERT,
    ban_columns,
    case_columns,
    case_style,
    letter_columns,
    letter_style,
    mail_columns,
)
from tui.dashboard_keys import DASHBOARD_KEYS, MOVE_ACTIONS, MOVE_WORDS, TAB_TABLES
from tui.desk import Desk
from tui.widgets.record_table import RecordTable
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:  # forms, modals and the PDF opener load when first used, not at start-up
    from tui.screens.form_modal import FormResult

_started = False


def _hold_collector() -> bool:
    """Freeze what start-up made, and keep the collector off until the first frame: once a process.

    Modules, styles and widgets live as long as the process, and the first listing's 10,000
    case lines until the store changes; collections while making them walk them again and
    again. Once only (True that time), so a test run of many apps never pins a finished app's
    garbage. A command that switched the collector off for its imports has it back on after
    the first frame (``_release_collector``).
    """
    global _started
    if _started:
        return False
    _started = True
    gc.freeze()
    gc.disable()
    return True


def _release_collector() -> None:
    """After the first frame: freeze the first listing too, and collect as usual from here."""
    gc.freeze()
    gc.enable()


class DashboardScreen(Screen[None]):
    """Every list the office works from, with the daemon's health below."""

    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(DASHBOARD_KEYS)
    # Focused as soon as the screen is composed: else Textual focuses the tab bar, and the
    # focus moves on to the table (restyling both) when its tab is activated.
    AUTO_FOCUS = "#case-table"

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.data: Listing | None = None
        self.show_closed = False
        self._stale = False
        self._filter_words: list[str] = []
        # Made as the app starts: its widgets, their styles and the first read follow.
        self._held = _hold_collector()

    def compose(self) -> ComposeResult:
        """Header, the tabs, the status bar and the footer."""
        yield Header()
        today = self.desk.today
        with TabbedContent(id="tabs", initial="cases"):
            with TabPane("Open cases", id="cases"):
                yield Input(
                    placeholder="Filter by name, reference or behaviour (Esc clears)",
                    id="filter",
                    compact=True,
                )
                yield RecordTable[CaseLine](
                    case_columns(today),
                    key=lambda r: r.ref,
                    row_style=case_style,
                    empty="Loading cases…",
                    sort_column=5,
                    id="case-table",
                )
            with TabPane("To approve", id="approvals"):
                yield RecordTable[LetterRecord](
                    letter_columns(False),
                    key=lambda x: x.id,
                    empty="Loading…",
                    sort_column=4,
                    id="approval-table",
                )
            with TabPane("Bans & reviews", id="bans"):
                yield RecordTable[BanLine](
                    ban_columns(today),
                    key=lambda r: r.ban.id,
                    row_style=lambda r: ALERT if r.overdue else "",
                    empty="Loading…",
                    sort_column=4,
                    id="ban-table",
                )
            with TabPane("Outbox", id="outbox"):
                yield RecordTable[LetterRecord](
                    letter_columns(True),
                    key=lambda x: x.id,
                    row_style=letter_style,
                    empty="Loading…",
                    sort_column=5,
                    id="outbox-table",
                )
            with TabPane("Mail", id="mail"):
                yield RecordTable[MailRecord](
                    mail_columns(),
                    key=lambda r: r.sha256,
                    empty="Loading…",
                    sort_column=1,
                    sort_reverse=True,
                    id="mail-table",
                )
        yield StatusBar(self.desk.now(), id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Load everything, and keep the clock in the status bar current."""
        self.title = "Conduct Desk"
        self.sub_title = self.desk.config.school.name
        # The first read happens before the first frame, in this thread: nothing is on screen
        # to freeze yet, and a worker thread fighting Textual's start-up for the GIL took
        # twice as long to a usable list (0.5 s against 1.0 s at 10,000 cases). Every later
        # reload (a change in the store, coming back from a case) runs in the worker.
        try:
            self.show(read_listing(self.desk.book, self.desk.today()))
        except Exception as exc:  # the worker path reports it properly
            self.log.error(f"first load failed: {exc!r}")
            self.load()
        if self._held:
            self.call_after_refresh(_release_collector)
        self.set_interval(30, self._tick)

    # -- data ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-load")
    def load(self) -> None:
        """Read the store in a thread and hand the result to the screen."""
        data = read_listing(self.desk.book, self.desk.today())
        self.app.call_from_thread(self.show, data)

    def show(self, data: Listing) -> None:
        """Put freshly loaded data on screen, keeping every cursor where it was."""
        self.data = data
        self._case_table.set_rows(data.cases, empty="No cases match.")
        self._apply_filter()
        self.table("approval-table").set_rows(
            data.approvals, empty="No letters are waiting for the headteacher."
        )
        self.table("ban-table").set_rows(data.bans, empty="No bans in place.")
        self.table("outbox-table").set_rows(data.outbox, empty="The outbox is empty.")
        self.table("mail-table").set_rows(data.mail, empty="No quarantined or skipped mail.")
        self._label_tabs(data)
        self._tick()
        if self.active_tab != "cases":
            # Letter and mail keys depend on the row; the case list's never do, and
            # refreshing the footer costs a full restyle (a third of a second at 10,000 cases).
            self.refresh_bindings()

    def _label_tabs(self, data: Listing) -> None:
        tabs = self.query_one(TabbedContent)
        if self.show_closed:
            cases = f"All cases ({len(data.cases)})"
        else:
            cases = f"Open cases ({data.counts.open_cases})"
        counts = {
            "cases": cases,
            "approvals": f"To approve ({len(data.approvals)})",
            "bans": f"Bans & reviews ({len(data.bans)})",
            "outbox": f"Outbox ({len(data.outbox)})",
            "mail": f"Mail ({len(data.mail)})",
        }
        for pane, label in counts.items():
            tabs.get_tab(pane).label = Text(label)

    def _tick(self) -> None:
        data = self.data
        self.query_one(StatusBar).show(
            data.health if data else None, data.counts if data else None, self.desk.now()
        )

    def store_changed(self) -> None:
        """Another process (or this one) committed: reload now, or when next shown."""
        if self.is_current:
            self.load()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        """Back from a case: catch up with anything that changed meanwhile."""
        if self._stale:
            self._stale = False
            self.load()

    # -- helpers ------------------------------------------------------------------------

    @property
    def _case_table(self) -> RecordTable[CaseLine]:
        return self.query_one("#case-table", RecordTable)

    def table(self, table_id: str) -> RecordTable[Any]:
        """A table by id."""
        return self.query_one(f"#{table_id}", RecordTable)

    @property
    def active_tab(self) -> str:
        """The tab on show."""
        return self.query_one(TabbedContent).active or "cases"

    def _current_letter(self) -> LetterRecord | None:
        tab = self.active_tab
        if tab == "approvals":
            row: Any = self.table("approval-table").cursor_row
        elif tab == "outbox":
            row = self.table("outbox-table").cursor_row
        else:
            return None
        return row if isinstance(row, LetterRecord) else None

    # -- filtering ----------------------------------------------------------------------

    def _apply_filter(self) -> None:
        words = self._filter_words
        closed = self.show_closed
        if not words and closed:
            self._case_table.set_filter(None)
        else:
            # A closed case a reply has reached stays in sight until someone deals with it.
            self._case_table.set_filter(
                lambda r: (
                    (closed or r.open or r.needs_attention) and (not words or r.matches(words))
                )
            )

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter_words = event.value.lower().split()
        self._apply_filter()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self._case_table.focus()

    def action_filter(self) -> None:
        """Show the filter box and type into it."""
        self.query_one(TabbedContent).active = "cases"
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    def action_clear_filter(self) -> None:
        """Empty and hide the filter."""
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("shown")
        self._filter_words = []
        self._apply_filter()
        self._case_table.focus()

    def action_toggle_closed(self) -> None:
        """Show closed cases too, or only open ones."""
        self.show_closed = not self.show_closed
        self._apply_filter()
        if self.data:
            self._label_tabs(self.data)
        self.notify("Showing closed cases too" if self.show_closed else "Showing open cases")

    def action_tab(self, tab: str) -> None:
        """Switch tab."""
        self.query_one(TabbedContent).active = tab
        self._focus_tab_table()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self._focus_tab_table()
        self.refresh_bindings()

    def _focus_tab_table(self) -> None:
        self.table(TAB_TABLES[self.active_tab]).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show each key only where it does something."""
        tab = self.active_tab
        letter = self._current_letter() if self.is_mounted else None
        if action == "cancel_letter":
            action = "cancel"
        if action in MOVE_ACTIONS:
            moves = MOVE_ACTIONS[action]
            if letter is None or (LetterMove.APPROVE in moves and tab != "approvals"):
                return False
            allowed = allowed_moves(letter, self.desk.actor)
            return any(m in allowed for m in moves)
        if action == "open_pdf":
            return letter is not None
        if action == "view_message":
            return tab == "mail" and self.table("mail-table").cursor_row is not None
        if action in ("toggle_closed", "filter"):
            return tab == "cases"
        return True

    @on(RecordTable.RowHighlighted)
    def _moved(self, event: RecordTable.RowHighlighted) -> None:
        # The case list's keys never depend on the row; the letter and mail keys do.
        # (Refreshing the footer costs a layout: too dear on every keystroke of the filter.)
        if event.table.id != "case-table":
            self.refresh_bindings()

    # -- opening ------------------------------------------------------------------------

    @on(RecordTable.RowChosen)
    def _chosen(self, event: RecordTable.RowChosen) -> None:
        table_id = event.table.id
        row = event.table.cursor_row
        if table_id == "mail-table":
            self.action_view_message()
            return
        ref = None
        if isinstance(row, CaseLine | BanLine):
            ref = row.ref
        elif isinstance(row, LetterRecord):
            ref = row.case_ref
        if ref:
            self.open_case(ref)

    def open_case(self, ref: str) -> None:
        """Show one case."""
        from tui.screens.case import CaseScreen

        self.app.push_screen(CaseScreen(self.desk, ref))

    def action_people(self) -> None:
        """The people the school deals with."""
        from tui.screens.people import PeopleScreen

        self.app.push_screen(PeopleScreen(self.desk))

    def action_view_message(self) -> None:
        """Show a quarantined or skipped message as safe plain text."""
        from tui.screens.evidence_modal import EvidenceModal

        row = self.table("mail-table").cursor_row
        if isinstance(row, MailRecord):
            self.app.push_screen(EvidenceModal(self.desk, row.sha256, row.subject or "message"))

    # -- new case -----------------------------------------------------------------------

    def action_new_case(self) -> None:
        """Ask for the details and open a case."""
        from tui import forms

        self.app.push_screen(forms.new_case(self.desk.config.policy), self._new_case_answered)

    def _new_case_answered(self, answers: FormResult | None) -> None:
        if answers:
            self.open_new_case(answers)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-write")
    def open_new_case(self, answers: FormResult) -> None:
        """Open the case in a thread, then show it."""
        case = self.desk.book.open_case(
            name=answers["name"],
            email=answers["email"] or None,
            behaviours=answers["behaviours"],
            summary=answers["summary"],
            severity=Severity(answers["severity"] or "medium"),
            reporter=answers["reporter"] or None,
        )
        self.app.call_from_thread(self.notify, f"Opened {case.ref}")
        self.app.call_from_thread(self.open_case, case.ref)

    # -- letters ------------------------------------------------------------------------

    def action_approve(self) -> None:
        """Approve the letter under the cursor (the headteacher only)."""
        self._move_current(LetterMove.APPROVE)

    def action_mark_posted(self) -> None:
        """The office has put the letter in the post."""
        self._move_current(LetterMove.POSTED)

    def action_retry(self) -> None:
        """Put a failed letter back in the queue."""
        self._move_current(LetterMove.RETRY)

    def action_send(self) -> None:
        """Queue the letter, or send a held, failed or unknown one again."""
        self._move_current(*MOVE_ACTIONS["send"])

    def action_confirm_sent(self) -> None:
        """A letter whose outcome was unknown did reach the parent."""
        self._move_current(LetterMove.CONFIRM_SENT)

    def action_cancel_letter(self) -> None:
        """The letter will not be sent: ask why, then record it."""
        from tui.screens.form_modal import Field, FormModal

        letter = self._current_letter()
        if letter is None:
            return
        form = FormModal(
            f"Cancel the {letter.kind} letter to {letter.recipient_name}",
            [Field("reason", "Why it will not be sent", "area", required=True)],
            submit="Cancel letter",
        )

        def answered(a: FormResult | None) -> None:
            if a:
                self.letter_move(letter, LetterMove.CANCEL, a["reason"])

        self.app.push_screen(form, answered)

    def _move_current(self, *moves: LetterMove) -> None:
        letter = self._current_letter()
        if letter is not None:
            allowed = allowed_moves(letter, self.desk.actor)
            # The first the rules allow; if none is, the first, so that the refusal says why.
            self.letter_move(letter, next((m for m in moves if m in allowed), moves[0]))

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-write")
    def letter_move(self, letter: LetterRecord, move: LetterMove, why: str = "") -> None:
        """Make a letter's move in a thread; say so, and say if it cannot go out now."""
        outbox = self.desk.outbox
        outbox.move(letter.case_ref, letter.id, move, error=why)
        words = f"{letter.case_ref} {letter.kind} letter {MOVE_WORDS[move]}"
        trouble = outbox.sending_trouble() if move in (LetterMove.QUEUE, LetterMove.RETRY) else None
        if trouble:
            words += f", but NOT sent yet: {trouble}. It goes when the daemon runs."
            self.app.call_from_thread(self.notify, words, severity="warning", timeout=12)
        else:
            self.app.call_from_thread(self.notify, words)
        self.app.call_from_thread(self.load)

    def action_open_pdf(self) -> None:
        """Open the letter's PDF in the system viewer."""
        from tui.opener import open_copy

        letter = self._current_letter()
        if letter is not None:
            outbox = self.desk.outbox
            open_copy(self, lambda: outbox.pdf(letter), letter.attachment_name)
