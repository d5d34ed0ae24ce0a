"""What a letter says, gathered from the config, the case and the office's fields: pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import date, time
from types import MappingProxyType
from typing import Any

from casework.ban_record import ban_record
from casework.bans import Ban
from casework.cases import Case, Meeting
from casework.config import Config, Periods
from casework.kinds import (
    DATE_FIELDS,
    KNOWN_FIELDS,
    LANGUAGES,
    MEETING_WITH,
    NAMED_ROLES,
    ROLE_PHRASES,
    ROLE_TITLES,
    TEXT_FIELDS,
)
from casework.letter_info import (
    BanInfo,
    BehaviourInfo,
    CaseInfo,
    ChildInfo,
    IncidentInfo,
    LetterFieldError,
    PeriodsInfo,
    PolicyInfo,
    RecipientInfo,
    ReviewInfo,
    RoleInfo,
    SchoolInfo,
    Signatory,
    field_date,
    uk_date,
    uk_day,
    uk_time,
)
from casework.people import Person
from casework.policy_terms import Complaints, Terms, Wording
from casework.record import record

REVIEW_OUTCOMES = ("continued", "lifted")
MEETING_OUTCOMES = ("refused", "no-show")
REPRESENTATIONS = ("received", "none")
# Re-exported: the names letters and the dashboard have always imported from here.
__all__ = [
    "DATE_FIELDS",
    "KNOWN_FIELDS",
    "MEETING_WITH",
    "TEXT_FIELDS",
    "BanInfo",
    "BehaviourInfo",
    "CaseInfo",
    "ChildInfo",
    "IncidentInfo",
    "LetterContext",
    "LetterFieldError",
    "PolicyInfo",
    "RecipientInfo",
    "RoleInfo",
    "SchoolInfo",
    "Signatory",
    "build_context",
    "uk_date",
    "uk_day",
    "uk_time",
]


@record
class LetterContext:
    """Everything a letter may say; ``as_mapping()`` is what templates see."""

    kind: str
    today: date
    school: SchoolInfo
    signatory: Signatory
    recipient: RecipientInfo
    case: CaseInfo
    ban: BanInfo | None
    periods: PeriodsInfo
    policy: PolicyInfo
    incident_date: date | None = None
    incident_summary: str = ""
    incident_place: str = ""
    meeting_with: str = ""
    meeting_date: date | None = None
    meeting_time: time | None = None
    meeting_duration: int = 60
    meeting_place: str = ""
    meeting_attendees: tuple[str, ...] = ()
    meeting_outcome: str = ""
    reply_by: date | None = None
    contact: str = ""
    # The office's own words for how to get in touch ("contact"), empty when ``contact`` is
    # the built-in English phrase: a letter in another language words its own from ``school``.
    contact_given: str = ""
    outcome: str = ""
    next_review_on: date | None = None
    lifted_on: date | None = None
    representations: str = ""
    representations_summary: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    # The letter's language ("en", "cy", "cy+en") and print size, from the person's record.
    language: str = "en"
    large_print: bool = False
    # Who decided what the letter announces, and whether that is the signatory ("I").
    decided_by: RoleInfo = RoleInfo("headteacher", "", "Headteacher", "the headteacher")
    signatory_decides: bool = True
    # Where representations (or an appeal) go, from the ban, else the policy.
    representations_to: RoleInfo = RoleInfo("headteacher", "", "Headteacher", "the headteacher")
    # The policy's own words for a ban and its outcomes, by language (unset: built-in).
    wording: tuple[tuple[str, Wording], ...] = ()
    complaints: Complaints = Complaints()

    def as_mapping(self) -> dict[str, Any]:
        """The context as a flat mapping of top-level names, the way templates read it.

        Everything in it is plain data: strings, numbers, dates, tuples, read-only mappings
        and frozen dataclasses of those (a school's template runs in a sandbox, but a
        ``pathlib.Path`` or a function in here would still let it read or write files).
        """
        # Not dataclasses.asdict: the nested dataclasses stay objects so templates can use
        # their properties (``recipient.salutation``, ``ban.provisional``).
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["fields"] = MappingProxyType(dict(self.fields))
        return out


def build_context(
    config: Config,
    case: Case,
    person: Person | None,
    kind: str,
    fields: Mapping[str, str],
    today: date,
) -> LetterContext:
    """Combine the config, the case, the recipient and ``--set`` fields into a letter's context.

    Fields given by the office always win; otherwise the case supplies what it records.
    Nothing here checks that a kind has what it needs: ``letters`` does that before rendering.
    """
    school = config.school
    policy = config.policy
    step = policy.letter_step(case.step, kind)
    terms = policy.terms_for(step.id if step else None)
    # The step's letter_options are the letter's default fields; the office's own win.
    fields = {**dict(step.letter_options if step else ()), **fields}
    fields = {k: v.strip() for k, v in fields.items()}
    behaviours = tuple(_behaviour(config, b) for b in case.behaviours)
    incidents = tuple(
        IncidentInfo(
            occurred_on=i.occurred_on,
            target=i.target,
            behaviours=tuple(_behaviour(config, b).label for b in i.behaviours),
            published_on=i.published_on,
        )
        for i in case.incidents
    )
    latest_incident = max(case.incidents, key=lambda i: i.occurred_on, default=None)
    ban = _ban_info(case.bans[-1]) if case.bans else None
    record = ban_record(ban, fields, today)
    meeting = _meeting_for(kind, case.meetings)
    meeting_with = fields.get("meeting_with", "")
    signatory = _signatory(config, terms)
    attendees = _attendees(fields, meeting, meeting_with, config, signatory)
    contact = fields.get("contact") or _contact(school.phone, school.email)
    return LetterContext(
        kind=kind,
        today=today,
        school=SchoolInfo(
            name=school.name,
            address=school.address,
            phone=school.phone,
            email=school.email,
            website=school.website,
            headteacher=school.headteacher,
            chair_of_governors=school.chair_of_governors,
        ),
        signatory=signatory,
        recipient=_recipient(case, person),
        case=CaseInfo(
            ref=case.ref,
            summary=case.summary,
            step=case.step,
            opened_on=case.opened.date(),
            behaviours=behaviours,
            incidents=incidents,
        ),
        ban=ban,
        periods=_periods_info(config.periods),
        policy=PolicyInfo(policy.police, policy.legal, policy.final_decision),
        incident_date=field_date(fields, "incident_date")
        or (latest_incident.occurred_on if latest_incident else None),
        # What staff recorded happened, never the case's summary (often an email's subject).
        incident_summary=fields.get("incident_summary")
        or (latest_incident.text if latest_incident else ""),
        incident_place=fields.get("incident_place")
        or (latest_incident.place if latest_incident else ""),
        meeting_with=_choice("meeting_with", meeting_with, MEETING_WITH),
        meeting_date=field_date(fields, "meeting_date") or (meeting.at.date() if meeting else None),
        meeting_time=_time(fields) or (meeting.at.time() if meeting else None),
        meeting_duration=_minutes(fields),
        meeting_place=fields.get("meeting_place") or (meeting.place if meeting else ""),
        meeting_attendees=attendees,
        meeting_outcome=_choice(
            "meeting_outcome",
            fields.get("meeting_outcome") or (meeting.outcome if meeting else ""),
            MEETING_OUTCOMES,
            lenient=True,
        ),
        reply_by=field_date(fields, "reply_by"),
        contact=contact,
        contact_given=fields.get("contact", ""),
        outcome=_choice("outcome", record.outcome, REVIEW_OUTCOMES),
        next_review_on=record.next_review_on,
        lifted_on=record.lifted_on,
        representations=_choice("representations", record.representations, REPRESENTATIONS),
        representations_summary=fields.get("representations_summary", ""),
        fields=dict(fields),
        language=_language(config, person, fields.get("language", "")),
        large_print=_large_print(person, fields.get("large_print", "")),
        decided_by=_role(config, terms.decided_by or "headteacher"),
        signatory_decides=terms.decided_by == terms.signed_by,
        representations_to=_role(
            config, (ban.representations_to if ban else "") or terms.representations_to or ""
        ),
        wording=policy.wording,
        complaints=policy.complaints,
    )


def _periods_info(p: Periods) -> PeriodsInfo:
    """The day counts as plain data: how each is counted as a word, not an enum."""
    return PeriodsInfo(
        p.representations_days,
        p.ban_length_days,
        p.ban_review_days,
        p.meeting_notice_days,
        p.representations_count.value,
        p.ban_length_count.value,
        p.ban_review_count.value,
        p.meeting_notice_count.value,
    )


def _behaviour(config: Config, behaviour_id: str) -> BehaviourInfo:
    try:
        b = config.policy.behaviour(behaviour_id)
    except KeyError:
        # A behaviour the policy no longer lists (the school edited it): keep the id visible.
        return BehaviourInfo(behaviour_id, behaviour_id.replace("-", " "))
    return BehaviourInfo(b.id, b.label, b.online)


def _recipient(case: Case, person: Person | None) -> RecipientInfo:
    if person is None:
        name = case.subjects[0].name if case.subjects else ""
        return RecipientInfo(name=name)
    return RecipientInfo(
        name=person.name,
        address=person.address,
        email=person.email,
        children=tuple(ChildInfo(c.name, c.class_name) for c in person.children),
    )


def _language(config: Config, person: Person | None, asked: str) -> str:
    """The office's choice for this letter, else the person's record, else the school's."""
    if asked:
        return _choice("language", asked, LANGUAGES)
    wanted = person.language if person is not None else ""
    return wanted if wanted in LANGUAGES else config.letters.language


