"""The dashboard's keys: each action, its key and words, and what the letter keys move."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

from casework.outbox import LetterMove

DASHBOARD_KEYS: tuple[Binding, ...] = (
    Binding("slash", "filter", "Filter"),
    Binding("n", "new_case", "New case"),
    Binding("c", "toggle_closed", "Show closed"),
    Binding("a", "approve", "Approve"),
    Binding("o", "open_pdf", "Open PDF"),
    Binding("p", "mark_posted", "Posted"),
    Binding("r", "retry", "Retry"),
    Binding("g", "send", "Send", tooltip="Queue a letter, or send a held one anyway"),
    Binding("x", "cancel_letter", "Cancel letter", tooltip="This letter will not be sent"),
    Binding("k", "confirm_sent", "It arrived", tooltip="A letter whose outcome was unknown"),
    Binding("v", "view_message", "View mail"),
    Binding("P", "people", "People", tooltip="Parents and carers: find, add, edit"),
    Binding("1", "tab('cases')", "Cases", show=False),
    Binding("2", "tab('approvals')", "To approve", show=False),
    Binding("3", "tab('bans')", "Bans", show=False),
    Binding("4", "tab('outbox')", "Outbox", show=False),
    Binding("5", "tab('mail')", "Mail", show=False),
    Binding("escape", "clear_filter", "Clear filter", show=False),
)

TAB_TABLES: Mapping[str, str] = {
    "cases": "case-table",
    "approvals": "approval-table",
    "bans": "ban-table",
    "outbox": "outbox-table",
    "mail": "mail-table",
}
# Keys that move the letter under the cursor; casework.outbox says when each is allowed.
MOVE_ACTIONS: Mapping[str, tuple[LetterMove, ...]] = {
    "approve": (LetterMove.APPROVE,),
    "mark_posted": (LetterMove.POSTED,),
    "retry": (LetterMove.RETRY,),
    # Send: a new letter is queued; a held, failed or unknown one is sent again.
    "send": (LetterMove.QUEUE, LetterMove.RETRY),
    "confirm_sent": (LetterMove.CONFIRM_SENT,),
    "cancel": (LetterMove.CANCEL,),
}
MOVE_WORDS: Mapping[LetterMove, str] = {
    LetterMove.APPROVE: "approved",
    LetterMove.POSTED: "marked as posted",
    LetterMove.RETRY: "queued again",
    LetterMove.QUEUE: "queued to send",
    LetterMove.CONFIRM_SENT: "recorded as arrived",
    LetterMove.CANCEL: "cancelled: it will not be sent",
}
