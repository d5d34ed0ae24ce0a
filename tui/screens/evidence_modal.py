"""One piece of evidence: an email as safe plain text with its headers, or a file by its hash."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from mailtext import Attachment, ParsedMessage
from store.access import open_evidence
from store.maillog import MailLog
from tui.desk import Desk
from tui.evidence import clean, read_email, shown_headers
from tui.opener import open_copy
from tui.widgets.record_table import Column, RecordTable


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} B"


ATTACHMENT_COLUMNS: list[Column[Attachment]] = [
    Column("Attachment", 20, lambda a: Text(a.filename), lambda a: a.filename, flex=2),
    Column("Type", 16, lambda a: a.content_type, lambda a: a.content_type),
    Column("Size", 7, lambda a: _size(a.size), lambda a: a.size),
    Column("SHA-256", 20, lambda a: a.sha256, None, flex=1),
]


def email_text(parsed: ParsedMessage, warnings: tuple[str, ...] = ()) -> Text:
    """The headers, what the parser found wrong, a rule and the body, all literal text."""
    text = Text()
    for name, value in shown_headers(parsed):
        text.append(f"{name}: ", style="bold")
        text.append(value)
        text.append("\n")
    for defect in (*warnings, *parsed.defects):
        # A removed control character or a malformed part is part of the evidence too.
        text.append("Warning: ", style="bold")
        text.append(clean(defect) + "\n")
    text.append("─" * 40 + "\n", style="dim")
    text.append(clean(parsed.text) or "(no text in this message)")
    return text


class EvidenceModal(ModalScreen[None]):
    """Shows an email (headers, body, attachments with hashes) or describes a stored file."""

    CSS_PATH = "evidence_modal.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("o", "open", "Open in viewer"),
    ]

    def __init__(
        self, desk: Desk, sha256: str, title: str, name: str = "", ref: str = ""
    ) -> None:
        super().__init__()
        self.ref = ref  # the case it belongs to: its restriction decides who may open it
        self.desk = desk
        self.sha256 = sha256
        self.heading = title
        self.file_name = name or f"{sha256[:12]}.eml"
        self.raw: bytes | None = None
        self.parsed: ParsedMessage | None = None

    def compose(self) -> ComposeResult:
        """Heading, the message and its attachments."""
        with Vertical(id="evidence-dialog"):
            yield Label(Text(clean(self.heading)), id="evidence-title")
            yield Static(Text(f"SHA-256 {self.sha256}"), id="evidence-hash")
            with VerticalScroll(id="evidence-body"):
                yield Static(Text("Reading…"), id="evidence-text")
            yield RecordTable[Attachment](
                ATTACHMENT_COLUMNS,
                key=lambda a: a.sha256,
                empty="No attachments.",
                sort_column=0,
                id="attachments",
            )
        yield Footer()

    def on_mount(self) -> None:
        """Read the evidence in a thread."""
        self.query_one("#evidence-body").focus()
        self.read()

    @work(thread=True, exclusive=True, exit_on_error=False, group="evidence-read")
    def read(self) -> None:
        """Fetch the bytes from the vault (checked against their hash) and parse them."""
        try:
            raw = self._fetch()
        except PermissionError as exc:
            self.app.call_from_thread(self.query_one("#evidence-text", Static).update, Text(str(exc)))
            return
        warnings = MailLog(self.desk.book.store).clash_warnings(self.sha256)
        self.app.call_from_thread(self.show, raw, read_email(raw), warnings)

    def _fetch(self) -> bytes:
        if not self.ref:
            return self.desk.book.vault.get(self.sha256)
        return open_evidence(self.desk.book, self.ref, self.sha256, "evidence view")

    def show(
        self, raw: bytes, parsed: ParsedMessage | None, warnings: tuple[str, ...] = ()
    ) -> None:
        """Put the message (or the file's description) on screen."""
        self.raw, self.parsed = raw, parsed
        body = self.query_one("#evidence-text", Static)
        table = self.query_one("#attachments", RecordTable)
        if parsed is None:
            body.update(
                Text(
                    f"A stored file of {_size(len(raw))}. Press o to open it in the viewer.\n"
                    f"Kept in the vault at {self.desk.book.evidence_path(self.sha256)}"
                )
            )
            table.display = False
            return
        body.update(email_text(parsed, warnings))
        table.set_rows(parsed.attachments)
        table.display = bool(parsed.attachments)

    def action_close(self) -> None:
        """Back to where you were."""
        self.dismiss(None)

    def action_open(self) -> None:
        """Open the attachment under the cursor, else the whole file."""
        table = self.query_one("#attachments", RecordTable)
        row = table.cursor_row if table.display and table.has_focus else None
        if isinstance(row, Attachment):
            self.open_bytes(row.data, row.filename)
        elif self.raw is not None:
            self.open_bytes(self.raw, self.file_name)

    @on(RecordTable.RowChosen, "#attachments")
    def _attachment_chosen(self) -> None:
        row = self.query_one("#attachments", RecordTable).cursor_row
        if isinstance(row, Attachment):
            self.open_bytes(row.data, row.filename)

    def open_bytes(self, data: bytes, name: str) -> None:
        """Write a private copy and hand it to the viewer."""
        open_copy(self, lambda: data, name)
