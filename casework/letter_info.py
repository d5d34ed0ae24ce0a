"""The pieces of a letter's context: small frozen dataclasses of plain data, and UK dates.

Templates can read every field and property here; none holds a path, a function or anything
else that reaches outside the letter (``tests/letters/test_context_plain_data.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time

from casework.record import record

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

def uk_date(value: date | None) -> str:
    """``3 March 2026``: the date as UK letters write it (empty for None)."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def uk_day(value: date | None) -> str:
    """``Tuesday 3 March 2026``: a date with its weekday, for appointments."""
    if value is None:
        return ""
    return f"{WEEKDAYS[value.weekday()]} {uk_date(value)}"


def uk_time(value: time | None) -> str:
    """``10am``, ``3:30pm``, ``midday``: times as GOV.UK style writes them."""
    if value is None:
        return ""
    if value.hour == 12 and value.minute == 0:
        return "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


class LetterFieldError(ValueError):
    """A field given for a letter that cannot be used: names the field and what was expected."""


@record
class SchoolInfo:
    """The school as the letterhead shows it."""

    name: str
    address: tuple[str, ...]
    phone: str
    email: str
    website: str
    headteacher: str
    chair_of_governors: str


@record
class Signatory:
    """Who signs the letter: a name and a role as the letter prints it."""

    name: str
    role: str


@record
class RoleInfo:
    """Someone a letter names by role: who decided, where representations go.

    ``phrase`` is how a sentence names the role ("the Chair of Governors"); ``title`` follows
    a name ("Mr David Okafor, Chair of Governors"); either may be empty for words the school
    wrote itself ("the Clerk to the Governors").
    """

    role: str
    name: str
    title: str
    phrase: str


@record
class ChildInfo:
    """A pupil named in the letter, with their class."""

    name: str
    class_name: str = ""

    @property
    def described(self) -> str:
        """``Amy Smith (Oak Class)``, or the name alone when no class is known."""
        return f"{self.name} ({self.class_name})" if self.class_name else self.name


@record
class RecipientInfo:
    """The parent or carer the letter is addressed to."""

    name: str
    address: tuple[str, ...] = ()
    email: str | None = None
    children: tuple[ChildInfo, ...] = ()

    @property
    def salutation(self) -> str:
        """``Dear Jane Smith``; a generic greeting when the person is not yet identified."""
        return f"Dear {self.name}" if self.name else "Dear Parent or Carer"


@record
class BehaviourInfo:
    """A part of the code of conduct, with the policy's own words."""

    id: str
    label: str
    online: bool = False


@record
class IncidentInfo:
    """An incident the case records."""

    occurred_on: date
    target: str
    behaviours: tuple[str, ...]
    published_on: date | None = None


@record
class CaseInfo:
    """The case as a letter refers to it."""

    ref: str
    summary: str
    step: str
    opened_on: date
    behaviours: tuple[BehaviourInfo, ...]
    incidents: tuple[IncidentInfo, ...]


@record
class ReviewInfo:
    """One review of the ban as recorded: its date, outcome, next review and reason."""

    on: date
    outcome: str
    next_review_on: date | None = None
    reason: str = ""


@record
class BanInfo:
    """The current ban (``case.bans[-1]``), with its dates."""

    kind: str
    status: str
    imposed_on: date
    starts_on: date
    ends_on: date
    review_on: date
    reasons: str
    scope: str
    representations_deadline: date | None
    representations_to: str
    collection_arrangements: str
    reviews: tuple[str, ...] = ()
    # The ban's dated record: the letters state these dates, never today's in their place.
    representations_received: tuple[date, ...] = ()
    confirmed_on: date | None = None
    review_log: tuple[ReviewInfo, ...] = ()
    lifted_on: date | None = None
    lift_reason: str = ""

    @property
    def last_review(self) -> ReviewInfo | None:
        """The latest review recorded, if any."""
        return self.review_log[-1] if self.review_log else None

    @property
    def provisional(self) -> bool:
        """Barred now, pending representations."""
        return self.kind == "provisional"


@record
class PeriodsInfo:
    """The school's day counts, each with how it is counted ("school" or "calendar" days)."""

    representations_days: int
    ban_length_days: int
    ban_review_days: int
    meeting_notice_days: int
    representations_count: str = "calendar"
    ban_length_count: str = "calendar"
    ban_review_count: str = "calendar"
    meeting_notice_count: str = "calendar"


@record
class PolicyInfo:
    """The few policy facts letters quote."""

    police: str
    legal: str
    final_decision: str


def field_date(fields: Mapping[str, str], name: str) -> date | None:
    """A letter's free field as a date (None when not given); a bad one names the field."""
    value = fields.get(name, "")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise LetterFieldError(f"{name}: expected a date YYYY-MM-DD, got {value!r}") from None
