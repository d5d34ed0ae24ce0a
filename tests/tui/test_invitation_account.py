"""A meeting invitation from the dashboard (issue 11): its account of what happened is the
recorded one and can be corrected before it goes (it took the email's subject, and its form had
no field to change it); sent while the daemon is down, the office is told it has not gone."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework.events import EventType
from casework.payloads import Incident
from casework.staff import Role
from tests.support.pilot import fill, press, settle
from tests.tui.test_ladders import take_step
from tui.screens.form_modal import FormModal
from tui.screens.letter_modal import LetterModal

SUBJECT = "Fwd: FW: incident at gate!!"
ACCOUNT = "Pat swore at Mrs Khan at the main gate in front of pupils"
CORRECTED = "Pat swore at Mrs Khan and Mr Lee at the main gate in front of pupils"


async def _previewed(pilot: Any) -> LetterModal:
    modal = pilot.app.screen
    assert isinstance(modal, LetterModal)
    for _ in range(400):  # WeasyPrint takes its time on a busy machine
        if modal.preview is not None:
            return modal
        await pilot.pause(0.05)
    raise AssertionError("the letter never rendered")


def _case_from_a_forward(app: Any) -> str:
    """A case opened from a forward whose subject line is no account, and the incident logged."""
    book = app.desk.book
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["offensive-language"], summary=SUBJECT
    )
    book.add(case.ref, EventType.INCIDENT, ACCOUNT, Incident(ACCOUNT, date(2026, 3, 9), "Mrs Khan"))
    return str(case.ref)


async def _invitation_previewed(pilot: Any) -> LetterModal:
    """From the dashboard: the case, its meeting-invitation step and meeting, then `d`."""
    await settle(pilot)
    await press(pilot, "enter")
    await take_step(pilot, "meeting-invitation")
    await press(pilot, "m")
    await fill(pilot, {"on": "2026-03-17", "at": "15:30", "place": "Head's office"})
    await press(pilot, "d")
    kind = pilot.app.screen
    assert isinstance(kind, FormModal) and kind.value_of(kind.fields[0]) == "meeting-invitation"
    await fill(pilot, {})
    if isinstance(pilot.app.screen, FormModal):  # the meeting's details, as recorded
        await fill(pilot, {})
    return await _previewed(pilot)


async def test_the_invitations_account_is_the_recorded_one_and_can_be_corrected(
    make_app: Any,
) -> None:
    app, _ = make_app("meeting-first", role=Role.HEADTEACHER)
    _case_from_a_forward(app)
    async with app.run_test(size=(110, 34)) as pilot:
        modal = await _invitation_previewed(pilot)
        assert modal.preview is not None
        words = " ".join(modal.preview.text.split())
        assert ACCOUNT in words and SUBJECT not in words
        facts = {f.label: f for f in modal.preview.facts}
        assert facts["What happened"].value == ACCOUNT
        # The office corrects the account for this letter from the preview: e, then the fact.
        index = next(i for i, f in enumerate(modal.preview.facts) if f.label == "What happened")
        await press(pilot, "e")
        await fill(pilot, {"fact": str(index)})
        form = app.screen
        assert isinstance(form, FormModal), "e asks for the letter's own facts"
        assert "incident_summary" in {f.name for f in form.fields}
        await fill(pilot, {"incident_summary": CORRECTED})
        modal = await _previewed(pilot)
        assert modal.preview is not None
        assert CORRECTED in " ".join(modal.preview.text.split())
        facts = {f.label: f for f in modal.preview.facts}
        assert facts["What happened"].source == "what was typed for this letter"


async def test_sending_from_the_preview_while_the_daemon_is_down_says_it_has_not_gone(
    make_app: Any,
) -> None:
    # Issue 11: letters queued while the daemon was stopped went out later in a burst, and
    # nothing said so when they were queued.
    app, _ = make_app("meeting-first", role=Role.HEADTEACHER)
    ref = _case_from_a_forward(app)
    async with app.run_test(size=(110, 34)) as pilot:
        await _invitation_previewed(pilot)
        await press(pilot, "g")
        for _ in range(200):
            if not isinstance(app.screen, LetterModal):
                break
            await pilot.pause(0.05)
        said = [n.message for n in app._notifications]
    assert [x.status.value for x in app.desk.book.letters(ref)] == ["queued"]
    assert any(
        "meeting-invitation letter" in m and "NOT sent yet: the mail daemon is not running" in m
        for m in said
    ), said
