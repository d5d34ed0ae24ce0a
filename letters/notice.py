"""The words of an internal notice to staff: plain text from a template, in the school's language.

It names the school, the case reference, the step and the day, and nothing else: no names,
no account of what happened, no evidence (a notice goes to a mailbox, not to the case).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from casework.notices import NoticeRecord
from casework.record import record
from letters.i18n import languages
from letters.templating import NOTE_SEPARATOR, Templates

NOTICE = "notice.txt.j2"


@record
class NoticeText:
    """A notice's subject line (without the case tag) and body."""

    subject: str
    body: str


def notice_text(
    notice: NoticeRecord,
    school_name: str,
    taken_on: date,
    *,
    language: str = "en",
    template_dir: Path | None = None,
) -> NoticeText:
    """The notice in the school's language(s); a school may override ``notice.txt.j2``."""
    templates = Templates(template_dir)
    data = {
        "school_name": school_name,
        "case_ref": notice.case_ref,
        "step_label": notice.step_label,
        "taken_on": taken_on,
    }
    bodies = [
        templates.render(NOTICE if lang == "en" else f"{lang}/{NOTICE}", data, lang)
        for lang in languages(language)
    ]
    return NoticeText(
        subject=f"Conduct Desk: {notice.step_label}",
        body=NOTE_SEPARATOR.join(bodies),
    )
