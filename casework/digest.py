"""The daily digest to the headteacher and the office: pure sections over a snapshot of facts.

Each section is a function ``DigestFacts -> Section | None`` (None: nothing to say), so
others add their own (the front gate's bans list changing, subject access requests due)
by putting a function in the tuple they pass to :func:`digest_text`. The digest names cases
by reference and dates only: no names, no evidence, nothing of a restricted record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field
from datetime import date, datetime, timedelta

from casework.bans import BanStatus
from casework.cases import Case
from casework.gate import gate_changed_since
from casework.mailrecords import Health, MailRecord
from casework.outbox import LetterRecord, LetterStatus
from casework.record import record
from casework.schooldays import Count, SchoolCalendar

# "The next seven school days": weekdays, until the school's calendar says otherwise.
SCHOOL_DAYS_AHEAD = 7


@record
class DigestFacts:
    """What the digest reads, taken from the store in one view."""

    school: str
    today: date
    cases: tuple[Case, ...]
    letters: tuple[LetterRecord, ...]
    quarantined: tuple[MailRecord, ...] = ()
    health: Health | None = None
    health_words: str = ""
    audit_head: str = ""
    audit_length: int = 0
    # Extra facts another section needs (the bans list's hash, requests due): by name.
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # The school's days ([calendar]: terms, INSET days, bank holidays); weekdays by default.
    calendar: SchoolCalendar = field(default_factory=SchoolCalendar)


@record
class Section:
    """A heading and its lines."""

    title: str
    lines: tuple[str, ...]


SectionFn = Callable[[DigestFacts], Section | None]


def school_days_after(facts: DigestFacts, count: int) -> date:
    """The date ``count`` school days after the digest's day, by the school's calendar."""
    return facts.calendar.add(facts.today, count, Count.SCHOOL)


def _horizon(facts: DigestFacts) -> date:
    return school_days_after(facts, SCHOOL_DAYS_AHEAD)


def reviews_due(facts: DigestFacts) -> Section | None:
    """Ban reviews due (or overdue) within the next seven school days."""
    horizon = _horizon(facts)
    rows = sorted(
        (ban.review_on, case.ref, ban.id)
        for case in facts.cases
        for ban in case.bans
        if ban.status is not BanStatus.LIFTED and ban.review_on <= horizon
    )
    lines = tuple(
        f"{ref}: ban {bid} review {'OVERDUE since' if on < facts.today else 'due'} {on.isoformat()}"
        for on, ref, bid in rows
    )
    return Section("Ban reviews due in the next seven school days", lines) if lines else None


def representations_deadlines(facts: DigestFacts) -> Section | None:
    """Representations deadlines from today to seven school days ahead."""
    horizon = _horizon(facts)
    rows = sorted(
        (ban.representations_deadline, case.ref, ban.id)
        for case in facts.cases
        for ban in case.bans
        if ban.representations_deadline is not None
        and ban.status is not BanStatus.LIFTED
        and facts.today <= ban.representations_deadline <= horizon
    )
    lines = tuple(f"{ref}: ban {bid} representations by {on.isoformat()}" for on, ref, bid in rows)
    return Section("Representations deadlines", lines) if lines else None


def meetings_tomorrow(facts: DigestFacts) -> Section | None:
    """Meetings on the next day (the next school day on a Friday)."""
    tomorrow = school_days_after(facts, 1)
    rows = sorted(
        (m.at, case.ref, m.place)
        for case in facts.cases
        if case.is_open
        for m in case.meetings
        if m.at.date() == tomorrow and not m.outcome  # a meeting's time is the school's local time
    )
    lines = tuple(f"{ref}: {at:%H:%M}, {place}" for at, ref, place in rows)
    return Section(f"Meetings on {tomorrow:%A %d %B}", lines) if lines else None


def letters_waiting(facts: DigestFacts) -> Section | None:
    """Letters waiting for approval."""
    rows = sorted(
        (x.created, x.case_ref, x.kind) for x in facts.letters if x.status is LetterStatus.AWAITING_APPROVAL
    )
    lines = tuple(f"{ref}: {kind} letter, waiting since {at:%d %b}" for at, ref, kind in rows)
    return Section("Letters waiting for approval", lines) if lines else None


def letters_failed(facts: DigestFacts) -> Section | None:
    """Letters that failed, or whose outcome is unknown: the office must act."""
    bad = (LetterStatus.FAILED, LetterStatus.OUTCOME_UNKNOWN)
    rows = sorted((x.case_ref, x.kind, x.status.value) for x in facts.letters if x.status in bad)
    lines = tuple(f"{ref}: {kind} letter {status}" for ref, kind, status in rows)
    return Section("Letters that did not go", lines) if lines else None


def quarantined_mail(facts: DigestFacts) -> Section | None:
    """Mail the daemon could not handle."""
    if not facts.quarantined:
        return None
    lines = (f"{len(facts.quarantined)} message(s) in quarantine: see `conduct quarantine list`",)
    return Section("Quarantined mail", lines)


def front_gate_changed(facts: DigestFacts) -> Section | None:
    """The front gate's list of bans in force changed since yesterday: reception needs a new one."""
    if not gate_changed_since(facts.cases, facts.today - timedelta(days=1), facts.today):
        return None
    line = "a ban joined or left the list since yesterday: print it again (`conduct bans --pdf FILE`)"
    return Section("The front gate's list changed", (line,))


