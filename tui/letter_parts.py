"""The letter preview's pure parts: the fields the office may type for a letter, prefilled from
the case; the kinds that fit a case; and the facts a letter states, as text. No screen here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from casework.letter_context import build_context
from casework.letter_facts import Fact, ban_letter_refusal
from store.casebook import CaseFile
from tui.desk import Desk
from tui.fact_fix import how
from tui.screens.form_modal import Field

# Fields the office may type for a letter, with how the form asks for each.
SETTABLE: Mapping[str, Field] = {
    "incident_date": Field("incident_date", "Date of the incident", "date", required=True),
    "incident_summary": Field(
        "incident_summary", "What happened (as the letter says it)", "area", required=True
    ),
    "meeting_with": Field(
        "meeting_with",
        "Meeting with",
        "choice",
        options=(
            ("senior", "A senior member of staff"),
            ("chair", "The Chair of Governors and the head"),
            ("formal", "Formal meeting"),
        ),
        required=True,
    ),
    "meeting_date": Field("meeting_date", "Meeting date", "date", required=True),
    "meeting_time": Field("meeting_time", "Meeting time", "time", required=True),
    "meeting_place": Field("meeting_place", "Meeting place", required=True),
    "meeting_outcome": Field(
        "meeting_outcome",
        "The meeting was",
        "choice",
        options=(("refused", "Refused"), ("no-show", "Not attended")),
        required=True,
    ),
    "outcome": Field(
        "outcome",
        "Review outcome",
        "choice",
        options=(("continued", "The ban continues"), ("lifted", "The ban is lifted")),
        required=True,
    ),
    "next_review_on": Field("next_review_on", "Next review", "date", required=True),
    "lifted_on": Field("lifted_on", "Lifted on", "date", required=True),
}


# Fields a ban letter takes from the ban's record when it holds them (casework.ban_record).
RECORDED = ("outcome", "next_review_on", "lifted_on")

def facts_text(facts: tuple[Fact, ...]) -> Text:
    """Each fact the letter states, where it came from, and how to correct it (never markup)."""
    text = Text()
    text.append("Facts in this letter (e corrects one where it is kept; * this letter's own)\n", style="bold")
    for fact in facts:
        mark = "*" if fact.field else " "
        text.append(f"{mark} {fact.label}: ", style="bold")
        text.append(fact.value)
        text.append(f"\n    from {fact.source}; {how(fact)}\n", style="dim")
    return text


def suggested_kind(desk: Desk, file: CaseFile) -> str | None:
    """The letter of the step the case is at, else of the step the ladder suggests."""
    policy = desk.config.policy
    for step_id in (file.case.step, file.suggestion.step if file.suggestion else None):
        if step_id:
            step = policy.step(step_id)
            if step.letter:
                return step.letter
    return None


def letter_fields(
    desk: Desk,
    file: CaseFile,
    kind: str,
    typed: Mapping[str, str] | None = None,
    also: tuple[str, ...] = (),
) -> list[Field]:
    """The kind's required fields (and ``also``) the office can type, prefilled from the case
    and from what was already typed for this letter."""
    from letters.kinds import kinds_for, letter_kind

    person = file.people[0] if file.people else None
    typed = dict(typed or {})
    try:
        ctx = build_context(desk.config, file.case, person, kind, typed, desk.today()).as_mapping()
    except ValueError:
        ctx = {}
    fields = []
    required = letter_kind(kind, kinds_for(desk.config.policy.letter_kinds)).required
    for name in dict.fromkeys((*required, *also)):
        if name not in SETTABLE:
            continue
        value = ctx.get(name)
        if name in RECORDED and value:
            continue  # the ban's record says it: the letter follows, nothing to ask
        if value is not None and hasattr(value, "isoformat"):
            shown = value.isoformat()[:5] if name == "meeting_time" else value.isoformat()
        else:
            shown = str(value or "")
        base = SETTABLE[name]
        helptext = ""
        if name == "incident_summary" and not shown:
            # Offered, never used silently: the words the case was opened with (an email's
            # subject, often) are a starting point the office reads and rewrites.
            helptext = f"No incident is recorded. The case was opened as: {file.case.summary}"
        fields.append(
            Field(
                base.name,
                base.label,
                base.kind,
                value=shown or base.value,
                options=base.options,
                required=base.required,
                help=helptext,
            )
        )
    return fields


def kind_options(desk: Desk, file: CaseFile) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The suggested kind and every kind that fits the case, the suggested one first.

    A ban letter is offered only for a ban in the state it describes (casework.letter_facts).
    """
    from letters.kinds import kinds_for

    kinds = kinds_for(desk.config.policy.letter_kinds)
    suggested = suggested_kind(desk, file)
    fitting = [k for k in kinds if ban_letter_refusal(k, file.case) is None]
    if suggested not in fitting:
        suggested = None
    names = sorted(fitting, key=lambda k: k != suggested)
    options = tuple(
        (k, f"{kinds[k].english_title}" + ("  [suggested]" if k == suggested else ""))
        for k in names
    )
    return suggested, options


def changed_fields(asked: list[Field], answers: Mapping[str, Any]) -> dict[str, str]:
    """What the office typed for the letter: answers that differ from what the case gave the
    form (an answer left as prefilled stays the case's fact, and the preview says so)."""
    prefilled = {f.name: str(f.value) for f in asked}
    return {k: v for k, v in any_field(answers).items() if v.strip() != prefilled.get(k, "").strip()}


def any_field(values: Mapping[str, Any]) -> dict[str, str]:
    """Answers as the strings build_context takes."""
    return {k: str(v) for k, v in values.items() if v not in ("", None) and k != "kind"}


