"""Bans from the premises, as DfE "Controlling access to school premises" (2018) requires."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from enum import StrEnum

from casework.periods import Periods
from casework.record import record
from casework.schooldays import SchoolCalendar


class BanKind(StrEnum):
    """How the ban starts: barred now pending representations, or notice of intent."""

    PROVISIONAL = "provisional"
    INTENT = "intent"


class BanStatus(StrEnum):
    """Where a ban stands."""

    PROVISIONAL = "provisional"
    INTENDED = "intended"
    CONFIRMED = "confirmed"
    LIFTED = "lifted"


@record
class ReviewEntry:
    """One review of a ban: when, what it decided, and when the next one is."""

    on: date
    outcome: str  # continued | lifted
    next_review_on: date | None = None
    reason: str = ""  # why, in the decider's words: the review letter states it


class BanRuleError(ValueError):
    """A ban that the guidance does not allow: names what is missing."""


@record
class Ban:
    """A ban of one person from the premises, always with a review date."""

    id: str
    person_id: str
    person_name: str
    kind: BanKind
    status: BanStatus
    imposed_on: date
    starts_on: date
    ends_on: date
    review_on: date
    reasons: str
    scope: str
    representations_deadline: date | None = None
    representations_to: str = ""
    collection_arrangements: str = ""
    reviews: tuple[str, ...] = ()
    # The dated record letters are written from: when representations arrived, when the ban
    # was confirmed, each review (date, outcome, next review), when it was lifted.
    representations_received: tuple[date, ...] = ()
    confirmed_on: date | None = None
    review_log: tuple[ReviewEntry, ...] = ()
    lifted_on: date | None = None
    lift_reason: str = ""

    def in_force(self, today: date) -> bool:
        """Barred today: provisional or confirmed, within its dates."""
        active = self.status in (BanStatus.PROVISIONAL, BanStatus.CONFIRMED)
        return active and self.starts_on <= today <= self.ends_on

    def review_overdue(self, today: date) -> bool:
        """The review date has passed while the ban still stands."""
        return self.status is not BanStatus.LIFTED and self.review_on < today

    def deadline_passed(self, today: date) -> bool:
        """Representations were due and the date has gone."""
        return (
            self.status in (BanStatus.PROVISIONAL, BanStatus.INTENDED)
            and self.representations_deadline is not None
            and self.representations_deadline < today
        )


def check_ban(ban: Ban) -> Ban:
    """Enforce the guidance: provisional or a representations deadline, and a review date."""
    if ban.kind is BanKind.INTENT and ban.representations_deadline is None:
        raise BanRuleError(
            "a notice of intent to ban needs a representations deadline (representations_deadline)"
        )
    if ban.review_on is None:
        raise BanRuleError("a ban needs a review date (review_on)")
    if ban.ends_on < ban.starts_on:
        raise BanRuleError("a ban cannot end (ends_on) before it starts (starts_on)")
    if ban.review_on > ban.ends_on:
        raise BanRuleError("the review date (review_on) must fall before the ban ends (ends_on)")
    if not ban.reasons.strip():
        raise BanRuleError("a ban must state its reasons (reasons)")
    return ban


def proposed_ban(
    ban_id: str,
    person_id: str,
    person_name: str,
    kind: BanKind,
    today: date,
    periods: Periods,
    reasons: str,
    scope: str = "",
    calendar: SchoolCalendar | None = None,
) -> Ban:
    """A ban with every date prefilled from the school's periods (school or calendar days)."""
    cal = calendar or SchoolCalendar()
    deadline = cal.add(today, periods.representations_days, periods.representations_count)
    # A notice of intent bars nobody until the deadline has passed and the decision is made.
    starts = today if kind is BanKind.PROVISIONAL else deadline
    ends = cal.add(starts, periods.ban_length_days, periods.ban_length_count)
    review = min(cal.add(starts, periods.ban_review_days, periods.ban_review_count), ends)
    status = BanStatus.PROVISIONAL if kind is BanKind.PROVISIONAL else BanStatus.INTENDED
    return check_ban(
        Ban(
            id=ban_id,
            person_id=person_id,
            person_name=person_name,
            kind=kind,
            status=status,
            imposed_on=today,
            starts_on=starts,
            ends_on=ends,
            review_on=review,
            reasons=reasons,
            scope=scope or DEFAULT_SCOPE,
            representations_deadline=deadline,
        )
    )


DEFAULT_SCOPE = (
    "the school buildings and grounds, including the playground and car park, and all "
    "school events held on or off the site"
)


def confirm(ban: Ban, today: date) -> Ban:
    """The decision after representations or the deadline: the ban stands.

    A provisional ban keeps its dates. A notice of intent bars nobody until the decision:
    the ban starts the day it is confirmed, and its end and review move with its start.
    """
    shift = today - ban.starts_on if ban.kind is BanKind.INTENT else timedelta(0)
    return replace(
        ban,
        status=BanStatus.CONFIRMED,
        starts_on=ban.starts_on + shift,
        ends_on=ban.ends_on + shift,
        review_on=ban.review_on + shift,
        confirmed_on=today,
    )


def reviewed(ban: Ban, today: date, next_review: date, outcome: str, reason: str = "") -> Ban:
    """A review kept the ban (continued) or ended it (lifted), for a reason."""
    if outcome == "lifted":
        done = lifted(ban, today, reason)
        entry = ReviewEntry(today, "lifted", reason=reason)
        return replace(done, review_log=(*ban.review_log, entry))
    note = f"{today.isoformat()}: continued, next review {next_review.isoformat()}"
    nxt = min(next_review, ban.ends_on)
    return replace(
        ban,
        review_on=nxt,
        reviews=(*ban.reviews, note),
        review_log=(*ban.review_log, ReviewEntry(today, "continued", nxt, reason)),
    )


def lifted(ban: Ban, today: date, reason: str = "") -> Ban:
    """The ban no longer applies from today (a notice of intent lifted never began)."""
    started = today >= ban.starts_on
    return replace(
        ban,
        status=BanStatus.LIFTED,
        ends_on=min(ban.ends_on, today) if started else ban.ends_on,
        reviews=(*ban.reviews, f"{today.isoformat()}: lifted"),
        lifted_on=today,
        lift_reason=reason,
    )


def with_representations(ban: Ban, received_on: date) -> Ban:
    """Representations about the ban arrived on a day."""
    return replace(ban, representations_received=(*ban.representations_received, received_on))


def confirm_refusal(ban: Ban, today: date) -> str | None:
    """Why the ban cannot be confirmed today, or None: before the deadline, only after representations."""
    if ban.status is BanStatus.CONFIRMED:
        return "the ban is already confirmed"
    deadline = ban.representations_deadline
    if deadline is not None and today <= deadline and not ban.representations_received:
        return (
            f"the deadline for representations is {deadline.isoformat()}: confirm the ban "
            f"after it, or once representations have been received"
        )
    return None
