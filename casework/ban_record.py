"""What a ban letter states of the decisions taken on the ban: its dated record, never a guess."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from casework.letter_info import BanInfo, LetterFieldError, field_date
from casework.record import record


@record
class BanRecord:
    """What a ban letter states of the decisions taken: the ban's dated record wins."""

    outcome: str = ""
    next_review_on: date | None = None
    lifted_on: date | None = None
    representations: str = ""


def ban_record(ban: BanInfo | None, fields: Mapping[str, str], today: date) -> BanRecord:
    """The review outcome, next review, lifting date and representations, from the ban's record.

    A field typed for the letter may only say what the record says: a letter never states a
    decision the case does not record (``LetterFieldError`` names the field and the record).
    """
    typed_outcome = fields.get("outcome", "")
    typed_next = field_date(fields, "next_review_on")
    typed_lifted = field_date(fields, "lifted_on")
    typed_reps = fields.get("representations", "")
    if ban is None:
        return BanRecord(typed_outcome, typed_next, typed_lifted, typed_reps)
    last = ban.last_review
    outcome = last.outcome if last else ""
    nxt = last.next_review_on if last and last.outcome == "continued" else None
    if nxt is None and ban.status != "lifted":
        nxt = ban.review_on
    if ban.representations_received:
        reps = "received"
    elif ban.representations_deadline is not None and ban.representations_deadline < today:
        reps = "none"
    else:
        reps = ""
    for name, typed, recorded in (
        ("outcome", typed_outcome, outcome),
        ("next_review_on", typed_next, nxt),
        ("lifted_on", typed_lifted, ban.lifted_on),
        ("representations", typed_reps, reps),
    ):
        if typed and recorded and typed != recorded:
            shown = recorded.isoformat() if isinstance(recorded, date) else recorded
            raise LetterFieldError(
                f"{name}: the ban's record says {shown}; a letter states what the case records "
                "(record the review, lifting or representations on the case to change it)"
            )
    return BanRecord(
        outcome or typed_outcome,
        nxt or typed_next,
        ban.lifted_on or typed_lifted,
        reps or typed_reps,
    )