def mailbox_health(facts: DigestFacts) -> Section:
    """The mailbox's health as the daemon last wrote it."""
    if facts.health is None:
        return Section("The school mailbox", ("no report from the mail daemon",))
    words = facts.health_words or facts.health.state.value
    last = facts.health.last_good_check
    when = f"; last good check {last:%d %b %H:%M}" if last else ""
    return Section("The school mailbox", (f"{words}{when}",))


def audit_head(facts: DigestFacts) -> Section:
    """The audit chain's head: kept outside the server, it catches a rewritten log."""
    return Section(
        "Audit chain",
        (
            f"{facts.audit_length} entries; head {facts.audit_head}",
            "Keep this email: `conduct audit verify --against HASH` proves the log since.",
        ),
    )


# The key of DigestFacts.extra under which the store puts the subject access requests due.
SAR_DUE = "sar_due"


def subject_access_due(facts: DigestFacts) -> Section | None:
    """Subject access requests due within a week or overdue (casework.sar_requests)."""
    text = dict(facts.extra).get(SAR_DUE, "")
    lines = tuple(line for line in text.splitlines() if line.strip())
    return Section("Subject access requests due", lines) if lines else None


SECTIONS: tuple[SectionFn, ...] = (
    reviews_due,
    representations_deadlines,
    meetings_tomorrow,
    letters_waiting,
    letters_failed,
    subject_access_due,
    quarantined_mail,
    front_gate_changed,
    mailbox_health,
    audit_head,
)


def digest_text(facts: DigestFacts, sections: Sequence[SectionFn] = SECTIONS) -> tuple[str, str]:
    """The digest's subject and plain-text body."""
    subject = f"Conduct Desk daily digest, {facts.today:%A %d %B %Y}"
    parts = [f"{facts.school}: Conduct Desk, {facts.today:%A %d %B %Y}."]
    quiet: list[str] = []
    for fn in sections:
        section = fn(facts)
        if section is None:
            quiet.append(fn.__name__.replace("_", " "))
            continue
        parts.append(f"\n{section.title}\n" + "\n".join(f"  - {line}" for line in section.lines))
    if quiet:
        parts.append("\nNothing to report on: " + ", ".join(quiet) + ".")
    parts.append("\nThis is an automatic message from Conduct Desk; no evidence is attached.")
    return subject, "\n".join(parts) + "\n"


def approval_text(letters: Sequence[LetterRecord], now: datetime) -> tuple[str, str]:
    """The reminder to whoever may approve: which letters wait, by case reference."""
    lines = [f"  - {x.case_ref}: {x.kind} letter (drafted {x.created:%d %b %H:%M})" for x in letters]
    subject = f"{len(letters)} letter(s) waiting for your approval"
    body = (
        "These letters are waiting for your approval in Conduct Desk:\n"
        + "\n".join(lines)
        + "\n\nOpen the dashboard (tab 2, letters awaiting approval) or run "
        "`conduct letter approve REF ID`.\n"
        "This is an automatic message from Conduct Desk; no evidence is attached.\n"
    )
    return subject, body
