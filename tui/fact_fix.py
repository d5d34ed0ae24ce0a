"""Correcting a letter's fact from its preview, where the fact is kept: the person's record, the
meeting, the ban's record, or the letter's own fields.

The preview (``tui.screens.letter_modal``) asks which fact; this module opens the form that keeps
it, records the answer, and hands the preview back a reloaded case to render again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from casework.authority import decides_bans
from casework.cases import Case
from casework.letter_facts import Fact
from casework.payloads import PayloadError
from casework.policy import BanAction
from tui import forms, ladder_forms
from tui.case_parts import recorded_entry
from tui.screens.form_modal import Field, FormModal, FormResult

if TYPE_CHECKING:
    from tui.screens.letter_modal import LetterModal

# casework.letter_facts labels the facts it lists; what each is kept in.
# A person fact, and the person form's field that keeps it.
PERSON_FACTS = {"To": "name", "Address": "address", "Email": "emails", "Children": "children"}
RECORDED_ELSEWHERE = {"With": "meeting", "Representations received": "representations"}
BAN_TERMS = frozenset({"Reasons", "Ban dates", "Representations by", "Confirmed on", "Lifted on"})


def which_fact(facts: tuple[Fact, ...]) -> FormModal:
    """Which fact to correct: each as the letter states it, with where it is kept."""
    options = tuple(
        (str(i), f"{f.label}: {f.value}  [{where(f)}]") for i, f in enumerate(facts)
    )
    return FormModal(
        "Correct a fact",
        [Field("fact", "Which fact is wrong?", "choice", value="0", options=options, required=True)],
        intro="It is corrected where it is kept; the letter is then made again.",
        submit="Correct",
    )


def where(fact: Fact) -> str:
    """Where a fact is kept, in a few words."""
    if fact.field:
        return "this letter"
    if fact.label in PERSON_FACTS:
        return "the person's record"
    if fact.label == "With":
        return "the meeting"
    if fact.label in ("Review", "Representations received") or fact.label in BAN_TERMS:
        return "the ban's record"
    return fact.source


def how(fact: Fact) -> str:
    """What e does with a fact, for the preview's list."""
    if fact.field:
        return fact.fix
    if fact.label in PERSON_FACTS:
        return "e edits the person's record (or P on the case)"
    if fact.label == "With":
        return "e schedules the meeting again, with whom it is (or m on the case)"
    if fact.label == "Representations received":
        return "e records representations received (or p on the case)"
    if fact.label == "Review":
        return "e records the review again, as it was decided (or v on the case)"
    if fact.label in BAN_TERMS:
        return "the ban's terms as imposed: they cannot be amended"
    return fact.fix


def correct(modal: LetterModal, fact: Fact, own: Callable[[], None]) -> None:
    """Open the form that keeps ``fact``; once saved, the preview renders the letter again."""
    from tui.person_flow import PersonFlow

    desk, file = modal.desk, modal.file
    if fact.field:
        own()
    elif fact.label in PERSON_FACTS:
        PersonFlow(modal, desk, file).start(PERSON_FACTS[fact.label])
    elif fact.label in RECORDED_ELSEWHERE:
        _record(modal, RECORDED_ELSEWHERE[fact.label])
    elif fact.label == "Review" and _may_review(modal):
        form = ladder_forms.review(desk.today(), desk.config.periods, desk.config.calendar)
        form.fields = _as_last_review(form.fields, file.case)
        step = next(s for s in desk.config.policy.steps if s.ban is BanAction.REVIEW)
        ref = file.case.ref

        def reviewed(answers: FormResult | None) -> None:
            if answers is not None:
                fields = forms.strings(answers)
                modal.write_then_render(
                    "The ban's review recorded again",
                    lambda: desk.book.step(ref, step.id, fields=fields),
                )

        modal.app.push_screen(form, reviewed)
    else:
        modal.notify(_not_here(fact), title=fact.label, severity="warning", markup=False)


def _as_last_review(fields: list[Field], case: Case) -> list[Field]:
    """The review form prefilled with the review as last recorded: the office corrects it."""
    last = case.bans[-1].review_log[-1] if case.bans and case.bans[-1].review_log else None
    if last is None:
        return fields
    values = {
        "outcome": last.outcome,
        "next_review_on": last.next_review_on.isoformat() if last.next_review_on else "",
        "reason": last.reason,
    }
    return [replace(f, value=values[f.name]) if values.get(f.name) else f for f in fields]


def _may_review(modal: LetterModal) -> bool:
    desk = modal.desk
    return decides_bans(desk.config.policy, desk.actor) and ladder_forms.ban_key_open(
        desk.config.policy, modal.file.case, "review_ban"
    )


def _not_here(fact: Fact) -> str:
    if fact.label in BAN_TERMS:
        return (
            f"{fact.label} is part of the ban's dated record ({fact.source}); the record keeps "
            "no amendment of its terms, so it cannot be corrected from here"
        )
    return f"{fact.label} comes from {fact.source}: {fact.fix}"


def _record(modal: LetterModal, what: str) -> None:
    """One of the case's record forms (forms.RECORDS), checked as the case screen checks it."""
    desk, file = modal.desk, modal.file
    make, read = forms.RECORDS[what]
    form = make(desk.config, file, desk.today())
    form.validate = partial(forms.check_entry, read, desk.config, desk.today(), file.case.step)
    ref = file.case.ref

    def answered(answers: FormResult | None) -> None:
        if answers is None:
            return
        try:
            entry, payload = recorded_entry(read, answers, desk.config, file.case, desk.today())
        except PayloadError as exc:
            modal.notify(str(exc), title="Not recorded", severity="error", markup=False)
            return
        modal.write_then_render(
            f"{ref}: {entry.type.value.replace('-', ' ')} recorded",
            lambda: desk.book.add(ref, entry.type, entry.summary, payload),
        )

    modal.app.push_screen(form, answered)
