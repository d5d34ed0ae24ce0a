"""What the dashboard shows, read from the store in one go (no Textual here: testable alone)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from casework.bans import Ban, BanStatus
from casework.cases import Case
from casework.config import Config
from casework.mailrecords import Health, MailRecord
from casework.outbox import LetterRecord, LetterStatus
from casework.rules import Due, next_due
from casework.serial import from_json
from store.casebook import Casebook
from store.maillog import MailLog
from store.outbox import Outbox
from store.records import Cases

OUTBOX_STATUSES = (
    LetterStatus.QUEUED,
    LetterStatus.SENDING,
    LetterStatus.FAILED,
    LetterStatus.TO_POST,
    LetterStatus.APPROVED,
)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of the case list, with everything it is sorted and filtered by."""

    ref: str
    person: str
    behaviours: str
    step: str
    step_label: str
    last_activity: str  # ISO 8601 as stored: sorts as it reads, parsed only when shown
    due: Due | None
    open: bool
    flags: tuple[str, ...]
    haystack: str

    @property
    def key(self) -> str:
        """The row's identity in tables."""
        return self.ref


@dataclass(frozen=True)
class BanRow:
    """One ban that still stands, for the list the front office needs at the gate."""

    ban: Ban
    ref: str
    in_force: bool
    review_overdue: bool
    deadline_passed: bool

    @property
    def key(self) -> str:
        """The row's identity in tables."""
        return self.ban.id

    @property
    def overdue(self) -> bool:
        """Something about this ban needs doing and its date has gone."""
        return self.review_overdue or self.deadline_passed


@dataclass(frozen=True)
class Counts:
    """The figures in the status bar."""

    open_cases: int
    bans_in_force: int
    reviews_due: int
    awaiting_approval: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard's tabs and status bar show."""

    today: date
    rows: tuple[CaseRow, ...]
    bans: tuple[BanRow, ...]
    approvals: tuple[LetterRecord, ...]
    outbox: tuple[LetterRecord, ...]
    mail: tuple[MailRecord, ...]
    health: Health | None
    counts: Counts


def case_row(config: Config, case: Case, today: date) -> CaseRow:
    """A case reduced to its list line."""
    person = ", ".join(s.name for s in case.subjects) or "(nobody named)"
    behaviours = ", ".join(case.behaviours)
    try:
        label = config.policy.step(case.step).label
    except KeyError:
        label = case.step
    due = next_due(case, today, config.policy) if case.is_open else None
    haystack = " ".join((case.ref, person, behaviours, case.summary)).lower()
    return CaseRow(
        ref=case.ref,
        person=person,
        behaviours=behaviours,
        step=case.step,
        step_label=label,
        last_activity=case.last_activity.isoformat(),
        due=due,
        open=case.is_open,
        flags=case.flags,
        haystack=haystack,
    )


def ban_rows(cases: Sequence[Case], today: date) -> list[BanRow]:
    """Every ban not lifted, soonest review first."""
    rows = [
        BanRow(
            ban=ban,
            ref=case.ref,
            in_force=ban.in_force(today),
            review_overdue=ban.review_overdue(today),
            deadline_passed=ban.deadline_passed(today),
        )
        for case in cases
        for ban in case.bans
        if ban.status is not BanStatus.LIFTED and ban.ends_on >= today
    ]
    rows.sort(key=lambda r: r.ban.review_on)
    return rows


def _has_dates(doc: Mapping[str, Any]) -> bool:
    """A case with a meeting, a ban or a published post: something may fall due."""
    return bool(
        doc.get("meetings")
        or doc.get("bans")
        or any(i.get("published_on") for i in doc.get("incidents", ()))
    )


def row_from_doc(
    config: Config,
    doc: Mapping[str, Any],
    today: date,
    labels: Mapping[str, str] | None = None,
) -> tuple[CaseRow, Case | None]:
    """A list line straight from a stored case document (decoding every case is the slow part).

    Only cases with dates on them are decoded in full, for their due dates and bans.
    """
    if _has_dates(doc):
        case = from_json(Case, doc)
        return case_row(config, case, today), case
    person = ", ".join(s["name"] for s in doc["subjects"]) or "(nobody named)"
    behaviours = ", ".join(doc["behaviours"])
    step = str(doc["step"])
    row = CaseRow(
        ref=doc["ref"],
        person=person,
        behaviours=behaviours,
        step=step,
        step_label=labels.get(step, step) if labels is not None else step,
        last_activity=str(doc["last_activity"]),
        due=None,
        open=doc["status"] == "open",
        flags=tuple(doc.get("flags", ())),
        haystack=" ".join((doc["ref"], person, behaviours, doc["summary"])).lower(),
    )
    return row, None


def _labels(config: Config) -> dict[str, str]:
    return {s.id: s.label for s in config.policy.steps}


def load_dashboard(config: Config, book: Casebook, today: date) -> Dashboard:
    """Read every list the dashboard shows; blocking, so call it from a worker thread."""
    with book.store.reading() as tx:
        docs = list(Cases(tx).raw())
    labels = _labels(config)
    pairs = [row_from_doc(config, d, today, labels) for d in docs]
    rows = tuple(r for r, _ in pairs)
    cases = [c for _, c in pairs if c is not None]
    outbox = Outbox(book)
    letters = outbox.with_status(LetterStatus.AWAITING_APPROVAL, *OUTBOX_STATUSES)
    approvals = tuple(x for x in letters if x.status is LetterStatus.AWAITING_APPROVAL)
    waiting = tuple(x for x in letters if x.status is not LetterStatus.AWAITING_APPROVAL)
    log = MailLog(book.store)
    mail = tuple(log.quarantined() + log.skipped())
    bans = tuple(ban_rows(cases, today))
    counts = Counts(
        open_cases=sum(1 for r in rows if r.open),
        bans_in_force=sum(1 for b in bans if b.in_force),
        reviews_due=sum(1 for b in bans if b.ban.review_on <= today),
        awaiting_approval=len(approvals),
    )
    return Dashboard(today, rows, bans, approvals, waiting, mail, log.health(), counts)


def matches(row: CaseRow, words: Sequence[str]) -> bool:
    """Every word of the filter appears in the reference, name, behaviours or summary."""
    return all(w in row.haystack for w in words)


def filter_rows(rows: Sequence[CaseRow], text: str) -> list[CaseRow]:
    """The rows a filter text keeps; an empty filter keeps everything."""
    words = text.lower().split()
    if not words:
        return list(rows)
    return [r for r in rows if matches(r, words)]
