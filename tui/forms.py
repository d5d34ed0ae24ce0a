"""The forms that record something on a case, and what their answers record.

The ladder's own forms (steps, bans, reviews) are in ``tui.ladder_forms``. No store and no
worker here: the screens show these and act on the answers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import date
from typing import Any

from casework.cases import Severity
from casework.config import Config
from casework.events import EventType
from casework.fields import parse_local_time
from casework.meetings import required_attendees, step_attendees
from casework.policy import Policy, Route
from casework.record import record
from store.casebook import CaseFile
from tui.formatting import when
from tui.screens.form_modal import Field, FormModal, FormResult


@record
class Entry:
    """What a form's answers record: the event, its line on the timeline, its text and fields."""

    type: EventType
    summary: str
    text: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)  # answers; see strings()


def strings(answers: Mapping[str, Any]) -> dict[str, str]:
    """Answers as the text fields the shared builders read; a choice of many joins with ;."""
    return {
        k: ";".join(v) if isinstance(v, tuple | list) else str(v)
        for k, v in answers.items()
        if v not in ("", None, (), [])
    }


def first_line(text: str, width: int = 70) -> str:
    """A text's first line, cut to fit a timeline row."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def behaviour_options(policy: Policy) -> tuple[tuple[str, str], ...]:
    """Every behaviour and online activity, as a form offers them."""
    return tuple((b.id, f"{b.id}: {b.label}") for b in policy.all_behaviours)


# -- new case ---------------------------------------------------------------------------


def new_case(policy: Policy) -> FormModal:
    """The questions for a new case."""
    return FormModal(
        "New case",
        [
            Field("name", "Who is it about? (parent or carer's name)", required=True),
            Field("email", "Their email address", help="Matches a parent already known"),
            Field(
                "behaviours",
                "What did they do? (space to tick; at least one)",
                "multi",
                options=behaviour_options(policy),
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


# -- events recorded by hand ------------------------------------------------------------


def incident(policy: Policy, file: CaseFile, today: date) -> FormModal:
    """Another incident: dates, target, behaviours; the publication date for posts."""
    return FormModal(
        "Log an incident",
        [
            Field("text", "What happened", "area", required=True),
            Field("occurred_on", "When", "date", value=today.isoformat(), required=True),
            Field(
                "target",
                "Towards whom",
                help="Two incidents towards the same person raise a harassment flag",
            ),
            Field(
                "behaviours",
                "Behaviours",
                "multi",
                value=file.case.behaviours,
                options=behaviour_options(policy),
            ),
            Field(
                "published_on",
                "Published on (social media only)",
                "date",
                help="A defamation claim must start within a year of this date",
            ),
        ],
        submit="Log incident",
    )


def incident_entry(a: FormResult) -> Entry:
    """An incident as recorded."""
    fields = {k: a[k] for k in ("occurred_on", "target", "behaviours", "published_on")}
    return Entry(EventType.INCIDENT, first_line(a["text"]), a["text"], fields)


def statement() -> FormModal:
    """A statement from a witness or member of staff."""
    return FormModal(
        "Add a statement",
        [
            Field("by", "Whose statement", required=True),
            Field("text", "The statement", "area", required=True),
        ],
        submit="Add statement",
    )


def statement_entry(a: FormResult) -> Entry:
    """A statement as recorded."""
    return Entry(EventType.STATEMENT_TAKEN, f"Statement from {a['by']}", a["text"], {"by": a["by"]})


def note() -> FormModal:
    """A note on the timeline."""
    return FormModal(
        "Add a note", [Field("text", "Note", "area", required=True)], submit="Add note"
    )


def contact() -> FormModal:
    """Contact with the parent: how, and what was said."""
    return FormModal(
        "Record contact with the parent",
        [
            Field(
                "channel",
                "How",
                "choice",
                value="phone",
                options=(
                    ("phone", "Phone"),
                    ("email", "Email"),
                    ("letter", "Letter"),
                    ("in person", "In person"),
                ),
            ),
            Field("text", "What was said", "area", required=True),
        ],
        submit="Record contact",
    )


def contact_entry(a: FormResult) -> Entry:
    """Contact with the parent as recorded."""
    summary = f"Contacted the parent ({a['channel']})"
    return Entry(EventType.PARENT_CONTACTED, summary, a["text"], {"channel": a["channel"]})


def meeting_day(config: Config, today: date) -> date:
    """The first day a meeting may be offered: the notice period on, then the next school day."""
    p, cal = config.periods, config.calendar
    return cal.school_day_on_or_after(cal.add(today, p.meeting_notice_days, p.meeting_notice_count))


def meeting(config: Config, file: CaseFile, today: date) -> FormModal:
    """A meeting on a school day after the notice period, in school hours, with whom the step says."""
    cal = config.calendar
    who = step_attendees(config, file.case.step) or (config.school.headteacher,)
    return FormModal(
        "Schedule a meeting",
        [
            Field("on", "Date", "date", value=meeting_day(config, today).isoformat(), required=True),
            Field("at", "Time", "time", value="15:30", required=True),
            Field("place", "Where", value="Headteacher's office", required=True),
            Field(
                "attendees",
                "Who from the school (; between names)",
                value="; ".join(who),
                help="The letter names everyone here",
            ),
            Field(
                "off_day_reason",
                "Not a school day, or outside school hours? Say why",
                help=f"Meetings are offered on school days, {cal.day_starts:%H:%M}-"
                f"{cal.day_ends:%H:%M}",
            ),
        ],
        submit="Schedule",
    )


def meeting_entry(a: FormResult) -> Entry:
    """A meeting as recorded; PayloadError when the date and time are not a moment."""
    at = f"{a['on']}T{a['at']}"
    shown = when(parse_local_time("at", at))
    fields = {
        "at": at,
        "place": a["place"],
        "attendees": a["attendees"],  # ';' between names (casework.fields.PEOPLE_LISTS)
        "off_day_reason": a.get("off_day_reason", ""),
    }
    return Entry(EventType.MEETING_SCHEDULED, f"Meeting on {shown} at {a['place']}", "", fields)


OUTCOMES = {
    "attended": (EventType.MEETING_ATTENDED, "They came to the meeting", "Meeting attended"),
    "refused": (EventType.MEETING_REFUSED, "They refused to meet", "Meeting refused"),
    "no-show": (EventType.MEETING_NO_SHOW, "They did not come", "Did not come to the meeting"),
}


def meeting_outcome() -> FormModal:
    """Attended, refused or did not come."""
    options = tuple((k, label) for k, (_, label, _) in OUTCOMES.items())
    return FormModal(
        "Meeting outcome",
        [
            Field("outcome", "What happened", "choice", value="attended", options=options),
            Field("text", "Notes", "area"),
        ],
        submit="Record outcome",
    )


def meeting_outcome_entry(a: FormResult) -> Entry:
    """A meeting's outcome as recorded."""
    etype, _, words = OUTCOMES[a["outcome"]]
    summary = f"{words}: {first_line(a['text'])}" if a["text"] else words
    return Entry(etype, summary, a["text"])


