"""Each recording key on the case screen asks its form and records what the command line would."""

from __future__ import annotations

from typing import Any

from casework.events import EventType
from casework.payloads import ContactMethod, Incident, ParentContacted, Statement, Text
from tests.support.pilot import fill, press, settle
from tui.screens.case import CaseScreen
from tui.screens.dashboard import DashboardScreen


async def test_statement_incident_contact_and_complaint_from_their_keys(make_app: Any) -> None:
    app, _ = make_app("warning-first")
    book = app.desk.book
    ref = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="At the gate").ref
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        screen.open_case(ref)
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        keys = app.screen.active_bindings
        # Representations answer a ban: without one the key is not offered.
        assert keys["s"].enabled and not ("p" in keys and keys["p"].enabled)
        await press(pilot, "s")
        await fill(pilot, {"by": "Mrs Khan", "text": "She shouted at me."})
        await press(pilot, "i")
        await fill(
            pilot,
            {
                "text": "Swore at the gate\nagain",
                "occurred_on": "2026-03-09",
                "target": "Mrs Khan",
                "behaviours": ["swearing"],
            },
        )
        await press(pilot, "c")
        await fill(pilot, {"channel": "email", "text": "Wrote to ask for a meeting."})
        await press(pilot, "k")
        await fill(pilot, {"text": "Says the school is unfair"})
    recorded = [(e.type, e.summary, e.data) for e in book.file(ref).events[1:]]
    assert [(t, s) for t, s, _ in recorded] == [
        (EventType.STATEMENT_TAKEN, "Statement from Mrs Khan"),
        (EventType.INCIDENT, "Swore at the gate"),
        (EventType.PARENT_CONTACTED, "Contacted the parent (email)"),
        (EventType.COMPLAINT_RAISED, "Complaint raised: Says the school is unfair"),
    ]
    statement, incident, contact, complaint = (d for _, _, d in recorded)
    assert statement == Statement(by="Mrs Khan", text="She shouted at me.")
    assert isinstance(incident, Incident)
    assert (incident.occurred_on.isoformat(), incident.target, incident.behaviours) == (
        "2026-03-09",
        "Mrs Khan",
        ("swearing",),
    )
    assert contact == ParentContacted("Wrote to ask for a meeting.", ContactMethod.EMAIL)
    assert complaint == Text("Says the school is unfair")
