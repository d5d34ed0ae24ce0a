"""What the dashboard lists, read in one transaction: cases, bans, letters, mail and their counts.

The store owns its document format: callers get typed lines, never documents. Decoding
every case in full is the slow part of a listing, so a case with no dates on it (no
meeting, ban or published post, so nothing can fall due) becomes its line straight from
the stored document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from casework.bans import Ban, BanStatus
from casework.cases import Case, CaseStatus
from casework.mailrecords import Health, MailRecord
from casework.outbox import LetterRecord, LetterStatus
from casework.policy import Policy, Route
from casework.restricted import RESTRICTED_WORDS
from casework.rules import HARASSMENT, REPLY_AFTER_CLOSE, Due, next_due
from casework.sar_requests import requests_due
from casework.serial import from_json
from store.casebook import Casebook
from store.liveness import checked
from store.maillog import MailLog, Messages, clashed, quarantined, skipped
from store.records import Cases, Letters
from store.sar_records import Requests

# Letters the office watches after approval: on their way, failed, or to be posted.
OUTBOX_STATUSES = (
    LetterStatus.HELD,
    LetterStatus.QUEUED,
    LetterStatus.SENDING,
    LetterStatus.OUTCOME_UNKNOWN,
    LetterStatus.FAILED,
    LetterStatus.TO_POST,
    LetterStatus.APPROVED,
)


_OPEN = CaseStatus.OPEN.value


@dataclass(frozen=True, slots=True)
class CaseLine:
    """One case in a list, with everything it is sorted and filtered by."""

    ref: str
    people: tuple[str, ...]  # the names of the people it is about
    behaviours: tuple[str, ...]
    step: str
    step_label: str
    summary: str
    last_activity: datetime
    due: Due | None  # the next date that falls due, for an open case
    open: bool
    flags: tuple[str, ...]
    search_text: str  # reference, names, behaviours and summary, lower case

    @property
    def needs_attention(self) -> bool:
        """A reply reached this case after it was closed: reopen it, or decide to leave it."""
        return REPLY_AFTER_CLOSE in self.flags

    def matches(self, words: Iterable[str]) -> bool:
        """Every (lower-case) word appears in the reference, a name, a behaviour or the summary."""
        return all(w in self.search_text for w in words)


@dataclass(frozen=True)
class BanLine:
    """A ban that still stands, with what the front office needs to know about it today."""

    ban: Ban
    ref: str
    in_force: bool
    review_overdue: bool
    deadline_passed: bool

    @property
    def overdue(self) -> bool:
        """Something about this ban needs doing and its date has gone."""
        return self.review_overdue or self.deadline_passed


@dataclass(frozen=True)
class Counts:
    """The figures the office watches."""

    open_cases: int
    bans_in_force: int
    reviews_due: int
    awaiting_approval: int
    attention: int = 0  # closed cases a reply has reached
    queued: int = 0  # letters waiting for the daemon to send them
    held: int = 0  # letters held for the office (their moment passed, or outcome unknown)
    # Subject access requests due within a week or overdue (casework.sar_requests).
    sar_due: int = 0


@dataclass(frozen=True)
class Listing:
    """Every list the dashboard shows, as of one moment of the store."""

    today: date
    cases: tuple[CaseLine, ...]
    bans: tuple[BanLine, ...]
    approvals: tuple[LetterRecord, ...]  # waiting for the headteacher
    outbox: tuple[LetterRecord, ...]  # approved and after: see OUTBOX_STATUSES
    # quarantined (unresolved), skipped, then filed emails reusing a Message-ID; newest first
    mail: tuple[MailRecord, ...]
    health: Health | None
    counts: Counts


def case_line(policy: Policy, case: Case, today: date) -> CaseLine:
    """A case reduced to its list line."""
    people = tuple(s.name for s in case.subjects)
    return CaseLine(
        ref=case.ref,
        people=people,
        behaviours=case.behaviours,
        step=case.step,
        step_label=policy.label(case.step),
        summary=case.summary,
        last_activity=case.last_activity,
        due=next_due(case, today, policy) if case.is_open else None,
        open=case.is_open,
        flags=case.flags,
        search_text=_search_text(case.ref, people, case.behaviours, case.summary),
    )


def _search_text(ref: str, people: Iterable[str], behaviours: Iterable[str], summary: str) -> str:
    return f"{ref} {', '.join(people)} {', '.join(behaviours)} {summary}".lower()


def _has_dates(doc: Mapping[str, Any]) -> bool:
    """A case with a meeting, a ban or a published post: something may fall due."""
    return bool(
        doc.get("meetings")
        or doc.get("bans")
        or any(i.get("published_on") for i in doc.get("incidents", ()))
    )


def _line_from_doc(
    policy: Policy, labels: Mapping[str, str], doc: Mapping[str, Any], today: date
) -> tuple[CaseLine, Case | None]:
    """A case document's line, and the decoded case when it has dates (for its bans)."""
    if _has_dates(doc):
        case = from_json(Case, doc)
        return case_line(policy, case, today), case
    people = tuple([s["name"] for s in doc["subjects"]])
    behaviours = tuple(doc["behaviours"])
    step, ref, summary = doc["step"], doc["ref"], doc["summary"]
    line = CaseLine(
        ref=ref,
        people=people,
        behaviours=behaviours,
        step=step,
        step_label=labels.get(step, step),
        summary=summary,
        last_activity=datetime.fromisoformat(doc["last_activity"]),
        due=None,
        open=doc["status"] == _OPEN,
        flags=tuple(doc.get("flags", ())),
        # As _search_text, inline: this runs once per case on every dashboard load.
        search_text=f"{ref} {', '.join(people)} {', '.join(behaviours)} {summary}".lower(),
    )
    return line, None


