"""A letter for a case, ready to keep and send: PDF, covering note, subject and .ics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from casework.cases import Case
from casework.config import Config
from casework.letter_context import build_context
from casework.letter_facts import ban_letter_refusal
from casework.people import Person
from letters.ics import meeting_ics
from letters.kinds import LetterError
from letters.render import RenderedLetter, Renderer


@dataclass(frozen=True)
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
    rendered = renderer.render(kind, context)
    ics = meeting_ics(context) if kind == "meeting-invitation" else None
    subject = rendered.subject or rendered.title
    return ComposedLetter(rendered, f"{subject} ({config.school.name})", ics)
