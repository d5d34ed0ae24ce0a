"""The case screen's pure parts: its tables, what a form's answers record, and what a move says.

No store, no worker and no screen here: ``tui.screens.case`` shows these and acts on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from casework.bans import BanStatus
from casework.cases import Case
from casework.config import Config
from casework.meetings import required_attendees
from casework.outbox import LetterRecord, allowed_moves
from casework.payloads import Payload
from casework.policy import Policy
from casework.recording import recorded_payload
from casework.rules import REPLY_AFTER_CLOSE
from casework.staff import Actor
from tui import forms, ladder_forms
from tui.case_columns import EvidenceRow
from tui.case_keys import LETTER_KEYS
from tui.forms import Entry
from tui.screens.form_modal import FormResult
from tui.widgets.record_table import Column, RecordTable

NO_EVIDENCE = "No evidence on this case yet."
NO_LETTERS = "No letters on this case yet (d drafts one)."
TAB_TABLES = {"timeline": "timeline-table", "evidence": "evidence-table", "letters": "letter-table"}


def case_table(
    cols: Sequence[Column[Any]], table_id: str, empty: str, newest_first: bool = False
) -> RecordTable[Any]:
    """A table of the case's records (each with an id) in the order they happened."""
    return RecordTable[Any](
        cols,
        key=lambda r: r.id,
        sort_column=0,
        sort_reverse=newest_first,
        sort_keys=False,
        empty=empty,
        id=table_id,
    )


def recorded_entry(
    read: Callable[[FormResult], Entry],
    answers: FormResult,
    config: Config,
    case: Case | None,
    today: date,
) -> tuple[Entry, Payload]:
    """What a form's answers record, checked as the command line checks them (PayloadError)."""
    entry = read(answers)
    payload = recorded_payload(
        entry.type,
        entry.text,
        forms.strings(entry.fields),
        policy=config.policy,
        today=today,
        calendar=config.calendar,
        attendees_required=required_attendees(config, case.step) if case else (),
    )
    return entry, payload


def moved_words(policy: Policy, case: Case) -> str:
    """What the office is told once a case has moved: where it is, and the letter that goes."""
    step = policy.step(case.step)
    if not case.is_open:
        return f"{case.ref} closed: {case.outcome}"
    done = f"{case.ref} is now at: {step.label}"
    if step.letter:
        done += f". The {step.letter} letter goes with this step: press d."
    return done


def key_offered(
    policy: Policy,
    case: Case,
    action: str,
    parameters: tuple[object, ...],
    actor: Actor,
    decides_bans: bool,
    letter: LetterRecord | None,
    evidence: EvidenceRow | None,
) -> bool:
    """Whether the case screen offers a key now (``letter``/``evidence``: the row under the
    cursor on those tabs)."""
    if action == "reopen":
        return not case.is_open
    if action == "keep_closed":
        return not case.is_open and REPLY_AFTER_CLOSE in case.flags
    if action in ("letter", "open_letter"):
        if letter is None or action == "open_letter":
            return letter is not None
        allowed = allowed_moves(letter, actor)
        return any(m in allowed for m in LETTER_KEYS[str(parameters[0])][0])
    if action in ("split_email", "view_evidence"):
        if action == "split_email":
            return evidence is not None and evidence.is_email and case.is_open
        return evidence is not None
    if action in ("impose_ban", "review_ban", "lift_ban") and not decides_bans:
        return False  # ban decisions are others' (the head's or deputy's): not offered
    if action in ("review_ban", "lift_ban"):
        return case.is_open and ladder_forms.ban_key_open(policy, case, action)
    if parameters == ("representations",):
        return case.is_open and any(b.status is not BanStatus.LIFTED for b in case.bans)
    if action in ("back", "tab", "note", "person"):
        return True
    return case.is_open
