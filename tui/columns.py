"""The columns of every table on the dashboard and the case screen: what each cell shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rich.text import Text

from casework.mailrecords import MailOutcome, MailRecord
from casework.outbox import DEFAULT_APPROVERS, LetterRecord, LetterStatus
from store.listing import BanLine, CaseLine
from tui.formatting import day, local_day, short_day, when
from tui.widgets.record_table import Column

ALERT = "bold red"


def ref_key(ref: str) -> tuple[int, str]:
    """Case references in number order (C-2026-10000 after C-2026-9999)."""
    return (len(ref), ref)


def people_text(line: CaseLine) -> str:
    """Who a case is about, as the list shows it."""
    return ", ".join(line.people) or "(nobody named)"


def case_columns(today: Callable[[], date]) -> list[Column[CaseLine]]:
    """The case list: reference, person, behaviours, step, last activity, what falls due."""

    def due(line: CaseLine) -> Text:
        if line.needs_attention:
            return Text("reply after close", style=ALERT)
        if line.due is None:
            return Text("")
        text = Text(f"{short_day(line.due.on, today())} {line.due.what}")
        if line.due.on < today():
            text.stylize(ALERT)
        return text

    return [
        Column("Reference", 11, lambda r: r.ref, lambda r: ref_key(r.ref)),
        Column(
            "Person", 13, lambda r: Text(people_text(r)), lambda r: people_text(r).lower(), flex=2
        ),
        Column(
            "Behaviours",
            10,
            lambda r: Text(", ".join(r.behaviours)),
            lambda r: r.behaviours,
            flex=3,
        ),
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


def case_style(line: CaseLine) -> str:
    """Closed cases dimmed, unless a reply has reached one: then it stands out."""
    if line.needs_attention:
        return "bold"
    return "" if line.open else "dim"


def ban_columns(today: Callable[[], date]) -> list[Column[BanLine]]:
    """The bans list: who, until when, next review, representations deadline."""

    def review(line: BanLine) -> Text:
        text = Text(day(line.ban.review_on))
        if line.review_overdue:
            text.append(" overdue")
            text.stylize(ALERT)
        return text

    def deadline(line: BanLine) -> Text:
        d = line.ban.representations_deadline
        if d is None or line.ban.status.value == "confirmed":
            return Text("")
        text = Text(day(d))
        if line.deadline_passed:
            text.append(" passed")
            text.stylize(ALERT)
        return text

    def status(line: BanLine) -> str:
        if line.in_force:
            return f"banned ({line.ban.status.value})"
        if line.ban.starts_on > today():
            return f"{line.ban.status.value}, from {short_day(line.ban.starts_on)}"
        return line.ban.status.value

    return [
        Column(
            "Person", 16, lambda r: Text(r.ban.person_name), lambda r: r.ban.person_name, flex=2
        ),
        Column("Case", 11, lambda r: r.ref, lambda r: ref_key(r.ref)),
        Column("Status", 20, status, lambda r: r.ban.status.value, flex=1),
        Column("Until", 11, lambda r: day(r.ban.ends_on), lambda r: r.ban.ends_on),
        Column("Next review", 12, review, lambda r: r.ban.review_on),
        Column(
            "Representations by", 12, deadline, lambda r: r.ban.representations_deadline or date.max
        ),
    ]


def letter_columns(with_status: bool) -> list[Column[LetterRecord]]:
    """Letters across cases: case, kind, to whom, and (in the outbox) where they stand."""
    cols: list[Column[LetterRecord]] = [
        Column("Case", 11, lambda x: x.case_ref, lambda x: ref_key(x.case_ref)),
        Column("Letter", 16, lambda x: x.kind, lambda x: x.kind, flex=1),
        Column("To", 14, lambda x: Text(x.recipient_name), lambda x: x.recipient_name, flex=1),
        Column("By", 5, lambda x: x.channel, lambda x: x.channel),
        Column("Drafted", 17, lambda x: when(x.created), lambda x: x.created),
    ]
    if with_status:
        # Wide enough for the longest states ("awaiting-approval", "outcome-unknown").
        cols.insert(3, Column("Status", 17, lambda x: x.status.value, lambda x: x.status.value))
        cols.append(Column("Problem", 10, lambda x: Text(x.last_error), None, flex=2))
    else:
        # Awaiting approval: whom it waits for (the roles the policy names for its step).
        cols.append(Column("Waits for", 18, waits_for, waits_for, flex=1))
    return cols


def waits_for(letter: LetterRecord) -> str:
    """The roles that may approve a letter, in words: 'headteacher or deputy'."""
    return " or ".join(reversed(letter.approvers or DEFAULT_APPROVERS))


def letter_style(letter: LetterRecord) -> str:
    """A failed or held letter, or one whose outcome is unknown, stands out."""
    alert = (LetterStatus.FAILED, LetterStatus.OUTCOME_UNKNOWN, LetterStatus.HELD)
    return ALERT if letter.status in alert else ""


def mail_columns() -> list[Column[MailRecord]]:
    """Quarantined and skipped messages, and emails that reuse another's Message-ID."""

    def outcome(r: MailRecord) -> Text:
        if r.outcome is MailOutcome.QUARANTINED:
            return Text("quarantined", style=ALERT)
        if r.id_clash:
            # Another, different email has the same Message-ID: both are kept; look at both.
            return Text("ID reused", style=ALERT)
        return Text(r.outcome.value)

    return [
        Column("What", 11, outcome, lambda r: r.outcome.value),
        Column("Received", 17, lambda r: when(r.recorded), lambda r: r.recorded),
        Column("From", 16, lambda r: Text(r.sender), lambda r: r.sender.lower(), flex=1),
        Column("Subject", 16, lambda r: Text(r.subject), lambda r: r.subject.lower(), flex=2),
        Column("Why", 12, lambda r: Text(r.reason), None, flex=1),
    ]
