"""Every letter kind under both presets: real WeasyPrint output, read back as a parent would."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from casework import bans as ban_rules
from casework.letter_context import LetterFieldError, uk_date
from casework.policy import load_preset
from letters.batch import LetterJob, render_batch
from letters.kinds import KINDS
from letters.render import Renderer, render
from letters.samples import sample_ban, sample_config
from tests.support.letters import PRESETS, REASONS, SUMMARY, TODAY, flat, make_person, pdf_text

A4 = (595.28, 841.89)  # points
COMMON = (
    "Jane Smith",
    "14 Orchard Close",
    "OX12 8QQ",
    "Amy Smith (Year 3)",
    "Ben Smith (Reception)",
    "C-2026-0007",
    "3 March 2026",
    "Mrs Helen Carter",
    "Headteacher",
    "Stockham Primary School",
)


def check_pdf(pdf: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 1), round(height, 1)) == (round(A4[0], 1), round(A4[1], 1))
    return reader


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_renders_with_its_facts(kind, preset, context, renderer):
    # The case stands at the policy step that sends this letter (meeting_with comes from it).
    steps = [s.id for s in load_preset(preset).steps if s.letter == kind]
    ctx = context(kind, preset, step=steps[0] if steps else None)
    letter = renderer.render(kind, ctx)
    check_pdf(letter.pdf)
    text = pdf_text(letter.pdf)
    for fact in COMMON:
        assert fact in text, f"{kind}/{preset}: {fact!r} missing"
    assert letter.sha256 == hashlib.sha256(letter.pdf).hexdigest()
    assert letter.title in text
    if kind.startswith("ban-"):
        ban = ctx.ban
        assert ban is not None
        assert flat(REASONS) in text
        assert uk_date(ban.starts_on) in text
        assert "section 547 of the Education Act 1996" in text
        assert "the school buildings and grounds" in text
        if kind == "ban-lifted":
            assert "Now that the ban is lifted, the usual arrangements apply" in text
        else:
            assert "Amy Smith and Ben Smith to and from school" in text
        assert "Mrs Helen Carter, Headteacher, Stockham Primary School" in text
        if kind != "ban-lifted":
            assert uk_date(ctx.next_review_on or ban.review_on) in text
            assert uk_date(ban.ends_on) in text
    else:
        assert flat(SUMMARY) in text


def test_ban_letters_state_deadlines_and_review(context, renderer):
    ctx = context("ban-intent")
    assert ctx.ban is not None and ctx.ban.representations_deadline is not None
    text = pdf_text(renderer.render("ban-intent", ctx).pdf)
    assert "No ban is in place yet" in text
    assert uk_date(ctx.ban.representations_deadline) == "13 March 2026"
    assert "by 13 March 2026" in text
    assert "The ban will be reviewed by 10 April 2026" in text
    assert "From 13 March 2026 until 11 June 2026" in text

    prov = context("ban-provisional")
    text = pdf_text(renderer.render("ban-provisional", prov).pdf)
    assert "provisional basis, with effect from 3 March 2026" in text
    assert "we receive your representations by 13 March 2026" in text
    assert "The ban will be reviewed by 31 March 2026" in text


def test_ban_review_continued_and_lifted(context, renderer):
    cont = context("ban-review")
    assert cont.outcome == "continued"
    text = pdf_text(renderer.render("ban-review", cont).pdf)
    assert "the ban should stay in place: it is continued" in text
    assert "again by 31 March 2026" in text

    # A letter states the review the record holds: "lifted" typed over a continued review is
    # refused, and a review that lifted the ban is written as lifted.
    with pytest.raises(LetterFieldError, match="the ban's record says continued"):
        context("ban-review", fields={"outcome": "lifted"})
    person = make_person()
    confirmed = sample_ban("ban-confirmed", sample_config("meeting-first"), person, TODAY)
    review_lifted = ban_rules.reviewed(confirmed, TODAY, TODAY, "lifted", "No further incidents")
    lifted = context("ban-review", ban=review_lifted, person=person)
    assert lifted.outcome == "lifted"
    letter = renderer.render("ban-review", lifted)
    text = pdf_text(letter.pdf)
    assert "the ban is lifted with effect from 3 March 2026" in text
    assert "No further incidents" in text and "took place on 3 March 2026" in text
    assert "ban lifted" in letter.title

    gone = context("ban-lifted")
    text = pdf_text(renderer.render("ban-lifted", gone).pdf)
    assert "is lifted with effect from 3 March 2026" in text
    assert "The review that was due by" in text


@pytest.mark.parametrize(
    ("meeting_with", "expected"),
    [
        ("senior", "a senior member of staff"),
        ("chair", "Mr David Okafor, Chair of Governors"),
        ("formal", "I am writing formally to invite you"),
    ],
)
def test_meeting_invitation_variants(meeting_with, expected, context, renderer):
    ctx = context("meeting-invitation", fields={"meeting_with": meeting_with})
    text = pdf_text(renderer.render("meeting-invitation", ctx).pdf)
    assert expected in text
    assert "Tuesday 10 March 2026" in text
    assert "3:30pm" in text
    assert "The headteacher's office" in text
    assert "bring a friend, family member or other companion" in text
    assert "arrange another time" in text
    assert "01235 766000" in text


def test_meeting_with_comes_from_the_policy_step(context):
    # warning-first: the meeting-chair step's letter_options say meeting_with = "chair".
    ctx = context("meeting-invitation", "warning-first", step="meeting-chair")
    assert ctx.meeting_with == "chair"
    assert ctx.meeting_attendees == (
        "Mrs Helen Carter, Headteacher",
        "Mr David Okafor, Chair of Governors",
    )
    assert context(
        "meeting-invitation", "meeting-first", step="meeting-invitation"
    ).meeting_with == ("formal")


def test_warning_quotes_the_policy_labels(context, renderer):
    ctx = context("warning", "warning-first")
    text = pdf_text(renderer.render("warning", ctx).pdf)
    policy = load_preset("warning-first")
    for bid in ("temper-shouting", "swearing"):
        assert f"“{policy.behaviour(bid).label}”" in text
    assert "24 February 2026" in text


def test_stop_and_warn_after_refused_meeting(context, renderer):
    text = pdf_text(renderer.render("stop-and-warn", context("stop-and-warn")).pdf)
    assert "You told us that you did not wish to attend" in text
    assert "Friday 27 February 2026" in text
    assert "you may be barred from the school premises" in text


def test_policy_letters_all_exist_and_referrals_have_none():
    for preset in PRESETS:
        for step in load_preset(preset).steps:
            if step.referral:
                assert step.letter is None
            if step.letter:
                assert step.letter in KINDS
    assert not [k for k in KINDS if "referral" in k or "police" in k]


def test_pdf_metadata_text_and_covering_note(context, renderer):
    letter = renderer.render("warning", context("warning"))
    meta = PdfReader(io.BytesIO(letter.pdf)).metadata
    assert meta.title == "Warning about conduct"
    assert meta.author == "Stockham Primary School"
    assert meta.subject == "C-2026-0007"
    # The plain text is the letter without the paper-only parts (letterhead, postal address).
    assert "Dear Jane Smith," in letter.text
    assert "Our reference: C-2026-0007" in letter.text
    assert "14 Orchard Close" not in letter.text
    assert flat(SUMMARY) in flat(letter.text)
    assert letter.covering_note.startswith("Dear Jane Smith,")
    assert "Please find attached a letter from Stockham Primary School about" in flat(
        letter.covering_note
    )
    assert "C-2026-0007" in letter.covering_note


def test_same_letter_same_bytes(context, renderer, logo):
    ctx = context("ban-confirmed")
    first = renderer.render("ban-confirmed", ctx)
    again = Renderer(logo=logo).render("ban-confirmed", ctx)
    assert first.sha256 == again.sha256
    assert render("ban-confirmed", ctx, logo=logo).sha256 == first.sha256


def test_archive_copy_is_pdf_a_3a_and_tagged(context, renderer):
    letter = renderer.render("ban-provisional", context("ban-provisional"), archive=True)
    reader = PdfReader(io.BytesIO(letter.pdf))
    root = reader.trailer["/Root"]
    assert "/OutputIntents" in root
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    # Level A: the accessible level of PDF/A, with the same structure tree as the letter.
    assert 'pdfaid:conformance="A"' in xmp
    assert "/StructTreeRoot" in root


def test_logo_is_drawn_only_when_allowed(context, renderer):
    ctx = context("warning")
    with_logo = PdfReader(io.BytesIO(renderer.render("warning", ctx).pdf))
    assert len(with_logo.pages[0].images) == 1
    # A Renderer not configured with this logo refuses to read it, and still renders.
    without = PdfReader(io.BytesIO(Renderer().render("warning", ctx).pdf))
    assert len(without.pages[0].images) == 0


def test_school_override_template(tmp_path: Path, context, logo):
    (tmp_path / "warning.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block body %}<p>Our own wording for '
        "{{ recipient.name }} on {{ incident_date | uk_date }}.</p>{% endblock %}"
    )
    text = pdf_text(Renderer(tmp_path, logo).render("warning", context("warning")).pdf)
    assert "Our own wording for Jane Smith on 24 February 2026." in text
    assert "Yours sincerely" in text


def test_uk_dates():
    assert uk_date(date(2026, 3, 3)) == "3 March 2026"
    assert uk_date(date(2025, 12, 25)) == "25 December 2025"


def test_batch_in_worker_processes_matches_single_renders(context, renderer, logo):
    jobs = [
        LetterJob(kind, context(kind))
        for kind in ("warning", "ban-intent", "ban-confirmed", "ban-lifted")
    ]
    batch = render_batch(jobs, logo=logo, workers=2)
    assert [b.sha256 for b in batch] == [renderer.render(j.kind, j.context).sha256 for j in jobs]