def _restricted_doc(doc: Mapping[str, Any], criminal: frozenset[str]) -> bool:
    """A case document holding criminal-offence data (as casework.restricted decides for a Case)."""
    if HARASSMENT in doc.get("flags", ()) or any(
        r.get("to") == "police" for r in doc.get("referrals", ())
    ):
        return True
    behaviours = set(doc["behaviours"]) | {
        b for i in doc["incidents"] for b in i.get("behaviours", ())
    }
    return bool(behaviours & criminal)


def _withheld_line(policy: Policy, labels: Mapping[str, str], doc: Mapping[str, Any]) -> CaseLine:
    """A restricted case's line for someone who may not see it: that it exists, nothing more."""
    ref = doc["ref"]
    return CaseLine(
        ref=ref,
        people=(RESTRICTED_WORDS,),
        behaviours=(),
        step=doc["step"],
        step_label=labels.get(doc["step"], doc["step"]),
        summary=RESTRICTED_WORDS,
        last_activity=datetime.fromisoformat(doc["last_activity"]),
        due=None,
        open=doc["status"] == _OPEN,
        flags=("restricted",),
        search_text=f"{ref} {RESTRICTED_WORDS}".lower(),
    )


def standing_bans(cases: Iterable[Case], today: date) -> list[BanLine]:
    """Every ban not lifted and not yet ended, soonest review first."""
    lines = [
        BanLine(
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
    lines.sort(key=lambda b: b.ban.review_on)
    return lines


def read_listing(book: Casebook, today: date) -> Listing:
    """Read every list the dashboard shows in one transaction, so the counts agree with them."""
    policy = book.config.policy
    labels = {s.id: s.label for s in policy.steps}
    sees_all = (
        book.actor.role is not None and book.actor.role.value in book.config.staff.restricted_roles
    )
    criminal = frozenset(b.id for b in policy.all_behaviours if b.route is Route.CRIMINAL)
    with book.store.reading() as tx:
        pairs = [
            _line_from_doc(policy, labels, d, today)
            if sees_all or not _restricted_doc(d, criminal)
            else (_withheld_line(policy, labels, d), None)
            for d in Cases(tx).raw()
        ]
        letters = Letters(tx).with_status(LetterStatus.AWAITING_APPROVAL, *OUTBOX_STATUSES)
        messages = Messages(tx).all()
        requests = Requests(tx).all()
    lines = tuple(line for line, _ in pairs)
    withheld = {line.ref for line in lines if "restricted" in line.flags}
    if withheld:  # a restricted case's letters do not name the person either
        letters = [replace(x, recipient_name=RESTRICTED_WORDS) if x.case_ref in withheld else x for x in letters]
    bans = tuple(standing_bans((c for _, c in pairs if c is not None), today))
    approvals = tuple(x for x in letters if x.status is LetterStatus.AWAITING_APPROVAL)
    waiting = tuple(x for x in letters if x.status is not LetterStatus.AWAITING_APPROVAL)
    newest = messages[::-1]
    mail = tuple(quarantined(newest) + skipped(newest) + clashed(newest))
    counts = Counts(
        open_cases=sum(1 for line in lines if line.open),
        bans_in_force=sum(1 for b in bans if b.in_force),
        reviews_due=sum(1 for b in bans if b.ban.review_on <= today),
        awaiting_approval=len(approvals),
        attention=sum(1 for line in lines if line.needs_attention),
        queued=sum(1 for x in waiting if x.status is LetterStatus.QUEUED),
        held=sum(
            1 for x in waiting if x.status in (LetterStatus.HELD, LetterStatus.OUTCOME_UNKNOWN)
        ),
        sar_due=len(requests_due(requests, today)),
    )
    # A daemon killed with SIGKILL leaves "idle" behind: check its process still runs.
    health = checked(MailLog(book.store).health())
    return Listing(today, lines, bans, approvals, waiting, mail, health, counts)
