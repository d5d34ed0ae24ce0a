"""The letter preview corrects a fact where it is kept (e): the person's record, the ban's review,
or the letter's own words; the preview is then made again from the corrected record."""

from __future__ import annotations

from typing import Any

from casework.staff import Role
from store.register import Register
from tests.support.ladder_facts import words
from tests.support.pilot import fill, press, settle
from tests.tui.test_ladders import open_new_case, preview_of
from tui.screens.form_modal import FormModal
from tui.screens.letter_modal import LetterModal

ACCOUNT = "Pat shouted at Mrs Khan at the main gate in front of pupils"


async def correct(
    pilot: Any,
    label: str,
    answers: dict[str, Any],
    starts_in: str = "",
    prefilled: dict[str, str] | None = None,
) -> LetterModal:
    """Press e on the preview, choose the fact labelled ``label``, answer the form it opens,
    and wait for the letter made again."""
    modal = await preview_of(pilot)
    assert modal.preview is not None
    index = next(i for i, f in enumerate(modal.preview.facts) if f.label == label)
    await press(pilot, "e")
    await fill(pilot, {"fact": str(index)})
    form = pilot.app.screen
    assert isinstance(form, FormModal), f"e on {label} opens the form where it is kept"
    if starts_in:
        assert pilot.app.focused is form.query_one(f"#field-{starts_in}"), "the fact's field"
    for name, value in (prefilled or {}).items():
        assert form.value_of(next(f for f in form.fields if f.name == name)) == value, name
    await fill(pilot, answers)
    for _ in range(400):
        if pilot.app.screen is modal and modal.preview is not None:
            break
        await pilot.pause(0.05)
    await settle(pilot)
    assert pilot.app.screen is modal, "back on the preview"
    return await preview_of(pilot)


def fact(modal: LetterModal, label: str) -> str:
    assert modal.preview is not None
    return next(f.value for f in modal.preview.facts if f.label == label)


async def draft_information_request(pilot: Any) -> LetterModal:
    await press(pilot, "i")
    await fill(pilot, {"text": ACCOUNT, "occurred_on": "2026-03-09"})
    await press(pilot, "d")
    await fill(pilot, {})  # the suggested kind
    await fill(pilot, {})  # the incident as recorded
    return await preview_of(pilot)


async def test_e_on_the_address_opens_the_person_and_the_letter_follows(make_app: Any) -> None:
    app, _ = make_app("warning-first", role=Role.HEADTEACHER)
    book = app.desk.book
    async with app.run_test(size=(110, 36)) as pilot:
        await open_new_case(pilot, ["swearing"])
        modal = await draft_information_request(pilot)
        assert fact(modal, "Address").startswith("(none")
        assert modal.preview is not None and "12 Mill Lane" not in words(modal.preview.pdf)

        modal = await correct(
            pilot, "Address", {"address": "12 Mill Lane\nWantage\nOX12 9AB"}, "address"
        )
        assert fact(modal, "Address") == "12 Mill Lane, Wantage, OX12 9AB"
        assert modal.preview is not None
        text = words(modal.preview.pdf)
        assert "12 Mill Lane Wantage OX12 9AB" in text
        # Corrected where it is kept: the person's record, for every letter after this one.
        pat = next(p for p in Register(book).everyone() if p.name == "Pat Parent")
        assert pat.address == ("12 Mill Lane", "Wantage", "OX12 9AB")

        modal = await correct(pilot, "To", {"name": "Patricia Parent"}, "name")
        assert fact(modal, "To") == "Patricia Parent"
        assert modal.preview is not None and "Dear Patricia Parent" in words(modal.preview.pdf)


async def test_e_on_what_happened_corrects_the_letters_own_words(make_app: Any) -> None:
    app, _ = make_app("warning-first", role=Role.HEADTEACHER)
    async with app.run_test(size=(110, 36)) as pilot:
        await open_new_case(pilot, ["swearing"])
        await draft_information_request(pilot)
        corrected = "Pat shouted at Mrs Khan and Mr Lee at the main gate"
        modal = await correct(pilot, "What happened", {"incident_summary": corrected})
        assert fact(modal, "What happened") == corrected
        assert modal.preview is not None and corrected in words(modal.preview.pdf)
        assert modal.preview.facts[0].label == "To"


async def test_e_on_the_review_records_it_again_and_the_letter_follows(make_app: Any) -> None:
    app, _ = make_app("warning-first", role=Role.HEADTEACHER)
    book = app.desk.book
    async with app.run_test(size=(110, 36)) as pilot:
        ref = await open_new_case(pilot, ["swearing"])
        await press(pilot, "b")
        await fill(pilot, {"step": "ban-provisional"})
        await fill(pilot, {"reasons": "Repeated shouting at staff"})
        await press(pilot, "v")
        await fill(pilot, {"outcome": "continued", "reason": "Still shoutng"})
        await press(pilot, "d")
        await fill(pilot, {})
        modal = await preview_of(pilot)
        assert modal.kind == "ban-review"
        assert "Still shoutng" in fact(modal, "Review")

        reason = "Still shouting at the gate"
        # The form holds the review as recorded: the office corrects what is wrong in it.
        modal = await correct(
            pilot, "Review", {"reason": reason}, prefilled={"reason": "Still shoutng"}
        )
        assert reason in fact(modal, "Review")
        assert modal.preview is not None and reason in words(modal.preview.pdf)
        assert [r.reason for r in book.get(ref).bans[0].review_log] == ["Still shoutng", reason]


async def test_e_on_the_ban_reasons_says_why_they_cannot_be_changed_here(make_app: Any) -> None:
    app, _ = make_app("warning-first", role=Role.HEADTEACHER)
    async with app.run_test(size=(110, 36)) as pilot:
        await open_new_case(pilot, ["swearing"])
        await press(pilot, "b")
        await fill(pilot, {"step": "ban-provisional"})
        await fill(pilot, {"reasons": "Repeated shouting at staff"})
        await press(pilot, "d")
        await fill(pilot, {})
        modal = await preview_of(pilot)
        assert modal.preview is not None
        index = next(i for i, f in enumerate(modal.preview.facts) if f.label == "Reasons")
        await press(pilot, "e")
        await fill(pilot, {"fact": str(index)})
        assert pilot.app.screen is modal
        said = [n.message for n in app._notifications]
        assert any("Reasons is part of the ban's dated record" in m for m in said), said
