"""Bans from the premises, as DfE "Controlling access to school premises" (2018) requires."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from casework.periods import Periods


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


class BanRuleError(ValueError):
    """A ban that the guidance does not allow: names what is missing."""


@dataclass(frozen=True)
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
) -> Ban:
    """A ban with every date prefilled from the school's periods."""
    deadline = today + timedelta(days=periods.representations_days)
    # A notice of intent bars nobody until the deadline has passed and the decision is made.
    starts = today if kind is BanKind.PROVISIONAL else deadline
    ends = starts + timedelta(days=periods.ban_length_days)
    review = min(starts + timedelta(days=periods.ban_review_days), ends)
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
    """The decision after representations or the deadline: the ban stands."""
    starts = ban.starts_on if ban.kind is BanKind.PROVISIONAL else max(ban.starts_on, today)
    length = ban.ends_on - ban.starts_on
    return replace(ban, status=BanStatus.CONFIRMED, starts_on=starts, ends_on=starts + length)


def reviewed(ban: Ban, today: date, next_review: date, outcome: str) -> Ban:
    """A review kept the ban (continued) or ended it (lifted)."""
    if outcome == "lifted":
        return lifted(ban, today)
    note = f"{today.isoformat()}: continued, next review {next_review.isoformat()}"
    return replace(
        ban,
        review_on=min(next_review, ban.ends_on),
        reviews=(*ban.reviews, note),
    )


def lifted(ban: Ban, today: date) -> Ban:
    """The ban no longer applies from today."""
    return replace(
        ban,
        status=BanStatus.LIFTED,
        ends_on=min(ban.ends_on, today),
        reviews=(*ban.reviews, f"{today.isoformat()}: lifted"),
    )
