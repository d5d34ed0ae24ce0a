"""The case screen's keys: each action, its key and words, and what the letter keys move."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

from casework.outbox import LetterMove

# The letter keys: the moves each stands for (a failed letter is sent again by the same key
# as a new one) and what the office is told; casework.outbox says which moves are allowed.
LETTER_KEYS: Mapping[str, tuple[tuple[LetterMove, ...], str]] = {
    "approve": ((LetterMove.APPROVE,), "approved"),
    "submit": ((LetterMove.SUBMIT,), "sent to the headteacher for approval"),
    "queue": ((LetterMove.QUEUE, LetterMove.RETRY), "queued to send"),
}

CASE_KEYS: tuple[Binding, ...] = (
    Binding("escape", "back", "Back"),
    Binding("t", "take_step", "Step", tooltip="Move up the ladder (the suggested step first)"),
    Binding("i", "record('incident')", "Incident"),
    Binding("s", "record('statement')", "Statement"),
    Binding("n", "note", "Note"),
    Binding("c", "record('contact')", "Contact"),
    Binding("d", "draft_letter", "Letter", tooltip="Draft the letter the ladder suggests"),
    Binding("m", "record('meeting')", "Meeting"),
    Binding("o", "record('outcome')", "Outcome", tooltip="Attended, refused or did not come"),
    Binding("b", "impose_ban", "Ban"),
    Binding("p", "record('representations')", "Representations"),
    Binding("v", "review_ban", "Review ban"),
    Binding("l", "lift_ban", "Lift ban"),
    Binding("r", "referral", "Referral", tooltip="Police or legal, with their reference"),
    Binding("k", "record('complaint')", "Complaint"),
    Binding("x", "close_case", "Close case"),
    Binding("u", "reopen", "Reopen"),
    Binding("z", "keep_closed", "Keep closed", tooltip="A reply came after closing: leave it"),
    Binding("y", "split_email", "Split email", tooltip="An email threaded into the wrong case"),
    Binding("e", "view_evidence", "View evidence"),
    Binding("P", "person", "Person", tooltip="Edit the person's details, or identify them"),
    Binding("a", "letter('approve')", "Approve"),
    Binding("w", "letter('submit')", "Ask head"),
    Binding("g", "letter('queue')", "Send"),
    Binding("f", "open_letter", "Open PDF"),
    Binding("1", "tab('timeline')", "Timeline", show=False),
    Binding("2", "tab('person')", "Person", show=False),
    Binding("3", "tab('ladder')", "Ladder", show=False),
    Binding("4", "tab('evidence')", "Evidence", show=False),
    Binding("5", "tab('letters')", "Letters", show=False),
)
