"""A letter for a case, ready to keep and send: PDF, covering note, subject and .ics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from casework.cases import Case
from casework.config import Config
from casework.letter_context import build_context
from casework.letter_facts import ban_letter_refusal
from casework.people import Person
from casework.record import record
from letters.ics import meeting_ics
from letters.kinds import LetterError
from letters.render import RenderedLetter, Renderer


@record
class ComposedLetter:
    """Everything the outbox keeps for one letter."""

    rendered: RenderedLetter
    subject: str
    ics: bytes | None


def compose(
    renderer: Renderer,
    config: Config,
    case: Case,
    person: Person | None,
    kind: str,
    fields: Mapping[str, str],
    today: date,
) -> ComposedLetter:
    """Render a case's letter; a meeting invitation also gets its calendar invitation."""
    refusal = ban_letter_refusal(kind, case)
    if refusal:
        # A ban letter describes the ban as its record stands (DfE 2018: decisions in writing).
        raise LetterError(refusal)
    context = build_context(config, case, person, kind, fields, today)
    typed = [f for f in ("meeting_date", "meeting_time") if fields.get(f, "").strip()]
    if typed and context.meeting_date is not None and context.meeting_time is not None:
        # A meeting recorded on the case was checked when it was recorded (another day needs
        # a reason there); one typed for this letter alone must be on offer too.
        why = config.calendar.meeting_refusal(context.meeting_date, context.meeting_time)
        if why:
            raise LetterError(
                f"{typed[0]}: {why}; offer a school day within school hours, or record the "
                f"meeting on the case with off_day_reason (m on the case, or conduct case "
                f"record {case.ref} meeting-scheduled TEXT --set at=... off_day_reason=...)"
            )
    rendered = renderer.render(kind, context)
    ics = meeting_ics(context) if kind == "meeting-invitation" else None
    subject = rendered.subject or rendered.title
    return ComposedLetter(rendered, f"{subject} ({config.school.name})", ics)
