"""The evidence view reads an email with the daemon's parser: the office sees the stored words."""

from __future__ import annotations

from typing import Any

from casework.payloads import EvidenceAdded
from mailer.ingest import Fate, ingest_raw
from store.casebook import Casebook
from store.inbox import Inbox
from tests.support.pilot import press, settle, shown_text
from tui.app import ConductApp
from tui.screens.case import CaseScreen
from tui.screens.evidence_modal import EvidenceModal

# Windows-1252 bytes with no charset declared anywhere: the case that used to read as
# "Caf\ufffd" on the dashboard while the daemon had stored "Café".
UNDECLARED = (
    b"From: Ren\xe9e Dupont <renee@parents.example>\r\n"
    b"To: office@stockham.sch.uk\r\n"
    b"Subject: Caf\xe9 \x93meeting\x94\r\n"
    b"Date: Tue, 10 Mar 2026 08:00:00 +0000\r\n"
    b"Message-ID: <undeclared@parents.example>\r\n"
    b"\r\n"
    b"We met at the caf\xe9 \x96 you were rude to me.\r\n"
)


async def test_the_dashboard_shows_the_words_the_daemon_stored(make_app: Any) -> None:
    app, config = make_app("warning-first")
    book = Casebook(config)
    handled = ingest_raw(UNDECLARED, Inbox(book), config, folder="INBOX", uidvalidity=1, uid=1)
    assert handled.fate is Fate.OPENED
    case = book.get(handled.case_ref or "")
    (event,) = [e for e in book.file(case.ref).events if e.type.value == "evidence-added"]
    assert isinstance(event.data, EvidenceAdded)
    stored_subject, stored_excerpt = event.data.subject, event.data.excerpt
    assert stored_subject == case.summary == "Caf\u00e9 \u201cmeeting\u201d"
    assert stored_excerpt == "We met at the caf\u00e9 \u2013 you were rude to me."
    shown = await _evidence_on_screen(app, width=120)
    assert "From: Ren\u00e9e Dupont <renee@parents.example>" in shown
    assert f"Subject: {stored_subject}" in shown
    assert stored_excerpt in shown
    assert "\ufffd" not in shown


async def test_a_forged_sender_is_flagged_in_the_evidence_view(make_app: Any) -> None:
    app, config = make_app("warning-first")
    book = Casebook(config)
    forged = UNDECLARED.replace(
        b"From: Ren\xe9e Dupont <renee@parents.example>",
        b"From: =?utf-8?q?Evil=0D=0ABcc=3A_head=40stockham=2Esch=2Euk?= <evil@parents.example>",
    )
    ingest_raw(forged, Inbox(book), config, folder="INBOX", uidvalidity=1, uid=1)
    shown = await _evidence_on_screen(app, width=160)
    assert "From: Evil Bcc: head@stockham.sch.uk <evil@parents.example>" in shown
    assert "Warning: From display name: control characters removed" in shown


async def _evidence_on_screen(app: ConductApp, width: int) -> str:
    """Open the only case, its evidence tab and its first email; the text on screen."""
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)
        await press(pilot, "4", "enter")
        assert isinstance(app.screen, EvidenceModal)
        return shown_text(app.screen.query_one("#evidence-text"))