def representations(today: date) -> FormModal:
    """The parent's representations against a ban."""
    return FormModal(
        "Representations received",
        [
            Field("received_on", "Received on", "date", value=today.isoformat(), required=True),
            Field("text", "What they say, in short", "area", required=True),
        ],
        submit="Record",
    )


def representations_entry(a: FormResult) -> Entry:
    """Representations as recorded."""
    summary = f"Representations received: {first_line(a['text'])}"
    return Entry(
        EventType.REPRESENTATIONS_RECEIVED, summary, a["text"], {"received_on": a["received_on"]}
    )


def referral(policy: Policy, file: CaseFile, today: date) -> FormModal:
    """A referral to the police or legal advisors; legal first for defamation alone."""
    routes = set()
    for bid in file.case.behaviours:
        with contextlib.suppress(KeyError):
            routes.add(policy.behaviour(bid).route)
    default = "legal" if Route.DEFAMATION in routes and Route.CRIMINAL not in routes else "police"
    return FormModal(
        "Record a referral",
        [
            Field(
                "to",
                "Referred to",
                "choice",
                value=default,
                options=(
                    ("police", f"Police ({policy.police})"),
                    ("legal", f"Legal ({policy.legal})"),
                ),
            ),
            Field("reference", "Their reference number", required=True),
            Field("on", "On", "date", value=today.isoformat(), required=True),
        ],
        submit="Record referral",
    )


