"""The dashboard: open cases, letters to approve, bans, the outbox and mail needing a look."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, TabbedContent, TabPane

from casework.cases import Severity
from casework.mailrecords import MailOutcome, MailRecord
from casework.outbox import LetterRecord, LetterStatus
from tui.desk import Desk
from tui.formatting import day, local_day, short_day, when
from tui.model import BanRow, CaseRow, Dashboard, load_dashboard, matches
from tui.opener import open_in_viewer, write_copy
from tui.widgets.record_table import Column, RecordTable
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    # The form's module (and the widgets it uses) loads when a form is first opened.
    from tui.screens.form_modal import FormModal, FormResult

ALERT = "bold red"
TABS = ("cases", "approvals", "bans", "outbox", "mail")


def _ref_key(ref: str) -> tuple[int, str]:
    return (len(ref), ref)


def case_columns(today: Callable[[], date]) -> list[Column[CaseRow]]:
    """The case list's columns."""

    def due(row: CaseRow) -> Text:
        if row.due is None:
            return Text("")
        text = Text(f"{short_day(row.due.on, today())} {row.due.what}")
        if row.due.on < today():
            text.stylize(ALERT)
        return text

    return [
        Column("Reference", 11, lambda r: r.ref, lambda r: _ref_key(r.ref)),
        Column("Person", 13, lambda r: Text(r.person), lambda r: r.person.lower(), flex=2),
        Column("Behaviours", 10, lambda r: Text(r.behaviours), lambda r: r.behaviours, flex=3),
        Column("Step", 12, lambda r: r.step, lambda r: r.step, flex=1),
        Column(
            "Last active",
            11,
            lambda r: day(local_day(r.last_activity)),
            lambda r: r.last_activity,
        ),
        Column(
            "Next due",
            16,
            due,
            lambda r: (0, r.due.on) if r.due else (1, date.max),
            flex=1,
        ),
    ]


def ban_columns(today: Callable[[], date]) -> list[Column[BanRow]]:
    """The bans list: who, until when, next review, representations deadline."""

    def review(row: BanRow) -> Text:
        text = Text(day(row.ban.review_on))
        if row.review_overdue:
            text.append(" overdue")
            text.stylize(ALERT)
        return text

    def deadline(row: BanRow) -> Text:
        d = row.ban.representations_deadline
        if d is None or row.ban.status.value == "confirmed":
            return Text("")
        text = Text(day(d))
        if row.deadline_passed:
            text.append(" passed")
            text.stylize(ALERT)
        return text

    def status(row: BanRow) -> str:
        if row.in_force:
            return f"banned ({row.ban.status.value})"
        if row.ban.starts_on > today():
            return f"{row.ban.status.value}, from {short_day(row.ban.starts_on)}"
        return row.ban.status.value

    return [
        Column(
            "Person", 16, lambda r: Text(r.ban.person_name), lambda r: r.ban.person_name, flex=2
        ),
        Column("Case", 11, lambda r: r.ref, lambda r: _ref_key(r.ref)),
        Column("Status", 20, status, lambda r: r.ban.status.value, flex=1),
        Column("Until", 11, lambda r: day(r.ban.ends_on), lambda r: r.ban.ends_on),
        Column("Next review", 12, review, lambda r: r.ban.review_on),
        Column(
            "Representations by", 12, deadline, lambda r: r.ban.representations_deadline or date.max
        ),
    ]


def letter_columns(with_status: bool) -> list[Column[LetterRecord]]:
    """Letters: case, kind, to whom, and where they stand."""
    cols: list[Column[LetterRecord]] = [
        Column("Case", 11, lambda x: x.case_ref, lambda x: _ref_key(x.case_ref)),
        Column("Letter", 16, lambda x: x.kind, lambda x: x.kind, flex=1),
        Column("To", 14, lambda x: Text(x.recipient_name), lambda x: x.recipient_name, flex=1),
        Column("By", 5, lambda x: x.channel, lambda x: x.channel),
        Column("Drafted", 17, lambda x: when(x.created), lambda x: x.created),
    ]
    if with_status:
        cols.insert(3, Column("Status", 10, lambda x: x.status.value, lambda x: x.status.value))
        cols.append(Column("Problem", 10, lambda x: Text(x.last_error), None, flex=2))
    return cols


