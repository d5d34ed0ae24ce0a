"""Rules the law and guidance impose: harassment, the defamation limit, what is due next."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from casework.bans import BanStatus
from casework.cases import Case, IncidentMark
from casework.policy import Policy, Route
from casework.record import record

HARASSMENT = "harassment"
# A reply reached a closed case: it needs someone to read it and reopen the case or not.
REPLY_AFTER_CLOSE = "reply-after-close"


def same_target(a: str, b: str) -> bool:
    """Targets match regardless of case and spacing ("Mrs  Khan" is "mrs khan")."""
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def harassment_targets(incidents: Iterable[IncidentMark]) -> list[str]:
    """Targets hit by two or more incidents: a course of conduct under the 1997 Act."""
    counts: dict[str, tuple[str, int]] = {}
    for mark in incidents:
        if not mark.target.strip():
            continue
        key = " ".join(mark.target.lower().split())
        label, n = counts.get(key, (mark.target.strip(), 0))
        counts[key] = (label, n + 1)
    return [label for label, n in counts.values() if n >= 2]


def limitation_date(published_on: date) -> date:
    """The last day to start a defamation claim: one year after publication.

    29 February falls back to 28 February, the earlier and so the safer day.
    """
    try:
        return published_on.replace(year=published_on.year + 1)
    except ValueError:
        return published_on.replace(year=published_on.year + 1, day=28)


def defamation_limit(policy: Policy, case: Case, mark: IncidentMark) -> date | None:
    """The last day to start a defamation claim, for a published incident that may be one.

    Only behaviours on the policy's defamation route count (a posted photo of a pupil is
    not a libel); an incident that names no behaviours is judged by the case's.
    """
    if mark.published_on is None:
        return None
    for bid in mark.behaviours or case.behaviours:
        try:
            if policy.behaviour(bid).route is Route.DEFAMATION:
                return limitation_date(mark.published_on)
        except KeyError:
            continue
    return None


@record
class Due:
    """The next thing that falls due on a case."""

    on: date
    what: str


def has_dates(case: Case) -> bool:
    """A meeting, a ban or a published post is on the case: only then can anything on it fall
    due, so only then does what a list shows of it (next due, bans in force) change by the day.
    """
    return bool(case.meetings or case.bans or any(i.published_on for i in case.incidents))


def next_due(case: Case, today: date, policy: Policy) -> Due | None:
    """The earliest open date on a case: a meeting, a deadline, a review or a time limit.

    A defamation time limit counts only for incidents on the policy's defamation route.
    """
    dues: list[Due] = []
    for meeting in case.meetings:
        if not meeting.outcome:
            dues.append(Due(meeting.at.date(), "meeting"))
    for ban in case.bans:
        if ban.status is BanStatus.LIFTED:
            continue
        if ban.representations_deadline and ban.status in (
            BanStatus.PROVISIONAL,
            BanStatus.INTENDED,
        ):
            dues.append(Due(ban.representations_deadline, "representations due"))
        dues.append(Due(ban.review_on, "ban review"))
    for mark in case.incidents:
        limit = defamation_limit(policy, case, mark)
        if limit is not None and limit >= today:
            dues.append(Due(limit, "defamation time limit"))
    return min(dues, key=lambda d: d.on) if dues else None
