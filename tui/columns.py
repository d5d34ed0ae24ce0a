"""The columns of every table on the dashboard and the case screen: what each cell shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rich.text import Text

from casework.events import Event
from casework.mailrecords import MailOutcome, MailRecord
from casework.outbox import DEFAULT_APPROVERS, LetterRecord, LetterStatus
from casework.payloads import EvidenceAdded, EvidenceKind
from casework.record import record
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


@record
class EvidenceRow:
    """A piece of evidence on the timeline: the event that kept it, and its hash."""

    event: Event

    @property
    def id(self) -> str:
        """The row's identity: the event that kept the evidence."""
        return self.event.id

    @property
    def evidence(self) -> EvidenceAdded:
        """What the event kept."""
        assert isinstance(self.event.data, EvidenceAdded)
        return self.event.data

    @property
    def sha256(self) -> str:
        """The evidence's name in the vault."""
        return self.evidence.sha256

    @property
    def name(self) -> str:
        """The file name or the email's subject."""
        return self.evidence.name or self.evidence.subject or self.event.summary

    @property
    def kind(self) -> str:
        """email or file."""
        return self.evidence.kind.value

    @property
    def is_email(self) -> bool:
        """An email, which can be read here and split off to another case."""
        return self.evidence.kind is EvidenceKind.EMAIL or self.name.lower().endswith(".eml")


def evidence_rows(events: tuple[Event, ...]) -> list[EvidenceRow]:
    """The events of a timeline that kept evidence."""
    return [EvidenceRow(e) for e in events if isinstance(e.data, EvidenceAdded)]


TIMELINE_COLUMNS: list[Column[Event]] = [
    Column("When", 17, lambda e: when(e.at), lambda e: e.at),
    Column("What", 16, lambda e: e.type.value, lambda e: e.type.value),
    Column("Summary", 24, lambda e: Text(e.summary), None, flex=3),
    Column("By", 10, lambda e: Text(e.actor), lambda e: e.actor, flex=1),
]

EVIDENCE_COLUMNS: list[Column[EvidenceRow]] = [
    Column("Added", 17, lambda r: when(r.event.at), lambda r: r.event.at),
    Column("Kind", 6, lambda r: r.kind, lambda r: r.kind),
    Column("Name", 20, lambda r: Text(r.name), lambda r: r.name.lower(), flex=2),
    Column("SHA-256", 16, lambda r: r.sha256, None, flex=1),
]

CASE_LETTER_COLUMNS: list[Column[LetterRecord]] = [
    Column("Drafted", 17, lambda x: when(x.created), lambda x: x.created),
    Column("Letter", 18, lambda x: x.kind, lambda x: x.kind, flex=1),
    Column("Status", 17, lambda x: x.status.value, lambda x: x.status.value),
    Column("By", 5, lambda x: x.channel, None),
    Column("Note", 12, lambda x: Text(x.last_error or x.approved_by), None, flex=1),
]
