"""What the dashboard lists, read in one transaction: cases, bans, letters, mail and their counts.

The store owns its document format: callers get typed lines, never documents. Decoding
every case in full is the slow part of a listing, so a case with no dates on it (no
meeting, ban or published post, so nothing can fall due) becomes its line straight from
what the list needs of its document, and that is kept, by the digest of each case shard's
bytes, in store/listing_cache.py (store/shard_cache.py): an unchanged shard is not parsed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any, NamedTuple

from casework.bans import Ban, BanStatus
from casework.cases import Case, CaseStatus
from casework.mailrecords import Health, MailRecord
from casework.outbox import LetterRecord, LetterStatus
from casework.policy import Policy, Route
from casework.record import record
from casework.restricted import RESTRICTED_WORDS
from casework.rules import HARASSMENT, REPLY_AFTER_CLOSE, Due, next_due
from casework.sar_requests import requests_due
from casework.serial import from_json
from store.casebook import Casebook
from store.db import META
from store.files import signature
from store.listing_cache import DOCUMENT, entry_of, listing_cache, listing_entries
from store.liveness import checked
from store.maillog import MailLog, Messages, clashed, quarantined, skipped
from store.records import CASE_FILES, Letters
from store.sar_records import Requests
from store.shard_cache import Entry

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


# A NamedTuple, not a frozen dataclass: just as immutable and typed, and made three times
# faster (a frozen dataclass sets each field through object.__setattr__), which is a tenth
# of the dashboard's first frame at 10,000 cases.
class CaseLine(NamedTuple):
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


@record
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


@record
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


@record
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


def _line_from_entry(
    policy: Policy, labels: Mapping[str, str], entry: Entry, today: date
) -> tuple[CaseLine, Case | None]:
    """A case's line from its listing entry, and the decoded case when it has dates (for its bans)."""
    if entry[0] == DOCUMENT:
        case = from_json(Case, entry[1])
        return case_line(policy, case, today), case
    _, ref, names, behaviour_list, step, summary, last, is_open, flag_list = entry[:9]
    people, behaviours = tuple(names), tuple(behaviour_list)
    # Positional and inline (as case_line and _search_text): this runs for every case.
    line = CaseLine(
        ref,
        people,
        behaviours,
        step,
        labels.get(step, step),
        summary,
        datetime.fromisoformat(last),
        None,
        is_open,
        tuple(flag_list),
        f"{ref} {', '.join(people)} {', '.join(behaviours)} {summary}".lower(),
    )
    return line, None


def _line_from_doc(
    policy: Policy, labels: Mapping[str, str], doc: Mapping[str, Any], today: date
) -> tuple[CaseLine, Case | None]:
    """A case document's line, and the decoded case when it has dates (for its bans)."""
    return _line_from_entry(policy, labels, entry_of(doc), today)


def _restricted(entry: Entry, criminal: frozenset[str]) -> bool:
    """A case holding criminal-offence data (as casework.restricted decides for a Case)."""
    if entry[0] == DOCUMENT:
        doc = entry[1]
        if HARASSMENT in doc.get("flags", ()) or any(
            r.get("to") == "police" for r in doc.get("referrals", ())
        ):
            return True
        behaviours = set(doc["behaviours"]).union(
            *(i.get("behaviours", ()) for i in doc["incidents"])
        )
        return bool(behaviours & criminal)
    return HARASSMENT in entry[8] or entry[10] or not criminal.isdisjoint(entry[9])


def _withheld_line(labels: Mapping[str, str], entry: Entry) -> CaseLine:
    """A restricted case's line for someone who may not see it: that it exists, nothing more."""
    if entry[0] == DOCUMENT:
        doc = entry[1]
        ref, step, last, is_open = (
            doc["ref"],
            doc["step"],
            doc["last_activity"],
            doc["status"] == _OPEN,
        )
    else:
        ref, step, last, is_open = entry[1], entry[4], entry[6], entry[7]
    return CaseLine(
        ref=ref,
        people=(RESTRICTED_WORDS,),
        behaviours=(),
        step=step,
        step_label=labels.get(step, step),
        summary=RESTRICTED_WORDS,
        last_activity=datetime.fromisoformat(last),
        due=None,
        open=is_open,
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


def commit_mark(book: Casebook) -> tuple[int, int, int, int] | None:
    """A token that changes with every commit to the store, by any process (one stat)."""
    # Every commit renames a new meta.json into place: it holds the audit chain's head.
    return signature(book.store.root / META)


def read_listing(book: Casebook, today: date) -> Listing:
    """Read every list the dashboard shows in one transaction, so the counts agree with them."""
    policy = book.config.policy
    labels = {s.id: s.label for s in policy.steps}
    sees_all = book.actor.sees_restricted(book.config.staff.restricted_roles)
    criminal = frozenset(b.id for b in policy.all_behaviours if b.route is Route.CRIMINAL)
    cache = listing_cache(book.store.root)
    with book.store.reading() as tx:
        pairs = [
            _line_from_entry(policy, labels, e, today)
            if sees_all or not _restricted(e, criminal)
            else (_withheld_line(labels, e), None)
            for e in listing_entries(cache, tx, CASE_FILES)
        ]
        letters = Letters(tx).with_status(LetterStatus.AWAITING_APPROVAL, *OUTBOX_STATUSES)
        messages = Messages(tx).all()
        requests = Requests(tx).all()
        cache.save()
    lines = tuple(line for line, _ in pairs)
    withheld = {line.ref for line in lines if "restricted" in line.flags}
    if withheld:  # a restricted case's letters do not name the person either
        letters = [
            replace(x, recipient_name=RESTRICTED_WORDS) if x.case_ref in withheld else x
            for x in letters
        ]
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
