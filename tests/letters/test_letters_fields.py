"""Required fields: a letter that lacks one fails before rendering, naming the field and letter."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from casework.letter_context import LetterFieldError
from letters.kinds import KINDS, MissingFieldError, UnknownKindError
from letters.render import Renderer


def test_missing_incident_date_names_field_and_letter(context, renderer):
    ctx = context("information-request", incidents=False)
    with pytest.raises(MissingFieldError) as err:
        renderer.render("information-request", ctx)
    assert err.value.field == "incident_date"
    assert err.value.kind == "information-request"
    assert '"information-request" letter needs "incident_date"' in str(err.value)
    assert "--set incident_date=YYYY-MM-DD" in str(err.value)
    # With no incident recorded the account is missing too (never the case's summary, which
    # is often an email's subject); with both typed for the letter, the same case renders.
    ctx = context("information-request", incidents=False, fields={"incident_date": "2026-02-24"})
    with pytest.raises(MissingFieldError, match="no incident is recorded"):
        renderer.render("information-request", ctx)
    typed = {"incident_date": "2026-02-24", "incident_summary": "Shouted at the gate"}
    ok = context("information-request", incidents=False, fields=typed)
    assert renderer.render("information-request", ok).pages == 1


def test_check_happens_before_any_rendering(tmp_path: Path, context):
    # This override would fail (StrictUndefined) if it were ever rendered.
    (tmp_path / "information-request.html.j2").write_text("{{ no_such_name }}")
    ctx = context("information-request", incidents=False)
    with pytest.raises(MissingFieldError, match="incident_date"):
        Renderer(tmp_path).render("information-request", ctx)


@pytest.mark.parametrize("kind", [k for k in KINDS if k.startswith("ban-")])
def test_ban_letters_need_a_ban(kind, context, renderer):
    ctx = dataclasses.replace(context(kind), ban=None)
    with pytest.raises(MissingFieldError) as err:
        renderer.render(kind, ctx)
    assert err.value.field == "ban"


@pytest.mark.parametrize("kind", [k for k in KINDS if k.startswith("ban-")])
def test_ban_letters_need_a_review_date(kind, context, renderer):
    ctx = context(kind)
    assert ctx.ban is not None
    ctx = dataclasses.replace(ctx, ban=dataclasses.replace(ctx.ban, review_on=None))
    with pytest.raises(MissingFieldError) as err:
        renderer.render(kind, ctx)
    assert err.value.field == "ban.review_on"


def test_notice_of_intent_needs_a_deadline(context, renderer):
    ctx = context("ban-intent")
    assert ctx.ban is not None
    ctx = dataclasses.replace(ctx, ban=dataclasses.replace(ctx.ban, representations_deadline=None))
    with pytest.raises(MissingFieldError, match="ban.representations_deadline"):
        renderer.render("ban-intent", ctx)


def test_provisional_ban_renders_without_deadline(context, renderer):
    ctx = context("ban-provisional")
    assert ctx.ban is not None
    ctx = dataclasses.replace(ctx, ban=dataclasses.replace(ctx.ban, representations_deadline=None))
    letter = renderer.render("ban-provisional", ctx)
    assert "at any time while the ban is provisional" in " ".join(letter.text.split())


def test_wrong_ban_for_the_letter(context, renderer):
    with pytest.raises(Exception, match="for a intent ban|is for a intent"):
        renderer.render("ban-intent", context("ban-provisional"))


def test_meeting_needs_date_time_place(context, renderer):
    ctx = context("meeting-invitation", fields={"meeting_with": "senior"})
    ctx = dataclasses.replace(ctx, meeting_place="")
    with pytest.raises(
        MissingFieldError, match='"meeting-invitation" letter needs "meeting_place"'
    ):
        renderer.render("meeting-invitation", ctx)


def test_stop_and_warn_needs_a_refused_or_missed_meeting(context, renderer):
    ctx = dataclasses.replace(context("stop-and-warn"), meeting_outcome="")
    with pytest.raises(MissingFieldError, match="meeting_outcome"):
        renderer.render("stop-and-warn", ctx)


def test_review_needs_an_outcome(context, renderer):
    ctx = dataclasses.replace(context("ban-review"), outcome="")
    with pytest.raises(MissingFieldError, match='"outcome"'):
        renderer.render("ban-review", ctx)


def test_bad_field_values_are_named(context):
    with pytest.raises(LetterFieldError, match="meeting_date: expected a date YYYY-MM-DD"):
        context("meeting-invitation", fields={"meeting_date": "next Tuesday"})
    with pytest.raises(LetterFieldError, match="meeting_time"):
        context("meeting-invitation", fields={"meeting_time": "half three"})
    with pytest.raises(
        LetterFieldError, match="meeting_with: expected one of senior, chair, formal"
    ):
        context("meeting-invitation", fields={"meeting_with": "governors"})


def test_unknown_kind(context, renderer):
    with pytest.raises(UnknownKindError, match="the kinds are: information-request, warning"):
        renderer.render("referral-police", context("warning"))


def test_fields_override_the_case(context):
    ctx = context(
        "meeting-invitation",
        fields={
            "meeting_date": "2026-03-12",
            "meeting_time": "09:15",
            "meeting_place": "Library",
            "meeting_attendees": "Mr T Reid, Deputy Headteacher; Mrs H Carter, Headteacher",
            "incident_summary": "Given by the office",
        },
    )
    assert ctx.meeting_date == date(2026, 3, 12)
    assert ctx.meeting_place == "Library"
    assert ctx.meeting_attendees == ("Mr T Reid, Deputy Headteacher", "Mrs H Carter, Headteacher")
    assert ctx.incident_summary == "Given by the office"
