"""Events a person records by hand, built the same way from the command line and the dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from casework.events import PAYLOADS, RECORDABLE, EventType
from casework.fields import FieldError, build
from casework.meetings import missing_attendees
from casework.payloads import (
    Incident,
    MeetingScheduled,
    Payload,
    ReferralBody,
    ReferralMade,
    Representations,
)
from casework.policy import Policy
from casework.record import record
from casework.schooldays import SchoolCalendar

# The field that holds the words typed as the event's text, for each recordable type.
_TEXT_FIELD: Mapping[EventType, str] = MappingProxyType(
    {t: "text" for t in RECORDABLE if "text" in PAYLOADS[t].__dataclass_fields__}
)


# Fields filled from the policy, never typed: a referral's body is the policy's name for it.
_FROM_POLICY = frozenset({"body"})


def recordable_fields(etype: EventType) -> tuple[str, ...]:
    """The ``--set`` keys (form fields) an event of this type takes besides its text."""
    return tuple(
        n
        for n in PAYLOADS[etype].__dataclass_fields__
        if n != _TEXT_FIELD.get(etype) and n not in _FROM_POLICY
    )


def recorded_payload(
    etype: EventType,
    text: str,
    fields: Mapping[str, str],
    *,
    policy: Policy,
    today: date,
    calendar: SchoolCalendar | None = None,
    attendees_required: tuple[str, ...] = (),
) -> Payload:
    """The typed details of a hand-recorded event; a FieldError names any mistake.

    Dates a person leaves out default to ``today`` (an incident's date, when representations
    arrived, a referral's date); behaviours must be the policy's own.
    """
    if etype not in RECORDABLE:
        raise FieldError(f"{etype.value} is not recorded by hand")
    kind = etype.value
    allowed = recordable_fields(etype)
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise FieldError(
            f"{kind}: unknown field(s) {', '.join(unknown)}; "
            f"the fields are: {', '.join(allowed) or 'none'}"
        )
    given: dict[str, object] = {}
    text_field = _TEXT_FIELD.get(etype)
    if text_field is not None:
        given[text_field] = text
    cls = PAYLOADS[etype]
    values = dict(fields)
    if cls is Incident and not values.get("occurred_on"):
        given["occurred_on"] = today
        values.pop("occurred_on", None)
    if cls is Representations and not values.get("received_on"):
        given["received_on"] = today
        values.pop("received_on", None)
    if cls is ReferralMade:
        if not values.get("on"):
            given["on"] = today
            values.pop("on", None)
        to = build(_ReferralTo, kind, {"to": values.get("to", "")}).to
        given["body"] = policy.police if to is ReferralBody.POLICE else policy.legal
    payload = build(cls, kind, values, **given)
    if isinstance(payload, MeetingScheduled):
        refusal = (calendar or SchoolCalendar()).meeting_refusal(payload.at.date(), payload.at.time())
        if refusal and not payload.off_day_reason.strip():
            raise FieldError(
                f"{kind}: at: {refusal}; offer a school day within school hours, or say why "
                f"in off_day_reason"
            )
        missing = missing_attendees(attendees_required, payload.attendees)
        if missing:
            raise FieldError(
                f"{kind}: attendees: this step's meeting is with {' and '.join(attendees_required)}"
                f"; add {' and '.join(missing)} (names separated by ;)"
            )
    if isinstance(payload, Incident):
        for bid in payload.behaviours:
            try:
                policy.behaviour(bid)
            except KeyError:
                known = ", ".join(b.id for b in policy.all_behaviours)
                raise FieldError(
                    f"{kind}: behaviours: {bid!r} is not in the policy; it lists: {known}"
                ) from None
    return payload


@record
class _ReferralTo:
    """The one field a referral must name before its body can be looked up."""

    to: ReferralBody