def referral_entry(policy: Policy, a: FormResult) -> Entry:
    """A referral recorded without moving the case (off the ladder, under a ban say)."""
    who = policy.police if a["to"] == "police" else policy.legal
    return Entry(
        EventType.REFERRAL,
        f"Referred to {who} (reference {a['reference']})",
        "",
        {"to": a["to"], "reference": a["reference"], "on": a["on"]},
    )


def complaint() -> FormModal:
    """The parent has raised a complaint."""
    return FormModal(
        "Complaint raised",
        [Field("text", "The complaint, in short", "area", required=True)],
        submit="Record",
    )


def complaint_entry(a: FormResult) -> Entry:
    """A complaint as recorded."""
    return Entry(
        EventType.COMPLAINT_RAISED, f"Complaint raised: {first_line(a['text'])}", a["text"]
    )


def split_email(policy: Policy, name: str, sender: str, subject: str) -> FormModal:
    """Who a new case is about, for an email that belongs to another case."""
    return FormModal(
        "Split this email off to a new case",
        [
            Field("name", "Who the new case is about", value="", required=True),
            Field("email", "Their email", value=sender),
            Field(
                "behaviours",
                "Behaviours",
                "multi",
                options=behaviour_options(policy),
                required=True,
            ),
            Field("summary", "What the new case is about", value=subject, required=True),
        ],
        intro=f"The email '{name}' stays in this case's history, marked as split.",
        submit="Split",
    )


# -- letters ----------------------------------------------------------------------------


def letter_kind(suggested: str | None, options: tuple[tuple[str, str], ...]) -> FormModal:
    """Which letter to draft: the ladder's suggestion first."""
    return FormModal(
        "Draft a letter",
        [
            Field(
                "kind", "Which letter?", "choice", value=suggested or options[0][0], options=options
            )
        ],
        submit="Next",
    )


def letter_details(kind: str, fields: list[Field]) -> FormModal:
    """The fields a letter needs that the case does not record, prefilled from the case."""
    return FormModal(
        f"The {kind} letter",
        fields,
        submit="Preview",
        intro="Prefilled from the case; change anything the letter should say.",
    )


def check_entry(
    read: Callable[[FormResult], Entry],
    config: Config,
    today: date,
    step: str,
    answers: Mapping[str, Any],
) -> str | None:
    """What the command line would refuse in these answers, in its words; None when fine."""
    from casework.payloads import PayloadError
    from casework.recording import recorded_payload

    try:
        entry = read(dict(answers))
        recorded_payload(
            entry.type,
            entry.text,
            strings(entry.fields),
            policy=config.policy,
            today=today,
            calendar=config.calendar,
            attendees_required=required_attendees(config, step),
        )
    except PayloadError as exc:
        return str(exc)
    return None


# The entries recorded by a form and its answers alone, by the name the case screen's keys use:
# each form is built from the configuration, the case file and today's date.
FormFor = Callable[[Config, CaseFile, date], FormModal]
RECORDS: Mapping[str, tuple[FormFor, Callable[[FormResult], Entry]]] = {
    "incident": (lambda c, f, d: incident(c.policy, f, d), incident_entry),
    "statement": (lambda c, f, d: statement(), statement_entry),
    "contact": (lambda c, f, d: contact(), contact_entry),
    "meeting": (lambda c, f, d: meeting(c, f, d), meeting_entry),
    "outcome": (lambda c, f, d: meeting_outcome(), meeting_outcome_entry),
    "representations": (lambda c, f, d: representations(d), representations_entry),
    "complaint": (lambda c, f, d: complaint(), complaint_entry),
}
