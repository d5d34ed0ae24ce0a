"""Records read back from the store's JSON are the records that were written, field for field."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from casework.bans import Ban, BanKind, BanStatus, ReviewEntry
from casework.cases import Case, CaseStatus, IncidentMark, Meeting, Referral, Severity
from casework.mailthread import AttachmentRef, ThreadRule
from casework.payloads import EvidenceAdded, EvidenceKind, PayloadError, Statement, StepChanged
from casework.people import Subject
from casework.serial import from_json, to_json

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DAY = date(2026, 3, 10)

BAN = Ban(
    id="b1",
    person_id="p-pat",
    person_name="Pat Parent",
    kind=BanKind.PROVISIONAL,
    status=BanStatus.CONFIRMED,
    imposed_on=DAY,
    starts_on=DAY,
    ends_on=date(2026, 6, 10),
    review_on=date(2026, 4, 7),
    reasons="Shouting at staff",
    scope="the site",
    representations_deadline=date(2026, 3, 24),
    representations_received=(date(2026, 3, 20),),
    confirmed_on=date(2026, 3, 25),
    review_log=(ReviewEntry(date(2026, 4, 7), "continued", date(2026, 5, 5), "No change"),),
)

# Every kind of field a case holds: nested records, optional dates set and unset, enums.
FULL = Case(
    ref="C-2026-0001",
    summary="Shouted at the gate",
    subjects=(Subject("p-pat", "Pat Parent"), Subject("p-sam", "Sam Parent")),
    reporter="office",
    behaviours=("swearing", "threats"),
    severity=Severity.HIGH,
    step="ban-confirmed",
    status=CaseStatus.CLOSED,
    opened=AT,
    last_activity=AT,
    closed=AT,
    outcome="resolved",
    flags=("harassment",),
    incidents=(
        IncidentMark("e1", DAY, "Mrs Khan", ("threats",), published_on=DAY, text="Posted"),
        IncidentMark("e2", DAY, "", ()),
    ),
    bans=(BAN,),
    meetings=(Meeting("e3", datetime(2026, 3, 12, 15, 30), "Office", ("Head", "Chair")),),
    referrals=(Referral("police", "TVP-1", DAY),),
    message_ids=("<a@example.org>",),
    hold="complaint open",
)


def test_a_case_with_every_kind_of_field_reads_back_as_written() -> None:
    stored = to_json(FULL)
    assert from_json(Case, stored) == FULL
    assert to_json(from_json(Case, stored)) == stored


def test_an_email_with_attachments_and_a_renamed_key_reads_back() -> None:
    email = EvidenceAdded(
        EvidenceKind.EMAIL,
        "a" * 64,
        "message.eml",
        message_id="<m@example.org>",
        sender="pat@example.org",
        date=AT,
        rule=ThreadRule.TAG,
        attachments=(AttachmentRef("photo.jpg", "b" * 64, 1234, "image/jpeg", oversize=True),),
    )
    stored = to_json(email)
    assert stored["from"] == "pat@example.org"  # the key scripts read
    assert from_json(EvidenceAdded, stored) == email
    step = StepChanged(from_step="warning", to="close")
    assert from_json(StepChanged, to_json(step)) == step


def test_fields_an_older_store_never_wrote_take_their_defaults() -> None:
    stored = to_json(FULL)
    for key in ("closed", "outcome", "flags", "incidents", "bans", "hold"):
        del stored[key]
    case = from_json(Case, stored)
    assert (case.closed, case.outcome, case.flags, case.bans, case.hold) == (None, "", (), (), "")


def test_a_record_without_a_required_field_names_it() -> None:
    stored = to_json(FULL)
    del stored["summary"]
    with pytest.raises(ValueError, match="Case: missing field 'summary'"):
        from_json(Case, stored)
    stored = to_json(FULL)
    del stored["bans"][0]["review_on"]
    with pytest.raises(ValueError, match="Ban: missing field 'review_on'"):
        from_json(Case, stored)


def test_a_record_read_back_is_frozen_and_still_checked_by_its_constructor() -> None:
    case = from_json(Case, to_json(FULL))
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.summary = "changed"  # type: ignore[misc]
    # A payload checks itself when built: one stored without its text is refused on reading.
    with pytest.raises(PayloadError, match="statement-taken: by"):
        from_json(Statement, {"text": "What I saw", "by": " "})