def _large_print(person: Person | None, asked: str) -> bool:
    """A large-print copy on request (``large_print=yes``), else as the person's record says."""
    if asked:
        value = asked.lower()
        if value not in ("yes", "no", "true", "false"):
            raise LetterFieldError(f"large_print: expected yes or no, got {asked!r}")
        return value in ("yes", "true")
    return person.large_print if person is not None else False


def _signatory(config: Config, terms: Terms) -> Signatory:
    if terms.signed_by == "chair":
        return Signatory(config.school.chair_of_governors, ROLE_TITLES["chair"])
    return Signatory(config.letters.signatory, config.letters.signatory_role)


def _role(config: Config, value: str) -> RoleInfo:
    """A role from the policy as a letter names it; words the school wrote stay as they are."""
    names = {"headteacher": config.school.headteacher, "chair": config.school.chair_of_governors}
    if value in ROLE_PHRASES:
        name = names.get(value, "") if value in NAMED_ROLES else ""
        return RoleInfo(value, name, ROLE_TITLES.get(value, ""), ROLE_PHRASES[value])
    # DfE guidance: representations normally go to the headteacher, who signs the ban.
    if not value:
        return _role(config, "headteacher")
    return RoleInfo("", value, "", value)


def _ban_info(ban: Ban) -> BanInfo:
    return BanInfo(
        kind=ban.kind.value,
        status=ban.status.value,
        imposed_on=ban.imposed_on,
        starts_on=ban.starts_on,
        ends_on=ban.ends_on,
        review_on=ban.review_on,
        reasons=ban.reasons,
        scope=ban.scope,
        representations_deadline=ban.representations_deadline,
        representations_to=ban.representations_to,
        collection_arrangements=ban.collection_arrangements,
        reviews=ban.reviews,
        representations_received=ban.representations_received,
        confirmed_on=ban.confirmed_on,
        review_log=tuple(
            ReviewInfo(r.on, r.outcome, r.next_review_on, r.reason) for r in ban.review_log
        ),
        lifted_on=ban.lifted_on,
        lift_reason=ban.lift_reason,
    )