def mail_columns() -> list[Column[MailRecord]]:
    """Quarantined and skipped messages."""

    def outcome(r: MailRecord) -> Text:
        if r.outcome is MailOutcome.QUARANTINED:
            return Text("quarantined", style=ALERT)
        return Text(r.outcome.value)

    return [
        Column("What", 11, outcome, lambda r: r.outcome.value),
        Column("Received", 17, lambda r: when(r.recorded), lambda r: r.recorded),
        Column("From", 16, lambda r: Text(r.sender), lambda r: r.sender.lower(), flex=1),
        Column("Subject", 16, lambda r: Text(r.subject), lambda r: r.subject.lower(), flex=2),
        Column("Why", 12, lambda r: Text(r.reason), None, flex=1),
    ]


def _letter_style(letter: LetterRecord) -> str:
    return ALERT if letter.status is LetterStatus.FAILED else ""


class DashboardScreen(Screen[None]):
    """Every list the office works from, with the daemon's health below."""

    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("n", "new_case", "New case"),
        Binding("c", "toggle_closed", "Show closed"),
        Binding("a", "approve", "Approve"),
        Binding("o", "open_pdf", "Open PDF"),
        Binding("p", "mark_posted", "Posted"),
        Binding("r", "retry", "Retry"),
        Binding("v", "view_message", "View mail"),
        Binding("1", "tab('cases')", "Cases", show=False),
        Binding("2", "tab('approvals')", "To approve", show=False),
        Binding("3", "tab('bans')", "Bans", show=False),
        Binding("4", "tab('outbox')", "Outbox", show=False),
        Binding("5", "tab('mail')", "Mail", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.data: Dashboard | None = None
        self.show_closed = False
        self._stale = False
        self._filter_words: list[str] = []

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
                yield RecordTable[CaseRow](
                    case_columns(today),
                    key=lambda r: r.ref,
                    row_style=lambda r: "" if r.open else "dim",
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
                yield RecordTable[BanRow](
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
                    row_style=_letter_style,
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
        self.query_one("#case-table").focus()
        # The first read happens before the first frame, in this thread: nothing is on screen
        # to freeze yet, and a worker thread fighting Textual's start-up for the GIL took
        # twice as long to a usable list (0.5 s against 1.0 s at 10,000 cases). Every later
        # reload (a change in the store, coming back from a case) runs in the worker.
        try:
            self.show(load_dashboard(self.desk.config, self.desk.book, self.desk.today()))
        except Exception as exc:  # the worker path reports it properly
            self.log.error(f"first load failed: {exc!r}")
            self.load()
        self.set_interval(30, self._tick)

    # -- data ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-load")
    def load(self) -> None:
        """Read the store in a thread and hand the result to the screen."""
        data = load_dashboard(self.desk.config, self.desk.book, self.desk.today())
        self.app.call_from_thread(self.show, data)

    def show(self, data: Dashboard) -> None:
        """Put freshly loaded data on screen, keeping every cursor where it was."""
        self.data = data
        self._case_table.set_rows(data.rows, empty="No cases match.")
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

    def _label_tabs(self, data: Dashboard) -> None:
        tabs = self.query_one(TabbedContent)
        opened = "All cases" if self.show_closed else "Open cases"
        counts = {
            "cases": f"{opened} ({data.counts.open_cases})",
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
    def _case_table(self) -> RecordTable[CaseRow]:
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
            self._case_table.set_filter(
                lambda r: (closed or r.open) and (not words or matches(r, words))
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
        ids = {
            "cases": "case-table",
            "approvals": "approval-table",
            "bans": "ban-table",
            "outbox": "outbox-table",
            "mail": "mail-table",
        }
        self.table(ids[self.active_tab]).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show each key only where it does something."""
        tab = self.active_tab
        letter = self._current_letter() if self.is_mounted else None
        if action == "approve":
            return tab == "approvals" and self.desk.is_headteacher and letter is not None
        if action == "open_pdf":
            return letter is not None
        if action == "mark_posted":
            return letter is not None and letter.status is LetterStatus.TO_POST
        if action == "retry":
            return letter is not None and letter.status is LetterStatus.FAILED
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
        if isinstance(row, CaseRow | BanRow):
            ref = row.ref
        elif isinstance(row, LetterRecord):
            ref = row.case_ref
        if ref:
            self.open_case(ref)

    def open_case(self, ref: str) -> None:
        """Show one case."""
        from tui.screens.case import CaseScreen

        self.app.push_screen(CaseScreen(self.desk, ref))

    def action_view_message(self) -> None:
        """Show a quarantined or skipped message as safe plain text."""
        from tui.screens.evidence_modal import EvidenceModal

        row = self.table("mail-table").cursor_row
        if isinstance(row, MailRecord):
            self.app.push_screen(EvidenceModal(self.desk, row.sha256, row.subject or "message"))

    # -- new case -----------------------------------------------------------------------

    def action_new_case(self) -> None:
        """Ask for the details and open a case."""
        self.app.push_screen(new_case_form(self.desk), self._new_case_answered)

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
        letter = self._current_letter()
        if letter is not None:
            self.letter_move(letter, "approve")

    def action_mark_posted(self) -> None:
        """The office has put the letter in the post."""
        letter = self._current_letter()
        if letter is not None:
            self.letter_move(letter, "posted")

    def action_retry(self) -> None:
        """Put a failed letter back in the queue."""
        letter = self._current_letter()
        if letter is not None:
            self.letter_move(letter, "queue")

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-write")
    def letter_move(self, letter: LetterRecord, move: str) -> None:
        """Approve, queue or mark a letter posted, in a thread."""
        outbox = self.desk.outbox
        getattr(outbox, move)(letter.case_ref, letter.id)
        words = {"approve": "approved", "posted": "marked as posted", "queue": "queued again"}
        self.app.call_from_thread(
            self.notify, f"{letter.case_ref} {letter.kind} letter {words[move]}"
        )
        self.app.call_from_thread(self.load)

    def action_open_pdf(self) -> None:
        """Open the letter's PDF in the system viewer."""
        letter = self._current_letter()
        if letter is not None:
            self.open_pdf(letter)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-open")
    def open_pdf(self, letter: LetterRecord) -> None:
        """Copy the PDF out of the vault and open it."""
        path = write_copy(self.desk.outbox.pdf(letter), letter.attachment_name)
        self.app.call_from_thread(self.notify, open_in_viewer(path))


def new_case_form(desk: Desk) -> FormModal:
    """The questions for a new case."""
    from tui.screens.form_modal import Field, FormModal

    policy = desk.config.policy
    return FormModal(
        "New case",
        [
            Field("name", "Who is it about? (parent or carer's name)", required=True),
            Field("email", "Their email address", help="Matches a parent already known"),
            Field(
                "behaviours",
                "What did they do? (space to tick; at least one)",
                "multi",
                options=tuple((b.id, f"{b.id}: {b.label}") for b in policy.all_behaviours),
                required=True,
            ),
            Field("summary", "What happened, in a line", required=True),
            Field(
                "severity",
                "How serious",
                "choice",
                value="medium",
                options=tuple((s.value, s.value) for s in Severity),
            ),
            Field("reporter", "Who reported it", help="Leave empty if it was you"),
        ],
        submit="Open case",
    )
