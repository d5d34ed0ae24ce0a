"""Which closed cases have reached retention review, in which record class, and why not yet.

Pure rules: the case, the policy, the schedule and today's date come in; nothing is read.
A case's class decides its period: criminal-offence data (UK GDPR article 10: a police
referral, a behaviour on the criminal route, a harassment flag) is its own class; a case in
which a ban was imposed is a ban record; anything else is a conduct case. The period runs
from the last action: the latest of the case's last activity and the end of any ban.
Mail the daemon kept on no case (quarantined or skipped) is its own class, counted from the
day it arrived.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from casework.cases import Case, CaseStatus
from casework.mailrecords import MailOutcome, MailRecord
from casework.policy import Policy, Route
from casework.record import record
from casework.retention import RecordClass, RetentionSchedule
from casework.rules import HARASSMENT


class DisposalRefused(ValueError):
    """A case that may not be disposed of now; the message says why."""


@record
class CaseReview:
    """Where one case stands against the schedule."""

    ref: str
    record_class: RecordClass
    last_action: date
    review_on: date
    open: bool
    hold: str

    def due(self, today: date) -> bool:
        """Closed, not on hold, and its review date has come."""
        return not self.open and not self.hold and today >= self.review_on

    def why_not(self, today: date, *, early: bool = False) -> str | None:
        """Why this case may not be disposed of today (None: it may)."""
        if self.open:
            return f"{self.ref} is open: close it before it can be disposed of"
        if self.hold:
            return (
                f"{self.ref} is under legal hold ({self.hold}): release the hold first "
                f"(`conduct case release {self.ref} --reason ...`)"
            )
        if today < self.review_on and not early:
            return (
                f"{self.ref} reaches review on {self.review_on} ({self.record_class.value}); "
                "before then it is disposed of only with --early (an erasure request, say)"
            )
        return None


def record_class(case: Case, policy: Policy) -> RecordClass:
    """The retention class of a case: criminal-offence data, a ban, or a conduct case."""
    criminal = {b.id for b in policy.behaviours if b.route is Route.CRIMINAL}
    if (
        any(r.to == "police" for r in case.referrals)
        or criminal & set(case.behaviours)
        or HARASSMENT in case.flags
    ):
        return RecordClass.CRIMINAL_OFFENCE
    if case.bans:
        return RecordClass.BAN
    return RecordClass.CONDUCT_CASE


def last_action(case: Case) -> date:
    """The day of the case's last action: its last activity, or a ban's last day if later."""
    day = case.last_activity.astimezone().date()
    for ban in case.bans:
        day = max(day, ban.ends_on)
    return day


def review_of(case: Case, policy: Policy, schedule: RetentionSchedule) -> CaseReview:
    """A case's class, last action and review date under the schedule."""
    cls = record_class(case, policy)
    last = last_action(case)
    return CaseReview(
        ref=case.ref,
        record_class=cls,
        last_action=last,
        review_on=schedule.review_on(cls, last),
        open=case.status is CaseStatus.OPEN,
        hold=case.hold,
    )


def reviews_due(
    cases: Iterable[Case], policy: Policy, schedule: RetentionSchedule, today: date
) -> list[CaseReview]:
    """Closed cases off hold whose review date has come, longest overdue first."""
    reviews = [review_of(c, policy, schedule) for c in cases]
    return sorted((r for r in reviews if r.due(today)), key=lambda r: (r.review_on, r.ref))


def held(cases: Sequence[Case]) -> list[Case]:
    """Cases under legal hold."""
    return [c for c in cases if c.hold]


@record
class MailReview:
    """Where one unfiled message (quarantined or skipped, on no case) stands against the schedule."""

    sha256: str
    outcome: MailOutcome
    last_action: date
    review_on: date

    def due(self, today: date) -> bool:
        """Its review date has come."""
        return today >= self.review_on


def unfiled_mail(records: Iterable[MailRecord]) -> list[MailRecord]:
    """Messages the daemon kept on no case: quarantined or skipped, and not yet disposed of."""
    kept = (MailOutcome.QUARANTINED, MailOutcome.SKIPPED)
    return [r for r in records if r.case_ref is None and r.outcome in kept]


def mail_reviews(records: Iterable[MailRecord], schedule: RetentionSchedule) -> list[MailReview]:
    """Each unfiled message's review date (its period runs from when it arrived), soonest first."""
    reviews = []
    for r in unfiled_mail(records):
        day = r.recorded.astimezone().date()
        reviews.append(
            MailReview(r.sha256, r.outcome, day, schedule.review_on(RecordClass.UNFILED_MAIL, day))
        )
    return sorted(reviews, key=lambda m: (m.review_on, m.sha256))