def _meeting_for(kind: str, meetings: tuple[Meeting, ...]) -> Meeting | None:
    """The meeting a letter is about: the one still to happen, or the latest refused one."""
    if not meetings:
        return None
    if kind == "meeting-invitation":
        pending = [m for m in meetings if not m.outcome]
        return pending[-1] if pending else None
    return meetings[-1]


def _attendees(
    fields: Mapping[str, str],
    meeting: Meeting | None,
    meeting_with: str,
    config: Config,
    signatory: Signatory,
) -> tuple[str, ...]:
    if fields.get("meeting_attendees"):
        # Names may contain commas ("Mrs J Smith, Deputy Headteacher"): semicolons separate.
        return tuple(a.strip() for a in fields["meeting_attendees"].split(";") if a.strip())
    if meeting is not None and meeting.attendees:
        return meeting.attendees
    school = config.school
    if meeting_with == "chair":
        return (
            f"{school.headteacher}, Headteacher",
            f"{school.chair_of_governors}, Chair of Governors",
        )
    if meeting_with in ("senior", "formal"):
        return (f"{signatory.name}, {signatory.role}",)
    return ()


def _contact(phone: str, email: str) -> str:
    parts = [f"by telephone on {phone}" if phone else "", f"by email to {email}" if email else ""]
    return " or ".join(p for p in parts if p) or "through the school office"


def _time(fields: Mapping[str, str]) -> time | None:
    value = fields.get("meeting_time", "")
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise LetterFieldError(
            f"meeting_time: expected a time HH:MM (24-hour), got {value!r}"
        ) from None


def _minutes(fields: Mapping[str, str]) -> int:
    value = fields.get("meeting_duration", "")
    if not value:
        return 60
    if not value.isdigit() or not 5 <= int(value) <= 480:
        raise LetterFieldError(
            f"meeting_duration: expected minutes between 5 and 480, got {value!r}"
        )
    return int(value)


def _choice(name: str, value: str, allowed: tuple[str, ...], lenient: bool = False) -> str:
    if not value or value in allowed:
        return value
    if lenient:
        # Other meeting outcomes (such as "attended") say nothing a letter needs.
        return ""
    raise LetterFieldError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")
