"""Helpers for the outbox scenarios: a school whose letters go to the test servers, and letters."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import weasyprint

from casework.config import Config
from casework.outbox import LetterMove, LetterRecord
from casework.people import Channel
from casework.staff import Actor, Role
from store.casebook import Casebook
from store.outbox import Outbox
from store.records import Letters


@cache
def letter_pdf() -> bytes:
    """A real WeasyPrint PDF standing in for a rendered letter."""
    return bytes(weasyprint.HTML(string="<h1>Warning</h1><p>Dear Pat Parent</p>").write_pdf())


def queued_letter(
    config: Config,
    channel: Channel = Channel.EMAIL,
    *,
    name: str = "Pat Parent",
    email: str = "pat@example.org",
    pdf: bytes | None = None,
) -> tuple[Outbox, LetterRecord]:
    """A case with one approved warning letter, queued for the daemon."""
    book = Casebook(config, actor=Actor("Mrs Helen Head", Role.HEADTEACHER))
    case = book.open_case(name=name, email=email, behaviours=["swearing"], summary="Swore")
    if channel is Channel.POST:
        person = book.person(case.subjects[0].person_id)
        book.put_person(replace(person, channel=Channel.POST, address=("1 Road", "Town")))
    outbox = Outbox(book)
    letter = outbox.add_draft(
        case.ref,
        "warning",
        pdf if pdf is not None else letter_pdf(),
        subject="Warning letter",
        body_text=f"Dear {name},\n\nPlease find attached a letter.\n",
    )
    outbox.move(case.ref, letter.id, LetterMove.APPROVE)
    return outbox, outbox.move(case.ref, letter.id, LetterMove.QUEUE)


def make_due(outbox: Outbox, letter: LetterRecord) -> None:
    """Bring a letter's retry time forward to now, as if its backoff had passed."""
    with outbox.store.transaction("test") as tx:
        current = Letters(tx).get(letter.case_ref, letter.id)
        assert current is not None
        Letters(tx).put(replace(current, next_attempt=None))
